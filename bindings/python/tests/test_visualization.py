"""hs.visualization: the figures' data (points, trace names, axis types)
checked against the study they were drawn from, ``where=`` read by the
engine's filter language, and the error when plotly is missing."""

from __future__ import annotations

import math
import sys

import pytest

import hyperspace as hs
from hyperspace import visualization as vis

SPACE = {
    "lr": hs.Float(1e-4, 1e-1, log=True),
    "layers": hs.Int(1, 8),
    "opt": hs.Categorical(["adam", "sgd"]),
}


def _loss(params) -> float:
    return (math.log10(params["lr"]) + 2.5) ** 2 + 0.1 * params["layers"] + (0.5 if params["opt"] == "sgd" else 0.0)


@pytest.fixture
def plotly():
    return pytest.importorskip("plotly", reason="plotly (the 'plot' extra) is not installed; scripts/test installs it")


@pytest.fixture
def study(db) -> hs.Study:
    """16 trials: every 4th pruned after reporting, one failed, one still
    running; the rest complete with a known loss, each reporting 3 steps."""
    s = hs.create_study(storage=db, study_name="viz", seed=11, searcher="random")
    for i in range(16):
        t = s.ask(SPACE)
        loss = _loss(t.params)
        for step in range(3):
            t.report(step, loss + 1.0 / (step + 1))
        if i % 4 == 3:
            s.tell(t, state="pruned")
        elif i == 6:
            s.tell(t, state="failed", message="boom")
        else:
            s.tell(t, loss)
    s.ask(SPACE)  # running
    return s


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def _complete(study, where=None):
    return study.get_trials(states=["complete"], where=where)


def test_optimization_history_has_complete_pruned_and_the_best_so_far(plotly, study):
    fig = vis.plot_optimization_history(study)
    assert [t.name for t in fig.data] == ["Objective Value", "Pruned", "Best Value"]
    complete = _complete(study)
    pruned = study.get_trials(states=["pruned"])
    assert len(complete) == 11 and len(pruned) == 4
    values = _trace(fig, "Objective Value")
    assert list(values.x) == [t.number for t in complete]
    assert list(values.y) == pytest.approx([t.value for t in complete])
    assert list(_trace(fig, "Pruned").x) == [t.number for t in pruned]
    best = _trace(fig, "Best Value")
    finished = sorted(complete + pruned, key=lambda t: t.number)
    assert list(best.x) == [t.number for t in finished]
    # Pruned trials never set the best: expected from the complete ones only.
    expected, current = [], None
    for t in finished:
        if t.state == hs.TrialState.COMPLETE and (current is None or t.value < current):
            current = t.value
        expected.append(current)
    assert list(best.y) == expected
    assert best.y[-1] == pytest.approx(study.best_value)
    assert fig.layout.xaxis.title.text == "Trial"
    assert fig.layout.yaxis.type == "linear"
    assert vis.plot_optimization_history(study, log=True).layout.yaxis.type == "log"


def test_where_selects_trials_with_the_cli_language(plotly, study):
    fig = vis.plot_optimization_history(study, where="opt = adam and state = complete")
    adam = _complete(study, where=lambda t: t.params["opt"] == "adam")
    assert 0 < len(adam) < 11
    assert list(_trace(fig, "Objective Value").x) == [t.number for t in adam]
    assert [t.name for t in fig.data] == ["Objective Value", "Best Value"]
    # The same filter, the same trials, as get_trials with a string.
    assert [t.number for t in study.get_trials(where="opt = adam and state = complete")] == [t.number for t in adam]
    with pytest.raises(ValueError, match="column"):
        vis.plot_slice(study, where="opt === adam")
    with pytest.raises(ValueError, match="nope"):
        vis.plot_edf(study, where="nope < 1")
    with pytest.raises(TypeError, match="filter string"):
        vis.plot_edf(study, where=lambda t: True)


def test_intermediate_values_one_line_per_reporting_trial(plotly, study):
    fig = vis.plot_intermediate_values(study)
    reporting = [t for t in study.trials if t.intermediate_values]
    assert len(reporting) == 16  # the running trial reported nothing
    assert [t.name for t in fig.data] == [f"Trial{t.number}" for t in reporting]
    for trace, t in zip(fig.data, reporting):
        assert list(trace.x) == [0, 1, 2]
        assert list(trace.y) == pytest.approx([t.intermediate_values[s] for s in range(3)])
    only = vis.plot_intermediate_values(study, where="state = pruned")
    assert len(only.data) == 4


def test_parallel_coordinate_axes_log_and_categorical(plotly, study):
    fig = vis.plot_parallel_coordinate(study)
    (trace,) = fig.data
    dims = {d.label: d for d in trace.dimensions}
    assert [d.label for d in trace.dimensions] == ["Objective Value", "lr", "layers", "opt"]
    complete = _complete(study)
    assert list(dims["Objective Value"].values) == pytest.approx([t.value for t in complete])
    assert list(dims["lr"].values) == pytest.approx([math.log10(t.params["lr"]) for t in complete])
    assert list(dims["layers"].values) == [t.params["layers"] for t in complete]
    assert list(dims["opt"].values) == [["adam", "sgd"].index(t.params["opt"]) for t in complete]
    assert list(dims["opt"].ticktext) == ["adam", "sgd"]
    assert all(text.startswith("1e") for text in dims["lr"].ticktext)
    assert trace.line.reversescale is True  # minimize: low values dark
    fig = vis.plot_parallel_coordinate(study, params=["layers"], where="layers > 4")
    assert [d.label for d in fig.data[0].dimensions] == ["Objective Value", "layers"]
    assert all(v > 4 for v in fig.data[0].dimensions[1].values)
    with pytest.raises(ValueError, match="unknown parameter.*depth"):
        vis.plot_parallel_coordinate(study, params=["depth"])


def test_slice_one_panel_per_parameter_with_its_axis_type(plotly, study):
    fig = vis.plot_slice(study)
    assert [t.name for t in fig.data] == ["lr", "layers", "opt"]
    assert (fig.layout.xaxis.type, fig.layout.xaxis2.type, fig.layout.xaxis3.type) == ("log", "linear", "category")
    assert list(fig.layout.xaxis3.categoryarray) == ["adam", "sgd"]
    complete = _complete(study)
    lr, layers, opt = fig.data
    assert list(lr.x) == pytest.approx([t.params["lr"] for t in complete])
    assert list(opt.x) == [t.params["opt"] for t in complete]
    assert list(layers.y) == pytest.approx([t.value for t in complete])
    assert list(lr.marker.color) == [t.number for t in complete]
    assert fig.layout.yaxis.title.text == "Objective Value"


def test_contour_two_parameters_and_a_grid_for_more(plotly, study):
    fig = vis.plot_contour(study, params=["lr", "opt"])
    contour, points = fig.data
    assert contour.type == "contour" and points.name == "Trial"
    complete = _complete(study)
    assert list(points.x) == pytest.approx([t.params["lr"] for t in complete])
    assert list(points.y) == [["adam", "sgd"].index(t.params["opt"]) for t in complete]
    # The surface is a grid: 30 log-spaced nodes over the trials' lr, one
    # row per choice of opt.
    lrs = [t.params["lr"] for t in complete]
    assert len(contour.x) == 30 and list(contour.y) == [0.0, 1.0]
    assert contour.x[0] == pytest.approx(min(lrs)) and contour.x[-1] == pytest.approx(max(lrs))
    ratios = [b / a for a, b in zip(contour.x, contour.x[1:])]
    assert max(ratios) == pytest.approx(min(ratios))
    assert [len(row) for row in contour.z] == [30, 30]
    # Exact where a trial sits on a node: the lowest and highest lr.
    for t in complete:
        if t.params["lr"] in (min(lrs), max(lrs)):
            i = 0 if t.params["lr"] == min(lrs) else 29
            j = ["adam", "sgd"].index(t.params["opt"])
            assert contour.z[j][i] == pytest.approx(t.value)
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext) == ["adam", "sgd"]
    grid = vis.plot_contour(study)
    assert sum(t.type == "contour" for t in grid.data) == 6  # 3 parameters: each ordered pair
    with pytest.raises(ValueError, match="at least two"):
        vis.plot_contour(study, params=["lr"])


def test_contour_interpolates_the_trials_onto_a_grid(plotly, db):
    s = hs.create_study(storage=db, study_name="plane", seed=3, searcher="random")
    space = {"x": hs.Float(0, 1), "y": hs.Float(0, 1)}
    for _ in range(80):
        t = s.ask(space)
        s.tell(t, 2 * t.params["x"] + t.params["y"])
    contour, points = vis.plot_contour(s).data
    assert (len(contour.x), len(contour.y)) == (30, 30)
    assert [len(row) for row in contour.z] == [30] * 30
    values = [t.value for t in _complete(s)]
    flat = [v for row in contour.z for v in row]
    assert min(values) <= min(flat) and max(flat) <= max(values)
    # At the node nearest each trial the surface is close to the trial's
    # value (a transposed grid would be off by |x - y|, up to 1).
    errors = []
    for t in _complete(s):
        i = min(range(30), key=lambda k: abs(contour.x[k] - t.params["x"]))
        j = min(range(30), key=lambda k: abs(contour.y[k] - t.params["y"]))
        errors.append(abs(contour.z[j][i] - t.value))
    assert sum(errors) / len(errors) < 0.08, errors
    assert max(errors) < 0.25, errors
    assert len(points.x) == 80


def test_param_importances_are_the_engine_ones_most_important_on_top(plotly, study):
    fig = vis.plot_param_importances(study)
    (bar,) = fig.data
    got = hs.importance.get_param_importances(study)
    assert list(bar.y) == list(got)[::-1]
    assert list(bar.x) == pytest.approx(list(got.values())[::-1])
    assert bar.orientation == "h"
    filtered = vis.plot_param_importances(study, where="opt = adam", params=["lr", "layers"])
    expected = hs.importance.get_param_importances(study, params=["lr", "layers"], where="opt = adam")
    assert list(filtered.data[0].y) == list(expected)[::-1]
    assert expected != hs.importance.get_param_importances(study, params=["lr", "layers"])


def test_pareto_front_marks_the_engines_front(plotly, db):
    s = hs.create_study(storage=db, study_name="mo", directions=["minimize", "maximize"], seed=5, searcher="random")
    for _ in range(20):
        t = s.ask({"x": hs.Float(0.0, 1.0)})
        x = t.params["x"]
        s.tell(t, [x, (x - 0.3) ** 2])
    fig = vis.plot_pareto_front(s, target_names=["err", "gap"])
    front = {t.number for t in s.best_trials}
    assert 0 < len(front) < 20
    best, rest = _trace(fig, "Best Trial"), _trace(fig, "Trial")
    assert len(best.x) == len(front) and len(rest.x) == 20 - len(front)
    by_number = {t.number: t for t in s.trials}
    assert sorted(best.text) == sorted(f"Trial{n}" for n in front)
    for text, x, y in zip(best.text, best.x, best.y):
        assert [x, y] == pytest.approx(by_number[int(text[5:])].values)
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("err", "gap")
    only_front = vis.plot_pareto_front(s, include_dominated_trials=False)
    assert [t.name for t in only_front.data] == ["Best Trial"]
    with pytest.raises(ValueError, match="objectives"):
        vis.plot_optimization_history(s)
    history = vis.plot_optimization_history(s, target=lambda t: t.values[1], target_name="gap")
    assert list(history.data[0].y) == pytest.approx([t.values[1] for t in s.trials])


def test_pareto_front_needs_several_objectives(plotly, study):
    with pytest.raises(ValueError, match="2 or 3 objectives"):
        vis.plot_pareto_front(study)


def test_edf_is_the_share_at_or_below_each_value(plotly, study, tmp_path):
    fig = vis.plot_edf(study)
    (line,) = fig.data
    values = sorted(t.value for t in _complete(study))
    assert list(line.x) == pytest.approx(values)
    assert list(line.y) == pytest.approx([(i + 1) / 11 for i in range(11)])
    assert line.name == "viz"
    other = hs.create_study(storage=str(tmp_path / "o.db"), study_name="other", seed=1)
    for _ in range(3):
        t = other.ask(SPACE)
        other.tell(t, _loss(t.params))
    both = vis.plot_edf([study, other])
    assert [t.name for t in both.data] == ["viz", "other"]
    assert len(both.data[1].x) == 3


def test_missing_plotly_names_the_extra(monkeypatch, study):
    for name in ("plotly", "plotly.graph_objects", "plotly.subplots"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    assert vis.is_available() is False
    for plot in (vis.plot_optimization_history, vis.plot_edf, vis.plot_slice):
        with pytest.raises(ImportError, match=r"pip install 'hyperspace\[plot\]'"):
            plot(study)


def test_every_plot_takes_where_and_is_exported():
    import inspect

    plots = [n for n in vis.__all__ if n.startswith("plot_")]
    assert sorted(plots) == sorted(
        [
            "plot_optimization_history",
            "plot_intermediate_values",
            "plot_parallel_coordinate",
            "plot_slice",
            "plot_contour",
            "plot_param_importances",
            "plot_pareto_front",
            "plot_edf",
        ]
    )
    for name in plots:
        where = inspect.signature(getattr(vis, name)).parameters["where"]
        assert where.kind is inspect.Parameter.KEYWORD_ONLY and where.default is None, name
