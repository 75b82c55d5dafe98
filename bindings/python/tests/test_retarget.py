"""``study.retarget``: a study pointed at another metric its trials
recorded; trials that recorded it count at once, the others stay stored,
and the objectives replaced stay listed."""

from __future__ import annotations

import pytest

import hyperspace as hs


def test_retarget_counts_the_trials_that_recorded_the_metric(db):
    s = hs.create_study(storage=db, study_name="r", searcher="random", seed=2)
    for loss, metrics in [(0.3, {"auc": 0.8}), (0.1, {"auc": 0.7}), (0.2, {}), (0.4, {"auc": 0.9})]:
        t = s.ask()
        t.suggest_float("x", 0, 1)
        s.tell(t, loss, metrics=metrics)
    assert s.best_trial.number == 1

    s.retarget("auc:maximize")
    assert s.directions == ["maximize"]
    assert s.best_trial.number == 3 and s.best_value == 0.9
    assert len(s.trials) == 4  # the trial without auc is kept, left out
    history = s.objective_history
    assert len(history) == 1 and history[0]["objectives"] == [{"direction": "minimize"}]
    assert history[0]["until"].endswith("Z")

    # Two objectives from a mapping; then reopened, the study reads the same.
    s.retarget({"auc": "maximize", "x_cost": "minimize"})
    assert s.directions == ["maximize", "minimize"]
    assert s.best_trials == []  # no trial recorded x_cost
    again = hs.Study.load(db, "r")
    assert len(again.objective_history) == 2


def test_retargets_that_cannot_work_are_refused(db):
    s = hs.create_study(storage=db, study_name="r", searcher="random", seed=2)
    with pytest.raises(hs.InvalidStudyError, match="no metric name"):
        s.retarget(":maximize")
    s.retarget("auc:maximize")
    with pytest.raises(hs.InvalidStudyError, match="already optimizes"):
        s.retarget(["auc:maximize"])
    with pytest.raises(TypeError):
        s.retarget([3])  # type: ignore[list-item]
    assert len(s.objective_history) == 1
