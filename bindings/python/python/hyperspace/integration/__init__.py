"""Adapters between hyperspace and the libraries people train with.

- ``hs.integration.HyperspaceSearchCV``: scikit-learn's ``GridSearchCV``
  with a study proposing the candidates (``integration/sklearn.py``).
- ``hs.integration.LightGBMPruningCallback``,
  ``hs.integration.XGBoostPruningCallback`` and
  ``hs.integration.KerasPruningCallback``: report each boosting round's (or
  epoch's) metric to a trial and stop it when the study's pruner says so.
- ``hs.integration.ray.HyperspaceSearch``: a Ray Tune searcher backed by a
  study.

Each adapter is imported on first use, so ``import hyperspace`` never
imports (or needs) the library it adapts.
"""

from __future__ import annotations

import importlib
from typing import Any

#: The adapter modules, imported on first use.
_MODULES = ("ray", "sklearn", "lightgbm", "xgboost", "keras")

#: The classes re-exported here, by the module that holds them.
_CLASSES = {
    "HyperspaceSearchCV": "sklearn",
    "LightGBMPruningCallback": "lightgbm",
    "XGBoostPruningCallback": "xgboost",
    "KerasPruningCallback": "keras",
}

__all__ = list(_MODULES) + list(_CLASSES)


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
