"""``Study.optimize(client=...)`` / ``executor=...``, the task's side:
trials run in loops on a ``concurrent.futures.Executor``'s workers (a Dask
client's included); ``_remote_driver`` is the driver's side.

Each task reopens the study from its storage URL (once per process) and
runs the engine's own loop there, the one ``optimize`` runs on the
driver without an executor (ask, evaluate, journal, record, leases), for
up to its share of the budget: a trial costs the engine's loop, not a
round trip through the executor. The storage is the only thing the
processes share, so it must be one all can open.

Every trial a task starts carries a mark (``STARTED_ATTR``) naming the
run and the task. A process that dies mid-trial leaves its trial running:
Dask re-runs the task, and the re-run finds the trial marked by its own
task and gives it up (failed, a copy queued, once, as a lapsed lease
would), and counts what the first attempt started against its share. If
the executor gives up the task instead, the driver does the same; other
loops' lease checks are the last resort.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Type

from . import _core
from .errors import TrialPruned
from .trial import FrozenTrial, Trial, check_numbers, check_value

if TYPE_CHECKING:  # pragma: no cover
    from ._optimize import _Answer
    from .study import Study

#: The user attribute a loop sets on each trial before evaluating it: where
#: it ran, and which run and task started it.
STARTED_ATTR = "hyperspace.remote"

#: Storages a remote process cannot open.
_MEMORY = (":memory:", "memory://")

#: Studies reopened in this process, by (storage, name): a task reuses the
#: study (and its history) that earlier tasks in the same process loaded.
_STUDIES: Dict[Tuple[str, str], "Study"] = {}
_STUDIES_LOCK = threading.Lock()


def resolve(study: "Study", client: Any, executor: Optional[Executor], n_jobs: Optional[int]) -> Tuple[Optional[Executor], int]:
    """The executor trials run on (``None``: the driver's own threads) and
    how many run at once: ``n_jobs`` if given, else the executor's number
    of workers."""
    if client is not None and executor is not None:
        raise ValueError("give client= or executor=, not both (client.get_executor() is what client= uses)")
    if client is not None:
        get_executor = getattr(client, "get_executor", None)
        if not callable(get_executor):
            raise TypeError(f"client must be a dask.distributed.Client, got {client!r}")
        # pure=False: two trials with the same configuration are two tasks.
        executor = get_executor(pure=False)
    if executor is None:
        return None, 1 if n_jobs is None else n_jobs
    if not isinstance(executor, Executor):
        raise TypeError(f"executor must be a concurrent.futures.Executor, got {executor!r}")
    if study.storage in _MEMORY:
        raise ValueError(
            f"study '{study.name}' lives in memory, which processes of an executor cannot open; "
            "open it in a file (Study.open('runs.db', ...)) or PostgreSQL to run it on an executor"
        )
    return executor, n_jobs if n_jobs is not None else _workers_of(executor)


def _workers_of(executor: Executor) -> int:
    """How many tasks an executor runs at once, as far as it says."""
    client = getattr(executor, "_client", None)  # Dask's ClientExecutor
    if client is not None:
        try:
            return max(1, len(client.nthreads()))
        except Exception:  # noqa: BLE001 - the scheduler is unreachable: one at a time
            return 1
    workers = getattr(executor, "_max_workers", None)  # the standard library's pools
    return workers if isinstance(workers, int) and workers > 0 else 1


#: The study attribute that stops every loop of a run: its value is the
#: run's token (``study.stop()``, a failure limit, an error).
STOP_ATTR = "hyperspace.stop"


@dataclass
class LoopEnd:
    """How a task's loop ended, for the driver."""

    #: Trials this task started (its earlier attempts' included).
    started: int
    #: Why its loop stopped before its share was done (the engine's words).
    stopped: Optional[str]
    #: The exception to raise on the driver (one ``catch`` does not cover).
    error: Optional[BaseException]
    #: Whether its stop ends the whole run (``study.stop()``, a failure
    #: limit, an error; not the deadline, which every loop meets alone).
    ends_run: bool = False
    #: Whether ``max_failures`` trials of the run in a row failed.
    failure_limit: bool = False


def run_loop(
    ref: Tuple[Any, ...],
    objective: Callable[[Trial], Any],
    catch: Tuple[Type[BaseException], ...],
    run: str,
    task: str,
    share: Optional[int],
    deadline: Optional[float],
    max_failures: Optional[int],
    patience: Optional[float],
) -> LoopEnd:
    """The task: runs up to ``share`` trials (``None``: until stopped) of
    the run ``run`` in this process, starting none after ``deadline``
    (seconds since the epoch)."""
    from ._optimize import Stopped, _Run, run_here

    study = _study(ref)
    earlier = _started_by(study, task)
    for trial in earlier:
        if trial["state"] == "running":
            # Its process died: this is the executor's re-run of the task.
            study._c().abandon(trial["id"], "its worker process died (its task ran again elsewhere); re-queued")
    if share is not None:
        share -= len(earlier)
    seconds = None if deadline is None else deadline - time.time()
    if (share is not None and share <= 0) or (seconds is not None and seconds <= 0) or _stopped(study, run):
        return LoopEnd(len(earlier), None, None)
    here = {"run": run, "task": task, "host": socket.gethostname(), "pid": os.getpid()}
    marks = _Marks(here)
    watch = _Watch(run, max_failures)
    loop = _Run(study, objective, (watch,), catch, None, make_trial=marks, quiet=True)
    try:
        stopped = run_here(loop, share, seconds, 1, None, patience)
    except Exception as e:  # noqa: BLE001 - the storage gave out: the driver raises it
        loop._keep(e)
        stopped = Stopped("error", describe(e))
    error = None if loop.error is None else _portable(loop.error)
    if stopped is not None and stopped.kind == "interrupted" and error is None:
        error = RuntimeError("the objective was interrupted (KeyboardInterrupt) on a worker")
    reason = watch.reason or (None if stopped is None else stopped.words)
    # Every loop meets the deadline alone; any other stop ends the run.
    ends_run = watch.reason is not None or (stopped is not None and stopped.kind != "timeout")
    if ends_run:
        _stop(study, run)
    return LoopEnd(len(earlier) + marks.started, reason, error, ends_run, watch.reason is not None)


def marked_trials(study: "Study", key: str, value: str) -> List[Dict[str, Any]]:
    """The study's trials (the engine's JSON) whose mark says ``key`` (a
    ``"run"`` or a ``"task"``) is ``value``."""
    found = []
    for t in json.loads(study._c().trials()):
        mark = (t.get("user_attrs") or {}).get(STARTED_ATTR)
        if isinstance(mark, dict) and mark.get(key) == value:
            found.append(t)
    return found


def _started_by(study: "Study", task: str) -> List[Dict[str, Any]]:
    """The trials ``task`` started (a queued copy inherits its original's
    mark, which names the original)."""
    return [t for t in marked_trials(study, "task", task) if t["user_attrs"][STARTED_ATTR].get("trial") == t["id"]]


def _stopped(study: "Study", run: str) -> bool:
    attrs = json.loads(_core.study_user_attrs(study._c()))
    return bool(attrs.get(STOP_ATTR) == run)


def _stop(study: "Study", run: str) -> None:
    """Tells every loop of the run to stop after its running trial."""
    _core.set_study_user_attr(study._c(), STOP_ATTR, json.dumps(run))


class _Watch:
    """A remote loop's callback after each recorded trial: stops the loop
    once the run is stopped, or once ``max_failures`` trials of the run in
    a row failed, counted over all its loops by when they finished."""

    def __init__(self, run: str, max_failures: Optional[int]) -> None:
        self.run = run
        self.max_failures = max_failures or None
        self.reason: Optional[str] = None

    def __call__(self, study: "Study", trial: FrozenTrial) -> None:
        if self.max_failures is not None and trial.state.value == "failed":
            in_a_row = _failures_in_a_row(study, self.run)
            if in_a_row >= self.max_failures:
                self.reason = f"{in_a_row} trials in a row failed"
                _stop(study, self.run)
        if _stopped(study, self.run):
            study.stop()


class _Marks:
    """Builds a remote loop's trial objects: each is marked as started by
    its run and task before the objective sees it."""

    def __init__(self, here: Dict[str, Any]) -> None:
        self.here = here
        #: Trials marked so far.
        self.started = 0

    def __call__(self, study: "Study", frozen: FrozenTrial) -> Trial:
        study._c().set_user_attr(frozen.id, STARTED_ATTR, json.dumps({"trial": frozen.id, **self.here}))
        self.started += 1
        return _Marked(study, frozen)


def _failures_in_a_row(study: "Study", run: str) -> int:
    """How many of the run's last finished trials failed, in a row."""
    ends = sorted(
        ((t.get("meta") or {}).get("finished") or "", t["state"])
        for t in marked_trials(study, "run", run)
        if t["state"] not in ("running", "waiting")
    )
    count = 0
    for _, state in reversed(ends):
        if state != "failed":
            break
        count += 1
    return count


def _study(ref: Tuple[Any, ...]) -> "Study":
    from .study import _reopen

    key = (ref[0], ref[1])
    with _STUDIES_LOCK:
        study = _STUDIES.get(key)
        if study is None:
            study = _STUDIES[key] = _reopen(*ref)
        return study


class _Marked(Trial):
    """A trial in a remote loop: marked as started by its run and task
    before the objective sees it, and writing each value as it is
    suggested, not once per trial: a worker process can die without a word
    (a lost node, an OOM kill), and only a configuration that storage has
    can be queued again."""


    def suggest_float(self, name: str, *args: Any, **kwargs: Any) -> float:  # type: ignore[override]
        value = super().suggest_float(name, *args, **kwargs)
        self._flush()
        return value

    def suggest_int(self, name: str, *args: Any, **kwargs: Any) -> int:  # type: ignore[override]
        value = super().suggest_int(name, *args, **kwargs)
        self._flush()
        return value

    def suggest_categorical(self, name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        value = super().suggest_categorical(name, *args, **kwargs)
        self._flush()
        return value


def run_objective(
    trial: Trial, objective: Callable[[Trial], Any], catch: Tuple[Type[BaseException], ...]
) -> Tuple["_Answer", Optional[BaseException]]:
    """Runs the objective on one trial: the answer for the engine, and the
    exception the caller must keep (to raise, or to stop on), if any. One
    rule wherever the trial runs, in this process or a remote one."""
    try:
        result = objective(trial)
    except TrialPruned:
        return ("pruned", None, None), None
    except KeyboardInterrupt as e:
        return ("interrupted", None, None), e
    except catch as e:
        return ("failed", None, describe(e)), None
    except BaseException as e:  # noqa: BLE001 - the caller raises it
        return ("raised", None, describe(e)), e
    try:
        return ("complete", answer_value(trial, result), None), None
    except (TypeError, ValueError) as e:
        return ("failed", None, str(e)), None


def answer_value(trial: Trial, result: Any) -> Any:
    """What the objective returned, checked, for the engine: a float for
    one objective without constraints, else ``(values, constraints)``, one
    value per objective (a tuple or list) and the constraints the trial set
    (``trial.set_constraints`` or ``constraints_func``), or ``None``."""
    objectives = len(trial.study.directions)
    constraints = trial._constraints
    if objectives == 1 and constraints is None:
        return check_value(result)
    values = [check_value(result)] if objectives == 1 else check_numbers(result, "the objective's values")
    if len(values) != objectives:
        raise ValueError(
            f"the study has {objectives} objectives, but the objective returned {len(values)} values"
        )
    return (values, constraints)


class WithConstraints:
    """An objective followed by ``constraints_func(trial)`` (Optuna's
    shape: a sequence of values, each ``<= 0`` when kept), whose answer the
    trial records with its values. A class, not a closure, so that it
    travels to remote workers."""

    def __init__(self, objective: Callable[[Trial], Any], constraints_func: Callable[[Trial], Any]) -> None:
        self.objective = objective
        self.constraints_func = constraints_func

    def __call__(self, trial: Trial) -> Any:
        result = self.objective(trial)
        trial.set_constraints(self.constraints_func(trial))
        return result


def describe(error: BaseException) -> str:
    """An exception as a trial's message."""
    return f"{type(error).__name__}: {error}"


def _portable(error: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else one that says
    what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any pickling failure
        return RuntimeError(f"the objective raised {type(error).__name__}: {error}")
