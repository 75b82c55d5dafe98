//! enqueue (one config, partial configs, grids), workers sharing a queue,
//! and rerun.

use crate::setup::{in_state, stdout_of, Lab};
use std::collections::HashSet;
use std::process::Stdio;

#[test]
fn a_grid_drained_by_two_concurrent_workers_runs_each_point_once() {
    let lab = Lab::new();
    lab.study("g", "lr=log(1e-4,1) layers=int(1,8)");
    let out = stdout_of(&mut lab.hs(&[
        "enqueue",
        "-s",
        "g",
        "--grid",
        "lr=[0.1, 0.01, 0.001] layers=[2,4,6]",
    ]));
    assert!(out.contains("queued 9 trial(s)"), "{out}");
    let script = lab.script(
        "w.sh",
        "sleep 0.05\nawk -v a=\"$HYPERSPACE_PARAM_LR\" -v b=\"$HYPERSPACE_PARAM_LAYERS\" 'BEGIN { printf \"value=%.15g\\n\", a * b }'",
    );
    let workers: Vec<_> = (0..2)
        .map(|_| {
            lab.process(&["worker", "-s", "g", "--queue-only", "--", &script])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for w in workers {
        let out = w.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let trials = lab.trials("g");
    assert_eq!(trials.len(), 9);
    assert_eq!(in_state(&trials, "complete").len(), 9, "{trials:?}");
    let points: HashSet<String> = trials.iter().map(|t| t["params"].to_string()).collect();
    assert_eq!(points.len(), 9, "a grid point ran twice");
    for t in &trials {
        let lr = t["params"]["lr"].as_f64().unwrap();
        let layers = t["params"]["layers"].as_f64().unwrap();
        assert!((t["value"].as_f64().unwrap() - lr * layers).abs() < 1e-12);
    }
}

#[test]
fn enqueue_one_config_and_partial_configs() {
    let lab = Lab::new();
    lab.study("e", "x=float(0,1) opt=choice(adam,sgd)");
    lab.hs(&["enqueue", "-s", "e", "x=0.25", "opt=sgd"])
        .assert()
        .success();
    lab.hs(&[
        "enqueue",
        "-s",
        "e",
        "--params",
        r#"{"x": 0.5}"#,
        "--budget",
        "3",
    ])
    .assert()
    .success();
    let script = lab.script(
        "s.sh",
        "echo \"loss=$HYPERSPACE_PARAM_X budget=${HYPERSPACE_BUDGET:-0}\"",
    );
    lab.hs(&[
        "worker",
        "-s",
        "e",
        "--queue-only",
        "--objective",
        "loss",
        "--",
        &script,
    ])
    .assert()
    .success();
    let trials = lab.trials("e");
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[0]["params"]["opt"], "sgd");
    assert_eq!(trials[0]["value"], 0.25);
    assert_eq!(trials[1]["value"], 0.5);
    assert_eq!(trials[1]["metrics"]["budget"], 3.0);
    // The searcher filled in the parameter the queued trial left open.
    assert!(trials[1]["params"]["opt"].is_string(), "{}", trials[1]);
    // A run serves queued trials before asking the searcher.
    lab.hs(&["enqueue", "-s", "e", "x=0.75"]).assert().success();
    lab.hs(&[
        "run",
        "-s",
        "e",
        "-n",
        "2",
        "--objective",
        "loss",
        "--",
        &script,
    ])
    .assert()
    .success();
    let trials = lab.trials("e");
    assert_eq!(trials[2]["params"]["x"], 0.75);
    assert_eq!(in_state(&trials, "complete").len(), 4);
}

#[test]
fn rerun_with_changes_is_linked_to_its_parent() {
    let lab = Lab::new();
    lab.study("r", "lr=log(1e-4,1) layers=int(1,8)");
    let script = lab.script("s.sh", "echo \"loss=$HYPERSPACE_PARAM_LR\"");
    lab.hs(&["run", "-s", "r", "-n", "1", "--", &script])
        .assert()
        .success();
    let first = lab.trials("r")[0].clone();
    let out = stdout_of(&mut lab.hs(&["rerun", "1", "--set", "lr=0.02", "--budget", "10"]));
    assert!(out.contains("re-run of trial 1"), "{out}");
    let trials = lab.trials("r");
    let copy = &trials[1];
    assert_eq!(copy["state"], "waiting");
    assert_eq!(copy["parent"], 1);
    assert_eq!(copy["budget"], 10.0);
    assert_eq!(copy["params"]["lr"], 0.02);
    assert_eq!(copy["params"]["layers"], first["params"]["layers"]);
    lab.hs(&["worker", "-s", "r", "--queue-only", "--", &script])
        .assert()
        .success();
    let trials = lab.trials("r");
    assert_eq!(trials[1]["state"], "complete");
    assert_eq!(trials[1]["value"], 0.02);
    // A plain rerun copies the configuration as it was.
    lab.hs(&["rerun", "2"]).assert().success();
    assert_eq!(lab.trials("r")[2]["params"], trials[1]["params"]);
}

#[test]
fn a_worker_stops_when_the_grid_searcher_is_exhausted_or_the_budget_is_spent() {
    let lab = Lab::new();
    lab.hs(&[
        "study",
        "create",
        "grid",
        "--space",
        "opt=choice(a,b,c) n=int(1,2)",
        "--searcher",
        "grid",
    ])
    .assert()
    .success();
    let script = lab.script("s.sh", "echo \"loss=$HYPERSPACE_PARAM_N\"");
    let out = lab
        .hs(&["worker", "-s", "grid", "-j", "2", "--", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing left"));
    let trials = lab.trials("grid");
    assert_eq!(in_state(&trials, "complete").len(), 6, "{trials:?}");
    let points: HashSet<String> = trials.iter().map(|t| t["params"].to_string()).collect();
    assert_eq!(points.len(), 6);

    lab.study("capped", "x=float(0,1)");
    let loss = lab.script("l.sh", "echo loss=1");
    for _ in 0..2 {
        lab.hs(&["worker", "-s", "capped", "--max-trials", "3", "--", &loss])
            .assert()
            .success();
    }
    assert_eq!(lab.trials("capped").len(), 3);
}
