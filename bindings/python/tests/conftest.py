"""Shared fixtures of the hyperspace pytest suite."""

from __future__ import annotations

import os
import sys

import pytest

import hyperspace as hs


@pytest.fixture
def db(tmp_path) -> str:
    """A fresh SQLite file path."""
    return str(tmp_path / "runs.db")


@pytest.fixture
def mem() -> hs.Study:
    """A fresh in-memory, define-by-run study with a fixed seed."""
    return hs.create_study(seed=7)


def quadratic(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    return (x - 1.0) ** 2 + (y + 2.0) ** 2


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs os.fork")
