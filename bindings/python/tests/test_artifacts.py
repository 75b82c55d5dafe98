"""Trial artifacts (issue 15): each trial's own folder, the files recorded
with it (path, size, SHA-256), and a continuation finding its parent's
checkpoint."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

import hyperspace as hs


def train(trial: hs.Trial, budget: int) -> float:
    """Trains from the parent's checkpoint, if any, up to ``budget`` epochs;
    writes its own checkpoint; returns the epochs trained here."""
    start = 0
    parent = trial.parent_artifact_dir
    if parent is not None and os.path.exists(os.path.join(parent, "checkpoint.json")):
        with open(os.path.join(parent, "checkpoint.json")) as f:
            start = json.load(f)["epoch"]
    with open(os.path.join(trial.artifact_dir, "checkpoint.json"), "w") as f:
        json.dump({"epoch": budget}, f)
    return float(budget - start)


def test_the_artifact_dir_sits_beside_the_database_and_is_recorded_on_tell(db, tmp_path):
    study = hs.Study.open(db, "art", seed=1)
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    assert trial.artifact_dir == os.path.join(db + ".artifacts", "art", str(trial.number))
    assert os.path.isdir(trial.artifact_dir)
    assert trial.parent_artifact_dir is None and trial.parent_budget is None
    os.makedirs(os.path.join(trial.artifact_dir, "plots"))
    with open(os.path.join(trial.artifact_dir, "plots", "curve.txt"), "wb") as f:
        f.write(b"curve\n")
    told = study.tell(trial, 0.5)
    assert told.artifacts == [
        {"path": "plots/curve.txt", "size": 6, "sha256": hashlib.sha256(b"curve\n").hexdigest()}
    ]
    assert study.trial(trial.id).artifacts == told.artifacts


def test_log_artifact_copies_a_file_in_and_refuses_after_tell(db, tmp_path):
    study = hs.Study.open(db, "log", seed=1)
    trial = study.ask()
    source = tmp_path / "preds.csv"
    source.write_text("0.1\n0.9\n")
    record = study.log_artifact(trial, source)
    assert record == {"path": "preds.csv", "size": 8, "sha256": hashlib.sha256(b"0.1\n0.9\n").hexdigest()}
    assert open(os.path.join(trial.artifact_dir, "preds.csv")).read() == "0.1\n0.9\n"
    assert study.trial(trial.id).artifacts == [record]
    with pytest.raises(hs.ArtifactError, match="not a file"):
        study.log_artifact(trial, tmp_path)
    study.tell(trial, 1.0)
    with pytest.raises(hs.TrialFinishedError, match="before telling"):
        study.log_artifact(trial, source)


def test_a_rerun_continues_from_its_parents_checkpoint(db):
    study = hs.Study.open(db, "resume", seed=1)
    first = study.ask()
    study.tell(first, train(first, 5))
    queued = study.rerun(first, budget=8)
    second = study.ask()
    assert second.id == queued.id
    assert second.parent == first.id
    assert second.parent_artifact_dir == study.artifact_dir(first)
    assert second.parent_budget is None  # the first trial had no budget
    trained = train(second, int(second.budget))
    assert trained == 3.0
    study.tell(second, trained)
    with open(os.path.join(study.artifact_dir(second), "checkpoint.json")) as f:
        assert json.load(f) == {"epoch": 8}


def test_an_explicit_store_and_the_environment_variable(db, tmp_path, monkeypatch):
    store = tmp_path / "store"
    study = hs.Study.open(db, "explicit", seed=1, artifacts=store)
    assert study.artifact_root == str(store)
    trial = study.ask()
    assert trial.artifact_dir == str(store / "explicit" / "0")
    other = tmp_path / "env-store"
    monkeypatch.setenv("HYPERSPACE_ARTIFACTS", str(other))
    again = hs.Study.open(db, "explicit")
    assert again.artifact_root == str(other)
    with pytest.raises(TypeError, match="artifacts must be a folder"):
        hs.Study.open(db, "explicit", artifacts=3)


def test_optimize_records_what_each_objective_left():
    study = hs.create_study(seed=3)

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        with open(os.path.join(trial.artifact_dir, "model.txt"), "w") as f:
            f.write(f"{x}\n")
        return x

    study.optimize(objective, n_trials=3)
    for t in study.trials:
        assert [a["path"] for a in t.artifacts] == ["model.txt"], t
