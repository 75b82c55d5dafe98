"""Pruning hooks: trial.report + trial.should_prune with the median rule,
NopPruner, a pruner written in Python, and pruned trials in the history."""

from __future__ import annotations

import pytest

import hyperspace as hs


def _complete(study, curves):
    """Complete one trial per curve, reporting it step by step."""
    for curve in curves:
        t = study.ask()
        for step, v in enumerate(curve):
            t.report(step, v)
        study.tell(t, curve[-1])


def _running(study, curve):
    t = study.ask()
    for step, v in enumerate(curve):
        t.report(step, v)
    return t


def test_median_rule_prunes_a_trial_worse_than_the_median():
    s = hs.create_study(pruner=hs.MedianPruner(n_startup_trials=3), seed=1)
    _complete(s, [[1.0, 0.5], [2.0, 1.0], [3.0, 1.5]])  # medians: 2.0 at step 0, 1.0 at step 1
    assert _running(s, [2.5]).should_prune()
    assert not _running(s, [1.5]).should_prune()
    assert not _running(s, [2.0]).should_prune()  # equal to the median: kept
    # The best value so far counts, not the last one.
    assert not _running(s, [0.1, 1.2]).should_prune()
    assert _running(s, [2.1, 1.2]).should_prune()


def test_median_rule_for_maximize():
    s = hs.create_study(direction="maximize", pruner=hs.MedianPruner(n_startup_trials=3), seed=1)
    _complete(s, [[1.0], [2.0], [3.0]])
    assert _running(s, [1.5]).should_prune()
    assert not _running(s, [2.5]).should_prune()


def test_median_rule_waits_for_startup_trials_warmup_and_interval():
    s = hs.create_study(pruner=hs.MedianPruner(n_startup_trials=3, n_warmup_steps=2, interval_steps=2), seed=1)
    _complete(s, [[1.0] * 6, [1.0] * 6])
    assert not _running(s, [9.0] * 5).should_prune()  # 2 complete trials < 3
    _complete(s, [[1.0] * 6])
    assert not _running(s, [9.0]).should_prune()  # step 0 < warm-up
    assert not _running(s, [9.0] * 2).should_prune()  # step 1 < warm-up
    assert _running(s, [9.0] * 3).should_prune()  # step 2: first after warm-up
    assert not _running(s, [9.0] * 4).should_prune()  # step 3: off the interval
    assert _running(s, [9.0] * 5).should_prune()  # step 4


def test_median_rule_ignores_pruned_and_failed_trials_and_steps_nobody_reported():
    s = hs.create_study(pruner=hs.MedianPruner(n_startup_trials=1), seed=1)
    _complete(s, [[1.0]])
    bad = _running(s, [0.0, 100.0])
    s.tell(bad, state="pruned")
    assert not _running(s, [5.0, 5.0, 5.0]).should_prune()  # nobody complete reported step 2
    assert _running(s, [5.0]).should_prune()
    assert not _running(s, []).should_prune()  # nothing reported


def test_median_rule_n_min_trials():
    s = hs.create_study(pruner=hs.MedianPruner(n_startup_trials=0, n_min_trials=2), seed=1)
    _complete(s, [[1.0]])
    assert not _running(s, [5.0]).should_prune()
    _complete(s, [[1.0]])
    assert _running(s, [5.0]).should_prune()


def test_default_pruner_is_median_and_nop_never_prunes():
    assert isinstance(hs.create_study().pruner, hs.MedianPruner)
    s = hs.create_study(pruner=hs.NopPruner(), seed=1)
    _complete(s, [[1.0]] * 6)
    assert not _running(s, [100.0]).should_prune()
    s.pruner = "median"
    assert _running(s, [100.0]).should_prune()
    assert isinstance(hs.create_study(pruner="none").pruner, hs.NopPruner)


def test_a_pruner_written_in_python():
    class Threshold(hs.BasePruner):
        def prune(self, study, trial):
            return trial.intermediate_values[trial.last_step] > 10

    s = hs.create_study(pruner=Threshold(), seed=1)
    assert _running(s, [11.0]).should_prune() and not _running(s, [9.0]).should_prune()

    class Duck:  # any object with prune(study, trial), Optuna-style
        def prune(self, study, trial):
            return True

    assert _running(hs.create_study(pruner=Duck()), [1.0]).should_prune()


def test_invalid_pruner_settings():
    with pytest.raises(ValueError, match="interval_steps"):
        hs.MedianPruner(interval_steps=0)
    with pytest.raises(TypeError, match="pruner must be"):
        hs.create_study(pruner=3)


def test_pruning_saves_steps_in_a_loop(db):
    s = hs.Study.open(db, "prune", seed=3, pruner=hs.MedianPruner(n_startup_trials=5, n_warmup_steps=1))
    steps = 0
    for _ in range(40):
        t = s.ask()
        x = t.suggest_float("x", -4, 4)
        pruned = False
        for epoch in range(20):
            steps += 1
            loss = x * x + 10.0 / (epoch + 1)
            t.report(epoch, loss)
            if t.should_prune():
                pruned = True
                break
        if pruned:
            s.tell(t, state="pruned")
        else:
            s.tell(t, loss)
    assert steps < 40 * 20 * 0.8
    pruned = s.get_trials(states=["pruned"])
    assert pruned and all(t.value == t.intermediate_values[t.last_step] for t in pruned)


def test_successive_halving_keeps_the_best_share_at_each_rung():
    # Rungs at steps 1, 3, 9 (min_resource 1, factor 3).
    s = hs.create_study(pruner=hs.SuccessiveHalvingPruner(), seed=1)
    _complete(s, [[0.0, 0.0, 0.0, float(v)] for v in range(1, 7)])  # values 1..6 at rung 3
    # Seven at rung 3 with the newcomer: the best 7 // 3 = 2 continue.
    assert not _running(s, [0.0, 0.0, 0.0, 1.5]).should_prune()
    assert _running(s, [0.0, 0.0, 0.0, 2.5]).should_prune()
    # Between rungs a trial is not judged again.
    assert not _running(s, [0.0, 0.0, 0.0, 1.5, 99.0]).should_prune()
    assert isinstance(hs.create_study(pruner="successive_halving").pruner, hs.SuccessiveHalvingPruner)


def test_successive_halving_for_maximize_and_its_settings():
    s = hs.create_study(direction="maximize", pruner=hs.SuccessiveHalvingPruner(reduction_factor=2), seed=1)
    _complete(s, [[0.0, 1.0], [0.0, 2.0], [0.0, 3.0]])  # values 1, 2, 3 at rung 1
    # Four at rung 1 with the newcomer: the best two continue.
    assert not _running(s, [0.0, 2.5]).should_prune()
    # Five now (the last one is still running): 3.0 and 2.5 continue.
    assert _running(s, [0.0, 1.5]).should_prune()
    with pytest.raises(ValueError, match="reduction_factor"):
        hs.SuccessiveHalvingPruner(reduction_factor=1)
    with pytest.raises(ValueError, match="min_resource"):
        hs.SuccessiveHalvingPruner(min_resource=0)
    assert "reduction_factor=2" in repr(hs.SuccessiveHalvingPruner(reduction_factor=2))


def test_hyperband_judges_trials_within_their_bracket():
    # min 1, max 9, factor 3: brackets start pruning at steps 1, 3 (and none
    # at 9 = max_resource). Many bad trials of whatever bracket, then the
    # bad ones are pruned somewhere, good ones never.
    s = hs.create_study(pruner=hs.HyperbandPruner(min_resource=1, max_resource=9), seed=1)
    _complete(s, [[0.0, 1.0, 1.0, 1.0] for _ in range(20)])
    pruned_good = sum(_running(s, [0.0, 0.5, 0.5, 0.5]).should_prune() for _ in range(5))
    assert pruned_good == 0
    pruned_bad = [_running(s, [0.0, 5.0, 5.0, 5.0]).should_prune() for _ in range(20)]
    assert any(pruned_bad)
    with pytest.raises(ValueError, match="max_resource"):
        hs.HyperbandPruner(min_resource=3, max_resource=3)
    assert isinstance(hs.create_study(pruner="hyperband").pruner, hs.HyperbandPruner)


def test_hyperband_searcher_gives_each_trial_its_budget_at_ask_time():
    s = hs.create_study(searcher="hyperband", searcher_settings={"max_budget": 9, "brackets": 1}, seed=2)
    promoted = 0
    for _ in range(30):
        t = s.ask()
        budget = t.budget
        assert budget in (1.0, 3.0, 9.0)
        x = t.suggest_float("x", 0.0, 1.0)
        if t.parent is not None:
            promoted += 1
            assert s.trial(t.parent).params["x"] == x  # a promotion continues its parent
        s.tell(t, (x - 0.3) ** 2 + 1.0 / budget)
    assert promoted > 0
    assert all(t.budget is not None for t in s.trials)


def test_defaults_come_from_the_engine():
    # Nothing left out is filled in by Python: the engine's defaults.
    m = hs.MedianPruner(n_startup_trials=3)
    assert (m.n_startup_trials, m.n_warmup_steps, m.interval_steps, m.n_min_trials) == (3, 0, 1, 1)
    h = hs.HyperbandPruner()
    assert (h.min_resource, h.max_resource, h.reduction_factor) == (1, 81, 3)
    assert hs.EnginePruner("asha").settings == hs.SuccessiveHalvingPruner().settings
    with pytest.raises(ValueError, match="known pruners"):
        hs.EnginePruner("medain")
    with pytest.raises(ValueError, match="n_startup_trials") as e:
        hs.MedianPruner(n_startup_trials=-1)
    assert (e.value.pruner, e.value.setting) == ("median", "n_startup_trials")


def test_a_pruner_given_at_creation_is_stored_with_the_study(db):
    hs.Study.create(db, "kept", pruner=hs.HyperbandPruner(max_resource=27), seed=1)
    # Opened again without a pruner: the stored one, with its settings.
    again = hs.Study.load(db, "kept")
    assert again.pruner == hs.HyperbandPruner(max_resource=27)
    assert isinstance(again.pruner, hs.HyperbandPruner)
    # A session may use another, without changing what is stored.
    other = hs.Study.load(db, "kept", pruner="none")
    assert isinstance(other.pruner, hs.NopPruner)
    assert hs.Study.load(db, "kept").pruner.max_resource == 27
    # "none" is stored too: a later session does not prune either.
    hs.Study.create(db, "never", pruner=hs.NopPruner(), seed=1)
    assert isinstance(hs.Study.load(db, "never").pruner, hs.NopPruner)


def test_a_study_without_a_stored_pruner_prunes_with_the_median(db):
    class Never(hs.BasePruner):
        def prune(self, study, trial):
            return False

    # A Python pruner is not stored: a later session gets the default.
    hs.Study.create(db, "py", pruner=Never(), seed=1)
    s = hs.Study.load(db, "py")
    assert isinstance(s.pruner, hs.MedianPruner)
    s.pruner = hs.MedianPruner(n_startup_trials=3)
    _complete(s, [[1.0], [2.0], [3.0]])
    assert _running(s, [2.5]).should_prune()
    assert not _running(s, [1.5]).should_prune()
