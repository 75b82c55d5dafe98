"""Conditional parameters: define-by-run branches (an `if` in the
objective) and define-and-run branches (`Choice` / `Categorical(branches=)`)."""

from __future__ import annotations

import pytest

import hyperspace as hs

MODEL_SPACE = {
    "model": hs.Choice(
        {
            "svm": {
                "C": hs.Float(1e-3, 1e3, log=True),
                "kernel": hs.Choice({"rbf": None, "poly": {"degree": hs.Int(2, 5)}}),
            },
            "tree": {"depth": hs.Int(1, 12)},
        }
    ),
    "lr": hs.Float(1e-4, 1e-1, log=True),
}


def _score(p):
    if p["model"] == "svm":
        base = abs(p["C"] - 1.0) / 10 + (0.5 if p["kernel"] == "poly" else 0.0)
        base += 0.1 * p.get("degree", 0)
    else:
        base = abs(p["depth"] - 6) / 6
    return base + p["lr"]


def _active(p):
    expected = {"model", "lr"}
    if p["model"] == "svm":
        expected |= {"C", "kernel"} | ({"degree"} if p["kernel"] == "poly" else set())
    else:
        expected |= {"depth"}
    return expected


@pytest.mark.parametrize("searcher", ["tpe", "random"])
def test_define_and_run_trials_hold_exactly_the_active_parameters(searcher):
    s = hs.create_study(space=MODEL_SPACE, searcher=searcher, seed=4)
    seen_models, seen_kernels = set(), set()
    for _ in range(40):
        t = s.ask()
        assert set(t.params) == _active(t.params)
        seen_models.add(t.params["model"])
        seen_kernels.add(t.params.get("kernel"))
        s.tell(t, _score(t.params))
    assert seen_models == {"svm", "tree"} and {"rbf", "poly"} <= seen_kernels
    assert set(s.space.flatten()) == {"model", "C", "kernel", "degree", "depth", "lr"}


def test_space_given_as_json_with_branches():
    text = (
        '{"model": {"type": "categorical", "choices": ["svm", "tree"],'
        ' "branches": {"svm": {"C": "log(1e-3, 1e3)"}, "tree": {"depth": "int(1, 12)"}}}}'
    )
    s = hs.create_study(space=text, seed=1)
    for _ in range(10):
        t = s.ask()
        assert set(t.params) == ({"model", "C"} if t.params["model"] == "svm" else {"model", "depth"})
        s.tell(t, 1.0)
    model = s.space["model"]
    assert isinstance(model, hs.Categorical) and set(model.branches) == {"svm", "tree"}


def test_compact_syntax_with_branches():
    s = hs.create_study(space="model=choice(svm{C=log(1e-3,1e3)}, tree{depth=int(1,12)})", seed=2)
    t = s.ask()
    assert t.params["model"] in ("svm", "tree")


def test_categorical_branches_on_non_string_choices():
    space = {"layers": hs.Categorical([1, 2], branches={2: {"width2": hs.Int(8, 64)}})}
    s = hs.create_study(space=space, seed=3)
    for _ in range(12):
        t = s.ask()
        assert ("width2" in t.params) == (t.params["layers"] == 2)
        s.tell(t, 0.0)


def test_space_sample_respects_branches():
    import random

    space = hs.Space(MODEL_SPACE)
    rng = random.Random(0)
    models = set()
    for _ in range(50):
        p = space.sample(rng)
        assert set(p) == _active(p)
        models.add(p["model"])
    assert len(models) > 1


def test_space_sample_is_the_engines_draw():
    """The engine draws (one rule for Python and the random searcher): the
    same rng state gives the same configuration, compact text samples too,
    values keep their types and ranges, log ranges are log-uniform."""
    import math
    import random

    space = hs.Space({"lr": hs.Float(1e-6, 1.0, log=True), "n": hs.Int(2, 64, step=2), "opt": ["adam", "sgd"]})
    assert space.sample(random.Random(7)) == space.sample(random.Random(7))
    draws = [space.sample(random.Random(i)) for i in range(400)]
    assert all(1e-6 <= d["lr"] <= 1.0 and isinstance(d["n"], int) and d["n"] % 2 == 0 for d in draws)
    assert {d["opt"] for d in draws} == {"adam", "sgd"}
    # Log-uniform: about half the draws below the geometric middle 1e-3
    # (a linear draw would put 0.1 % there).
    below = sum(d["lr"] < 1e-3 for d in draws) / len(draws)
    assert 0.4 < below < 0.6, below
    compact = hs.Space("x=float(-5,5) k=int(1,3)").sample(random.Random(1))
    assert set(compact) == {"x", "k"} and -5 <= compact["x"] <= 5
    value = hs.Float(0.0, 1.0, step=0.25).sample(random.Random(3))
    assert value in (0.0, 0.25, 0.5, 0.75, 1.0)
    assert math.isfinite(hs.Int(1, 10, log=True).sample())


def test_define_by_run_conditionals():
    def objective(trial):
        model = trial.suggest_categorical("model", ["svm", "tree"])
        if model == "svm":
            c = trial.suggest_float("C", 1e-3, 1e3, log=True)
            return abs(c - 1.0)
        depth = trial.suggest_int("depth", 1, 12)
        return abs(depth - 6) / 6

    s = hs.create_study(seed=9)
    s.optimize(objective, n_trials=40)
    for t in s.trials:
        assert set(t.params) == ({"model", "C"} if t.params["model"] == "svm" else {"model", "depth"})
    assert s.best_value < 0.2


def test_define_by_run_refuses_branches_in_one_suggestion(mem):
    t = mem.ask()
    with pytest.raises(TypeError, match="carry no branches"):
        t.suggest("m", hs.Choice({"a": {"x": hs.Float(0, 1)}}))


def test_enqueue_a_partial_conditional_configuration():
    s = hs.create_study(space=MODEL_SPACE, seed=5)
    s.enqueue({"model": "tree"})
    t = s.ask()
    assert t.params["model"] == "tree" and 1 <= t.params["depth"] <= 12 and "C" not in t.params


def test_enqueue_an_inactive_parameter_is_refused():
    s = hs.create_study(space=MODEL_SPACE, seed=5)
    with pytest.raises(hs.InvalidConfigError):
        s.enqueue({"model": "tree", "C": 1.0, "lr": 0.01, "depth": 3})
