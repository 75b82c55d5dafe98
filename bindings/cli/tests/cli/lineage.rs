//! `hyperspace lineage` (issue 15): a trial's parents and children, what
//! changed between them, and a continuation's learning curve joined to its
//! parent's.

use crate::setup::{stdout_of, Lab};
use serde_json::Value as Json;

/// Hands out the next trial of `study` (a queued one first); its id.
fn suggest(lab: &Lab, study: &str) -> String {
    let line = stdout_of(&mut lab.hs(&["suggest", "-s", study]));
    let trial: Json = serde_json::from_str(line.trim()).unwrap();
    trial["trial"].to_string()
}

fn report(lab: &Lab, trial: &str, steps: &[(u64, f64)]) {
    for (step, value) in steps {
        let (step, value) = (step.to_string(), value.to_string());
        lab.hs(&[
            "report", "--trial", trial, "--step", &step, "--value", &value,
        ])
        .assert()
        .success();
    }
    let last = steps.last().unwrap().1.to_string();
    lab.hs(&["tell", "--trial", trial, "--value", &last])
        .assert()
        .success();
}

#[test]
fn lineage_shows_parents_children_changes_and_one_curve() {
    let lab = Lab::new();
    lab.study("l", "x=float(0,1) opt=choice(adam,sgd)");
    let first = suggest(&lab, "l");
    report(&lab, &first, &[(0, 5.0), (1, 4.0)]);
    // A continuation from step 2 with another x and more budget.
    lab.hs(&["rerun", &first, "--budget", "8", "--set", "x=0.5"])
        .assert()
        .success();
    let second = suggest(&lab, "l");
    assert_eq!(second, "2");
    report(&lab, &second, &[(2, 3.0), (3, 2.5)]);

    let json: Json = serde_json::from_str(&stdout_of(
        &mut lab.hs(&["lineage", "2", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(json["ancestors"][0]["id"], 1, "{json}");
    assert_eq!(json["ancestors"][0]["changes"], Json::Null);
    assert_eq!(json["trial"]["parent"], 1);
    let changes = &json["trial"]["changes"];
    assert_eq!(changes["params"].as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes["params"][0]["name"], "x");
    assert_eq!(changes["params"][0]["after"], 0.5);
    assert_eq!(changes["budget"], serde_json::json!([null, 8.0]));
    assert_eq!(json["children"], serde_json::json!([]));
    let curve: Vec<(u64, f64, i64)> = json["curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["step"].as_u64().unwrap(),
                p["value"].as_f64().unwrap(),
                p["trial"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        curve,
        vec![(0, 5.0, 1), (1, 4.0, 1), (2, 3.0, 2), (3, 2.5, 2)]
    );

    let table = stdout_of(&mut lab.hs(&["lineage", "1"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("trial 1 (number 0) complete"),
        "{table}"
    );
    assert!(lines[0].ends_with("<- this trial"), "{table}");
    assert!(lines[1].contains("└ trial 2 (number 1)"), "{table}");
    assert!(lines[1].contains("[x "), "{table}");
    assert!(lines[1].contains("-> 0.5, budget - -> 8]"), "{table}");

    let missing = lab.hs(&["lineage", "99"]).output().unwrap();
    assert!(!missing.status.success());
}
