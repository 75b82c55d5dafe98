"""Issue 19: a reproducible study run twice with ``optimize(n_jobs=3)`` or
on three Dask worker processes, whose trials sleep a random 0-100 ms (and
some fail or are pruned), proposes the same parameters for every trial
number; asking waits for the trials a proposal depends on, and gives up
with a clear error."""

from __future__ import annotations

import random
import time

import pytest

import hyperspace as hs


def sleepy(rng: random.Random):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        time.sleep(rng.uniform(0, 0.1))
        return (x - 0.3) ** 2 + (y - 0.7) ** 2

    return objective


def run(searcher: str, salt: int, reproducible: bool = True):
    study = hs.create_study(
        searcher=searcher,
        searcher_settings={"n_startup_trials": 4},
        seed=19,
        reproducible=reproducible,
        lag=3 if reproducible else None,
    )
    study.optimize(sleepy(random.Random(salt)), n_trials=15, n_jobs=3)
    trials = study.trials
    assert len(trials) == 15
    assert all(t.state == hs.TrialState.COMPLETE for t in trials)
    return {t.number: t.params for t in trials}


@pytest.mark.parametrize("searcher", ["tpe", "gp"])
def test_optimize_with_three_jobs_reproduces(searcher):
    first, second = run(searcher, 1), run(searcher, 2)
    assert [n for n in first if first[n] != second[n]] == []


def fated(salt: int):
    """An objective that sleeps 0-100 ms, drawn from ``salt`` and the trial
    number (so every process of a run agrees, and the runs differ); trials
    numbered 5 mod 7 fail, and trials with x > 0.75 are pruned after their
    second step. The fates depend on numbers and parameters, never time."""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        time.sleep(random.Random(salt * 1000 + trial.number).uniform(0, 0.1))
        if trial.number % 7 == 5:
            raise ValueError("fails by its number")
        loss = (x - 0.3) ** 2 + (y - 0.7) ** 2
        for step in range(3):
            trial.report(step, loss * (1 + 1 / (step + 1)))
            if step == 1 and x > 0.75:
                raise hs.TrialPruned()
        return loss

    return objective


def decided(study):
    """Each trial number's parameters and how it ended."""
    return {t.number: (t.params, t.state) for t in study.trials}


def check_fates(runs):
    """The two runs agree on every trial, and some failed and some were
    pruned (so the test shows those are handled alike)."""
    first, second = runs
    assert len(first) == 21
    assert [n for n in first if first[n] != second[n]] == []
    states = [state for _, state in first.values()]
    assert states.count(hs.TrialState.FAILED) >= 2
    assert states.count(hs.TrialState.PRUNED) >= 1


@pytest.mark.filterwarnings("ignore:trial .* failed:RuntimeWarning")
def test_failed_and_pruned_trials_reproduce_with_three_jobs():
    runs = []
    for salt in (1, 2):
        study = hs.create_study(
            searcher="tpe", searcher_settings={"n_startup_trials": 4}, seed=19, reproducible=True, lag=3
        )
        study.optimize(fated(salt), n_trials=21, n_jobs=3, catch=ValueError)
        runs.append(decided(study))
    check_fates(runs)


@pytest.mark.filterwarnings("ignore:trial .* failed:RuntimeWarning")
def test_dask_workers_reproduce_with_failed_and_pruned_trials(tmp_path):
    distributed = pytest.importorskip(
        "dask.distributed",
        reason="dask[distributed] is not installed (scripts/test installs it into target/py-venv)",
    )
    runs = []
    with distributed.LocalCluster(processes=True, n_workers=3, threads_per_worker=1, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            for salt in (1, 2):
                study = hs.Study.open(
                    str(tmp_path / f"runs{salt}.db"),
                    "r",
                    searcher="tpe",
                    searcher_settings={"n_startup_trials": 4},
                    seed=19,
                    reproducible=True,
                    lag=3,
                )
                study.optimize(fated(salt), n_trials=21, client=client, catch=ValueError)
                runs.append(decided(study))
    check_fates(runs)


def test_without_the_setting_timing_changes_the_proposals():
    # Opposite timings (odd trials slow in one run, even in the other), so
    # the control does not depend on how loaded the machine is.
    def slow_parity(parity: int):
        def objective(trial):
            x = trial.suggest_float("x", 0, 1)
            y = trial.suggest_float("y", 0, 1)
            time.sleep(0.15 if trial.number % 2 == parity else 0.0)
            return (x - 0.3) ** 2 + (y - 0.7) ** 2

        return objective

    proposals = []
    for parity in (0, 1):
        study = hs.create_study(searcher="tpe", searcher_settings={"n_startup_trials": 4}, seed=19)
        study.optimize(slow_parity(parity), n_trials=15, n_jobs=3)
        proposals.append({t.number: t.params for t in study.trials})
    first, second = proposals
    assert [n for n in first if first[n] != second[n]] != []


def test_asking_past_the_lag_waits_then_times_out_naming_the_trial():
    study = hs.create_study(
        space="x=float(0,1)",
        seed=1,
        reproducible=True,
        lag=0,
        wait_timeout=0.2,
    )
    first = study.ask()
    start = time.monotonic()
    with pytest.raises(hs.WaitTimeoutError) as caught:
        study.ask()
    assert time.monotonic() - start >= 0.2
    assert caught.value.trial_number == 1 and caught.value.waiting_for == 0
    assert "waiting until trial 0 has finished" in str(caught.value)
    study.tell(first, 1.0)
    assert study.ask().number == 1


def test_reproducible_needs_a_lag_and_a_study_keeps_its_setting(tmp_path):
    with pytest.raises(hs.InvalidStudyError, match="needs lag="):
        hs.create_study(reproducible=True)
    with pytest.raises(hs.InvalidStudyError, match="add reproducible=True"):
        hs.create_study(lag=2)
    db = str(tmp_path / "runs.db")
    hs.Study.open(db, "s", reproducible=True, lag=2)
    with pytest.raises(hs.InvalidStudyError, match="reproducible with lag 2, not reproducible with lag 3"):
        hs.Study.open(db, "s", reproducible=True, lag=3)
    # Without the argument, an existing study is opened with its own setting.
    assert hs.Study.open(db, "s").name == "s"
