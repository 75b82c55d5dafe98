#!/usr/bin/env python3
"""Side-by-side comparison of hyperspace's Python package with Optuna (TPE,
GP, random), Hyperopt (TPE) and scikit-optimize (GP), on the continuous
problems of the quality suite and its tree-shaped ones (model-selection:
define-by-run for Optuna and hyperspace, an `hp.choice` tree for Hyperopt,
the `Choice` tree for "hyperspace tpe (define-and-run)"), with the same
seeds and budgets.

Prints two Markdown tables:

1. median regret (best value found minus the optimum) after `--budget`
   trials over `--seeds` seeds, per problem and searcher, with the mean rank
   and the median wall time of a run;
2. suggestion latency: milliseconds per ask + tell (the objective is a
   closed form, so this is all searcher and framework) once 100, 1,000 and
   10,000 trials are in the history, on hartmann6's 6-D space.

Libraries that are not installed are left out (none is a dependency). Run
it in a venv that has hyperspace (`maturin develop --release -m
bindings/python/Cargo.toml`, or `pip install ./bindings/python`) and
whichever of optuna, hyperopt, scikit-optimize (and torch, for Optuna's GP)
you want to compare against:

    python benches/compare/compare.py                      # everything
    python benches/compare/compare.py --seeds 3 --budget 30 --sizes 100,1000 --quick-latency
    python benches/compare/compare.py --searchers 'hyperspace tpe,optuna tpe' --cache runs.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from problems import ALL_PROBLEMS, DEFAULT_PROBLEMS, PROBLEMS, Problem, check  # noqa: E402
from runners import Runner, all_runners, latency_runners  # noqa: E402

LATENCY_CAP_SECONDS = 2.0  # a size whose ask + tell takes longer stops the row


def _select(runners: List[Runner], wanted: Optional[str]) -> List[Runner]:
    if not wanted:
        return runners
    labels = [w.strip() for w in wanted.split(",") if w.strip()]
    return [r for r in runners if r.label in labels or r.library in labels]


def _quiet_threads() -> None:
    """One thread per worker process: the runs are parallel already."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _label(runner: Runner, in_flight: int) -> str:
    return runner.label if in_flight == 1 else f"{runner.label} q={in_flight}"


def _quality_task(task: Tuple[int, str, int, int, int]) -> Dict[str, object]:
    index, problem_name, seed, budget, in_flight = task
    runner = all_runners()[index]
    problem = next(p for p in ALL_PROBLEMS if p.name == problem_name)
    if runner.library == "optuna" and runner.method == "gp":
        import torch

        torch.set_num_threads(1)
    start = time.perf_counter()
    values = runner.run(problem, seed, budget, in_flight)
    seconds = time.perf_counter() - start
    best = min(v for v in values if math.isfinite(v))
    return {
        "searcher": _label(runner, in_flight),
        "problem": problem_name,
        "seed": seed,
        "budget": budget,
        "regret": problem.regret(best),
        "seconds": seconds,
    }


def quality(args: argparse.Namespace, runners: List[Runner], problems: List[Problem]) -> List[Dict[str, object]]:
    cached: Dict[Tuple[str, str, int, int], Dict[str, object]] = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache) as f:
            for line in f:
                r = json.loads(line)
                cached[(r["searcher"], r["problem"], r["seed"], r["budget"])] = r
    labels = [r.label for r in all_runners()]
    tasks = []
    results = []
    for runner in runners:
        for problem in problems:
            if not runner.supports(problem):
                continue
            for i in range(args.seeds):
                seed = args.first_seed + i
                key = (_label(runner, args.in_flight), problem.name, seed, args.budget)
                if key in cached:
                    results.append(cached[key])
                else:
                    tasks.append((labels.index(runner.label), problem.name, seed, args.budget, args.in_flight))
    # The slow ones first, so the pool ends together.
    tasks.sort(key=lambda t: ("gp" not in labels[t[0]], t))
    out = open(args.cache, "a") if args.cache else None
    try:
        with multiprocessing.get_context("spawn").Pool(args.jobs, initializer=_quiet_threads) as pool:
            for n, r in enumerate(pool.imap_unordered(_quality_task, tasks), 1):
                results.append(r)
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
                print(f"\r  quality runs: {n}/{len(tasks)}", end="", file=sys.stderr, flush=True)
    finally:
        if out:
            out.close()
    print(file=sys.stderr)
    return results


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.1e}"


def quality_table(results: List[Dict[str, object]], runners: List[Runner], problems: List[Problem], args) -> str:
    cols = [_label(r, args.in_flight) for r in runners]
    med: Dict[Tuple[str, str], float] = {}
    secs: Dict[str, List[float]] = {c: [] for c in cols}
    for c in cols:
        for p in problems:
            rs = [r for r in results if r["searcher"] == c and r["problem"] == p.name and r["budget"] == args.budget]
            if rs:
                med[(c, p.name)] = statistics.median(float(r["regret"]) for r in rs)
                secs[c].extend(float(r["seconds"]) for r in rs)
    lines = [
        f"Median regret after {args.budget} trials over {args.seeds} seeds (lower is better; best per row in bold).",
        "",
        "| problem | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    ranks: Dict[str, List[float]] = {c: [] for c in cols}
    for p in problems:
        row = [med.get((c, p.name)) for c in cols]
        present = [v for v in row if v is not None]
        best = min(present) if present else None
        cells = []
        for c, v in zip(cols, row):
            if v is None:
                cells.append("—")
                continue
            cells.append(f"**{_fmt(v)}**" if v == best else _fmt(v))
            ranks[c].append(1 + sum(1 for o in present if o < v) + 0.5 * (sum(1 for o in present if o == v) - 1))
        lines.append(f"| {p.name} | " + " | ".join(cells) + " |")
    lines.append("| mean rank | " + " | ".join(f"{statistics.mean(ranks[c]):.2f}" if ranks[c] else "—" for c in cols) + " |")
    lines.append("| s per run (median) | " + " | ".join(f"{statistics.median(secs[c]):.2f}" if secs[c] else "—" for c in cols) + " |")
    return "\n".join(lines)


def latency(args: argparse.Namespace, runners: List[Runner]) -> Dict[Tuple[str, int], Optional[float]]:
    problem = next(p for p in PROBLEMS if p.name == args.latency_problem)
    out: Dict[Tuple[str, int], Optional[float]] = {}
    for runner in runners:
        capped = False
        for size in args.sizes:
            if capped or size > runner.max_latency_history:
                out[(runner.label, size)] = None
                continue
            print(f"  latency: {runner.label} at {size} trials", file=sys.stderr, flush=True)
            # One cycle to size the number of repeats to ~1 s of work.
            first = runner.latency(problem, size, 1, seed=1)
            repeats = max(3, min(args.repeats, int(1.0 / max(first, 1e-6))))
            if first > LATENCY_CAP_SECONDS:
                out[(runner.label, size)] = first
                capped = True
                continue
            out[(runner.label, size)] = runner.latency(problem, size, repeats, seed=1)
    return out


def latency_table(lat: Dict[Tuple[str, int], Optional[float]], runners: List[Runner], args) -> str:
    dims = len(next(p for p in PROBLEMS if p.name == args.latency_problem).bounds)
    lines = [
        f"Milliseconds per ask + tell with n trials in the history ({args.latency_problem}, {dims}-D, "
        "define-by-run, in memory unless noted; mean over repeated cycles).",
        "",
        "| searcher | " + " | ".join(f"n = {s:,}" for s in args.sizes) + " |",
        "|---|" + "---:|" * len(args.sizes),
    ]
    for r in runners:
        cells = []
        for s in args.sizes:
            v = lat.get((r.label, s))
            cells.append("—" if v is None else f"{v * 1000:.3g}")
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--in-flight", type=int, default=1,
                    help="trials asked before any is told (parallel workers); results arrive in a seeded order")
    ap.add_argument("--problems", default="", help="comma-separated names (default: all)")
    ap.add_argument("--searchers", default="", help="comma-separated labels or libraries (default: all installed)")
    ap.add_argument("--sizes", default="100,1000,10000", help="history sizes for the latency table")
    ap.add_argument("--repeats", type=int, default=50, help="most ask+tell cycles timed per size")
    ap.add_argument("--latency-problem", default="hartmann6")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 0), help="processes for quality runs")
    ap.add_argument("--cache", default="", help="JSON-lines file of finished runs, reused and appended")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    args = ap.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    check()

    problems = DEFAULT_PROBLEMS if not args.problems else [p for p in ALL_PROBLEMS if p.name in args.problems.split(",")]
    available: List[Runner] = []
    for r in _select(all_runners(), args.searchers):
        why = r.unavailable()
        if not why and args.in_flight > 1 and not r.in_flight_capable:
            why = "no ask/tell interface for trials in flight"
        if why:
            print(f"  skipping {r.label}: {why}", file=sys.stderr)
        else:
            available.append(r)
    versions = []
    for mod in ("hyperspace", "optuna", "hyperopt", "skopt", "torch"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:
            pass
    print(f"<!-- {', '.join(versions)}; Python {sys.version.split()[0]} -->")

    if not args.skip_quality:
        results = quality(args, available, problems)
        print(quality_table(results, available, problems, args))
        print()
    if not args.skip_latency:
        lat_runners = [r for r in _select(latency_runners(), args.searchers) if not r.unavailable()]
        lat = latency(args, lat_runners)
        print(latency_table(lat, lat_runners, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
