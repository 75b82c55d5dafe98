"""Is one searcher's regret lower than another's, beyond seed noise?

Reads the JSON-lines cache that `compare.py --cache FILE` writes and, per
problem, compares the final regrets of two searchers with a two-sided
Mann-Whitney U test (the runs are independent: the same seed number means
nothing across libraries, so the samples are not paired). Prints one
Markdown row per problem: runs, medians, the share of run pairs where the
first searcher did better (0.5 = no difference; ties count half), and p.

    python benches/compare/compare.py --seeds 100 --searchers 'hyperspace tpe,optuna tpe' \\
        --skip-latency --cache /tmp/runs.jsonl
    python benches/compare/significance.py /tmp/runs.jsonl 'hyperspace tpe' 'optuna tpe'

Standard library only: the normal approximation of U with a tie
correction, accurate for the 30+ runs per side this is meant for.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import defaultdict


def mann_whitney(x: list[float], y: list[float]) -> tuple[float, float]:
    """Share of pairs (a from x, b from y) with a < b (ties half) and the
    two-sided p-value of U under the normal approximation."""
    pooled = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    ranks = [0.0] * len(pooled)
    tie_term = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        tie_term += t**3 - t
        i = j + 1
    n, m = len(x), len(y)
    rank_sum_x = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
    u_x = rank_sum_x - n * (n + 1) / 2  # pairs where x is the larger
    better = 1.0 - u_x / (n * m)
    total = n + m
    variance = n * m / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    if variance <= 0:
        return better, 1.0
    z = (u_x - n * m / 2) / math.sqrt(variance)
    return better, math.erfc(abs(z) / math.sqrt(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cache", help="JSON-lines file written by compare.py --cache")
    parser.add_argument("first", help="searcher label, e.g. 'hyperspace tpe'")
    parser.add_argument("second", help="searcher label, e.g. 'optuna tpe'")
    args = parser.parse_args()

    regrets: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    with open(args.cache) as f:
        for line in f:
            run = json.loads(line)
            regrets[(run["problem"], run["searcher"])][run["seed"]] = run["regret"]

    print(f"| problem | runs | median {args.first} | median {args.second} "
          f"| P({args.first} better) | p |")
    print("|---|---:|---:|---:|---:|---:|")
    problems = sorted({problem for problem, _ in regrets})
    for problem in problems:
        x = list(regrets[(problem, args.first)].values())
        y = list(regrets[(problem, args.second)].values())
        if not x or not y:
            continue
        better, p = mann_whitney(x, y)
        print(f"| {problem} | {len(x)} / {len(y)} | {statistics.median(x):.3g} "
              f"| {statistics.median(y):.3g} | {better:.2f} | {p:.3g} |")


if __name__ == "__main__":
    main()
