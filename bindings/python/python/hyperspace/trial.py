"""Trials: :class:`Trial` (a running trial, handed out by ``study.ask()``,
with the ``suggest_*`` methods of define-by-run), :class:`FrozenTrial` (a
read-only snapshot, as ``study.trials`` returns them) and
:class:`TrialState`."""

from __future__ import annotations

import datetime as _dt
import enum
import json
import math
import os
import numbers
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .distributions import Categorical, ChoiceValue, Distribution, Float, Int, as_distribution, check_finite
from ._json import dumps, json_value
from .errors import InvalidTellError

if TYPE_CHECKING:  # pragma: no cover
    from .study import Study

__all__ = ["TrialState", "FrozenTrial", "Trial"]


class TrialState(str, enum.Enum):
    """Where a trial is in its life. Compares equal to its lowercase name
    (``TrialState.COMPLETE == "complete"``)."""

    WAITING = "waiting"
    """Queued (``study.enqueue``), waiting for a worker."""
    RUNNING = "running"
    """Handed out, no result yet."""
    COMPLETE = "complete"
    """Finished with an objective value."""
    PRUNED = "pruned"
    """Stopped early; its value is its last intermediate value."""
    FAILED = "failed"
    """Crashed, raised, or gave no usable value."""

    def is_finished(self) -> bool:
        """Whether the trial can no longer change."""
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, state: Union["TrialState", str]) -> "TrialState":
        """A state from its name (any case) or itself."""
        if isinstance(state, TrialState):
            return state
        try:
            return cls(str(state).lower())
        except ValueError:
            raise ValueError(
                f"unknown trial state {state!r}; use one of "
                + ", ".join(s.value for s in cls)
            ) from None


# Each state by its value, for `FrozenTrial.from_dict` (the enum's own
# call by value is a slower path).
_STATES: Dict[str, TrialState] = {s.value: s for s in TrialState}


def _time(text: Optional[str]) -> Optional[_dt.datetime]:
    if not text:
        return None
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class FrozenTrial:
    """A trial as storage holds it: read-only.

    ``value`` is the objective value (for a pruned trial, its last
    intermediate value); ``metrics`` are the other named values told with
    it; ``intermediate_values`` are the values reported by step.
    """

    id: int
    """Unique in the storage (what ``tell`` and ``trial()`` take)."""
    number: int
    """Dense per study, from 0, in order of creation."""
    state: TrialState
    params: Dict[str, Any]
    value: Optional[float]
    metrics: Dict[str, float] = field(default_factory=dict)
    intermediate_values: Dict[int, float] = field(default_factory=dict)
    budget: Optional[float] = None
    parent: Optional[int] = None
    """The trial this one re-runs or continues."""
    user_attrs: Dict[str, Any] = field(default_factory=dict)
    metadata: Dict[str, Any] = field(default_factory=dict)
    """Reproducibility metadata: seed, host, pid, started, finished, code and
    data versions, ..."""
    message: Optional[str] = None
    """Why it failed, if it did."""
    all_values: Optional[List[float]] = None
    """Every objective's value (``[value]`` for one objective); read it as
    :attr:`values`."""
    constraints: List[float] = field(default_factory=list)
    """The constraint values it was told with (each ``<= 0`` is kept)."""
    metric_values: Dict[str, Dict[int, float]] = field(default_factory=dict)
    """Other named metrics reported during the run, ``{name: {step: value}}``
    (``trial.report(step, {"acc": ...})``); the objective's series is
    :attr:`intermediate_values`."""

    def __post_init__(self) -> None:
        if self.all_values is None and self.value is not None:
            object.__setattr__(self, "all_values", [self.value])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FrozenTrial":
        """Reads the engine's JSON form of a trial.

        The fields are written straight into the new object's ``__dict__``
        (the frozen dataclass's ``__init__`` writes them one
        ``object.__setattr__`` at a time, and the state's enum call looks
        it up by value): a define-by-run study reads two trials per ask and
        tell, which took 7 and 14 µs this way, a tenth of a 10-float TPE
        study's time. ``test_from_dict_sets_every_field`` keeps this in
        step with the fields.
        """
        get = data.get
        state = data["state"]
        value = get("value")
        all_values = list(get("values") or []) or None
        if all_values is None and value is not None:
            all_values = [value]
        intermediate = get("intermediate")
        series = get("intermediate_metrics")
        trial = object.__new__(cls)
        trial.__dict__.update(
            id=data["id"],
            number=data["number"],
            state=_STATES.get(state) or TrialState(state),
            params=dict(get("params") or {}),
            value=value,
            metrics=dict(get("metrics") or {}),
            intermediate_values={int(k): v for k, v in intermediate.items()} if intermediate else {},
            budget=get("budget"),
            parent=get("parent"),
            user_attrs=dict(get("user_attrs") or {}),
            metadata=dict(get("meta") or {}),
            message=get("message"),
            all_values=all_values,
            constraints=list(get("constraints") or []),
            metric_values=(
                {name: {int(k): v for k, v in steps.items()} for name, steps in series.items()}
                if series
                else {}
            ),
        )
        return trial

    @classmethod
    def from_json(cls, text: str) -> "FrozenTrial":
        """Reads a trial from JSON text."""
        return cls.from_dict(json.loads(text))

    @property
    def values(self) -> Optional[List[float]]:
        """One value per objective (``[value]`` for a study of one), or
        ``None`` without a result (Optuna's spelling)."""
        return None if self.all_values is None else list(self.all_values)

    @property
    def feasible(self) -> bool:
        """Whether it keeps every constraint it was told with."""
        return all(c <= 0 for c in self.constraints)

    @property
    def artifacts(self) -> List[Dict[str, Any]]:
        """The files it left in its artifact directory, recorded when it
        ended: ``{"path", "size", "sha256"}`` each, ``path`` relative to
        :meth:`Study.artifact_dir`."""
        return list(self.metadata.get("artifacts") or [])

    @property
    def proposer(self) -> Optional[str]:
        """The searcher that proposed its parameters (``"tpe"``, or for the
        ``auto`` searcher the one it chose, ``"auto:gp"``); ``None`` for a
        trial enqueued with every value fixed."""
        return self.metadata.get("proposer")

    @property
    def seed(self) -> Optional[int]:
        """The seed of this trial's random stream."""
        return self.metadata.get("seed")

    @property
    def datetime_start(self) -> Optional[_dt.datetime]:
        """When it was handed out (UTC)."""
        return _time(self.metadata.get("started"))

    @property
    def datetime_complete(self) -> Optional[_dt.datetime]:
        """When it finished (UTC)."""
        return _time(self.metadata.get("finished"))

    @property
    def duration(self) -> Optional[_dt.timedelta]:
        """How long it ran, once finished."""
        start, end = self.datetime_start, self.datetime_complete
        return None if start is None or end is None else end - start

    @property
    def last_step(self) -> Optional[int]:
        """The last step reported, if any."""
        return max(self.intermediate_values) if self.intermediate_values else None


class Trial:
    """A running trial. ``study.ask()`` hands it out; give its result with
    ``study.tell(trial, value)``.

    Define-by-run: call ``suggest_float`` / ``suggest_int`` /
    ``suggest_categorical`` as the objective meets each parameter. Values
    for parameters earlier trials also had are proposed jointly by the
    searcher, from the whole history; new ones on their own. Asking for a
    parameter again returns the same value. The values handed out are
    written to storage together, at the trial's next ``report`` or tell
    (or ``frozen()``, or when the object is dropped): until then
    ``study.trial(id)`` and other workers do not see them (a pruner written
    in Python is shown them at ``should_prune``). Define-and-run: ``trial.params``
    holds every active parameter already (``study.ask(space)``), and the
    ``suggest_*`` methods return those values.
    """

    __slots__ = (
        "_study",
        "_id",
        "_number",
        "_params",
        "_stored",
        "_fast",
        "_proposal",
        "_user_attrs",
        "_budget",
        "_parent",
        "_constraints",
        "_artifact_dir",
        "__weakref__",
    )

    def __init__(self, study: "Study", frozen: FrozenTrial) -> None:
        self._study = study
        self._id = frozen.id
        self._number = frozen.number
        self._params: Dict[str, Any] = dict(frozen.params)
        # The names of `_params` storage holds. The others were decided but
        # are recorded at the next report or tell (or when this object is
        # dropped): one write per trial, not per parameter.
        self._stored = set(self._params)
        # Values known without asking the engine, by name: what this object
        # suggested already and the searcher's joint proposal, each as
        # (low, high, step, log, kind, value) or (choices, their types,
        # None, None, "categorical", value); see `_core.CoreStudy.suggest`.
        self._fast: Dict[str, tuple] = {}
        # Whether the joint proposal is in `_fast`.
        self._proposal = False
        self._user_attrs: Dict[str, Any] = dict(frozen.user_attrs)
        self._budget = frozen.budget
        self._parent = frozen.parent
        self._constraints: Optional[List[float]] = None
        # Its artifact directory, once asked for (then created); a tell
        # records what is in it.
        self._artifact_dir: Optional[str] = None

    def __del__(self) -> None:
        # A trial dropped without a tell keeps the values it handed out.
        try:
            if len(self._stored) != len(self._params):
                self._flush()
        except BaseException:  # noqa: BLE001 - a finalizer must not raise
            pass

    @property
    def id(self) -> int:
        """Unique in the storage."""
        return self._id

    @property
    def number(self) -> int:
        """Dense per study, from 0."""
        return self._number

    @property
    def study(self) -> "Study":
        """The study it belongs to."""
        return self._study

    @property
    def params(self) -> Dict[str, Any]:
        """The parameters so far (all of them, for a define-and-run trial)."""
        return dict(self._params)

    @property
    def user_attrs(self) -> Dict[str, Any]:
        """User attributes set through this object (and at enqueue time)."""
        return dict(self._user_attrs)

    @property
    def budget(self) -> Optional[float]:
        """The budget to train with (epochs, samples, ...), when the searcher
        chooses one (``hyperband``) or the trial was queued or re-run with
        one; ``None`` otherwise."""
        return self._budget

    @property
    def parent(self) -> Optional[int]:
        """The id of the trial this one continues (a Hyperband promotion, a
        re-run), if any."""
        return self._parent

    @property
    def artifact_dir(self) -> str:
        """This trial's own folder for checkpoints, predictions and plots,
        created on first use: ``<store>/<study>/<number>``, the store being
        the study's (``artifacts=`` when opened, else
        ``HYPERSPACE_ARTIFACTS``, else ``<db file>.artifacts``). What is in
        it when the trial is told is recorded with it (path, size, SHA-256).
        A PostgreSQL study needs an explicit store: :class:`ArtifactError`
        otherwise."""
        if self._artifact_dir is None:
            path = self._study.artifact_dir(self)
            os.makedirs(path, exist_ok=True)
            self._artifact_dir = path
        return self._artifact_dir

    @property
    def parent_artifact_dir(self) -> Optional[str]:
        """The artifact directory of the trial this one continues (a
        Hyperband promotion, ``study.rerun``), to load its last checkpoint
        from; ``None`` without a parent. Not created: it may be empty."""
        if self._parent is None:
            return None
        return self._study.artifact_dir(self._parent)

    @property
    def parent_budget(self) -> Optional[float]:
        """The budget the parent trial was given (what a continuation has
        trained already); ``None`` without a parent or a parent's budget."""
        if self._parent is None:
            return None
        return self._study.trial(self._parent).budget

    def set_constraints(self, constraints: Sequence[float]) -> None:
        """Constraint values for :meth:`Study.tell` to record with the
        result: each ``c <= 0`` is kept, ``c > 0`` broken. A trial that
        breaks one never counts among the best trials."""
        self._constraints = check_numbers(constraints, "constraints")

    def suggest(self, name: str, distribution: Union[Distribution, Mapping[str, Any], Sequence[Any], str]) -> Any:
        """The value of parameter ``name`` drawn from ``distribution`` (a
        :class:`Float`, :class:`Int`, :class:`Categorical`, a JSON
        definition, a list of choices or compact text like ``"log(1e-5,1)"``).
        """
        dist = as_distribution(name, distribution)
        key = _fast_key(dist)
        hit = self._fast.get(name)
        if key is not None and hit is not None and hit[:5] == key:
            value = hit[5]
            self._params[name] = value
            return value
        return self._suggest(name, dist, key)

    def _suggest(self, name: str, dist: Distribution, key: Optional[tuple]) -> Any:
        """Asks the engine for the value (the first suggestion of a
        parameter in this trial that the joint proposal does not cover, or
        one with another definition, which the engine refuses)."""
        if isinstance(dist, Categorical) and dist.branches:
            raise TypeError(
                f"parameter '{name}': define-by-run choices carry no branches; "
                "suggest the sub-parameters after the choice, inside an if"
            )
        param = self._study._param(name, dist)
        value, proposal = self._study._c().suggest(self._id, name, param, not self._proposal)
        if proposal is not None:
            self._take_proposal(proposal)
        self._params[name] = value
        if key is not None:
            self._fast[name] = key + (value,)
        return value

    def _take_proposal(self, proposal: Dict[str, tuple]) -> None:
        """Keeps the searcher's joint proposal (see `_fast`)."""
        self._proposal = True
        fast, params = self._fast, self._params
        if not params and not fast:
            # A fresh trial (the usual case): nothing to keep; the dict is
            # this trial's own (made for it by the engine's binding).
            self._fast = proposal
            return
        for name, entry in proposal.items():
            # A queued trial's own values win over the proposal.
            if name not in params and name not in fast:
                fast[name] = entry

    def suggest_float(
        self,
        name: str,
        low: float,
        high: float,
        *,
        step: Optional[float] = None,
        log: bool = False,
    ) -> float:
        """A float in ``[low, high]``; on a log scale with ``log=True``, on a
        grid of ``step`` when given."""
        # The hot path: a value decided already, asked with the definition
        # it was decided for (no engine call, no distribution object).
        hit = self._fast.get(name)
        # `_same(hit, low, high, step, log, "float")`, inlined: a call per
        # suggestion was a tenth of its time.
        if (
            hit is not None
            and hit[4] == "float"
            and hit[0] == low
            and hit[1] == high
            and hit[2] == step
            and hit[3] == log
        ):
            value = hit[5]
            self._params[name] = value
            return value
        dist = Float(low, high, log=log, step=step)
        return float(self._suggest(name, dist, _fast_key(dist)))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        """An integer in ``[low, high]`` (both included)."""
        hit = self._fast.get(name)
        if hit is not None and _same(hit, low, high, step, log, "int") and not isinstance(low, bool):
            value = hit[5]
            self._params[name] = value
            return value
        dist = Int(low, high, log=log, step=step)
        return int(self._suggest(name, dist, _fast_key(dist)))

    def suggest_categorical(self, name: str, choices: Sequence[ChoiceValue]) -> Any:
        """One of ``choices`` (str, int, float, bool or None)."""
        hit = self._fast.get(name)
        if hit is not None and hit[4] == "categorical":
            given = tuple(choices)
            # Types too: 1, 1.0 and True are equal in Python, not as choices.
            if hit[0] == given and hit[1] == tuple(map(type, given)):
                value = hit[5]
                self._params[name] = value
                return value
        dist = Categorical(choices)
        return self._suggest(name, dist, _fast_key(dist))

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Old Optuna spelling of ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Old Optuna spelling of ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def report(self, step: int, value: Union[float, Mapping[str, float]]) -> None:
        """Records what the trial measured at ``step`` (an epoch, an
        iteration). Note the order: step first (Optuna's is value, step).

        ``value`` is the objective's intermediate value (the series pruners
        read), or a dict of named metrics, ``{"val_loss": 0.3, "acc": 0.9}``:
        an entry named like the study's objective is the objective's value,
        every other one is kept as a metric of its own
        (:attr:`FrozenTrial.metric_values`); a dict without the objective's
        name records metrics only.

        A step reported already keeps its first value: the new one is
        ignored with a warning (as Optuna does).
        """
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            hint = ""
            if isinstance(step, numbers.Real) and isinstance(value, numbers.Integral):
                hint = "; hyperspace takes report(step, value), Optuna takes report(value, step)"
            raise TypeError(f"step must be a non-negative integer, got {step!r}{hint}")
        objective: Optional[float] = None
        metrics: Optional[List[Tuple[str, float]]] = None
        if isinstance(value, Mapping):
            metrics = []
            for name, v in value.items():
                if not isinstance(name, str):
                    raise TypeError(f"a metric name must be a string, got {name!r}")
                if isinstance(v, bool) or not isinstance(json_value(v), (int, float)):
                    raise TypeError(f"metric {name!r} must be a number, got {v!r}")
                metrics.append((name, float(json_value(v))))
        elif isinstance(value, bool) or not isinstance(json_value(value), (int, float)):
            raise TypeError(f"value must be a number or a dict of named numbers, got {value!r}")
        else:
            objective = float(json_value(value))
        unrecorded = self._unrecorded()
        warning = self._study._c().report(self._id, int(step), objective, unrecorded, metrics)
        if unrecorded:
            self._stored.update(unrecorded)
        if warning:
            warnings.warn(warning, UserWarning, stacklevel=2)

    def should_prune(self) -> bool:
        """Whether the study's pruner stops this trial at its last reported
        step. When it says so, stop and raise :class:`hyperspace.TrialPruned`
        (inside ``optimize``) or ``study.tell(trial, state="pruned")``."""
        # Nothing is written: the next report or the tell records the
        # values (a write here was one more per trial, and refused on a
        # trial another worker had given up, whose report and result are
        # still taken); a pruner written in Python is shown them.
        return self._study._pruner._should_prune(self._study, self._id, self._unrecorded())

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attaches any JSON value to the trial."""
        text = dumps(value, f"user attribute {key!r}")
        self._study._c().set_user_attr(self._id, str(key), text)
        self._user_attrs[key] = json.loads(text)

    def frozen(self) -> FrozenTrial:
        """The trial as storage holds it now (with every value handed out)."""
        self._flush()
        return self._study.trial(self._id)

    def _unrecorded(self) -> Optional[Dict[str, Any]]:
        """The values handed out that storage does not hold yet, if any."""
        if len(self._stored) == len(self._params):
            return None
        stored = self._stored
        if not stored:
            # A fresh trial's values, all of them (the usual case): a copy
            # in C, not a filter in Python.
            return self._params.copy()
        return {k: v for k, v in self._params.items() if k not in stored}

    def _flush(self) -> None:
        """Records the values handed out that storage does not hold yet."""
        unrecorded = self._unrecorded()
        if unrecorded:
            self._study._c().record(self._id, unrecorded)
            self._stored.update(unrecorded)

    def __repr__(self) -> str:
        return f"Trial(id={self._id}, number={self._number}, params={self._params!r})"


def _same(hit: tuple, low: Any, high: Any, step: Any, log: Any, kind: str) -> bool:
    """Whether a `Trial._fast` entry was decided for this definition."""
    return hit[4] == kind and hit[0] == low and hit[1] == high and hit[2] == step and hit[3] == log


def _fast_key(dist: Distribution) -> Optional[tuple]:
    """What `Trial._fast` matches a definition by (see `Trial.__init__`);
    `None` for a definition the engine must read (compact text, a default,
    branches)."""
    if isinstance(dist, Float) and dist.default is None:
        return (dist.low, dist.high, dist.step, dist.log, "float")
    if isinstance(dist, Int) and dist.default is None:
        return (dist.low, dist.high, dist.step, dist.log, "int")
    if type(dist) is Categorical and dist.default is None and not dist.branches:
        choices = tuple(dist.choices)
        return (choices, tuple(map(type, choices)), None, None, "categorical")
    return None


def check_value(value: Any) -> float:
    """An objective value as a float (numpy scalars and one-element
    sequences accepted)."""
    if type(value) is float:
        # The usual value: no numpy or sequence checks (a tenth of a tell's
        # time in Python).
        return value
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise InvalidTellError(
                f"a study has one objective, got {len(value)} values; "
                "give other values as metrics={'name': value}"
            )
        value = value[0]
    value = json_value(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"the objective value must be a number, got {value!r}")
    return float(value)


def check_numbers(values: Any, what: str) -> List[float]:
    """A list of numbers (numpy scalars accepted) given as ``what``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{what} must be a list of numbers, got {values!r}")
    out = []
    for v in values:
        v = json_value(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"{what} must be numbers, got {v!r}")
        out.append(float(v))
    return out


def is_finite(value: float) -> bool:
    """Whether a value is neither NaN nor infinite."""
    return math.isfinite(value)
