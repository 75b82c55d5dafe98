//! Reliability issue, writes to a closed or full stdout/stderr panicked
//! (exit code 101): a reader that went away ends a command quietly with 0,
//! a full disk with a message and 1, and a run keeps its trials either way.

use crate::setup::{in_state, Lab};
use std::process::{Output, Stdio};

/// A lab with study `s` holding two complete trials.
fn lab_with_results() -> Lab {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1)");
    for value in ["0.5", "0.25"] {
        let out = lab
            .hs(&["suggest", "--study", "s"])
            .output()
            .expect("suggest");
        assert!(out.status.success());
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        let trial: serde_json::Value = serde_json::from_str(line.trim()).expect("json");
        let id = trial["trial"].to_string();
        lab.hs(&["tell", "--study", "s", "--trial", &id, "--value", value])
            .assert()
            .success();
    }
    lab
}

/// Runs `hyperspace --storage <lab> ARGS` with stdout a pipe whose read end
/// is already closed, so that every write to it fails with EPIPE.
fn with_closed_stdout(lab: &Lab, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    lab.process(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run")
}

/// Runs `hyperspace --storage <lab> ARGS` with stdout or stderr on /dev/full.
fn with_full(lab: &Lab, args: &[&str], stream: &str) -> Option<Output> {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .ok()?;
    let mut cmd = lab.process(args);
    cmd.stdin(Stdio::null());
    if stream == "stdout" {
        cmd.stdout(full).stderr(Stdio::piped());
    } else {
        cmd.stdout(Stdio::piped()).stderr(full);
    }
    Some(cmd.output().expect("run"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_reader_that_went_away_ends_commands_quietly() {
    let lab = lab_with_results();
    for args in [
        &["study", "show", "s", "--format", "json"][..],
        &["study", "show", "s"],
        &["study", "list"],
        &["best", "--study", "s"],
        &["best", "--study", "s", "--format", "json"],
        &["trials", "--study", "s"],
        &["export", "--study", "s", "--format", "jsonl"],
        &["--help"],
    ] {
        let out = with_closed_stdout(&lab, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let lab = lab_with_results();
    for args in [
        &["study", "show", "s", "--format", "json"][..],
        &["best", "--study", "s"],
        &["trials", "--study", "s"],
        &["export", "--study", "s", "--format", "jsonl"],
    ] {
        let Some(out) = with_full(&lab, args, "stdout") else {
            eprintln!("no /dev/full here; skipping");
            return;
        };
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim(),
            "error: cannot write to standard output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
}

#[test]
fn runs_keep_their_trials_when_stdout_or_stderr_fail() {
    let lab = Lab::new();
    let script = lab.script("obj.sh", "echo \"loss=$1\"");
    let run = |study: &str| {
        vec![
            "run".to_string(),
            "--study".into(),
            study.into(),
            "--space".into(),
            "x=float(0,1)".into(),
            "-n".into(),
            "3".into(),
            "--".into(),
            script.clone(),
            "{x}".into(),
        ]
    };
    let args = run("closed");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = with_closed_stdout(&lab, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
    assert_eq!(in_state(&lab.trials("closed"), "complete").len(), 3);

    let args = run("full");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some(out) = with_full(&lab, &args, "stderr") else {
        eprintln!("no /dev/full here; skipping");
        return;
    };
    // The trials ran and were kept; the exit code says that stderr failed.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("ran 3 trial(s)"));
    assert_eq!(in_state(&lab.trials("full"), "complete").len(), 3);
}
