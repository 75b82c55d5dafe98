"""Throughput of trials run elsewhere than the driver, for an objective
that sleeps 0.1 s (issue 18): hyperspace's ``study.optimize(client=...)``
on a local Dask cluster, ``hyperspace worker`` processes, and Optuna's
``optimize(n_jobs=...)``, each with W trials at once on one SQLite file.

The searcher is random everywhere: what is measured is the plumbing (ask,
hand over, tell, record), not a model. For each way the figure is trials
per second and the overhead per trial, ``W * elapsed / n - 0.1 s``: the
time a slot spent not sleeping in the objective.

Run with the venv that has hyperspace and dask (target/py-venv); Optuna
runs in its own venv, given by ``--optuna-python``:

    target/py-venv/bin/python benches/compare/dask_throughput.py \\
        --workers 8 --trials 240 --hyperspace target/release/hyperspace \\
        --optuna-python /tmp/ref-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLEEP = 0.1


def sleepy(trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    time.sleep(SLEEP)
    return (x - 1.0) ** 2


def run_dask(workers: int, trials: int, db: Path) -> float:
    import hyperspace as hs
    from dask.distributed import Client, LocalCluster

    with LocalCluster(processes=True, n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            study = hs.Study.open(str(db), "dask", searcher="random", seed=1)
            # One trial first: each worker process opens the study once, and
            # that start-up is not what is measured.
            study.optimize(sleepy, n_trials=workers, client=client)
            start = time.perf_counter()
            study.optimize(sleepy, n_trials=trials, client=client)
            return time.perf_counter() - start


def run_cli_workers(workers: int, trials: int, db: Path, binary: str) -> float:
    import hyperspace as hs

    hs.Study.open(str(db), "cli", space="x=float(-3,3)", searcher="random", seed=1)
    storage = ["--storage", str(db)]
    command = ["--", "sh", "-c", f"sleep {SLEEP}; echo loss={{x}}"]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [binary, *storage, "worker", "--study", "cli", "--max-trials", str(trials), "--log-dir", str(db.parent / "logs"), *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


OPTUNA = """
import sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
workers, trials, url = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def sleepy(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    time.sleep(%r)
    return (x - 1.0) ** 2
study = optuna.create_study(storage=url, study_name="optuna", sampler=optuna.samplers.RandomSampler(seed=1))
study.optimize(sleepy, n_trials=workers, n_jobs=workers)
start = time.perf_counter()
study.optimize(sleepy, n_trials=trials, n_jobs=workers)
print(time.perf_counter() - start)
""" % SLEEP


def run_optuna(workers: int, trials: int, db: Path, python: str) -> float:
    done = subprocess.run(
        [python, "-c", OPTUNA, str(workers), str(trials), f"sqlite:///{db}"], check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--trials", type=int, default=240)
    parser.add_argument("--hyperspace", help="the hyperspace binary, for the `hyperspace worker` row")
    parser.add_argument("--optuna-python", help="a Python with optuna, for the Optuna row")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ways = [("hyperspace optimize(client=Dask)", lambda db: run_dask(args.workers, args.trials, db))]
        if args.hyperspace:
            ways.append(("hyperspace worker processes", lambda db: run_cli_workers(args.workers, args.trials, db, args.hyperspace)))
        if args.optuna_python:
            ways.append(("optuna optimize(n_jobs)", lambda db: run_optuna(args.workers, args.trials, db, args.optuna_python)))
        for i, (name, way) in enumerate(ways):
            db = Path(tmp) / f"{i}" / "runs.db"
            db.parent.mkdir()
            elapsed = way(db)
            per_s = args.trials / elapsed
            overhead_ms = (args.workers * elapsed / args.trials - SLEEP) * 1000
            rows.append({"way": name, "elapsed_s": elapsed, "trials_per_s": per_s, "overhead_ms": overhead_ms})
    print(f"{args.workers} at once, {args.trials} trials of a {SLEEP} s objective (ideal {args.workers / SLEEP:.0f} trials/s)")
    print("| way | trials/s | overhead per trial |")
    print("|---|---:|---:|")
    for r in rows:
        print(f"| {r['way']} | {r['trials_per_s']:.1f} | {r['overhead_ms']:.1f} ms |")
    json.dump(rows, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
