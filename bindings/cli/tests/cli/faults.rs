//! Issue 11: no result is ever lost. A trial handed out by `suggest` is not
//! failed by a worker of the same study; a run rides out a storage outage
//! with its results kept; a run that gives up, or is killed while waiting,
//! leaves its results in a journal that `recover-results` or the next run
//! records.

use crate::proxy::Proxy;
use crate::setup::{in_state, stdout_of, Lab};
use serde_json::Value as Json;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn issue_11_a_suggested_trial_is_not_failed_by_a_worker_and_its_late_tell_is_kept() {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1)");
    let line = stdout_of(&mut lab.hs(&["suggest", "--study", "s"]));
    let suggested: Json = serde_json::from_str(line.trim()).unwrap();
    let id = suggested["trial"].to_string();
    std::thread::sleep(Duration::from_millis(2000));
    let quick = lab.script("quick.sh", "sleep 0.6; echo \"loss=$1\"");
    lab.hs(&[
        "run",
        "-s",
        "s",
        "-n",
        "6",
        "--stale-after",
        "3s",
        "--",
        &quick,
        "{x}",
    ])
    .assert()
    .success();
    lab.hs(&["tell", "--study", "s", "--trial", &id, "--value", "0.5"])
        .assert()
        .success();
    let trials = lab.trials("s");
    assert_eq!(in_state(&trials, "complete").len(), 7, "{trials:?}");
    assert_eq!(trials.len(), 7, "nothing was re-queued: {trials:?}");
}

/// The test server's URL with its host and port replaced by the proxy's;
/// `None` (skipped, said on stderr) without a server.
fn through(proxy_port: u16) -> Option<(String, String)> {
    let Ok(url) = std::env::var("HYPERSPACE_TEST_POSTGRES") else {
        eprintln!("skipped: HYPERSPACE_TEST_POSTGRES is unset (scripts/with-postgres sets it)");
        return None;
    };
    let (scheme_user, rest) = url.split_once('@')?;
    let (upstream, path) = rest.split_once('/')?;
    Some((
        upstream.to_string(),
        format!("{scheme_user}@127.0.0.1:{proxy_port}/{path}"),
    ))
}

/// A proxy to the test server and a study of this test's own behind it.
fn postgres_lab(test: &str) -> Option<(Lab, Proxy, String, String)> {
    let url = std::env::var("HYPERSPACE_TEST_POSTGRES").ok();
    let upstream = url
        .as_deref()?
        .split_once('@')?
        .1
        .split_once('/')?
        .0
        .to_string();
    let proxy = Proxy::start(&upstream);
    let (_, via) = through(proxy.port())?;
    let study = format!("{test}-{}", std::process::id());
    let lab = Lab::new();
    lab.bare(&[
        "--storage",
        &via,
        "study",
        "create",
        &study,
        "--space",
        "x=float(0,1)",
    ])
    .assert()
    .success();
    Some((lab, proxy, via, study))
}

fn trials_of(lab: &Lab, via: &str, study: &str) -> Vec<Json> {
    let out = stdout_of(&mut lab.bare(&[
        "--storage",
        via,
        "export",
        "--study",
        study,
        "--format",
        "jsonl",
    ]));
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits until `f` holds, for at most 30 s.
fn wait_until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never happened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `hyperspace run` on `study` through `via`, logging to `logs`,
/// with a command that marks its start in the returned folder and sleeps
/// `sleep` seconds before its result; output piped.
fn spawn_training(
    lab: &Lab,
    via: &str,
    study: &str,
    sleep: &str,
    args: &[&str],
) -> (std::path::PathBuf, std::process::Child) {
    let started = lab.path().join("started");
    std::fs::create_dir(&started).unwrap();
    // A trial also waits while the file `hold` exists, so a test can cut
    // the storage before any trial ends, however slow the machine.
    let train = lab.script(
        "train.sh",
        &format!(
            "touch {}/$$; sleep {sleep}; while [ -e {} ]; do sleep 0.05; done; echo \"loss=$1\"",
            started.display(),
            lab.path().join("hold").display()
        ),
    );
    let child = hyperspace(lab)
        .args(["--storage", via, "run", "-s", study, "--log-dir", "logs"])
        .args(args)
        .args(["--", &train, "{x}"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (started, child)
}

/// How many files a folder holds.
fn count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// The binary, run in the lab, for a test that must signal it.
fn hyperspace(lab: &Lab) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hyperspace"));
    cmd.current_dir(lab.path())
        .env_remove("HYPERSPACE_STORAGE")
        .env_remove("HYPERSPACE_STUDY");
    cmd
}

/// Journal files left in the lab's log folders.
fn journal_lines(lab: &Lab) -> usize {
    let mut n = 0;
    for entry in walk(lab.path()) {
        if entry.extension().is_some_and(|x| x == "jsonl") {
            n += std::fs::read_to_string(&entry)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count();
        }
    }
    n
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn issue_11_a_run_rides_out_a_postgres_outage_and_records_every_result() {
    let Some((lab, proxy, via, study)) = postgres_lab("outage") else {
        return;
    };
    let hold = lab.path().join("hold");
    std::fs::write(&hold, "").unwrap();
    let (started, child) = spawn_training(&lab, &via, &study, "0.2", &["-n", "4", "-j", "2"]);
    wait_until("both trials started", || count(&started) == 2);
    proxy.cut();
    std::fs::remove_file(&hold).unwrap();
    // The two running trials finish while the server is unreachable:
    // both results are kept in the journal.
    wait_until("both results are in the journal", || {
        journal_lines(&lab) == 2
    });
    proxy.restore();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("storage unavailable"), "{stderr}");
    assert!(stderr.contains("storage is back"), "{stderr}");
    let trials = trials_of(&lab, &via, &study);
    assert_eq!(in_state(&trials, "complete").len(), 4, "{trials:?}");
    assert_eq!(trials.len(), 4, "nothing ran twice: {trials:?}");
    assert_eq!(journal_lines(&lab), 0, "the journal is emptied");
}

#[test]
fn issue_11_results_of_a_run_that_gave_up_are_recorded_by_recover_results() {
    let Some((lab, proxy, via, study)) = postgres_lab("gave-up") else {
        return;
    };
    let hold = lab.path().join("hold");
    std::fs::write(&hold, "").unwrap();
    let (started, child) = spawn_training(
        &lab,
        &via,
        &study,
        "0.2",
        &["-n", "2", "-j", "2", "--storage-patience", "2s"],
    );
    wait_until("both trials started", || count(&started) == 2);
    proxy.cut();
    std::fs::remove_file(&hold).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("could not be recorded") && stderr.contains("recover-results"),
        "{stderr}"
    );
    assert_eq!(journal_lines(&lab), 2);
    proxy.restore();
    let recovered = stdout_of(&mut lab.bare(&[
        "--storage",
        &via,
        "recover-results",
        "--study",
        &study,
        "--log-dir",
        "logs",
    ]));
    assert_eq!(
        recovered.matches("recorded trial").count(),
        2,
        "{recovered}"
    );
    let trials = trials_of(&lab, &via, &study);
    assert_eq!(in_state(&trials, "complete").len(), 2, "{trials:?}");
    assert_eq!(journal_lines(&lab), 0);
}

#[test]
fn issue_11_a_worker_killed_while_storage_is_down_loses_nothing() {
    let Some((lab, proxy, via, study)) = postgres_lab("killed-waiting") else {
        return;
    };
    let hold = lab.path().join("hold");
    std::fs::write(&hold, "").unwrap();
    let (started, mut child) = spawn_training(&lab, &via, &study, "0.2", &["-n", "1"]);
    wait_until("the trial started", || count(&started) == 1);
    proxy.cut();
    std::fs::remove_file(&hold).unwrap();
    wait_until("the result is in the journal", || journal_lines(&lab) == 1);
    child.kill().unwrap();
    child.wait().unwrap();
    proxy.restore();
    // The next run of the study records it before anything else.
    let quick = lab.script("quick.sh", "echo \"loss=$1\"");
    let out = lab
        .bare(&[
            "--storage",
            &via,
            "run",
            "-s",
            &study,
            "-n",
            "1",
            "--log-dir",
            "logs",
            "--",
            &quick,
            "{x}",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("left by an earlier worker"), "{stderr}");
    let trials = trials_of(&lab, &via, &study);
    assert_eq!(in_state(&trials, "complete").len(), 2, "{trials:?}");
    assert_eq!(trials.len(), 2, "{trials:?}");
    assert_eq!(journal_lines(&lab), 0);
}

#[test]
fn issue_11_a_run_stops_after_max_failures_in_a_row() {
    let lab = Lab::new();
    lab.study("f", "x=float(0,1)");
    let broken = lab.script("broken.sh", "echo 'no such file' >&2; exit 3");
    let out = lab
        .hs(&[
            "run",
            "-s",
            "f",
            "-n",
            "20",
            "--max-failures",
            "4",
            "--",
            &broken,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("4 trials in a row failed"),
        "{stdout}{stderr}"
    );
    assert_eq!(lab.trials("f").len(), 4);
    // The default is 10; 0 turns it off.
    let out = lab
        .hs(&[
            "run",
            "-s",
            "f",
            "-n",
            "12",
            "--max-failures",
            "0",
            "--",
            &broken,
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("in a row failed"));
    assert_eq!(lab.trials("f").len(), 16);
}
