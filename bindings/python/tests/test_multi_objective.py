"""Studies with several objectives and constraints from Python: Optuna's
``directions=``, ``tell(trial, [v1, v2])``, ``best_trials``,
``trial.values``, ``trial.set_constraints`` and the errors that point to
the right call."""

from __future__ import annotations

import math

import pytest

import hyperspace as hs


def two(db: str, searcher: str = "random") -> hs.Study:
    return hs.create_study(
        storage=db, study_name="mo", directions=["minimize", "maximize"], searcher=searcher, seed=3
    )


def test_directions_tell_values_and_the_front(db):
    s = two(db)
    assert s.directions == ["minimize", "maximize"]
    told = []
    for err, acc in [(0.3, 0.7), (0.2, 0.6), (0.4, 0.65), (0.35, 0.8)]:
        t = s.ask()
        x = t.suggest_float("x", 0, 1)
        told.append(s.tell(t, [err, acc]))
        # The values the trial handed out are written with its result.
        assert told[-1].params == {"x": x}
    assert told[0].values == [0.3, 0.7] and told[0].value == 0.3
    front = s.best_trials
    assert [t.number for t in front] == [0, 1, 3]  # 2 is beaten by 0 in both
    assert all(len(t.values) == 2 for t in front)
    # Reopened from the file, the study keeps its objectives and front.
    again = hs.Study.load(db, "mo")
    assert again.directions == ["minimize", "maximize"]
    assert [t.number for t in again.best_trials] == [0, 1, 3]
    assert again.trials[2].values == [0.4, 0.65]
    assert all("x" in t.params for t in again.trials)


def test_single_answers_of_a_multi_objective_study_point_to_the_front(db):
    s = two(db)
    t = s.ask()
    s.tell(t, [0.1, 0.2])
    with pytest.raises(hs.InvalidStudyError, match="best_trials"):
        s.best_trial
    with pytest.raises(hs.InvalidStudyError, match="directions"):
        s.direction


def test_wrong_values_are_refused_and_nothing_is_stored(db):
    s = two(db)
    t = s.ask()
    with pytest.raises(hs.InvalidTellError, match="has 2 objectives, but 1 value was told"):
        s.tell(t, 0.5)
    with pytest.raises(hs.InvalidTellError, match="but 3 values were told"):
        s.tell(t, [0.1, 0.2, 0.3])
    with pytest.raises(hs.NonFiniteValueError):
        s.tell(t, [0.1, math.nan])
    with pytest.raises(TypeError, match="must be numbers"):
        s.tell(t, [0.1, "x"])
    with pytest.raises(TypeError, match="constraints must be numbers"):
        t.set_constraints([0.1, "big"])
    with pytest.raises(hs.NonFiniteValueError):
        s.tell(t, [0.1, 0.2], constraints=[math.inf])
    assert s.trial(t.id).state == hs.TrialState.RUNNING
    assert s.tell(t, [0.1, 0.2]).state == hs.TrialState.COMPLETE


def test_constraints_keep_infeasible_trials_out_of_the_best(db):
    s = hs.create_study(storage=db, study_name="c", searcher="random", seed=1)
    t = s.ask()
    t.suggest_float("x", 0, 1)
    t.set_constraints([0.5, -1.0])
    stored = s.tell(t, 0.1)
    assert stored.constraints == [0.5, -1.0] and not stored.feasible
    with pytest.raises(hs.NoFeasibleTrialError, match="no feasible trial"):
        s.best_trial
    t = s.ask()
    t.suggest_float("x", 0, 1)
    s.tell(t, 0.9, constraints=[0.0])
    assert s.best_trial.value == 0.9
    assert [b.number for b in s.best_trials] == [1]


def test_constraints_by_name_judge_trials_by_their_metrics(db):
    with pytest.raises(hs.InvalidStudyError, match="constraint 'mem_gb<4'"):
        hs.create_study(storage=db, study_name="bad", constraints=["mem_gb<4"])
    with pytest.raises(hs.InvalidStudyError, match="constraints must be a list"):
        hs.create_study(storage=db, study_name="bad", constraints="mem_gb<=4")
    s = hs.create_study(
        storage=db, study_name="n", directions=["minimize", "minimize"], constraints=["mem_gb<=4"], searcher="tpe", seed=2
    )
    t = s.ask()
    t.suggest_float("x", 0, 1)
    assert s.tell(t, [0.1, 0.2], metrics={"mem_gb": 6.0}).constraints == [2.0]
    t = s.ask()
    t.suggest_float("x", 0, 1)
    t.report(0, {"mem_gb": 3.0})
    stored = s.tell(t, [0.5, 0.5])
    assert stored.constraints == [-1.0] and stored.feasible
    assert [b.number for b in s.best_trials] == [1]
    t = s.ask()
    t.suggest_float("x", 0, 1)
    with pytest.raises(hs.InvalidTellError, match="no metric 'mem_gb'"):
        s.tell(t, [0.0, 0.0])
    assert s.tell(t, [0.0, 0.0], metrics={"mem_gb": 1.0}).feasible
    # Reopened, the study keeps its limits.
    again = hs.Study.open(db, "n", directions=["minimize", "minimize"])
    t = again.ask()
    t.suggest_float("x", 0, 1)
    assert again.tell(t, [0.3, 0.3], metrics={"mem_gb": 5.0}).constraints == [1.0]


def test_searchers_and_pruners_for_one_objective_are_refused_by_name(db):
    with pytest.raises(hs.InvalidStudyError, match=r"searcher 'hyperband' optimizes one objective.*gp, grid, nsga2, random, tpe"):
        hs.create_study(storage=db, study_name="t", directions=["minimize", "minimize"], searcher="hyperband")
    with pytest.raises(hs.InvalidStudyError, match="pruner 'median'"):
        hs.create_study(
            storage=db,
            study_name="p",
            directions=["minimize", "minimize"],
            searcher="random",
            pruner=hs.MedianPruner(),
        )
    with pytest.raises(TypeError, match="not both"):
        hs.create_study(storage=db, study_name="b", direction="minimize", directions=["minimize"])
    with pytest.raises(hs.InvalidStudyError, match="each direction"):
        hs.create_study(storage=db, study_name="b", directions=["minimize", "up"], searcher="random")


def test_one_objective_studies_are_unchanged(mem):
    t = mem.ask()
    t.suggest_float("x", 0, 1)
    stored = mem.tell(t, [0.25])
    assert stored.values == [0.25] and stored.constraints == []
    assert mem.directions == ["minimize"] and mem.direction == "minimize"
    assert [b.number for b in mem.best_trials] == [0]


def test_nsga2_searches_two_objectives_under_a_constraint(db):
    s = hs.create_study(
        storage=db,
        study_name="ga",
        directions=["minimize", "minimize"],
        searcher="nsga2",
        searcher_settings={"population_size": 8},
        seed=5,
    )
    ys = []
    for _ in range(60):
        t = s.ask()
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", -1, 1)
        ys.append(abs(y))
        t.set_constraints([0.3 - x])  # x >= 0.3
        s.tell(t, [x, (1 - x) ** 2 + y * y])
    # y only costs: bred from the best trials, later ones keep it small.
    assert sorted(ys[-20:])[10] < 0.5 * sorted(ys[:8])[4]
    assert s.best_trials and all(t.params["x"] >= 0.3 for t in s.best_trials)


def test_optimize_runs_several_objectives_with_tpe(db):
    s = hs.Study.open(db, "motpe", directions=["minimize", "maximize"], searcher="tpe", seed=7)

    def objective(t):
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
        return x + y * y, x - y * y  # a tuple, one value per objective

    s.optimize(objective, n_trials=40)
    trials = s.trials
    assert len(trials) == 40 and all(t.state == hs.TrialState.COMPLETE for t in trials)
    assert all(len(t.values) == 2 for t in trials)
    front = s.best_trials
    assert front and all(t.values[0] == pytest.approx(t.params["x"] + t.params["y"] ** 2) for t in front)
    # y only costs in both objectives: after the start-up, TPE keeps it small.
    ys = sorted(t.params["y"] for t in trials[20:])
    assert ys[len(ys) // 2] < 0.3, ys


def test_optimize_fails_a_trial_with_the_wrong_number_of_values(db):
    s = hs.Study.open(db, "wrong", directions=["minimize", "minimize"], searcher="random", seed=1)
    with pytest.warns(RuntimeWarning, match="2 objectives, but the objective returned 3 values"):
        s.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0, 2.0), n_trials=1)
    with pytest.warns(RuntimeWarning, match="list of numbers"):
        s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.warns(RuntimeWarning, match="nan"):
        s.optimize(lambda t: (t.suggest_float("x", 0, 1), math.nan), n_trials=1)
    assert [t.state for t in s.trials] == [hs.TrialState.FAILED] * 3
    assert not any(t.values for t in s.trials)


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "minimize"]])
def test_constraints_func_records_constraints_and_tpe_keeps_to_them(db, directions):
    s = hs.Study.open(db, "ctpe", directions=directions, searcher="tpe", seed=2)

    def objective(t):
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
        return x + y if len(directions) == 1 else (x + y, 1 - x + y)

    # x + y >= 0.8, Optuna's shape: values that must be <= 0.
    s.optimize(objective, n_trials=60, constraints_func=lambda t: [0.8 - t.params["x"] - t.params["y"]])
    trials = s.trials
    assert all(t.constraints == [pytest.approx(0.8 - t.params["x"] - t.params["y"])] for t in trials)
    late = sorted(t.params["x"] + t.params["y"] for t in trials[30:])
    if len(directions) == 1:
        # Late trials gather at the boundary (sum 0.8); random's median is 1.
        assert abs(late[15] - 0.8) < 0.1, late
    assert all(t.feasible for t in s.best_trials)
    with pytest.raises(TypeError, match="constraints_func must be callable"):
        s.optimize(objective, n_trials=1, constraints_func=3)
