"""The contour's surface: trial values spread onto a regular grid.

Plotly's ``Contour`` given scattered points triangulates them and leaves
gaps; a grid gives a surface over the whole plane. Each node takes the
inverse-distance-weighted mean (power 2) of its nearest trials, computed
by the engine (``hyperspace_query::interpolate``, the dashboard's contour
too): exact at a trial, never outside the range of the values it mixes,
no fit that can fail on duplicates. This file places the nodes and maps
coordinates to each axis's unit share: distances are measured on the
axes' own scales (log axes in decades, categories spread evenly over the
same unit length), so no parameter's units dominate.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from .. import _core
from ._data import Axis

#: Nodes per side for a numeric axis (a categorical one has one per choice).
GRID = 30


def nodes(axis: Axis, coords: Sequence[float]) -> List[float]:
    """The grid positions along ``axis``, in the coordinates plotly draws
    (a choice's index; the raw value on log and linear axes): ``GRID``
    evenly spaced on the axis's scale between the lowest and highest
    coordinate, or one per choice."""
    if axis.is_categorical:
        return [float(i) for i in range(len(axis.choices))]
    lo, hi = min(coords), max(coords)
    if axis.is_log:
        a, b = math.log10(lo), math.log10(hi)
        return [10 ** (a + (b - a) * i / (GRID - 1)) for i in range(GRID)]
    return [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)]


def _scaler(axis: Axis, coords: Sequence[float]):
    """Coordinate -> share of the axis (0..1) on its scale."""
    if axis.is_categorical:
        top = max(len(axis.choices) - 1, 1)
        return lambda c: c / top
    f = math.log10 if axis.is_log else float
    lo, hi = f(min(coords)), f(max(coords))
    span = hi - lo
    return (lambda c: (f(c) - lo) / span) if span > 0 else (lambda c: 0.5)


def interpolate(
    x_axis: Axis, xs: Sequence[float], y_axis: Axis, ys: Sequence[float], zs: Sequence[float]
) -> Tuple[List[float], List[float], List[List[Optional[float]]]]:
    """The grid for trials at ``(xs[i], ys[i])`` with values ``zs[i]``:
    the nodes along x and y, and ``z[j][i]`` at node ``(gx[i], gy[j])``."""
    gx, gy = nodes(x_axis, xs), nodes(y_axis, ys)
    sx, sy = _scaler(x_axis, xs), _scaler(y_axis, ys)
    points = [(sx(x), sy(y), float(z)) for x, y, z in zip(xs, ys, zs)]
    ux, uy = [sx(v) for v in gx], [sy(v) for v in gy]
    return gx, gy, _core.interpolate_grid(points, ux, uy)
