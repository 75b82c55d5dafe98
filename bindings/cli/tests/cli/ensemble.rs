//! Ensembles of the best trials (issue 15): `hyperspace ensemble` selects
//! from the predictions each trial saved in its `{trial_dir}`, stores the
//! result in the study, and `ensemble predict` applies it by running a
//! command per member.

use crate::setup::{one_line_error, stdout_of, Lab};
use serde_json::Value as Json;

/// A "model" whose validation predictions are the targets 1..6 shifted by
/// `2 (x - 0.5)`: trials below 0.5 under-predict, above over-predict, so
/// averaging one of each cancels their errors. Its loss is `|x - 0.5|`.
const TRAIN: &str = r#"
d="$1"
printf '1\n2\n3\n4\n5\n6\n' > "$d/targets.csv"
awk -v x="$HYPERSPACE_PARAM_X" 'BEGIN { print "prediction"; for (i = 1; i <= 6; i++) printf "%.6f\n", i + 2 * (x - 0.5) }' > "$d/predictions.csv"
awk -v x="$HYPERSPACE_PARAM_X" 'BEGIN { d = x - 0.5; if (d < 0) d = -d; printf "{\"loss\": %.6f}\n", d }'
"#;

/// A study `e` of four trials: x = 0.3, 0.8, 0.1, 0.95 (numbers 0..3);
/// ranked by loss 0.3 (bias -0.4), 0.8 (+0.6), 0.1 (-0.8), 0.95 (+0.9).
fn four_trials() -> Lab {
    let lab = Lab::new();
    lab.study("e", "x=float(0,1)");
    for x in ["x=0.3", "x=0.8", "x=0.1", "x=0.95"] {
        lab.hs(&["enqueue", "-s", "e", x]).assert().success();
    }
    let train = lab.script("train.sh", TRAIN);
    lab.hs(&["run", "-s", "e", "-n", "4", "--", &train, "{trial_dir}"])
        .assert()
        .success();
    lab
}

fn ensemble_json(lab: &Lab, extra: &[&str]) -> Json {
    let mut args = vec![
        "ensemble", "-s", "e", "--metric", "rmse", "--format", "json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&stdout_of(&mut lab.hs(&args))).unwrap()
}

fn numbers(v: &Json) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

#[test]
fn opposite_errors_cancel_and_the_ensemble_is_stored_and_applied() {
    let lab = four_trials();
    let e = ensemble_json(&lab, &["--top", "3", "--size", "10", "--name", "best3"]);
    assert_eq!(numbers(&e["candidates"]), [0, 1, 2]);
    assert_eq!(e["best_single"], 0);
    let single = e["best_single_score"].as_f64().unwrap();
    assert!((single - 0.4).abs() < 1e-9, "{e}");
    let score = e["score"].as_f64().unwrap();
    // 0.6 of trial 0 and 0.4 of trial 1 cancel exactly; ten rounds get close
    assert!(score < 0.05, "{e}");
    let members = numbers(&e["members"]);
    assert!(members.starts_with(&[0, 1]), "{e}");
    let weights: Vec<f64> = e["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .collect();
    assert_eq!(weights.len(), members.len());
    assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);

    // --where narrows the candidates before --top
    let over = ensemble_json(&lab, &["--where", "x > 0.5", "--name", "over"]);
    assert_eq!(numbers(&over["candidates"]), [1, 3]);
    assert_eq!(numbers(&over["members"]), [1]);
    assert_eq!(over["score"], over["best_single_score"]);

    // applied: each member's command copies its saved predictions to {out};
    // the weighted mean reproduces the validation score
    let copy = lab.script("predict.sh", r#"cp "$1/predictions.csv" "$2""#);
    let out = stdout_of(&mut lab.hs(&[
        "ensemble",
        "predict",
        "-s",
        "e",
        "--ensemble",
        "best3",
        "--",
        &copy,
        "{trial_dir}",
        "{out}",
    ]));
    let rows: Vec<f64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(rows.len(), 6);
    let rmse = (rows
        .iter()
        .enumerate()
        .map(|(i, p)| (p - (i + 1) as f64).powi(2))
        .sum::<f64>()
        / 6.0)
        .sqrt();
    assert!((rmse - score).abs() < 1e-6, "{rmse} vs {score}");
}

#[test]
fn clear_errors_name_the_trial_and_file() {
    let lab = four_trials();
    let dir = lab.path().join("runs.db.artifacts/e/1");
    std::fs::write(dir.join("predictions.csv"), "1\n2\n3\n").unwrap();
    let line = one_line_error(
        &mut lab.hs(&["ensemble", "-s", "e", "--metric", "rmse"]),
        "has 3 row(s) but the targets",
    );
    assert!(line.contains("e/1/predictions.csv"), "{line}");
    std::fs::remove_file(dir.join("predictions.csv")).unwrap();
    let line = one_line_error(
        &mut lab.hs(&["ensemble", "-s", "e", "--metric", "rmse"]),
        "trial 1 has no predictions.csv",
    );
    assert!(line.contains("--where"), "{line}");
    one_line_error(
        &mut lab.hs(&[
            "ensemble",
            "-s",
            "e",
            "--metric",
            "auc",
            "--where",
            "number = 0",
        ]),
        "targets must be class numbers",
    );
    one_line_error(
        &mut lab.hs(&["ensemble", "-s", "e", "--metric", "rmse", "--top", "0"]),
        "'top' is 0",
    );
    one_line_error(
        &mut lab.hs(&[
            "ensemble",
            "predict",
            "-s",
            "e",
            "--ensemble",
            "nope",
            "--",
            "true",
            "{out}",
        ]),
        "no ensemble named 'nope'",
    );
}
