"""Sharing a study: threads (the engine releases the GIL), a forked child,
multiprocessing, and two independent processes on one SQLite file."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import hyperspace as hs
from conftest import needs_fork, quadratic


def _check_dense(study, n):
    trials = study.trials
    assert [t.number for t in trials] == list(range(n))
    assert len({t.id for t in trials}) == n
    assert all(t.state is hs.TrialState.COMPLETE for t in trials)


@pytest.mark.parametrize("storage", ["sqlite", "memory"])
def test_optimize_with_threads(db, storage):
    s = hs.Study.open(db if storage == "sqlite" else ":memory:", "threads", seed=1)
    lock = threading.Lock()
    threads_seen = set()

    def objective(trial):
        with lock:
            threads_seen.add(threading.get_ident())
        time.sleep(0.005)  # lets the other threads in
        return quadratic(trial)

    s.optimize(objective, n_trials=60, n_jobs=4)
    _check_dense(s, 60)
    assert len(threads_seen) > 1


def test_threads_sharing_one_study_by_hand(db):
    s = hs.Study.open(db, "hand", space={"x": hs.Float(-1, 1)}, seed=2)
    errors = []

    def work():
        try:
            for _ in range(25):
                t = s.ask()
                t.report(0, t.params["x"])
                t.set_user_attr("thread", threading.get_ident())
                s.tell(t, t.params["x"] ** 2)
                s.trials  # noqa: B018 - readers interleaved with writers
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _check_dense(s, 100)


def test_threads_with_a_python_searcher_do_not_deadlock():
    class Mid:
        def suggest(self, space, trials, context):
            time.sleep(0.001)
            return {n: context.rng.uniform(d.low, d.high) for n, d in space.items()}

    hs.register_searcher("mid", Mid)
    s = hs.create_study(searcher="mid", seed=3)
    s.optimize(quadratic, n_trials=40, n_jobs=4)
    _check_dense(s, 40)


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    db.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.readline()
    db.execute("COMMIT")
    """
)


def test_engine_calls_release_the_gil(db):
    """A thread blocked in the engine (waiting for the SQLite write lock
    another process holds) must not stop the other Python threads; with the
    GIL held, the main thread could not run to release the lock and the call
    would fail with DatabaseLockedError after 30 s."""
    s = hs.Study.open(db, "gil", seed=1)
    trial = s.ask()
    # Another process: SQLite locks are per process, so a second connection
    # in this one would not block the engine's.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    done = {}

    def blocked():
        start = time.monotonic()
        try:
            trial.report(0, 1.0)
            done["ok"] = True
        except BaseException as e:  # pragma: no cover - reported below
            done["error"] = e
        done["waited"] = time.monotonic() - start

    worker = threading.Thread(target=blocked)
    start = time.monotonic()
    worker.start()
    ticks = 0
    while time.monotonic() - start < 0.5:  # pure Python work while the worker waits
        ticks += 1
    assert worker.is_alive()
    holder.communicate("commit\n", timeout=20)
    worker.join(20)
    assert done.get("ok"), done
    assert done["waited"] >= 0.4  # it really was blocked in the engine
    assert ticks > 1000
    assert s.trial(trial.id).intermediate_values == {0: 1.0}


@needs_fork
def test_forked_child_uses_the_study(db):
    s = hs.Study.open(db, "fork", seed=4)
    s.optimize(quadratic, n_trials=3)
    pid = os.fork()
    if pid == 0:  # the child: reopens the storage by itself
        code = 1
        try:
            s.optimize(quadratic, n_trials=5)
            code = 0 if len(s) == 8 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    # The parent's study still works and sees the child's trials.
    s.optimize(quadratic, n_trials=2)
    _check_dense(s, 10)
    child_trials = [t for t in s.trials if t.metadata.get("pid") == pid]
    assert len(child_trials) == 5


@needs_fork
def test_forked_child_with_an_in_memory_study(mem):
    mem.optimize(quadratic, n_trials=3)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            mem.optimize(quadratic, n_trials=2)  # its own copy
            code = 0 if len(mem) == 5 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert len(mem) == 3


def _pool_worker(args):
    study, n = args
    study.optimize(quadratic, n_trials=n)
    return os.getpid()


@needs_fork
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_workers(db, method):
    s = hs.Study.open(db, f"mp-{method}", seed=5)
    s.optimize(quadratic, n_trials=2)  # an open connection in the parent before forking
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        pids = pool.map(_pool_worker, [(s, 6), (s, 6)])
    assert len(set(pids)) == 2
    _check_dense(s, 14)


def test_study_pickles_by_reference(db, mem):
    s = hs.Study.open(db, "pickled", seed=6, pruner=hs.MedianPruner(n_startup_trials=2))
    s.optimize(quadratic, n_trials=2)
    again = pickle.loads(pickle.dumps(s))
    assert again.name == "pickled" and len(again) == 2
    assert again.pruner.n_startup_trials == 2
    with pytest.raises(TypeError, match="lives in memory"):
        pickle.dumps(mem)


WORKER = textwrap.dedent(
    """
    import os, sys, time
    import hyperspace as hs
    db, flag = sys.argv[1], sys.argv[2]
    while not os.path.exists(flag):  # both processes open the study at once
        time.sleep(0.001)
    study = hs.Study.open(db, "shared", seed=8)
    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        trial.report(0, x * x)
        return x * x
    study.optimize(objective, n_trials=25, n_jobs=2)
    print(len(study.trials))
    """
)


def test_two_processes_on_one_study(db, tmp_path):
    flag = tmp_path / "go"
    env = dict(os.environ)
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, db, str(flag)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    time.sleep(0.2)
    flag.write_text("go")
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    s = hs.Study.load(db, "shared")
    _check_dense(s, 50)
    assert len({t.metadata["pid"] for t in s.trials}) == 2


RACER = textwrap.dedent(
    """
    import os, sys, time
    import hyperspace as hs
    db, flag = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    while not os.path.exists(flag):
        time.sleep(0.0002)
    hs.Study.open(db, "raced", seed=1)
    """
)


def test_two_processes_creating_one_file_at_once(tmp_path):
    """Regression: on a new file, the process that lost the race to switch
    it to WAL got DatabaseLockedError at once (SQLite does not wait for a
    journal-mode change); the engine now retries the switch within the busy
    timeout (SqliteStorage::open)."""
    for round in range(10):
        db, flag = tmp_path / f"r{round}.db", tmp_path / f"go{round}"
        procs = [
            subprocess.Popen([sys.executable, "-c", RACER, str(db), str(flag)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        flag.write_text("go")
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_children_forked_while_another_thread_writes_can_use_the_database(tmp_path):
    """A fork in the middle of another thread's SQLite call once left the
    child SQLite's lock records or mutex as held, so the child hung or
    waited out its busy timeout; the engine now holds SQLite calls back
    around every fork (a fork-context process pool forks at any moment)."""
    db = str(tmp_path / "f.db")
    hs.Study.open(db, "s", seed=1)
    stop = threading.Event()

    def writer() -> None:
        study = hs.Study.open(db, "s")
        while not stop.is_set():
            t = study.ask()
            t.suggest_float("x", 0.0, 1.0)
            study.tell(t, 1.0)

    thread = threading.Thread(target=writer)
    thread.start()
    failed = []
    try:
        for i in range(30):
            time.sleep(0.005)
            pid = os.fork()
            if pid == 0:  # the child: one trial, then out, whatever happens
                code = 1
                try:
                    child = hs.Study.open(db, "s", busy_timeout=5.0)
                    t = child.ask()
                    t.suggest_float("x", 0.0, 1.0)
                    child.tell(t, 2.0)
                    code = 0
                finally:
                    os._exit(code)
            deadline = time.monotonic() + 20.0
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    if status != 0:
                        failed.append((i, "failed"))
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    failed.append((i, "hung"))
                    break
                time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert failed == []
    children = [t for t in hs.Study.load(db, "s").trials if t.value == 2.0]
    assert len(children) == 30
