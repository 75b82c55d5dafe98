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
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # pragma: no cover
    from .study import Study
    from .trial import FrozenTrial

__all__ = ["BasePruner", "MedianPruner", "NopPruner", "PrunerLike"]


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


class MedianPruner(BasePruner):
    """The median stopping rule (Golovin et al., *Google Vizier*, 2017;
    Optuna's ``MedianPruner``).

    At a trial's last reported step ``s``, it is stopped when its best
    intermediate value up to ``s`` is worse than the median of the values
    that other **complete** trials reported at ``s``.

    Args:
        n_startup_trials: complete trials needed before anything is pruned.
        n_warmup_steps: steps ``< n_warmup_steps`` are never pruned.
        interval_steps: after the warm-up, prune only every this many steps.
        n_min_trials: complete trials that must have reported at ``s``.
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        for name, value, least in (
            ("n_startup_trials", n_startup_trials, 0),
            ("n_warmup_steps", n_warmup_steps, 0),
            ("interval_steps", interval_steps, 1),
            ("n_min_trials", n_min_trials, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps
        self.n_min_trials = n_min_trials

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return self._should_prune(study, trial.id)

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        settings = {
            "n_startup_trials": self.n_startup_trials,
            "n_warmup_steps": self.n_warmup_steps,
            "interval_steps": self.interval_steps,
            "n_min_trials": self.n_min_trials,
        }
        return study._c().should_prune(trial_id, "median", json.dumps(settings))

    def __repr__(self) -> str:
        return (
            f"MedianPruner(n_startup_trials={self.n_startup_trials}, "
            f"n_warmup_steps={self.n_warmup_steps}, interval_steps={self.interval_steps}, "
            f"n_min_trials={self.n_min_trials})"
        )


class SuccessiveHalvingPruner(BasePruner):
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

    def __init__(
        self,
        min_resource: int = 1,
        reduction_factor: int = 3,
        min_early_stopping_rate: int = 0,
    ) -> None:
        for name, value, least in (
            ("min_resource", min_resource, 1),
            ("reduction_factor", reduction_factor, 2),
            ("min_early_stopping_rate", min_early_stopping_rate, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
        self.min_resource = min_resource
        self.reduction_factor = reduction_factor
        self.min_early_stopping_rate = min_early_stopping_rate

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return self._should_prune(study, trial.id)

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        settings = {
            "min_resource": self.min_resource,
            "reduction_factor": self.reduction_factor,
            "min_early_stopping_rate": self.min_early_stopping_rate,
        }
        return study._c().should_prune(trial_id, "successive_halving", json.dumps(settings))

    def __repr__(self) -> str:
        return (
            f"SuccessiveHalvingPruner(min_resource={self.min_resource}, "
            f"reduction_factor={self.reduction_factor}, "
            f"min_early_stopping_rate={self.min_early_stopping_rate})"
        )


class HyperbandPruner(BasePruner):
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

    def __init__(self, min_resource: int = 1, max_resource: int = 81, reduction_factor: int = 3) -> None:
        for name, value, least in (
            ("min_resource", min_resource, 1),
            ("max_resource", max_resource, min_resource + 1 if isinstance(min_resource, int) else 2),
            ("reduction_factor", reduction_factor, 2),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
        self.min_resource = min_resource
        self.max_resource = max_resource
        self.reduction_factor = reduction_factor

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return self._should_prune(study, trial.id)

    def _should_prune(self, study: "Study", trial_id: int) -> bool:
        settings = {
            "min_resource": self.min_resource,
            "max_resource": self.max_resource,
            "reduction_factor": self.reduction_factor,
        }
        return study._c().should_prune(trial_id, "hyperband", json.dumps(settings))

    def __repr__(self) -> str:
        return (
            f"HyperbandPruner(min_resource={self.min_resource}, "
            f"max_resource={self.max_resource}, reduction_factor={self.reduction_factor})"
        )


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

