"""LightGBM pruning: :class:`LightGBMPruningCallback` reports a validation
metric to a hyperspace trial after every boosting round and stops training
(raising :class:`hyperspace.TrialPruned`) when the study's pruner says so::

    def objective(trial):
        params = {"objective": "binary", "num_leaves": trial.suggest_int("num_leaves", 2, 64), "verbose": -1}
        booster = lightgbm.train(
            params, train_set, valid_sets=[valid_set], num_boost_round=100,
            callbacks=[hs.integration.LightGBMPruningCallback(trial, "valid_0-binary_logloss")],
        )
        return booster.best_score["valid_0"]["binary_logloss"]

The metric is named ``"<data set>-<metric>"`` as LightGBM names them
(``valid_0`` for the first of ``valid_sets`` unless ``valid_names`` says
otherwise); ``lightgbm.cv`` reports the mean over folds under data set
``valid``. The step reported is LightGBM's iteration (from 0).
"""

from __future__ import annotations

from typing import Any

try:
    import lightgbm  # noqa: F401 - only to fail early, with the hint below
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hyperspace.integration.LightGBMPruningCallback needs LightGBM; install it with pip install lightgbm"
    ) from e

from ..trial import Trial
from ._pruning import check_dataset_metric, check_direction, check_trial, report_round, unknown_metric

__all__ = ["LightGBMPruningCallback"]

_OWNER = "LightGBMPruningCallback"


class LightGBMPruningCallback:
    """A LightGBM callback (for ``lightgbm.train``, ``lightgbm.cv`` and
    the scikit-learn API's ``fit(callbacks=...)``).

    Args:
        trial: the running trial to report to.
        metric: ``"<data set>-<metric>"``, such as ``"valid_0-binary_logloss"``.
    """

    #: LightGBM runs callbacks by this order after each round; early stopping
    #: (order 30) runs before it, so a stopped model is not reported twice.
    order = 40

    def __init__(self, trial: Trial, metric: str) -> None:
        check_trial(trial, _OWNER)
        check_dataset_metric(metric, _OWNER)
        self._trial = trial
        self._metric = metric
        self._checked = False

    def __call__(self, env: Any) -> None:
        seen = []
        for entry in env.evaluation_result_list or ():
            data, name, value, higher_is_better = entry[0], entry[1], entry[2], entry[3]
            full = f"{data}-{name}"
            seen.append(full)
            if full == self._metric:
                if not self._checked:
                    check_direction(self._trial, self._metric, bool(higher_is_better), _OWNER)
                    self._checked = True
                report_round(self._trial, env.iteration, value, self._metric)
                return
        raise unknown_metric(_OWNER, self._metric, seen)
