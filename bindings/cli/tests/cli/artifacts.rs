//! Trial artifacts (issue 15): each trial's command gets its own directory
//! (`{trial_dir}`, `HYPERSPACE_TRIAL_DIR`), what it leaves there is listed
//! with sizes and hashes, and a trial with a parent — a `rerun --resume`,
//! a Hyperband promotion — finds its parent's checkpoint through
//! `{parent_dir}` / `HYPERSPACE_PARENT_DIR` and continues from it.

use crate::setup::{in_state, one_line_error, outputs_of, stdout_of, Lab};
use serde_json::Value as Json;

/// A training script that resumes: it starts from the epoch in its parent's
/// `checkpoint.json` (if any), trains up to its budget (default 5), writes
/// its own checkpoint, and reports where it started and how much it trained.
/// It also checks that the parent's budget it was given matches the
/// parent's checkpoint, so a wrong `HYPERSPACE_PARENT_BUDGET` fails it.
const TRAIN: &str = r#"
budget="${HYPERSPACE_BUDGET:-5}"
start=0
if [ -n "$HYPERSPACE_PARENT_DIR" ] && [ -f "$HYPERSPACE_PARENT_DIR/checkpoint.json" ]; then
  start=$(sed 's/[^0-9.]//g' "$HYPERSPACE_PARENT_DIR/checkpoint.json")
  if [ -n "$HYPERSPACE_PARENT_BUDGET" ]; then
    awk -v a="$start" -v b="$HYPERSPACE_PARENT_BUDGET" 'BEGIN { exit !(a == b) }' || { echo "parent budget $HYPERSPACE_PARENT_BUDGET, checkpoint $start" >&2; exit 4; }
  fi
fi
[ "$1" = "$HYPERSPACE_TRIAL_DIR" ] || { echo "trial dir mismatch: $1 vs $HYPERSPACE_TRIAL_DIR" >&2; exit 3; }
mkdir -p "$1/plots"
echo "{\"epoch\": $budget}" > "$1/checkpoint.json"
echo "curve" > "$1/plots/loss.txt"
awk -v x="$HYPERSPACE_PARAM_X" -v b="$budget" -v s="$start" 'BEGIN { printf "{\"loss\": %.6f, \"start\": %g, \"trained\": %g}\n", (x - 0.3) ^ 2 + 1 / b, s, b - s }'
"#;

fn artifacts_json(lab: &Lab, trial: &str) -> Json {
    let out = stdout_of(&mut lab.hs(&["artifacts", "--trial", trial, "--format", "json"]));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_trial_keeps_its_files_and_a_resumed_rerun_continues_from_them() {
    let lab = Lab::new();
    lab.study("r", "x=float(0,1)");
    let train = lab.script("train.sh", TRAIN);
    lab.hs(&["run", "-s", "r", "-n", "1", "--", &train, "{trial_dir}"])
        .assert()
        .success();
    let dir = lab.path().join("runs.db.artifacts/r/0");
    assert_eq!(
        std::fs::read_to_string(dir.join("checkpoint.json")).unwrap(),
        "{\"epoch\": 5}\n"
    );
    let listed = artifacts_json(&lab, "1");
    assert_eq!(listed["dir"], dir.display().to_string());
    let files = listed["artifacts"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["checkpoint.json", "plots/loss.txt"]);
    assert_eq!(files[0]["size"], 13);
    // Reference: `printf 'curve\n' | sha256sum`.
    assert_eq!(
        files[1]["sha256"],
        "931c3acd8498d407ceeb2827a5d09dc9864b601e9327be7a5f43efecd1b6cfe1"
    );
    assert!(files.iter().all(|f| f["present"] == true));

    let out = stdout_of(&mut lab.hs(&["rerun", "1", "--resume", "--budget", "8"]));
    assert!(out.contains("continuation of trial 1"), "{out}");
    lab.hs(&[
        "worker",
        "-s",
        "r",
        "--queue-only",
        "--",
        &train,
        "{trial_dir}",
    ])
    .assert()
    .success();
    let trials = lab.trials("r");
    let child = &trials[1];
    assert_eq!(child["state"], "complete", "{child}");
    assert_eq!(child["parent"], 1);
    assert_eq!(child["meta"]["extra"]["resumes"], 1);
    assert_eq!(child["metrics"]["start"], 5.0);
    assert_eq!(child["metrics"]["trained"], 3.0);
    // `trials` shows the lineage.
    let table = stdout_of(&mut lab.hs(&["trials", "-s", "r"]));
    assert!(table.lines().next().unwrap().contains("parent"), "{table}");
}

#[test]
fn a_rerun_of_a_trial_whose_artifacts_were_deleted_says_so() {
    let lab = Lab::new();
    lab.study("d", "x=float(0,1)");
    let train = lab.script("train.sh", TRAIN);
    lab.hs(&["run", "-s", "d", "-n", "1", "--", &train, "{trial_dir}"])
        .assert()
        .success();
    std::fs::remove_file(lab.path().join("runs.db.artifacts/d/0/checkpoint.json")).unwrap();
    let listed = artifacts_json(&lab, "1");
    assert_eq!(listed["artifacts"][0]["present"], false);
    let line = one_line_error(
        &mut lab.hs(&["rerun", "1", "--resume", "--budget", "8"]),
        "trial 1's artifacts are missing",
    );
    assert!(line.contains("checkpoint.json"), "{line}");
    assert_eq!(lab.trials("d").len(), 1, "nothing is queued");
    // A plain re-run starts again: it is queued, with a warning.
    let out = lab.hs(&["rerun", "1"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: trial 1's artifacts are missing"),
        "{err}"
    );
    assert_eq!(lab.trials("d").len(), 2);
}

#[test]
fn an_explicit_store_is_used_and_deleting_the_study_asks_about_it() {
    let lab = Lab::new();
    lab.study("e", "x=float(0,1)");
    let train = lab.script("train.sh", TRAIN);
    let store = lab.path().join("shared-store");
    let store_arg = store.display().to_string();
    lab.hs(&[
        "--artifacts",
        &store_arg,
        "run",
        "-s",
        "e",
        "-n",
        "2",
        "--",
        &train,
        "{trial_dir}",
    ])
    .assert()
    .success();
    assert!(store.join("e/1/checkpoint.json").is_file());
    assert!(!lab.path().join("runs.db.artifacts").exists());
    // HYPERSPACE_ARTIFACTS names the same store.
    let listed: Json = serde_json::from_str(&stdout_of(
        lab.hs(&["artifacts", "--trial", "2", "--format", "json"])
            .env("HYPERSPACE_ARTIFACTS", &store),
    ))
    .unwrap();
    assert_eq!(listed["artifacts"].as_array().unwrap().len(), 2);
    let line = one_line_error(
        &mut lab.hs(&["--artifacts", &store_arg, "study", "delete", "e"]),
        "their artifacts in",
    );
    assert!(line.contains("--yes"), "{line}");
    assert!(store.join("e").is_dir());
    let out = stdout_of(&mut lab.hs(&["--artifacts", &store_arg, "study", "delete", "e", "--yes"]));
    assert!(out.contains("artifacts"), "{out}");
    assert!(!store.join("e").exists());
}

/// Hyperband promotes the best of each rung with its parameters, the next
/// budget and itself as parent; the promoted trial loads its parent's
/// checkpoint and trains only the difference. Total training with resuming
/// is then compared with retraining every promotion from scratch.
#[test]
fn a_hyperband_promotion_continues_from_its_parents_checkpoint() {
    let lab = Lab::new();
    let train = lab.script("train.sh", TRAIN);
    lab.run_hyperband(13, &[&train, "{trial_dir}"]);
    let trials = lab.trials("hb");
    assert_eq!(in_state(&trials, "complete").len(), 13, "{trials:?}");
    let promoted: Vec<_> = trials.iter().filter(|t| !t["parent"].is_null()).collect();
    assert!(promoted.len() >= 3, "too few promotions: {trials:?}");
    for p in &promoted {
        let parent = trials.iter().find(|t| t["id"] == p["parent"]).unwrap();
        let parent_budget = parent["budget"].as_f64().unwrap();
        assert_eq!(
            p["metrics"]["start"].as_f64().unwrap(),
            parent_budget,
            "{p}"
        );
        assert_eq!(
            p["metrics"]["trained"].as_f64().unwrap(),
            p["budget"].as_f64().unwrap() - parent_budget,
            "{p}"
        );
    }
    let resumed: f64 = trials
        .iter()
        .map(|t| t["metrics"]["trained"].as_f64().unwrap())
        .sum();
    let from_scratch: f64 = trials.iter().map(|t| t["budget"].as_f64().unwrap()).sum();
    eprintln!(
        "hyperband (max_budget 9, eta 3, 13 trials): total budget {resumed} with resuming, {from_scratch} retraining each promotion"
    );
    assert!(resumed < from_scratch, "{resumed} vs {from_scratch}");
}

#[test]
fn export_with_artifacts_copies_each_trials_files_and_names_what_is_missing() {
    let lab = Lab::new();
    lab.study("e", "x=float(0,1)");
    let train = lab.script("train.sh", TRAIN);
    lab.hs(&["run", "-s", "e", "-n", "2", "--", &train, "{trial_dir}"])
        .assert()
        .success();
    std::fs::remove_file(lab.path().join("runs.db.artifacts/e/1/plots/loss.txt")).unwrap();
    std::fs::write(
        lab.path().join("runs.db.artifacts/e/1/checkpoint.json"),
        "{}",
    )
    .unwrap();
    let out_dir = lab.path().join("export");
    let (_, err) = outputs_of(&mut lab.hs(&[
        "export",
        "-s",
        "e",
        "--with-artifacts",
        "-o",
        out_dir.to_str().unwrap(),
    ]));
    assert!(
        err.contains("warning: missing, not exported: trial 2 (number 1): plots/loss.txt"),
        "{err}"
    );
    assert!(
        err.contains("SHA-256 differs): trial 2 (number 1): checkpoint.json"),
        "{err}"
    );
    let lines = std::fs::read_to_string(out_dir.join("trials.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("artifacts/0/checkpoint.json")).unwrap(),
        "{\"epoch\": 5}\n"
    );
    assert!(out_dir.join("artifacts/0/plots/loss.txt").is_file());
    assert!(!out_dir.join("artifacts/1/plots/loss.txt").exists());
    // A folder is needed to hold the files.
    let line = one_line_error(
        &mut lab.hs(&["export", "-s", "e", "--with-artifacts"]),
        "--with-artifacts writes a folder",
    );
    assert!(line.contains("--output DIR"), "{line}");
}
