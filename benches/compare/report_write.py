"""What a trial's first ``report`` costs on a SQLite file (issue 16).

A define-by-run trial's suggested values are written with its first report,
in the report's one write. This script times a 1,000-trial study on a SQLite
file, each trial: ask, ``--floats`` suggestions, one ``report``, ``tell``;
two ways, alternated round by round in one process, so both see the same
machine load:

- ``one write``: ``trial.report`` as it is (the values go in with it);
- ``two writes``: the values recorded first on their own (``_flush``, the
  write ``report`` made before the change), then the report.

The second way is the old path, save one more call from Python into the
engine (well under a microsecond against a write transaction of about a
tenth of a millisecond or more). Prints wall and CPU (process) time, best
of ``--rounds``, and the write transactions counted per trial (the storage's
change counter).

    target/py-venv/bin/python benches/compare/report_write.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import hyperspace as hs


def run(path: str, trials: int, floats: int, searcher: str, two_writes: bool) -> tuple:
    """One study on a fresh file: (wall s, CPU s, writes per trial)."""
    study = hs.create_study(storage=path, study_name="s", searcher=searcher, seed=1)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(trials):
        t = study.ask()
        total = 0.0
        for i in range(floats):
            total += t.suggest_float(f"x{i}", -5.0, 5.0) ** 2
        if two_writes:
            t._flush()
        t.report(0, total)
        study.tell(t, total)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    last = study.trials[-1]
    # The counter moves once a write transaction; the study's first trial
    # is created at change 1 or later (the study itself is a change too).
    changes = json.loads(study._c().trial(last.id))["change"]
    return wall, cpu, changes / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--floats", type=int, default=10)
    parser.add_argument("--searcher", default="random", help="random keeps the searcher's share small")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best = {False: [float("inf")] * 2, True: [float("inf")] * 2}
    writes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = (True, False) if r % 2 == 0 else (False, True)
            for two in order:
                path = os.path.join(tmp, f"r{r}-{int(two)}.db")
                wall, cpu, per_trial = run(path, args.trials, args.floats, args.searcher, two)
                best[two] = [min(best[two][0], wall), min(best[two][1], cpu)]
                writes[two] = per_trial
    print(
        f"{args.trials} trials, {args.floats} floats, {args.searcher}, one report each, "
        f"SQLite file, best of {args.rounds}"
    )
    print("| | wall (s) | CPU (s) | writes a trial |")
    print("|---|---:|---:|---:|")
    for two, name in ((True, "two writes (before)"), (False, "one write (after)")):
        print(f"| {name} | {best[two][0]:.3f} | {best[two][1]:.3f} | {writes[two]:.2f} |")
    print(
        f"before / after: wall {best[True][0] / best[False][0]:.2f}x, "
        f"CPU {best[True][1] / best[False][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
