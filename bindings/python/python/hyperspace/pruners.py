"""Pruners: decide from intermediate values (``trial.report``) whether a
running trial should stop early (``trial.should_prune()``).

The engine's pruners run in Rust, on the study's cached history; the
classes here only carry a pruner's registry name and settings to the
engine, which checks them and fills in its defaults (read them back as
attributes, e.g. ``MedianPruner().n_startup_trials``):

- :class:`MedianPruner` (the default): stop a trial whose best value so far
  is worse than the median of other complete trials at the same step.
- :class:`SuccessiveHalvingPruner`: asynchronous successive halving (ASHA).
- :class:`HyperbandPruner`: Hyperband's brackets of successive halving.
- :class:`NopPruner`: never stop.
- :class:`EnginePruner`: any pruner of the engine's registry, by name.
- Your own: subclass :class:`BasePruner` and implement
  ``prune(study, trial) -> bool`` (runs in Python, is not stored).

A pruner given when a study is created is stored with it, so every process
that opens the study later (``hyperspace run`` too) prunes the same way;
given when opening an existing study, it is used by that session only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    from .study import Study
    from .trial import FrozenTrial

__all__ = [
    "BasePruner",
    "EnginePruner",
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

    def _should_prune(self, study: "Study", trial_id: int, unrecorded: Optional[Dict[str, Any]] = None) -> bool:
        # `unrecorded`: values the live trial was handed that storage does
        # not hold yet (written with its next report or tell, not by a
        # pruning check): a pruner written in Python sees every parameter.
        trial = study.trial(trial_id)
        if unrecorded:
            trial = dataclasses.replace(trial, params={**trial.params, **unrecorded})
        return bool(self.prune(study, trial))


class EnginePruner(BasePruner):
    """The engine's pruner ``name`` with ``settings`` (checked now, by the
    engine's registry: a bad name or setting raises
    :class:`~hyperspace.InvalidStudyError`, a ``ValueError``)."""

    def __init__(self, name: str, settings: Optional[Dict[str, Any]] = None) -> None:
        given = {key: value for key, value in (settings or {}).items() if value is not None}
        full = json.loads(_core.pruner_settings(name, json.dumps(given)))
        self._name = name
        self._settings: Dict[str, Any] = full if isinstance(full, dict) else {}

    @property
    def name(self) -> str:
        """The engine's name for this pruner."""
        return self._name

    @property
    def settings(self) -> Dict[str, Any]:
        """Every setting, the engine's defaults filled in."""
        return dict(self._settings)

    def __getattr__(self, key: str) -> Any:
        settings = self.__dict__.get("_settings", {})
        if key in settings:
            return settings[key]
        raise AttributeError(f"{type(self).__name__} has no setting {key!r}")

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return self._should_prune(study, trial.id)

    def _should_prune(self, study: "Study", trial_id: int, unrecorded: Optional[Dict[str, Any]] = None) -> bool:
        # The study built this pruner once, when it was opened or set. The
        # engine's pruners judge reported values, never the parameters.
        return bool(study._c().should_prune(trial_id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnginePruner) and (self._name, self._settings) == (other._name, other._settings)

    def __hash__(self) -> int:
        return hash((self._name, json.dumps(self._settings, sort_keys=True)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in sorted(self._settings.items()))
        if type(self) is EnginePruner:
            return f"EnginePruner({self._name!r}, {{{fields}}})" if fields else f"EnginePruner({self._name!r})"
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> Any:
        return (_from_engine, (self._name, self._settings))


class NopPruner(EnginePruner):
    """Never prunes."""

    def __init__(self) -> None:
        super().__init__("none")

    def _should_prune(self, study: "Study", trial_id: int, unrecorded: Optional[Dict[str, Any]] = None) -> bool:
        return False


class MedianPruner(EnginePruner):
    """The median stopping rule (Golovin et al., *Google Vizier*, 2017;
    Optuna's ``MedianPruner``).

    At a trial's last reported step ``s``, it is stopped when its best
    intermediate value up to ``s`` is worse than the median of the values
    that other **complete** trials reported at ``s``. Settings left out
    take the engine's defaults.

    Args:
        n_startup_trials: complete trials needed before anything is pruned.
        n_warmup_steps: steps ``< n_warmup_steps`` are never pruned.
        interval_steps: after the warm-up, judge a trial at its first report
            in each run of this many steps.
        n_min_trials: complete trials that must have reported at ``s``.
    """

    def __init__(
        self,
        n_startup_trials: Optional[int] = None,
        n_warmup_steps: Optional[int] = None,
        interval_steps: Optional[int] = None,
        *,
        n_min_trials: Optional[int] = None,
    ) -> None:
        super().__init__(
            "median",
            dict(
                n_startup_trials=n_startup_trials,
                n_warmup_steps=n_warmup_steps,
                interval_steps=interval_steps,
                n_min_trials=n_min_trials,
            ),
        )


class SuccessiveHalvingPruner(EnginePruner):
    """Asynchronous successive halving (ASHA; Li et al., 2020; Optuna's
    ``SuccessiveHalvingPruner``), the building block of Hyperband.

    Rung ``k`` is at step ``min_resource * reduction_factor **
    (min_early_stopping_rate + k)``; a trial that reaches a rung continues
    only if its value there is among the best ``1 / reduction_factor`` of
    every trial that reached it (at least the best one continues).

    Args:
        min_resource: the step of the first rung.
        reduction_factor: rungs are this many times apart and keep this
            share of the trials.
        min_early_stopping_rate: skips the first rungs.
    """

    def __init__(
        self,
        min_resource: Optional[int] = None,
        reduction_factor: Optional[int] = None,
        min_early_stopping_rate: Optional[int] = None,
    ) -> None:
        super().__init__(
            "successive_halving",
            dict(
                min_resource=min_resource,
                reduction_factor=reduction_factor,
                min_early_stopping_rate=min_early_stopping_rate,
            ),
        )


class HyperbandPruner(EnginePruner):
    """Hyperband (Li et al., 2018) as Optuna's ``HyperbandPruner`` runs it:
    brackets of successive halving that start pruning at different steps;
    each trial belongs to one bracket (fixed by its number, weighted by
    Hyperband's bracket sizes) and is judged only against that bracket.
    Nothing is pruned at or past ``max_resource``.

    Args:
        min_resource: the first rung of the most aggressive bracket.
        max_resource: the step a trial that is never pruned reaches.
        reduction_factor: rungs are this many times apart and keep this
            share of the trials.
    """

    def __init__(
        self,
        min_resource: Optional[int] = None,
        max_resource: Optional[int] = None,
        reduction_factor: Optional[int] = None,
    ) -> None:
        super().__init__(
            "hyperband",
            dict(min_resource=min_resource, max_resource=max_resource, reduction_factor=reduction_factor),
        )


#: The Python class of each built-in engine pruner.
_CLASSES = {
    "median": MedianPruner,
    "successive_halving": SuccessiveHalvingPruner,
    "hyperband": HyperbandPruner,
    "none": NopPruner,
}


def _from_engine(name: str, settings: Dict[str, Any]) -> EnginePruner:
    """The Python object of the engine's pruner ``name`` with ``settings``."""
    cls = _CLASSES.get(name)
    if cls is None:
        return EnginePruner(name, settings)
    pruner = cls.__new__(cls)
    EnginePruner.__init__(pruner, name, settings)
    return pruner


PrunerLike = Union[BasePruner, str, None]


def as_pruner(pruner: PrunerLike) -> Optional[BasePruner]:
    """A pruner from an object or an engine pruner's name; ``None`` stays
    ``None`` (the study's stored pruner, else :class:`MedianPruner`)."""
    if pruner is None or isinstance(pruner, BasePruner):
        return pruner
    if isinstance(pruner, str):
        return _from_engine(pruner, {})
    if callable(getattr(pruner, "prune", None)):
        return _Duck(pruner)
    raise TypeError(
        "pruner must be a BasePruner, an engine pruner's name "
        f"({', '.join(_core.pruner_names())}) or None, got {pruner!r}"
    )


class _Duck(BasePruner):
    """Any object with ``prune(study, trial)``, e.g. an Optuna-style one."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return bool(self.inner.prune(study, trial))  # type: ignore[attr-defined]
