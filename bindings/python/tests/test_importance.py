"""hs.importance: parameter importances from the Rust engine (fANOVA and
PED-ANOVA), checked on studies whose answer is known."""

from __future__ import annotations

import math

import pytest

import hyperspace as hs
from hyperspace.importance import (
    FanovaImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)

EVALUATORS = [FanovaImportanceEvaluator, PedAnovaImportanceEvaluator]


def _one_matters(trial: hs.Trial) -> float:
    a = trial.suggest_float("a", 0.0, 1.0)
    b = trial.suggest_float("b", 1e-4, 1.0, log=True)
    trial.suggest_int("n", 1, 8)
    trial.suggest_categorical("opt", ["adam", "sgd"])
    return (math.log10(b) + 2.0) ** 2 + 0.001 * a


def _study(objective, n: int, storage=None, seed: int = 7) -> hs.Study:
    study = hs.create_study(storage=storage, seed=seed, searcher="random")
    study.optimize(objective, n_trials=n)
    return study


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_the_parameter_that_matters_comes_first_and_values_sum_to_one(evaluator, db):
    study = _study(_one_matters, 120, storage=db)
    got = get_param_importances(study, evaluator=evaluator())
    assert list(got)[0] == "b", got
    assert set(got) == {"a", "b", "n", "opt"}
    assert math.isclose(sum(got.values()), 1.0, abs_tol=1e-9)
    values = list(got.values())
    assert values == sorted(values, reverse=True), "ordered, most important first"
    if evaluator is FanovaImportanceEvaluator:
        assert got["b"] > 0.8, got


def test_the_default_is_fanova_and_deterministic_for_a_seed():
    study = _study(_one_matters, 80)
    default = get_param_importances(study)
    assert default == get_param_importances(study, evaluator=FanovaImportanceEvaluator())
    seeded = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=3))
    assert seeded == get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=3))
    assert seeded != get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=4))


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_conditional_parameters_count_where_active(evaluator):
    def objective(trial: hs.Trial) -> float:
        model = trial.suggest_categorical("model", ["svm", "tree"])
        trial.suggest_float("lr", 0.0, 1.0)
        if model == "svm":
            c = trial.suggest_float("C", 0.0, 1.0)
            return 10.0 * (c - 0.5) ** 2
        trial.suggest_int("depth", 1, 12)
        return 0.0

    study = _study(objective, 300)
    got = get_param_importances(study, evaluator=evaluator())
    assert set(got) == {"model", "lr", "C", "depth"}
    assert list(got)[0] == "C", got
    # lr, active everywhere, may pick up some of the svm branch's variance
    # in the all-trials model, which cannot see C; depth does not matter.
    assert got["depth"] < got["C"] / 4 and got["lr"] < got["C"], got


def test_params_limit_the_ranking_and_mistakes_are_clear():
    study = _study(_one_matters, 30)
    only = get_param_importances(study, params=["a", "n"])
    assert set(only) == {"a", "n"}
    with pytest.raises(ValueError, match="no parameter 'zz'"):
        get_param_importances(study, params=["zz"])
    with pytest.raises(TypeError, match="evaluator must be"):
        get_param_importances(study, evaluator="fanova")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="baseline_quantile"):
        PedAnovaImportanceEvaluator(baseline_quantile=0.0)
    with pytest.raises(ValueError, match="n_trees"):
        FanovaImportanceEvaluator(n_trees=0)
    with pytest.raises(ValueError, match="no parameters to rank"):
        get_param_importances(hs.create_study(seed=1))
    with pytest.raises(ValueError, match="at least 2 complete trials"):
        get_param_importances(_study(_one_matters, 1))


def test_maximize_flips_what_ped_anova_calls_best():
    def objective(trial: hs.Trial) -> float:
        a = trial.suggest_float("a", 0.0, 1.0)
        b = trial.suggest_float("b", 0.0, 1.0)
        if a < 0.1:
            return -1.0 - 0.01 * b
        if b > 0.9:
            return 1.0 + 0.01 * a
        return 1e-6 * (a + b)

    low = hs.create_study(seed=2, searcher="random", direction="minimize")
    low.optimize(objective, n_trials=300)
    high = hs.create_study(seed=2, searcher="random", direction="maximize")
    high.optimize(objective, n_trials=300)
    ped = PedAnovaImportanceEvaluator()
    assert list(get_param_importances(low, evaluator=ped))[0] == "a"
    assert list(get_param_importances(high, evaluator=ped))[0] == "b"
