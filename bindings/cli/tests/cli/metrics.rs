//! Several metrics per step from the shell, and the repeated-step note
//! (issues 14 and 16): named groups of `--intermediate` are metrics kept
//! by step, `report --metric` records them by hand, a repeated step keeps
//! its first value with a note on stderr, and `trials` reads them.

use crate::setup::{stdout_of, Lab};

#[test]
fn issue_14_named_groups_of_the_intermediate_pattern_are_kept_by_step() {
    let lab = Lab::new();
    lab.study("m", "x=float(0,1)");
    // Three epochs, the last printed again with other values (a second
    // evaluation at the same step): the first values are kept.
    let train = lab.script(
        "train.sh",
        r#"echo "epoch 0 loss=0.7 acc=0.5"
echo "epoch 1 loss=0.6 acc=0.6"
echo "epoch 2 loss=0.5 acc=0.7"
echo "epoch 2 loss=0.1 acc=0.9"
echo "loss=0.3""#,
    );
    let out = lab
        .hs(&[
            "run",
            "-s",
            "m",
            "-n",
            "1",
            "--intermediate",
            r"epoch (?P<step>\d+) loss=(?P<value>[0-9.]+) acc=(?P<acc>[0-9.]+)",
            "--",
            &train,
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: trial #0 already has the objective's value, metric 'acc' at step 2"),
        "{stderr}"
    );
    let trials = lab.trials("m");
    let t = &trials[0];
    assert_eq!(t["state"], "complete");
    assert_eq!(
        t["intermediate"],
        serde_json::json!({"0": 0.7, "1": 0.6, "2": 0.5})
    );
    assert_eq!(
        t["intermediate_metrics"],
        serde_json::json!({"acc": {"0": 0.5, "1": 0.6, "2": 0.7}})
    );
    // `trials` names the metric: its last value reported.
    let table = stdout_of(&mut lab.hs(&[
        "trials",
        "-s",
        "m",
        "--columns",
        "number,acc",
        "--where",
        "acc > 0.6",
    ]));
    assert!(table.contains("0.7"), "{table}");
}

#[test]
fn issue_16_report_by_hand_takes_metrics_and_notes_a_repeated_step() {
    let lab = Lab::new();
    lab.study("r", "x=float(0,1)");
    let line = stdout_of(&mut lab.hs(&["suggest", "--study", "r"]));
    let trial: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let id = trial["trial"].to_string();
    let report = |args: &[&str]| {
        let mut all = vec!["report", "-s", "r", "--trial", &id];
        all.extend_from_slice(args);
        lab.hs(&all).output().expect("report")
    };
    let first = report(&["--step", "0", "--value", "1.5", "--metric", "acc=0.25"]);
    assert!(first.status.success());
    assert!(first.stderr.is_empty(), "{first:?}");
    let again = report(&["--step", "0", "-m", "acc=0.75", "-m", "f1=0.5"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stderr.contains("already has metric 'acc' at step 0; the first value is kept"),
        "{stderr}"
    );
    let bad = report(&["--step", "1", "--metric", "acc"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--metric 'acc' has no '='"),
        "{bad:?}"
    );
    let none = report(&["--step", "1"]);
    assert!(String::from_utf8_lossy(&none.stderr).contains("pass --value V, or --metric"));
    let t = &lab.trials("r")[0];
    assert_eq!(t["intermediate"], serde_json::json!({"0": 1.5}));
    assert_eq!(
        t["intermediate_metrics"],
        serde_json::json!({"acc": {"0": 0.25}, "f1": {"0": 0.5}})
    );
}
