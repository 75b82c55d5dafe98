"""Multi-objective searchers side by side: hypervolume after N trials of
hyperspace's searchers (`random`, `nsga2`, `tpe`, `gp`, and `tpe-indep`, tpe
with `multivariate: false`) and Optuna's NSGAIISampler (population 50 for
both NSGA-IIs), TPESampler (its defaults, and multivariate) and GPSampler,
on ZDT1–3 (10-D), DTLZ2 and DTLZ7 (3 objectives, 7-D) and the constrained Binh–Korn
(BNH, 2-D) and Osyczka–Kundu (OSY, 6-D). On the constrained ones Optuna's
samplers get `constraints_func`, ours the constraint values.

Objectives are normalized (ZDT: f2 / 10; DTLZ2: each / 2.25, upper bounds on
the unit cube; DTLZ7: f3 / 10; BNH and OSY: by the true front's ideal and nadir points),
reference point 1.1 in each; only feasible trials count, and every
hypervolume is computed here by Optuna's exact `compute_hypervolume`, so all
searchers are scored alike. A run of the largest budget gives every smaller
one (the hypervolume of its first N trials: no searcher here knows the
budget). Prints the median (and min–max) over seeds as Markdown tables,
and with `--ask-time` the seconds of one ask after the largest budget.

Runs are kept in `--cache` (JSON lines), so a table can be rebuilt, or
filled by several invocations. Run from the repository root, in a scratch
venv with optuna (GPSampler needs torch):

    cargo build --release -p hyperspace-benches --example nsga2_runs
    /tmp/ref-venv/bin/python benches/compare/nsga2.py --budgets 100 --seeds 10
"""

import argparse
import json
import math
import os
import subprocess
import time
import warnings
from collections import defaultdict

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume

# Hypervolume of each true front under the same normalization and
# reference 1.1. ZDT1, ZDT2, DTLZ2: 1.1^M minus the part of the box the
# front does not dominate (closed forms). BNH: the exact integral of the
# piecewise-polynomial front (x1 = x2 in [0, 3], then x2 = 3, x1 in [3, 5];
# Deb 2001). ZDT3 and OSY: the exact hypervolume of 4e6 (ZDT3) and 5e6
# (OSY: 1e6 on each of its five segments, Deb 2001) points on the front;
# 1e6 points gave a value smaller by 7e-8 (ZDT3) and 6e-7 (OSY), and adding
# 1e6 (BNH) / 1.3e5 (OSY) random feasible points to the front added nothing.
# DTLZ7: the front is f3(f1, f2) over the unit square (g = 1), so its
# hypervolume is the integral over (z1, z2) of 1.1 minus the least f3 of the
# front points below (z1, z2): on a 6000² grid it lies in [0.802558,
# 0.802615] (lower and upper Riemann sums; the lower sum on a 300² grid
# equals Optuna's exact hypervolume of those 90,601 points to 1e-15).
TRUE_HV = {
    "zdt1": 1.21 - (1 / 3) / 10,
    "zdt2": 1.21 - (2 / 3) / 10,
    "zdt3": 1.22217627,
    "dtlz2": 1.331 - math.pi / 6 / 2.25**3,
    "dtlz7": 0.80259,
    "bnh": 1.02543052,
    "osy": 0.96886315,
}


def zdt(x, which):
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    r = x[0] / g
    h = {1: 1 - math.sqrt(r), 2: 1 - r * r, 3: 1 - math.sqrt(r) - r * math.sin(10 * math.pi * x[0])}[which]
    return [x[0], g * h / 10], []


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    r = (1 + g) / 2.25
    return [r * math.cos(a) * math.cos(b), r * math.cos(a) * math.sin(b), r * math.sin(a)], []


def dtlz7(x):
    g = 1 + 9 * sum(x[2:]) / (len(x) - 2)
    h = 3 - sum(f / (1 + g) * (1 + math.sin(3 * math.pi * f)) for f in x[:2])
    return [x[0], x[1], (1 + g) * h / 10], []


def binh_korn(x):
    a, b = x
    f1, f2 = 4 * a * a + 4 * b * b, (a - 5) ** 2 + (b - 5) ** 2
    return [f1 / 136, (f2 - 4) / 46], [(a - 5) ** 2 + b * b - 25, 7.7 - (a - 8) ** 2 - (b + 3) ** 2]


def osyczka_kundu(x):
    f1 = -(25 * (x[0] - 2) ** 2 + (x[1] - 2) ** 2 + (x[2] - 1) ** 2 + (x[3] - 4) ** 2 + (x[4] - 1) ** 2)
    f2 = sum(v * v for v in x)
    c = [
        2 - x[0] - x[1],
        x[0] + x[1] - 6,
        x[1] - x[0] - 2,
        x[0] - 3 * x[1] - 2,
        (x[2] - 3) ** 2 + x[3] - 4,
        4 - (x[4] - 3) ** 2 - x[5],
    ]
    return [(f1 + 274) / 232, (f2 - 4) / 72], c


# name: (bounds, objectives, evaluation -> (normalized objectives, constraints))
PROBLEMS = {
    "zdt1": ([(0, 1)] * 10, 2, lambda x: zdt(x, 1)),
    "zdt2": ([(0, 1)] * 10, 2, lambda x: zdt(x, 2)),
    "zdt3": ([(0, 1)] * 10, 2, lambda x: zdt(x, 3)),
    "dtlz2": ([(0, 1)] * 7, 3, dtlz2),
    "dtlz7": ([(0, 1)] * 7, 3, dtlz7),
    "bnh": ([(0, 5), (0, 3)], 2, binh_korn),
    "osy": ([(0, 10), (0, 10), (1, 5), (0, 6), (1, 5), (0, 10)], 2, osyczka_kundu),
}


def hv(points, feasible, m):
    ref = np.full(m, 1.1)
    p = np.asarray(points, dtype=float).reshape(-1, m)[np.asarray(feasible, dtype=bool)]
    p = p[(p < ref).all(axis=1)]
    return 0.0 if len(p) == 0 else float(compute_hypervolume(p, ref))


def constraints_of(trial):
    return trial.user_attrs["c"]


OPTUNA = {
    "optuna NSGAIISampler": lambda seed, c: optuna.samplers.NSGAIISampler(
        seed=seed, population_size=50, constraints_func=c
    ),
    "optuna TPESampler": lambda seed, c: optuna.samplers.TPESampler(seed=seed, constraints_func=c),
    "optuna TPESampler multivariate": lambda seed, c: optuna.samplers.TPESampler(
        seed=seed, multivariate=True, constraints_func=c
    ),
    "optuna GPSampler": lambda seed, c: optuna.samplers.GPSampler(seed=seed, constraints_func=c),
}


def optuna_run(problem, sampler_name, trials, seed):
    bounds, m, f = PROBLEMS[problem]
    constrained = bool(f([lo for lo, _ in bounds])[1])
    sampler = OPTUNA[sampler_name](seed, constraints_of if constrained else None)
    study = optuna.create_study(directions=["minimize"] * m, sampler=sampler)

    def suggest(t):
        return [t.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]

    def objective(t):
        values, c = f(suggest(t))
        t.set_user_attr("c", c)
        return values

    study.optimize(objective, n_trials=trials)
    start = time.perf_counter()
    suggest(study.ask())  # Optuna samples a trial's relative params as it is made
    ask_s = time.perf_counter() - start
    done = study.trials[:trials]
    feasible = [all(c <= 0 for c in t.user_attrs["c"]) for t in done]
    return {"points": [t.values for t in done], "feasible": feasible, "ask_s": ask_s}


def load_cache(paths):
    runs = {}
    for path in paths:
        if os.path.exists(path):
            with open(path) as lines:
                for line in lines:
                    try:
                        r = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut short by a killed run: that cell is rerun
                    key = r["problem"], r["searcher"], r["seed"]
                    if key not in runs or r["trials"] > runs[key]["trials"]:
                        runs[key] = r  # the longest run holds every shorter one
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="100", help="trial counts, comma-separated")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--binary", default="target/release/examples/nsga2_runs")
    parser.add_argument("--searchers", default="random,nsga2,tpe,gp", help="hyperspace's, comma-separated")
    parser.add_argument("--optuna", default=",".join(OPTUNA), help="Optuna's, comma-separated ('' for none)")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--cache", default="", help="JSON-lines files of runs, comma-separated: all read, the first appended to")
    parser.add_argument("--ask-time", action="store_true", help="also print the time of one ask")
    parser.add_argument("--asks", type=int, default=1, help="hyperspace's ask_s: the median of this many asks after the run")
    parser.add_argument("--table-only", action="store_true", help="run nothing, tabulate the cache")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=FutureWarning, message=".*constraints_func")  # deprecated in 5.0, still works
    budgets = [int(b) for b in args.budgets.split(",")]
    trials = max(budgets)
    problems = args.problems.split(",")
    ours = [s for s in args.searchers.split(",") if s]
    theirs = [s for s in args.optuna.split(",") if s]
    caches = [c for c in args.cache.split(",") if c]
    runs = load_cache(caches)
    cache = open(caches[0], "a") if caches else None

    def have(problem, searcher, seed):
        run = runs.get((problem, searcher, seed))
        return run is not None and run["trials"] >= trials

    def keep(problem, searcher, seed, run):
        run.update(problem=problem, searcher=searcher, seed=seed, trials=trials)
        runs[problem, searcher, seed] = run
        if cache:
            cache.write(json.dumps(run) + "\n")
            cache.flush()

    if not args.table_only:
        for s in ours:
            name = "hyperspace " + s
            missing = [p for p in problems if not all(have(p, name, k) for k in range(args.seeds))]
            if missing:
                cmd = [args.binary, str(trials), str(args.seeds), s, ",".join(missing), str(args.asks)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                for line in out.splitlines():
                    r = json.loads(line)
                    if not have(r["problem"], name, r["seed"]):
                        keep(r["problem"], name, r["seed"], r)
        for seed in range(args.seeds):  # seed-major: a cut-short run still gives every problem
            for problem in problems:
                for name in theirs:
                    if not have(problem, name, seed):
                        keep(problem, name, seed, optuna_run(problem, name, trials, seed))
    names = [f"hyperspace {s}" for s in ours] + theirs
    for budget in budgets:
        print(f"\nHV ratio (feasible trials' HV / true front's HV) after {budget} trials, median [min–max] (seeds)\n")
        print("| problem | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for problem in problems:
            m = PROBLEMS[problem][1]
            cells = []
            for s in names:
                got = [runs[problem, s, k] for k in range(args.seeds) if (problem, s, k) in runs]
                got = [g for g in got if g["trials"] >= budget]
                r = np.array([hv(g["points"][:budget], g["feasible"][:budget], m) for g in got]) / TRUE_HV[problem]
                cells.append(f"{np.median(r):.3f} [{r.min():.3f}–{r.max():.3f}] ({len(r)})" if len(r) else "–")
            print(f"| {problem} | " + " | ".join(cells) + " |")
    if args.ask_time:
        print("\nSeconds of one ask after each run's trials, median [min–max] (seeds)\n")
        print("| problem | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for problem in problems:
            cells = []
            for s in names:
                t = [runs[problem, s, k]["ask_s"] for k in range(args.seeds) if (problem, s, k) in runs]
                cells.append(f"{np.median(t):.4f} [{min(t):.4f}–{max(t):.4f}] ({len(t)})" if t else "–")
            print(f"| {problem} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
