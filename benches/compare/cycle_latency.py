"""Per-cycle ask + tell latency of one study, cycle by cycle.

`compare.py`'s latency table is the mean over a few cycles of a fresh
study whose first suggestion (untimed) only teaches it the space, so its
first *timed* cycle carries the GP's cold hyperparameter fit (0.5-1 s at
1,000 trials); when the machine is loaded, only a handful of cycles are
timed and that fit dominates the mean. This script builds the same history
(`compare.py`'s random history of `N` trials, define-by-run, in memory)
and prints the first two cycles and the median of the rest: a running
study's steady state.

    python benches/compare/cycle_latency.py N CYCLES [SEARCHER] [PROBLEM]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hyperspace as hs  # noqa: E402
from problems import PROBLEMS  # noqa: E402
from runners import _point, _random_history  # noqa: E402


def main() -> None:
    n, cycles = int(sys.argv[1]), int(sys.argv[2])
    searcher = sys.argv[3] if len(sys.argv) > 3 else "gp"
    name = sys.argv[4] if len(sys.argv) > 4 else "styblinski-tang-10"
    problem = next(p for p in PROBLEMS if p.name == name)
    study = hs.Study.create(":memory:", "latency", searcher=searcher, seed=1)
    for params in _random_history(problem, n, 1):
        study.enqueue(params)
        trial = study.ask()
        study.tell(trial, problem(_point(problem, params)))
    times = []
    for _ in range(max(cycles, 3)):
        start = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(p, lo, hi) for p, (lo, hi) in zip(problem.names, problem.bounds)]
        study.tell(trial, problem(x))
        times.append((time.perf_counter() - start) * 1e3)
    print(
        f"{searcher} at {n} trials: cycle 1 {times[0]:.0f} ms, cycle 2 {times[1]:.0f} ms, "
        f"median of cycles 3-{len(times)} {statistics.median(times[2:]):.1f} ms"
    )


if __name__ == "__main__":
    main()
