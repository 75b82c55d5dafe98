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

With `--growing K` the history grows instead, as in a running study:
before each of K timed asks, the next point of the same random history
(N + K points drawn) is told to both libraries with its true values, so
the timed asks see N + 1 ... N + K finished trials and every refit of the
kernel's hyperparameters is counted (ours refits each output every
`refit_growth` of its history, 1 ask in 5 at 100 trials, and extends its
factorisation in between; Optuna's GPSampler refits at every ask, warm
started). Printed are the mean and the median of the K asks.

Run from the repository root in a scratch venv with Optuna and torch, the
hyperspace package imported from the worktree (built by `maturin develop`):

    OMP_NUM_THREADS=1 PYTHONPATH=bindings/python/python \\
        /tmp/ref-venv/bin/python benches/compare/mo_ask.py --problems zdt1,zdt2,bnh
    OMP_NUM_THREADS=1 PYTHONPATH=bindings/python/python \\
        /tmp/ref-venv/bin/python benches/compare/mo_ask.py --problems zdt1,zdt2,bnh --growing 20
"""

import argparse
import json
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


def timed_asks(ask_and_fail, asks, grow=None):
    """Seconds of `asks` asks after an untimed warm-up (the first ask of a
    fresh sampler fits from scratch); with `grow`, `grow(i)` tells the
    i-th extra trial before the i-th timed ask (untimed)."""
    ask_and_fail()
    times = []
    for i in range(asks):
        if grow is not None:
            grow(i)
        start = time.perf_counter()
        ask_and_fail()
        times.append(time.perf_counter() - start)
    return times


def optuna_ask(problem, trials, extra, asks, seed):
    bounds, m, _ = PROBLEMS[problem]
    constrained = bool(trials[0][2])
    sampler = optuna.samplers.GPSampler(
        seed=seed,
        constraints_func=(lambda t: t.system_attrs[CONSTRAINTS_KEY]) if constrained else None,
    )
    study = optuna.create_study(directions=["minimize"] * m, sampler=sampler)
    dists = {f"x{i}": FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(bounds)}

    def made(p, v, c):
        return optuna.trial.create_trial(
            params=p,
            distributions=dists,
            values=v,
            system_attrs={CONSTRAINTS_KEY: c} if constrained else None,
        )

    study.add_trials([made(*t) for t in trials])

    def ask_and_fail():
        t = study.ask()
        for i, (lo, hi) in enumerate(bounds):
            t.suggest_float(f"x{i}", lo, hi)
        study.tell(t, state=optuna.trial.TrialState.FAIL)

    grow = (lambda i: study.add_trial(made(*extra[i]))) if extra else None
    return timed_asks(ask_and_fail, asks, grow)


def hyperspace_ask(problem, trials, extra, asks, seed, settings=None):
    bounds, m, _ = PROBLEMS[problem]
    study = hs.create_study(
        directions=["minimize"] * m, searcher="gp", seed=seed, searcher_settings=settings
    )
    dists = {f"x{i}": hs.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)}

    def made(p, v, c):
        return hs.create_trial(params=p, distributions=dists, values=v, constraints=c or None)

    study.add_trials([made(*t) for t in trials])

    def ask_and_fail():
        t = study.ask()
        for i, (lo, hi) in enumerate(bounds):
            t.suggest_float(f"x{i}", lo, hi)
        study.tell(t, state="failed")

    grow = (lambda i: study.add_trials([made(*extra[i])])) if extra else None
    return timed_asks(ask_and_fail, asks, grow)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="zdt1,zdt2,bnh")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--asks", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--growing",
        type=int,
        default=0,
        metavar="K",
        help="time K asks on a history that grows by one told trial before each (overrides --asks)",
    )
    parser.add_argument("--gp-settings", type=json.loads, default=None, help="our gp's settings (JSON)")
    args = parser.parse_args()
    asks = args.growing or args.asks
    if args.growing:
        print(f"{args.growing} asks, the history growing from {args.trials} trials; mean / median")
    print("| problem | trials | optuna GPSampler s | hyperspace gp s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for problem in args.problems.split(","):
        drawn = history(problem, args.trials + args.growing, args.seed)
        trials, extra = drawn[: args.trials], drawn[args.trials :]
        ours = hyperspace_ask(problem, trials, extra, asks, args.seed, args.gp_settings)
        theirs = optuna_ask(problem, trials, extra, asks, args.seed)
        if args.growing:
            o = (statistics.mean(theirs), statistics.median(theirs))
            h = (statistics.mean(ours), statistics.median(ours))
            print(
                f"| {problem} | {args.trials}-{args.trials + args.growing} | {o[0]:.3f} / {o[1]:.3f} "
                f"| {h[0]:.4f} / {h[1]:.4f} | {o[0] / h[0]:.1f}x / {o[1] / h[1]:.1f}x |",
                flush=True,
            )
        else:
            o, h = statistics.median(theirs), statistics.median(ours)
            print(f"| {problem} | {args.trials} | {o:.3f} | {h:.4f} | {o / h:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
