//! `trials` with filters, sorting, columns and every output format; export.

use crate::setup::{stdout_of, Lab};
use serde_json::Value as Json;

/// A study with 6 told trials: x = 0.1 .. 0.6, value = x * 10, opt
/// alternating; trial 6 failed.
fn told(lab: &Lab) {
    lab.study("q", "x=float(0,1) opt=choice(adam,sgd)");
    for (i, x) in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].iter().enumerate() {
        let opt = if i % 2 == 0 { "adam" } else { "sgd" };
        lab.hs(&[
            "enqueue",
            "-s",
            "q",
            &format!("x={x}"),
            &format!("opt={opt}"),
        ])
        .assert()
        .success();
        stdout_of(&mut lab.hs(&["suggest", "-s", "q"]));
        let id = (i + 1).to_string();
        if i == 5 {
            lab.hs(&[
                "tell",
                "-t",
                &id,
                "--state",
                "failed",
                "--message",
                "boom, again",
            ])
            .assert()
            .success();
        } else {
            lab.hs(&[
                "tell",
                "-t",
                &id,
                "--value",
                &format!("{}", x * 10.0),
                "-m",
                "acc=0.5",
            ])
            .assert()
            .success();
        }
    }
}

fn json_rows(lab: &Lab, args: &[&str]) -> Vec<Json> {
    let mut all = vec!["trials", "-s", "q", "--format", "json"];
    all.extend_from_slice(args);
    let out = stdout_of(&mut lab.hs(&all));
    serde_json::from_str::<Json>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn filters_select_the_right_trials() {
    let lab = Lab::new();
    told(&lab);
    let numbers = |filter: &str| -> Vec<i64> {
        json_rows(&lab, &["--where", filter])
            .iter()
            .map(|r| r["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers("x < 0.35 and state = complete"), [0, 1, 2]);
    assert_eq!(numbers("opt = sgd and value >= 4"), [3]);
    assert_eq!(numbers("state = failed"), [5]);
    assert_eq!(
        numbers("(opt = adam or x > 0.45) and not state = failed"),
        [0, 2, 4]
    );
    assert_eq!(numbers("state in (failed, waiting)"), [5]);
    assert_eq!(numbers("message ~ 'boom'"), [5]);
    assert_eq!(numbers("value is null"), [5]);
    assert_eq!(numbers("params.x<=0.2"), [0, 1]);
    assert_eq!(numbers("acc = 0.5 and number != 0"), [1, 2, 3, 4]);
    assert_eq!(
        numbers("duration >= 0 and host is not null and seed is not null").len(),
        6
    );
}

#[test]
fn sort_limit_columns_and_formats() {
    let lab = Lab::new();
    told(&lab);
    let rows = json_rows(
        &lab,
        &[
            "--sort",
            "-value",
            "--limit",
            "2",
            "--columns",
            "number,x,value",
        ],
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["number"], 4);
    assert_eq!(rows[0]["x"], 0.5);
    assert_eq!(rows[1]["value"], 4.0);
    assert_eq!(rows[0].as_object().unwrap().len(), 3);

    let csv = stdout_of(&mut lab.hs(&[
        "trials",
        "-s",
        "q",
        "--sort",
        "opt,x",
        "--columns",
        "number,opt,x,message",
        "--format",
        "csv",
    ]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "number,opt,x,message");
    assert_eq!(lines[1], "0,adam,0.1,");
    assert_eq!(lines[6], "5,sgd,0.6,\"boom, again\"");

    let table = stdout_of(&mut lab.hs(&["trials", "-s", "q", "--where", "state = complete"]));
    let header = table.lines().next().unwrap();
    for column in [
        "id", "number", "state", "value", "x", "opt", "acc", "duration",
    ] {
        assert!(header.split_whitespace().any(|c| c == column), "{header}");
    }
    assert_eq!(table.lines().count(), 6);
    let none = stdout_of(&mut lab.hs(&["trials", "-s", "q", "--where", "x > 5"]));
    assert!(none.contains("(no trials match the filter)"), "{none}");
}

#[test]
fn export_csv_and_jsonl() {
    let lab = Lab::new();
    told(&lab);
    let jsonl = stdout_of(&mut lab.hs(&["export", "-s", "q", "--format", "jsonl"]));
    assert_eq!(jsonl.lines().count(), 6);
    let first: Json = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["params"]["x"], 0.1);
    let path = lab.path().join("out.csv");
    lab.hs(&[
        "export",
        "-s",
        "q",
        "--format",
        "csv",
        "-o",
        path.to_str().unwrap(),
    ])
    .assert()
    .success();
    let csv = std::fs::read_to_string(path).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for column in [
        "id", "number", "state", "value", "x", "opt", "acc", "started", "seed",
    ] {
        assert!(header.contains(&column), "{header:?}");
    }
    assert_eq!(csv.lines().count(), 7);
}

/// Issue 17: each trial records the searcher that proposed it, as the
/// `proposer` field; `auto` names its delegate, and a trial enqueued with
/// every value fixed has none.
#[test]
fn trials_show_and_filter_by_proposer() {
    let lab = Lab::new();
    let create = [
        "study",
        "create",
        "p",
        "--space",
        "x=float(0,1) y=int(0,3)",
        "--seed",
        "7",
        "--searcher",
        "auto",
        "--settings",
        r#"{"gp_trials": 2}"#,
    ];
    lab.hs(&create).assert().success();
    lab.hs(&["enqueue", "-s", "p", "x=0.5", "y=1"])
        .assert()
        .success();
    for id in 1..=4 {
        stdout_of(&mut lab.hs(&["suggest", "-s", "p"]));
        let id = id.to_string();
        lab.hs(&["tell", "-t", &id, "--value", "1"])
            .assert()
            .success();
    }
    let numbers = |filter: &str| -> Vec<i64> {
        let out =
            stdout_of(&mut lab.hs(&["trials", "-s", "p", "--format", "json", "--where", filter]));
        let rows: Json = serde_json::from_str(&out).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers("proposer is null"), [0]);
    assert_eq!(numbers("proposer = 'auto:gp'"), [1]);
    assert_eq!(numbers("proposer = 'auto:cmaes'"), [2, 3]);
    let table = stdout_of(&mut lab.hs(&["trials", "-s", "p"]));
    assert!(
        table.lines().next().unwrap().contains("proposer"),
        "{table}"
    );
}
