"""What the training-library pruning callbacks share: report a round's
metric to the trial, and stop the trial when the study's pruner says so.

The callbacks differ only in how each library hands over its metrics
(LightGBM: a list of ``(data, metric, value, higher_is_better, ...)``
tuples; XGBoost: a nested dict of histories; Keras: the epoch's ``logs``
dict), so each finds its value and calls :func:`report_round` here.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from ..errors import TrialPruned
from ..trial import Trial


def check_trial(trial: Any, owner: str) -> None:
    """Refuses what cannot work, at construction rather than mid-training."""
    if not isinstance(trial, Trial):
        raise TypeError(f"{owner}: trial must be a running hyperspace.Trial, got {trial!r}")
    if len(trial.study.directions) != 1:
        raise ValueError(f"{owner}: pruning needs a study with one objective; study '{trial.study.name}' has several")


def check_dataset_metric(metric: Any, owner: str) -> None:
    """The boosting libraries name a metric by its data set and its name."""
    if not isinstance(metric, str) or "-" not in metric:
        raise ValueError(
            f"{owner}: metric must name a data set and a metric joined by '-', "
            f"like 'valid_0-binary_logloss', got {metric!r}"
        )


def check_direction(trial: Trial, metric: str, higher_is_better: Optional[bool], owner: str) -> None:
    """A metric that improves upward in a minimizing study (or the reverse)
    would have the pruner stop the best trials."""
    if higher_is_better is None:
        return
    direction = trial.study.directions[0]
    if higher_is_better != (direction == "maximize"):
        better = "higher" if higher_is_better else "lower"
        raise ValueError(
            f"{owner}: metric {metric!r} is better {better}, but study '{trial.study.name}' is set to {direction}; "
            "open the study with the direction of the metric"
        )


def report_round(trial: Trial, step: int, value: Any, metric: str) -> None:
    """Reports ``value`` at ``step``; raises :class:`TrialPruned` when the
    pruner stops the trial there."""
    number = float(value)
    if not math.isfinite(number):
        # A diverged model: nothing to compare, so it is pruned outright.
        raise TrialPruned(f"{metric} is {number} at iteration {step}")
    trial.report(int(step), number)
    if trial.should_prune():
        raise TrialPruned(f"pruned at iteration {step} ({metric} = {number:.6g})")


def unknown_metric(
    owner: str, metric: str, available: Iterable[str], hint: str = "name one as '<data set>-<metric>'"
) -> ValueError:
    names = sorted(set(available))
    return ValueError(
        f"{owner}: metric {metric!r} is not among the ones training reports ({', '.join(names) or 'none'}); {hint}"
    )
