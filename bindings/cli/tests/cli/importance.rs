//! `hyperspace importance`: a real SQLite study whose loss is one of its
//! parameters ranks that parameter first, by both evaluators, as a table
//! or JSON summing to 1; clear errors for unknown parameters and too few
//! trials.

use crate::setup::{one_line_error, stdout_of, Lab};

#[test]
fn ranks_the_parameter_that_sets_the_loss_first() {
    let lab = Lab::new();
    lab.study("imp", "x=float(0,1) y=float(0,1) opt=choice(a,b,c)");
    one_line_error(
        &mut lab.hs(&["importance", "-s", "imp"]),
        "needs at least 2 complete trials",
    );
    let quick = lab.script("quick.sh", r#"echo "loss=$1""#);
    stdout_of(&mut lab.hs(&["run", "-s", "imp", "-n", "40", "--", &quick, "{x}"]));

    for evaluator in ["fanova", "ped-anova"] {
        let out = stdout_of(&mut lab.hs(&[
            "importance",
            "-s",
            "imp",
            "--evaluator",
            evaluator,
            "--format",
            "json",
        ]));
        let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&out).unwrap();
        let names: Vec<&str> = json.keys().map(String::as_str).collect();
        assert_eq!(names.len(), 3, "{out}");
        assert_eq!(names[0], "x", "{evaluator}: {out}");
        let sum: f64 = json.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{out}");
    }

    let table = stdout_of(&mut lab.hs(&["importance", "-s", "imp"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("param") && lines[0].contains("importance"),
        "{table}"
    );
    assert!(lines[1].starts_with("x "), "{table}");
    assert_eq!(lines.len(), 4, "{table}");
    // The same seed, the same numbers.
    assert_eq!(table, stdout_of(&mut lab.hs(&["importance", "-s", "imp"])));

    let only = stdout_of(&mut lab.hs(&[
        "importance",
        "-s",
        "imp",
        "--params",
        "y,opt",
        "--format",
        "json",
    ]));
    let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&only).unwrap();
    assert_eq!(json.len(), 2, "{only}");
    one_line_error(
        &mut lab.hs(&["importance", "-s", "imp", "--params", "x,momentum"]),
        "no parameter 'momentum'; its parameters: x, y, opt",
    );
}
