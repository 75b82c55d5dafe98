"""Hypervolume side by side: hyperspace against Optuna and pymoo.

Same point sets (points on the positive unit sphere, all non-dominated,
reference 1.1 per objective, numpy seed 0) given to
`optuna._hypervolume.compute_hypervolume`, pymoo's `HV` indicator and
hyperspace's `pareto::hypervolume` (through the example binary
`benches/examples/hypervolume.rs`, which times the call inside the process,
so JSON parsing is not counted). Each time is the best of `--repeats` calls.

Run from the repository root, in a scratch venv with optuna and pymoo:

    cargo build --release -p hyperspace-benches --example hypervolume
    /tmp/ref-venv/bin/python benches/compare/hypervolume.py
"""

import argparse
import json
import subprocess
import time

import numpy as np


def sphere(n, d, rng):
    v = rng.random((n, d)) + 1e-9
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def best_time(f, repeats):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - start)
    return value, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/examples/hypervolume")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument(
        "--cases", default="2:100,2:1000,2:10000,3:100,3:1000,3:10000,4:100,5:50",
        help="d:n pairs",
    )
    args = ap.parse_args()

    from optuna._hypervolume import compute_hypervolume

    try:
        from pymoo.indicators.hv import HV
    except ImportError:
        HV = None

    rng = np.random.default_rng(0)
    cases = [tuple(int(x) for x in c.split(":")) for c in args.cases.split(",")]
    sets = [(d, n, sphere(n, d, rng)) for d, n in cases]
    lines = "\n".join(
        json.dumps({"points": p.tolist(), "reference": [1.1] * d, "repeats": args.repeats})
        for d, n, p in sets
    )
    out = subprocess.run([args.bin], input=lines, capture_output=True, text=True, check=True)
    ours = [json.loads(line) for line in out.stdout.splitlines()]

    print("| d | n | hyperspace | Optuna | ratio | pymoo | ratio | max rel. diff |")
    print("|---|---|---|---|---|---|---|---|")
    for (d, n, p), hs in zip(sets, ours):
        ref = np.full(d, 1.1)
        # Optuna and pymoo with 10,000 points in 3-D take minutes: skip.
        slow = n * d > 20_000
        if slow:
            ov, ot = float("nan"), float("nan")
        else:
            ov, ot = best_time(lambda: compute_hypervolume(p, ref), args.repeats)
        if HV is None or slow:
            pv, pt = float("nan"), float("nan")
        else:
            ind = HV(ref_point=ref)
            pv, pt = best_time(lambda: ind(p), args.repeats)
        diffs = [abs(v - hs["value"]) / hs["value"] for v in (ov, pv) if v == v]
        fmt = lambda t: "—" if t != t else f"{t * 1e3:.3f} ms"
        ratio = lambda t: "—" if t != t else f"{t / hs['seconds']:.1f}×"
        print(
            f"| {d} | {n} | {fmt(hs['seconds'])} | {fmt(ot)} | {ratio(ot)} | {fmt(pt)} | "
            f"{ratio(pt)} | {max(diffs) if diffs else float('nan'):.1e} |"
        )


if __name__ == "__main__":
    main()
