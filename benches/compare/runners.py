"""One runner per library and method: a quality run (values of `budget`
trials on a problem, from one seed) and a latency measurement (seconds per
ask + tell once `n` trials are in the history). Libraries that are not
installed are reported as unavailable, never installed from here."""

from __future__ import annotations

import importlib.util
import random
import time
from typing import Callable, Dict, List, Optional

from problems import Problem, TreeProblem

Values = List[float]


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Runner:
    """A searcher of one library."""

    library = ""
    method = ""
    needs: tuple = ()
    max_latency_history = 10_000
    # Whether `run` takes trials in flight (an ask/tell interface).
    in_flight_capable = False

    @property
    def label(self) -> str:
        return f"{self.library} {self.method}"

    def supports(self, problem: object) -> bool:
        """Whether this runner can state `problem`: box problems by default;
        runners that can write a tree-shaped space say so."""
        return isinstance(problem, Problem)

    def unavailable(self) -> Optional[str]:
        missing = [m for m in self.needs if not _has(m)]
        return f"not installed: {', '.join(missing)}" if missing else None

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        """Objective values in the order they were told. With `in_flight`
        > 1 only the ask/tell runners (hyperspace, Optuna) take part; see
        `in_flight_loop`."""
        raise NotImplementedError

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        raise NotImplementedError


def _random_history(problem: Problem, n: int, seed: int) -> List[Dict[str, float]]:
    rng = random.Random(seed)
    return [{name: rng.uniform(lo, hi) for name, (lo, hi) in zip(problem.names, problem.bounds)} for _ in range(n)]


def _point(problem: Problem, params: Dict[str, float]) -> List[float]:
    return [params[n] for n in problem.names]


def in_flight_loop(ask: Callable[[], object], tell: Callable[[object], float], budget: int, in_flight: int, seed: int) -> Values:
    """What `in_flight` workers sharing a study do, reproducibly: ask
    `in_flight` trials before telling any; then, repeatedly, one of those in
    flight, drawn from a stream seeded by `seed` (not the searcher's), is
    evaluated and told, and a new one asked in its place, until `budget`
    trials are told. `tell` evaluates and tells a trial and returns its value.
    The same protocol as `hyperspace-bench run --parallel` (another random
    stream, so not the same arrival order)."""
    arrivals = random.Random(seed * 7919 + in_flight)
    pending: List[object] = []
    asked = 0
    values: Values = []
    while asked < budget or pending:
        while len(pending) < in_flight and asked < budget:
            pending.append(ask())
            asked += 1
        trial = pending.pop(arrivals.randrange(len(pending)))
        values.append(tell(trial))
    return values


def tree_loop(problem: TreeProblem, ask: Callable[[], tuple], tell_study: Callable[[object, float], object],
              budget: int, in_flight: int, seed: int) -> Values:
    """`in_flight_loop` for a tree-shaped problem: `ask` returns a trial and
    its parameters, `tell_study(trial, value)` records the value."""

    def tell(asked) -> float:
        trial, params = asked
        value = problem(params)
        tell_study(trial, value)
        return value

    return in_flight_loop(ask, tell, budget, in_flight, seed)


# ---- hyperspace --------------------------------------------------------------


class Hyperspace(Runner):
    library = "hyperspace"
    needs = ("hyperspace",)
    in_flight_capable = True

    def __init__(
        self, method: str, storage: str = ":memory:", settings: Optional[dict] = None, define_and_run: bool = False
    ) -> None:
        self.method = method
        if storage != ":memory:":
            self.method += " (sqlite)"
        if define_and_run:
            self.method += " (define-and-run)"
        self.searcher = method
        self.storage = storage
        self.settings = settings
        self.define_and_run = define_and_run

    def unavailable(self) -> Optional[str]:
        missing = super().unavailable()
        if missing:
            return missing
        import hyperspace as hs

        if self.searcher not in hs.searchers():
            return f"searcher '{self.searcher}' not in this build"
        return None

    def _space(self, problem: Problem):
        import hyperspace as hs

        return {n: hs.Float(lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)}

    def _storage(self, tag: str) -> str:
        if self.storage == ":memory:":
            return self.storage
        import os
        import tempfile

        path = os.path.join(tempfile.mkdtemp(prefix="hs-compare-"), f"{tag}.db")
        return path

    def supports(self, problem: object) -> bool:
        return True

    def _run_tree(self, problem: TreeProblem, seed: int, budget: int, in_flight: int) -> Values:
        """Define-by-run, as users write it (the branch's parameters are
        suggested inside an `if`), or given the `Choice` tree."""
        import hyperspace as hs

        space = problem.hyperspace_space() if self.define_and_run else None
        study = hs.Study.create(
            self._storage("run"), f"{problem.name}-{seed}", space=space,
            searcher=self.searcher, searcher_settings=self.settings, seed=seed,
        )

        def ask():
            trial = study.ask()
            return trial, (dict(trial.params) if self.define_and_run else problem.suggest(trial))

        return tree_loop(problem, ask, study.tell, budget, in_flight, seed)

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        import hyperspace as hs

        if isinstance(problem, TreeProblem):
            return self._run_tree(problem, seed, budget, in_flight)
        study = hs.Study.create(
            self._storage("run"), f"{problem.name}-{seed}", space=self._space(problem),
            searcher=self.searcher, searcher_settings=self.settings, seed=seed,
        )

        def tell(trial) -> float:
            value = problem(_point(problem, trial.params))
            study.tell(trial, value)
            return value

        return in_flight_loop(study.ask, tell, budget, in_flight, seed)

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        import hyperspace as hs

        # Define-by-run, as with Optuna: the study learns the space from the
        # suggestions (or, define-and-run, is given it); the history is
        # queued configurations, told at once.
        space = self._space(problem) if self.define_and_run else None
        study = hs.Study.create(self._storage("lat"), "latency", searcher=self.searcher,
                                searcher_settings=self.settings, seed=seed, space=space)
        for params in _random_history(problem, history, seed):
            study.enqueue(params)
            trial = study.ask()
            study.tell(trial, problem(_point(problem, params)))

        def cycle() -> None:
            trial = study.ask()
            if self.define_and_run:
                x = _point(problem, trial.params)
            else:
                x = [trial.suggest_float(n, lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)]
            study.tell(trial, problem(x))

        # Warm up as the other runners do, so every library is timed in the
        # same state (its model fitted once): define-by-run, the first
        # suggestion only teaches the study its space (a random point), so
        # the first model-based ask, with its cold hyperparameter fit, is the
        # second one. Optuna's one warm-up cycle is its first GP fit.
        cycle()
        if not self.define_and_run:
            cycle()
        start = time.perf_counter()
        for _ in range(repeats):
            cycle()
        return (time.perf_counter() - start) / repeats


# ---- Optuna ----------------------------------------------------------------------


class Optuna(Runner):
    library = "optuna"
    needs = ("optuna",)
    in_flight_capable = True

    def __init__(self, method: str) -> None:
        self.method = method
        if method == "gp":
            self.needs = ("optuna", "torch", "scipy")
            self.max_latency_history = 1_000
        if method.startswith("cmaes"):
            self.needs = ("optuna", "cmaes")

    def _sampler(self, seed: int, in_flight: int = 1):
        import optuna

        return {
            # With trials in flight, TPE counts running trials as bad
            # (constant liar), as Optuna recommends for parallel workers.
            "tpe": lambda: optuna.samplers.TPESampler(seed=seed, constant_liar=in_flight > 1),
            "gp": lambda: optuna.samplers.GPSampler(seed=seed),
            "random": lambda: optuna.samplers.RandomSampler(seed=seed),
            # Default settings, as a user gets it; needs the `cmaes`
            # package. (Its `restart_strategy="ipop"` is ignored since
            # Optuna 4.4: the `cmaes ipop` runner below restarts.)
            "cmaes": lambda: optuna.samplers.CmaEsSampler(seed=seed),
        }[self.method]()

    def _study(self, seed: int, in_flight: int = 1):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return optuna.create_study(sampler=self._sampler(seed, in_flight))

    def supports(self, problem: object) -> bool:
        return True

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        study = self._study(seed, in_flight)
        if isinstance(problem, TreeProblem):
            tree = problem

            def ask_tree():
                trial = study.ask()
                return trial, tree.suggest(trial)

            return tree_loop(tree, ask_tree, study.tell, budget, in_flight, seed)
        if in_flight > 1:
            # Define-by-run as with one worker: each trial suggests its
            # parameters when asked, so later asks see them running.
            def ask():
                trial = study.ask()
                x = [trial.suggest_float(n, lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)]
                return trial, x

            def tell(asked) -> float:
                trial, x = asked
                v = problem(x)
                study.tell(trial, v)
                return v

            return in_flight_loop(ask, tell, budget, in_flight, seed)
        values: Values = []

        def objective(trial) -> float:
            x = [trial.suggest_float(n, lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)]
            v = problem(x)
            values.append(v)
            return v

        study.optimize(objective, n_trials=budget)
        return values

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        import optuna

        study = self._study(seed)
        dists = {n: optuna.distributions.FloatDistribution(lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)}
        study.add_trials(
            [
                optuna.trial.create_trial(params=p, distributions=dists, value=problem(_point(problem, p)))
                for p in _random_history(problem, history, seed)
            ]
        )

        def cycle() -> None:
            trial = study.ask()
            x = [trial.suggest_float(n, lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)]
            study.tell(trial, problem(x))

        cycle()  # warm-up: lazy imports and caches
        start = time.perf_counter()
        for _ in range(repeats):
            cycle()
        return (time.perf_counter() - start) / repeats


# ---- cmaes (the package Optuna's CmaEsSampler is built on) -----------------------


class CmaesPackage(Runner):
    """`cmaes.CMA` driven directly, generation by generation, started at the
    centre of the box with sigma a sixth of the smallest range (Optuna's
    defaults), restarted IPOP-style (random mean, population doubled) when
    `should_stop()` says so. Values past the budget are not evaluated."""

    library = "cmaes"
    method = "ipop"
    needs = ("cmaes", "numpy")

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        import numpy as np
        from cmaes import CMA

        bounds = np.array(problem.bounds, dtype=float)
        rng = np.random.default_rng(seed)
        sigma = float(np.min(bounds[:, 1] - bounds[:, 0])) / 6.0
        mean = bounds.mean(axis=1)
        popsize = None
        values: Values = []
        while len(values) < budget:
            opt = CMA(mean=mean, sigma=sigma, bounds=bounds, seed=int(rng.integers(2**31)), population_size=popsize)
            while len(values) < budget and not opt.should_stop():
                told = []
                for _ in range(opt.population_size):
                    x = opt.ask()
                    if len(values) < budget:
                        v = problem(list(x))
                        values.append(v)
                    else:
                        v = float("inf")
                    told.append((x, v))
                opt.tell(told)
            popsize = opt.population_size * 2
            mean = bounds[:, 0] + rng.random(len(bounds)) * (bounds[:, 1] - bounds[:, 0])
        return values

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        raise NotImplementedError


# ---- Hyperopt --------------------------------------------------------------------


class Hyperopt(Runner):
    library = "hyperopt"
    method = "tpe"
    needs = ("hyperopt",)

    def supports(self, problem: object) -> bool:
        return True

    def _space(self, problem: Problem):
        from hyperopt import hp

        return {n: hp.uniform(n, lo, hi) for n, (lo, hi) in zip(problem.names, problem.bounds)}

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        if in_flight != 1:
            raise ValueError(f"{self.label} runs one trial at a time")
        import numpy as np
        from hyperopt import Trials, fmin, tpe

        values: Values = []

        def objective(params: Dict[str, float]) -> float:
            if isinstance(problem, TreeProblem):
                v = problem(problem.from_hyperopt(params))
            else:
                v = problem(_point(problem, params))
            values.append(v)
            return v

        space = problem.hyperopt_space() if isinstance(problem, TreeProblem) else self._space(problem)
        fmin(objective, space, algo=tpe.suggest, max_evals=budget, trials=Trials(),
             rstate=np.random.default_rng(seed), show_progressbar=False)
        return values

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        import numpy as np
        from hyperopt import Trials, fmin, rand, tpe

        trials = Trials()
        objective: Callable[[Dict[str, float]], float] = lambda p: problem(_point(problem, p))  # noqa: E731
        # The history: random points through hyperopt's own loop (it has no
        # bulk insert); then the timed TPE suggestions continue that loop.
        fmin(objective, self._space(problem), algo=rand.suggest, max_evals=history, trials=trials,
             rstate=np.random.default_rng(seed), show_progressbar=False)
        fmin(objective, self._space(problem), algo=tpe.suggest, max_evals=history + 1, trials=trials,
             rstate=np.random.default_rng(seed + 1), show_progressbar=False)  # warm-up
        start = time.perf_counter()
        fmin(objective, self._space(problem), algo=tpe.suggest, max_evals=history + 1 + repeats, trials=trials,
             rstate=np.random.default_rng(seed + 2), show_progressbar=False)
        return (time.perf_counter() - start) / repeats


# ---- scikit-optimize -------------------------------------------------------------


class Skopt(Runner):
    library = "skopt"
    method = "gp"
    needs = ("skopt",)
    max_latency_history = 1_000

    def _optimizer(self, problem: Problem, seed: int):
        from skopt import Optimizer

        # gp_minimize's settings: GP with gp_hedge, 10 initial random points.
        return Optimizer(list(problem.bounds), base_estimator="GP", acq_func="gp_hedge",
                         n_initial_points=10, random_state=seed)

    def run(self, problem: Problem, seed: int, budget: int, in_flight: int = 1) -> Values:
        if in_flight != 1:
            raise ValueError(f"{self.label} runs one trial at a time")
        opt = self._optimizer(problem, seed)
        values: Values = []
        for _ in range(budget):
            x = opt.ask()
            v = problem(x)
            opt.tell(x, v)
            values.append(v)
        return values

    def latency(self, problem: Problem, history: int, repeats: int, seed: int) -> float:
        opt = self._optimizer(problem, seed)
        points = [_point(problem, p) for p in _random_history(problem, history, seed)]
        opt.tell(points, [problem(x) for x in points])
        x = opt.ask()
        opt.tell(x, problem(x))  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            x = opt.ask()
            opt.tell(x, problem(x))
        return (time.perf_counter() - start) / repeats


def all_runners() -> List[Runner]:
    return [
        Hyperspace("tpe"),
        Hyperspace("tpe", define_and_run=True),
        Hyperspace("gp"),
        Hyperspace("gp", define_and_run=True),
        Hyperspace("auto"),
        Hyperspace("random"),
        Hyperspace("cmaes"),
        Optuna("tpe"),
        Optuna("gp"),
        Optuna("random"),
        Optuna("cmaes"),
        CmaesPackage(),
        Hyperopt(),
        Skopt(),
    ]


def latency_runners() -> List[Runner]:
    # The bare `cmaes` package has no study to ask: no latency row.
    runners = [r for r in all_runners() if not isinstance(r, CmaesPackage)]
    runners.insert(1, Hyperspace("tpe", define_and_run=True))
    runners.insert(2, Hyperspace("tpe", storage="sqlite"))
    return runners
