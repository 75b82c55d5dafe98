"""Issue 16: ``hs.integration.HyperspaceSearchCV`` with real scikit-learn:
scikit-learn's own estimator checks, the ``cv_results_`` layout, refit and
delegation, a study on disk shared by two searches, joblib worker
processes, Optuna distributions. Tiny data sets and few trials."""

from __future__ import annotations

import pickle

import pytest

import hyperspace as hs

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed (scripts/test installs it into target/py-venv)")

import numpy as np  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from hyperspace.integration import HyperspaceSearchCV  # noqa: E402

# scikit-learn's estimator checks on a search of a classifier (the broader
# set: it also runs the regressor-independent ones). None is skipped by us;
# the array-API checks skip themselves (they need torch, cupy, ...). A
# search of Ridge passes them too except check_supervised_y_2d, which
# scikit-learn's own GridSearchCV(Ridge()) fails the same way (BaseSearchCV
# does not carry the inner estimator's multi_output tag); it is left out
# to keep the suite's time down.
@parametrize_with_checks(
    [HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.1, 10.0, log=True)}, n_trials=2, cv=2, random_state=0)]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, n_informative=3, random_state=0)


def test_fit_gives_gridsearchcv_attributes_and_layout(data):
    X, y = data
    search = HyperspaceSearchCV(
        LogisticRegression(),
        {"C": hs.Float(1e-3, 1e2, log=True), "fit_intercept": hs.Categorical([True, False])},
        n_trials=6,
        cv=3,
        scoring="accuracy",
        return_train_score=True,
        seed=3,
    ).fit(X, y)
    r = search.cv_results_
    assert search.n_splits_ == 3
    assert len(r["params"]) == 6
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time", "std_fit_time",
                "mean_score_time", "split0_test_score", "split2_test_score", "split1_train_score",
                "mean_train_score", "param_C", "param_fit_intercept", "trial_number"):
        assert len(r[key]) == 6, key
    assert r["rank_test_score"].min() == 1
    best = int(np.argmax(r["mean_test_score"]))
    assert search.best_index_ == best
    assert search.best_score_ == pytest.approx(r["mean_test_score"][best])
    assert search.best_params_ == r["params"][best]
    # Each fold's score is the one scikit-learn computes for those params.
    again = GridSearchCV(LogisticRegression(), {k: [v] for k, v in search.best_params_.items()}, cv=3,
                         scoring="accuracy").fit(X, y)
    assert again.best_score_ == pytest.approx(search.best_score_)
    # Refit on all data, methods delegated.
    assert search.best_estimator_.C == search.best_params_["C"]
    assert search.predict(X).shape == (120,)
    assert search.predict_proba(X).shape == (120, 2)
    assert 0.5 < search.score(X, y) <= 1.0
    np.testing.assert_array_equal(search.classes_, [0, 1])
    # The study kept every candidate, as a trial with its folds' scores.
    trials = search.study_.trials
    assert [t.number for t in trials] == list(r["trial_number"])
    assert search.study_.best_value == pytest.approx(search.best_score_)
    assert trials[0].metrics["split1_test_score"] == pytest.approx(r["split1_test_score"][0])


def test_search_leaves_a_bad_corner(data):
    """12 trials over a log range where tiny C is poor: the best found is
    well above the corner's score, far from it."""
    X, y = data
    search = HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(1e-6, 1e2, log=True)}, n_trials=12, cv=3,
                                seed=5).fit(X, y)
    worst = GridSearchCV(LogisticRegression(), {"C": [1e-6]}, cv=3).fit(X, y).best_score_
    assert search.best_score_ > worst + 0.1
    assert search.best_params_["C"] > 1e-3


def test_regression_pipeline_and_optuna_distributions():
    optuna = pytest.importorskip("optuna", reason="optuna is not installed")
    X, y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=1)
    pipe = make_pipeline(StandardScaler(), Ridge())
    search = HyperspaceSearchCV(
        pipe,
        {"ridge__alpha": optuna.distributions.FloatDistribution(1e-3, 10.0, log=True)},
        n_trials=3,
        cv=KFold(3),
        scoring="neg_mean_squared_error",
        refit=False,
        random_state=np.random.RandomState(0),
    ).fit(X, y)
    assert set(search.best_params_) == {"ridge__alpha"}
    assert search.best_score_ < 0
    assert not hasattr(search, "best_estimator_")


def test_clone_and_cross_val_score_share_a_study_in_memory(data):
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    X, y = data
    study = hs.create_study(direction="maximize", seed=2)
    search = HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.01, 10.0, log=True)}, n_trials=2, cv=2,
                                study=study)
    assert clone(search).study is study
    scores = cross_val_score(search, X, y, cv=2)
    assert len(scores) == 2 and all(0.5 < s <= 1.0 for s in scores)
    # Each of the two outer folds' searches added its 2 trials to the study.
    assert len(study.trials) == 4


def test_multimetric_maximizes_the_refit_scorer(data):
    X, y = data
    search = HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.01, 10.0, log=True)}, n_trials=3, cv=2,
                                scoring={"acc": "accuracy", "f1": "f1"}, refit="f1", seed=0).fit(X, y)
    values = [t.value for t in search.study_.trials]
    assert values == pytest.approx(list(search.cv_results_["mean_test_f1"]))
    with pytest.raises(ValueError, match="refit must name"):
        HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.01, 10.0)}, n_trials=2, cv=2,
                           scoring={"acc": "accuracy", "f1": "f1"}, refit=False).fit(X, y)


def test_shared_study_on_disk_and_worker_processes(data, db):
    """Two searches (the second with two joblib worker processes) add to
    one study in a SQLite file; the second's candidates are its own."""
    X, y = data
    space = {"C": hs.Float(0.01, 10.0, log=True)}
    first = HyperspaceSearchCV(LogisticRegression(), space, n_trials=3, cv=2, storage=db, study_name="lr",
                               seed=1).fit(X, y)
    second = HyperspaceSearchCV(LogisticRegression(), space, n_trials=4, cv=2, storage=db, study_name="lr",
                                n_jobs=2).fit(X, y)
    study = hs.load_study("lr", db)
    assert len(study.trials) == 7
    assert list(first.cv_results_["trial_number"]) == [0, 1, 2]
    assert sorted(second.cv_results_["trial_number"]) == [3, 4, 5, 6]
    assert all(t.state == hs.TrialState.COMPLETE for t in study.trials)
    # A fitted search on a file study pickles with its study.
    clone = pickle.loads(pickle.dumps(second))
    assert clone.study_.name == "lr"
    np.testing.assert_array_equal(clone.predict(X), second.predict(X))


def test_failed_fits_fail_their_trials(data):
    X, y = data
    space = {"solver": hs.Categorical(["lbfgs", "bogus"])}
    study = hs.create_study(direction="maximize", seed=0, space=space)
    for solver in ("bogus", "lbfgs", "lbfgs"):
        study.enqueue({"solver": solver})
    search = HyperspaceSearchCV(LogisticRegression(), space, n_trials=3, cv=2, study=study)
    with pytest.warns(UserWarning, match=r"every fit of trial\(s\) \[0\] failed.*'solver' parameter"):
        search.fit(X, y)
    trials = search.study_.trials
    assert trials[0].params == {"solver": "bogus"} and trials[0].state == hs.TrialState.FAILED
    assert "All the 2 fits failed" in trials[0].message
    # A wholly failed candidate is left out (scikit-learn keeps no result
    # for it); the search went on with the others.
    assert list(search.cv_results_["trial_number"]) == [1, 2]
    assert search.best_params_ == {"solver": "lbfgs"}
    # Hopeless data: the search stops after 10 candidates in a row failed.
    bad = np.full_like(X, np.nan)
    hopeless = HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.1, 1.0)}, n_trials=50, cv=2)
    with pytest.raises(ValueError, match="Input X contains NaN"), pytest.warns(UserWarning):
        hopeless.fit(bad, y)
    assert [t.state for t in hopeless.study_.trials] == [hs.TrialState.FAILED] * 10
    # Only bad candidates: the search fails as GridSearchCV's does.
    study.enqueue({"solver": "bogus"})
    with pytest.raises(ValueError, match="All the 2 fits failed"), pytest.warns(UserWarning):
        HyperspaceSearchCV(LogisticRegression(), space, n_trials=1, cv=2, study=study).fit(X, y)
    with pytest.raises(ValueError):
        study.enqueue({"solver": "bogus"})
        HyperspaceSearchCV(LogisticRegression(), space, n_trials=1, cv=2, study=study, error_score="raise").fit(X, y)
    # The trial of a search that raised is failed, not left running.
    assert search.study_.trials[-1].state == hs.TrialState.FAILED


def test_timeout_and_bad_settings(data):
    X, y = data
    search = HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.01, 10.0)}, n_trials=10_000, cv=2,
                                timeout=0.3).fit(X, y)
    assert 1 <= len(search.cv_results_["params"]) < 10_000
    for kwargs, match in [
        (dict(n_trials=0), "n_trials must be a positive integer"),
        (dict(timeout=-1), "timeout must be a positive number"),
        (dict(seed=1, random_state=2), "seed=1 and random_state=2 differ"),
        (dict(study_name="x"), "study_name= needs storage="),
        (dict(study=hs.create_study(direction="minimize")), "direction='maximize'"),
    ]:
        with pytest.raises(ValueError, match=match):
            HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(0.01, 10.0)}, cv=2, **kwargs).fit(X, y)
    with pytest.raises(ValueError, match="param_distributions must be a non-empty dict"):
        HyperspaceSearchCV(LogisticRegression(), {}, cv=2).fit(X, y)
    with pytest.raises(hs.InvalidParamError):
        HyperspaceSearchCV(LogisticRegression(), {"C": hs.Float(10.0, 1.0)}, cv=2).fit(X, y)
