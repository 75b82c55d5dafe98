"""Issue 18: ``hs.integration.ray.HyperspaceSearch``, a Ray Tune searcher
backed by a study, run by real Ray Tune in local mode (one Ray session for
the module: Ray starts slowly)."""

from __future__ import annotations

import math
import pickle
import sys

import pytest

import hyperspace as hs

ray = pytest.importorskip("ray", reason="ray[tune] is not installed (scripts/test installs it into target/py-venv)")
tune = pytest.importorskip("ray.tune", reason="ray[tune] is not installed (scripts/test installs it into target/py-venv)")

from ray.tune.schedulers import ASHAScheduler  # noqa: E402

from hyperspace.integration.ray import HyperspaceSearch  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    # Ray's workers cannot import this test module: its trainables travel
    # by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _fit(trainable, search, tmp_path, num_samples, scheduler=None, param_space=None, **tune_config):
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=search, scheduler=scheduler, num_samples=num_samples, reuse_actors=True, **tune_config
        ),
        run_config=tune.RunConfig(storage_path=str(tmp_path / "ray"), verbose=0),
        param_space=param_space,
    )
    return tuner.fit()


def _search(db: str, name: str, seed: int, low: float, high: float, **options) -> HyperspaceSearch:
    """A searcher minimizing "loss" over one float "x" in study ``name``."""
    return HyperspaceSearch(
        space={"x": hs.Float(low, high)}, metric="loss", mode="min", storage=db, study_name=name, seed=seed, **options
    )


def _by_ray_id(study: hs.Study):
    return {t.user_attrs["ray.trial_id"]: t for t in study.trials}


def shifted_square(config):
    tune.report({"loss": (config["x"] - 1.0) ** 2 + config["offset"]})


def test_every_ray_trial_is_one_study_trial_and_the_best_is_sane(db, tmp_path):
    search = _search(db, "sq", 3, -3.0, 3.0)
    results = _fit(shifted_square, search, tmp_path, 12, param_space={"offset": 0.5})
    study = hs.Study.load(db, "sq")
    trials = study.trials
    assert [t.number for t in trials] == list(range(12))
    assert [t.state for t in trials] == [hs.TrialState.COMPLETE] * 12
    # One study trial per Ray trial, with Ray's value for it.
    ray_values = {r.metrics["trial_id"]: r.metrics["loss"] for r in results}
    by_id = _by_ray_id(study)
    assert sorted(by_id) == sorted(ray_values)
    for ray_id, trial in by_id.items():
        assert trial.value == pytest.approx(ray_values[ray_id])
        assert trial.value == pytest.approx((trial.params["x"] - 1.0) ** 2 + 0.5)
    # The constant of param_space reached the trainable; the best is sane
    # (random draws alone miss |x - 1| < 1 twelve times with p = 0.8 %).
    assert study.best_value == pytest.approx(min(ray_values.values()))
    assert study.best_value < 1.5, study.best_value


def typed(config):
    lr, n, kind = config["opt"]["lr"], config["n"], config["kind"]
    assert isinstance(n, int) and 1 <= n <= 3 and kind in ("a", "b") and 1e-4 <= lr <= 1e-1
    assert config["fixed"] == 7
    tune.report({"score": -abs(math.log10(lr) + 2) - n + (kind == "b") + config["q"]})


def test_space_from_ray_distributions_in_param_space_and_metric_from_tune_config(db, tmp_path):
    search = HyperspaceSearch(storage=db, study_name="converted", seed=1)
    space = {
        "opt": {"lr": tune.loguniform(1e-4, 1e-1)},
        "n": tune.randint(1, 4),
        "kind": tune.choice(["a", "b"]),
        "q": tune.quniform(0.0, 1.0, 0.25),
        "fixed": 7,
    }
    results = _fit(typed, search, tmp_path, 6, param_space=space, metric="score", mode="max")
    assert not results.errors, results.errors
    study = hs.Study.load(db, "converted")
    assert study.direction == "maximize"
    stored = study.space.flatten()
    assert stored["opt.lr"] == hs.Float(1e-4, 1e-1, log=True)
    # randint's upper bound is exclusive; qrandint's and hyperspace's are not.
    assert stored["n"] == hs.Int(1, 3)
    assert stored["q"] == hs.Float(0.0, 1.0, step=0.25)
    assert "fixed" not in stored
    assert [t.state for t in study.trials] == [hs.TrialState.COMPLETE] * 6
    assert all(t.params["q"] in (0.0, 0.25, 0.5, 0.75, 1.0) for t in study.trials)


def test_unconvertible_ray_distributions_are_refused_by_name():
    with pytest.raises(ValueError, match="parameter 'w'.*Normal"):
        HyperspaceSearch(space={"w": tune.randn(0.0, 1.0)}, metric="loss", mode="min")
    with pytest.raises(ValueError, match="grid_search"):
        HyperspaceSearch(metric="loss", mode="min").set_search_properties(None, None, {"x": tune.grid_search([1, 2])})
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        HyperspaceSearch(space={"x": hs.Float(0, 1)}, metric="loss", mode="minimize")
    search = HyperspaceSearch(space={"x": hs.Float(0, 1)}, storage=":memory:")
    with pytest.raises(ValueError, match="needs metric= and mode="):
        search.suggest("t1")


def curve(config):
    for i in range(1, 9):
        tune.report({"loss": config["x"] + 1.0 / i})


def test_asha_stops_trials_and_the_study_keeps_their_curves(db, tmp_path):
    search = _search(db, "asha", 2, 0.0, 4.0)
    scheduler = ASHAScheduler(max_t=8, grace_period=1, reduction_factor=2)
    _fit(curve, search, tmp_path, 8, scheduler=scheduler, metric="loss", mode="min")
    trials = hs.Study.load(db, "asha").trials
    assert len(trials) == 8 and all(t.state is hs.TrialState.COMPLETE for t in trials)
    lengths = sorted(len(t.intermediate_values) for t in trials)
    # ASHA stopped some early and let at least one run all 8 iterations.
    assert lengths[0] < 8 and lengths[-1] == 8, lengths
    for t in trials:
        last = max(t.intermediate_values)
        assert t.metrics["training_iteration"] == last
        assert t.value == pytest.approx(t.params["x"] + 1.0 / last)
        assert t.intermediate_values[1] == pytest.approx(t.params["x"] + 1.0)


def fails_above_zero(config):
    if config["x"] > 0:
        raise RuntimeError("diverged")
    tune.report({"loss": config["x"] ** 2})


def test_errored_trials_are_failed_and_points_to_evaluate_run_first(db, tmp_path):
    search = _search(db, "errors", 4, -1.0, 1.0, points_to_evaluate=[{"x": 0.5}, {"x": -0.5}])
    results = _fit(fails_above_zero, search, tmp_path, 4, max_concurrent_trials=1)
    assert len(results.errors) == sum(1 for t in hs.Study.load(db, "errors").trials if t.params["x"] > 0)
    trials = hs.Study.load(db, "errors").trials
    assert [t.params["x"] for t in trials[:2]] == [0.5, -0.5]
    for t in trials:
        if t.params["x"] > 0:
            assert t.state is hs.TrialState.FAILED and "raised an error" in (t.message or ""), t
        else:
            assert t.state is hs.TrialState.COMPLETE and t.value == pytest.approx(t.params["x"] ** 2)


def test_save_and_restore_carry_the_running_trials(db, tmp_path):
    first = HyperspaceSearch(
        space="x=float(0,1)", metric="loss", mode="min", storage=db, study_name="saved", seed=5
    )
    a, b = first.suggest("ray-a"), first.suggest("ray-b")
    first.on_trial_result("ray-a", {"loss": 0.4, "training_iteration": 1})
    path = tmp_path / "searcher.pkl"
    first.save(str(path))

    restored = HyperspaceSearch()
    restored.restore(str(path))
    restored.on_trial_result("ray-a", {"loss": 0.3, "training_iteration": 2})
    restored.on_trial_complete("ray-a", {"loss": 0.25, "training_iteration": 3, "done": True})
    restored.on_trial_complete("ray-b", None, error=True)
    # A third suggestion continues the numbering of the same study.
    assert restored.suggest("ray-c") is not None

    trials = hs.Study.load(db, "saved").trials
    assert [t.user_attrs["ray.trial_id"] for t in trials] == ["ray-a", "ray-b", "ray-c"]
    assert trials[0].params == a and trials[1].params == b
    assert trials[0].state is hs.TrialState.COMPLETE and trials[0].value == 0.25
    assert trials[0].intermediate_values == {1: 0.4, 2: 0.3, 3: 0.25}
    assert trials[1].state is hs.TrialState.FAILED
    assert trials[2].state is hs.TrialState.RUNNING

    # Pickled (as Ray's experiment state pickles it) it travels the same way.
    again = pickle.loads(pickle.dumps(restored))
    again.on_trial_complete("ray-c", {"loss": 0.5, "training_iteration": 1})
    assert hs.Study.load(db, "saved").trials[2].state is hs.TrialState.COMPLETE
    # A result without the metric fails the trial, saying so.
    again.suggest("ray-d")
    again.on_trial_complete("ray-d", {"other": 1.0})
    last = hs.Study.load(db, "saved").trials[3]
    assert last.state is hs.TrialState.FAILED and "without a finite 'loss'" in (last.message or "")


_SAVED_THEN_KILLED = '''
import os
import sys
import hyperspace as hs
from hyperspace.integration.ray import HyperspaceSearch

db, path = sys.argv[1], sys.argv[2]
first = HyperspaceSearch(
    space={"x": hs.Float(0.0, 1.0)}, metric="loss", mode="min", storage=db, study_name="orphans", seed=7
)
first.suggest("ray-a")
first.save(path)
# Asked after the save, and one step reported: then the driver dies.
first.suggest("ray-b")
first.on_trial_result("ray-b", {"loss": 0.9, "training_iteration": 1})
first.suggest("ray-c")
os._exit(0)
'''


def test_trials_asked_after_the_last_save_go_back_to_the_queue(db, tmp_path):
    """The driver was killed after the searcher's last save: the restored
    searcher puts the trials asked after it back in the queue (curves
    cleared), so Ray's next trials run them; the saved one keeps its Ray
    trial; another Tuner's running trial on the study is left alone."""
    import subprocess

    neighbour = _search(db, "orphans", 7, 0.0, 1.0)
    theirs = neighbour.suggest("ray-n")
    script, path = tmp_path / "driver.py", tmp_path / "searcher.pkl"
    script.write_text(_SAVED_THEN_KILLED)
    subprocess.run([sys.executable, str(script), db, str(path)], check=True)
    before = {t.user_attrs["ray.trial_id"]: t for t in hs.Study.load(db, "orphans").trials}

    restored = HyperspaceSearch()
    restored.restore(str(path))
    assert restored.suggest("ray-d") == before["ray-b"].params
    assert restored.suggest("ray-e") == before["ray-c"].params
    for ray_id in ("ray-a", "ray-d", "ray-e"):
        restored.on_trial_complete(ray_id, {"loss": 0.25, "training_iteration": 2})
    # Ray trial ray-b, had Ray saved it, is not recorded twice: a warning.
    with pytest.warns(RuntimeWarning, match="put back in the queue"):
        restored.on_trial_complete("ray-b", {"loss": 0.5, "training_iteration": 2})
    # Nothing is left over: the next suggestion asks a new trial.
    assert restored.suggest("ray-f") not in (theirs, before["ray-b"].params, before["ray-c"].params)

    trials = hs.Study.load(db, "orphans").trials
    assert [t.user_attrs["ray.trial_id"] for t in trials] == ["ray-n", "ray-a", "ray-d", "ray-e", "ray-f"]
    assert [t.state for t in trials] == [hs.TrialState.RUNNING] + [hs.TrialState.COMPLETE] * 3 + [
        hs.TrialState.RUNNING
    ]
    # The re-run's curve is its own: the killed attempt's step is gone.
    assert trials[2].intermediate_values == {2: 0.25}
    assert trials[0].params == theirs
    neighbour.on_trial_complete("ray-n", {"loss": 0.75, "training_iteration": 1})
    assert hs.Study.load(db, "orphans").trials[0].value == 0.75


def test_a_second_searcher_continues_the_study(db, tmp_path):
    def make():
        return _search(db, "shared", 6, -3.0, 3.0, points_to_evaluate=[{"x": 3.0}])

    _fit(shifted_square, make(), tmp_path, 4, param_space={"offset": 0.0})
    second = make()
    assert len(second.study) == 4
    _fit(shifted_square, second, tmp_path, 3, param_space={"offset": 0.0})
    trials = hs.Study.load(db, "shared").trials
    assert [t.number for t in trials] == list(range(7))
    assert all(t.state is hs.TrialState.COMPLETE for t in trials)
    # The queued point ran once, in the first run only: the second searcher
    # found history and did not queue it again.
    assert [t.params["x"] for t in trials].count(3.0) == 1
    assert len({t.user_attrs["ray.trial_id"] for t in trials}) == 7


_KILLED_DRIVER = '''
import sys
import ray
from ray import tune
import hyperspace as hs
from hyperspace.integration.ray import HyperspaceSearch


def three_steps(config):
    import time
    for _ in range(3):
        time.sleep(0.3)
        tune.report({"loss": (config["x"] - 1.0) ** 2})


db, path = sys.argv[1], sys.argv[2]
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
search = HyperspaceSearch(
    space={"x": hs.Float(-3, 3)}, metric="loss", mode="min", storage=db, study_name="restore", seed=5
)
tune.Tuner(
    three_steps,
    tune_config=tune.TuneConfig(search_alg=search, num_samples=6, max_concurrent_trials=2),
    run_config=tune.RunConfig(storage_path=path, name="exp", verbose=0),
).fit()
'''


def three_steps(config):
    import time

    for _ in range(3):
        time.sleep(0.3)
        tune.report({"loss": (config["x"] - 1.0) ** 2})


def test_a_killed_tuner_restored_finishes_every_trial_once(db, tmp_path):
    """``Tuner.restore`` of an experiment whose driver was killed (SIGKILL,
    mid-trial): the trials that were running finish as the same study
    trials, the finished ones keep their results and are not run again,
    and the study ends with one complete trial per Ray trial."""
    import os
    import signal
    import subprocess
    import time

    script = tmp_path / "driver.py"
    script.write_text(_KILLED_DRIVER)
    path = tmp_path / "ray"
    env = dict(os.environ, TUNE_GLOBAL_CHECKPOINT_S="0")  # Ray saves its state at every step
    driver = subprocess.Popen(
        [sys.executable, str(script), db, str(path)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    before, running, deadline = {}, [], time.monotonic() + 240
    try:
        while time.monotonic() < deadline and driver.poll() is None:
            time.sleep(0.2)
            try:
                trials = hs.Study.load(db, "restore").trials
            except hs.HyperspaceError:
                continue  # not created yet
            done = {t.number: t.value for t in trials if t.state is hs.TrialState.COMPLETE}
            live = [t.number for t in trials if t.state is hs.TrialState.RUNNING]
            if len(done) >= 2 and live:
                before, running = done, live
                break
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    assert before and running, "the driver was killed with trials finished and running"

    results = tune.Tuner.restore(
        str(path / "exp"), trainable=three_steps, resume_unfinished=True, resume_errored=True
    ).fit()
    assert results.num_errors == 0
    trials = hs.Study.load(db, "restore").trials
    assert len(results) == 6
    assert [t.state for t in trials] == [hs.TrialState.COMPLETE] * 6, [(t.number, t.state) for t in trials]
    # Finished before the kill: same results, not run again.
    for number, value in before.items():
        assert trials[number].value == value
    # One study trial per Ray trial, none twice.
    by_id = _by_ray_id(study=hs.Study.load(db, "restore"))
    assert sorted(by_id) == sorted(r.metrics["trial_id"] for r in results)
    for t in trials:
        assert t.value == pytest.approx((t.params["x"] - 1.0) ** 2)
