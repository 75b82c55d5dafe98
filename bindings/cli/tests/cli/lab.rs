//! Issue 18: several experiments in one file (`[[experiment]]` tables),
//! each its own study, run in order or at once, with a summary table.

use crate::setup::{one_line_error, stdout_of, Lab};
use serde_json::Value as Json;

/// A lab file: shared storage, command and output; three experiments, the
/// last with its own trial count, searcher table, env and output key.
const LAB: &str = r#"
storage = "lab.db"
command = "sh f.sh {x}"
trials = 3
seed = 5
env = { X_SHIFT = "0" }

[output]
parse = "stdout"

[[experiment]]
study = "proj-small"
space = "x=float(0,1)"

[[experiment]]
study = "proj-big"
[experiment.space]
x = "float(10,20)"

[[experiment]]
study = "other"
trials = 2
env = { X_SHIFT = "100" }
[experiment.searcher]
name = "random"
settings = { sampler = "sobol" }
[experiment.space]
x = "float(0,1)"
[experiment.output]
objective = "loss"
"#;

/// The objective: x plus the environment's X_SHIFT.
const F: &str = "awk -v x=\"$1\" -v s=\"$X_SHIFT\" 'BEGIN { printf \"loss=%.12g\\n\", x + s }'";

fn lab_with(file: &str) -> Lab {
    let lab = Lab::new();
    lab.script("f.sh", F);
    std::fs::write(lab.path().join("lab.toml"), file).unwrap();
    lab
}

fn trials_of(lab: &Lab, study: &str) -> Vec<Json> {
    let out = stdout_of(&mut lab.bare(&["export", "--storage", "lab.db", "--study", study]));
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn losses(trials: &[Json]) -> Vec<f64> {
    trials
        .iter()
        .map(|t| {
            assert_eq!(t["state"], "complete", "{t}");
            t["value"].as_f64().unwrap()
        })
        .collect()
}

#[test]
fn every_experiment_of_a_file_runs_as_its_own_study_with_a_table() {
    let lab = lab_with(LAB);
    let out = stdout_of(&mut lab.bare(&["run", "lab.toml"]));
    // Each study got its own trials, with its own space and settings.
    let small = losses(&trials_of(&lab, "proj-small"));
    let big = losses(&trials_of(&lab, "proj-big"));
    let other = losses(&trials_of(&lab, "other"));
    assert_eq!((small.len(), big.len(), other.len()), (3, 3, 2));
    assert!(small.iter().all(|v| (0.0..=1.0).contains(v)), "{small:?}");
    assert!(big.iter().all(|v| (10.0..=20.0).contains(v)), "{big:?}");
    // Its env replaced the shared X_SHIFT.
    assert!(
        other.iter().all(|v| (100.0..=101.0).contains(v)),
        "{other:?}"
    );
    // The table: a header and one row per experiment, in file order.
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("study "))
        .collect();
    assert_eq!(table.len(), 4, "{out}");
    for (row, (study, n)) in
        table[1..]
            .iter()
            .zip([("proj-small", "3"), ("proj-big", "3"), ("other", "2")])
    {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[0], study, "{row}");
        assert_eq!(cells[1], n, "{row}");
        assert_eq!(cells[2], n, "{row}");
        assert_eq!(cells.last(), Some(&"done"), "{row}");
    }
    // The best value in the table is the study's.
    let best_small = small.iter().copied().fold(f64::INFINITY, f64::min);
    let row: Vec<&str> = table[1].split_whitespace().collect();
    let shown: f64 = row[4].parse().unwrap();
    assert!((shown - best_small).abs() < 1e-4, "{row:?} vs {best_small}");
}

#[test]
fn parallel_experiments_and_one_picked_by_study() {
    let lab = lab_with(LAB);
    lab.bare(&["run", "lab.toml", "--parallel-experiments", "-n", "2"])
        .assert()
        .success();
    for study in ["proj-small", "proj-big", "other"] {
        assert_eq!(losses(&trials_of(&lab, study)).len(), 2, "{study}");
    }
    // --study runs that experiment only.
    lab.bare(&["run", "lab.toml", "--study", "proj-big", "-n", "1"])
        .assert()
        .success();
    assert_eq!(trials_of(&lab, "proj-big").len(), 3);
    assert_eq!(trials_of(&lab, "proj-small").len(), 2);
    one_line_error(
        &mut lab.bare(&["run", "lab.toml", "--study", "nope"]),
        "has no experiment with study = \"nope\" (it has proj-small, proj-big, other)",
    );
    one_line_error(
        &mut lab.bare(&["worker", "lab.toml"]),
        "holds 3 experiments",
    );
}

#[test]
fn a_bad_experiment_stops_the_file_before_anything_runs() {
    let lab = lab_with(&LAB.replace("x = \"float(10,20)\"", "x = \"float(20,10)\""));
    let out = lab.bare(&["run", "lab.toml"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("experiment 'proj-big'"), "{stderr}");
    assert!(!lab.path().join("lab.db").exists(), "nothing ran: {stderr}");

    let dup = LAB.replace("study = \"other\"", "study = \"proj-small\"");
    std::fs::write(lab.path().join("dup.toml"), dup).unwrap();
    one_line_error(
        &mut lab.bare(&["run", "dup.toml"]),
        "two experiments have study = \"proj-small\"",
    );
    let typo = LAB.replace("trials = 2", "trails = 2");
    std::fs::write(lab.path().join("typo.toml"), typo).unwrap();
    one_line_error(
        &mut lab.bare(&["run", "typo.toml"]),
        "experiment 3 (study \"other\"): unknown field `trails`",
    );
}

#[test]
fn a_worker_serves_the_studies_a_glob_matches_queued_trials_first() {
    let lab = lab_with(LAB);
    lab.bare(&["run", "lab.toml", "-n", "1"]).assert().success();
    lab.bare(&[
        "enqueue",
        "--storage",
        "lab.db",
        "--study",
        "proj-big",
        "x=12.5",
    ])
    .assert()
    .success();
    let out = lab
        .bare(&["worker", "lab.toml", "--studies", "proj-*", "-n", "4"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let small = trials_of(&lab, "proj-small");
    let big = trials_of(&lab, "proj-big");
    // Four trials over the two matching studies; `other` untouched.
    assert_eq!(losses(&small).len() + losses(&big).len(), 2 + 4);
    assert_eq!(trials_of(&lab, "other").len(), 1);
    // The queued configuration ran, before any new trial was asked.
    let queued = big.iter().find(|t| t["params"]["x"] == 12.5).unwrap();
    let started = |t: &Json| t["meta"]["started"].as_str().unwrap().to_string();
    let asked_by_the_worker = small
        .iter()
        .chain(&big)
        .filter(|t| t["number"] != 0 && t["id"] != queued["id"]);
    for t in asked_by_the_worker {
        assert!(started(queued) <= started(t), "{queued} after {t}");
    }
    // Without a file: the storage's studies, the command after `--`.
    lab.bare(&[
        "worker",
        "--storage",
        "lab.db",
        "--studies",
        "oth*",
        "-n",
        "2",
        "--",
        "sh",
        "f.sh",
        "{x}",
    ])
    .env("X_SHIFT", "7")
    .assert()
    .success();
    let other = losses(&trials_of(&lab, "other"));
    assert_eq!(other.len(), 3);
    assert!((7.0..=8.0).contains(&other[2]), "{other:?}");
    one_line_error(
        &mut lab.bare(&[
            "worker",
            "--storage",
            "lab.db",
            "--studies",
            "zzz*",
            "--",
            "true",
        ]),
        "no study matches --studies 'zzz*'",
    );
}
