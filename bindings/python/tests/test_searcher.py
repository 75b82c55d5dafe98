"""Searchers written in Python: registered by name, used like built-ins in
define-and-run and define-by-run studies, with settings, a seeded context
and their exceptions as the cause of SearcherError."""

from __future__ import annotations

import pytest

import hyperspace as hs


class Centre:
    """Proposes the centre of every range (then samples around the best)."""

    def __init__(self, spread: float = 0.0) -> None:
        self.spread = spread
        self.calls = []

    def suggest(self, space, trials, context):
        self.calls.append((list(space), len(trials), context.trial_number))
        out = {}
        for name, dist in space.flatten().items():
            if isinstance(dist, hs.Float):
                out[name] = (dist.low + dist.high) / 2 + context.rng.uniform(-self.spread, self.spread)
            elif isinstance(dist, hs.Int):
                out[name] = (dist.low + dist.high) // 2
            else:
                out[name] = dist.choices[0]
        return out


def test_registered_searcher_is_used_define_and_run():
    made = []

    def factory(**settings):
        s = Centre(**settings)
        made.append(s)
        return s

    hs.register_searcher("centre", factory)
    assert "centre" in hs.searchers()
    study = hs.create_study(searcher="centre", searcher_settings={"spread": 0.0}, space={"x": hs.Float(0, 10), "k": hs.Int(1, 5)}, seed=1)
    t = study.ask()
    assert t.params == {"x": 5.0, "k": 3}
    study.tell(t, 1.0)
    t2 = study.ask()
    assert made[0].calls[-1] == (["x", "k"], 1, 1)  # sees the history, proposes for trial 1
    assert t2.params == {"x": 5.0, "k": 3}


def test_context_is_seeded_per_trial():
    hs.register_searcher("centre", Centre)

    def params(seed):
        s = hs.create_study(searcher="centre", searcher_settings={"spread": 1.0}, space={"x": hs.Float(0, 10)}, seed=seed)
        out = []
        for _ in range(3):
            t = s.ask()
            out.append(t.params["x"])
            s.tell(t, 0.0)
        return out

    assert params(3) == params(3) and params(3) != params(4)
    assert len(set(params(3))) == 3


def test_define_by_run_with_a_python_searcher():
    class Low:
        def suggest(self, space, trials):  # two-argument form
            return {n: (d.low if isinstance(d, (hs.Float, hs.Int)) else d.choices[-1]) for n, d in space.items()}

    hs.register_searcher("low", Low)
    s = hs.create_study(searcher="low", seed=1)

    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        c = trial.suggest_categorical("c", ["a", "b"])
        return x + (c == "b")

    s.optimize(objective, n_trials=3)
    assert [t.params for t in s.trials] == [{"x": -2.0, "c": "b"}] * 3


def test_python_searcher_on_a_conditional_space():
    import random

    class Sampler:
        def suggest(self, space, trials, context):
            return space.sample(context.rng)

    hs.register_searcher("sampler", Sampler)
    space = {"m": hs.Choice({"a": {"x": hs.Float(0, 1)}, "b": {"k": hs.Int(1, 3)}})}
    s = hs.create_study(searcher="sampler", space=space, seed=1)
    for _ in range(10):
        t = s.ask()
        assert set(t.params) == ({"m", "x"} if t.params["m"] == "a" else {"m", "k"})
        s.tell(t, random.random())


def test_numpy_values_are_accepted():
    np = pytest.importorskip("numpy")

    class Np:
        def suggest(self, space, trials):
            return {"x": np.float64(0.5), "k": np.int64(2)}

    hs.register_searcher("np", Np)
    s = hs.create_study(searcher="np", space={"x": hs.Float(0, 1), "k": hs.Int(1, 3)})
    assert s.ask().params == {"x": 0.5, "k": 2}


def test_searcher_exceptions_surface_with_their_cause():
    class Broken:
        def suggest(self, space, trials):
            raise ZeroDivisionError("my bug")

    hs.register_searcher("broken", Broken)
    s = hs.create_study(searcher="broken", space={"x": hs.Float(0, 1)})
    with pytest.raises(hs.SearcherError, match="my bug") as e:
        s.ask()
    assert isinstance(e.value.__cause__, ZeroDivisionError)
    assert e.value.searcher == "broken"
    assert s.trials == []  # proposals come before the trial is created: nothing left running


def test_searcher_bad_answers():
    class NotADict:
        def suggest(self, space, trials):
            return [1, 2]

    class OutOfRange:
        def suggest(self, space, trials):
            return {"x": 7.0}

    hs.register_searcher("list", NotADict)
    hs.register_searcher("oor", OutOfRange)
    with pytest.raises(hs.SearcherError, match="must return a dict") as e:
        hs.create_study(searcher="list", space={"x": hs.Float(0, 1)}).ask()
    assert isinstance(e.value.__cause__, TypeError)
    with pytest.raises(hs.SearcherError, match="invalid configuration"):
        hs.create_study(searcher="oor", space={"x": hs.Float(0, 1)}).ask()


def test_factory_errors_are_settings_errors():
    hs.register_searcher("centre", Centre)
    with pytest.raises(hs.SearcherSettingsError, match="unexpected keyword") as e:
        hs.create_study(searcher="centre", searcher_settings={"nope": 1})
    assert isinstance(e.value.__cause__, TypeError)

    class NoSuggest:
        pass

    hs.register_searcher("nosuggest", NoSuggest)
    with pytest.raises(hs.SearcherSettingsError, match="needs a suggest"):
        hs.create_study(searcher="nosuggest")
    with pytest.raises(TypeError, match="must be callable"):
        hs.register_searcher("x", 3)
    with pytest.raises(ValueError, match="non-empty name"):
        hs.register_searcher(" ", Centre)


def test_a_searcher_calling_its_study_gets_an_error_not_a_deadlock():
    holder = {}

    class Nosy:
        def suggest(self, space, trials):
            holder["study"].trials  # noqa: B018 - re-entering the study
            return {"x": 0.5}

    hs.register_searcher("nosy", Nosy)
    s = hs.create_study(searcher="nosy", space={"x": hs.Float(0, 1)})
    holder["study"] = s
    with pytest.raises(hs.SearcherError) as e:
        s.ask()
    assert isinstance(e.value.__cause__, RuntimeError)
    assert "cannot call a study" in str(e.value.__cause__)
    assert len(s) == 0


def test_define_by_run_searcher_sees_the_space_every_finished_trial_shares(db):
    """Define-by-run: the searcher proposes jointly the parameters every
    finished trial (complete or pruned) has, at a trial's first suggestion;
    a parameter outside that space is asked for on its own. Failed trials do
    not narrow the joint space; a complete trial without a parameter does."""
    asked = []

    class Recorder:
        def suggest(self, space, trials):
            asked.append(sorted(space))
            return {n: d.low for n, d in space.items()}

    hs.register_searcher("recorder", Recorder)
    s = hs.Study.open(db, "joint", searcher="recorder", seed=1)

    def run(names, **tell):
        asked.clear()
        t = s.ask()
        for n in names:
            if n == "k":
                assert t.suggest_int("k", 1, 4) == 1
            else:
                assert t.suggest_float(n, 0, 1) == 0.0
        s.tell(t, **(tell or {"value": 1.0}))
        return list(asked)

    assert run(["x", "k"]) == [["x"], ["k"]]  # nothing finished: one by one
    assert run(["x", "y", "k"]) == [["k", "x"], ["y"]]  # x, k jointly; y new
    assert run(["x"], state="failed") == [["k", "x"]]  # failed: no narrowing
    assert run(["k", "x"]) == [["k", "x"]]
    assert run(["x"], state="pruned") == [["k", "x"]]  # pruned, no value: not finished with one
    t = s.ask()
    t.suggest_float("x", 0, 1)
    t.report(0, 0.5)
    s.tell(t, state="pruned")  # pruned with a value, without k: narrows
    assert run(["x", "k"]) == [["x"], ["k"]]


def test_each_trial_records_the_searcher_that_proposed_it():
    """Issue 17: `auto` names its delegate; a plain searcher its own name;
    a trial enqueued with every value fixed has none."""
    study = hs.Study.open(":memory:", "p", searcher="auto", searcher_settings={"gp_trials": 3}, seed=1)
    study.enqueue({"x": 0.5})
    for _ in range(5):
        trial = study.ask()
        study.tell(trial, trial.suggest_float("x", 0.0, 1.0))
    assert [t.proposer for t in study.trials] == [None, "auto:gp", "auto:gp", "auto:cmaes", "auto:cmaes"]
    plain = hs.Study.open(":memory:", "q", searcher="tpe", seed=1)
    plain.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    assert [t.proposer for t in plain.trials] == ["tpe", "tpe"]
