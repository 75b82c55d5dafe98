"""What one call costs from Python: hyperspace beside Rustuna and Optuna.

Run it with an interpreter that has hyperspace installed (the project's
venv) and point ``--ref-python`` at a scratch venv holding the reference
libraries (``pip install rustuna==0.2.0 optuna``); each library is measured
in its own child process, one after the other, so no import or cache of one
slows another. It prints one Markdown table:

- the whole study: 1,000 TPE trials, define-by-run, a sphere objective over
  10 and 40 floats, in memory (and on a SQLite file for hyperspace and, with
  ``--sqlite-refs``, the others: Rustuna's file storage is slow);
- one ``suggest_float`` with the random searcher (40 per trial; the mean
  over the suggests of trials 2..N, when the searcher has decided every
  value jointly);
- ask + 40 suggests + tell with TPE once the study holds 1,000 trials.

    target/py-venv/bin/python benches/compare/python_overhead.py \
        --ref-python /tmp/ref-venv/bin/python --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TRIALS = 1000


def _lib(name: str):
    """The library under test, and how to make a study and its samplers."""
    if name == "hyperspace":
        import hyperspace as hs

        def study(searcher: str, storage: str):
            # A fresh name per study, so a file storage can hold several.
            study.n += 1
            return hs.create_study(
                storage=storage, study_name=f"s{study.n}", searcher=searcher, seed=1
            )

        study.n = 0
        return study, _tell_trial
    if name == "rustuna":
        import rustuna as lib
    else:
        import optuna as lib

        lib.logging.set_verbosity(lib.logging.WARNING)

    def study(searcher: str, storage: str):
        sampler = (
            lib.samplers.TPESampler(seed=1) if searcher == "tpe" else lib.samplers.RandomSampler(seed=1)
        )
        study.n += 1
        if storage == ":memory:":
            kwargs = {}
        elif name == "rustuna":
            # Rustuna takes a storage object, not a URL.
            kwargs = {"storage": lib.storages.SQLite3Storage(storage.removeprefix("sqlite:///"))}
        else:
            kwargs = {"storage": storage}
        return lib.create_study(sampler=sampler, study_name=f"s{study.n}", **kwargs)

    study.n = 0
    # Rustuna's tell takes the trial's number.
    return study, (_tell_number if name == "rustuna" else _tell_trial)


def _tell_trial(study, trial, value: float) -> None:
    study.tell(trial, value)


def _tell_number(study, trial, value: float) -> None:
    study.tell(trial.number, value)


def _sphere(dims: int):
    names = [f"x{i}" for i in range(dims)]

    def objective(trial) -> float:
        return sum(trial.suggest_float(n, -5.0, 5.0) ** 2 for n in names)

    return objective


def _whole_study(lib, searcher: str, dims: int, storage: str) -> float:
    make, tell = lib
    study = make(searcher, storage)
    objective = _sphere(dims)
    start = time.perf_counter()
    for _ in range(TRIALS):
        trial = study.ask()
        tell(study, trial, objective(trial))
    return time.perf_counter() - start


def _one_suggest(lib, searcher: str, trials: int = 300, dims: int = 40) -> float:
    """Mean µs of one suggest_float, timed around the suggests only."""
    make, tell = lib
    study = make(searcher, ":memory:")
    names = [f"x{i}" for i in range(dims)]
    spent, calls = 0.0, 0
    for i in range(trials):
        trial = study.ask()
        start = time.perf_counter()
        for n in names:
            trial.suggest_float(n, -5.0, 5.0)
        elapsed = time.perf_counter() - start
        if i >= 2:
            spent += elapsed
            calls += dims
        tell(study, trial, 0.0)
    return spent / calls * 1e6


def _ask_tell_at(lib, searcher: str, dims: int = 40, warm: int = TRIALS, measured: int = 20) -> float:
    """Mean ms of ask + 40 suggests + tell once the study holds `warm` trials."""
    make, tell = lib
    study = make(searcher, ":memory:")
    objective = _sphere(dims)
    for _ in range(warm):
        trial = study.ask()
        tell(study, trial, objective(trial))
    start = time.perf_counter()
    for _ in range(measured):
        trial = study.ask()
        tell(study, trial, objective(trial))
    return (time.perf_counter() - start) / measured * 1e3


def measure(name: str, sqlite: bool) -> dict:
    lib = _lib(name)
    out = {
        "study10": _whole_study(lib, "tpe", 10, ":memory:"),
        "study40": _whole_study(lib, "tpe", 40, ":memory:"),
        "suggest_us": _one_suggest(lib, "random"),
        "ask_tell_ms": _ask_tell_at(lib, "tpe"),
    }
    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
            if name == "hyperspace":
                url = f"sqlite:////{os.path.join(tmp, 'bench.db').lstrip('/')}"
            out["study10_sqlite"] = _whole_study(lib, "tpe", 10, url)
            out["study40_sqlite"] = _whole_study(lib, "tpe", 40, url)
    return out


def _child(python: str, name: str, sqlite: bool) -> dict:
    args = [python, __file__, "--child", name] + (["--sqlite"] if sqlite else [])
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-python", help="a python with rustuna==0.2.0 and optuna")
    parser.add_argument("--sqlite-refs", action="store_true", help="time the references on SQLite too")
    parser.add_argument("--only", choices=["hyperspace", "rustuna", "optuna"], help="measure one library")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each library; each figure is the best")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.sqlite)))
        return
    runs = [("hyperspace", sys.executable, True)]
    if args.ref_python:
        runs += [("rustuna", args.ref_python, args.sqlite_refs), ("optuna", args.ref_python, args.sqlite_refs)]
    if args.only:
        runs = [r for r in runs if r[0] == args.only]
    # Rounds alternate the libraries, and each cell keeps its best round,
    # so that a busy spell of the machine does not land on one of them.
    results: dict = {}
    for _ in range(args.rounds):
        for name, python, sqlite in runs:
            got = _child(python, name, sqlite)
            best = results.setdefault(name, got)
            for key, value in got.items():
                best[key] = min(best[key], value)
    rows = [
        ("whole study, 10 floats, TPE, 1,000 trials (s)", "study10", "{:.3f}"),
        ("whole study, 40 floats, TPE, 1,000 trials (s)", "study40", "{:.3f}"),
        ("same, 10 floats, SQLite file (s)", "study10_sqlite", "{:.3f}"),
        ("same, 40 floats, SQLite file (s)", "study40_sqlite", "{:.3f}"),
        ("one suggest_float, random searcher (µs)", "suggest_us", "{:.2f}"),
        ("ask + 40 suggests + tell, TPE, at 1,000 trials (ms)", "ask_tell_ms", "{:.2f}"),
    ]
    names = list(results)
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, key, fmt in rows:
        cells = [fmt.format(results[n][key]) if key in results[n] else "–" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
