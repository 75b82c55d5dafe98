"""Ray Tune on a hyperspace study: :class:`HyperspaceSearch` is a Ray Tune
``Searcher`` whose suggestions come from a hyperspace study (TPE, GP,
CMA-ES, ... with the study's whole history), and whose results go back
into it::

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    import hyperspace as hs
    from hyperspace.integration.ray import HyperspaceSearch

    search = HyperspaceSearch(
        space={"lr": hs.Float(1e-5, 1e-1, log=True), "layers": tune.randint(1, 9)},
        metric="loss", mode="min", storage="runs.db", study_name="resnet", seed=1,
    )
    tuner = tune.Tuner(train, tune_config=tune.TuneConfig(
        search_alg=search, scheduler=ASHAScheduler(), num_samples=50))
    tuner.fit()

Why Ray Tune drives and hyperspace proposes (and not the other way round,
hyperspace's own ``optimize`` sending trials to Ray as tasks): a Ray Tune
user's code is a trainable that calls ``tune.report`` inside a loop run by
Ray's actors, with Ray's schedulers (ASHA, PBT) stopping, pausing and
cloning trials, Ray's checkpoints, fault tolerance, resources per trial
and experiment restore. A searcher plugs into all of that unchanged: the
user swaps one argument (``search_alg=``) and keeps the rest of their Ray
code, while the study gets every trial, learning curve and result, to
query, plot, resume or continue from another tool (``hyperspace worker``,
``study.optimize``). Hyperspace's ``optimize(client=...)`` on a Ray
executor would ask Ray users to rewrite trainables as hyperspace
objectives and give up Ray's schedulers; ``study.optimize(executor=...)``
remains for those who want hyperspace's loop on a pool.

How Ray's events map onto the study:

* ``suggest`` asks the study for a trial (a queued one first) and hands
  Ray its parameters; the trial records Ray's trial id as user attribute
  ``ray.trial_id``.
* ``on_trial_result`` records the metric at ``training_iteration`` as an
  intermediate value (a learning curve; ``report_intermediate=False``
  turns that off).
* ``on_trial_complete`` finishes the trial: complete with the metric of the
  last result (and metric ``training_iteration``, which tells a trial a
  scheduler such as ASHA stopped early from one that ran its course: Ray
  reports both as done, so both are complete, as in Ray's own searchers);
  failed when the trainable raised or its last result has no finite
  metric.
* ``save`` / ``restore`` (and so ``Tuner.restore``) keep only which Ray
  trial is which study trial: everything else is in the study's storage.
  The restored searcher takes over the lease of a trial Ray was running
  when Ray first reports on it again. A trial asked after the searcher's
  last saved state (the driver was killed between a ``suggest`` and the
  next save) is put back in the study's queue at the restored searcher's
  first ``suggest``, its curve cleared, so the next ``ask`` hands it out
  again rather than leaving it running. Such a trial is told apart by the
  searcher that asked it (user attribute ``ray.searcher``, a token kept
  in the saved state) and the host and process that asked it, so another
  Tuner's trials, and copies other workers run, are never taken. In the
  one window where Ray saved a trial and the searcher did not (between
  Ray's two files), that Ray trial's results are not recorded: its
  configuration runs again as a study trial of its own.
"""

from __future__ import annotations

import math
import os
import pickle
import socket
import uuid
import warnings
from typing import Any, Dict, Mapping, Optional, Set, Tuple, Union

try:
    from ray.tune.search import Searcher
    from ray.tune.search.sample import Categorical as _RayCategorical
    from ray.tune.search.sample import Domain
    from ray.tune.search.sample import Float as _RayFloat
    from ray.tune.search.sample import Integer as _RayInteger
    from ray.tune.search.sample import LogUniform, Quantized, Uniform
    from ray.tune.search.variant_generator import parse_spec_vars
    from ray.tune.utils.util import flatten_dict, unflatten_dict
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hyperspace.integration.ray needs Ray Tune; install it with pip install 'ray[tune]'"
    ) from e

from ..distributions import Categorical, Distribution, Float, Int, Space, SpaceLike
from ..errors import SearcherExhaustedError, TrialFinishedError
from ..study import Study
from ..trial import Trial, TrialState

__all__ = ["HyperspaceSearch", "from_ray"]

#: The user attribute naming the Ray trial a study trial ran as.
RAY_TRIAL_ATTR = "ray.trial_id"

#: The user attribute naming the searcher (one Tuner's experiment, across
#: restores) that asked a study trial.
RAY_SEARCHER_ATTR = "ray.searcher"

_DIRECTIONS = {"min": "minimize", "max": "maximize"}

#: Joins the keys of a nested ``param_space`` into one parameter name.
_NEST = "."


class HyperspaceSearch(Searcher):
    """A Ray Tune searcher backed by hyperspace study ``study_name`` in
    ``storage``; use it as ``tune.TuneConfig(search_alg=...)``.

    Args:
        space: the parameters, as for :meth:`hyperspace.Study.ask`
            (:class:`hyperspace.Space`, compact text, a dict of hyperspace
            distributions) where a dict may also hold Ray's
            ``tune.uniform/quniform/loguniform/randint/qrandint/
            lograndint/choice``. Without it, the space is read from the
            Tuner's ``param_space`` (Ray's distributions; nested dicts
            become ``outer.inner`` parameters, handed
            back nested; constants stay Ray's).
        metric, mode: the reported metric to optimize, ``"min"`` or
            ``"max"`` (or give them to ``tune.TuneConfig`` with a
            ``param_space``).
        storage: the study's storage: a SQLite file, a PostgreSQL URL, or
            ``":memory:"`` (then ``save``/``restore`` cannot bring its
            history back).
        study_name: the study; opened if it exists (its searcher, seed and
            history are kept, and it continues from them), else created.
        seed: the seed of a new study.
        searcher: the hyperspace searcher of a new study (``None``: the
            default, ``"auto"``; or ``"tpe"``, ``"gp"``, ``"random"``, ...)
            and ``searcher_settings`` its settings.
        points_to_evaluate: configurations to run first (queued in a study
            without trials).
        report_intermediate: record each result's metric as an
            intermediate value (one write per result).
    """

    def __init__(
        self,
        space: Optional[SpaceLike] = None,
        metric: Optional[str] = None,
        mode: Optional[str] = None,
        *,
        storage: Union[str, "os.PathLike[str]"] = "hyperspace.db",
        study_name: str = "ray",
        seed: Optional[int] = None,
        searcher: Optional[str] = None,
        searcher_settings: Optional[Mapping[str, Any]] = None,
        points_to_evaluate: Optional[list] = None,
        report_intermediate: bool = True,
    ) -> None:
        _check_metric(metric, mode)
        super().__init__(metric=metric, mode=mode)
        self._space: Optional[Space] = None if space is None else from_ray(space)
        self._storage = os.fspath(storage)
        self._study_name = study_name
        self._seed = seed
        self._searcher = searcher
        self._searcher_settings = None if searcher_settings is None else dict(searcher_settings)
        self._points = [dict(p) for p in points_to_evaluate or []]
        self._report = bool(report_intermediate)
        self._study: Optional[Study] = None
        #: The study trials Ray is running, by Ray trial id.
        self._live: Dict[str, Trial] = {}
        #: This searcher across saves and restores (see ``RAY_SEARCHER_ATTR``).
        self._token = uuid.uuid4().hex
        #: After a restore: the study trials Ray was running, by Ray trial
        #: id, not yet heard from again (their leases are taken over then).
        self._saved_live: Dict[str, int] = {}
        #: After a restore: the host and process that asked the trials of
        #: the saved state, until the trials it asked after the save are
        #: put back in the queue (at the first ``suggest``).
        self._restored_from: Optional[Tuple[str, int]] = None
        #: Ray trial ids whose study trial went back to the queue on restore.
        self._requeued: Set[str] = set()
        #: Whether the space came from a nested ``param_space``: its
        #: ``outer.inner`` parameters go back to Ray as nested dicts.
        self._nested = False

    # ---- Ray's Searcher interface ----------------------------------------

    def set_search_properties(self, metric: Optional[str], mode: Optional[str], config: Dict, **spec: Any) -> bool:
        """Takes ``metric``/``mode`` from ``tune.TuneConfig`` and the space
        from the Tuner's ``param_space``; ``False`` (Ray then raises) when
        ``param_space`` has distributions and this searcher a space."""
        if self._study is not None:
            return False
        _check_metric(metric, mode)
        for name, ours, theirs in (("metric", self._metric, metric), ("mode", self._mode, mode)):
            if ours is not None and theirs is not None and ours != theirs:
                raise ValueError(
                    f"HyperspaceSearch has {name}={ours!r} but the TuneConfig says {name}={theirs!r}; give it once"
                )
        found = _space_of_config(config or {})
        if found and self._space is not None:
            return False
        if found:
            self._space = Space(found)
            self._nested = any(_NEST in name for name in found)
        self._metric = self._metric or metric
        self._mode = self._mode or mode
        return True

    def suggest(self, trial_id: str) -> Optional[Union[Dict[str, Any], str]]:
        study = self.study
        self._requeue_unsaved()
        try:
            trial = study.ask()
        except SearcherExhaustedError:
            return Searcher.FINISHED
        trial.set_user_attr(RAY_SEARCHER_ATTR, self._token)
        trial.set_user_attr(RAY_TRIAL_ATTR, trial_id)
        self._live[trial_id] = trial
        params = dict(trial.params)
        return unflatten_dict(params, delimiter=_NEST) if self._nested else params

    def on_trial_result(self, trial_id: str, result: Dict) -> None:
        trial = self._live.get(trial_id)
        if trial is None:
            trial = self._resume(trial_id)
            if trial is None:
                return
            self._live[trial_id] = trial
        self._record_step(trial, result)

    def on_trial_complete(self, trial_id: str, result: Optional[Dict] = None, error: bool = False) -> None:
        trial = self._live.pop(trial_id, None) or self._resume(trial_id)
        if trial is None:
            return
        study = self.study
        # Ray hands the result that ended a trial (its last, or the one a
        # scheduler stopped it on) here only, not to on_trial_result.
        if result is not None and not error:
            self._record_step(trial, result)
        value = None if result is None else _number(result.get(self._metric))
        try:
            if error:
                study.tell(trial, state=TrialState.FAILED, message=f"Ray trial {trial_id} raised an error")
            elif value is None:
                shown = None if result is None else result.get(self._metric)
                study.tell(
                    trial,
                    state=TrialState.FAILED,
                    message=f"Ray trial {trial_id} ended without a finite '{self._metric}' (last: {shown!r})",
                )
            else:
                # A trial a scheduler (ASHA) stopped early is complete too,
                # with its last value, as in Ray's own searchers: Ray marks
                # it done and does not say why. Its iteration count is kept
                # to tell it from one that ran its course.
                metrics = None
                iteration = _number(result.get("training_iteration")) if result is not None else None
                if iteration is not None:
                    metrics = {"training_iteration": iteration}
                study.tell(trial, value, metrics=metrics)
        except TrialFinishedError as e:
            # Its lease ran out while Ray was not heard from (a driver
            # stopped and restored): the study failed it meanwhile.
            warnings.warn(f"Ray trial {trial_id}: {e}", RuntimeWarning, stacklevel=2)

    def _record_step(self, trial: Trial, result: Dict) -> None:
        """The result's metric as the trial's intermediate value at its
        ``training_iteration`` (a step told twice keeps the later value)."""
        if not self._report:
            return
        value, step = _number(result.get(self._metric)), result.get("training_iteration")
        if value is not None and isinstance(step, int) and not isinstance(step, bool) and step >= 0:
            try:
                trial.report(step, value)
            except TrialFinishedError:
                # A restored experiment re-running a trial the study already
                # finished (after Ray's last saved state): the study keeps
                # its result; the repeat is not recorded.
                pass

    def get_state(self) -> Dict[str, Any]:
        """What ``save`` keeps: where the study is, how to reopen it, and
        which study trial each running Ray trial is."""
        return {
            "space": None if self._space is None else self._space.to_json(),
            "metric": self._metric,
            "mode": self._mode,
            "storage": self._storage,
            "study_name": self._study_name,
            "seed": self._seed,
            "searcher": self._searcher,
            "searcher_settings": self._searcher_settings,
            "points_to_evaluate": self._points,
            "report_intermediate": self._report,
            "nested": self._nested,
            "token": self._token,
            "driver": [socket.gethostname(), os.getpid()],
            "live": {**self._saved_live, **{ray_id: trial.id for ray_id, trial in self._live.items()}},
        }

    def set_state(self, state: Dict[str, Any]) -> None:
        space = state["space"]
        self._space = None if space is None else Space(space) if isinstance(space, str) else Space.from_json(space)
        self._metric, self._mode = state["metric"], state["mode"]
        self._storage, self._study_name = state["storage"], state["study_name"]
        self._seed, self._searcher = state["seed"], state["searcher"]
        self._searcher_settings = state["searcher_settings"]
        self._points, self._report = state["points_to_evaluate"], state["report_intermediate"]
        self._nested = state["nested"]
        # A state saved before searchers had tokens: its trials are not
        # told apart from other Tuners', so none goes back to the queue.
        self._token = state.get("token") or uuid.uuid4().hex
        driver = state.get("driver")
        self._restored_from = (str(driver[0]), int(driver[1])) if "token" in state and driver else None
        # Nothing is read from the study here: Ray unpickles searchers
        # before it hands them their metric and mode.
        self._study = None
        self._live, self._requeued = {}, set()
        self._saved_live = dict(state["live"])

    def _resume(self, ray_id: str) -> Optional[Trial]:
        """The study trial of a Ray trial of the saved state, heard from
        again: its lease is kept from here on (one given up meanwhile,
        silent past its lease, still takes its late result). ``None`` for a
        Ray trial the searcher does not know."""
        trial_id = self._saved_live.pop(ray_id, None)
        if trial_id is None:
            if ray_id in self._requeued:
                warnings.warn(
                    f"Ray trial {ray_id} ran a configuration the restored searcher had put back in the "
                    "queue (the driver was killed between Ray's save and the searcher's); its results "
                    "are not recorded, the configuration runs as a study trial of its own",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return None
        study = self.study
        try:
            return study._take_over(trial_id)
        except TrialFinishedError:
            return Trial(study, study.trial(trial_id))

    def _requeue_unsaved(self) -> None:
        """Once after a restore: the running trials this searcher's driver
        asked after its last saved state (Ray never ran them, or only
        briefly) go back to the queue, their curves cleared, so that
        ``ask`` hands them out again instead of leaving them running.
        Only this searcher's (its token), asked by that host and process
        (not a copy another worker runs), and not in the saved state."""
        if self._restored_from is None:
            return
        host, pid = self._restored_from
        self._restored_from = None
        if (host, pid) == (socket.gethostname(), os.getpid()):
            return  # restored in the process that saved it: nothing was killed
        study = self.study
        # The saved state's trials, those Ray has reported on since too.
        saved = set(self._saved_live.values()) | {trial.id for trial in self._live.values()}
        for t in study.get_trials(states=[TrialState.RUNNING]):
            if (
                t.user_attrs.get(RAY_SEARCHER_ATTR) != self._token
                or t.metadata.get("host") != host
                or t.metadata.get("pid") != pid
                or t.id in saved
            ):
                continue
            try:
                study.requeue(t.id)
            except TrialFinishedError:
                continue  # told or given up meanwhile: its copy is queued
            ray_id = t.user_attrs.get(RAY_TRIAL_ATTR)
            if isinstance(ray_id, str):
                self._requeued.add(ray_id)

    def save(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "wb") as f:
            pickle.dump(self.get_state(), f)

    def restore(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "rb") as f:
            self.set_state(pickle.load(f))

    # Ray pickles searchers (Tuner's experiment state): travel as the state.
    def __getstate__(self) -> Dict[str, Any]:
        return self.get_state()

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._study, self._live = None, {}
        self.set_state(state)

    # ---- the study -------------------------------------------------------

    @property
    def study(self) -> Study:
        """The study behind this searcher, opened (or created) on first use."""
        if self._study is None:
            self._study = self._open()
        return self._study

    def _open(self) -> Study:
        if self._metric is None or self._mode is None:
            raise ValueError(
                "HyperspaceSearch needs metric= and mode= (give them to HyperspaceSearch, "
                "or to tune.TuneConfig together with a param_space)"
            )
        if self._space is None:
            raise ValueError(
                "HyperspaceSearch has no search space: give space= to HyperspaceSearch, "
                "or a param_space with tune.uniform/choice/... to the Tuner"
            )
        study = Study.open(
            self._storage,
            self._study_name,
            direction=_DIRECTIONS[self._mode],
            searcher=self._searcher,
            searcher_settings=self._searcher_settings,
            space=self._space,
            seed=self._seed,
        )
        if self._points and len(study) == 0:
            for point in self._points:
                study.enqueue(flatten_dict(point, delimiter=_NEST) if self._nested else point)
        return study


def from_ray(space: SpaceLike) -> Space:
    """A hyperspace :class:`~hyperspace.Space` from one that may hold Ray
    Tune distributions (``tune.uniform`` and the like) beside hyperspace's."""
    if isinstance(space, (Space, str)) or not isinstance(space, Mapping):
        return Space(space)
    return Space({name: _distribution(name, d) if isinstance(d, Domain) else d for name, d in space.items()})


def _space_of_config(config: Mapping[str, Any]) -> Dict[str, Distribution]:
    """The distributions of a Tuner's ``param_space``, flattened
    (``{"a": {"b": d}}`` becomes ``"a.b"``: hyperspace's names take no
    ``/``); constants are left to Ray."""
    _, _, grid = parse_spec_vars(dict(config))
    if grid:
        names = ", ".join("/".join(map(str, path)) for path, _ in grid)
        raise ValueError(
            f"param_space has tune.grid_search ({names}); HyperspaceSearch does not expand grids: "
            "give a hyperspace space with searcher='grid' instead"
        )
    flat = flatten_dict(dict(config), delimiter=_NEST, prevent_delimiter=True)
    return {name: _distribution(name, d) for name, d in flat.items() if isinstance(d, Domain)}


def _distribution(name: str, domain: Domain) -> Distribution:
    """One Ray Tune distribution as hyperspace's; those without one
    (normal, sample_from, quantized log scales) are refused by name."""
    sampler = domain.get_sampler()
    step = None
    if isinstance(sampler, Quantized):
        step, sampler = sampler.q, sampler.get_sampler()
    log = isinstance(sampler, LogUniform)
    if isinstance(domain, _RayCategorical):
        return Categorical(list(domain.categories))
    if isinstance(domain, (_RayFloat, _RayInteger)) and isinstance(sampler, (Uniform, LogUniform)):
        if log and step is not None:
            raise ValueError(f"parameter '{name}': hyperspace has no quantized log scale ({domain!r})")
        if isinstance(domain, _RayFloat):
            return Float(domain.lower, domain.upper, log=log, step=step)
        # randint's upper bound is exclusive, qrandint's inclusive.
        high = domain.upper if step is not None else domain.upper - 1
        return Int(int(domain.lower), int(high), log=log, step=int(step or 1))
    raise ValueError(
        f"parameter '{name}': {type(domain).__name__} with {type(sampler).__name__} sampling has no "
        "hyperspace counterpart; use tune.uniform/quniform/loguniform/randint/qrandint/lograndint/choice "
        "or a hyperspace distribution"
    )


def _check_metric(metric: Any, mode: Any) -> None:
    if metric is not None and not isinstance(metric, str):
        raise ValueError(f"HyperspaceSearch optimizes one metric (a name), got {metric!r}")
    if mode is not None and mode not in _DIRECTIONS:
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")


def _number(value: Any) -> Optional[float]:
    """A finite number from a result, else ``None``."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
