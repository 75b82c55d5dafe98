"""Issue 16: the Keras pruning callback, with real training (Keras 3 on
JAX's CPU backend, which scripts/test installs): a study whose trials
alternate a good and a hopeless learning rate has the median pruner stop
the hopeless ones mid-training. Tiny data, few epochs."""

from __future__ import annotations

import os

import pytest

import hyperspace as hs

# Keras picks its backend when first imported; JAX is the small one.
os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras", reason="keras is not installed (scripts/test installs keras and jax)")
np = pytest.importorskip("numpy", reason="numpy is not installed")

EPOCHS = 8


def _data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32"))[:, None]
    return x, y


def _fit(trial, callback):
    keras.utils.set_random_seed(0)
    x, y = _data()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=trial.suggest_float("lr", 1e-6, 0.1, log=True)), loss="mse")
    history = model.fit(x, y, validation_split=0.25, epochs=EPOCHS, batch_size=24, verbose=0, callbacks=[callback(trial)])
    return history.history["val_loss"][-1]


def test_keras_callback_prunes_a_hopeless_learning_rate():
    study = hs.create_study(direction="minimize", seed=0, pruner=hs.MedianPruner(n_startup_trials=2, n_warmup_steps=2))
    for lr in [0.1, 0.1, 1e-6, 0.1, 1e-6]:
        study.enqueue({"lr": lr})
    study.optimize(lambda t: _fit(t, lambda tr: hs.integration.KerasPruningCallback(tr, "val_loss")), n_trials=5)
    trials = {t.number: t for t in study.trials}
    assert [trials[i].state for i in (0, 1, 3)] == [hs.TrialState.COMPLETE] * 3
    # lr 1e-6 barely moves the loss: stopped at the first epoch judged.
    assert trials[2].state == hs.TrialState.PRUNED and trials[4].state == hs.TrialState.PRUNED
    assert trials[2].last_step == 2 and trials[4].last_step == 2
    assert len(trials[0].intermediate_values) == EPOCHS
    assert trials[0].intermediate_values[EPOCHS - 1] == pytest.approx(trials[0].value)


def test_keras_callback_refuses_unknown_metrics_and_wrong_directions():
    study = hs.create_study(direction="minimize")
    trial = study.ask()
    with pytest.raises(ValueError, match="better higher.*minimize"):
        hs.integration.KerasPruningCallback(trial, "val_accuracy")
    with pytest.raises(ValueError, match="'val_mae' is not among.*loss, val_loss"):
        _fit(trial, lambda tr: hs.integration.KerasPruningCallback(tr, "val_mae"))
    with pytest.raises(TypeError, match="running hyperspace.Trial"):
        hs.integration.KerasPruningCallback(object(), "val_loss")
