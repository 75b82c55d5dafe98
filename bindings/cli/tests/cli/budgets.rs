//! `hyperspace run` with the `hyperband` searcher: each trial's command gets
//! the budget the searcher chose (`{budget}`, `HYPERSPACE_BUDGET`), and the
//! best of a rung is run again with the next budget.

use crate::setup::{in_state, Lab};

#[test]
fn hyperband_budgets_reach_the_command_and_the_best_are_promoted() {
    let lab = Lab::new();
    // The loss shrinks with the budget the command was given.
    let train = lab.script(
        "train.sh",
        r#"[ "$2" = "$HYPERSPACE_BUDGET" ] || { echo "budget mismatch: $2 vs $HYPERSPACE_BUDGET" >&2; exit 3; }
awk -v x="$1" -v b="$2" 'BEGIN { printf "loss=%.6f\n", (x - 0.3) ^ 2 + 1 / b }'"#,
    );
    lab.run_hyperband(20, &[&train, "{x}", "{budget}"]);
    let trials = lab.trials("hb");
    assert_eq!(in_state(&trials, "complete").len(), 20, "{trials:?}");
    let budgets: Vec<f64> = trials
        .iter()
        .map(|t| t["budget"].as_f64().unwrap())
        .collect();
    assert!(
        budgets.iter().all(|b| [1.0, 3.0, 9.0].contains(b)),
        "{budgets:?}"
    );
    let promoted: Vec<_> = trials.iter().filter(|t| !t["parent"].is_null()).collect();
    assert!(!promoted.is_empty(), "nothing was promoted: {budgets:?}");
    for p in promoted {
        let parent = trials.iter().find(|t| t["id"] == p["parent"]).unwrap();
        assert_eq!(p["params"], parent["params"]);
        assert_eq!(
            p["budget"].as_f64().unwrap(),
            3.0 * parent["budget"].as_f64().unwrap()
        );
    }
}
