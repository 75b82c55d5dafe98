"""The Study / Trial API: opening, define-by-run, define-and-run, tell,
report, user attributes, enqueue, rerun, the history and optimize."""

from __future__ import annotations

import json
import math
import sys
import warnings

import pytest

import hyperspace as hs
from conftest import quadratic


def test_open_creates_then_reopens_with_its_settings(db):
    s = hs.Study.open(db, "demo", direction="maximize", searcher="random", searcher_settings={"sampler": "sobol"}, seed=42)
    assert (s.name, s.direction, s.searcher, s.seed) == ("demo", "maximize", "random", 42)
    assert s.searcher_settings == {"sampler": "sobol"}
    with pytest.warns(UserWarning, match="keeps its seed 42"):
        again = hs.Study.open(db, "demo", direction="maximize", seed=1)
    assert again.seed == 42 and again.searcher == "random"
    loaded = hs.Study.load(db, "demo")
    assert loaded.direction == "maximize"
    assert hs.load_study("demo", db).name == "demo"


def test_storage_forms(tmp_path):
    path = tmp_path / "a.db"
    s = hs.Study.open(path, "p")  # a pathlib.Path
    assert s.storage == str(path)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    hs.Study.open(url, "u").optimize(quadratic, n_trials=2)
    assert len(hs.Study.load(url, "u")) == 2
    assert len(hs.Study.open(":memory:", "m")) == 0


def test_storage_urls_follow_sqlalchemy(tmp_path, monkeypatch):
    """Issue 16: URLs as Optuna users write them."""
    monkeypatch.chdir(tmp_path)
    s = hs.Study.open("sqlite:///rel.db", "r")  # three slashes: relative
    assert (tmp_path / "rel.db").exists()
    assert s.storage == str(tmp_path / "rel.db")  # made absolute, for forks
    assert hs.Study.load("rel.db", "r").name == "r"
    absolute = tmp_path / "sub" / "abs.db"
    absolute.parent.mkdir()
    hs.create_study("a", f"sqlite:///{absolute}", searcher="random")  # four
    assert absolute.exists()
    for url in ["memory://", "sqlite:///:memory:"]:
        assert hs.Study.open(url, "m").storage == ":memory:"
    timed = hs.Study.open("sqlite:///rel.db?timeout=2", "r")
    assert timed.storage == f"sqlite:///{tmp_path / 'rel.db'}?timeout=2"
    with pytest.raises(hs.StorageUrlError, match=r"write sqlite:///rel\.db"):
        hs.Study.open("sqlite:rel.db", "x")
    assert not (tmp_path / "sqlite:rel.db").exists()
    with pytest.raises(hs.StorageUrlError, match="names a host"):
        hs.Study.open("sqlite://rel.db", "x")
    with pytest.raises(hs.StorageUrlError, match="unknown scheme 'mysql'.*postgresql://"):
        hs.Study.open("mysql://ann:s3cret@db/x", "x")


def test_an_old_style_absolute_sqlite_url_opens_its_file_with_a_warning(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    hs.Study.open(db, "o").optimize(quadratic, n_trials=1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.warns(FutureWarning, match=f"sqlite:///{db}") as caught:
        study = hs.Study.load(f"sqlite://{db}", "o")  # three slashes
    assert caught[0].filename == __file__  # pointed at the caller
    assert len(study) == 1 and study.storage == str(db)


def test_open_create_and_create_study_take_the_same_options():
    with pytest.raises(TypeError, match="Study.open\\(\\) got an unexpected keyword argument 'sampler'"):
        hs.Study.open(":memory:", "s", sampler="tpe")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="create_study\\(\\) got an unexpected keyword argument 'direction_'"):
        hs.create_study(direction_="maximize")  # type: ignore[call-arg]
    options = dict(direction="maximize", searcher="random", searcher_settings={"sampler": "sobol"}, seed=5)
    for study in [
        hs.Study.open(":memory:", "a", **options),
        hs.Study.create(":memory:", "b", **options),
        hs.create_study("c", **options),
    ]:
        assert (study.direction, study.searcher, study.seed) == ("maximize", "random", 5)
        assert study.searcher_settings == {"sampler": "sobol"}
    assert set(hs.StudyOptions.__annotations__) >= {"direction", "pruner", "reproducible", "wait_timeout"}


def test_define_by_run_ask_tell(mem):
    trial = mem.ask()
    assert trial.params == {} and trial.number == 0
    x = trial.suggest_float("x", -1, 1)
    assert -1 <= x <= 1
    assert trial.suggest_float("x", -1, 1) == x  # asking again gives the same value
    n = trial.suggest_int("n", 1, 8, log=True)
    assert isinstance(n, int) and 1 <= n <= 8
    c = trial.suggest_categorical("c", ["a", 1, 2.5, True, None])
    assert c in ["a", 1, 2.5, True, None]
    s = trial.suggest_float("s", 0, 1, step=0.25)
    assert s in (0, 0.25, 0.5, 0.75, 1.0)
    assert trial.params == {"x": x, "n": n, "c": c, "s": s}
    done = mem.tell(trial, 0.5, metrics={"acc": 0.9})
    assert done.state is hs.TrialState.COMPLETE and done.state == "complete"
    assert done.value == 0.5 and done.values == [0.5] and done.metrics == {"acc": 0.9}
    assert done.params == trial.params
    assert done.datetime_complete >= done.datetime_start
    assert done.seed is not None


def test_suggest_with_distribution_objects_and_text(mem):
    t = mem.ask()
    assert 1e-5 <= t.suggest("lr", hs.Float(1e-5, 1e-1, log=True)) <= 1e-1
    assert t.suggest("opt", ["adam", "sgd"]) in ("adam", "sgd")
    assert 1 <= t.suggest("k", "int(1, 4)") <= 4
    assert 0 <= t.suggest("d", {"type": "float", "low": 0, "high": 1}) <= 1
    assert 0 <= t.suggest_uniform("u", 0, 1) <= 1 and 1 <= t.suggest_loguniform("g", 1, 10) <= 10


def test_define_and_run_space_forms(db):
    forms = [
        hs.Space({"x": hs.Float(-5, 5), "k": hs.Int(1, 4), "opt": hs.Categorical(["adam", "sgd"])}),
        {"x": hs.Float(-5, 5), "k": hs.Int(1, 4), "opt": hs.Categorical(["adam", "sgd"])},
        {"x": hs.Float(-5, 5), "k": hs.Int(1, 4), "opt": hs.Choice({"adam": None, "sgd": None})},
        {"x": {"type": "float", "low": -5, "high": 5}, "k": "int(1,4)", "opt": ["adam", "sgd"]},
        "x=float(-5,5) k=int(1,4) opt=choice(adam,sgd)",
        json.dumps({"x": "float(-5, 5)", "k": "int(1, 4)", "opt": "choice(adam, sgd)"}),
    ]
    for i, space in enumerate(forms):
        s = hs.Study.open(db, f"dar{i}", space=space, seed=3)
        for _ in range(3):
            t = s.ask()
            assert set(t.params) == {"x", "k", "opt"}
            assert -5 <= t.params["x"] <= 5 and isinstance(t.params["k"], int)
            assert t.params["opt"] in ("adam", "sgd")
            assert t.suggest_float("x", -5, 5) == t.params["x"]  # objectives written define-by-run still work
            s.tell(t, t.params["x"] ** 2)
        assert list(s.space) == ["x", "k", "opt"]
        assert s.space["opt"] == hs.Categorical(["adam", "sgd"])


def test_define_by_run_log_and_step_hold_over_many_trials(mem):
    for _ in range(30):
        t = mem.ask()
        lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
        drop = t.suggest_float("drop", 0.0, 0.5, step=0.1)
        width = t.suggest_int("width", 16, 128, step=16)
        depth = t.suggest_int("depth", 1, 64, log=True)
        assert 1e-5 <= lr <= 1e-1 and isinstance(lr, float)
        assert any(math.isclose(drop, k / 10, abs_tol=1e-9) for k in range(6))
        assert width in range(16, 129, 16) and isinstance(width, int)
        assert 1 <= depth <= 64 and isinstance(depth, int)
        mem.tell(t, math.log10(lr) ** 2 + drop + width / 128 + depth / 64)
    space = mem.space
    assert space["lr"] == hs.Float(1e-5, 1e-1, log=True)
    assert space["drop"] == hs.Float(0.0, 0.5, step=0.1)
    assert space["width"] == hs.Int(16, 128, step=16)
    assert space["depth"] == hs.Int(1, 64, log=True)
    lrs = [t.params["lr"] for t in mem.trials]
    assert min(lrs) < 1e-3, "a log scale reaches the small end"


def test_ask_with_space_on_a_define_by_run_study(mem):
    t = mem.ask({"x": hs.Float(0, 1)})
    assert set(t.params) == {"x"}
    mem.tell(t, 1.0)
    assert mem.ask().params == {}  # still define-by-run by default


def test_same_seed_same_proposals():
    def run(seed):
        s = hs.create_study(seed=seed)
        s.optimize(quadratic, n_trials=15)
        return [t.params for t in s.trials]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_tpe_finds_the_minimum():
    s = hs.create_study(seed=5)
    s.optimize(quadratic, n_trials=80)
    assert s.best_value < 0.3
    assert s.best_params["x"] == pytest.approx(1.0, abs=0.6)
    r = hs.create_study(searcher="random", seed=5)
    r.optimize(quadratic, n_trials=80)
    assert s.best_value <= r.best_value


def test_maximize(mem):
    s = hs.create_study(direction="maximize", seed=2)
    s.optimize(lambda t: -quadratic(t), n_trials=30)
    assert s.best_value == max(t.value for t in s.trials)


def test_report_and_intermediate_values(mem):
    t = mem.ask()
    for step, v in enumerate([3.0, 2.0, 1.5]):
        t.report(step, v)
    done = mem.tell(t, state="pruned")
    assert done.intermediate_values == {0: 3.0, 1: 2.0, 2: 1.5}
    assert done.state is hs.TrialState.PRUNED and done.value == 1.5 and done.last_step == 2


def test_tell_forms(mem):
    a, b, c, d = mem.ask(), mem.ask(), mem.ask(), mem.ask()
    assert mem.tell(a, [0.25]).value == 0.25
    assert mem.tell(b.id, values=0.5).value == 0.5
    failed = mem.tell(c, state=hs.TrialState.FAILED, message="out of memory")
    assert failed.state == "failed" and failed.message == "out of memory" and failed.value is None
    assert mem.tell(d, state="pruned").value is None  # nothing reported
    numpy = pytest.importorskip("numpy")
    e = mem.ask()
    assert mem.tell(e, numpy.float32(2.0)).value == 2.0


def test_user_attrs(mem):
    t = mem.ask()
    t.set_user_attr("note", {"gpu": "a100", "tags": [1, 2]})
    t.set_user_attr("n", 3)
    assert t.user_attrs == {"note": {"gpu": "a100", "tags": [1, 2]}, "n": 3}
    assert mem.tell(t, 1.0).user_attrs == t.user_attrs


def test_enqueue_full_partial_and_rerun(db):
    s = hs.Study.open(db, "q", space={"x": hs.Float(-5, 5), "k": hs.Int(1, 4)}, seed=1)
    queued = s.enqueue({"x": 0.5, "k": 2}, user_attrs={"why": "baseline"})
    assert queued.state is hs.TrialState.WAITING
    s.enqueue({"x": 1.5})
    first = s.ask()
    assert first.params == {"x": 0.5, "k": 2} and first.id == queued.id
    assert first.user_attrs == {"why": "baseline"}
    done = s.tell(first, 3.0)
    second = s.ask()
    assert second.params["x"] == 1.5 and 1 <= second.params["k"] <= 4
    s.tell(second, 1.0)
    again = s.rerun(done, k=3)
    assert again.parent == done.id and again.params == {"x": 0.5, "k": 3}
    t = s.ask()
    assert t.id == again.id and t.params == {"x": 0.5, "k": 3}


def test_enqueue_define_by_run(mem):
    mem.enqueue_trial({"x": 0.25, "y": -1.0})
    t = mem.ask()
    assert t.suggest_float("x", -5, 5) == 0.25 and t.suggest_float("y", -5, 5) == -1.0
    assert -5 <= t.suggest_float("z", -5, 5) <= 5  # not queued: the searcher's


def test_requeue(mem):
    t = mem.ask()
    assert mem.requeue(t).state is hs.TrialState.WAITING
    assert mem.ask().id == t.id


def test_trials_filters_len_and_best(mem):
    mem.optimize(quadratic, n_trials=12)
    t = mem.ask()
    mem.tell(t, state="failed")
    assert len(mem) == 13 and [t.number for t in mem.trials] == list(range(13))
    complete = mem.get_trials(states=["complete"])
    assert len(complete) == 12
    assert mem.get_trials(states=[hs.TrialState.FAILED])[0].number == 12
    small = mem.get_trials(where=lambda t: t.value is not None and t.value < 10)
    assert all(t.value < 10 for t in small)
    best = mem.best_trial
    assert best.value == min(t.value for t in complete) == mem.best_value
    assert mem.best_params == best.params
    assert mem.trial(best.id) == best


def test_best_trial_of_an_empty_study(mem):
    with pytest.raises(hs.NoCompleteTrialError, match="no complete trial"):
        mem.best_trial
    with pytest.raises(ValueError):
        mem.best_params


def test_to_pandas(mem):
    pd = pytest.importorskip("pandas")
    mem.optimize(quadratic, n_trials=5)
    mem.trials  # noqa: B018
    df = mem.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 5
    assert {"number", "state", "value", "params_x", "params_y", "duration"} <= set(df.columns)
    assert mem.trials_dataframe().shape == df.shape


def test_to_pandas_without_pandas(mem, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        mem.to_pandas()


def test_optimize_callbacks_catch_and_failures(mem):
    seen = []

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        if trial.number == 1:
            raise KeyError("flaky")
        if trial.number == 2:
            return float("nan")
        if trial.number == 3:
            return "not a number"
        if trial.number == 4:
            raise hs.TrialPruned()
        return x * x

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mem.optimize(objective, n_trials=6, catch=(KeyError,), callbacks=[lambda s, t: seen.append((t.number, t.state))])
    assert [s for _, s in seen] == ["complete", "failed", "failed", "failed", "pruned", "complete"]
    assert "KeyError" in mem.trials[1].message and "NaN" in mem.trials[2].message
    assert len(caught) == 3


def test_optimize_raises_what_it_does_not_catch(mem):
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        mem.optimize(objective, n_trials=5)
    assert [t.state for t in mem.trials] == ["failed"]
    assert mem.trials[0].message == "RuntimeError: boom"


def test_optimize_timeout_and_progress_bar(mem, capsys):
    import time

    start = time.monotonic()
    mem.optimize(lambda t: (time.sleep(0.02), quadratic(t))[1], timeout=0.3, show_progress_bar=True)
    assert 0.25 <= time.monotonic() - start < 2.0
    assert 3 <= len(mem) <= 20
    mem.optimize(quadratic, n_trials=0)
    with pytest.raises(ValueError, match="n_jobs"):
        mem.optimize(quadratic, n_trials=1, n_jobs=0)
    with pytest.raises(ValueError, match="timeout"):
        mem.optimize(quadratic, timeout=-1)


def test_optimize_with_a_pruning_objective(mem):
    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        for step in range(10):
            loss = (x * x + 1) * (10 - step)
            trial.report(step, loss)
            if trial.should_prune():
                raise hs.TrialPruned()
        return loss

    mem.optimize(objective, n_trials=40)
    states = [t.state for t in mem.trials]
    assert states.count("pruned") > 5 and states.count("complete") >= 5


def test_repr_and_space_round_trip(mem):
    t = mem.ask()
    t.suggest_float("lr", 1e-4, 1e-1, log=True)
    t.suggest_categorical("m", ["a", "b"])
    assert "lr" in repr(t) and "Study" in repr(mem)
    space = mem.space
    assert space["lr"] == hs.Float(1e-4, 1e-1, log=True)
    assert space["m"] == hs.Categorical(["a", "b"])
    assert hs.Space.from_json(space.to_json()) == space


def test_version_and_exports():
    assert hs.__version__ == "0.1.0"
    for name in hs.__all__:
        assert hasattr(hs, name), name
    assert {"tpe", "random", "grid"} <= set(hs.searchers())


def _stub_signature(fn) -> list:
    """(name, default or None) of a stub function's parameters, without self."""
    import ast

    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    out = [(a.arg, d) for a, d in zip(positional, defaults)]
    out += [(a.arg, None if d is None else ast.literal_eval(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return [p for p in out if p[0] != "self"]


def _runtime_signature(fn) -> list:
    import inspect

    return [
        (p.name, None if p.default is inspect.Parameter.empty else p.default)
        for p in inspect.signature(fn).parameters.values()
        if p.name != "self"
    ]


def test_stub_matches_the_native_module():
    """Every public name of _core.pyi exists in the native module, and the
    other way round; functions and methods take the same parameters with the
    same defaults; properties are properties."""
    import ast
    import pathlib

    core = hs._core
    stub = pathlib.Path(core.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    public = lambda names: {n for n in names if not n.startswith("_")}  # noqa: E731
    top = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    variables = {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    assert public(top) | public(variables) == public(dir(core)), "top-level names"
    assert variables <= set(dir(core)), "module variables"
    for name, node in top.items():
        if isinstance(node, ast.FunctionDef):
            assert _stub_signature(node) == _runtime_signature(getattr(core, name)), name
            continue
        cls = getattr(core, name)
        members = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef)}
        assert public(members) == public(dir(cls)), f"{name} members"
        for member, fn in members.items():
            decorators = {d.id for d in fn.decorator_list if isinstance(d, ast.Name)}
            if "property" in decorators:
                assert not callable(getattr(cls, member)), f"{name}.{member} is a property"
            else:
                assert _stub_signature(fn) == _runtime_signature(getattr(cls, member)), f"{name}.{member}"


def test_from_dict_sets_every_field():
    """`FrozenTrial.from_dict` fills the object's fields by hand (speed):
    it must give what the dataclass's own constructor gives, every field
    included, for a full record and a bare one, and still refuse an
    unknown state."""
    import dataclasses

    from hyperspace.trial import FrozenTrial, TrialState

    full = {
        "id": 7,
        "number": 3,
        "state": "pruned",
        "params": {"x": 0.5, "c": "a"},
        "value": 1.5,
        "values": [1.5],
        "constraints": [-0.2],
        "metrics": {"acc": 0.9},
        "intermediate": {"0": 2.0, "4": 1.5},
        "intermediate_metrics": {"acc": {"0": 0.7, "4": 0.9}},
        "budget": 9.0,
        "parent": 2,
        "user_attrs": {"k": [1, 2]},
        "meta": {"seed": 11, "proposer": "tpe"},
        "message": "stopped",
    }
    want = FrozenTrial(
        id=7,
        number=3,
        state=TrialState.PRUNED,
        params={"x": 0.5, "c": "a"},
        value=1.5,
        metrics={"acc": 0.9},
        intermediate_values={0: 2.0, 4: 1.5},
        budget=9.0,
        parent=2,
        user_attrs={"k": [1, 2]},
        metadata={"seed": 11, "proposer": "tpe"},
        message="stopped",
        all_values=[1.5],
        constraints=[-0.2],
        metric_values={"acc": {0: 0.7, 4: 0.9}},
    )
    got = FrozenTrial.from_dict(full)
    names = [f.name for f in dataclasses.fields(FrozenTrial)]
    assert sorted(vars(got)) == sorted(names)
    for name in names:
        assert getattr(got, name) == getattr(want, name), name
    assert got == want
    # The record's containers are copied, not shared.
    assert got.params is not full["params"] and got.metadata is not full["meta"]
    # A bare record: defaults, and a value alone gives all_values.
    bare = FrozenTrial.from_dict({"id": 1, "number": 0, "state": "complete", "value": 2.0})
    assert bare == FrozenTrial(id=1, number=0, state=TrialState.COMPLETE, params={}, value=2.0)
    assert bare.values == [2.0] and bare.state is TrialState.COMPLETE
    running = FrozenTrial.from_dict({"id": 2, "number": 1, "state": "running"})
    assert running == FrozenTrial(id=2, number=1, state=TrialState.RUNNING, params={}, value=None)
    assert running.all_values is None
    with pytest.raises(ValueError):
        FrozenTrial.from_dict({"id": 1, "number": 0, "state": "sleeping"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.value = 3.0  # type: ignore[misc]


def test_a_told_trial_crosses_as_its_json_reads():
    """The engine hands a told trial's parameters to Python without JSON
    (`params::trial_to_py`): the dict must be the one its JSON text reads
    as, every key in its place and every value of its type (1, 1.0, True
    and None are different choices), with the rest of the record."""
    study = hs.create_study(study_name="told", searcher="random", seed=3)
    trial = study.ask()
    trial.suggest_float("lr", 1e-4, 1.0, log=True)
    trial.suggest_int("layers", 1, 8)
    for name, choices in [("b", [True, False]), ("n", [None, 1]), ("f", [1.5, 2.5]), ("s", ["a", "b"])]:
        trial.suggest_categorical(name, choices)
    trial.set_user_attr("note", {"k": [1, 2]})
    trial.report(0, 2.0)
    # The parameters are recorded by the report: the tell adds none.
    told = study._c().tell(trial.id, "complete", 1.25, [("acc", 0.5)], None, False, None)
    want = json.loads(study._c().trial(trial.id))
    assert list(told) == list(want)
    assert list(told["params"].items()) == list(want["params"].items())
    assert [type(v) for v in told["params"].values()] == [type(v) for v in want["params"].values()]
    assert told == want
    # And values a tell records itself.
    trial = study.ask()
    x = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    c = trial.suggest_categorical("n", [None, 1])
    frozen = study.tell(trial, 0.5)
    assert list(frozen.params.items()) == [("lr", x), ("n", c)]
    assert frozen == study.trial(trial.id)
