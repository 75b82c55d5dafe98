//! `--constraint NAME<=LIMIT`: limits on metrics an unmodified command
//! prints, turned into each trial's constraint values by the runner.

use crate::setup::{in_state, stdout_of, Lab};
use serde_json::Value as Json;

fn check_feasible_best(lab: &Lab) {
    let trials = lab.trials("c");
    let complete = in_state(&trials, "complete");
    assert_eq!(complete.len(), 12, "{trials:?}");
    let mem = |t: &Json| t["metrics"]["mem_gb"].as_f64().unwrap();
    let err = |t: &Json| t["metrics"]["err"].as_f64().unwrap();
    for t in &complete {
        let c = t["constraints"][0].as_f64().unwrap();
        assert!((c - (mem(t) - 4.0)).abs() < 1e-9, "{t}");
    }
    let feasible: Vec<&&Json> = complete.iter().filter(|t| mem(t) <= 4.0).collect();
    let infeasible = complete.len() - feasible.len();
    assert!(
        infeasible > 0 && !feasible.is_empty(),
        "the seed gives both kinds"
    );
    let best_err = feasible
        .iter()
        .map(|t| err(t))
        .fold(f64::INFINITY, f64::min);
    let json = stdout_of(&mut lab.hs(&["best", "--study", "c", "--format", "json"]));
    let best: Json = serde_json::from_str(&json).unwrap();
    let best = if best.is_array() {
        best[0].clone()
    } else {
        best
    };
    assert!(mem(&best) <= 4.0, "the best keeps the limit: {best}");
    assert!((err(&best) - best_err).abs() < 1e-12, "{best}");
    // Lower errors exist only among the trials that break the limit.
    let lowest = complete
        .iter()
        .map(|t| err(t))
        .fold(f64::INFINITY, f64::min);
    assert!(lowest < best_err, "the limit changed the answer");
}

/// err falls as x grows, memory grows with x: the limit binds.
const SCRIPT: &str =
    r#"awk -v x="$1" 'BEGIN { printf "{\"err\": %.17g, \"mem_gb\": %.17g}\n", 1 - x, 8 * x }'"#;

#[test]
fn a_study_created_with_a_constraint_never_makes_an_infeasible_trial_best() {
    let lab = Lab::new();
    let out = stdout_of(&mut lab.hs(&[
        "study",
        "create",
        "c",
        "--space",
        "x=float(0,1)",
        "--objective",
        "err:minimize",
        "--constraint",
        "mem_gb<=4",
        "--searcher",
        "random",
        "--seed",
        "9",
    ]));
    assert!(out.contains("created study"), "{out}");
    let show = stdout_of(&mut lab.hs(&["study", "show", "c"]));
    assert!(show.contains("constraints mem_gb<=4"), "{show}");
    let script = lab.script("c.sh", SCRIPT);
    stdout_of(&mut lab.hs(&["run", "--study", "c", "-n", "12", "--", &script, "{x}"]));
    check_feasible_best(&lab);
}

#[test]
fn run_creates_a_study_with_a_constraint_and_a_missing_metric_fails_the_trial() {
    let lab = Lab::new();
    let script = lab.script("c.sh", SCRIPT);
    stdout_of(&mut lab.hs(&[
        "run",
        "--study",
        "c",
        "--space",
        "x=float(0,1)",
        "--objective",
        "err:minimize",
        "--constraint",
        "mem_gb<=4",
        "--searcher",
        "random",
        "--seed",
        "9",
        "-n",
        "12",
        "--",
        &script,
        "{x}",
    ]));
    check_feasible_best(&lab);
    // A command that does not print the metric cannot be judged: it fails.
    let silent = lab.script("s.sh", r#"echo '{"err": 0.5}'"#);
    lab.hs(&[
        "run",
        "--study",
        "c",
        "-n",
        "1",
        "--max-failures",
        "0",
        "--",
        &silent,
    ])
    .output()
    .unwrap();
    let trials = lab.trials("c");
    let failed = in_state(&trials, "failed");
    assert_eq!(failed.len(), 1, "{trials:?}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("no metric 'mem_gb'"), "{message}");
}

#[test]
fn an_experiment_file_lists_constraints_and_a_malformed_one_is_named() {
    let lab = Lab::new();
    lab.script("c.sh", SCRIPT);
    let file = |constraints: &str| {
        let text = format!(
            "study = \"c\"\nspace = \"x=float(0,1)\"\nsearcher = \"random\"\nseed = 9\n\
             trials = 12\nconstraints = [{constraints}]\ncommand = \"sh c.sh {{x}}\"\n\
             [output]\nobjective = \"err\"\n"
        );
        std::fs::write(lab.path().join("e.toml"), text).unwrap();
    };
    file("\"mem_gb<4\"");
    crate::setup::one_line_error(&mut lab.hs(&["run", "e.toml"]), "mem_gb<4");
    file("\"mem_gb<=4\"");
    stdout_of(&mut lab.hs(&["run", "e.toml"]));
    check_feasible_best(&lab);
}
