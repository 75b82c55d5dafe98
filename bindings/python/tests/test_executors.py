"""Issue 18: ``study.optimize(client=...)`` / ``executor=...`` evaluates
trials as tasks in other processes (Dask workers, a process pool), while the
engine's loop on the driver decides and records; a process killed mid-trial
costs its trial (failed, a copy re-queued once), never a result."""

from __future__ import annotations

import json
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import hyperspace as hs

distributed = pytest.importorskip(
    "dask.distributed",
    reason="dask[distributed] is not installed (scripts/test installs it into target/py-venv)",
)

REMOTE = "hyperspace.remote"


def square(trial: hs.Trial) -> float:
    """Module-level, so a process pool can pickle it by reference."""
    x = trial.suggest_float("x", -3.0, 3.0)
    return (x - 1.0) ** 2


def _ran_remotely(study: hs.Study) -> None:
    for t in study.trials:
        where = t.user_attrs.get(REMOTE)
        where = json.loads(where) if isinstance(where, str) else where
        assert where is not None and where["pid"] != os.getpid(), (t.number, t.user_attrs)


def _dense_and_complete(study: hs.Study, n: int) -> None:
    trials = study.trials
    assert [t.number for t in trials] == list(range(n))
    assert len({t.id for t in trials}) == n
    assert [t.state for t in trials] == [hs.TrialState.COMPLETE] * n


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_dask_client_runs_every_trial_once_on_the_workers(db, client, tmp_path):
    log = tmp_path / "calls.log"

    def objective(trial):
        with open(log, "a") as f:
            f.write(f"{trial.id}\n")
        return square(trial)

    study = hs.Study.open(db, "dask", seed=5)
    seen = []
    study.optimize(objective, n_trials=12, client=client, callbacks=[lambda s, t: seen.append(t.number)])
    _dense_and_complete(study, 12)
    _ran_remotely(study)
    # Evaluated once each, on the workers; the callbacks ran on the driver.
    calls = log.read_text().split()
    assert sorted(calls) == sorted(str(t.id) for t in study.trials)
    assert sorted(seen) == list(range(12))
    # The driver can stop and come back: the study continues from storage.
    again = hs.Study.load(db, "dask")
    again.optimize(objective, n_trials=3, executor=client.get_executor())
    _dense_and_complete(again, 15)


def test_dask_failures_and_raised_errors_keep_the_engine_rules(db, client):
    def broken(trial):
        trial.suggest_float("x", 0.0, 1.0)
        raise ValueError("no good")

    study = hs.Study.open(db, "failing", seed=2)
    with pytest.warns(RuntimeWarning, match="no good"):
        study.optimize(broken, n_trials=20, client=client, catch=ValueError, max_failures=3)
    states = [t.state for t in study.trials]
    # max_failures stops it after three in a row (the workers may have
    # started one more each before it did).
    assert 3 <= len(states) <= 5 and set(states) == {hs.TrialState.FAILED}, states

    def raising(trial):
        trial.suggest_float("x", 0.0, 1.0)
        raise KeyError("uncaught")

    other = hs.Study.open(db, "raising", seed=2)
    with pytest.raises(KeyError, match="uncaught"):
        other.optimize(raising, n_trials=5, client=client)
    assert hs.TrialState.FAILED in [t.state for t in other.trials]


def test_process_pool_executor(db):
    study = hs.Study.open(db, "pool", seed=9)
    with ProcessPoolExecutor(max_workers=2) as pool:
        study.optimize(square, n_trials=8, executor=pool)
    _dense_and_complete(study, 8)
    _ran_remotely(study)
    assert study.best_value < 1.0


def test_in_memory_study_cannot_go_to_an_executor(client):
    study = hs.Study.open(":memory:", "mem", seed=1)
    with pytest.raises(ValueError, match="lives in memory"):
        study.optimize(square, n_trials=2, client=client)
    with pytest.raises(ValueError, match="not both"):
        study.optimize(square, n_trials=2, client=client, executor=client.get_executor())
    assert study.trials == []


def _die_once(marker: Path, log: Path, victim: int):
    def objective(trial):
        x = trial.suggest_float("x", -3.0, 3.0)
        with open(log, "a") as f:
            f.write(f"{trial.id}\n")
        if trial.number == victim and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return (x - 1.0) ** 2

    return objective


def test_a_worker_killed_mid_trial_loses_its_trial_not_a_result(db, tmp_path):
    marker, log = tmp_path / "killed", tmp_path / "calls.log"
    n, victim = 10, 2
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            study = hs.Study.open(db, "killed", seed=4)
            with pytest.warns(RuntimeWarning, match="worker process died"):
                study.optimize(_die_once(marker, log, victim), n_trials=n, client=c)
    assert marker.exists(), "the objective never killed its worker"
    # The budget counts trials started: the killed one is one of the n.
    trials = study.trials
    assert [t.number for t in trials] == list(range(n))
    states = {t.number: t.state for t in trials}
    assert states[victim] is hs.TrialState.FAILED, states
    assert [s for k, s in states.items() if k != victim] == [hs.TrialState.COMPLETE] * (n - 1), states
    assert "worker process died" in (trials[victim].message or ""), trials[victim]
    # The killed trial's configuration was run again, once, as its copy.
    dead = trials[victim]
    copies = [t for t in trials if t.parent == dead.id]
    assert len(copies) == 1 and copies[0].params == dead.params, copies
    assert copies[0].state is hs.TrialState.COMPLETE
    # Nothing ran twice: Dask's re-run of the killed task evaluated nothing.
    calls = log.read_text().split()
    assert sorted(calls) == sorted(str(t.id) for t in trials), calls


def two_params(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    k = trial.suggest_int("k", 0, 4)
    return (x - 1.0) ** 2 + k


def _history(study: hs.Study):
    return [(t.number, t.params, t.value) for t in study.trials]


@pytest.mark.parametrize(
    "options",
    [
        # Random search over a space given up front: a define-by-run
        # study learns its space from the trials recorded when a trial is
        # asked, which depends on timing.
        pytest.param(
            {"searcher": "random", "space": {"x": hs.Float(-3.0, 3.0), "k": hs.Int(0, 4)}}, id="random-space"
        ),
        # TPE on the reproducible setting: trial k sees the trials below
        # k - lag only, whichever worker finished first.
        pytest.param({"searcher": "tpe", "reproducible": True, "lag": 2}, id="tpe-reproducible"),
    ],
)
def test_dask_results_equal_a_sequential_run_for_the_same_seed(tmp_path, client, options):
    sequential = hs.Study.open(str(tmp_path / "seq.db"), "same", seed=21, **options)
    sequential.optimize(two_params, n_trials=16)
    on_dask = hs.Study.open(str(tmp_path / "dask.db"), "same", seed=21, **options)
    on_dask.optimize(two_params, n_trials=16, client=client)
    _ran_remotely(on_dask)
    _dense_and_complete(on_dask, 16)
    assert _history(on_dask) == _history(sequential)


def checkpointing(trial: hs.Trial) -> float:
    """Writes a checkpoint into its artifact folder, wherever it runs."""
    x = trial.suggest_float("x", -3.0, 3.0)
    with open(os.path.join(trial.artifact_dir, "model.txt"), "w") as f:
        f.write(f"{x!r} {os.getpid()}\n")
    return (x - 1.0) ** 2


def test_dask_objectives_write_artifacts_that_are_recorded(db, client):
    study = hs.Study.open(db, "dask-artifacts", seed=3)
    study.optimize(checkpointing, n_trials=3, client=client)
    _ran_remotely(study)
    for t in study.trials:
        assert [a["path"] for a in t.artifacts] == ["model.txt"], t
        path = os.path.join(study.artifact_dir(t), "model.txt")
        with open(path) as f:
            x, pid = f.read().split()
        assert float(x) == t.params["x"] and int(pid) != os.getpid()
        assert t.artifacts[0]["size"] == os.path.getsize(path)


def test_issue_18_each_dask_task_runs_a_loop_of_trials(db, client):
    """The Dask round trip is off the per-trial path: a task runs several
    trials, and the shares still add up to exactly n_trials."""
    study = hs.Study.open(db, "loops", seed=8)
    study.optimize(square, n_trials=24, client=client)
    _dense_and_complete(study, 24)
    tasks = {t.user_attrs[REMOTE]["task"] for t in study.trials}
    assert len(tasks) < 24, tasks
    assert len({t.user_attrs[REMOTE]["run"] for t in study.trials}) == 1


class _StopAt:
    """An objective that calls ``study.stop()`` on its worker at trial
    ``number``; it sleeps a little, so the other loop is mid-trial."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __call__(self, trial: hs.Trial) -> float:
        import time

        time.sleep(0.02)
        if trial.number == self.number:
            trial.study.stop()
        return square(trial)


def test_issue_18_study_stop_ends_every_loop(db, client):
    # From the objective, on a worker: that loop stops and tells the others.
    study = hs.Study.open(db, "stop-remote", seed=6)
    study.optimize(_StopAt(3), n_trials=60, client=client)
    finished = [t for t in study.trials if t.state is hs.TrialState.COMPLETE]
    assert 4 <= len(study.trials) <= 8, len(study.trials)
    assert len(finished) == len(study.trials)
    # From a callback, on the driver.
    other = hs.Study.open(db, "stop-driver", seed=6)
    seen = []

    def stop_after_three(s, t):
        seen.append(t.number)
        if len(seen) == 3:
            s.stop()

    other.optimize(_StopAt(-1), n_trials=200, client=client, callbacks=[stop_after_three])
    # The driver sees results every 50 ms: the loops stop soon after.
    assert 3 <= len(other.trials) < 60, len(other.trials)
    assert sorted(seen) == sorted(t.number for t in other.trials)


def test_issue_18_dask_timeout_is_honoured(db, client):
    import time

    study = hs.Study.open(db, "timeout", seed=7)
    start = time.monotonic()
    study.optimize(_StopAt(-1), timeout=0.5, client=client)
    elapsed = time.monotonic() - start
    assert len(study.trials) >= 2
    # No trial starts after the timeout; the last ones end within their 20 ms.
    assert elapsed < 5.0, elapsed
    assert all(t.state is hs.TrialState.COMPLETE for t in study.trials)
