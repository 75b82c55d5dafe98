"""The figures of :mod:`hyperspace.visualization`: each lays out what
:mod:`._data` selected and shaped, as a plotly figure."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from ..errors import NoFeasibleTrialError
from ..importance import Evaluator, get_param_importances
from ..trial import FrozenTrial, TrialState
from . import _data, _grid
from ._data import Axis, Target

if TYPE_CHECKING:
    from ..study import Study

    import plotly.graph_objects


def _axis_layout(axis: Axis) -> Dict[str, Any]:
    """A plotly axis for a parameter: its title and type; categories in the
    space's order."""
    layout: Dict[str, Any] = {"title": {"text": axis.name}, "type": axis.type}
    if axis.is_categorical:
        layout.update(categoryorder="array", categoryarray=[str(c) for c in axis.choices])
    return layout


def _shown(axis: Axis, value: Any) -> Any:
    """A parameter's value as a plotly coordinate on ``axis`` (a category's
    text: plotly's categories are strings)."""
    return str(value) if axis.is_categorical else value


def _coded_axis(axis: Axis, codes: Sequence[float]) -> Dict[str, Any]:
    """Ticks for an axis drawn with :meth:`Axis.code` numbers: the choices,
    or powers of ten for a log parameter."""
    if axis.is_categorical:
        return {"tickvals": list(range(len(axis.choices))), "ticktext": [str(c) for c in axis.choices]}
    if axis.is_log and codes:
        powers = list(range(math.floor(min(codes)), math.ceil(max(codes)) + 1))
        return {"tickvals": powers, "ticktext": [f"1e{p}" for p in powers]}
    return {}


def plot_optimization_history(
    study: "Study",
    *,
    where: Optional[str] = None,
    target: Optional[Target] = None,
    target_name: str = "Objective Value",
    log: bool = False,
) -> "plotly.graph_objects.Figure":
    """Each finished trial's value by number (pruned trials apart) and the
    best value so far; ``log=True`` draws the values on a log axis. With a
    ``target``, its value for each complete trial, without a best line
    (the direction of a target is unknown)."""
    go, _ = _data.plotly()
    fig = go.Figure()
    if target is None:
        _data.objective(study, None)  # one objective, or a clear error
        h = _data.history(study, where)
        for state, name in (("complete", target_name), ("pruned", "Pruned")):
            idx = [i for i, s in enumerate(h["state"]) if s == state]
            if idx or state == "complete":
                fig.add_trace(
                    go.Scatter(
                        x=[h["number"][i] for i in idx],
                        y=[h["value"][i] for i in idx],
                        mode="markers",
                        name=name,
                    )
                )
        fig.add_trace(go.Scatter(x=h["number"], y=h["best"], mode="lines", name="Best Value"))
    else:
        pairs = _data.complete_values(study, where, target)
        fig.add_trace(
            go.Scatter(x=[t.number for t, _ in pairs], y=[v for _, v in pairs], mode="markers", name=target_name)
        )
    fig.update_layout(
        title={"text": "Optimization History Plot"},
        xaxis={"title": {"text": "Trial"}},
        yaxis={"title": {"text": target_name}, "type": "log" if log else "linear"},
    )
    return fig


def plot_intermediate_values(
    study: "Study", *, where: Optional[str] = None, metric: Optional[str] = None
) -> "plotly.graph_objects.Figure":
    """The values each trial reported by step (its learning curve), one
    line per trial that reported any, named ``Trial<number>``: the
    objective's intermediate values, or with ``metric=`` that metric's
    (``trial.report(step, {"acc": ...})``)."""
    go, _ = _data.plotly()
    fig = go.Figure()
    for t in _data.trials(study, where):
        series = t.intermediate_values if metric is None else t.metric_values.get(metric, {})
        if not series:
            continue
        steps = sorted(series)
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=[series[s] for s in steps],
                mode="lines+markers",
                name=f"Trial{t.number}",
            )
        )
    fig.update_layout(
        title={"text": "Intermediate Values Plot" if metric is None else f"Intermediate Values Plot: {metric}"},
        xaxis={"title": {"text": "Step"}},
        yaxis={"title": {"text": "Intermediate Value" if metric is None else metric}},
        showlegend=False,
    )
    return fig


def _points(
    study: "Study", params: Optional[Sequence[str]], where: Optional[str], target: Optional[Target]
) -> Tuple[List[Tuple[FrozenTrial, float]], List[Axis]]:
    """The complete trials ``where`` keeps with their plotted value, and the
    axes of ``params`` (every parameter they have by default)."""
    pairs = _data.complete_values(study, where, target)
    return pairs, _data.axes(study, params, [t for t, _ in pairs])


def _with_params(pairs: List[Any], axes: List[Axis]) -> List[Any]:
    """The (trial, value) pairs whose trial has every axis's parameter (a
    conditional parameter is absent where its branch was not taken)."""
    return [(t, v) for t, v in pairs if all(a.name in t.params for a in axes)]


def plot_parallel_coordinate(
    study: "Study",
    params: Optional[Sequence[str]] = None,
    *,
    where: Optional[str] = None,
    target: Optional[Target] = None,
    target_name: str = "Objective Value",
) -> "plotly.graph_objects.Figure":
    """One line per complete trial across the objective and each parameter
    (every one by default); categorical parameters as their choices, log
    ones on a log10 scale. Trials lacking one of ``params`` are left out."""
    go, _ = _data.plotly()
    pairs, axes = _points(study, params, where, target)
    pairs = _with_params(pairs, axes)
    values = [v for _, v in pairs]
    dims: List[Dict[str, Any]] = [{"label": target_name, "values": values}]
    for axis in axes:
        codes = [axis.code(t.params[axis.name]) for t, _ in pairs]
        dims.append({"label": axis.name, "values": codes, **_coded_axis(axis, codes)})
    minimize = target is not None or study.directions[0] == "minimize"
    fig = go.Figure(
        go.Parcoords(
            dimensions=dims,
            line={
                "color": values,
                "colorscale": "Blues",
                "reversescale": minimize,
                "showscale": bool(values),
                "colorbar": {"title": {"text": target_name}},
            },
        )
    )
    fig.update_layout(title={"text": "Parallel Coordinate Plot"})
    return fig


def plot_slice(
    study: "Study",
    params: Optional[Sequence[str]] = None,
    *,
    where: Optional[str] = None,
    target: Optional[Target] = None,
    target_name: str = "Objective Value",
) -> "plotly.graph_objects.Figure":
    """The objective against each parameter (one panel each, every one by
    default), a point per complete trial that has it, coloured by trial
    number; log and categorical parameters get such axes."""
    go, make_subplots = _data.plotly()
    pairs, axes = _points(study, params, where, target)
    fig = make_subplots(rows=1, cols=max(len(axes), 1), shared_yaxes=True)
    for i, axis in enumerate(axes, start=1):
        kept = [(t, v) for t, v in pairs if axis.name in t.params]
        fig.add_trace(
            go.Scatter(
                x=[_shown(axis, t.params[axis.name]) for t, _ in kept],
                y=[v for _, v in kept],
                mode="markers",
                name=axis.name,
                showlegend=False,
                marker={"color": [t.number for t, _ in kept], "colorscale": "Blues", "showscale": i == len(axes)},
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(**_axis_layout(axis), row=1, col=i)
    fig.update_yaxes(title={"text": target_name}, row=1, col=1)
    fig.update_layout(title={"text": "Slice Plot"})
    return fig


def plot_contour(
    study: "Study",
    params: Optional[Sequence[str]] = None,
    *,
    where: Optional[str] = None,
    target: Optional[Target] = None,
    target_name: str = "Objective Value",
) -> "plotly.graph_objects.Figure":
    """The objective as contours over two parameters, with the complete
    trials as points; with more than two (every one by default), a panel
    for each pair. Needs at least two parameters.

    The contours are drawn from a grid (30 nodes per numeric axis, log-spaced
    on a log axis, one per choice on a categorical one) onto which the
    trials' values are interpolated: inverse-distance weighting of the 8
    nearest trials, on the axes' scales, as the dashboard does. The trials
    themselves are the ``Trial`` points on top."""
    go, make_subplots = _data.plotly()
    pairs, axes = _points(study, params, where, target)
    if len(axes) < 2:
        raise ValueError(f"plot_contour needs at least two parameters, got {[a.name for a in axes]}")
    n = len(axes)
    if n == 2:
        fig = go.Figure()
        panels = [(axes[0], axes[1], None, None)]
    else:
        fig = make_subplots(rows=n, cols=n)
        panels = [(axes[c], axes[r], r + 1, c + 1) for r in range(n) for c in range(n) if r != c]
    for x_axis, y_axis, row, col in panels:
        kept = _with_params(pairs, [x_axis, y_axis])
        xs = [_contour_coord(x_axis, t.params[x_axis.name]) for t, _ in kept]
        ys = [_contour_coord(y_axis, t.params[y_axis.name]) for t, _ in kept]
        zs = [v for _, v in kept]
        gx, gy, gz = _grid.interpolate(x_axis, xs, y_axis, ys, zs) if kept else ([], [], [])
        first = row is None or (row, col) == (2, 1)
        fig.add_trace(
            go.Contour(
                x=gx, y=gy, z=gz, connectgaps=True, colorscale="Blues", name=target_name,
                showscale=first, colorbar={"title": {"text": target_name}},
                reversescale=target is not None or study.directions[0] == "minimize",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="markers", name="Trial", showlegend=False, marker={"color": "black"}),
            row=row,
            col=col,
        )
        fig.update_xaxes(**_contour_axis(x_axis, xs), row=row, col=col)
        fig.update_yaxes(**_contour_axis(y_axis, ys), row=row, col=col)
    fig.update_layout(title={"text": "Contour Plot"})
    return fig


def _contour_coord(axis: Axis, value: Any) -> Any:
    """A contour needs numbers on both axes: a category's index, else the
    value (a log axis takes the raw value)."""
    return float(axis.choices.index(value)) if axis.is_categorical else value


def _contour_axis(axis: Axis, coords: Sequence[Any]) -> Dict[str, Any]:
    layout: Dict[str, Any] = {"title": {"text": axis.name}, "type": "log" if axis.is_log else "linear"}
    if axis.is_categorical:
        layout.update(_coded_axis(axis, coords))
    return layout


def plot_param_importances(
    study: "Study",
    *,
    evaluator: Optional[Evaluator] = None,
    params: Optional[List[str]] = None,
    where: Optional[str] = None,
) -> "plotly.graph_objects.Figure":
    """The importances of :func:`hyperspace.importance.get_param_importances`
    as horizontal bars, the most important on top."""
    go, _ = _data.plotly()
    importances = get_param_importances(study, evaluator, params, where=where)
    names = list(importances)[::-1]
    fig = go.Figure(
        go.Bar(
            x=[importances[n] for n in names],
            y=names,
            orientation="h",
            name="Objective Value",
            text=[f"{importances[n]:.2f}" for n in names],
            textposition="outside",
        )
    )
    fig.update_layout(
        title={"text": "Hyperparameter Importances"},
        xaxis={"title": {"text": "Hyperparameter Importance"}},
        yaxis={"title": {"text": "Hyperparameter"}},
    )
    return fig


def plot_pareto_front(
    study: "Study",
    *,
    where: Optional[str] = None,
    target_names: Optional[Sequence[str]] = None,
    include_dominated_trials: bool = True,
) -> "plotly.graph_objects.Figure":
    """The complete trials of a study of two or three objectives in
    objective space: ``Best Trial`` for those on the study's Pareto front
    (:attr:`Study.best_trials`, the engine's rule), ``Trial`` for the others
    and ``Infeasible Trial`` for those breaking a constraint."""
    go, _ = _data.plotly()
    n = len(study.directions)
    if n not in (2, 3):
        raise ValueError(f"plot_pareto_front needs a study of 2 or 3 objectives; study '{study.name}' has {n}")
    names = list(target_names) if target_names is not None else [f"Objective {i}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"target_names must name each of the {n} objectives, got {names!r}")
    shown = [t for t in _data.trials(study, where, [TrialState.COMPLETE]) if t.values and len(t.values) == n]
    try:
        front = {t.number for t in study.best_trials}
    except NoFeasibleTrialError:
        front = set()
    groups = [
        ("Best Trial", [t for t in shown if t.number in front]),
        ("Trial", [t for t in shown if t.number not in front and t.feasible] if include_dominated_trials else []),
        ("Infeasible Trial", [t for t in shown if not t.feasible] if include_dominated_trials else []),
    ]
    fig = go.Figure()
    for name, group in groups:
        if not group and name != "Best Trial":
            continue
        coords = {k: [t.values[i] for t in group] for i, k in enumerate("xyz"[:n])}  # type: ignore[index]
        text = [f"Trial{t.number}" for t in group]
        trace = go.Scatter(mode="markers", **coords) if n == 2 else go.Scatter3d(mode="markers", **coords)
        trace.update(name=name, text=text)
        fig.add_trace(trace)
    if n == 2:
        fig.update_layout(xaxis={"title": {"text": names[0]}}, yaxis={"title": {"text": names[1]}})
    else:
        fig.update_layout(
            scene={k + "axis": {"title": {"text": names[i]}} for i, k in enumerate("xyz")}
        )
    fig.update_layout(title={"text": "Pareto-front Plot"})
    return fig


def plot_edf(
    study: Union["Study", Sequence["Study"]],
    *,
    where: Optional[str] = None,
    target: Optional[Target] = None,
    target_name: str = "Objective Value",
) -> "plotly.graph_objects.Figure":
    """The empirical distribution function of the complete trials' values:
    for each value, the share of trials at or below it; one step line per
    study (give several to compare searchers), named after it."""
    go, _ = _data.plotly()
    studies = list(study) if isinstance(study, (list, tuple)) else [study]
    fig = go.Figure()
    for s in studies:
        values = sorted(v for _, v in _data.complete_values(s, where, target))
        fig.add_trace(
            go.Scatter(
                x=values,
                y=[(i + 1) / len(values) for i in range(len(values))],
                mode="lines",
                line_shape="hv",
                name=s.name,
            )
        )
    fig.update_layout(
        title={"text": "Empirical Distribution Function Plot"},
        xaxis={"title": {"text": target_name}},
        yaxis={"title": {"text": "Cumulative Probability"}, "range": [0, 1]},
    )
    return fig

