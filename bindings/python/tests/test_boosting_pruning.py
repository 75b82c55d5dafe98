"""Issue 16: LightGBM and XGBoost pruning callbacks, with real training:
a study whose trials alternate a good and a hopeless configuration has the
median pruner stop the hopeless ones mid-training. Tiny data, few rounds."""

from __future__ import annotations

import pytest

import hyperspace as hs

np = pytest.importorskip("numpy", reason="numpy is not installed")


def _data(seed=0, n=300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X[:200], y[:200], X[200:], y[200:]


def _pruning_study():
    # Prune from the first complete trials on, at any round.
    return hs.create_study(direction="minimize", seed=0,
                           pruner=hs.MedianPruner(n_startup_trials=2, n_warmup_steps=2))


def _run(study, objective, good, bad):
    for params in [good, good, bad, good, bad]:
        study.enqueue(params)
    study.optimize(objective, n_trials=5)
    return {t.number: t for t in study.trials}


def _assert_bad_ones_pruned(trials):
    """Trials 2 and 4 (the hopeless configuration) pruned, the good ones
    complete; pruned early: at the first round judged, not after all 20."""
    assert [trials[i].state for i in (0, 1, 3)] == [hs.TrialState.COMPLETE] * 3
    assert trials[2].state == hs.TrialState.PRUNED and trials[4].state == hs.TrialState.PRUNED
    assert trials[2].last_step == 2 and trials[4].last_step == 2
    assert len(trials[0].intermediate_values) == 20


def test_lightgbm_callback_prunes_a_hopeless_configuration():
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed (scripts/test installs it)")
    X, y, Xv, yv = _data()

    def objective(trial):
        # learning_rate 1e-4: the logloss barely moves from its start.
        lr = trial.suggest_float("learning_rate", 1e-4, 0.3, log=True)
        train = lgb.Dataset(X, y)
        valid = lgb.Dataset(Xv, yv, reference=train)
        booster = lgb.train(
            {"objective": "binary", "learning_rate": lr, "num_leaves": 7, "verbose": -1, "seed": 0, "num_threads": 1},
            train, num_boost_round=20, valid_sets=[valid],
            callbacks=[hs.integration.LightGBMPruningCallback(trial, "valid_0-binary_logloss")],
        )
        return booster.best_score["valid_0"]["binary_logloss"]

    _assert_bad_ones_pruned(_run(_pruning_study(), objective, {"learning_rate": 0.3}, {"learning_rate": 1e-4}))


def test_lightgbm_callback_refuses_bad_metrics_and_directions():
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed (scripts/test installs it)")
    X, y, Xv, yv = _data()
    study = hs.create_study(direction="minimize")
    trial = study.ask()
    with pytest.raises(ValueError, match="data set and a metric"):
        hs.integration.LightGBMPruningCallback(trial, "logloss")
    train = lgb.Dataset(X, y)
    valid = lgb.Dataset(Xv, yv, reference=train)
    params = {"objective": "binary", "metric": ["auc"], "verbose": -1, "num_threads": 1}
    with pytest.raises(ValueError, match="valid_0-auc"):
        lgb.train(params, train, num_boost_round=2, valid_sets=[valid],
                  callbacks=[hs.integration.LightGBMPruningCallback(trial, "valid_0-binary_logloss")])
    with pytest.raises(ValueError, match="better higher.*minimize"):
        lgb.train(params, train, num_boost_round=2, valid_sets=[valid],
                  callbacks=[hs.integration.LightGBMPruningCallback(trial, "valid_0-auc")])


def test_lightgbm_cv_reports_the_mean_over_folds():
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed (scripts/test installs it)")
    X, y, _, _ = _data()
    study = hs.create_study(direction="minimize")
    trial = study.ask()
    result = lgb.cv({"objective": "binary", "verbose": -1, "num_leaves": 7, "num_threads": 1}, lgb.Dataset(X, y), num_boost_round=3,
                    nfold=2, callbacks=[hs.integration.LightGBMPruningCallback(trial, "valid-binary_logloss")])
    study.tell(trial, result["valid binary_logloss-mean"][-1])
    curve = study.trials[0].intermediate_values
    assert [curve[k] for k in sorted(curve)] == pytest.approx(result["valid binary_logloss-mean"])


def test_xgboost_callback_prunes_a_hopeless_configuration():
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed (scripts/test installs xgboost-cpu)")
    X, y, Xv, yv = _data()
    dtrain, dvalid = xgb.DMatrix(X, label=y), xgb.DMatrix(Xv, label=yv)

    def objective(trial):
        eta = trial.suggest_float("eta", 1e-4, 0.5, log=True)
        history = {}
        xgb.train(
            {"objective": "binary:logistic", "eval_metric": "logloss", "eta": eta, "max_depth": 3, "nthread": 1},
            dtrain, num_boost_round=20, evals=[(dvalid, "validation")], evals_result=history, verbose_eval=False,
            callbacks=[hs.integration.XGBoostPruningCallback(trial, "validation-logloss")],
        )
        return history["validation"]["logloss"][-1]

    _assert_bad_ones_pruned(_run(_pruning_study(), objective, {"eta": 0.5}, {"eta": 1e-4}))


def test_xgboost_callback_names_the_metrics_it_saw():
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed (scripts/test installs xgboost-cpu)")
    X, y, Xv, yv = _data()
    trial = hs.create_study().ask()
    with pytest.raises(ValueError, match="better higher.*minimize"):
        hs.integration.XGBoostPruningCallback(trial, "validation-auc")
    hs.integration.XGBoostPruningCallback(trial, "validation-my_custom_metric")  # not checked
    with pytest.raises(ValueError, match="validation-logloss"):
        xgb.train({"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1},
                  xgb.DMatrix(X, label=y), num_boost_round=2, evals=[(xgb.DMatrix(Xv, label=yv), "validation")],
                  verbose_eval=False, callbacks=[hs.integration.XGBoostPruningCallback(trial, "valid-logloss")])
