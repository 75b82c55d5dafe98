"""The :class:`Study`: ask for trials, tell their results, query the
history. Everything is kept in storage (a SQLite file by default), so a
study outlives the process and can be shared by threads, forked workers and
other processes."""

from __future__ import annotations

import json
import os
import sys
import uuid
import warnings
import weakref
from concurrent.futures import Executor
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypedDict,
    Union,
    overload,
)

from . import _core
from .distributions import Distribution, Space, SpaceLike, check_finite
from .errors import HyperspaceError, InvalidStudyError, InvalidTellError, TrialFinishedError
from .pruners import BasePruner, EnginePruner, MedianPruner, PrunerLike, _from_engine, as_pruner
from .searcher import _settings_json
from ._json import dumps, json_value
from .trial import FrozenTrial, Trial, TrialState, check_numbers, check_value
from ._optimize import DEFAULT_MAX_FAILURES

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

if TYPE_CHECKING:  # pragma: no cover
    import pandas  # type: ignore[import-untyped,unused-ignore]
    from .ensemble import Ensemble

__all__ = ["Study", "StudyOptions", "create_study", "load_study", "NoCompleteTrialError", "StorageLike"]

StorageLike = Union[str, "os.PathLike[str]"]
TrialLike = Union[Trial, FrozenTrial, int]
Callback = Callable[["Study", FrozenTrial], None]


class NoCompleteTrialError(HyperspaceError, ValueError):
    """``best_trial`` of a study with no complete trial yet."""


class StudyOptions(TypedDict, total=False):
    """The settings a study is opened with, as keyword arguments of
    :meth:`Study.open`, :meth:`Study.create` and :func:`create_study`
    (each described in :meth:`Study.open`). Written once here, so the
    three cannot drift apart; type checkers read them through
    ``**options: Unpack[StudyOptions]``."""

    direction: str
    directions: Optional[Sequence[str]]
    constraints: Optional[Sequence[str]]
    searcher: str
    searcher_settings: Optional[Mapping[str, Any]]
    space: Optional[SpaceLike]
    pruner: PrunerLike
    seed: Optional[int]
    busy_timeout: Optional[float]
    reproducible: bool
    lag: Optional[int]
    wait_timeout: Optional[float]
    artifacts: Optional[str]


def _storage_url(storage: StorageLike, stacklevel: int) -> str:
    """The storage URL as the engine reads it (one parser for the engine,
    the CLI and Python), a relative SQLite path made absolute so a forked
    child or a worker in another folder reopens the same file. Warns (from
    the caller ``stacklevel`` frames up) when the URL is read in a way its
    writer may not expect."""
    url = os.fspath(storage)
    if not isinstance(url, str):
        raise TypeError(f"storage must be a path or URL string, got {storage!r}")
    canonical, warning = _core.storage_url(url)
    if warning is not None:
        warnings.warn(warning, FutureWarning, stacklevel=stacklevel + 1)
    return canonical


def _core_open(mode: str, storage: str, name: str, **fields: Any) -> "_core.CoreStudy":
    """The engine study: ``mode`` is ``open``, ``create`` or ``load``;
    ``fields`` are the options the engine reads (``None`` ones left out)."""
    options = {"mode": mode, "storage": storage, "name": name}
    options.update((k, v) for k, v in fields.items() if v is not None)
    return _core.CoreStudy.open(dumps(options, "the study options"))


_DIRECTIONS = ("minimize", "maximize", "min", "max")


def _check_directions(directions: Any, with_direction: bool) -> Optional[List[str]]:
    """``directions=`` checked: a non-empty list of directions, not given
    with ``direction=``."""
    if directions is None:
        return None
    if with_direction:
        raise TypeError("give direction= (one objective) or directions= (several), not both")
    if isinstance(directions, str) or not isinstance(directions, Sequence) or not directions:
        raise InvalidStudyError(f"directions must be a non-empty list like ['minimize', 'maximize'], got {directions!r}")
    for d in directions:
        if d not in _DIRECTIONS:
            raise InvalidStudyError(f"each direction must be 'minimize' or 'maximize', got {d!r}")
    return [str(d) for d in directions]


def _check_constraints(constraints: Any) -> Optional[List[str]]:
    """``constraints=`` checked: a list of ``NAME<=LIMIT`` / ``NAME>=LIMIT``
    texts (the engine reads each, as it reads the CLI's ``--constraint``)."""
    if constraints is None:
        return None
    if isinstance(constraints, str) or not isinstance(constraints, Sequence):
        raise InvalidStudyError(f"constraints must be a list like ['mem_gb<=4'], got {constraints!r}")
    for c in constraints:
        if not isinstance(c, str):
            raise InvalidStudyError(f"each constraint must be a text like 'mem_gb<=4', got {c!r}")
    return list(constraints)


def _space_text(space: SpaceLike) -> str:
    if isinstance(space, Space):
        return space.engine_text()
    if isinstance(space, str):
        return space
    return Space(space).engine_text()


def _noted(text: str) -> str:
    """`text`, after warning about each parameter whose `high` the engine
    narrows to fit its step (as Optuna does)."""
    for note in _core.space_notes(text):
        warnings.warn(note, UserWarning, stacklevel=4)
    return text


class Study:
    """A study: a name, a direction, a searcher and every trial, kept in a
    storage.

    Open one with :meth:`Study.open` (create it if missing),
    :meth:`Study.create` or :meth:`Study.load`::

        study = hs.Study.open("runs.db", "resnet", direction="minimize", searcher="tpe")
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        study.tell(trial, train(lr))

    A ``Study`` may be shared by threads; calls into the engine release the
    GIL. After ``os.fork`` the child reopens the storage by itself (a SQLite
    connection never crosses a fork); an in-memory study is copied.
    """

    def __init__(
        self,
        core: "_core.CoreStudy",
        storage: str,
        pruner: PrunerLike = None,
        define_and_run: bool = False,
        busy_timeout: Optional[float] = None,
    ) -> None:
        """Use :meth:`open`, :meth:`create` or :meth:`load`."""
        self._core = core
        self._storage = storage
        self._busy_timeout = busy_timeout
        self._wait_timeout: Optional[float] = None
        self._pid = os.getpid()
        self._pruner: BasePruner = self._session_pruner(as_pruner(pruner))
        self._define_and_run = define_and_run
        #: Stops an ``optimize`` running on an executor (``None``: none is).
        self._remote_stop: Optional[Callable[[], None]] = None
        config = json.loads(core.config_json())
        self._name: str = config["name"]
        # Each parameter's definition as the engine read it, by name, with
        # the definition it was read from (see `_param`).
        self._param_cache: Dict[str, Tuple[Any, "_core.CoreParam"]] = {}
        # The running trials handed out here, by id, so that a tell by id
        # records the values they handed out first.
        self._live: "weakref.WeakValueDictionary[int, Trial]" = weakref.WeakValueDictionary()
        # The artifact store given when opened (None: the default), and the
        # one in use, found on first use.
        self._artifacts: Optional[str] = None
        self._artifact_root: Optional[str] = None

    # ---- opening -------------------------------------------------------

    @classmethod
    def _open(
        cls,
        mode: str,
        storage: StorageLike,
        name: str,
        options: Mapping[str, Any],
        caller: str,
    ) -> "Study":
        """Opens a study for :meth:`open`, :meth:`create` and
        :func:`create_study`; ``options`` are their :class:`StudyOptions`."""
        unknown = sorted(set(options) - set(StudyOptions.__annotations__))
        if unknown:
            raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
        if not isinstance(name, str):
            raise TypeError(f"the study name must be a string, got {name!r}")
        direction = options.get("direction", "minimize")
        if direction not in _DIRECTIONS:
            raise InvalidStudyError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        directions = _check_directions(options.get("directions"), "direction" in options)
        constraints = _check_constraints(options.get("constraints"))
        seed = options.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
            raise InvalidStudyError(f"seed must be an integer from 0 to 2**64 - 1, got {seed!r}")
        reproducible, lag = options.get("reproducible", False), options.get("lag")
        _check_reproducible(reproducible, lag)
        url = _storage_url(storage, stacklevel=3)
        pruner = as_pruner(options.get("pruner"))
        stored = pruner if isinstance(pruner, EnginePruner) else None
        space, settings = options.get("space"), options.get("searcher_settings")
        busy_timeout, wait_timeout = options.get("busy_timeout"), options.get("wait_timeout")
        core = _core_open(
            mode,
            url,
            name,
            direction=direction,
            directions=directions,
            constraints=constraints,
            searcher=options.get("searcher"),
            searcher_settings_json=None if settings is None else _settings_json(settings),
            space=None if space is None else _noted(_space_text(space)),
            seed=seed,
            busy_timeout=_timeout(busy_timeout),
            pruner=None if stored is None else stored.name,
            pruner_settings_json=None if stored is None else json.dumps(stored.settings),
            lag=lag if reproducible else None,
            wait_timeout=_timeout(wait_timeout, "wait_timeout"),
        )
        study = cls(core, url, pruner, define_and_run=space is not None, busy_timeout=busy_timeout)
        study._wait_timeout = wait_timeout
        if core.kept_settings is not None:
            # The engine compares (`hyperspace_engine::kept_settings`), as
            # the CLI does before it refuses such a run.
            warnings.warn(
                f"study '{name}' exists and keeps its {core.kept_settings}; "
                "use another study name to try other settings",
                UserWarning,
                stacklevel=3,
            )
        study._artifacts = _artifacts_option(options.get("artifacts"))
        return study

    @classmethod
    def open(
        cls,
        storage: StorageLike = "hyperspace.db",
        name: str = "default",
        **options: Unpack[StudyOptions],
    ) -> "Study":
        """Opens study ``name`` in ``storage``, creating it if missing.

        Args:
            storage: a file path (SQLite, created if missing), a SQLAlchemy
                URL as Optuna takes (``sqlite:///runs.db`` relative to the
                current folder, ``sqlite:////abs/path.db`` absolute,
                ``postgresql://user:password@host/db``), or ``":memory:"``.
            name: the study's name, unique in the storage.

        Keyword args (:class:`StudyOptions`, all optional):
            direction: ``"minimize"`` (default) or ``"maximize"``; must
                match an existing study's.
            directions: one direction per objective, for a study with
                several (``["minimize", "maximize"]``; Optuna's keyword).
                Tell it one value per objective, ``study.tell(trial, [v1,
                v2])``; its best trials are :attr:`best_trials` (the
                Pareto front). Searchers ``random`` and ``grid`` handle
                several objectives; pruners do not.
            constraints: limits on metrics a new study stores, like the
                CLI's ``--constraint``: ``["mem_gb<=4", "acc>=0.9"]``. A
                complete trial is judged by the metrics it records (the
                ``metrics=`` of ``tell``, else the last value it reported
                with ``trial.report_metrics``); one that records none of a
                limit's metric is refused with :class:`InvalidTellError`.
                An infeasible trial is kept but never best. Values given
                with ``trial.set_constraints`` take their place.
            searcher: a registered searcher: ``"auto"`` (default: GP,
                TPE, CMA-ES or Hyperband by study and phase), ``"tpe"``
                (for cheap objectives and many trials), ``"gp"``,
                ``"random"``, ``"grid"``, ``"nsga2"``, ``"cmaes"``, or one
                registered from Python.
            searcher_settings: the searcher's settings, e.g.
                ``{"sampler": "sobol"}`` for ``random``.
            space: makes ``ask()`` define-and-run over this space (it may
                grow an existing study's space); without it, ``ask()`` hands
                out define-by-run trials.
            pruner: ``MedianPruner()``, ``HyperbandPruner(...)``,
                ``NopPruner()``, an engine pruner's name (``"median"``,
                ``"none"``, ...) or your own :class:`BasePruner`. An
                engine pruner is stored with a new study; for an existing
                one it is used by this session only. ``None`` (the
                default): the study's stored pruner, else ``MedianPruner()``.
            seed: the seed of a new study (an existing one keeps its own,
                as it keeps its searcher: a ``UserWarning`` says so when
                the one given differs).
            busy_timeout: seconds a SQLite write waits for another
                process's before raising :class:`DatabaseLockedError`
                (default 30).
            reproducible: make a new study reproducible: trial k is
                proposed from the seed, k and the results of the trials
                below k - ``lag`` only, so the same study run again gives
                the same trials whatever the timing of parallel workers
                (asking for trial k waits until those trials have ended).
                An existing study must have the same setting.
            lag: with ``reproducible=True``, required: how many trials
                before k count as pending; give the number of trials that
                will run at once (``n_jobs``, or the number of workers).
            wait_timeout: seconds an ask of a reproducible study waits for
                the earlier trials before raising (default one day).
            artifacts: the folder holding each trial's artifact directory
                (``trial.artifact_dir``); default ``HYPERSPACE_ARTIFACTS``,
                else ``<db file>.artifacts``. Needed for PostgreSQL: a
                folder every worker reaches.
        """
        return cls._open("open", storage, name, options, "Study.open")

    @classmethod
    def create(
        cls,
        storage: StorageLike = "hyperspace.db",
        name: str = "default",
        **options: Unpack[StudyOptions],
    ) -> "Study":
        """Creates a new study; raises :class:`StudyExistsError` if the name
        is taken. Arguments as for :meth:`open`."""
        return cls._open("create", storage, name, options, "Study.create")

    @classmethod
    def load(
        cls,
        storage: StorageLike,
        name: str,
        *,
        pruner: PrunerLike = None,
        define_and_run: bool = False,
        busy_timeout: Optional[float] = None,
    ) -> "Study":
        """Opens an existing study with its stored direction, searcher and
        seed; raises :class:`StudyNotFoundError` if there is none.
        ``define_and_run=True`` makes ``ask()`` fill every parameter of the
        stored space (a study made by the CLI, say)."""
        if not isinstance(name, str):
            raise TypeError(f"the study name must be a string, got {name!r}")
        url = _storage_url(storage, stacklevel=2)
        core = _core_open("load", url, name, busy_timeout=_timeout(busy_timeout))
        return cls(core, url, pruner, define_and_run=define_and_run, busy_timeout=busy_timeout)

    def _c(self) -> "_core.CoreStudy":
        """The engine study, reopened first in a forked child."""
        if os.getpid() != self._pid:
            if self._storage not in (":memory:", "memory://"):
                # The old one holds the parent's connection; the core leaks it
                # rather than closing it here.
                self._core = _core_open(
                    "load",
                    self._storage,
                    self._name,
                    busy_timeout=_timeout(self._busy_timeout),
                    wait_timeout=_timeout(self._wait_timeout, "wait_timeout"),
                )
                if isinstance(self._pruner, EnginePruner):
                    self._core.set_pruner(self._pruner.name, json.dumps(self._pruner.settings))
            self._pid = os.getpid()
        return self._core

    # ---- what it is ----------------------------------------------------

    @property
    def name(self) -> str:
        """The study's name."""
        return self._name

    @property
    def storage(self) -> str:
        """The storage URL or absolute path."""
        return self._storage

    def _config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = json.loads(self._c().config_json())
        return config

    @property
    def direction(self) -> str:
        """``"minimize"`` or ``"maximize"``; a study with several objectives
        raises :class:`InvalidStudyError` (use :attr:`directions`)."""
        directions = self.directions
        if len(directions) > 1:
            raise InvalidStudyError(
                f"study '{self._name}' has {len(directions)} objectives, so no single direction; use study.directions"
            )
        return directions[0]

    @property
    def directions(self) -> List[str]:
        """The direction of each objective (one for most studies)."""
        objectives = self._config()["objectives"]
        return [str(o.get("direction", "minimize")) for o in objectives]

    @property
    def searcher(self) -> str:
        """The searcher's registry name."""
        return str(self._config()["searcher"]["name"])

    @property
    def searcher_settings(self) -> Any:
        """The searcher's settings."""
        return self._config()["searcher"].get("settings")

    @property
    def seed(self) -> int:
        """The seed every trial's random stream derives from."""
        return int(self._config()["seed"])

    @property
    def space(self) -> Space:
        """The study's space (for define-by-run: every parameter met so far)."""
        return Space.from_json(self._config().get("space") or {})

    @property
    def pruner(self) -> BasePruner:
        """The pruner behind ``trial.should_prune()`` in this session (set
        here, it is not stored: the study keeps the one it was created
        with)."""
        return self._pruner

    @pruner.setter
    def pruner(self, pruner: PrunerLike) -> None:
        self._pruner = self._session_pruner(as_pruner(pruner))

    def _session_pruner(self, pruner: Optional[BasePruner]) -> BasePruner:
        """Makes ``pruner`` this session's: an engine pruner is built once,
        in the engine; ``None`` means the study's stored pruner, else
        ``MedianPruner()`` (as Optuna's default)."""
        core = self._c()
        if pruner is None:
            stored = core.pruner_json()
            if stored is None:
                pruner = MedianPruner()
            else:
                info = json.loads(stored)
                return _from_engine(info["name"], info["settings"])
        if isinstance(pruner, EnginePruner):
            core.set_pruner(pruner.name, json.dumps(pruner.settings))
        return pruner

    # ---- ask / tell ------------------------------------------------------

    @overload
    def ask(self, space: Optional[SpaceLike] = None, *, n: None = None) -> Trial: ...

    @overload
    def ask(self, space: Optional[SpaceLike] = None, *, n: int) -> List[Trial]: ...

    def ask(self, space: Optional[SpaceLike] = None, *, n: Optional[int] = None) -> Union[Trial, List[Trial]]:
        """Hands out a running trial: a queued one first (``enqueue``), else
        the searcher's proposal.

        Without ``space`` (and unless the study was opened with one) the
        trial is define-by-run: call ``trial.suggest_*``. With a space —
        :class:`Space`, a dict of distributions, JSON or compact text —
        ``trial.params`` holds a value for every active parameter, and the
        study's space becomes (or grows to) it.

        ``n=8`` hands out a list of 8 trials chosen together, for 8 workers
        that start at once: queued trials first, then proposals each made
        with the earlier trials of the batch pending, so the batch is
        spread (and the same for a seed). A define-by-run batch has each
        trial's joint proposal made as it is taken, so the trials'
        suggestions stay spread in whatever order they run. A grid with
        fewer points left hands out what it has. ``n`` counts from 1 to
        ``MAX_BATCH`` (10,000); ``n=None`` hands out one :class:`Trial`, not
        a list.
        """
        if n is not None:
            return self._ask_batch(space, n)
        core = self._c()
        if space is not None:
            return self._hand_out(FrozenTrial.from_json(core.ask(_space_text(space))), None)
        if self._define_and_run:
            return self._hand_out(FrozenTrial.from_json(core.ask()), None)
        data, proposal = core.ask_open(True)
        return self._hand_out(FrozenTrial.from_dict(data), proposal)

    def _ask_batch(self, space: Optional[SpaceLike], n: int) -> List[Trial]:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int (or None for one trial), not {type(n).__name__}")
        if not 1 <= n <= _core.MAX_BATCH:
            raise ValueError(
                f"n={n}: a batch holds 1 to {_core.MAX_BATCH} trials (n=None asks for one trial)"
            )
        core = self._c()
        taken: List[Tuple[str, Any]]
        if space is not None:
            taken = [(text, None) for text in core.ask_batch(n, _space_text(space))]
        elif self._define_and_run:
            taken = [(text, None) for text in core.ask_batch(n)]
        else:
            taken = core.ask_open_batch(n)
        return [self._hand_out(FrozenTrial.from_json(text), proposal) for text, proposal in taken]

    def _hand_out(self, frozen: FrozenTrial, proposal: Any) -> Trial:
        """The :class:`Trial` for a trial the engine handed out, with its
        joint proposal if it has one, tracked as live."""
        trial = Trial(self, frozen)
        if proposal is not None:
            trial._take_proposal(proposal)
        self._live[trial.id] = trial
        return trial

    def _take_over(self, trial_id: int) -> Trial:
        """The :class:`Trial` for a running trial another process of this
        study handed out, whose lease this study keeps from now on (a
        driver restored after its predecessor was killed, as Ray Tune's
        ``Tuner.restore``). Raises :class:`TrialFinishedError` when the
        trial is no longer running."""
        return self._hand_out(FrozenTrial.from_json(self._c().take_over(int(trial_id))), None)

    def _param(self, name: str, dist: Distribution) -> "_core.CoreParam":
        """The engine's reading of ``dist`` as parameter ``name``, read
        (and checked) once per definition, not once per suggestion."""
        key = _param_key(dist)
        cached = self._param_cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        check_finite(name, dist)
        param = _core.CoreParam.parse(name, json.dumps(dist.to_json(), allow_nan=False))
        # As Optuna: a step that does not divide the range narrows `high`.
        for note in param.notes:
            warnings.warn(note, UserWarning, stacklevel=4)
        self._param_cache[name] = (key, param)
        return param

    def _running(self, trial: TrialLike) -> Optional[Trial]:
        """The object handed out for ``trial`` here, if still alive."""
        if isinstance(trial, Trial):
            return trial
        if isinstance(trial, FrozenTrial):
            return self._live.get(trial.id)
        if isinstance(trial, int) and not isinstance(trial, bool):
            return self._live.get(trial)
        return None

    def tell(
        self,
        trial: TrialLike,
        value: Union[float, Sequence[float], None] = None,
        *,
        state: Union[TrialState, str, None] = None,
        metrics: Optional[Mapping[str, float]] = None,
        message: Optional[str] = None,
        values: Union[float, Sequence[float], None] = None,
        constraints: Optional[Sequence[float]] = None,
    ) -> FrozenTrial:
        """Finishes a trial and returns it as stored.

        ``study.tell(trial, 0.31)`` completes it; ``state="pruned"`` prunes
        it (its value is its last reported one); ``state="failed"`` fails it
        (``message`` says why). ``metrics`` are other named values to keep.
        A NaN or infinite value raises :class:`NonFiniteValueError`; a
        finished trial raises :class:`TrialFinishedError`; a state or
        value that cannot go together (a value for a pruned trial, state
        ``"waiting"``, several values) raises :class:`InvalidTellError`
        (a ``ValueError``).

        A study with several objectives takes one value per objective,
        ``study.tell(trial, [0.1, 20.0])``; a wrong number of them raises
        :class:`InvalidTellError`. ``constraints`` (or
        ``trial.set_constraints``) are values that must be ``<= 0``: a
        trial that breaks one is kept, but never among the best.
        """
        if values is not None:
            if value is not None:
                raise TypeError("give value or values, not both")
            value = values
        self._record_artifacts(trial)
        if constraints is None and isinstance(trial, Trial):
            constraints = trial._constraints
        several = isinstance(value, (list, tuple)) and len(value) != 1
        if several or constraints is not None:
            return self._tell_values(trial, value, state, constraints, metrics, message)
        try:
            parsed = TrialState.parse(state) if state is not None else None
        except ValueError as e:
            raise InvalidTellError(str(e), state=str(state)) from None
        if parsed is None:
            if value is None:
                raise TypeError("tell needs a value, or state='pruned' / state='failed'")
            parsed = TrialState.COMPLETE
        if parsed not in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED):
            raise InvalidTellError(
                f"a trial finishes as complete, pruned or failed, not {parsed.value}", state=parsed.value
            )
        number: Optional[float] = None
        if value is not None:
            if parsed is TrialState.PRUNED:
                raise InvalidTellError(
                    "a pruned trial's value is its last reported one; "
                    "report it with trial.report(step, value), then tell(trial, state='pruned')",
                    state=parsed.value,
                )
            number = check_value(value)
        metric_items = None
        if metrics:
            metric_items = [(str(k), float(json_value(v))) for k, v in metrics.items()]
        trial_id = _trial_id(trial)
        running = self._running(trial)
        unrecorded = running._unrecorded() if running is not None else None
        told = self._c().tell(trial_id, parsed.value, number, metric_items, message, False, unrecorded)
        if running is not None and unrecorded:
            running._stored.update(unrecorded)
        return FrozenTrial.from_dict(told)

    def _record_artifacts(self, trial: TrialLike) -> None:
        """Before a tell: what a trial left in its artifact directory (once
        handed out, by ``trial.artifact_dir``) becomes part of its record."""
        running = self._running(trial)
        if running is None or running._artifact_dir is None:
            return
        _core.record_artifacts(self._c(), running.id, running._artifact_dir)

    # ---- artifacts -------------------------------------------------------

    @property
    def artifact_root(self) -> str:
        """The folder holding every trial's artifact directory: the
        ``artifacts=`` the study was opened with, else
        ``HYPERSPACE_ARTIFACTS``, else ``<db file>.artifacts`` beside a
        SQLite file (a temporary folder for ``:memory:``). A PostgreSQL
        study has none of its own: :class:`ArtifactError`."""
        if self._artifact_root is None:
            self._artifact_root = _core.artifact_root(self._storage, self._artifacts)
        return self._artifact_root

    # ---- ensembles -------------------------------------------------------

    def ensemble(
        self,
        metric: str,
        top: int = 20,
        size: int = 10,
        where: Optional[str] = None,
        name: Optional[str] = None,
    ) -> "Ensemble":
        """Selects an ensemble of the ``top`` best complete trials (by the
        study's objective; those ``where`` keeps, in the language of
        ``hyperspace trials --where``) from the validation predictions each
        saved in its ``artifact_dir`` (``predictions.csv``/``.npy``, with
        ``targets.csv`` there or once in the study's folder): ``size``
        rounds of greedy selection with replacement by ``metric``
        (``rmse``, ``logloss``, ``accuracy`` or ``auc``). Stores it in the
        study under ``name`` (default ``"default"``) and returns it.

        Raises :class:`EnsembleError` naming the trial and file when a
        prediction file is missing, ragged, of the wrong length, or holds
        NaN; ``ValueError`` for a bad ``where``."""
        from .ensemble import Ensemble

        text = _core.build_ensemble(
            self._c(), self.artifact_root, metric, int(top), int(size), where, name
        )
        return Ensemble._from_json(json.loads(text))

    def get_ensemble(self, name: str = "default") -> "Ensemble":
        """The ensemble stored in this study under ``name``
        (:class:`EnsembleError` if there is none)."""
        from .ensemble import Ensemble

        return Ensemble._from_json(json.loads(_core.stored_ensemble(self._c(), name)))

    def artifact_dir(self, trial: TrialLike) -> str:
        """The artifact directory of any trial of this study (not
        created): where its command or objective kept its files."""
        if isinstance(trial, (Trial, FrozenTrial)):
            number = trial.number
        else:
            number = self.trial(_trial_id(trial)).number
        return _core.trial_artifact_dir(self.artifact_root, self._name, number)

    def log_artifact(self, trial: TrialLike, path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
        """Copies the file ``path`` into the running trial's artifact
        directory and records it (path, size, SHA-256) with the trial;
        returns that record. A finished trial raises
        :class:`TrialFinishedError`; a missing file or a folder
        :class:`ArtifactError`."""
        running = self._running(trial)
        if running is not None:
            target = running.artifact_dir
            trial_id = running.id
        else:
            frozen = trial if isinstance(trial, FrozenTrial) else self.trial(_trial_id(trial))
            target = self.artifact_dir(frozen)
            trial_id = frozen.id
        state = self.trial(trial_id).state
        if state.is_finished():
            raise TrialFinishedError(
                f"trial {trial_id} is {state.value}; log artifacts before telling it",
                trial_id=trial_id,
                state=state.value,
            )
        artifact: Dict[str, Any] = json.loads(_core.copy_artifact(target, os.fspath(path)))
        _core.record_artifacts(self._c(), trial_id, target)
        return artifact

    # ---- lineage ---------------------------------------------------------

    def lineage(self, trial: TrialLike) -> Dict[str, Any]:
        """Where a trial came from and what came from it (re-runs,
        continuations, Hyperband promotions), as ``hyperspace lineage ID
        --format json`` prints it: ``ancestors`` (oldest first), ``trial``
        and ``children``, each a dict with ``id``, ``number``, ``state``,
        ``value``, ``budget``, ``parent`` and ``changes`` (``params``: a list
        of ``name``/``before``/``after``; ``budget``: ``[parent, child]`` or
        ``None``), and ``curve``: the trial's intermediate values joined to
        its ancestors' (``step``, ``value``, ``trial``), a continuation's
        steps after its parent's. A trial of another study raises
        :class:`WrongStudyError`."""
        result: Dict[str, Any] = json.loads(_core.lineage(self._c(), _trial_id(trial)))
        return result

    def _tell_values(
        self,
        trial: TrialLike,
        value: Any,
        state: Union[TrialState, str, None],
        constraints: Optional[Sequence[float]],
        metrics: Optional[Mapping[str, float]],
        message: Optional[str],
    ) -> FrozenTrial:
        """``tell`` with several values or with constraints."""
        try:
            parsed = TrialState.parse(state) if state is not None else TrialState.COMPLETE
        except ValueError as e:
            raise InvalidTellError(str(e), state=str(state)) from None
        if parsed not in (TrialState.COMPLETE, TrialState.FAILED):
            raise InvalidTellError(
                f"a trial told with several values or constraints finishes as complete or failed, not {parsed.value}",
                state=parsed.value,
            )
        if value is None and parsed is TrialState.COMPLETE:
            raise TypeError("tell needs the values, or state='failed'")
        numbers = [] if value is None else check_numbers(value if isinstance(value, (list, tuple)) else [value], "values")
        checked = None if constraints is None else check_numbers(constraints, "constraints")
        metric_items = None
        if metrics:
            metric_items = [(str(k), float(json_value(v))) for k, v in metrics.items()]
        # The values the trial handed out are written first (one write), as
        # a single-objective tell does.
        self._record_artifacts(trial)
        running = self._running(trial)
        if running is not None:
            running._flush()
        text = self._c().tell_values(_trial_id(trial), parsed.value, numbers, checked, metric_items, message)
        return FrozenTrial.from_json(text)

    def requeue(self, trial: TrialLike) -> FrozenTrial:
        """Puts a running trial back in the queue (its worker is stopping),
        with the values it handed out."""
        trial_id = _trial_id(trial)
        running = self._running(trial)
        if running is not None:
            running._flush()
        return FrozenTrial.from_json(self._c().requeue(trial_id))

    def enqueue(
        self,
        params: Mapping[str, Any],
        *,
        user_attrs: Optional[Mapping[str, Any]] = None,
        budget: Optional[float] = None,
        parent: Optional[TrialLike] = None,
    ) -> FrozenTrial:
        """Queues a configuration; ``ask()`` hands queued trials out before
        asking the searcher. ``params`` may be partial: the searcher fills in
        the rest (define-and-run), or ``suggest_*`` does (define-by-run)."""
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict, got {params!r}")
        text = self._c().enqueue(
            dumps(dict(params), "enqueued parameters"),
            None if budget is None else float(budget),
            None if parent is None else _trial_id(parent),
            None if user_attrs is None else dumps(dict(user_attrs), "user attributes"),
        )
        return FrozenTrial.from_json(text)

    def enqueue_trial(
        self,
        params: Mapping[str, Any],
        user_attrs: Optional[Mapping[str, Any]] = None,
    ) -> FrozenTrial:
        """Optuna's spelling of :meth:`enqueue`."""
        return self.enqueue(params, user_attrs=user_attrs)

    def rerun(
        self,
        trial: TrialLike,
        *,
        budget: Optional[float] = None,
        user_attrs: Optional[Mapping[str, Any]] = None,
        **changes: Any,
    ) -> FrozenTrial:
        """Queues a re-run of ``trial`` with its parameters, ``changes``
        applied (``study.rerun(best, lr=0.02)``); the new trial's ``parent``
        is the old one."""
        old = trial if isinstance(trial, FrozenTrial) else self.trial(_trial_id(trial))
        params = dict(old.params)
        params.update(changes)
        return self.enqueue(params, user_attrs=user_attrs, budget=budget if budget is not None else old.budget, parent=old.id)

    def add_trial(self, trial: Any) -> FrozenTrial:
        """Stores a finished trial made elsewhere: what :func:`create_trial`
        returns, a :class:`FrozenTrial` of another study, or an Optuna
        ``FrozenTrial``. The engine checks each parameter against its
        distribution and the study's space (a new parameter joins the
        space; one already there must keep its definition) and the values
        against the objectives, raising a ``ValueError`` that names what is
        wrong; nothing is stored then."""
        return self.add_trials([trial])[0]

    def add_trials(self, trials: Iterable[Any]) -> List[FrozenTrial]:
        """Stores several finished trials (see :meth:`add_trial`); all are
        checked before any is stored."""
        from ._admin import add_trials

        return add_trials(self, trials)

    @property
    def user_attrs(self) -> Dict[str, Any]:
        """The study's own user attributes, as stored now."""
        attrs: Dict[str, Any] = json.loads(_core.study_user_attrs(self._c()))
        return attrs

    def set_user_attr(self, key: str, value: Any) -> None:
        """Sets one user attribute of the study (any JSON value), kept in
        storage."""
        if not isinstance(key, str):
            raise TypeError(f"an attribute key must be a string, got {key!r}")
        _core.set_study_user_attr(self._c(), key, dumps(value, f"user attribute '{key}'"))

    def retarget(self, objectives: Union[str, Sequence[str], Mapping[str, str]]) -> None:
        """Makes the study optimize other metric(s) its trials record, from
        now on: ``"val_auc:maximize"``, a list of such, or a mapping
        ``{"val_auc": "maximize"}``. Past trials that recorded them count at
        once; the others stay stored and are left out. The objectives
        replaced stay listed in :attr:`objective_history`."""
        if isinstance(objectives, str):
            words = [objectives]
        elif isinstance(objectives, Mapping):
            words = [f"{name}:{direction}" for name, direction in objectives.items()]
        else:
            words = list(objectives)
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"an objective is written 'NAME:minimize' or 'NAME:maximize', got {word!r}")
        _core.retarget_study(self._c(), words)

    @property
    def objective_history(self) -> List[Dict[str, Any]]:
        """The objectives the study optimized before each retarget, oldest
        first: ``{"objectives": [{"name", "direction"}], "until": time}``."""
        history: List[Dict[str, Any]] = json.loads(_core.objective_history(self._c()))
        return history

    # ---- the history -----------------------------------------------------

    def trial(self, trial_id: int) -> FrozenTrial:
        """One trial of this study by id."""
        return FrozenTrial.from_json(self._c().trial(int(trial_id)))

    @property
    def trials(self) -> List[FrozenTrial]:
        """Every trial, by number."""
        return [FrozenTrial.from_dict(t) for t in json.loads(self._c().trials())]

    def get_trials(
        self,
        states: Optional[Iterable[Union[TrialState, str]]] = None,
        where: Union[str, Callable[[FrozenTrial], bool], None] = None,
    ) -> List[FrozenTrial]:
        """The trials in ``states`` (all if ``None``) that ``where`` keeps,
        by number. ``where`` is either a filter in the language of
        ``hyperspace trials --where`` (read by the engine; a bad one raises
        ``ValueError`` naming the column) or a function of a trial::

            study.get_trials(where="lr < 0.01 and state = complete")
            study.get_trials(states=["complete"], where=lambda t: t.params["lr"] < 0.01)
        """
        wanted = None if states is None else {TrialState.parse(s) for s in states}
        if isinstance(where, str):
            trials = [FrozenTrial.from_dict(t) for t in json.loads(_core.select_trials(self._c(), where))]
            where = None
        elif where is None or callable(where):
            trials = self.trials
        else:
            raise TypeError(f"where must be a filter string or a function of a trial, got {type(where).__name__}")
        return [t for t in trials if (wanted is None or t.state in wanted) and (where is None or where(t))]

    def __len__(self) -> int:
        return int(self._c().n_trials())

    @property
    def best_trial(self) -> FrozenTrial:
        """The best complete trial; raises :class:`NoCompleteTrialError`
        (a ``ValueError``) when there is none yet."""
        text = self._c().best_trial()
        if text is None:
            raise NoCompleteTrialError(f"study '{self._name}' has no complete trial yet")
        return FrozenTrial.from_json(text)

    @property
    def best_trials(self) -> List[FrozenTrial]:
        """The Pareto front: the complete trials that keep their
        constraints and that no other such trial beats in every objective
        (for one objective, those sharing the best value), by number.
        Raises :class:`NoFeasibleTrialError` when every finished trial
        breaks a constraint."""
        return [FrozenTrial.from_dict(t) for t in json.loads(self._c().best_trials())]

    @property
    def best_params(self) -> Dict[str, Any]:
        """The parameters of :attr:`best_trial`."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """The value of :attr:`best_trial`."""
        value = self.best_trial.value
        assert value is not None
        return value

    def to_pandas(self) -> "pandas.DataFrame":
        """The trials as a pandas DataFrame: one row per trial, columns
        ``number, id, state, value, params_<name>..., metrics_<name>...,
        user_attrs_<key>..., datetime_start, datetime_complete, duration,
        parent, budget, message``. Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_pandas() needs pandas, which hyperspace does not install: pip install pandas"
            ) from None
        return pd.DataFrame(self._rows())

    def to_parquet(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the trials to a Parquet file, one row per trial with the
        columns of :meth:`to_pandas`. Needs pyarrow (the ``parquet``
        extra: ``pip install 'hyperspace[parquet]'``); pandas is not
        needed."""
        from ._parquet import write_rows

        write_rows(self._rows(), path)

    def _rows(self) -> List[Dict[str, Any]]:
        """One dict per trial: the table :meth:`to_pandas` and
        :meth:`to_parquet` write."""
        rows = []
        for t in self.trials:
            row: Dict[str, Any] = {
                "number": t.number,
                "id": t.id,
                "state": t.state.value,
                "value": t.value,
            }
            row.update({f"params_{k}": v for k, v in t.params.items()})
            row.update({f"metrics_{k}": v for k, v in t.metrics.items()})
            row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
            row.update(
                datetime_start=t.datetime_start,
                datetime_complete=t.datetime_complete,
                duration=t.duration,
                parent=t.parent,
                budget=t.budget,
                message=t.message,
            )
            rows.append(row)
        return rows

    def trials_dataframe(self, attrs: Optional[Sequence[str]] = None) -> "pandas.DataFrame":
        """Optuna's spelling of :meth:`to_pandas`. ``attrs`` keeps only
        the columns of those attributes, in that order, as Optuna's
        ``attrs=("number", "value", "params")``: a name keeps its column,
        and ``params``, ``metrics``, ``user_attrs`` keep every
        ``params_<name>`` (etc.) column; ``datetime_start``,
        ``datetime_complete``, ``duration``, ``state``, ``id``, ... as
        :meth:`to_pandas` names them. An unknown name raises
        ``ValueError``."""
        frame = self.to_pandas()
        if attrs is None:
            return frame
        if isinstance(attrs, str):
            raise TypeError("attrs must be a list of names, like ('number', 'value', 'params')")
        columns: List[str] = []
        for attr in attrs:
            if attr in frame.columns:
                columns.append(attr)
                continue
            prefixed = [c for c in frame.columns if c.startswith(f"{attr}_")]
            if attr in ("params", "metrics", "user_attrs"):
                columns.extend(prefixed)
            elif attr not in ("number", "id", "state", "value", "datetime_start", "datetime_complete",
                              "duration", "parent", "budget", "message"):
                raise ValueError(
                    f"trials_dataframe: unknown attribute {attr!r}; use number, id, state, value, params, "
                    "metrics, user_attrs, datetime_start, datetime_complete, duration, parent, budget, message"
                )
        return frame[columns]

    # ---- the loop --------------------------------------------------------

    def optimize(
        self,
        objective: Callable[[Trial], Any],
        n_trials: Optional[int] = None,
        timeout: Optional[float] = None,
        n_jobs: Optional[int] = None,
        callbacks: Iterable[Callback] = (),
        catch: Union[Type[BaseException], Tuple[Type[BaseException], ...]] = (),
        show_progress_bar: bool = False,
        max_failures: Optional[int] = DEFAULT_MAX_FAILURES,
        storage_patience: Optional[float] = None,
        *,
        client: Any = None,
        executor: Optional[Executor] = None,
        constraints_func: Optional[Callable[[Trial], Sequence[float]]] = None,
    ) -> None:
        """Runs ``objective(trial)`` for ``n_trials`` trials (or until
        ``timeout`` seconds have passed, or both; at least one of them
        unless you stop it with Ctrl-C).

        - The objective returns the value (a float; NaN or infinity fails
          the trial), or raises :class:`TrialPruned` to prune it. A study
          with several objectives takes one value per objective (a tuple
          or list); a wrong number of them fails the trial.
        - ``constraints_func(trial)`` (Optuna's shape), called after the
          objective, returns constraint values, each ``<= 0`` when kept;
          the trial records them (as ``trial.set_constraints`` in the
          objective does), and a trial that breaks one is never among the
          best. Searchers that model constraints (``tpe``, ``nsga2``) steer
          away from broken ones.
        - ``n_jobs`` threads share the study (``-1``: one per CPU); the
          engine releases the GIL, so objectives that release it (NumPy,
          PyTorch, subprocesses) run in parallel.
        - ``callbacks`` are called as ``callback(study, frozen_trial)``
          after every trial.
        - An exception of a type in ``catch`` fails the trial and the loop
          goes on; any other fails the trial and is raised. Ctrl-C re-queues
          the running trials and raises ``KeyboardInterrupt``.
        - ``show_progress_bar`` uses tqdm if installed, else a line on
          stderr.
        - ``max_failures``: stop after this many trials in a row failed
          (``None`` or 0: never), so a broken objective is found early.
        - The loop is the engine's, the same as ``hyperspace run``: trials
          that other workers abandoned (silent past their lease) are failed
          and re-queued; while the storage is down, results are kept (in
          memory, and in a journal beside the database) and recorded when
          it is back, for up to ``storage_patience`` seconds (default an
          hour); :meth:`stop` ends the loop after the running trials.
        - ``client`` (a ``dask.distributed.Client``) or ``executor`` (any
          ``concurrent.futures.Executor``, ``client.get_executor()`` or a
          ``ProcessPoolExecutor`` say): up to ``n_jobs`` tasks at once
          (default: the executor's number of workers, else 1) each run the
          engine's loop for a share of ``n_trials`` in the executor's
          processes, which reopen the study from its storage (a file or
          PostgreSQL they can reach, not memory). The callbacks and the
          progress bar stay here, fed from storage; ``stop()`` and
          ``max_failures`` stop every task after its running trial. A
          process that dies mid-trial fails its trial and queues a copy,
          once; Dask's re-run of that task evaluates nothing twice.

        """
        from ._optimize import run
        from ._remote import WithConstraints

        if constraints_func is not None and callable(objective):
            if not callable(constraints_func):
                raise TypeError(f"constraints_func must be callable, got {constraints_func!r}")
            objective = WithConstraints(objective, constraints_func)
        run(
            self,
            objective,
            n_trials,
            timeout,
            n_jobs,
            tuple(callbacks),
            catch,
            show_progress_bar,
            max_failures,
            storage_patience,
            client=client,
            executor=executor,
        )

    def set_lease(self, seconds: Optional[float]) -> None:
        """Sets the lease of the trials this study hands out from now on.

        While a trial is open, a background thread sends its heartbeats; a
        trial silent past its lease is presumed dead by any worker of the
        study, failed and re-queued (its late result is still recorded).
        On by default (60 s) for storage shared between processes;
        ``None`` turns it off (such trials are never recovered)."""
        # The trials handed out so far first record the values they were
        # handed: one whose lease then runs out is re-queued with them.
        for trial in list(self._live.values()):
            trial._flush()
        self._c().set_lease(None if seconds is None else float(seconds))

    def stop(self) -> None:
        """Stops the running :meth:`optimize` once its running trials end;
        call it from the objective or a callback."""
        if self._remote_stop is not None:
            self._remote_stop()
            return
        self._c().stop()

    def __repr__(self) -> str:
        return f"Study(name={self._name!r}, storage={self._storage!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickles by reference (storage and name), so a ``Study`` can be
        handed to ``multiprocessing`` workers, which reopen it."""
        if self._storage in (":memory:", "memory://"):
            raise TypeError(
                f"study '{self._name}' lives in memory and cannot cross processes; "
                "open it in a file (Study.open('runs.db', ...)) to share it"
            )
        return (
            _reopen,
            (self._storage, self._name, self._pruner, self._define_and_run, self._busy_timeout, self._artifacts),
        )


def _reopen(
    storage: str,
    name: str,
    pruner: BasePruner,
    define_and_run: bool,
    busy_timeout: Optional[float],
    artifacts: Optional[str] = None,
) -> Study:
    study = Study.load(storage, name, pruner=pruner, define_and_run=define_and_run, busy_timeout=busy_timeout)
    study._artifacts = artifacts
    return study


def _artifacts_option(value: Any) -> Optional[str]:
    """The ``artifacts=`` option: a folder, as text."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"artifacts must be a folder path, got {value!r}")
    return os.path.abspath(os.fspath(value))


def _timeout(seconds: Optional[float], what: str = "busy_timeout") -> Optional[float]:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"{what} must be a non-negative number of seconds, got {seconds!r}")
    return float(seconds)


def _param_key(dist: Distribution) -> Tuple[type, str]:
    """What tells two definitions apart as the engine reads them."""
    return (type(dist), json.dumps(dist.to_json(), sort_keys=True, default=str))


def _trial_id(trial: TrialLike) -> int:
    if isinstance(trial, (Trial, FrozenTrial)):
        return trial.id
    if isinstance(trial, bool) or not isinstance(trial, int):
        raise TypeError(f"expected a Trial, a FrozenTrial or a trial id, got {trial!r}")
    return trial


def _check_reproducible(reproducible: bool, lag: Optional[int]) -> None:
    """``reproducible=True`` needs a lag; a lag needs ``reproducible=True``."""
    if not isinstance(reproducible, bool):
        raise TypeError(f"reproducible must be True or False, got {reproducible!r}")
    if lag is not None and (isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag < 2**32):
        raise InvalidStudyError(f"lag must be an integer from 0 to 2**32 - 1, got {lag!r}")
    if reproducible and lag is None:
        raise InvalidStudyError(
            "reproducible=True needs lag=: the number of trials that will run at once "
            "(n_jobs, or the number of workers)"
        )
    if lag is not None and not reproducible:
        raise InvalidStudyError("lag= is a setting of reproducible studies: add reproducible=True")


def create_study(
    study_name: Optional[str] = None,
    storage: Optional[StorageLike] = None,
    *,
    load_if_exists: bool = False,
    **options: Unpack[StudyOptions],
) -> Study:
    """Optuna-style: a new study (in memory unless ``storage`` is given;
    named at random unless ``study_name`` is). With ``load_if_exists`` an
    existing one is opened instead of raising :class:`StudyExistsError`.
    The other keyword arguments (:class:`StudyOptions`) are as for
    :meth:`Study.open`."""
    name = study_name if study_name is not None else f"study-{uuid.uuid4().hex[:12]}"
    where = storage if storage is not None else ":memory:"
    mode = "open" if load_if_exists else "create"
    return Study._open(mode, where, name, options, "create_study")


def load_study(study_name: str, storage: StorageLike, *, pruner: PrunerLike = None) -> Study:
    """Optuna-style: an existing study."""
    return Study.load(storage, study_name, pruner=pruner)

