"""Throughput of trials run elsewhere than the driver, for an objective
that sleeps S seconds (0.1 s by default; issue 18): hyperspace's ``study.optimize(client=...)``
on a local Dask cluster, ``hyperspace worker`` processes, and Optuna's
``optimize(n_jobs=...)``, each with W trials at once on one SQLite file.

The searcher is random everywhere: what is measured is the plumbing (ask,
hand over, tell, record), not a model. For each way the figure is trials
per second and the overhead per trial, ``W * elapsed / n - S``: the
time a slot spent not sleeping in the objective. ``--sleep 0 0.1`` runs
each way once per objective time; each way runs ``--repeat`` times and the
table shows the median (and the spread).

Run with the venv that has hyperspace and dask (target/py-venv); Optuna
runs in its own venv, given by ``--optuna-python``:

    target/py-venv/bin/python benches/compare/dask_throughput.py \\
        --workers 8 --trials 240 --hyperspace target/release/hyperspace \\
        --optuna-python /tmp/ref-venv/bin/python

    # the overhead alone: 2 workers, a 0 s and a 0.1 s objective
    target/py-venv/bin/python benches/compare/dask_throughput.py \
        --workers 2 --trials 200 --sleep 0 0.1 --repeat 3

``--before DIR`` adds a row for another copy of the Python package (a
folder holding ``hyperspace/``, say an older commit's
``bindings/python/python`` with this build's ``_core`` library copied in),
run in a subprocess with ``PYTHONPATH=DIR``: before and after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

class Sleepy:
    """The objective: sleeps ``seconds`` (none for 0). A class so that the
    time travels with it to the Dask workers."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, trial) -> float:
        x = trial.suggest_float("x", -3.0, 3.0)
        if self.seconds > 0:
            time.sleep(self.seconds)
        return (x - 1.0) ** 2


def run_dask(workers: int, trials: int, db: Path, sleep: float) -> float:
    import hyperspace as hs
    from dask.distributed import Client, LocalCluster

    with LocalCluster(processes=True, n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            study = hs.Study.open(str(db), "dask", searcher="random", seed=1)
            # One trial first: each worker process opens the study once, and
            # that start-up is not what is measured.
            study.optimize(Sleepy(sleep), n_trials=workers, client=client)
            start = time.perf_counter()
            study.optimize(Sleepy(sleep), n_trials=trials, client=client)
            return time.perf_counter() - start


def run_dask_elsewhere(workers: int, trials: int, db: Path, sleep: float, package: str) -> float:
    """:func:`run_dask` with the package in ``package`` (and the Dask
    workers it starts, which inherit the environment)."""
    env = dict(os.environ, PYTHONPATH=package)
    done = subprocess.run(
        [sys.executable, __file__, "--only-dask", str(workers), str(trials), str(db), str(sleep)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return float(done.stdout.strip().splitlines()[-1])


def run_cli_workers(workers: int, trials: int, db: Path, binary: str, sleep: float) -> float:
    import hyperspace as hs

    hs.Study.open(str(db), "cli", space="x=float(-3,3)", searcher="random", seed=1)
    storage = ["--storage", str(db)]
    command = ["--", "sh", "-c", f"sleep {sleep}; echo loss={{x}}"]
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
workers, trials, url, sleep = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
def sleepy(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    if sleep > 0:
        time.sleep(sleep)
    return (x - 1.0) ** 2
study = optuna.create_study(storage=url, study_name="optuna", sampler=optuna.samplers.RandomSampler(seed=1))
study.optimize(sleepy, n_trials=workers, n_jobs=workers)
start = time.perf_counter()
study.optimize(sleepy, n_trials=trials, n_jobs=workers)
print(time.perf_counter() - start)
"""


def run_optuna(workers: int, trials: int, db: Path, python: str, sleep: float) -> float:
    done = subprocess.run(
        [python, "-c", OPTUNA, str(workers), str(trials), f"sqlite:///{db}", str(sleep)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--trials", type=int, default=240)
    parser.add_argument("--sleep", type=float, nargs="+", default=[0.1], help="the objective's seconds (several: one table each)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way; the median is shown")
    parser.add_argument("--hyperspace", help="the hyperspace binary, for the `hyperspace worker` row")
    parser.add_argument("--optuna-python", help="a Python with optuna, for the Optuna row")
    parser.add_argument("--before", help="a folder with another copy of the hyperspace package, for a 'before' row")
    parser.add_argument("--only-dask", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_dask:
        workers, trials, db, sleep = args.only_dask
        print(run_dask(int(workers), int(trials), Path(db), float(sleep)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sleep in args.sleep:
            ways = [("hyperspace optimize(client=Dask)", lambda db, s: run_dask(args.workers, args.trials, db, s))]
            if args.before:
                ways.insert(
                    0,
                    (
                        "hyperspace optimize(client=Dask), before",
                        lambda db, s: run_dask_elsewhere(args.workers, args.trials, db, s, args.before),
                    ),
                )
            if args.hyperspace:
                ways.append(
                    (
                        "hyperspace worker processes",
                        lambda db, s: run_cli_workers(args.workers, args.trials, db, args.hyperspace, s),
                    )
                )
            if args.optuna_python:
                ways.append(
                    ("optuna optimize(n_jobs)", lambda db, s: run_optuna(args.workers, args.trials, db, args.optuna_python, s))
                )
            for name, way in ways:
                times = []
                load = os.getloadavg()[0]
                for _ in range(args.repeat):
                    db = Path(tempfile.mkdtemp(dir=tmp)) / "runs.db"
                    times.append(way(db, sleep))
                elapsed = statistics.median(times)
                overheads = [(args.workers * t / args.trials - sleep) * 1000 for t in times]
                rows.append(
                    {
                        "way": name,
                        "sleep_s": sleep,
                        "elapsed_s": elapsed,
                        "trials_per_s": args.trials / elapsed,
                        "overhead_ms": (args.workers * elapsed / args.trials - sleep) * 1000,
                        "overhead_ms_range": [min(overheads), max(overheads)],
                        "load": [load, os.getloadavg()[0]],
                    }
                )
    print(f"{args.workers} at once, {args.trials} trials, median of {args.repeat} run(s)")
    print("| way | objective | trials/s (ideal) | overhead per trial (min-max) | load average (start, end) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        ideal = "-" if r["sleep_s"] == 0 else f"{args.workers / r['sleep_s']:.0f}"
        low, high = r["overhead_ms_range"]
        print(
            f"| {r['way']} | {r['sleep_s']:g} s | {r['trials_per_s']:.1f} ({ideal}) | "
            f"{r['overhead_ms']:.1f} ms ({low:.1f}-{high:.1f}) | {r['load'][0]:.1f}, {r['load'][1]:.1f} |"
        )
    json.dump(rows, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
