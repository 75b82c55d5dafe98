"""``Study.optimize``: the loop is the engine's (the one the CLI runs too:
trial budget, timeout, threads, recovery of abandoned trials, results kept
through storage outages, a limit on failures in a row, ``study.stop()``).
This module only says what is Python's: how the objective's answer or
exception becomes an outcome, the callbacks, and the progress bar."""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Type, Union

from ._remote import resolve, run_objective
from .errors import HyperspaceError
from .trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:  # pragma: no cover
    from .study import Callback, Study

#: Stop after this many trials in a row failed (the CLI's default too).
DEFAULT_MAX_FAILURES = 10

#: What the engine is told a trial's end was: its kind, its value (see
#: ``_remote.answer_value``) and a message.
_Answer = Tuple[str, Any, Optional[str]]
#: An answer with the values the trial was handed and has not recorded.
_Result = Tuple[str, Any, Optional[str], Optional[Dict[str, Any]]]


class _Progress:
    """tqdm if installed, else one line on stderr redrawn in place."""

    def __init__(self, total: Optional[int], timeout: Optional[float], directions: List[str]) -> None:
        self.total = total
        self.timeout = timeout
        self.maximize = directions[0] == "maximize"
        #: Several objectives have no single best value to show.
        self.single = len(directions) == 1
        self.best: Optional[float] = None
        self.done = 0
        self.start = time.monotonic()
        self.lock = threading.Lock()
        try:
            from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]

            self.bar: Any = tqdm(total=total, unit="trial")
        except ImportError:
            self.bar = None

    def update(self, trial: FrozenTrial) -> None:
        with self.lock:
            self.done += 1
            if self.single and trial.state is TrialState.COMPLETE and trial.value is not None:
                if self.best is None or (trial.value > self.best if self.maximize else trial.value < self.best):
                    self.best = trial.value
            best = "-" if self.best is None else f"{self.best:.6g}"
            if self.bar is not None:
                self.bar.set_postfix_str(f"best={best}", refresh=False)
                self.bar.update(1)
            else:
                of = "" if self.total is None else f"/{self.total}"
                elapsed = time.monotonic() - self.start
                limit = "" if self.timeout is None else f"/{self.timeout:.0f}s"
                sys.stderr.write(f"\r[{self.done}{of}] best={best} {elapsed:.1f}s{limit}   ")
                sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Run:
    """The Python side of one ``optimize``: the engine calls
    :meth:`run_trial` for each trial and :meth:`on_event` for each recorded
    result, from whichever thread runs it."""

    def __init__(
        self,
        study: "Study",
        objective: Callable[[Trial], Any],
        callbacks: Tuple["Callback", ...],
        catch: Tuple[Type[BaseException], ...],
        progress: Optional[_Progress],
        make_trial: Callable[["Study", FrozenTrial], Trial] = Trial,
        quiet: bool = False,
    ) -> None:
        self.study = study
        #: Builds the trial object the objective is handed (a remote loop's
        #: marks its trial and writes values as they are suggested).
        self.make_trial = make_trial
        #: No warnings here (a remote loop: the driver warns, from storage).
        self.quiet = quiet
        self.objective = objective
        self.callbacks = callbacks
        self.catch = catch
        self.progress = progress
        self.lock = threading.Lock()
        #: The trials running now, by id.
        self.running: Dict[int, Trial] = {}
        #: The exception ``optimize`` raises once the loop has stopped.
        self.error: Optional[BaseException] = None

    def _keep(self, error: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = error

    def run_trial(self, text: str) -> _Result:
        trial = self.make_trial(self.study, FrozenTrial.from_json(text))
        self.running[trial.id] = trial
        try:
            kind, value, message = self._run(trial)
            if not self.quiet:
                _warn_failure(trial.number, kind, value, message)
            self._record_artifacts(trial)
            # The values the objective was handed go in with the result (the
            # engine records, or journals, both at once), so the trial object
            # does not write them again when it is dropped: one storage
            # write per trial fewer.
            unrecorded = trial._unrecorded()
            if unrecorded:
                trial._stored.update(unrecorded)
            return (kind, value, message, unrecorded)
        finally:
            self.running.pop(trial.id, None)

    def _record_artifacts(self, trial: Trial) -> None:
        """What the objective left in ``trial.artifact_dir`` goes into the
        trial's record; a failure to list it is a warning, never a lost
        result."""
        try:
            self.study._record_artifacts(trial)
        except HyperspaceError as e:
            warnings.warn(f"trial {trial.number}: its artifacts were not recorded: {e}", stacklevel=2)

    def unrecorded(self, trial_id: int) -> Optional[Dict[str, Any]]:
        """The values a trial still running was handed and has not
        recorded (the engine gives it up: its copy takes them)."""
        trial = self.running.get(trial_id)
        return None if trial is None else trial._unrecorded()

    def _run(self, trial: Trial) -> _Answer:
        answer, error = run_objective(trial, self.objective, self.catch)
        if error is not None:
            self._keep(error)
        return answer

    def on_event(self, kind: str, payload: str) -> None:
        if kind == "recorded":
            frozen = FrozenTrial.from_json(payload)
            if self.progress is not None:
                self.progress.update(frozen)
            for callback in self.callbacks:
                callback(self.study, frozen)
        elif kind == "warning":
            if self.quiet:
                return
            warnings.warn(payload, RuntimeWarning, stacklevel=2)
        else:
            sys.stderr.write(f"\n{payload}\n")
            sys.stderr.flush()


def run(
    study: "Study",
    objective: Callable[[Trial], Any],
    n_trials: Optional[int],
    timeout: Optional[float],
    n_jobs: Optional[int],
    callbacks: Tuple["Callback", ...],
    catch: Union[Type[BaseException], Tuple[Type[BaseException], ...]],
    show_progress_bar: bool,
    max_failures: Optional[int],
    storage_patience: Optional[float],
    client: Any = None,
    executor: Any = None,
) -> None:
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0):
        raise ValueError(f"n_trials must be a non-negative integer or None, got {n_trials!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    pool, n_jobs = resolve(study, client, executor, n_jobs)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    if max_failures is not None and (
        isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 0
    ):
        raise ValueError(f"max_failures must be a non-negative integer or None, got {max_failures!r}")
    catches = catch if isinstance(catch, tuple) else (catch,)
    for c in catches:
        if not (isinstance(c, type) and issubclass(c, BaseException)):
            raise TypeError(f"catch must hold exception classes, got {c!r}")
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callable, got {cb!r}")

    progress = _Progress(n_trials, timeout, study.directions) if show_progress_bar else None
    try:
        if pool is not None:
            from ._remote_driver import Driver

            Driver(study, pool, objective, catches, n_trials, timeout, n_jobs, max_failures, storage_patience).run(
                callbacks, progress
            )
            return
        loop = _Run(study, objective, callbacks, catches, progress)
        stopped = run_here(loop, n_trials, timeout, n_jobs, max_failures, storage_patience)
    finally:
        if progress is not None:
            progress.close()
    if loop.error is not None:
        raise loop.error
    if stopped is not None and stopped.kind == "interrupted":
        raise KeyboardInterrupt


class Stopped(NamedTuple):
    """Why the engine's loop stopped before its budget of trials."""

    #: The engine's name for the kind of stop (``StopReason::kind``:
    #: ``"interrupted"``, ``"timeout"``, ``"asked"``, ``"failures"``, ...),
    #: what callers act on.
    kind: str
    #: The engine's words, for people.
    words: str


def run_here(
    loop: _Run,
    n_trials: Optional[int],
    timeout: Optional[float],
    n_jobs: int,
    max_failures: Optional[int],
    storage_patience: Optional[float],
) -> Optional[Stopped]:
    """Runs ``loop`` on the engine's executor in this process; returns why
    it stopped early, if it did."""
    study = loop.study
    stopped: Optional[Tuple[str, str]] = study._c().optimize(
        loop.run_trial,
        loop.on_event,
        loop.unrecorded,
        n_trials=n_trials,
        timeout=None if timeout is None else float(timeout),
        n_jobs=n_jobs,
        define_and_run=study._define_and_run,
        max_failures=max_failures or None,
        storage_url=study.storage,
        patience=storage_patience,
    )
    return None if stopped is None else Stopped(*stopped)


def _warn_failure(number: int, kind: str, value: Any, message: Optional[str]) -> None:
    """A warning for a trial that failed without raising through optimize
    (caught, or a result that is not a number), wherever it ran."""
    # Several values come as (values, constraints).
    values = value[0] if isinstance(value, tuple) else [value]
    if kind == "failed":
        what = message
    elif kind == "complete" and value is not None and not all(math.isfinite(v) for v in values):
        shown = value[0] if isinstance(value, tuple) and len(values) > 1 else values[0]
        what = f"the objective returned {shown}"
    elif kind == "lost":
        what = f"its worker process died ({message}); re-queued"
    else:
        return
    warnings.warn(f"trial {number} failed: {what}", RuntimeWarning, stacklevel=3)
