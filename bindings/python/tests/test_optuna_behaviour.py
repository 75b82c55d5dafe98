"""Issue 16: behaviours of Optuna a ported script relies on (the rules are
the engine's; these tests check that Python shows them as Optuna does)."""

import warnings

import pytest

import hyperspace as hs


def test_single_point_ranges_return_their_value():
    study = hs.create_study(searcher="tpe", seed=1)

    def objective(trial):
        assert trial.suggest_int("i", 3, 3) == 3
        assert trial.suggest_int("li", 4, 4, log=True) == 4
        assert trial.suggest_float("f", 1.0, 1.0) == 1.0
        assert trial.suggest_float("lf", 2.0, 2.0, log=True) == 2.0
        x = trial.suggest_float("x", -1.0, 1.0)
        return x * x

    study.optimize(objective, n_trials=15)
    assert all(t.params["i"] == 3 and t.params["f"] == 1.0 for t in study.trials)
    assert len({t.params["x"] for t in study.trials}) == 15

    fixed = hs.create_study(space={"i": hs.Int(3, 3), "x": hs.Float(0, 1)}, searcher="random", seed=2)
    trial = fixed.ask()
    assert trial.params["i"] == 3


def test_a_step_that_does_not_divide_narrows_high_with_a_warning():
    study = hs.create_study(searcher="random", seed=3)
    seen = set()
    with pytest.warns(UserWarning, match=r"parameter 'n': step 3 does not divide the range \[0, 10\]; high is narrowed to 9"):
        trial = study.ask()
        seen.add(trial.suggest_int("n", 0, 10, step=3))
        study.tell(trial, 0.0)
    for _ in range(30):
        trial = study.ask()
        with warnings.catch_warnings():
            # Warned once per definition, not at every suggestion.
            warnings.simplefilter("error")
            seen.add(trial.suggest_int("n", 0, 10, step=3))
        study.tell(trial, 0.0)
    assert seen == {0, 3, 6, 9}

    with pytest.warns(UserWarning, match="narrowed to 0.9"):
        value = study.ask().suggest_float("x", 0.0, 1.0, step=0.3)
    assert value in (0.0, 0.3, 0.6, 0.9) or abs(value - 0.6) < 1e-12 or abs(value - 0.9) < 1e-12

    with pytest.warns(UserWarning, match="parameter 'k'.*narrowed to 8"):
        spaced = hs.create_study(space={"k": hs.Int(0, 9, step=2)}, searcher="grid")
    assert sorted(spaced.ask().params["k"] for _ in range(5)) == [0, 2, 4, 6, 8]


def test_optimize_over_an_exhausted_define_by_run_grid_stops_cleanly():
    study = hs.create_study(searcher="grid", seed=4)

    def objective(trial):
        return trial.suggest_int("x", 0, 1) + trial.suggest_categorical("c", ["a", "b"]).count("a")

    with pytest.warns(RuntimeWarning, match="nothing left"):
        study.optimize(objective, n_trials=10)
    states = [t.state for t in study.trials]
    assert states == [hs.TrialState.COMPLETE] * 4, states
    assert len({(t.params["x"], t.params["c"]) for t in study.trials}) == 4
