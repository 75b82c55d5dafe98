"""What the plots show, decided in one place: which trials (``where=``,
read by the engine), the value plotted for each (the objective, or a
``target``), and how each parameter's axis is drawn (log, categorical).

The figures in :mod:`._figures` only lay these out; rules the engine
already has (the filter language, the best-so-far series, importance)
come from it through ``_core``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from .. import _core
from ..distributions import Categorical, Float, Int
from ..trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ..study import Study

Target = Callable[[FrozenTrial], float]

PLOT_EXTRA = "plot"


def plotly() -> Tuple[Any, Any]:
    """``(plotly.graph_objects, plotly.subplots.make_subplots)``, or an
    ``ImportError`` that says which extra to install."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as e:
        raise ImportError(
            "hyperspace.visualization draws with plotly, which is not installed: "
            f"pip install 'hyperspace[{PLOT_EXTRA}]' (or pip install plotly)"
        ) from e
    return go, make_subplots


def trials(study: "Study", where: Optional[str], states: Sequence[TrialState] = ()) -> List[FrozenTrial]:
    """The trials ``where`` keeps (the ``hyperspace trials --where``
    language), in ``states`` if given, by number."""
    if where is not None and not isinstance(where, str):
        raise TypeError(f"where must be a filter string (as for `hyperspace trials --where`), got {type(where).__name__}")
    return study.get_trials(states=list(states) or None, where=where)


def objective(study: "Study", target: Optional[Target]) -> Target:
    """How a trial's plotted value is read: ``target`` if given, else the
    objective's value; a study of several objectives needs a ``target``."""
    if target is not None:
        if not callable(target):
            raise TypeError(f"target must be a function of a trial, got {type(target).__name__}")
        return target
    if len(study.directions) > 1:
        raise ValueError(
            f"study '{study.name}' has {len(study.directions)} objectives; pass target=lambda t: t.values[i] "
            "to choose the one to plot"
        )
    return lambda t: t.value  # type: ignore[return-value]


def complete_values(study: "Study", where: Optional[str], target: Optional[Target]) -> List[Tuple[FrozenTrial, float]]:
    """The complete trials ``where`` keeps with their finite plotted value."""
    read = objective(study, target)
    out = []
    for t in trials(study, where, [TrialState.COMPLETE]):
        value = read(t)
        if value is not None and math.isfinite(value):
            out.append((t, float(value)))
    return out


def history(study: "Study", where: Optional[str]) -> Dict[str, List[Any]]:
    """The engine's history of the finished trials ``where`` keeps:
    ``number``, ``state``, ``value`` and ``best`` (the best complete value so
    far, the dashboard's rule)."""
    if where is not None and not isinstance(where, str):
        raise TypeError(f"where must be a filter string (as for `hyperspace trials --where`), got {type(where).__name__}")
    data: Dict[str, List[Any]] = json.loads(_core.history(study._c(), where))
    return data


@dataclass
class Axis:
    """How one parameter is drawn: plotly's axis ``type`` (``linear``,
    ``log`` or ``category``) and, for a categorical one, its choices in the
    space's order."""

    name: str
    type: str = "linear"
    choices: List[Any] = field(default_factory=list)

    @property
    def is_log(self) -> bool:
        return self.type == "log"

    @property
    def is_categorical(self) -> bool:
        return self.type == "category"

    def code(self, value: Any) -> float:
        """A number for the value, where plotly needs one (parallel
        coordinates, contours): a choice's index, the log10 of a log
        parameter, else the value."""
        if self.is_categorical:
            return float(self.choices.index(value))
        if self.is_log:
            return math.log10(value)
        return float(value)


def axes(study: "Study", params: Optional[Sequence[str]], used: Sequence[FrozenTrial]) -> List[Axis]:
    """The axes of ``params`` (default: every parameter some of ``used``
    has, in the space's order); an unknown name raises ``ValueError``."""
    space = study.space.flatten()
    seen = {name for t in used for name in t.params}
    if params is None:
        names = [n for n in space if n in seen] + sorted(seen - set(space))
    else:
        if isinstance(params, str) or not all(isinstance(p, str) for p in params):
            raise TypeError(f"params must be a list of parameter names, got {params!r}")
        unknown = [p for p in params if p not in space and p not in seen]
        if unknown:
            known = ", ".join(sorted(set(space) | seen)) or "none"
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; the study has: {known}")
        names = list(params)
    out = []
    for name in names:
        dist = space.get(name)
        values = [t.params[name] for t in used if name in t.params]
        if isinstance(dist, Categorical) or (dist is None and any(isinstance(v, str) for v in values)):
            # The space's choices in its order, then any recorded value it
            # no longer lists (so every point has a place).
            choices = list(dist.choices) if isinstance(dist, Categorical) else []
            for v in values:
                if v not in choices:
                    choices.append(v)
            out.append(Axis(name, "category", choices))
        elif isinstance(dist, (Float, Int)) and dist.log:
            out.append(Axis(name, "log"))
        else:
            out.append(Axis(name))
    return out
