"""``Study.optimize(client=...)`` / ``executor=...``, the driver's side:
hands the budget out to loops running as tasks (``_remote.run_loop``),
hears how they ended, and sees each result in storage for the callbacks,
the progress bar and the warnings.

The budget goes out in shares, guided self-scheduling style: each task
takes ``ceil(unassigned / n_jobs)`` trials, so the first shares are large
(few round trips through the executor) and the last ones single trials (a
slow worker holds back the end by at most one trial). A task that ends
with part of its share unstarted gives it back. The shares add up to
``n_trials``, so the run starts exactly that many trials, however many
processes start them.

One task per slot is in flight. Two (the next share waiting while the
current one runs) measured worse: Dask binds a waiting task to a worker
early, so a large share can queue behind another on one worker while the
other idles. A task not started by the deadline (wall clock, which the
workers share with the driver within their clocks' drift) or after the
run stopped returns at once.
"""

from __future__ import annotations

import math
import time
import uuid
import warnings
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Set, Tuple, Type

from ._remote import LoopEnd, _started_by, _stop, describe, marked_trials, run_loop
from .trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:  # pragma: no cover
    from ._optimize import _Progress
    from .study import Callback, Study

#: How often the driver looks at storage (when callbacks or a progress bar
#: want each result) and at its tasks.
POLL = 0.05


class _Observer:
    """Sees the run's results in storage, once each: warns of failures,
    moves the progress bar, calls the callbacks."""

    def __init__(self, study: "Study", run: str, callbacks: Tuple["Callback", ...], progress: Optional["_Progress"]) -> None:
        self.study = study
        self.token = run
        self.callbacks = callbacks
        self.progress = progress
        self.seen: Set[int] = set()

    @property
    def wants_each(self) -> bool:
        return bool(self.callbacks) or self.progress is not None

    def poll(self) -> None:
        from ._optimize import _warn_failure

        new = []
        for t in marked_trials(self.study, "run", self.token):
            if t["state"] in ("running", "waiting") or t["id"] in self.seen:
                continue
            self.seen.add(t["id"])
            new.append(FrozenTrial.from_dict(t))
        new.sort(key=lambda t: (t.metadata.get("finished") or "", t.number))
        for frozen in new:
            value: Any = frozen.value if frozen.all_values is None or len(frozen.all_values) == 1 else (frozen.all_values, None)
            kind = {TrialState.FAILED: "failed", TrialState.COMPLETE: "complete"}.get(frozen.state, "other")
            _warn_failure(frozen.number, kind, value, frozen.message)
            if self.progress is not None:
                self.progress.update(frozen)
            for callback in self.callbacks:
                callback(self.study, frozen)


class Driver:
    """One ``optimize`` on an executor."""

    def __init__(
        self,
        study: "Study",
        executor: Executor,
        objective: Callable[[Trial], Any],
        catch: Tuple[Type[BaseException], ...],
        n_trials: Optional[int],
        timeout: Optional[float],
        n_jobs: int,
        max_failures: Optional[int],
        patience: Optional[float],
    ) -> None:
        self.study = study
        self.executor = executor
        self.objective = objective
        self.catch = catch
        self.n_jobs = n_jobs
        self.max_failures = max_failures
        self.patience = patience
        #: Names this run in the trials' marks and the stop attribute.
        self.token = uuid.uuid4().hex
        # The study travels by reference (see Study.__reduce__).
        self.ref = study.__reduce__()[1]
        #: Start no trial after this (seconds since the epoch: the tasks'
        #: clocks read it).
        self.deadline = None if timeout is None else time.time() + timeout
        #: Trials not handed to a task yet (``None``: no budget).
        self.unassigned = n_trials
        self.tasks: Dict[Future, Tuple[str, Optional[int]]] = {}
        self.submitted = 0
        self.stopping = False
        self.told_to_stop = False
        self.error: Optional[BaseException] = None

    def stop(self) -> None:
        """``study.stop()`` on the driver (from a callback)."""
        self.stopping = True

    def submit(self) -> bool:
        """Hands the next share to a new task; false when there is none."""
        if self.stopping or self.unassigned == 0:
            return False
        if self.deadline is not None and time.time() >= self.deadline:
            return False
        share = None if self.unassigned is None else max(1, math.ceil(self.unassigned / self.n_jobs))
        task = f"{self.token}/{self.submitted}"
        future = self.executor.submit(
            run_loop, self.ref, self.objective, self.catch, self.token, task, share, self.deadline, self.max_failures, self.patience
        )
        self.submitted += 1
        self.tasks[future] = (task, share)
        if share is not None and self.unassigned is not None:
            self.unassigned -= share
        return True

    def ended(self, future: Future) -> None:
        task, share = self.tasks.pop(future)
        try:
            end: LoopEnd = future.result()
        except BaseException as e:  # noqa: BLE001 - the executor gave the task up: its process is gone
            if isinstance(e, KeyboardInterrupt):
                raise
            end = self.lost(task, e)
        if share is not None and self.unassigned is not None:
            self.unassigned += max(0, share - end.started)
        if end.error is not None and self.error is None:
            self.error = end.error
        if end.failure_limit:
            warnings.warn(f"stopping: {end.stopped} (max_failures)", RuntimeWarning, stacklevel=4)
        if end.error is not None or end.ends_run:
            self.stopping = True

    def lost(self, task: str, error: BaseException) -> LoopEnd:
        """A task the executor gave up (its worker died, more than Dask
        re-runs it): its running trials are given up here."""
        why = f"its worker process died ({describe(error)}); re-queued"
        started = _started_by(self.study, task)
        for trial in started:
            if trial["state"] == "running":
                self.study._c().abandon(trial["id"], why)
        return LoopEnd(len(started), None, None)

    def tell_loops_to_stop(self) -> None:
        if self.stopping and not self.told_to_stop:
            self.told_to_stop = True
            # Not by cancelling their futures: Dask forgets a running task
            # it cancels, which would read as a lost worker. A task not
            # started yet sees the attribute at once and returns.
            _stop(self.study, self.token)

    def run(self, callbacks: Tuple["Callback", ...], progress: Optional["_Progress"]) -> None:
        """Runs the trials (``n_trials``, or until ``timeout``, or stopped)
        in loops of at most ``n_jobs`` tasks; raises what the objective
        raised that ``catch`` does not cover."""
        observer = _Observer(self.study, self.token, callbacks, progress)
        self.study._remote_stop = self.stop
        try:
            while len(self.tasks) < self.n_jobs and self.submit():
                pass
            while self.tasks:
                done, _ = wait(list(self.tasks), timeout=POLL, return_when=FIRST_COMPLETED)
                if observer.wants_each:
                    try:
                        observer.poll()
                    except Exception as e:  # noqa: BLE001 - a callback raised: stop, and raise it
                        self.error = self.error or e
                        self.stopping = True
                for future in done:
                    self.ended(future)
                self.tell_loops_to_stop()
                while len(self.tasks) < self.n_jobs and self.submit():
                    pass
        except KeyboardInterrupt:
            # The loops stop after their running trials, which they record.
            self.stopping = True
            self.tell_loops_to_stop()
            raise
        finally:
            self.study._remote_stop = None
        observer.poll()
        if self.error is not None:
            raise self.error
