"""``Study.optimize`` on the engine's trial loop (the CLI's too): the
failure limit, ``study.stop()``, callbacks that raise, results that wait out
a locked database, and trials other workers abandoned."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import warnings

import pytest

import hyperspace as hs
from conftest import quadratic


def test_failures_in_a_row_stop_the_loop(mem):
    calls = []

    def broken(trial):
        calls.append(trial.number)
        trial.suggest_float("x", 0, 1)
        raise ValueError("no data")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mem.optimize(broken, n_trials=20, catch=(ValueError,), max_failures=3)
    assert calls == [0, 1, 2]
    assert [t.state for t in mem.trials] == [hs.TrialState.FAILED] * 3
    assert any("3 trials in a row failed" in str(w.message) for w in caught)


def test_the_failure_limit_counts_only_failures_in_a_row(mem):
    def flaky(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 3 != 2:
            raise ValueError("flaky")
        return x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem.optimize(flaky, n_trials=12, catch=(ValueError,), max_failures=3)
    assert len(mem.trials) == 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem.optimize(flaky, n_trials=5, catch=(ValueError,), max_failures=None)
    assert len(mem.trials) == 17


def test_stop_from_a_callback_ends_the_loop(mem):
    def stop_at_five(study, trial):
        if trial.number == 4:
            study.stop()

    mem.optimize(quadratic, n_trials=50, callbacks=[stop_at_five])
    assert len(mem.trials) == 5
    with pytest.raises(RuntimeError, match="running optimize"):
        mem.stop()


def test_stop_from_the_objective_with_threads(mem):
    stopped = threading.Event()
    after_stop = []

    def objective(trial):
        if stopped.is_set():
            after_stop.append(trial.number)
        value = quadratic(trial)
        if trial.number == 3:
            mem.stop()
            stopped.set()
        return value

    mem.optimize(objective, n_trials=100, n_jobs=3)
    # Only trials whose slot the other two workers had already taken may
    # start after the stop; none after them.
    assert len(after_stop) <= 2, after_stop
    assert len(mem.trials) < 100
    assert all(t.state is hs.TrialState.COMPLETE for t in mem.trials)


def test_a_callback_that_raises_stops_the_loop_and_is_raised(mem):
    def callback(study, trial):
        if trial.number == 1:
            raise LookupError("callback broke")

    with pytest.raises(LookupError, match="callback broke"):
        mem.optimize(quadratic, n_trials=10, callbacks=[callback])
    assert len(mem.trials) == 2


def test_define_and_run_studies_get_full_trials(db):
    study = hs.Study.open(db, "dar", space="x=float(0,1) n=int(1,4)", seed=3)
    seen = []

    def objective(trial):
        seen.append(dict(trial.params))
        return trial.params["x"] * trial.params["n"]

    study.optimize(objective, n_trials=6, n_jobs=2)
    assert len(seen) == 6 and all(set(p) == {"x", "n"} for p in seen)
    assert all(t.state is hs.TrialState.COMPLETE for t in study.trials)


#: Holds the write lock of a SQLite file for a while, from another process
#: (two SQLite libraries in one process do not see each other's locks).
_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_results_wait_out_a_locked_database(tmp_path):
    db = str(tmp_path / "runs.db")
    study = hs.Study.open(db, "locked", seed=1, busy_timeout=0.05)
    holders = []

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, db, "1.5"], stdout=subprocess.PIPE, text=True)
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            holders.append(holder)
        return x

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=4)
    assert holders[0].wait(timeout=30) == 0
    messages = [str(w.message) for w in caught]
    assert any("storage unavailable" in m for m in messages), messages
    assert any("storage is back" in m for m in messages), messages
    trials = study.trials
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert all(t.state is hs.TrialState.COMPLETE for t in trials)


def test_a_dead_workers_trial_is_requeued_and_run(db):
    # A worker with a half-second lease asks a trial, then falls silent.
    other = hs.Study.open(db, "dead", seed=5)
    other.set_lease(0.5)
    trial = other.ask()
    x = trial.suggest_float("x", 0, 1)
    other.set_lease(None)
    time.sleep(1.0)
    study = hs.Study.load(db, "dead")
    study.set_lease(0.5)
    ran = []

    def objective(t):
        ran.append(t.suggest_float("x", 0, 1))
        return ran[-1]

    study.optimize(objective, n_trials=1)
    # The copy ran first (queued before any new proposal), with its value.
    assert ran == [x]
    trials = study.trials
    assert trials[0].state is hs.TrialState.FAILED and "presumed dead" in trials[0].message
    assert trials[1].parent == trials[0].id and trials[1].value == x


def test_a_late_worker_checks_pruning_before_any_report_and_its_result_is_kept(db):
    # Another worker gives up a trial whose worker is alive after all (a
    # stalled machine): the worker's pruning check before any report must
    # not fail, and its report and result are taken, with the value it was
    # handed (not recorded yet when the trial was given up).
    late = hs.Study.open(db, "late", seed=5, pruner="median")
    late.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    trial = late.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial._unrecorded() == {"x": x}  # answered from the ask's proposal
    other = hs.Study.load(db, "late")
    other._c().abandon(trial.id, "stalled")
    assert late.trial(trial.id).state is hs.TrialState.FAILED
    assert trial.should_prune() is False
    trial.report(1, 0.5)
    late.tell(trial, x)
    kept = late.trial(trial.id)
    assert kept.state is hs.TrialState.COMPLETE and kept.value == x
    assert kept.params == {"x": x} and kept.intermediate_values == {1: 0.5}


def test_set_lease_checks_its_argument(mem):
    with pytest.raises(ValueError, match="lease"):
        mem.set_lease(0)
    with pytest.raises(ValueError, match="lease"):
        mem.set_lease(float("nan"))
    mem.set_lease(None)


_OPTIMIZE_UNTIL_CTRL_C = """
import sys, threading, time
import hyperspace as hs
study = hs.Study.open(sys.argv[1], "ctrl-c", seed=2)
lock = threading.Lock()
def objective(trial):
    x = trial.suggest_float("x", 0, 1)
    with lock:  # one whole line per trial, whichever thread runs it
        print("started", trial.number, flush=True)
    time.sleep(float(sys.argv[3]))
    return x
try:
    study.optimize(objective, n_trials=50, n_jobs=int(sys.argv[2]))
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
    sys.exit(130)
"""


def _run_until_started(db: str, jobs: int, pause: float) -> "subprocess.Popen[str]":
    proc = subprocess.Popen(
        [sys.executable, "-c", _OPTIMIZE_UNTIL_CTRL_C, db, str(jobs), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(jobs):
        assert proc.stdout.readline().startswith("started")
    return proc


def test_ctrl_c_requeues_the_running_trial_and_raises(db):
    proc = _run_until_started(db, 1, 30)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    trials = hs.Study.load(db, "ctrl-c").trials
    assert [t.state for t in trials] == [hs.TrialState.WAITING], trials


def test_ctrl_c_with_threads_lets_running_trials_finish(db):
    proc = _run_until_started(db, 2, 1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Ctrl-C again" in err
    trials = hs.Study.load(db, "ctrl-c").trials
    assert len(trials) == 2
    assert all(t.state is hs.TrialState.COMPLETE for t in trials), trials


def test_a_second_ctrl_c_gives_running_trials_back_at_once(db):
    proc = _run_until_started(db, 2, 30)
    proc.send_signal(signal.SIGINT)
    # The second Ctrl-C once the first has been seen (two at once are one).
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Ctrl-C again" in line:
            break
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 10
    assert proc.returncode == 130, (out, err)
    trials = hs.Study.load(db, "ctrl-c").trials
    # Each given up (failed) with a queued copy of its configuration, so
    # the next run evaluates it.
    assert sorted(t.state.value for t in trials) == ["failed", "failed", "waiting", "waiting"], trials
    copies = [t for t in trials if t.state is hs.TrialState.WAITING]
    assert all(c.parent is not None for c in copies)


def test_issue_18_optimize_writes_a_trials_values_once_with_its_result(db, monkeypatch):
    """The values a define-by-run trial was handed go in with its result;
    the trial object dropped afterwards does not write them a second time
    (it did: one storage write per trial more, on the driver's hot path)."""
    writes = []
    flush = hs.Trial._flush

    def counting(trial):
        if trial._unrecorded():
            writes.append(trial.number)
        flush(trial)

    monkeypatch.setattr(hs.Trial, "_flush", counting)
    study = hs.Study.open(db, "once", searcher="random", seed=3)
    study.optimize(quadratic, n_trials=6, n_jobs=2)
    assert writes == []
    trials = study.trials
    assert [t.state for t in trials] == [hs.TrialState.COMPLETE] * 6
    for t in trials:
        assert set(t.params) == {"x", "y"}
        assert t.value == pytest.approx((t.params["x"] - 1.0) ** 2 + (t.params["y"] + 2.0) ** 2)
