//! `hyperspace study retarget`: a study pointed at another metric its
//! command printed; `best` follows it at once, `study show` keeps the old
//! objective, and the stored trials keep their old values.

use crate::setup::{one_line_error, stdout_of, Lab};
use serde_json::Value as Json;

fn best_number(lab: &Lab) -> (u64, f64) {
    let json = stdout_of(&mut lab.hs(&["best", "--study", "r", "--format", "json"]));
    let parsed: Json = serde_json::from_str(&json).unwrap();
    let best = if parsed.is_array() {
        parsed[0].clone()
    } else {
        parsed
    };
    (
        best["number"].as_u64().unwrap(),
        best["value"].as_f64().unwrap(),
    )
}

#[test]
fn a_retargeted_study_optimizes_the_other_printed_metric_and_keeps_its_history() {
    let lab = Lab::new();
    stdout_of(&mut lab.hs(&[
        "study",
        "create",
        "r",
        "--space",
        "x=float(0,1)",
        "--objective",
        "loss:minimize",
        "--searcher",
        "random",
        "--seed",
        "4",
    ]));
    // loss grows with x, auc too: the two objectives disagree on the best.
    let script = lab.script(
        "both.sh",
        r#"awk -v x="$1" 'BEGIN { printf "{\"loss\": %.17g, \"auc\": %.17g}\n", x, x }'"#,
    );
    stdout_of(&mut lab.hs(&["run", "--study", "r", "-n", "6", "--", &script, "{x}"]));
    let trials = lab.trials("r");
    let xs: Vec<f64> = trials
        .iter()
        .map(|t| t["params"]["x"].as_f64().unwrap())
        .collect();
    let smallest = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!((best_number(&lab).1 - smallest).abs() < 1e-9);

    let out = stdout_of(&mut lab.hs(&["study", "retarget", "r", "--objective", "auc:maximize"]));
    assert!(
        out.contains("auc:maximize") || out.contains("maximize"),
        "{out}"
    );
    assert!(out.contains("6 of 6 complete"), "{out}");
    let (_, value) = best_number(&lab);
    assert!(
        (value - largest).abs() < 1e-9,
        "best follows the new objective at once: {value} vs {largest}"
    );

    let show = stdout_of(&mut lab.hs(&["study", "show", "r"]));
    assert!(show.contains("before   loss:minimize (until "), "{show}");
    let json: Json = serde_json::from_str(&stdout_of(
        &mut lab.hs(&["study", "show", "r", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(
        json["objective_history"][0]["objectives"][0]["name"],
        "loss"
    );
    // The stored trials keep the loss they were told with.
    for t in lab.trials("r") {
        let (value, x) = (
            t["value"].as_f64().unwrap(),
            t["params"]["x"].as_f64().unwrap(),
        );
        assert!((value - x).abs() < 1e-9, "{t}");
    }
    // The study runs on, on the new objective.
    stdout_of(&mut lab.hs(&["run", "--study", "r", "-n", "2", "--", &script, "{x}"]));
    assert_eq!(lab.trials("r").len(), 8);

    one_line_error(
        &mut lab.hs(&["study", "retarget", "r", "--objective", "auc:maximize"]),
        "already optimizes",
    );
    one_line_error(
        &mut lab.hs(&["study", "retarget", "r", "--objective", ":maximize"]),
        "no metric name",
    );
}
