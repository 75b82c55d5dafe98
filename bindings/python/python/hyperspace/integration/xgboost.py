"""XGBoost pruning: :class:`XGBoostPruningCallback` reports a validation
metric to a hyperspace trial after every boosting round and stops training
(raising :class:`hyperspace.TrialPruned`) when the study's pruner says so::

    def objective(trial):
        params = {"objective": "binary:logistic", "eval_metric": "logloss",
                  "max_depth": trial.suggest_int("max_depth", 1, 8)}
        booster = xgboost.train(
            params, dtrain, num_boost_round=100, evals=[(dvalid, "validation")],
            callbacks=[hs.integration.XGBoostPruningCallback(trial, "validation-logloss")],
        )
        ...

The metric is named ``"<data set>-<metric>"`` with the name given in
``evals`` (``xgboost.cv`` names its folds' mean ``test``, as in
``"test-logloss"``). The step reported is XGBoost's round (from 0).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

try:
    from xgboost.callback import TrainingCallback
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hyperspace.integration.XGBoostPruningCallback needs XGBoost; install it with pip install xgboost-cpu "
        "(or xgboost)"
    ) from e

from ..trial import Trial
from ._pruning import check_dataset_metric, check_direction, check_trial, report_round, unknown_metric

__all__ = ["XGBoostPruningCallback"]

_OWNER = "XGBoostPruningCallback"


class XGBoostPruningCallback(TrainingCallback):
    """An XGBoost callback (for ``xgboost.train``, ``xgboost.cv`` and the
    scikit-learn API's ``callbacks=``).

    Args:
        trial: the running trial to report to.
        metric: ``"<data set>-<metric>"``, such as ``"validation-logloss"``.

    XGBoost does not say whether a metric is better high or low; for its
    built-in metrics the callback knows (``auc``, ``aucpr``, ``map``,
    ``ndcg``, ``pre`` are better high, the errors and losses low) and
    refuses a study of the other direction; a custom metric is not checked.
    """

    def __init__(self, trial: Trial, metric: str) -> None:
        check_trial(trial, _OWNER)
        check_dataset_metric(metric, _OWNER)
        super().__init__()
        self._trial = trial
        self._metric = metric
        self._data, self._name = metric.split("-", 1)
        check_direction(trial, metric, _higher_is_better(self._name), _OWNER)

    def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Mapping[str, Any]]) -> bool:
        history = evals_log.get(self._data, {}).get(self._name)
        if not history:
            seen = [f"{d}-{m}" for d, metrics in evals_log.items() for m in metrics]
            raise unknown_metric(_OWNER, self._metric, seen)
        last = history[-1]
        # xgboost.cv keeps (mean, std) pairs; train keeps plain numbers.
        value = last[0] if isinstance(last, (tuple, list)) else last
        report_round(self._trial, epoch, value, self._metric)
        return False


#: XGBoost's built-in metrics (before any ``@k``) that are better high, and
#: those better low, as its documentation of ``eval_metric`` lists them.
_HIGHER = {"auc", "aucpr", "map", "ndcg", "pre", "interval-regression-accuracy"}
_LOWER = {
    "rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss",
    "poisson-nloglik", "gamma-nloglik", "cox-nloglik", "gamma-deviance", "tweedie-nloglik", "aft-nloglik",
}


def _higher_is_better(name: str) -> Optional[bool]:
    """``True``/``False`` for XGBoost's own metrics, ``None`` for others."""
    base = name.split("@", 1)[0]
    if base in _HIGHER:
        return True
    if base in _LOWER or base.startswith("error") or base.startswith("tweedie-nloglik"):
        return False
    return None
