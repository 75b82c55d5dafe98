"""Issue 19: a reproducible study run twice with ``optimize(n_jobs=3)``,
whose trials sleep a random 0-100 ms, proposes the same parameters for
every trial number; asking waits for the trials a proposal depends on, and
gives up with a clear error."""

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
