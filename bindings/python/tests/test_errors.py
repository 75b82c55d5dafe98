"""Every error path: each engine error arrives as its own Python exception,
rooted in hyperspace.HyperspaceError, with a message that says what to do
and attributes naming what it is about."""

from __future__ import annotations

import math

import pytest

import hyperspace as hs


def test_hierarchy():
    for name in hs.errors.__all__:
        cls = getattr(hs.errors, name)
        assert issubclass(cls, hs.HyperspaceError), name
    assert issubclass(hs.InvalidParamError, ValueError)
    assert issubclass(hs.StudyNotFoundError, LookupError)
    assert issubclass(hs.NonFiniteValueError, ValueError)
    assert issubclass(hs.UnknownSearcherError, hs.SearcherError)


@pytest.mark.parametrize(
    "space, param, words",
    [
        ({"x": hs.Float(1, 0)}, "x", "must be at most high"),
        ({"x": hs.Float(0, 1, log=True)}, "x", "log scale needs low > 0"),
        ({"x": hs.Float(1e-3, 1, step=0.1, log=True)}, "x", "cannot have a step"),
        ({"x": hs.Int(0, 10, default=11)}, "x", "default"),
        ({"x": hs.Categorical([])}, "x", "at least one choice"),
        ({"9x": hs.Float(0, 1)}, "9x", "a name needs"),
        ({"m": hs.Categorical(["a"], branches={"b": {"y": hs.Int(0, 1)}})}, "m", "branch for 'b'"),
        ({"m": hs.Choice({"a": {"x": hs.Int(2, 1)}})}, "m=a/x", "low"),
    ],
)
def test_invalid_parameters(space, param, words):
    with pytest.raises(hs.InvalidParamError, match=words) as e:
        hs.create_study(space=space)
    assert e.value.param == param
    assert isinstance(e.value, ValueError)


def test_invalid_define_by_run_parameter(mem):
    t = mem.ask()
    with pytest.raises(hs.InvalidParamError, match="low"):
        t.suggest_float("x", 2, 1)
    with pytest.raises(hs.InvalidParamError, match="log"):
        t.suggest_int("k", 0, 5, log=True)


def test_duplicate_parameter():
    with pytest.raises(hs.InvalidParamError, match="defined twice"):
        hs.create_study(space={"m": hs.Choice({"a": {"x": hs.Int(0, 1)}, "b": {"x": hs.Int(0, 1)}})})


def test_space_syntax():
    with pytest.raises(hs.SpaceSyntaxError) as e:
        hs.create_study(space="x=float(0,1) y=int(1,")
    assert e.value.column is not None and "column" in str(e.value)
    with pytest.raises(hs.SpaceSyntaxError, match="invalid JSON"):
        hs.create_study(space='{"x": ')


def test_space_cannot_narrow_once_trials_exist(db):
    s = hs.Study.open(db, "s", space={"x": hs.Float(0, 10)})
    s.tell(s.ask(), 1.0)
    with pytest.raises(hs.SpaceChangeError) as e:
        hs.Study.open(db, "s", space={"x": hs.Float(0, 5)})
    assert e.value.param == "x" and e.value.study == "s"
    # Growing is fine, with a default for older trials.
    grown = hs.Study.open(db, "s", space={"x": hs.Float(0, 10), "y": hs.Int(1, 3, default=1)})
    assert grown.trials[0].params == {"x": grown.trials[0].params["x"], "y": 1}


def test_invalid_configuration(db):
    s = hs.Study.open(db, "c", space={"x": hs.Float(0, 1), "k": hs.Int(1, 3)})
    with pytest.raises(hs.InvalidConfigError, match="'x'") as e:
        s.enqueue({"x": 5.0})
    assert e.value.param == "x"
    with pytest.raises(hs.InvalidConfigError, match="'z'"):
        s.enqueue({"z": 1})
    # A queued value that the objective's distribution does not allow.
    d = hs.Study.open(db, "d")
    d.enqueue({"x": 5.0})
    with pytest.raises(hs.InvalidConfigError):
        d.ask().suggest_float("x", 0, 1)


def test_invalid_study_settings(db):
    with pytest.raises(hs.InvalidStudyError, match="non-empty name"):
        hs.Study.open(db, "")
    with pytest.raises(hs.InvalidStudyError, match="direction"):
        hs.Study.open(db, "x", direction="sideways")
    hs.Study.open(db, "min")
    with pytest.raises(hs.InvalidStudyError, match="minimize, not maximize"):
        hs.Study.open(db, "min", direction="maximize")
    with pytest.raises(TypeError):
        hs.Study.open(db, 3)


def test_study_not_found_and_exists(db):
    with pytest.raises(hs.StudyNotFoundError, match="no study named 'nope'") as e:
        hs.Study.load(db, "nope")
    assert e.value.study == "nope" and isinstance(e.value, LookupError)
    hs.Study.create(db, "taken")
    with pytest.raises(hs.StudyExistsError, match="already exists"):
        hs.Study.create(db, "taken")
    with pytest.raises(hs.StudyExistsError):
        hs.create_study("taken", db)
    assert hs.create_study("taken", db, load_if_exists=True).name == "taken"


def test_trial_not_found(mem):
    with pytest.raises(hs.TrialNotFoundError, match="no trial 999") as e:
        mem.tell(999, 1.0)
    assert e.value.trial_id == 999
    with pytest.raises(hs.TrialNotFoundError):
        mem.trial(12345)


def test_finished_trials_cannot_change(mem):
    t = mem.ask()
    t.suggest_float("x", 0, 1)
    mem.tell(t, 1.0)
    with pytest.raises(hs.TrialFinishedError, match="already complete") as e:
        mem.tell(t, 2.0)
    assert e.value.trial_id == t.id and e.value.state == "complete"
    with pytest.raises(hs.TrialFinishedError):
        t.report(0, 1.0)
    with pytest.raises(hs.TrialFinishedError):
        t.suggest_float("y", 0, 1)
    with pytest.raises(hs.TrialFinishedError):
        t.set_user_attr("k", 1)
    with pytest.raises(hs.TrialFinishedError):
        mem.requeue(t)


def test_wrong_study(db):
    a = hs.Study.open(db, "a")
    b = hs.Study.open(db, "b")
    t = a.ask()
    with pytest.raises(hs.WrongStudyError, match="another study") as e:
        b.tell(t, 1.0)
    assert e.value.trial_id == t.id
    with pytest.raises(hs.WrongStudyError):
        b.trial(t.id)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(mem, bad):
    t = mem.ask()
    with pytest.raises(hs.NonFiniteValueError, match="not a finite number"):
        mem.tell(t, bad)
    with pytest.raises(hs.NonFiniteValueError):
        t.report(0, bad)
    with pytest.raises(hs.NonFiniteValueError, match="metric"):
        mem.tell(t, 1.0, metrics={"acc": bad})
    assert mem.tell(t, 1.0).state == "complete"  # nothing was recorded by the refusals


def test_invalid_tell(mem):
    queued = mem.enqueue({})
    with pytest.raises(hs.InvalidTellError, match="only a running trial"):
        mem.requeue(queued)
    t = mem.ask()
    with pytest.raises(TypeError, match="needs a value"):
        mem.tell(t)
    # Each an InvalidTellError, which is also a ValueError.
    with pytest.raises(hs.InvalidTellError, match="one objective"):
        mem.tell(t, [1.0, 2.0])
    with pytest.raises(TypeError, match="must be a number"):
        mem.tell(t, "high")
    with pytest.raises(hs.InvalidTellError, match="last reported"):
        mem.tell(t, 1.0, state="pruned")
    with pytest.raises(hs.InvalidTellError, match="unknown trial state") as e:
        mem.tell(t, 1.0, state="done")
    assert isinstance(e.value, ValueError) and e.value.state == "done"
    with pytest.raises(hs.InvalidTellError, match="complete, pruned or failed"):
        mem.tell(t, 1.0, state="waiting")
    assert mem.tell(t, 1.0).state == "complete"  # nothing was recorded by the refusals
    with pytest.raises(TypeError, match="trial id"):
        mem.tell("t", 1.0)


def test_report_argument_errors(mem):
    t = mem.ask()
    with pytest.raises(TypeError, match="Optuna takes report"):
        t.report(0.25, 3)  # Optuna's order
    with pytest.raises(TypeError, match="non-negative"):
        t.report(-1, 1.0)
    with pytest.raises(TypeError, match="must be a number"):
        t.report(0, "x")


def test_searcher_errors(db, mem):
    with pytest.raises(hs.UnknownSearcherError, match="unknown searcher 'nope'; known searchers: .*tpe") as e:
        hs.Study.open(db, "s", searcher="nope")
    assert e.value.searcher == "nope"
    with pytest.raises(hs.SearcherSettingsError) as e:
        hs.Study.open(db, "s", searcher="tpe", searcher_settings={"n_startup_trials": "many"})
    assert e.value.searcher == "tpe"
    assert e.value.setting == "n_startup_trials"
    # A broken rule names its setting too, and the rule.
    with pytest.raises(hs.SearcherSettingsError, match=r"gamma must be in \(0, 1\], got 2") as e:
        hs.Study.open(db, "s", searcher="tpe", searcher_settings={"gamma": 2.0})
    assert e.value.setting == "gamma"
    with pytest.raises(hs.SearcherSettingsError, match="unknown setting `gama`; the settings are: .*gamma") as e:
        hs.Study.open(db, "s", searcher="tpe", searcher_settings={"gama": 0.1})
    assert e.value.setting == "gama"
    with pytest.raises(TypeError, match="searcher_settings must be a dict"):
        hs.Study.open(db, "s", searcher="tpe", searcher_settings=[1])


def test_exhausted_grid():
    s = hs.create_study(space={"k": hs.Int(1, 2), "c": ["a", "b"]}, searcher="grid", seed=1)
    for _ in range(4):
        s.tell(s.ask(), 1.0)
    with pytest.raises(hs.SearcherExhaustedError, match="nothing left"):
        s.ask()
    assert len(s) == 4  # no trial left behind


def test_storage_errors(tmp_path):
    with pytest.raises(hs.StorageUrlError, match="not a PostgreSQL URL") as e:
        hs.Study.open("postgres://localhost:notaport/db", "s")
    assert e.value.url == "postgres://localhost:notaport/db"
    # Nothing listens on port 1: the message names the server to start.
    with pytest.raises(hs.StorageUnavailableError, match="127.0.0.1:1 is unavailable.*connection refused") as e:
        hs.Study.open("postgres://me@127.0.0.1:1/db", "s")
    assert e.value.storage == "PostgreSQL at 127.0.0.1:1"
    assert isinstance(e.value, hs.StorageError)
    with pytest.raises(hs.StorageUrlError, match="unknown scheme"):
        hs.Study.open("ftp://x/y", "s")
    with pytest.raises(hs.StorageUrlError, match="empty"):
        hs.Study.open("", "s")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(hs.CorruptDatabaseError, match="not a usable hyperspace database") as e:
        hs.Study.open(str(junk), "s")
    assert e.value.path.endswith("junk.db")
    with pytest.raises(hs.StorageError):
        hs.Study.open(str(tmp_path / "missing-dir" / "x.db"), "s")


HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
"""


def test_database_locked(db):
    import subprocess
    import sys
    import time

    s = hs.Study.open(db, "locked", busy_timeout=0.2)
    t = s.ask()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(hs.DatabaseLockedError, match="locked by another process") as e:
            t.report(0, 1.0)
        assert 0.15 < time.monotonic() - start < 5
        assert e.value.path == db
    finally:
        holder.communicate("\n", timeout=20)
    t.report(0, 1.0)  # free again
    with pytest.raises(ValueError, match="busy_timeout"):
        hs.Study.open(db, "locked", busy_timeout=-1)


def test_bad_arguments_are_type_errors(mem):
    t = mem.ask()
    with pytest.raises(TypeError, match="choices must be a list"):
        t.suggest_categorical("c", "abc")
    with pytest.raises(TypeError, match="must be an integer"):
        t.suggest_int("k", 0.5, 3)
    with pytest.raises(TypeError, match="expected a Float"):
        t.suggest("z", 3)
    with pytest.raises(TypeError, match="objective must be callable"):
        mem.optimize(3, n_trials=1)
    with pytest.raises(TypeError, match="catch must hold"):
        mem.optimize(lambda t: 0.0, n_trials=1, catch=(3,))
    with pytest.raises(TypeError):
        hs.Space({"x": object()})


def test_one_definition_per_name_also_within_a_trial():
    s = hs.create_study(seed=1)
    t = s.ask()
    y = t.suggest_float("y", 0, 1)
    assert t.suggest_float("y", 0, 1) == y
    with pytest.raises(hs.InvalidParamError, match="was suggested as int.*one definition per name") as e:
        t.suggest_int("y", 0, 5)
    assert e.value.param == "y"
    assert t.params == {"y": y}
    # Define-and-run: an objective's suggest_* must match the study's space.
    d = hs.create_study(space={"x": hs.Float(-5, 5)}, seed=1)
    t = d.ask()
    assert t.suggest_float("x", -5, 5) == t.params["x"]
    with pytest.raises(hs.InvalidParamError, match="one definition per name"):
        t.suggest_float("x", -10, 10)


def test_values_that_cannot_be_stored_are_named():
    s = hs.create_study(space={"x": hs.Float(0, 1)}, seed=1)
    with pytest.raises(hs.NonFiniteValueError, match="enqueued parameters: NaN and infinity cannot"):
        s.enqueue({"x": math.nan})
    with pytest.raises(hs.NonFiniteValueError, match="user attributes: NaN"):
        s.enqueue({"x": 0.5}, user_attrs={"a": math.inf})
    t = s.ask()
    with pytest.raises(hs.NonFiniteValueError, match="user attribute 'loss': NaN"):
        t.set_user_attr("loss", [1.0, math.nan])
    with pytest.raises(TypeError, match="user attribute 'model': 'object' values cannot be stored"):
        t.set_user_attr("model", object())
    loop = []
    loop.append(loop)
    with pytest.raises(TypeError, match="contains itself"):
        t.set_user_attr("loop", loop)
    with pytest.raises(hs.NonFiniteValueError, match="searcher_settings"):
        hs.create_study(searcher="random", searcher_settings={"x": math.nan})
    assert t.user_attrs == {} and s.trial(t.id).user_attrs == {}
    numpy = pytest.importorskip("numpy")
    t.set_user_attr("curve", numpy.array([1.0, 2.0]))
    t.set_user_attr("best", numpy.float64(0.5))
    assert s.trial(t.id).user_attrs == {"curve": [1.0, 2.0], "best": 0.5}


@pytest.mark.parametrize(
    "dist",
    [hs.Float(math.nan, 1), hs.Float(0, math.inf), hs.Float(0, 1, step=math.nan), hs.Categorical([1.0, math.nan])],
)
def test_non_finite_bounds_are_invalid_parameters(dist):
    with pytest.raises(hs.InvalidParamError, match="parameter 'x': .*finite") as e:
        hs.create_study(space={"x": dist})
    assert e.value.param == "x"
    with pytest.raises(hs.InvalidParamError, match="finite"):
        hs.create_study().ask().suggest("x", dist)


def test_seed_out_of_range():
    for bad in (-1, 2**64, 1.5, True):
        with pytest.raises(hs.InvalidStudyError, match="seed must be an integer"):
            hs.create_study(seed=bad)
    assert hs.create_study(seed=2**64 - 1).seed == 2**64 - 1
