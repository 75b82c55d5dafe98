"""``Study.optimize(client=...)`` / ``executor=...``: trials evaluated as
tasks of a ``concurrent.futures.Executor`` (a Dask client's included).

The loop is still the engine's, on the driver (budget, timeout, leases,
recovery, ``max_failures``, ``study.stop()``, callbacks): each of its
worker threads asks a trial, then hands it here instead of calling the
objective itself. The task reopens the study from its storage URL in the
remote process (once per process), evaluates the objective there (a
define-by-run trial's ``suggest_*`` and ``report`` go straight to the
storage), and sends back how it ended; the driver records it. The storage
is the only thing the two share, so it must be one both can open.

A remote process that dies mid-trial makes its future fail: the trial is
failed and a copy queued, once (the rule a lapsed lease follows). Dask may
re-run a task whose worker died; the re-run finds the trial marked as
started by the dead process and does not evaluate it a second time.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, Type

from . import _core
from .errors import TrialPruned
from .trial import FrozenTrial, Trial, check_numbers, check_value

if TYPE_CHECKING:  # pragma: no cover
    from ._optimize import _Answer
    from .study import Study

#: The user attribute a task sets on its trial before evaluating it: where
#: it ran, and the mark that stops a second run of the same task.
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


class RemoteTrials:
    """The driver's side: submits a trial as a task and waits for its end."""

    def __init__(
        self, study: "Study", executor: Executor, objective: Callable[[Trial], Any], catch: Tuple[Type[BaseException], ...]
    ) -> None:
        # The study travels by reference (see Study.__reduce__).
        self.ref = study.__reduce__()[1]
        self.executor = executor
        self.objective = objective
        self.catch = catch
        self.driver = (socket.gethostname(), os.getpid())

    def run(self, text: str) -> Tuple["_Answer", Optional[BaseException], Optional[Dict[str, Any]]]:
        """Runs the trial ``text`` (JSON) remotely: its answer, the
        exception to raise on the driver (one ``catch`` does not cover),
        and the values it was handed that are not in storage yet."""
        try:
            future = self.executor.submit(evaluate, self.ref, text, self.objective, self.catch)
            return future.result()
        except BaseException as e:  # noqa: BLE001 - whatever broke, the trial's process is gone
            if isinstance(e, KeyboardInterrupt):
                raise
            return ("lost", None, f"{type(e).__name__}: {e}"), None, None


def _study(ref: Tuple[Any, ...]) -> "Study":
    from .study import _reopen

    key = (ref[0], ref[1])
    with _STUDIES_LOCK:
        study = _STUDIES.get(key)
        if study is None:
            study = _STUDIES[key] = _reopen(*ref)
        return study


def evaluate(
    ref: Tuple[Any, ...], text: str, objective: Callable[[Trial], Any], catch: Tuple[Type[BaseException], ...]
) -> Tuple["_Answer", Optional[BaseException], Optional[Dict[str, Any]]]:
    """The task: evaluates one trial in the process it runs in. Returns its
    answer for the engine, the exception to raise on the driver, and the
    values the objective was handed that are not in storage yet (they go
    in with the result, as for a trial run on the driver)."""
    import json

    study = _study(ref)
    frozen = FrozenTrial.from_json(text)
    stored = FrozenTrial.from_json(study._c().trial(frozen.id))
    before = stored.user_attrs.get(STARTED_ATTR)
    # The mark names its trial: a queued copy inherits the original's.
    if (isinstance(before, dict) and before.get("trial") == frozen.id) or stored.state.value != "running":
        # A second run of the task (Dask re-runs a task whose worker died)
        # or a trial given up meanwhile: the driver fails and re-queues it.
        return ("lost", None, f"trial {frozen.number} was started before, by {before}"), None, None
    here = {"trial": frozen.id, "host": socket.gethostname(), "pid": os.getpid()}
    study._c().set_user_attr(frozen.id, STARTED_ATTR, json.dumps(here))
    trial = _WrittenAtOnce(study, frozen)
    answer, error = _outcome(trial, objective, catch)
    _record_artifacts(study, trial)
    return answer, error, trial._unrecorded()


def _record_artifacts(study: "Study", trial: Trial) -> None:
    """Records what the objective left in ``trial.artifact_dir``, here,
    where the folder was written: the driver's trial object never handed
    it out, and on another machine the store may be mounted elsewhere. A
    failure to record costs the record, never the trial's result."""
    if trial._artifact_dir is None:
        return
    try:
        _core.record_artifacts(study._c(), trial.id, trial._artifact_dir)
    except Exception as e:  # noqa: BLE001 - the result still goes back
        warnings.warn(f"trial {trial.number}: its artifacts were not recorded: {e}", stacklevel=1)


class _WrittenAtOnce(Trial):
    """A trial on a remote worker writes each value as it is suggested,
    not once per trial: a worker process can die without a word (a lost
    node, an OOM kill), and the driver can only re-queue a configuration
    that storage has. A task's own round trip dwarfs the extra write."""

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


def _outcome(
    trial: Trial, objective: Callable[[Trial], Any], catch: Tuple[Type[BaseException], ...]
) -> Tuple["_Answer", Optional[BaseException]]:
    """:func:`run_objective` on a remote worker: an exception goes back in a form
    that survives pickling, and a Ctrl-C there is the objective's error, not
    the driver's stop."""
    answer, error = run_objective(trial, objective, catch)
    if error is None:
        return answer, None
    return ("raised", None, describe(error)), _portable(error)


def _portable(error: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else one that says
    what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any pickling failure
        return RuntimeError(f"the objective raised {type(error).__name__}: {error}")
