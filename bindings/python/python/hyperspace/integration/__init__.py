"""Adapters that let other tuning frameworks drive a hyperspace study.

``hs.integration.ray.HyperspaceSearch`` is a Ray Tune searcher backed by a
study. Each adapter is imported on first use, so ``import hyperspace``
never imports (or needs) the framework it adapts.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["ray"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
