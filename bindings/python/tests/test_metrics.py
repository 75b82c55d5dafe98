"""Several named metrics per step, and the repeated-step rule (issues 14
and 16): ``trial.report(step, {...})``, ``FrozenTrial.metric_values``, the
objective's series left to pruners, a repeated step warned about."""

from __future__ import annotations

import warnings

import pytest

import hyperspace as hs
from hyperspace import visualization as vis


def test_a_dict_reports_metrics_and_value_is_the_objectives_series(db):
    s = hs.create_study(storage=db, study_name="m", seed=3)
    t = s.ask()
    t.suggest_float("x", 0, 1)
    for step in range(3):
        t.report(step, {"value": 1.0 / (step + 1), "acc": 0.5 + step / 10, "lr": 0.1})
    t.report(3, {"acc": 0.9})  # metrics only
    t.report(3, 0.2)  # the objective alone, same step: another series
    s.tell(t, 0.2)
    f = s.trial(t.id)
    assert f.intermediate_values == pytest.approx({0: 1.0, 1: 0.5, 2: 1 / 3, 3: 0.2})
    assert set(f.metric_values) == {"acc", "lr"}
    assert f.metric_values["acc"] == pytest.approx({0: 0.5, 1: 0.6, 2: 0.7, 3: 0.9})
    assert f.metric_values["lr"] == {0: 0.1, 1: 0.1, 2: 0.1}
    # Read back from another handle on the same file: stored, not cached.
    again = hs.load_study(study_name="m", storage=db).trial(t.id)
    assert again.metric_values == f.metric_values


def test_a_repeated_step_keeps_the_first_value_and_warns(mem):
    t = mem.ask()
    t.report(0, 1.0)
    t.report(0, {"acc": 0.5})
    with pytest.warns(UserWarning, match=r"step 0.*first value is kept") as caught:
        t.report(0, 2.0)
    assert len(caught) == 1
    with pytest.warns(UserWarning, match="metric 'acc'"):
        t.report(0, {"acc": 0.7, "f1": 0.3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.report(1, 3.0)  # a new step: no warning
    f = t.frozen()
    assert f.intermediate_values == {0: 1.0, 1: 3.0}
    assert f.metric_values == {"acc": {0: 0.5}, "f1": {0: 0.3}}


def test_bad_reports_say_what_is_wrong_and_write_nothing(mem):
    t = mem.ask()
    with pytest.raises(TypeError, match="metric 'acc' must be a number"):
        t.report(0, {"acc": "high"})
    with pytest.raises(TypeError, match="metric name must be a string"):
        t.report(0, {1: 0.5})
    with pytest.raises(hs.NonFiniteValueError, match="metric 'f1'"):
        t.report(0, {"acc": 0.5, "f1": float("nan")})
    with pytest.raises(TypeError, match="a number or a dict"):
        t.report(0, [0.5])
    f = t.frozen()
    assert f.intermediate_values == {} and f.metric_values == {}


def test_pruners_read_the_objectives_series_only():
    s = hs.create_study(seed=1, pruner=hs.pruners.MedianPruner(n_startup_trials=1))
    for value in (1.0, 1.0):
        t = s.ask()
        t.report(0, {"value": value, "acc": 100.0})
        s.tell(t, value)
    t = s.ask()
    # A huge metric, a good objective value: not pruned.
    t.report(0, {"value": 0.5, "acc": 1e9})
    assert not t.should_prune()
    u = s.ask()
    u.report(0, {"value": 9.0, "acc": 0.0})
    assert u.should_prune()


def test_plot_intermediate_values_of_a_metric():
    pytest.importorskip("plotly", reason="plotly (the 'plot' extra) is not installed; scripts/test installs it")
    s = hs.create_study(seed=2)
    for i in range(3):
        t = s.ask()
        for step in range(4):
            t.report(step, {"value": i + 1.0 / (step + 1), "acc": i / 10 + step})
        if i == 2:
            t.report(4, {"f1": 0.5})
        s.tell(t, float(i))
    fig = vis.plot_intermediate_values(s, metric="acc")
    assert [tr.name for tr in fig.data] == ["Trial0", "Trial1", "Trial2"]
    assert list(fig.data[1].y) == pytest.approx([0.1, 1.1, 2.1, 3.1])
    assert fig.layout.yaxis.title.text == "acc"
    only = vis.plot_intermediate_values(s, metric="f1")
    assert [tr.name for tr in only.data] == ["Trial2"]
    assert list(only.data[0].x) == [4]
    objective = vis.plot_intermediate_values(s)
    assert list(objective.data[0].y) == pytest.approx([1.0, 0.5, 1 / 3, 0.25])


def test_copy_study_keeps_every_metric_series(db, tmp_path):
    s = hs.create_study(storage=db, study_name="src", seed=4)
    t = s.ask()
    t.suggest_float("x", 0, 1)
    t.report(0, {"value": 2.0, "acc": 0.25})
    t.report(1, {"acc": 0.5})
    s.tell(t, 1.0)
    other = str(tmp_path / "other.db")
    hs.copy_study(from_study_name="src", from_storage=db, to_storage=other, to_study_name="dst")
    copied = hs.load_study(study_name="dst", storage=other).trials[0]
    assert copied.intermediate_values == {0: 2.0}
    assert copied.metric_values == {"acc": {0: 0.25, 1: 0.5}}
