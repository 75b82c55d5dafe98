"""Wall-time cost of reproducible parallel runs (issue 19).

Runs the same study with ``optimize(n_jobs=3)`` with and without
``reproducible=True, lag=3`` and prints the median wall time of each, for
trials that take similar times (100 ms +- 10 %) and very different times
(0-200 ms, uniform). The trials only sleep: what is measured is the
waiting the setting adds (and, for GP, its cold fits), not the objective.

    python benches/reproducible_cost.py [--trials 30] [--reps 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import hyperspace as hs

DURATIONS = {
    "similar (100 ms +- 10 %)": lambda rng: rng.uniform(0.09, 0.11),
    "varied (0-200 ms)": lambda rng: rng.uniform(0.0, 0.2),
}


def one_run(searcher: str, reproducible: bool, pause, trials: int, salt: int) -> float:
    study = hs.create_study(
        searcher=searcher,
        searcher_settings={"n_startup_trials": 5},
        seed=7,
        reproducible=reproducible,
        lag=3 if reproducible else None,
    )
    rng = random.Random(salt)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        time.sleep(pause(rng))
        return (x - 0.3) ** 2 + (y - 0.7) ** 2

    start = time.perf_counter()
    study.optimize(objective, n_trials=trials, n_jobs=3)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    print(f"| searcher | trial times | free (s) | reproducible, lag 3 (s) | cost |")
    print("|---|---|---|---|---|")
    for searcher in ("tpe", "gp"):
        for label, pause in DURATIONS.items():
            free, repro = [], []
            for rep in range(args.reps):
                free.append(one_run(searcher, False, pause, args.trials, rep))
                repro.append(one_run(searcher, True, pause, args.trials, rep))
            f, r = statistics.median(free), statistics.median(repro)
            print(f"| {searcher} | {label} | {f:.2f} | {r:.2f} | {100 * (r / f - 1):+.0f} % |")


if __name__ == "__main__":
    main()
