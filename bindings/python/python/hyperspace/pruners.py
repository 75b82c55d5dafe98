"""Pruners: decide from intermediate values (``trial.report``) whether a
running trial should stop early (``trial.should_prune()``).

- :class:`MedianPruner` (the default): stop a trial whose best value so far
  is worse than the median of other complete trials at the same step. Runs
  in the engine's process, in Rust, on the study's cached history.
- :class:`SuccessiveHalvingPruner`: asynchronous successive halving (ASHA),
  also in the engine.
- :class:`HyperbandPruner`: Hyperband's brackets of successive halving.
- :class:`NopPruner`: never stop.
- Your own: subclass :class:`BasePruner` and implement
  ``prune(study, trial) -> bool``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Tuple, Union

if TYPE_CHECKING:  # pragma: no cover
    from .study import Study
    from .trial import FrozenTrial

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PrunerLike",
    "SuccessiveHalvingPruner",
]


class BasePruner:
    """A pruner written in Python: implement :meth:`prune`."""

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        """Whether ``trial`` (running, with its intermediate values) should
        stop now."""
        raise NotImplementedError

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        return bool(self.prune(study, study.trial(trial_id)))


class NopPruner(BasePruner):
    """Never prunes."""

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return False

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        return False

    def __repr__(self) -> str:
        return "NopPruner()"


def _int_at_least(name: str, value: object, least: int) -> int:
    """``value`` if it is an integer (not a bool) of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    return value


class _EnginePruner(BasePruner):
    """A pruner that runs in the engine, in Rust: its settings, named by
    ``_fields``, go to the engine's pruner ``_engine_name`` as JSON."""

    _engine_name: str = ""
    _fields: Tuple[str, ...] = ()

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return self._should_prune(study, trial.id)

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        settings = {field: getattr(self, field) for field in self._fields}
        return study._c().should_prune(trial_id, self._engine_name, json.dumps(settings))

    def __repr__(self) -> str:
        fields = ", ".join(f"{field}={getattr(self, field)}" for field in self._fields)
        return f"{type(self).__name__}({fields})"


class MedianPruner(_EnginePruner):
    """The median stopping rule (Golovin et al., *Google Vizier*, 2017;
    Optuna's ``MedianPruner``).

    At a trial's last reported step ``s``, it is stopped when its best
    intermediate value up to ``s`` is worse than the median of the values
    that other **complete** trials reported at ``s``.

    Args:
        n_startup_trials: complete trials needed before anything is pruned.
        n_warmup_steps: steps ``< n_warmup_steps`` are never pruned.
        interval_steps: after the warm-up, judge a trial at its first report
            in each run of this many steps.
        n_min_trials: complete trials that must have reported at ``s``.
    """

    _engine_name = "median"
    _fields = ("n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials")

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        self.n_startup_trials = _int_at_least("n_startup_trials", n_startup_trials, 0)
        self.n_warmup_steps = _int_at_least("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = _int_at_least("interval_steps", interval_steps, 1)
        self.n_min_trials = _int_at_least("n_min_trials", n_min_trials, 1)


class SuccessiveHalvingPruner(_EnginePruner):
    """Asynchronous successive halving (ASHA; Li et al., 2020; Optuna's
    ``SuccessiveHalvingPruner``), the building block of Hyperband.

    Rung ``k`` is at step ``min_resource * reduction_factor **
    (min_early_stopping_rate + k)``. When a trial first reports at or past a
    rung, it continues only if its value there is among the best
    ``1 / reduction_factor`` of every trial that reached that rung (running,
    complete or pruned); with fewer trials than ``reduction_factor`` there,
    only the best continues. Runs in the engine, in Rust.

    Args:
        min_resource: the step of the first rung.
        reduction_factor: rungs are this many times apart and keep this
            share of the trials (at least 2).
        min_early_stopping_rate: skips the first rungs.
    """

    _engine_name = "successive_halving"
    _fields = ("min_resource", "reduction_factor", "min_early_stopping_rate")

    def __init__(
        self,
        min_resource: int = 1,
        reduction_factor: int = 3,
        min_early_stopping_rate: int = 0,
    ) -> None:
        self.min_resource = _int_at_least("min_resource", min_resource, 1)
        self.reduction_factor = _int_at_least("reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = _int_at_least("min_early_stopping_rate", min_early_stopping_rate, 0)


class HyperbandPruner(_EnginePruner):
    """Hyperband (Li et al., 2018) as Optuna's ``HyperbandPruner`` runs it:
    brackets of successive halving that start pruning at different steps;
    each trial belongs to one bracket (fixed by its number, weighted by
    Hyperband's bracket sizes) and is judged only against that bracket.
    Nothing is pruned at or past ``max_resource``. Runs in the engine.

    Args:
        min_resource: the first rung of the most aggressive bracket.
        max_resource: the step a trial that is never pruned reaches.
        reduction_factor: rungs are this many times apart and keep this
            share of the trials (at least 2).
    """

    _engine_name = "hyperband"
    _fields = ("min_resource", "max_resource", "reduction_factor")

    def __init__(self, min_resource: int = 1, max_resource: int = 81, reduction_factor: int = 3) -> None:
        self.min_resource = _int_at_least("min_resource", min_resource, 1)
        self.max_resource = _int_at_least("max_resource", max_resource, self.min_resource + 1)
        self.reduction_factor = _int_at_least("reduction_factor", reduction_factor, 2)


PrunerLike = Union[BasePruner, str, None]


def as_pruner(pruner: PrunerLike) -> BasePruner:
    """A pruner from an object, ``"median"``, ``"successive_halving"``,
    ``"hyperband"``, ``"none"`` or ``None`` (the default: median)."""
    if pruner is None or pruner == "median":
        return MedianPruner()
    if pruner == "successive_halving":
        return SuccessiveHalvingPruner()
    if pruner == "hyperband":
        return HyperbandPruner()
    if pruner == "none":
        return NopPruner()
    if isinstance(pruner, BasePruner):
        return pruner
    if callable(getattr(pruner, "prune", None)):
        return _Duck(pruner)
    raise TypeError(
        "pruner must be a BasePruner, 'median', 'successive_halving', 'hyperband', 'none' or None, "
        f"got {pruner!r}"
    )


class _Duck(BasePruner):
    """Any object with ``prune(study, trial)``, e.g. an Optuna-style one."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return bool(self.inner.prune(study, trial))  # type: ignore[attr-defined]

