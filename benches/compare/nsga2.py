"""Multi-objective searchers side by side: hypervolume after N trials of
hyperspace's `random`, `nsga2` and `tpe` and Optuna's NSGAIISampler
(population 50 for both NSGA-IIs) and TPESampler (its defaults, and
multivariate), on ZDT1 and ZDT2 (10-D) and DTLZ2 (3 objectives, 7-D).

Objectives are normalized to [0, 1] by their upper bounds on the unit cube
(ZDT: f2 / 10; DTLZ2: each / 2.25), reference point 1.1 in each; every
hypervolume is computed here by Optuna's exact `compute_hypervolume`, so
the three searchers are scored alike. Prints the median (and min–max) over
seeds as a Markdown table.

Run from the repository root, in a scratch venv with optuna:

    cargo build -p hyperspace-benches --example nsga2_runs
    /tmp/ref-venv/bin/python benches/compare/nsga2.py --trials 100 --seeds 10
"""

import argparse
import json
import math
import subprocess
import warnings
from collections import defaultdict

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume

# Hypervolume of each true front under the same normalization and
# reference: 1.1^M minus the part of the box the front does not dominate.
TRUE_HV = {
    "zdt1": 1.21 - (1 / 3) / 10,
    "zdt2": 1.21 - (2 / 3) / 10,
    "dtlz2": 1.331 - math.pi / 6 / 2.25**3,
}


def zdt(x, square):
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    r = x[0] / g
    h = 1 - r * r if square else 1 - math.sqrt(r)
    return [x[0], g * h / 10]


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    r = (1 + g) / 2.25
    return [r * math.cos(a) * math.cos(b), r * math.cos(a) * math.sin(b), r * math.sin(a)]


PROBLEMS = {
    "zdt1": (10, 2, lambda x: zdt(x, False)),
    "zdt2": (10, 2, lambda x: zdt(x, True)),
    "dtlz2": (7, 3, dtlz2),
}


def hv(points, m):
    ref = np.full(m, 1.1)
    p = np.asarray(points, dtype=float)
    p = p[(p < ref).all(axis=1)]
    return 0.0 if len(p) == 0 else float(compute_hypervolume(p, ref))


OPTUNA = {
    "optuna NSGAIISampler": lambda seed: optuna.samplers.NSGAIISampler(seed=seed, population_size=50),
    "optuna TPESampler": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "optuna TPESampler multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
}


def optuna_points(problem, sampler_name, trials, seed):
    d, m, f = PROBLEMS[problem]
    sampler = OPTUNA[sampler_name](seed)
    study = optuna.create_study(directions=["minimize"] * m, sampler=sampler)
    study.optimize(lambda t: f([t.suggest_float(f"x{i}", 0, 1) for i in range(d)]), n_trials=trials)
    return [t.values for t in study.trials]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--binary", default="target/debug/examples/nsga2_runs")
    parser.add_argument("--searchers", default="random,nsga2,tpe", help="hyperspace's, comma-separated")
    parser.add_argument("--no-optuna", action="store_true", help="hyperspace's searchers only")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    scores = defaultdict(list)
    out = subprocess.run(
        [args.binary, str(args.trials), str(args.seeds), args.searchers], check=True, capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        run = json.loads(line)
        m = PROBLEMS[run["problem"]][1]
        scores[run["problem"], "hyperspace " + run["searcher"]].append(hv(run["points"], m))
    for problem, (_, m, _) in PROBLEMS.items():
        for name in [] if args.no_optuna else OPTUNA:
            for seed in range(args.seeds):
                points = optuna_points(problem, name, args.trials, seed)
                scores[problem, name].append(hv(points, m))
    searchers = [f"hyperspace {s}" for s in args.searchers.split(",")] + ([] if args.no_optuna else list(OPTUNA))
    print(f"HV ratio (HV / true front's HV) after {args.trials} trials, median [min–max] of {args.seeds} seeds\n")
    print("| problem | " + " | ".join(searchers) + " |")
    print("|---|" + "---|" * len(searchers))
    for problem in PROBLEMS:
        cells = []
        for s in searchers:
            r = np.array(scores[problem, s]) / TRUE_HV[problem]
            cells.append(f"{np.median(r):.3f} [{r.min():.3f}–{r.max():.3f}]")
        print(f"| {problem} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
