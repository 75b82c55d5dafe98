"""The dashboard's study page at 10,000 trials, hyperspace beside optuna-dashboard.

Both dashboards serve the same study shape (issue 14's scale figure): 9,990
complete trials and 10 running ones, one parameter `x = (i % 100) / 100`,
minimized, 50 intermediate values each (500,000 in all), on SQLite. The
values come from the same generator as the Rust test `dashboard_scale`
(bindings/cli/tests/cli/dashboard_setup.rs: `value_of`, `add_trial`).

Runs in a scratch venv, never a dependency of hyperspace or its tests:

    python3 -m venv /tmp/anchor-venv && /tmp/anchor-venv/bin/pip install optuna optuna-dashboard
    cargo build --release -p hyperspace-cli
    # the hyperspace study, written once by the ignored test (minutes):
    HYPERSPACE_SCALE_DB=/tmp/scale-hs.db HYPERSPACE_DASHBOARD_BIN=target/release/hyperspace \
      cargo test -p hyperspace-cli --test cli -- --ignored --nocapture dashboard_scale
    /tmp/anchor-venv/bin/python benches/compare/dashboard_scale.py \
      --hyperspace-db /tmp/scale-hs.db --optuna-db /tmp/scale-optuna.db

The Optuna study is written on first use and kept at --optuna-db: Optuna
creates it and its trial 0 (`study.add_trial(create_trial(...,
intermediate_values=...))`), the other trials are copies of those rows
with their own values (see `write_optuna_study` for why), and Optuna reads
the result back and checks it before anything is timed.

Both servers run at once; one headless Chromium (Debian's chromium and
chromedriver, the flags of the project's browser tests) opens each study
page in turn, --loads times (the first load is the server's first read of
the study and the browser's first fetch of the scripts). A script injected
before any page script (`Page.addScriptToEvaluateOnNewDocument`) checks
every 10 ms whether the page is drawn and keeps `performance.now()` (ms
since navigation started) of the first time it is:
- hyperspace: `window.hsFirstRender` is set (the page sets it once the
  history chart, the learning curves and the trials table are drawn);
- optuna-dashboard (`/dashboard/studies/ID`, its study page): its plotly
  charts of the history (`#plot-history`) and of the intermediate values
  (`#graph-intermediate-values`) hold drawn points or lines (`.scatterlayer
  .point` or `path.js-line`). Its trials table is a separate page, so
  this condition asks less of it than of hyperspace (no table).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

COMPLETE, RUNNING, STEPS = 9_990, 10, 50
STUDY = "scale"

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]

# Runs in every new document before its own scripts; records when the page
# first counts as drawn (see the module docstring for the conditions).
WATCHER = r"""
(() => {
  const optuna = () => {
    const plots = ['plot-history', 'graph-intermediate-values']
      .map((id) => document.getElementById(id));
    const drawn = (p) => p && p.querySelector('.scatterlayer .point, .scatterlayer path.js-line');
    return plots.every(drawn);
  };
  const ours = () => typeof window.hsFirstRender === 'number';
  const check = () => {
    let done = false;
    try { done = location.pathname.startsWith('/dashboard') ? optuna() : ours(); } catch (e) {}
    if (done) { window.__drawnAt = performance.now(); return; }
    setTimeout(check, 10);
  };
  check();
})();
"""


def value_of(i: int) -> float:
    """The objective of trial i (the Rust test's `value_of`)."""
    return 1.0 + abs(math.sin(i * 0.7)) * 10.0 / (1.0 + i / 50.0)


def write_optuna_study(path: Path) -> None:
    """Writes the study through Optuna, trial 0 by `study.add_trial`, and
    copies that trial's rows for the others in one SQLite transaction.

    `add_trials` alone writes about 3 trials a second here (each
    intermediate value is its own ORM round trip: about an hour for
    10,000); the rows copied are those Optuna itself wrote for trial 0, and
    Optuna's reader checks the result before it is used.
    """
    import sqlite3

    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{path}"
    study = optuna.create_study(study_name=STUDY, storage=url, direction="minimize")
    study.add_trial(create_trial(
        state=TrialState.COMPLETE,
        value=value_of(0),
        params={"x": 0.0},
        distributions={"x": FloatDistribution(0.0, 1.0)},
        intermediate_values={s: value_of(0) + 5.0 / (1.0 + s) for s in range(STEPS)},
    ))
    with sqlite3.connect(path) as db:
        (study_id, start, done) = db.execute(
            "SELECT study_id, datetime_start, datetime_complete FROM trials WHERE number = 0"
        ).fetchone()
        (dist,) = db.execute("SELECT distribution_json FROM trial_params").fetchone()
        trials, params, values, steps = [], [], [], []
        for i in range(1, COMPLETE + RUNNING):
            running = i >= COMPLETE
            tid = i + 1  # trial 0 is trial_id 1
            trials.append((tid, i, study_id, "RUNNING" if running else "COMPLETE",
                           start, None if running else done))
            params.append((tid, "x", (i % 100) / 100.0, dist))
            if not running:
                values.append((tid, 0, value_of(i), "FINITE"))
            steps += [(tid, s, value_of(i) + 5.0 / (1.0 + s), "FINITE") for s in range(STEPS)]
        db.executemany("INSERT INTO trials (trial_id, number, study_id, state, datetime_start,"
                       " datetime_complete) VALUES (?, ?, ?, ?, ?, ?)", trials)
        db.executemany("INSERT INTO trial_params (trial_id, param_name, param_value,"
                       " distribution_json) VALUES (?, ?, ?, ?)", params)
        db.executemany("INSERT INTO trial_values (trial_id, objective, value, value_type)"
                       " VALUES (?, ?, ?, ?)", values)
        db.executemany("INSERT INTO trial_intermediate_values (trial_id, step,"
                       " intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)", steps)
    # Read back through Optuna: the study it sees is the one meant.
    loaded = optuna.load_study(study_name=STUDY, storage=url).get_trials(deepcopy=False)
    states = [t.state for t in loaded]
    assert len(loaded) == COMPLETE + RUNNING, len(loaded)
    assert states.count(TrialState.COMPLETE) == COMPLETE and states.count(TrialState.RUNNING) == RUNNING
    for t in (loaded[1], loaded[4321], loaded[-1]):
        i = t.number
        assert t.params == {"x": (i % 100) / 100.0}, t.params
        assert t.intermediate_values == {s: value_of(i) + 5.0 / (1.0 + s) for s in range(STEPS)}
        assert t.value == (None if i >= COMPLETE else value_of(i)), t.value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > end:
                raise SystemExit(f"{url} did not answer in {seconds:.0f} s")
            time.sleep(0.1)


class Driver:
    """One headless Chromium session through chromedriver's WebDriver API."""

    def __init__(self) -> None:
        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if not chromium or not driver:
            raise SystemExit("needs chromium and chromedriver (apt-get install chromium chromium-driver)")
        port = free_port()
        self.proc = subprocess.Popen(
            [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_http(self.base + "/status", 20)
        self.profile = tempfile.TemporaryDirectory()
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": FLAGS + [f"--user-data-dir={self.profile.name}"],
            },
        }}}
        self.session = self.post("/session", caps)["sessionId"]
        self.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": WATCHER})

    def post(self, path: str, body: dict):
        request = urllib.request.Request(
            self.base + path, json.dumps(body).encode(), {"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=900) as response:
            return json.load(response)["value"]

    def cdp(self, cmd: str, params: dict):
        return self.post(f"/session/{self.session}/goog/cdp/execute", {"cmd": cmd, "params": params})

    def js(self, script: str):
        return self.post(f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def poll(self):
        """`window.__drawnAt`, or None; a page too busy to run a script
        within chromedriver's script timeout (an HTTP 500) is not drawn."""
        try:
            return self.js("return window.__drawnAt ?? null;")
        except urllib.error.HTTPError:
            return None

    def drawn_ms(self, url: str, timeout: float) -> float:
        """Navigates to `url`; ms from navigation start until the page is
        drawn, or infinity when it is not drawn within `timeout` s."""
        self.post(f"/session/{self.session}/url", {"url": url})
        end = time.monotonic() + timeout
        while (ms := self.poll()) is None:
            if time.monotonic() > end:
                # Not drawn in time: a lower bound, shown as "> timeout".
                return math.inf
            time.sleep(0.05)
        return float(ms)

    def screenshot(self, path: Path) -> None:
        import base64

        with urllib.request.urlopen(f"{self.base}/session/{self.session}/screenshot") as r:
            path.write_bytes(base64.b64decode(json.load(r)["value"]))

    def close(self) -> None:
        try:
            urllib.request.urlopen(
                urllib.request.Request(f"{self.base}/session/{self.session}", method="DELETE")
            ).close()
        finally:
            self.proc.terminate()
            self.proc.wait()
            self.profile.cleanup()


def start_hyperspace(binary: str, db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [binary, "--storage", str(db), "dashboard", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "HYPERSPACE_STORAGE"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = next((w for w in line.split() if w.startswith("http://")), None)
    if url is None:
        proc.terminate()
        raise SystemExit(f"no address in hyperspace's first line {line!r}")
    return proc, url.rstrip("/")


def start_optuna_dashboard(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = Path(sys.executable).with_name("optuna-dashboard")
    proc = subprocess.Popen(
        [str(exe), f"sqlite:///{db}", "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/api/meta")
    return proc, url


def shown(ms: float, timeout: float) -> str:
    return f"> {timeout * 1000:.0f}" if math.isinf(ms) else f"{ms:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hyperspace-db", type=Path, required=True,
                        help="SQLite file holding the study 'scale' written by the Rust test")
    parser.add_argument("--optuna-db", type=Path, default=Path("/tmp/scale-optuna.db"))
    parser.add_argument("--hyperspace-bin", default="target/release/hyperspace")
    parser.add_argument("--loads", type=int, default=2, help="page loads per dashboard")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a page may take")
    parser.add_argument("--screenshots", type=Path, default=Path("target/dashboard-screenshots"))
    args = parser.parse_args()
    if not args.hyperspace_db.exists():
        raise SystemExit(f"{args.hyperspace_db} does not exist; see the docstring for the test that writes it")
    if not args.optuna_db.exists():
        start = time.monotonic()
        write_optuna_study(args.optuna_db)
        print(f"wrote the Optuna study in {time.monotonic() - start:.1f} s", file=sys.stderr)

    import optuna

    summary = optuna.study.get_all_study_summaries(f"sqlite:///{args.optuna_db}")
    optuna_id = next(s._study_id for s in summary if s.study_name == STUDY)

    hs_proc, hs_url = start_hyperspace(args.hyperspace_bin, args.hyperspace_db)
    od_proc, od_url = start_optuna_dashboard(args.optuna_db)
    driver = Driver()
    try:
        pages = {
            "hyperspace": f"{hs_url}/study/{STUDY}",
            "optuna-dashboard": f"{od_url}/dashboard/studies/{optuna_id}",
        }
        times: dict[str, list[float]] = {name: [] for name in pages}
        for load in range(args.loads):
            for name, url in pages.items():
                times[name].append(driver.drawn_ms(url, args.timeout))
                print(f"{name}, load {load + 1}: {shown(times[name][-1], args.timeout)} ms",
                      file=sys.stderr, flush=True)
                if load == 0:
                    args.screenshots.mkdir(parents=True, exist_ok=True)
                    driver.screenshot(args.screenshots / f"scale-{name}.png")
        print("| dashboard | " + " | ".join(f"load {k + 1} (ms)" for k in range(args.loads)) + " |")
        print("|---|" + "---:|" * args.loads)
        for name, ms in times.items():
            print(f"| {name} | " + " | ".join(shown(m, args.timeout) for m in ms) + " |")
        ours, theirs = times["hyperspace"], times["optuna-dashboard"]
        ratios = ", ".join(
            f"> {args.timeout * 1000 / o:.0f}x" if math.isinf(t) else f"{t / o:.1f}x"
            for o, t in zip(ours, theirs)
        )
        print(f"optuna-dashboard / hyperspace, per load: {ratios}")
    finally:
        driver.close()
        for proc in (hs_proc, od_proc):
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
