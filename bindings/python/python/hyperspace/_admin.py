"""What Optuna users reach for beside a study: finished trials made
elsewhere (:func:`create_trial`, ``study.add_trial(s)``), and the
storage-level calls (:func:`copy_study`, :func:`delete_study`,
:func:`get_all_study_names`, :func:`get_all_study_summaries`).

The rules a trial must keep (parameters in range and in the space, one
value per objective, finite numbers) are the engine's: this module only
turns Python objects into the JSON the engine reads."""

from __future__ import annotations

import datetime as _dt
import json
import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _core
from ._json import dumps
from .distributions import Categorical, Distribution, Float, Int, as_distribution
from .trial import FrozenTrial, TrialState

if TYPE_CHECKING:  # pragma: no cover
    from .study import StorageLike, Study

__all__ = [
    "AddedTrial",
    "create_trial",
    "copy_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "StudySummary",
]


@dataclass(frozen=True)
class AddedTrial:
    """A finished trial made elsewhere, not stored yet: what
    :func:`create_trial` returns and ``study.add_trial`` stores."""

    params: Dict[str, Any]
    distributions: Dict[str, Distribution]
    state: TrialState
    values: Optional[List[float]] = None
    intermediate_values: Dict[int, float] = field(default_factory=dict)
    user_attrs: Dict[str, Any] = field(default_factory=dict)
    metrics: Dict[str, float] = field(default_factory=dict)
    metric_values: Dict[str, Dict[int, float]] = field(default_factory=dict)
    """Other metrics reported by step (as :attr:`FrozenTrial.metric_values`)."""
    constraints: List[float] = field(default_factory=list)
    message: Optional[str] = None
    datetime_start: Optional[str] = None
    datetime_complete: Optional[str] = None

    @property
    def value(self) -> Optional[float]:
        """The objective value (the first, for several objectives)."""
        return self.values[0] if self.values else None

    def _engine_json(self) -> Dict[str, Any]:
        return {
            "distributions": {k: d.to_json() for k, d in self.distributions.items()},
            "params": self.params,
            "state": self.state.value,
            "values": list(self.values or []),
            "constraints": list(self.constraints),
            "metrics": dict(self.metrics),
            "intermediate": {str(int(k)): float(v) for k, v in self.intermediate_values.items()},
            "intermediate_metrics": {
                name: {str(int(k)): float(v) for k, v in series.items()} for name, series in self.metric_values.items()
            },
            "user_attrs": self.user_attrs,
            "message": self.message,
            "started": self.datetime_start,
            "finished": self.datetime_complete,
        }


def from_optuna_distribution(dist: Any) -> Distribution:
    """Optuna's ``FloatDistribution``, ``IntDistribution`` or
    ``CategoricalDistribution`` (or an older one) as ours, read by its
    attributes so Optuna need not be installed."""
    kind = type(dist).__name__
    attrs = dist if isinstance(dist, Mapping) else vars(dist)
    return _distribution(kind, attrs)


def _distribution(kind: str, a: Mapping[str, Any]) -> Distribution:
    """Optuna's distribution named ``kind`` with attributes ``a`` (as
    Optuna's ``distribution_json`` stores them)."""
    if kind == "FloatDistribution":
        return Float(a["low"], a["high"], log=bool(a.get("log")), step=a.get("step"))
    if kind == "IntDistribution":
        return Int(int(a["low"]), int(a["high"]), log=bool(a.get("log")), step=int(a.get("step") or 1))
    if kind == "CategoricalDistribution":
        return Categorical(list(a["choices"]))
    if kind == "UniformDistribution":
        return Float(a["low"], a["high"])
    if kind == "LogUniformDistribution":
        return Float(a["low"], a["high"], log=True)
    if kind == "DiscreteUniformDistribution":
        return Float(a["low"], a["high"], step=a["q"])
    if kind == "IntUniformDistribution":
        return Int(int(a["low"]), int(a["high"]), step=int(a.get("step") or 1))
    if kind == "IntLogUniformDistribution":
        return Int(int(a["low"]), int(a["high"]), log=True)
    raise TypeError(f"unknown Optuna distribution {kind}")


def _as_distribution(name: str, definition: Any) -> Distribution:
    """Ours, or Optuna's (by class name, so Optuna is never imported)."""
    if type(definition).__module__.startswith("optuna"):
        return from_optuna_distribution(definition)
    return as_distribution(name, definition)


def _optuna_value(dist: Distribution, value: Any) -> Any:
    """Optuna's Int values come as ``1.0`` from some paths; ours as ints."""
    if isinstance(dist, Int) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _when(value: Any) -> Optional[str]:
    """A time as the engine keeps it (RFC 3339), from a datetime or text."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        stamp = value if value.tzinfo is not None else value.astimezone()
        return stamp.astimezone(_dt.timezone.utc).isoformat()
    return str(value)


def create_trial(
    *,
    params: Mapping[str, Any],
    distributions: Mapping[str, Any],
    value: Optional[float] = None,
    values: Optional[Sequence[float]] = None,
    state: Union[TrialState, str, None] = None,
    intermediate_values: Optional[Mapping[int, float]] = None,
    user_attrs: Optional[Mapping[str, Any]] = None,
    metrics: Optional[Mapping[str, float]] = None,
    constraints: Optional[Sequence[float]] = None,
    message: Optional[str] = None,
    datetime_start: Any = None,
    datetime_complete: Any = None,
) -> AddedTrial:
    """A finished trial made elsewhere, for ``study.add_trial`` (Optuna's
    ``create_trial``). ``distributions`` are ours (``hs.Float(...)``) or
    Optuna's; ``state`` is ``"complete"`` (default), ``"pruned"`` or
    ``"failed"``. Nothing is checked against a study until it is added;
    the engine then checks every parameter against its distribution and
    the study's space, and the values against its objectives."""
    if not isinstance(params, Mapping) or not isinstance(distributions, Mapping):
        raise TypeError("params and distributions must be dicts keyed by parameter name")
    if value is not None and values is not None:
        raise TypeError("give value or values, not both")
    parsed = TrialState.parse(state) if state is not None else TrialState.COMPLETE
    dists = {str(k): _as_distribution(str(k), d) for k, d in distributions.items()}
    got = [float(value)] if value is not None else (None if values is None else [float(v) for v in values])
    return AddedTrial(
        params={k: _optuna_value(dists[k], v) if k in dists else v for k, v in params.items()},
        distributions=dists,
        state=parsed,
        values=got,
        intermediate_values={int(k): float(v) for k, v in (intermediate_values or {}).items()},
        user_attrs=dict(user_attrs or {}),
        metrics={str(k): float(v) for k, v in (metrics or {}).items()},
        constraints=[float(c) for c in (constraints or [])],
        message=message,
        datetime_start=_when(datetime_start),
        datetime_complete=_when(datetime_complete),
    )


def _from_frozen(trial: FrozenTrial, distributions: Mapping[str, Distribution]) -> AddedTrial:
    """A stored trial (of another study, say) as a trial to add."""
    return AddedTrial(
        params=dict(trial.params),
        distributions={k: distributions[k] for k in trial.params if k in distributions},
        state=trial.state,
        values=None if trial.state is TrialState.PRUNED else trial.all_values,
        intermediate_values=dict(trial.intermediate_values),
        user_attrs=dict(trial.user_attrs),
        metrics=dict(trial.metrics),
        metric_values={name: dict(series) for name, series in trial.metric_values.items()},
        constraints=list(trial.constraints),
        message=trial.message,
        datetime_start=trial.metadata.get("started"),
        datetime_complete=trial.metadata.get("finished"),
    )


def add_trials(study: "Study", trials: Iterable[Union[AddedTrial, FrozenTrial, Any]]) -> List[FrozenTrial]:
    """``study.add_trials``: every trial checked by the engine before any
    is stored."""
    added: List[AddedTrial] = []
    for t in trials:
        if isinstance(t, AddedTrial):
            added.append(t)
        elif isinstance(t, FrozenTrial):
            added.append(_from_frozen(t, study.space.flatten()))
        elif type(t).__module__.startswith("optuna"):
            added.append(_from_optuna_trial(t))
        else:
            raise TypeError(f"add_trial takes what hs.create_trial returns or a FrozenTrial, got {t!r}")
    text = _core.add_trials(study._c(), dumps([a._engine_json() for a in added], "the added trials"))
    return [FrozenTrial.from_dict(d) for d in json.loads(text)]


_OPTUNA_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}


def _from_optuna_trial(t: Any) -> AddedTrial:
    """An ``optuna.trial.FrozenTrial`` as a trial to add."""
    state = _OPTUNA_STATES.get(t.state.name)
    if state is None:
        raise ValueError(f"Optuna trial {t.number} is {t.state.name.lower()}; only finished trials can be added")
    values = list(t.values) if state == "complete" and t.values is not None else None
    message = None
    if values is not None and not all(math.isfinite(v) for v in values):
        # The engine keeps finite results only: such a trial comes in failed.
        state, message, values = "failed", f"its value in Optuna was {values}", None
    return create_trial(
        params=t.params,
        distributions=t.distributions,
        values=values,
        state=state,
        intermediate_values={k: v for k, v in t.intermediate_values.items() if math.isfinite(v)},
        user_attrs=t.user_attrs,
        constraints=(getattr(t, "system_attrs", None) or {}).get("constraints"),
        message=message,
        datetime_start=t.datetime_start,
        datetime_complete=t.datetime_complete,
    )


def _url(storage: "StorageLike") -> str:
    from .study import _storage_url

    return _storage_url(storage, stacklevel=3)


def get_all_study_names(storage: "StorageLike") -> List[str]:
    """The names of the studies in ``storage``, in order of creation."""
    return [s["name"] for s in json.loads(_core.list_studies(_url(storage)))]


def delete_study(*, study_name: str, storage: "StorageLike") -> None:
    """Deletes study ``study_name`` and all its trials; raises
    :class:`StudyNotFoundError` if there is none."""
    _core.delete_study(_url(storage), study_name)


@dataclass(frozen=True)
class StudySummary:
    """One study of a storage at a glance (Optuna's ``StudySummary``)."""

    study_name: str
    directions: List[str]
    n_trials: int
    best_trial: Optional[FrozenTrial]
    user_attrs: Dict[str, Any]
    datetime_start: Optional[str]

    @property
    def direction(self) -> str:
        """The direction of the first objective."""
        return self.directions[0]


def get_all_study_summaries(storage: "StorageLike") -> List[StudySummary]:
    """Every readable study of ``storage``: name, directions, number of
    trials, best trial (``None`` for none, or several objectives), user
    attributes and when it was created."""
    from .study import Study

    url = _url(storage)
    out = []
    for s in json.loads(_core.list_studies(url)):
        if "damaged" in s:
            warnings.warn(f"study '{s['name']}' is skipped: {s['damaged']}", RuntimeWarning, stacklevel=2)
            continue
        study = Study.load(url, s["name"])
        directions = study.directions
        best = None
        if len(directions) == 1:
            best_text = study._c().best_trial()
            best = None if best_text is None else FrozenTrial.from_json(best_text)
        out.append(
            StudySummary(
                study_name=s["name"],
                directions=directions,
                n_trials=len(study),
                best_trial=best,
                user_attrs=dict(s.get("user_attrs") or {}),
                datetime_start=s.get("created"),
            )
        )
    return out


def copy_study(
    *,
    from_study_name: str,
    from_storage: "StorageLike",
    to_storage: "StorageLike",
    to_study_name: Optional[str] = None,
) -> "Study":
    """Copies a study (directions, searcher, seed, user attributes and its
    finished trials; queued trials are queued again) to ``to_storage``
    under ``to_study_name`` (default: the same name). Raises
    :class:`StudyExistsError` if that name is taken there. Running trials
    are not copied (they have no result yet): a warning says how many."""
    from .study import Study

    source = Study.load(from_storage, from_study_name)
    target = Study.create(
        to_storage,
        to_study_name if to_study_name is not None else from_study_name,
        directions=source.directions,
        searcher=source.searcher,
        searcher_settings=source.searcher_settings,
        seed=source.seed,
    )
    trials = source.trials
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)]
    space = source.space.flatten()
    add_trials(target, [_from_frozen(t, space) for t in finished])
    for t in trials:
        if t.state is TrialState.WAITING:
            target.enqueue(t.params, user_attrs=t.user_attrs, budget=t.budget)
    running = sum(t.state is TrialState.RUNNING for t in trials)
    if running:
        warnings.warn(
            f"copy_study: {running} running trial(s) of '{from_study_name}' were not copied (no result yet)",
            RuntimeWarning,
            stacklevel=2,
        )
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    return target
