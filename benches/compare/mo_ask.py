"""One multi-objective GP ask, hyperspace against Optuna's GPSampler, on the
same history, in one process (issue 13's "10x faster" goal).

For each problem a history of N trials is drawn once (uniform random
points from a fixed seed, evaluated by `nsga2.py`'s formulas: normalized
objectives, and constraint values for the constrained ones). The same
trials go into an Optuna study (`add_trials`, constraints where its
GPSampler reads them) and a hyperspace study (`add_trials`, `searcher="gp"`).
Then each library asks define-by-run, as users write it (`ask()` and one
`suggest_float` per parameter), and the trial is told failed, so every ask
sees the same finished trials and nothing pending. One untimed ask warms
both up (each keeps its last kernel fit); printed is the median of `--asks`
timed asks and the ratio. Optuna runs torch on one thread, as ours runs on
one.

Run from the repository root in a scratch venv with Optuna and torch, the
hyperspace package imported from the worktree (built by `maturin develop`):

    OMP_NUM_THREADS=1 PYTHONPATH=bindings/python/python \\
        /tmp/ref-venv/bin/python benches/compare/mo_ask.py --problems zdt1,zdt2,bnh
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings

import optuna
import torch
from optuna.distributions import FloatDistribution

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nsga2 import PROBLEMS  # noqa: E402  (the same formulas as the HV comparison)

import hyperspace as hs  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")
torch.set_num_threads(1)

# Where Optuna's samplers read a trial's constraints.
CONSTRAINTS_KEY = "constraints"


def history(problem, n, seed):
    """`n` uniform random points of `problem`: (params, values, constraints)."""
    bounds, _, f = PROBLEMS[problem]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x = [rng.uniform(lo, hi) for lo, hi in bounds]
        values, c = f(x)
        out.append(({f"x{i}": v for i, v in enumerate(x)}, values, c))
    return out


def median_ask(ask_and_fail, asks):
    ask_and_fail()  # warm-up: the first ask of a fresh sampler fits from scratch
    times = []
    for _ in range(asks):
        start = time.perf_counter()
        ask_and_fail()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def optuna_ask(problem, trials, asks, seed):
    bounds, m, _ = PROBLEMS[problem]
    constrained = bool(trials[0][2])
    sampler = optuna.samplers.GPSampler(
        seed=seed,
        constraints_func=(lambda t: t.system_attrs[CONSTRAINTS_KEY]) if constrained else None,
    )
    study = optuna.create_study(directions=["minimize"] * m, sampler=sampler)
    dists = {f"x{i}": FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    study.add_trials(
        [
            optuna.trial.create_trial(
                params=p,
                distributions=dists,
                values=v,
                system_attrs={CONSTRAINTS_KEY: c} if constrained else None,
            )
            for p, v, c in trials
        ]
    )

    def ask_and_fail():
        t = study.ask()
        for i, (lo, hi) in enumerate(bounds):
            t.suggest_float(f"x{i}", lo, hi)
        study.tell(t, state=optuna.trial.TrialState.FAIL)

    return median_ask(ask_and_fail, asks)


def hyperspace_ask(problem, trials, asks, seed):
    bounds, m, _ = PROBLEMS[problem]
    study = hs.create_study(directions=["minimize"] * m, searcher="gp", seed=seed)
    dists = {f"x{i}": hs.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    study.add_trials(
        [hs.create_trial(params=p, distributions=dists, values=v, constraints=c or None) for p, v, c in trials]
    )

    def ask_and_fail():
        t = study.ask()
        for i, (lo, hi) in enumerate(bounds):
            t.suggest_float(f"x{i}", lo, hi)
        study.tell(t, state="failed")

    return median_ask(ask_and_fail, asks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="zdt1,zdt2,bnh")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--asks", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"| problem | trials | optuna GPSampler s | hyperspace gp s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for problem in args.problems.split(","):
        trials = history(problem, args.trials, args.seed)
        ours = hyperspace_ask(problem, trials, args.asks, args.seed)
        theirs = optuna_ask(problem, trials, args.asks, args.seed)
        print(f"| {problem} | {args.trials} | {theirs:.3f} | {ours:.4f} | {theirs / ours:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
