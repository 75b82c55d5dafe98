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

It also reads the suite's result file (`hyperspace-bench run ... -o
out.json`, final regret `runs[].curve[-1]`), whose searchers meet the same
study seeds: then the table adds the exact Wilcoxon signed-rank test of the
differences paired by seed. `--one-sided` gives the p of the first searcher
being better instead of two-sided ones (issue 17's test, 20 seeds):

    hyperspace-bench run -s random,tpe -p model-selection --seeds 20 --budget 100 -j 1 -o out.json
    python benches/compare/significance.py out.json tpe random --one-sided

Standard library only: the normal approximation of U with a tie
correction, accurate for the 20+ runs per side this is meant for.
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


def signed_rank(diffs: list[float]) -> float:
    """One-sided exact Wilcoxon signed-rank p of the differences' median
    being below zero (zero differences dropped, tied magnitudes sharing
    their mean rank, as `benches/src/stats.rs` counts the null)."""
    nonzero = [d for d in diffs if d != 0.0]
    if not nonzero:
        return 1.0
    order = sorted(range(len(nonzero)), key=lambda k: abs(nonzero[k]))
    half = [0] * len(nonzero)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and abs(nonzero[order[j + 1]]) == abs(nonzero[order[i]]):
            j += 1
        for k in range(i, j + 1):
            half[order[k]] = i + j + 2  # twice the mean rank (i + j) / 2 + 1
        i = j + 1
    total = sum(half)
    counts = [0.0] * (total + 1)
    counts[0] = 1.0
    for h in half:
        for s in range(total, h - 1, -1):
            counts[s] += counts[s - h]
    w_plus = sum(h for d, h in zip(nonzero, half) if d > 0)
    return sum(counts[: w_plus + 1]) / 2 ** len(nonzero)


def load(path: str) -> dict[tuple[str, str], dict[int, float]]:
    """Final regret by (problem, searcher) and seed, from compare.py's cache
    (JSON lines) or the suite's result file (one JSON document)."""
    regrets: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    with open(path) as f:
        text = f.read()
    try:
        suite = json.loads(text)
    except json.JSONDecodeError:
        suite = None
    if isinstance(suite, dict) and "runs" in suite:
        for run in suite["runs"]:
            if run.get("curve"):
                regrets[(run["problem"], run["searcher"])][run["seed_index"]] = run["curve"][-1]
        return regrets
    for line in text.splitlines():
        if line.strip():
            run = json.loads(line)
            regrets[(run["problem"], run["searcher"])][run["seed"]] = run["regret"]
    return regrets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cache", help="JSON-lines file written by compare.py --cache")
    parser.add_argument("first", help="searcher label, e.g. 'hyperspace tpe'")
    parser.add_argument("second", help="searcher label, e.g. 'optuna tpe'")
    parser.add_argument("--one-sided", action="store_true",
                        help="p of the first searcher being better, not two-sided")
    args = parser.parse_args()

    regrets = load(args.cache)
    sided = "one-sided" if args.one_sided else "two-sided"
    print(f"| problem | runs | median {args.first} | median {args.second} "
          f"| P({args.first} better) | won/tied/lost | Mann-Whitney p ({sided}) "
          f"| Wilcoxon p ({sided}) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    problems = sorted({problem for problem, _ in regrets})
    for problem in problems:
        first = regrets[(problem, args.first)]
        second = regrets[(problem, args.second)]
        x, y = list(first.values()), list(second.values())
        if not x or not y:
            continue
        better, p = mann_whitney(x, y)
        if args.one_sided:
            p = p / 2 if better > 0.5 else 1 - p / 2
        # Paired by seed: only the suite's seeds mean the same for both.
        paired = sorted(set(first) & set(second))
        diffs = [first[k] - second[k] for k in paired]
        won = sum(d < 0 for d in diffs)
        lost = sum(d > 0 for d in diffs)
        record = f"{won}/{len(diffs) - won - lost}/{lost}"
        lower, upper = signed_rank(diffs), signed_rank([-d for d in diffs])
        w = lower if args.one_sided else min(1.0, 2 * min(lower, upper))
        print(f"| {problem} | {len(x)} / {len(y)} | {statistics.median(x):.3g} "
              f"| {statistics.median(y):.3g} | {better:.2f} | {record} | {p:.3g} | {w:.3g} |")


if __name__ == "__main__":
    main()
