//! `--pruner`: a running command whose intermediate values fall behind is
//! stopped and its trial recorded as pruned, with the steps it reached.

use crate::setup::{in_state, one_line_error, stdout_of, Lab};

/// A training loop: five steps of `step N: LOSS` (the loss falls towards
/// `x`), 0.2 s apart, then `loss=x`.
fn training_script(lab: &Lab) -> String {
    lab.script(
        "train.sh",
        r#"x=$1
for i in 0 1 2 3 4; do
  awk -v x="$x" -v i="$i" 'BEGIN { printf "step %d: %.3f\n", i, x + (5 - i) / 10 }'
  sleep 0.2
done
echo "loss=$x""#,
    )
}

/// Four queued trials (x = 0.1, 0.2, 0.9, 0.12) run with `extra` flags;
/// returns the trials once the run succeeded, after checking that #2 was
/// pruned.
fn run_the_queue(lab: &Lab, study: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    for x in ["0.1", "0.2", "0.9", "0.12"] {
        stdout_of(&mut lab.hs(&["enqueue", "-s", study, &format!("x={x}")]));
    }
    let train = training_script(lab);
    let mut args = vec!["run", "-s", study, "--queue-only"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "--intermediate",
        r"step (\d+): ([0-9.]+)",
        "--",
        &train,
        "{x}",
    ]);
    let out = lab.hs(&args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("trial #2 pruned at step 0"), "{stderr}");
    lab.trials(study)
}

#[test]
fn a_trial_behind_the_median_is_stopped_and_recorded_as_pruned() {
    let lab = Lab::new();
    lab.study("p", "x=float(0,1)");
    let trials = run_the_queue(
        &lab,
        "p",
        &[
            "--pruner",
            "median",
            "--pruner-settings",
            r#"{"n_startup_trials": 2}"#,
        ],
    );
    assert_eq!(in_state(&trials, "complete").len(), 3, "{trials:?}");
    let pruned = in_state(&trials, "pruned");
    assert_eq!(pruned.len(), 1, "{trials:?}");
    let p = pruned[0];
    assert_eq!(p["number"], 2);
    // Stopped at its first report (1.4 against a median of 0.65), so it
    // never reached the later steps; its value is that last report.
    let steps = p["intermediate"].as_object().expect("intermediate values");
    assert_eq!(steps.len(), 1, "{p}");
    assert_eq!(p["value"], 1.4);
    // The better trial after it was not stopped.
    let last = trials.iter().find(|t| t["number"] == 3).expect("trial #3");
    assert_eq!(last["state"], "complete");
}

/// A pruner given when the study is created is stored with it: a run that
/// names none prunes with it, and `study show` lists it.
#[test]
fn a_pruner_stored_with_the_study_is_used_by_every_run() {
    let lab = Lab::new();
    let created = stdout_of(&mut lab.hs(&[
        "study",
        "create",
        "q",
        "--space",
        "x=float(0,1)",
        "--pruner",
        "median",
        "--pruner-settings",
        r#"{"n_startup_trials": 2}"#,
    ]));
    assert!(
        created.contains(r#"pruner median {"n_startup_trials":2}"#),
        "{created}"
    );
    let trials = run_the_queue(&lab, "q", &[]);
    assert_eq!(in_state(&trials, "pruned").len(), 1, "{trials:?}");
    let shown = stdout_of(&mut lab.hs(&["study", "show", "q"]));
    assert!(shown.contains("pruner     median"), "{shown}");
    // A bad pruner is refused before the study exists.
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "r",
            "--space",
            "x=float(0,1)",
            "--pruner",
            "hyperband",
            "--pruner-settings",
            r#"{"max_resource": 0}"#,
        ]),
        "max_resource (0) must be above min_resource (1)",
    );
}

#[test]
fn unknown_pruners_and_stray_settings_are_refused() {
    let lab = Lab::new();
    lab.study("p", "x=float(0,1)");
    one_line_error(
        &mut lab.hs(&["run", "-s", "p", "--pruner", "hyperband!", "--", "true"]),
        "known pruners: asha, hyperband, median, none, successive_halving",
    );
    one_line_error(
        &mut lab.hs(&[
            "run",
            "-s",
            "p",
            "--pruner",
            "median",
            "--pruner-settings",
            r#"{"warmup": 1}"#,
            "--",
            "true",
        ]),
        "warmup",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "p", "--pruner-settings", "{}", "--", "true"]),
        "--pruner-settings needs --pruner",
    );
}

/// A command may record its own result with `hyperspace tell`; the run
/// keeps that result and goes on with the next trial.
#[test]
fn a_command_that_tells_its_own_result_does_not_stop_the_run() {
    let lab = Lab::new();
    lab.study("t", "x=float(0,1)");
    let script = lab.script(
        "self_tell.sh",
        r#""$1" tell --trial "$HYPERSPACE_TRIAL_ID" --value 0.25 && echo loss=9"#,
    );
    let out = lab
        .hs(&[
            "run",
            "-s",
            "t",
            "-n",
            "2",
            "--",
            &script,
            env!("CARGO_BIN_EXE_hyperspace"),
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("recorded before its command ended"),
        "{stderr}"
    );
    let trials = lab.trials("t");
    assert_eq!(in_state(&trials, "complete").len(), 2, "{trials:?}");
    assert!(trials.iter().all(|t| t["value"] == 0.25), "{trials:?}");
}
