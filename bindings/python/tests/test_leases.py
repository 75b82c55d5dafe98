"""Issue 11: a trial asked from Python holds a lease, kept by a heartbeat
thread while the objective runs, so a CLI worker of the same study never
fails it for silence and its result is never refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import hyperspace as hs

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def hyperspace_bin() -> str:
    """The `hyperspace` binary: HYPERSPACE_BIN, else the workspace's debug
    build (scripts/test builds it before running pytest)."""
    path = os.environ.get("HYPERSPACE_BIN") or str(REPO / "target" / "debug" / "hyperspace")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no hyperspace binary at {path}: build it with `cargo build -p hyperspace-cli` or set HYPERSPACE_BIN")
    return path


def test_issue_11_a_python_trial_outlives_a_cli_workers_recovery(db, tmp_path, hyperspace_bin):
    study = hs.Study.open(db, "mixed", space="x=float(0,1)", seed=3)
    trial = study.ask()
    held = hs.Study.load(db, "mixed").trials[0]
    assert held.metadata.get("lease_secs") == 60.0, held.metadata
    assert held.metadata.get("heartbeat"), held.metadata
    script = tmp_path / "quick.sh"
    script.write_text('#!/bin/sh\nsleep 0.7\necho "loss=$1"\n')
    script.chmod(0o755)
    # A worker that presumes any trial silent for 1 s dead, running long
    # enough to look twice.
    done = subprocess.run(
        [hyperspace_bin, "--storage", db, "run", "--study", "mixed", "-n", "3", "--stale-after", "1s", "--", str(script), "{x}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    told = study.tell(trial, 0.25)
    assert told.state is hs.TrialState.COMPLETE
    assert told.value == 0.25
    states = sorted(t.state.value for t in hs.Study.load(db, "mixed").trials)
    assert states == ["complete"] * 4, states
