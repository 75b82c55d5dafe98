"""Parameter importance: which parameters moved a study's objective.

``get_param_importances(study)`` returns ``{name: importance}``, most
important first, summing to 1, like Optuna's function of the same name. The
work is done by the Rust engine:

- :class:`FanovaImportanceEvaluator` (the default): fANOVA (Hutter et al.
  2014) on a random forest fitted to the complete trials -- each
  parameter's share of the objective's variance.
- :class:`PedAnovaImportanceEvaluator`: PED-ANOVA (Watanabe et al. 2023) --
  how far the values of the best ``baseline_quantile`` of trials depart
  from those of all trials.

Conditional parameters are judged on the trials where they are active.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Dict, List, Optional, Union

from . import _core

if TYPE_CHECKING:
    from .study import Study

__all__ = ["FanovaImportanceEvaluator", "PedAnovaImportanceEvaluator", "get_param_importances"]


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


class FanovaImportanceEvaluator:
    """fANOVA on a random forest of ``n_trees`` trees at most ``max_depth``
    deep (Optuna's defaults). ``seed`` fixes the forest; ``None`` uses the
    study's seed, so the same study gives the same numbers."""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: Optional[int] = None) -> None:
        self.n_trees = _positive_int("n_trees", n_trees)
        self.max_depth = _positive_int("max_depth", max_depth)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be an integer >= 0 or None, got {seed!r}")
        self.seed = seed

    def _json(self) -> str:
        return json.dumps({"evaluator": "fanova", "n_trees": self.n_trees, "max_depth": self.max_depth})

    def __repr__(self) -> str:
        return f"FanovaImportanceEvaluator(n_trees={self.n_trees}, max_depth={self.max_depth}, seed={self.seed})"


class PedAnovaImportanceEvaluator:
    """PED-ANOVA: the importance of reaching the top ``baseline_quantile``
    of trials. ``evaluate_on_local=True`` compares with the values all
    trials took (what mattered in this study), ``False`` with the uniform
    distribution over the space. Defaults are Optuna's."""

    def __init__(self, *, baseline_quantile: float = 0.1, evaluate_on_local: bool = True) -> None:
        if isinstance(baseline_quantile, bool) or not isinstance(baseline_quantile, (int, float)):
            raise ValueError(f"baseline_quantile must be a number in (0, 1], got {baseline_quantile!r}")
        if not 0.0 < float(baseline_quantile) <= 1.0:
            raise ValueError(f"baseline_quantile must be in (0, 1], got {baseline_quantile!r}")
        self.baseline_quantile = float(baseline_quantile)
        self.evaluate_on_local = bool(evaluate_on_local)
        self.seed: Optional[int] = None

    def _json(self) -> str:
        region = "local" if self.evaluate_on_local else "search_space"
        return json.dumps(
            {"evaluator": "ped-anova", "baseline_quantile": self.baseline_quantile, "region": region}
        )

    def __repr__(self) -> str:
        return (
            f"PedAnovaImportanceEvaluator(baseline_quantile={self.baseline_quantile}, "
            f"evaluate_on_local={self.evaluate_on_local})"
        )


Evaluator = Union[FanovaImportanceEvaluator, PedAnovaImportanceEvaluator]


def get_param_importances(
    study: "Study",
    evaluator: Optional[Evaluator] = None,
    params: Optional[List[str]] = None,
    *,
    where: Optional[str] = None,
) -> Dict[str, float]:
    """``{name: importance}`` of ``study``'s parameters (or only ``params``),
    most important first, summing to 1. Only complete trials with a finite
    value count (and, with ``where``, only those that filter keeps: the
    language of ``hyperspace trials --where``); at least 2 are needed
    (``ValueError`` otherwise, as for an unknown parameter or a bad
    filter)."""
    if evaluator is None:
        evaluator = FanovaImportanceEvaluator()
    if not isinstance(evaluator, (FanovaImportanceEvaluator, PedAnovaImportanceEvaluator)):
        raise TypeError(
            "evaluator must be a FanovaImportanceEvaluator or a PedAnovaImportanceEvaluator, "
            f"got {type(evaluator).__name__}"
        )
    if params is not None:
        if isinstance(params, str) or not all(isinstance(p, str) for p in params):
            raise TypeError(f"params must be a list of parameter names, got {params!r}")
        params = list(params)
    if where is not None and not isinstance(where, str):
        raise TypeError(f"where must be a filter string, got {type(where).__name__}")
    pairs = _core.param_importances(study._c(), evaluator._json(), evaluator.seed, params, where)
    return dict(pairs)
