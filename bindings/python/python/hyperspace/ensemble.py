"""Ensembles of a study's best trials.

``study.ensemble(metric="rmse", top=20, size=10)`` selects, greedily and
with replacement (Caruana et al. 2004), the trials whose saved validation
predictions (``predictions.csv`` or ``.npy`` in each trial's
``artifact_dir``; ``targets.csv`` there or once in the study's folder)
average best, stores the result in the study under a name, and returns an
:class:`Ensemble`. The selection is the engine's, the same as
``hyperspace ensemble``.

:func:`combine` applies the weights to the members' own predictions on new
data: a weighted mean of rows, or a weighted vote for labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

__all__ = ["Ensemble", "combine"]


@dataclass(frozen=True)
class Ensemble:
    """A chosen ensemble, as stored in its study."""

    name: str
    members: List[int]
    """The member trials' numbers, best-ranked first."""
    weights: List[float]
    """One weight per member; they add up to 1."""
    metric: str
    score: float
    """The ensemble's validation score."""
    best_single_score: float
    """The best single candidate's validation score."""
    best_single: int
    combine: str
    """``mean`` or ``vote`` (labels scored by accuracy)."""
    candidates: List[int] = field(default_factory=list)
    size: int = 0
    rounds: int = 0

    @classmethod
    def _from_json(cls, data: Dict[str, Any]) -> "Ensemble":
        return cls(
            name=data["name"],
            members=list(data["members"]),
            weights=list(data["weights"]),
            metric=data["metric"],
            score=data["score"],
            best_single_score=data["best_single_score"],
            best_single=data["best_single"],
            combine=data["combine"],
            candidates=list(data.get("candidates", [])),
            size=data.get("size", 0),
            rounds=data.get("rounds", 0),
        )

    def combine_predictions(self, arrays: Sequence[Any]) -> Any:
        """Combines the members' predictions on new data (one array per
        member, in :attr:`members` order) as the ensemble was scored."""
        return combine(arrays, self.weights, vote=self.combine == "vote")


def combine(arrays: Sequence[Any], weights: Sequence[float], vote: bool = False) -> Any:
    """Combines member predictions with ``weights``: the weighted mean of
    each cell, or with ``vote=True`` (one label per row) the label with the
    largest total weight, the smallest on a tie.

    Arrays are numpy arrays when numpy is installed (the result is one);
    otherwise lists of numbers or of rows (the result is a list).
    """
    if len(arrays) == 0:
        raise ValueError("combine: no arrays were given")
    if len(arrays) != len(weights):
        raise ValueError(f"combine: {len(arrays)} arrays but {len(weights)} weights")
    if any(not (w >= 0) or w == float("inf") for w in weights):
        raise ValueError("combine: weights must be finite and not negative")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("combine: the weights add up to 0")
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        stacked = [np.asarray(a, dtype=float) for a in arrays]
        shape = stacked[0].shape
        for i, a in enumerate(stacked):
            if a.shape != shape:
                raise ValueError(f"combine: array {i + 1} has shape {a.shape}, array 1 has {shape}")
        if vote:
            labels = np.stack([a.reshape(len(a)) for a in stacked])
            if np.any(labels < 0) or np.any(labels != np.round(labels)):
                raise ValueError("combine: a vote needs class numbers 0, 1, 2, ...")
            classes = int(labels.max()) + 1
            totals = np.zeros((labels.shape[1], classes))
            rows = np.arange(labels.shape[1])
            for w, member in zip(weights, labels.astype(int)):
                totals[rows, member] += w
            return totals.argmax(axis=1)
        return sum(w * a for w, a in zip(weights, stacked)) / total
    return _combine_lists(arrays, weights, total, vote)


def _combine_lists(arrays: Sequence[Any], weights: Sequence[float], total: float, vote: bool) -> List[Any]:
    rows = len(arrays[0])
    for i, a in enumerate(arrays):
        if len(a) != rows:
            raise ValueError(f"combine: array {i + 1} has {len(a)} rows, array 1 has {rows}")
    out: List[Any] = []
    for r in range(rows):
        cells = [a[r] for a in arrays]
        if vote:
            totals: Dict[int, float] = {}
            for w, label in zip(weights, cells):
                if label < 0 or label != int(label):
                    raise ValueError("combine: a vote needs class numbers 0, 1, 2, ...")
                totals[int(label)] = totals.get(int(label), 0.0) + w
            best = max(totals.values())
            out.append(min(k for k, v in totals.items() if v == best))
        elif isinstance(cells[0], (list, tuple)):
            width = len(cells[0])
            if any(len(c) != width for c in cells):
                raise ValueError(f"combine: row {r + 1} has different widths across arrays")
            out.append([sum(w * c[j] for w, c in zip(weights, cells)) / total for j in range(width)])
        else:
            out.append(sum(w * c for w, c in zip(weights, cells)) / total)
    return out
