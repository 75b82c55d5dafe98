//! Studies with several objectives from the shell: created with repeated
//! `--objective`, told with `--values`, run on a script that prints both
//! metrics, and their Pareto front printed by `best`.

use crate::setup::{in_state, one_line_error, stdout_of, Lab};
use serde_json::Value as Json;

fn create_two(lab: &Lab, searcher: &str) {
    let out = stdout_of(&mut lab.hs(&[
        "study",
        "create",
        "two",
        "--space",
        "x=float(0,1) y=float(0,1)",
        "--objective",
        "err:minimize",
        "--objective",
        "size:maximize",
        "--searcher",
        searcher,
        "--seed",
        "3",
    ]));
    assert!(out.contains("err:minimize,size:maximize"), "{out}");
}

#[test]
fn a_command_printing_both_metrics_is_tuned_on_both_and_best_prints_the_front() {
    let lab = Lab::new();
    create_two(&lab, "random");
    let script = lab.script(
        "two.sh",
        r#"awk -v x="$1" -v y="$2" 'BEGIN { printf "{\"size\": %.15g, \"err\": %.15g, \"other\": 1}\n", x, x*x + y }'"#,
    );
    let out = stdout_of(&mut lab.hs(&[
        "run", "--study", "two", "-n", "6", "--", &script, "{x}", "{y}",
    ]));
    assert!(out.contains("Pareto front:"), "{out}");
    let trials = lab.trials("two");
    assert_eq!(in_state(&trials, "complete").len(), 6, "{trials:?}");
    for t in &trials {
        let (x, y) = (
            t["params"]["x"].as_f64().unwrap(),
            t["params"]["y"].as_f64().unwrap(),
        );
        let values: Vec<f64> = t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!((values[0] - (x * x + y)).abs() < 1e-9, "{t}");
        assert!((values[1] - x).abs() < 1e-9, "{t}");
    }

    let json = stdout_of(&mut lab.hs(&["best", "--study", "two", "--format", "json"]));
    let front: Vec<Json> = serde_json::from_str(&json).unwrap();
    assert!(!front.is_empty());
    // No trial of the front is dominated by any trial (err min, size max).
    let point = |t: &Json| {
        (
            t["values"][0].as_f64().unwrap(),
            t["values"][1].as_f64().unwrap(),
        )
    };
    for f in &front {
        let (e, s) = point(f);
        for t in &trials {
            let (e2, s2) = point(t);
            assert!(
                !(e2 <= e && s2 >= s && (e2 < e || s2 > s)),
                "front trial {f} is dominated by {t}"
            );
        }
    }
    let table = stdout_of(&mut lab.hs(&["best", "--study", "two"]));
    assert!(table.contains("Pareto front of 'two'"), "{table}");
    assert!(table.contains("err") && table.contains("size"), "{table}");

    let listed = stdout_of(&mut lab.hs(&["trials", "--study", "two"]));
    assert!(
        listed.lines().next().unwrap().contains("values"),
        "{listed}"
    );
}

#[test]
fn tell_takes_one_value_per_objective_and_constraints() {
    let lab = Lab::new();
    create_two(&lab, "grid");
    let suggest = |lab: &Lab| -> i64 {
        let line = stdout_of(&mut lab.hs(&["suggest", "--study", "two"]));
        let j: Json = serde_json::from_str(line.trim()).unwrap();
        j["trial"].as_i64().unwrap()
    };
    let a = suggest(&lab).to_string();
    one_line_error(
        &mut lab.hs(&["tell", "--trial", &a, "--value", "0.5"]),
        "has 2 objectives, but 1 value was told",
    );
    one_line_error(
        &mut lab.hs(&["tell", "--trial", &a, "--values", "0.5,x"]),
        "'x' is not a number",
    );
    stdout_of(&mut lab.hs(&["tell", "--trial", &a, "--values", "0.1,20"]));
    let b = suggest(&lab).to_string();
    stdout_of(&mut lab.hs(&[
        "tell",
        "--trial",
        &b,
        "--values",
        "0.05,30",
        "--constraints",
        "1.5",
    ]));
    let c = suggest(&lab).to_string();
    stdout_of(&mut lab.hs(&[
        "tell",
        "--trial",
        &c,
        "--values",
        "0.2,25",
        "--constraints",
        "-1",
    ]));

    let json = stdout_of(&mut lab.hs(&["best", "--study", "two", "--format", "json"]));
    let front: Vec<Json> = serde_json::from_str(&json).unwrap();
    let ids: Vec<i64> = front.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    // b dominates both but breaks its constraint; a and c trade off.
    assert_eq!(ids, [a.parse::<i64>().unwrap(), c.parse::<i64>().unwrap()]);
    assert_eq!(front[1]["constraints"], serde_json::json!([-1.0]));
    let listed = stdout_of(&mut lab.hs(&[
        "trials",
        "--study",
        "two",
        "--columns",
        "id,value_2,constraints",
    ]));
    assert!(listed.contains("30") && listed.contains("1.5"), "{listed}");
}

#[test]
fn single_objective_searchers_and_unnamed_objectives_are_refused_clearly() {
    let lab = Lab::new();
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "t",
            "--space",
            "x=float(0,1)",
            "--searcher",
            "cmaes",
            "--objective",
            "a:min",
            "--objective",
            "b:max",
        ]),
        "searcher 'cmaes' optimizes one objective",
    );
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "t",
            "--space",
            "x=float(0,1)",
            "--objective",
            "a:smallest",
        ]),
        "'smallest' is neither minimize nor maximize",
    );
}
