"""Ensembles of the best trials (issue 15): ``study.ensemble`` selects in
the engine from the predictions trials saved in their ``artifact_dir``,
stores the result in the study, and ``hs.ensemble.combine`` applies the
weights to new predictions."""

from __future__ import annotations

import os

import pytest

import hyperspace as hs
from hyperspace.ensemble import _combine_lists

TARGETS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def run_trials(study: hs.Study, xs) -> None:
    """Each trial predicts the targets shifted by ``2 (x - 0.5)`` and saves
    them; its loss is ``|x - 0.5|``. Targets are saved once for the study."""
    folder = os.path.join(study.artifact_root, study.name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "targets.csv"), "w") as f:
        f.write("\n".join(str(t) for t in TARGETS) + "\n")
    for x in xs:
        study.enqueue({"x": x})
    for _ in xs:
        trial = study.ask()
        x = trial.suggest_float("x", 0.0, 1.0)
        with open(os.path.join(trial.artifact_dir, "predictions.csv"), "w") as f:
            f.write("prediction\n")
            for t in TARGETS:
                f.write(f"{t + 2 * (x - 0.5)}\n")
        study.tell(trial, abs(x - 0.5))


def test_study_ensemble_cancels_opposite_errors_and_is_stored(db):
    study = hs.Study.open(db, "ens", seed=1)
    run_trials(study, [0.3, 0.8, 0.1, 0.95])
    e = study.ensemble(metric="rmse", top=3, size=10, name="best3")
    assert e.candidates == [0, 1, 2]
    assert e.best_single == 0
    assert e.best_single_score == pytest.approx(0.4)
    assert e.score < 0.05 < e.best_single_score
    assert e.members[:2] == [0, 1]
    assert sum(e.weights) == pytest.approx(1.0)
    assert study.get_ensemble("best3") == e
    over = study.ensemble(metric="rmse", where="x > 0.5", name="over")
    assert over.candidates == [1, 3]
    # applied to the members' own predictions it reproduces the score
    members = []
    for m in e.members:
        with open(os.path.join(study.artifact_dir(study.trials[m]), "predictions.csv")) as f:
            members.append([float(line) for line in f.read().split()[1:]])
    combined = e.combine_predictions(members)
    rmse = (sum((p - t) ** 2 for p, t in zip(combined, TARGETS)) / len(TARGETS)) ** 0.5
    assert rmse == pytest.approx(e.score)


def test_errors_name_the_trial_and_file(db):
    study = hs.Study.open(db, "bad", seed=1)
    run_trials(study, [0.3, 0.8])
    os.remove(os.path.join(study.artifact_dir(study.trials[1]), "predictions.csv"))
    with pytest.raises(hs.EnsembleError, match="trial 1 has no predictions.csv"):
        study.ensemble(metric="rmse")
    with pytest.raises(hs.EnsembleError, match="unknown ensemble metric 'f1'"):
        study.ensemble(metric="f1")
    with pytest.raises(ValueError):
        study.ensemble(metric="rmse", where="x >")
    with pytest.raises(hs.EnsembleError, match="no ensemble named 'nope'"):
        study.get_ensemble("nope")


def test_combine_with_and_without_numpy():
    np = pytest.importorskip("numpy")
    a, b = np.array([1.0, 0.0]), np.array([3.0, 2.0])
    assert list(hs.ensemble.combine([a, b], [0.75, 0.25])) == [1.5, 0.5]
    probs = [np.array([[0.2, 0.8]]), np.array([[0.6, 0.4]])]
    assert np.allclose(hs.ensemble.combine(probs, [0.5, 0.5]), [[0.4, 0.6]])
    labels = [np.array([1, 0]), np.array([3, 2]), np.array([3, 2])]
    assert list(hs.ensemble.combine(labels, [0.4, 0.3, 0.3], vote=True)) == [3, 2]
    assert list(hs.ensemble.combine(labels[:2], [0.5, 0.5], vote=True)) == [1, 0]
    # the plain-list path gives the same answers
    assert _combine_lists([[1.0, 0.0], [3.0, 2.0]], [0.75, 0.25], 1.0, False) == [1.5, 0.5]
    assert _combine_lists([[1, 0], [3, 2], [3, 2]], [0.4, 0.3, 0.3], 1.0, True) == [3, 2]
    assert _combine_lists([[[0.2, 0.8]], [[0.6, 0.4]]], [1, 1], 2.0, False) == [[pytest.approx(0.4), pytest.approx(0.6)]]
    with pytest.raises(ValueError, match="2 arrays but 1 weights"):
        hs.ensemble.combine([a, b], [1.0])
    with pytest.raises(ValueError, match="shape"):
        hs.ensemble.combine([a, np.array([1.0])], [1.0, 1.0])
