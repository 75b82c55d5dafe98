//! A worker killed with SIGKILL (no chance to re-queue anything) leaves a
//! running trial behind; once its heartbeats have been missing for
//! `--stale-after`, another run fails that trial and re-queues a copy, at
//! start-up or while it is running trials of its own.

use crate::setup::{in_state, one_line_error, Lab};
use serde_json::Value as Json;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Waits until the lab holds file `name` (a trial's command writes it).
fn wait_for_file(lab: &Lab, name: &str) {
    let start = Instant::now();
    while !lab.path().join(name).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name} never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `hyperspace run` in the background, output discarded.
fn spawn_run(lab: &Lab, args: &[&str]) -> Child {
    lab.process(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hyperspace run")
}

/// SIGKILLs the run and the trial process it started (whose pid the
/// trial's command wrote into `pid_file`), and reaps the run.
fn kill_hard(lab: &Lab, run: &mut Child, pid_file: &str) {
    run.kill().expect("kill -9 the run");
    run.wait().expect("reap the run");
    let pid = std::fs::read_to_string(lab.path().join(pid_file)).expect("pid file");
    let _ = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status();
}

/// A study `k` and a first run whose one trial writes its pid to
/// `started-0` and then sleeps, like a long training run; returns once the
/// trial has started.
fn study_with_a_slow_worker(lab: &Lab) -> Child {
    lab.study("k", "x=float(0,1)");
    let slow = lab.script(
        "slow.sh",
        "echo $$ > \"started-$HYPERSPACE_TRIAL_NUMBER\"\nexec sleep 30",
    );
    let first = spawn_run(lab, &run_args("1", &slow));
    wait_for_file(lab, "started-0");
    first
}

/// `run -s k -n N --stale-after 1s -- COMMAND`.
fn run_args<'a>(n: &'a str, command: &'a str) -> [&'a str; 9] {
    [
        "run",
        "-s",
        "k",
        "-n",
        n,
        "--stale-after",
        "1s",
        "--",
        command,
    ]
}

fn trial(trials: &[Json], number: u64) -> &Json {
    trials
        .iter()
        .find(|t| t["number"] == number)
        .unwrap_or_else(|| panic!("no trial #{number} in {trials:?}"))
}

/// The abandoned trial is failed with a message saying why, and its copy
/// (same parameters, the original as parent) is completed.
fn assert_recovered(trials: &[Json], abandoned: u64, copy: u64) {
    let old = trial(trials, abandoned);
    assert_eq!(old["state"], "failed", "{old}");
    let message = old["message"].as_str().unwrap_or_default();
    assert!(message.contains("presumed dead"), "{message}");
    let new = trial(trials, copy);
    assert_eq!(new["state"], "complete", "{new}");
    assert_eq!(new["parent"], old["id"], "{new}");
    assert_eq!(new["params"], old["params"], "{new}");
}

#[test]
fn the_next_run_requeues_a_killed_workers_trial() {
    let lab = Lab::new();
    let mut first = study_with_a_slow_worker(&lab);
    kill_hard(&lab, &mut first, "started-0");
    assert_eq!(in_state(&lab.trials("k"), "running").len(), 1);

    std::thread::sleep(Duration::from_millis(1500));
    let quick = lab.script("quick.sh", "echo loss=1");
    let out = lab.hs(&run_args("1", &quick)).output().expect("second run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("re-queued trial #0 as #1"), "{stderr}");
    let trials = lab.trials("k");
    assert_eq!(trials.len(), 2, "{trials:?}");
    assert_recovered(&trials, 0, 1);
}

#[test]
fn a_busy_run_requeues_a_trial_abandoned_meanwhile() {
    let lab = Lab::new();
    let mut first = study_with_a_slow_worker(&lab);

    // The second run starts while the first is alive, so there is nothing
    // to recover yet; its own trials take 2 s each, long enough for the
    // first run's trial to go silent in between.
    let medium = lab.script(
        "medium.sh",
        "touch \"began-$HYPERSPACE_TRIAL_NUMBER\"\nsleep 2\necho loss=1",
    );
    let second = spawn_run(&lab, &run_args("2", &medium));
    wait_for_file(&lab, "began-1");
    kill_hard(&lab, &mut first, "started-0");

    let out = second.wait_with_output().expect("second run");
    assert!(out.status.success());
    let trials = lab.trials("k");
    assert_eq!(trials.len(), 3, "{trials:?}");
    assert_eq!(trial(&trials, 1)["state"], "complete");
    assert_recovered(&trials, 0, 2);
}

#[test]
fn a_live_worker_keeps_its_trial() {
    let lab = Lab::new();
    let mut first = study_with_a_slow_worker(&lab);
    // Three times the silence allowed: heartbeats keep the trial alive.
    std::thread::sleep(Duration::from_secs(3));
    let quick = lab.script("quick.sh", "echo loss=1");
    lab.hs(&run_args("1", &quick)).assert().success();
    let trials = lab.trials("k");
    assert_eq!(trial(&trials, 0)["state"], "running", "{trials:?}");
    assert_eq!(trial(&trials, 1)["parent"], Json::Null, "{trials:?}");
    kill_hard(&lab, &mut first, "started-0");
}

#[test]
fn a_too_short_silence_is_refused() {
    let lab = Lab::new();
    lab.study("k", "x=float(0,1)");
    one_line_error(
        &mut lab.hs(&["run", "-s", "k", "--stale-after", "200ms", "--", "true"]),
        "--stale-after",
    );
}
