"""The loop behind ``Study.optimize``: ask, run the objective, tell; in one
thread or several; with callbacks, caught exceptions, a timeout and a
progress bar."""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Set, Tuple, Type, Union

from .errors import TrialPruned
from .trial import FrozenTrial, Trial, TrialState, check_value

if TYPE_CHECKING:  # pragma: no cover
    from .study import Callback, Study


class _Loop:
    """Shared by the workers: how many trials were started, when to stop."""

    def __init__(self, n_trials: Optional[int], timeout: Optional[float]) -> None:
        self.lock = threading.Lock()
        self.n_trials = n_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.started = 0
        self.stop = threading.Event()
        self.error: Optional[BaseException] = None
        self.running: Set[int] = set()

    def next_slot(self) -> bool:
        with self.lock:
            if self.stop.is_set():
                return False
            if self.n_trials is not None and self.started >= self.n_trials:
                return False
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return False
            self.started += 1
            return True

    def fail(self, error: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = error
            self.stop.set()


class _Progress:
    """tqdm if installed, else one line on stderr redrawn in place."""

    def __init__(self, total: Optional[int], timeout: Optional[float], direction: str) -> None:
        self.total = total
        self.timeout = timeout
        self.maximize = direction == "maximize"
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
            if trial.state is TrialState.COMPLETE and trial.value is not None:
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


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _run_one(
    study: "Study",
    objective: Callable[[Trial], Any],
    loop: _Loop,
    callbacks: Tuple["Callback", ...],
    catch: Tuple[Type[BaseException], ...],
    progress: Optional[_Progress],
) -> None:
    trial = study.ask()
    with loop.lock:
        loop.running.add(trial.id)
    try:
        try:
            result = objective(trial)
        except TrialPruned:
            frozen = study.tell(trial, state="pruned")
        except KeyboardInterrupt:
            study.requeue(trial)
            raise
        except catch as e:
            frozen = study.tell(trial, state="failed", message=_describe(e))
            warnings.warn(f"trial {trial.number} failed: {_describe(e)}", RuntimeWarning, stacklevel=3)
        except BaseException as e:
            study.tell(trial, state="failed", message=_describe(e))
            raise
        else:
            try:
                value = check_value(result)
            except (TypeError, ValueError) as e:
                frozen = study.tell(trial, state="failed", message=str(e))
                warnings.warn(f"trial {trial.number} failed: {e}", RuntimeWarning, stacklevel=3)
            else:
                frozen = study._tell_from_optimize(trial.id, value)
                if frozen.state is TrialState.FAILED:
                    warnings.warn(
                        f"trial {trial.number} failed: {frozen.message}", RuntimeWarning, stacklevel=3
                    )
    finally:
        with loop.lock:
            loop.running.discard(trial.id)
    if progress is not None:
        progress.update(frozen)
    for callback in callbacks:
        callback(study, frozen)


def run(
    study: "Study",
    objective: Callable[[Trial], Any],
    n_trials: Optional[int],
    timeout: Optional[float],
    n_jobs: int,
    callbacks: Tuple["Callback", ...],
    catch: Union[Type[BaseException], Tuple[Type[BaseException], ...]],
    show_progress_bar: bool,
) -> None:
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0):
        raise ValueError(f"n_trials must be a non-negative integer or None, got {n_trials!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    catches = catch if isinstance(catch, tuple) else (catch,)
    for c in catches:
        if not (isinstance(c, type) and issubclass(c, BaseException)):
            raise TypeError(f"catch must hold exception classes, got {c!r}")
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callable, got {cb!r}")

    loop = _Loop(n_trials, timeout)
    progress = _Progress(n_trials, timeout, study.direction) if show_progress_bar else None
    try:
        if n_jobs == 1:
            while loop.next_slot():
                _run_one(study, objective, loop, callbacks, catches, progress)
            return
        _run_threads(study, objective, loop, callbacks, catches, progress, n_jobs)
    finally:
        if progress is not None:
            progress.close()


def _run_threads(
    study: "Study",
    objective: Callable[[Trial], Any],
    loop: _Loop,
    callbacks: Tuple["Callback", ...],
    catches: Tuple[Type[BaseException], ...],
    progress: Optional[_Progress],
    n_jobs: int,
) -> None:
    def worker() -> None:
        while loop.next_slot():
            try:
                _run_one(study, objective, loop, callbacks, catches, progress)
            except BaseException as e:  # handed to the main thread
                loop.fail(e)
                return

    threads: List[threading.Thread] = [
        threading.Thread(target=worker, name=f"hyperspace-optimize-{i}", daemon=True) for i in range(n_jobs)
    ]
    for t in threads:
        t.start()
    interrupted = False
    while any(t.is_alive() for t in threads):
        try:
            for t in threads:
                t.join(0.1)
        except KeyboardInterrupt:
            loop.stop.set()
            if interrupted:
                # Second Ctrl-C: give the running trials back to the queue.
                with loop.lock:
                    running = list(loop.running)
                for trial_id in running:
                    try:
                        study.requeue(trial_id)
                    except Exception:  # finished meanwhile
                        pass
                raise
            interrupted = True
            sys.stderr.write(
                "\nstopping after the running trials finish (Ctrl-C again to re-queue them and stop now)\n"
            )
    if loop.error is not None:
        raise loop.error
    if interrupted:
        raise KeyboardInterrupt
