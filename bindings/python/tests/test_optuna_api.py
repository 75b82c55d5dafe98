"""What Optuna users reach for (issue 16): finished trials from elsewhere,
study-level attributes, the storage-level calls, importing an Optuna
history, ``stop()`` from a callback, SQLAlchemy-style storage URLs."""

from __future__ import annotations

import os

import pytest

import hyperspace as hs


def test_create_trial_and_add_trial_store_a_finished_trial(db):
    study = hs.create_study("s", db)
    t = hs.create_trial(
        params={"x": 0.5, "n": 7},
        distributions={"x": hs.Float(0.0, 1.0), "n": hs.Int(1, 9, step=2)},
        value=0.25,
        intermediate_values={0: 1.0, 3: 0.5},
        user_attrs={"source": "notebook"},
    )
    stored = study.add_trial(t)
    assert stored.state is hs.TrialState.COMPLETE
    assert stored.value == 0.25 and stored.params == {"x": 0.5, "n": 7}
    assert stored.intermediate_values == {0: 1.0, 3: 0.5}
    assert stored.user_attrs == {"source": "notebook"}
    # It counts for the study: best, space, and its number.
    again = hs.load_study("s", db)
    assert again.best_trial.id == stored.id and stored.number == 0
    assert set(again.space) == {"x", "n"}
    # A later define-by-run trial with the same definitions works.
    trial = again.ask()
    trial.suggest_float("x", 0.0, 1.0)
    again.tell(trial, 0.3)
    assert len(again) == 2


def test_add_trial_refuses_a_value_out_of_range_naming_it_and_stores_nothing(db):
    study = hs.create_study("s", db)
    good = hs.create_trial(params={"x": 0.5}, distributions={"x": hs.Float(0, 1)}, value=1.0)
    bad = hs.create_trial(params={"n": 4}, distributions={"n": hs.Int(1, 9, step=2)}, value=1.0)
    with pytest.raises(ValueError, match="'n'"):
        study.add_trials([good, bad])
    assert len(study) == 0 and len(study.space) == 0
    out_of_range = hs.create_trial(params={"x": 2.0}, distributions={"x": hs.Float(0, 1)}, value=1.0)
    with pytest.raises(ValueError, match="'x'"):
        study.add_trial(out_of_range)
    not_in_space = hs.create_trial(params={"y": 1.0}, distributions={}, value=1.0)
    with pytest.raises(ValueError, match="'y'.*not in the space"):
        study.add_trial(not_in_space)
    # A definition that contradicts the study's space is refused too.
    study.add_trial(good)
    narrower = hs.create_trial(params={"x": 0.5}, distributions={"x": hs.Float(0, 0.6)}, value=1.0)
    with pytest.raises(ValueError, match="'x'"):
        study.add_trial(narrower)
    assert len(study) == 1


def test_add_trial_checks_values_against_the_objectives_and_states(db):
    study = hs.create_study("s", db, directions=["minimize", "maximize"])
    space = {"x": hs.Float(0, 1)}
    with pytest.raises(ValueError, match="2 objectives|objectives"):
        study.add_trial(hs.create_trial(params={"x": 0.1}, distributions=space, value=1.0))
    two = study.add_trial(hs.create_trial(params={"x": 0.1}, distributions=space, values=[1.0, 2.0]))
    assert two.values == [1.0, 2.0]
    failed = study.add_trial(hs.create_trial(params={"x": 0.2}, distributions=space, state="failed"))
    assert failed.state is hs.TrialState.FAILED
    with pytest.raises(ValueError):
        hs.create_trial(params={"x": 0.2}, distributions=space, state="nonsense")
    with pytest.raises(ValueError, match="finish|complete, pruned or failed"):
        study.add_trial(hs.create_trial(params={"x": 0.2}, distributions=space, state="running"))
    with pytest.raises(ValueError):
        study.add_trial(hs.create_trial(params={"x": 0.2}, distributions=space, values=[float("nan"), 1.0]))
    assert len(study) == 2


def test_optuna_distributions_are_accepted_when_optuna_is_there(db):
    optuna = pytest.importorskip("optuna", reason="optuna is not installed in this venv")
    study = hs.create_study("s", db)
    t = hs.create_trial(
        params={"lr": 0.01, "k": 3, "opt": "adam"},
        distributions={
            "lr": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
            "k": optuna.distributions.IntDistribution(1, 5),
            "opt": optuna.distributions.CategoricalDistribution(["adam", "sgd"]),
        },
        value=0.5,
    )
    stored = study.add_trial(t)
    assert stored.params == {"lr": 0.01, "k": 3, "opt": "adam"}
    assert study.space["lr"] == hs.Float(1e-4, 1.0, log=True)
    assert study.space["opt"] == hs.Categorical(["adam", "sgd"])


def test_study_user_attrs_are_stored(db):
    study = hs.create_study("s", db)
    assert study.user_attrs == {}
    study.set_user_attr("dataset", "mnist")
    study.set_user_attr("folds", [1, 2, 3])
    assert hs.load_study("s", db).user_attrs == {"dataset": "mnist", "folds": [1, 2, 3]}
    with pytest.raises(TypeError):
        study.set_user_attr(3, "x")  # type: ignore[arg-type]


def test_names_summaries_delete_and_copy(tmp_path, db):
    a = hs.create_study("a", db)
    a.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    a.set_user_attr("owner", "me")
    hs.create_study("b", db, direction="maximize")
    assert hs.get_all_study_names(db) == ["a", "b"]
    summaries = {s.study_name: s for s in hs.get_all_study_summaries(db)}
    assert summaries["a"].n_trials == 5 and summaries["a"].best_trial is not None
    assert summaries["a"].best_trial.value == a.best_value
    assert summaries["a"].user_attrs == {"owner": "me"}
    assert summaries["b"].direction == "maximize" and summaries["b"].best_trial is None

    other = str(tmp_path / "other.db")
    copy = hs.copy_study(from_study_name="a", from_storage=db, to_storage=other, to_study_name="a2")
    assert hs.get_all_study_names(other) == ["a2"]
    assert [t.params for t in copy.trials] == [t.params for t in a.trials]
    assert [t.value for t in copy.trials] == [t.value for t in a.trials]
    assert copy.user_attrs == {"owner": "me"} and copy.searcher == a.searcher and copy.seed == a.seed
    with pytest.raises(hs.StudyExistsError):
        hs.copy_study(from_study_name="a", from_storage=db, to_storage=other, to_study_name="a2")

    hs.delete_study(study_name="a", storage=db)
    assert hs.get_all_study_names(db) == ["b"]
    with pytest.raises(hs.StudyNotFoundError):
        hs.delete_study(study_name="a", storage=db)


def test_trials_dataframe_keeps_the_attrs_asked_for(mem):
    pytest.importorskip("pandas")
    mem.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 3), n_trials=3)
    frame = mem.trials_dataframe(attrs=("number", "value", "params"))
    assert list(frame.columns) == ["number", "value", "params_x", "params_n"]
    assert len(frame) == 3
    assert "datetime_start" in mem.trials_dataframe().columns
    with pytest.raises(ValueError, match="nonsense"):
        mem.trials_dataframe(attrs=("nonsense",))


def test_stop_from_a_callback_ends_optimize(mem):
    def stop_after_three(study, trial):
        if trial.number == 2:
            study.stop()

    mem.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=50, callbacks=[stop_after_three])
    assert len(mem) == 3


def test_storage_urls_follow_sqlalchemy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hs.create_study("rel", "sqlite:///relative.db")
    assert (tmp_path / "relative.db").exists()
    absolute = tmp_path / "sub" / "abs.db"
    absolute.parent.mkdir()
    hs.create_study("abs", f"sqlite:///{absolute}")
    assert absolute.exists()
    assert hs.get_all_study_names("sqlite:///relative.db") == ["rel"]
    with pytest.raises(Exception, match="sqlite|postgres"):
        hs.create_study("x", "mysql://u@h/db")


def _optuna_study(path: str):
    """A study made by real Optuna: two parameters of each kind, pruned,
    failed and running trials, intermediate values and attributes."""
    optuna = pytest.importorskip("optuna", reason="optuna cannot be installed in this venv")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="ported", storage=f"sqlite:///{path}", sampler=optuna.samplers.RandomSampler(seed=3)
    )
    study.set_user_attr("dataset", "iris")

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        n = trial.suggest_int("n", 2, 10, step=2)
        opt = trial.suggest_categorical("opt", ["adam", "sgd"])
        trial.set_user_attr("note", {"n": n})
        for step in range(3):
            trial.report(x * x + step, step)
        if trial.number == 4:
            raise optuna.TrialPruned()
        if trial.number == 5:
            raise RuntimeError("boom")
        return x * x + lr + n + (opt == "sgd")

    study.optimize(objective, n_trials=8, catch=(RuntimeError,))
    study.ask()  # a running trial, left out of the import
    return study


@pytest.mark.parametrize("from_object", [False, True])
def test_import_optuna_brings_the_whole_history(tmp_path, from_object):
    path = str(tmp_path / "optuna.db")
    source = _optuna_study(path)
    target = str(tmp_path / "hs.db")
    with pytest.warns(RuntimeWarning, match="1 running"):
        if from_object:
            study = hs.import_optuna(source, storage=target, new_name="copy")
        else:
            study = hs.import_optuna(f"sqlite:///{path}", "ported", storage=target, new_name="copy")
    theirs = [t for t in source.trials if t.state.is_finished()]
    ours = study.trials
    assert len(ours) == len(theirs) == 8
    for o, t in zip(ours, theirs):
        assert o.params.keys() == t.params.keys()
        for k, v in t.params.items():
            assert o.params[k] == (pytest.approx(v) if isinstance(v, float) else v)
        assert o.state.value == {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}[t.state.name]
        if t.state.name == "COMPLETE":
            assert o.value == pytest.approx(t.value)
        assert o.intermediate_values == pytest.approx(t.intermediate_values)
        assert o.user_attrs == t.user_attrs
    assert study.user_attrs == {"dataset": "iris"}
    assert study.direction == "minimize"
    assert study.best_value == pytest.approx(source.best_value)
    assert study.space["n"] == hs.Int(2, 10, step=2)
    assert study.space["lr"] == hs.Float(1e-4, 1e-1, log=True)
    # The imported history informs the searcher: the study goes on.
    study.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=2)
    assert len(study) == 10


def test_import_optuna_names_a_missing_study(tmp_path):
    path = str(tmp_path / "optuna.db")
    _optuna_study(path)
    with pytest.raises(ValueError, match="ported"):
        hs.import_optuna(f"sqlite:///{path}", "nope", storage=str(tmp_path / "hs.db"))
    with pytest.raises(FileNotFoundError):
        hs.import_optuna(str(tmp_path / "missing.db"), "ported", storage=str(tmp_path / "hs.db"))


def test_load_if_exists_with_other_settings_warns(db):
    hs.create_study("s", db, searcher="random", seed=1)
    with pytest.warns(UserWarning, match="keeps its searcher 'random'.*seed 1"):
        again = hs.create_study("s", db, load_if_exists=True, searcher="tpe", seed=2)
    assert again.searcher == "random" and again.seed == 1
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs.create_study("s", db, load_if_exists=True, searcher="random", seed=1)
        hs.create_study("s", db, load_if_exists=True)
