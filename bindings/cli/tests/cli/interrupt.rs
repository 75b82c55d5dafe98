//! Ctrl-C (SIGINT) on a running `hyperspace run` leaves no trial running.

use crate::setup::{in_state, Lab};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn wait_for_files(lab: &Lab, names: &[&str]) {
    let start = Instant::now();
    while !names.iter().all(|n| lab.path().join(n).exists()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "trials never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupt_and_wait(child: &mut Child) -> i32 {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "run did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_run(lab: &Lab, extra: &[&str]) -> Child {
    let script = lab.script(
        "slow.sh",
        "echo $$ > \"started-$HYPERSPACE_TRIAL_NUMBER\"\nexec sleep 30",
    );
    let mut args = vec!["run", "-s", "c", "-n", "4", "-j", "2"];
    args.extend_from_slice(extra);
    args.extend(["--", script.as_str()]);
    lab.process(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn ctrl_c_requeues_running_trials_and_stops_their_processes() {
    let lab = Lab::new();
    lab.study("c", "x=float(0,1)");
    let mut child = start_run(&lab, &[]);
    wait_for_files(&lab, &["started-0", "started-1"]);
    let start = Instant::now();
    assert_eq!(interrupt_and_wait(&mut child), 130);
    assert!(start.elapsed() < Duration::from_secs(10));
    let trials = lab.trials("c");
    assert!(in_state(&trials, "running").is_empty(), "{trials:?}");
    assert_eq!(in_state(&trials, "waiting").len(), 2, "{trials:?}");
    for n in ["started-0", "started-1"] {
        let pid = std::fs::read_to_string(lab.path().join(n)).unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        assert!(
            stat.map_or(true, |s| s
                .rsplit(')')
                .next()
                .unwrap()
                .trim_start()
                .starts_with('Z')),
            "trial process {pid} still alive"
        );
    }
    // The next run takes the re-queued trials first.
    let quick = lab.script("quick.sh", "echo 'loss=1'");
    lab.hs(&["run", "-s", "c", "-n", "2", "--", &quick])
        .assert()
        .success();
    let trials = lab.trials("c");
    assert_eq!(trials.len(), 2);
    assert_eq!(in_state(&trials, "complete").len(), 2);
}

#[test]
fn ctrl_c_can_fail_running_trials_instead() {
    let lab = Lab::new();
    lab.study("c", "x=float(0,1)");
    let mut child = start_run(&lab, &["--on-interrupt", "fail"]);
    wait_for_files(&lab, &["started-0", "started-1"]);
    assert_eq!(interrupt_and_wait(&mut child), 130);
    let trials = lab.trials("c");
    assert!(in_state(&trials, "running").is_empty(), "{trials:?}");
    let failed = in_state(&trials, "failed");
    assert_eq!(failed.len(), 2);
    assert!(failed[0]["message"]
        .as_str()
        .unwrap()
        .contains("interrupted"));
}
