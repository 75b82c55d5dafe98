"""Keras pruning: :class:`KerasPruningCallback` reports a monitored metric
to a hyperspace trial after every epoch and stops training (raising
:class:`hyperspace.TrialPruned`) when the study's pruner says so::

    def objective(trial):
        model = build_model(units=trial.suggest_int("units", 8, 128, log=True))
        model.fit(x, y, validation_split=0.2, epochs=30, verbose=0,
                  callbacks=[hs.integration.KerasPruningCallback(trial, "val_loss")])
        return model.evaluate(x_val, y_val, verbose=0)

Works with Keras 3 on any backend (JAX, TensorFlow, PyTorch) and with
``tf.keras``. The metric is one of the epoch's ``logs`` (``"val_loss"``,
``"val_accuracy"``, ...); the step reported is the epoch (from 0).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

try:
    import keras
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hyperspace.integration.KerasPruningCallback needs Keras; install it with pip install keras "
        "(and a backend, such as pip install 'jax[cpu]')"
    ) from e

from ..trial import Trial
from ._pruning import check_direction, check_trial, report_round, unknown_metric

__all__ = ["KerasPruningCallback"]

_OWNER = "KerasPruningCallback"

#: Parts of a Keras metric's name that mean higher is better (as Keras's own
#: ``EarlyStopping(mode="auto")`` infers it); any other name is not checked.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1")


def _higher_is_better(monitor: str) -> Optional[bool]:
    name = monitor.lower()
    if "loss" in name or "error" in name:
        return False
    if any(part in name for part in _HIGHER_IS_BETTER):
        return True
    return None


class KerasPruningCallback(keras.callbacks.Callback):
    """A Keras callback for ``model.fit(callbacks=[...])``.

    Args:
        trial: the running trial to report to.
        monitor: the name of a metric in the epoch's logs, such as ``"val_loss"``.
    """

    def __init__(self, trial: Trial, monitor: str = "val_loss") -> None:
        super().__init__()
        check_trial(trial, _OWNER)
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{_OWNER}: monitor must name a metric of the epoch's logs, like 'val_loss', got {monitor!r}")
        # A loss in a maximizing study (or an accuracy in a minimizing one)
        # would have the pruner stop the best trials: refuse it up front.
        check_direction(trial, monitor, _higher_is_better(monitor), _OWNER)
        self._trial = trial
        self._monitor = monitor

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        logs = logs or {}
        if self._monitor not in logs:
            raise unknown_metric(
                _OWNER, self._monitor, logs, hint="name one of the epoch's logs (validation metrics need validation data)"
            )
        report_round(self._trial, epoch, logs[self._monitor], self._monitor)
