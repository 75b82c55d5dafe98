//! `hyperspace import optuna` (issue 16): a study real Optuna made
//! (`tests/fixtures/optuna/ported.db`, from `make_ported.py` beside it)
//! comes in with its finished trials, and the study goes on.

use crate::setup::{one_line_error, outputs_of, stdout_of, Lab};

fn fixture() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/optuna/ported.db"
    )
    .to_string()
}

#[test]
fn import_optuna_brings_the_finished_trials_and_the_study_goes_on() {
    let lab = Lab::new();
    let from = format!("sqlite:///{}", fixture());
    let (text, err) = outputs_of(&mut lab.hs(&[
        "import",
        "optuna",
        "--from",
        &from,
        "--study",
        "ported",
        "--to-study",
        "copy",
    ]));
    assert!(text.contains("imported 8 trial(s)"), "{text}");
    assert!(err.contains("1 running or waiting trial(s)"), "{err}");
    let trials = lab.trials("copy");
    let states: Vec<&str> = trials
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "complete", "complete", "complete", "complete", "pruned", "failed", "failed",
            "complete"
        ]
    );
    assert_eq!(trials[0]["params"]["opt"], "sgd");
    assert_eq!(trials[0]["params"]["n"], 4);
    assert_eq!(trials[0]["value"], 5.106213505302568);
    assert_eq!(trials[0]["user_attrs"]["note"]["n"], 4);
    assert_eq!(trials[0]["intermediate"].as_object().unwrap().len(), 3);
    let best = stdout_of(&mut lab.hs(&["best", "-s", "copy", "--format", "json"]));
    assert!(best.contains("5.106213505302568"), "{best}");
    // The imported space is the study's: it goes on from there.
    let line = stdout_of(&mut lab.hs(&["suggest", "-s", "copy"]));
    let next: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(next["number"], 8, "{next}");
    assert!(next["params"]["lr"].as_f64().unwrap() >= 1e-4, "{next}");

    // A name that is not there lists those that are; the name is free.
    let line = one_line_error(
        &mut lab.hs(&["import", "optuna", "--from", &from, "--study", "nope"]),
        "no Optuna study 'nope'",
    );
    assert!(line.contains("ported, other"), "{line}");
    one_line_error(
        &mut lab.hs(&[
            "import",
            "optuna",
            "--from",
            "postgresql://u@h/db",
            "--study",
            "x",
        ]),
        "as an Optuna storage",
    );
}
