//! suggest → tell loops, report, and the study commands.

use crate::setup::{in_state, one_line_error, stdout_of, Lab};
use serde_json::Value as Json;

#[test]
fn suggest_tell_loop_finds_the_minimum_region() {
    let lab = Lab::new();
    lab.study("quad", "x=float(-5,5) opt=choice(a,b)");
    for _ in 0..12 {
        let line = stdout_of(&mut lab.hs(&["suggest", "--study", "quad"]));
        let trial: Json = serde_json::from_str(line.trim()).unwrap();
        let x = trial["params"]["x"].as_f64().unwrap();
        assert!(trial["params"]["opt"].is_string());
        assert!(trial["seed"].is_u64());
        let id = trial["trial"].to_string();
        lab.hs(&[
            "report", "--study", "quad", "--trial", &id, "--step", "0", "--value",
        ])
        .arg(format!("{}", x * x + 1.0))
        .assert()
        .success();
        lab.hs(&["tell", "--study", "quad", "--trial", &id, "--value"])
            .arg(format!("{}", x * x))
            .args(["--metric", "abs_x=3", "-m", "neg=-1.5"])
            .assert()
            .success();
    }
    let trials = lab.trials("quad");
    assert_eq!(in_state(&trials, "complete").len(), 12);
    let t = &trials[0];
    assert_eq!(t["metrics"]["abs_x"], 3.0);
    assert_eq!(t["metrics"]["neg"], -1.5);
    assert_eq!(t["intermediate"].as_object().unwrap().len(), 1);
    let best = stdout_of(&mut lab.hs(&["best", "--study", "quad", "--format", "json"]));
    let best: Json = serde_json::from_str(&best).unwrap();
    let min = trials
        .iter()
        .map(|t| t["value"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best["value"].as_f64().unwrap(), min);
}

#[test]
fn several_suggestions_and_every_format() {
    let lab = Lab::new();
    lab.study("s", "lr=log(1e-4,1) layers=int(1,4)");
    let json = stdout_of(&mut lab.hs(&["suggest", "-s", "s", "-n", "3"]));
    let ids: Vec<i64> = json
        .lines()
        .map(|l| {
            serde_json::from_str::<Json>(l).unwrap()["trial"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 3);
    let env = stdout_of(&mut lab.hs(&["suggest", "-s", "s", "--format", "env"]));
    assert!(env.contains("export HYPERSPACE_TRIAL_ID=4"), "{env}");
    assert!(env.contains("export HYPERSPACE_PARAM_LR="), "{env}");
    assert!(env.contains("export HYPERSPACE_PARAM_LAYERS="), "{env}");
    let args = stdout_of(&mut lab.hs(&["suggest", "-s", "s", "--format", "args"]));
    let words: Vec<&str> = args.split_whitespace().collect();
    assert_eq!(words[0], "--lr");
    assert_eq!(words[2], "--layers");
    // The environment names the study and the trial for tell.
    lab.hs(&["tell", "--value", "0.5"])
        .env("HYPERSPACE_STUDY", "s")
        .env("HYPERSPACE_TRIAL_ID", "2")
        .assert()
        .success();
    lab.hs(&[
        "tell",
        "-t",
        "1",
        "--state",
        "failed",
        "--message",
        "out of memory",
    ])
    .assert()
    .success();
    lab.hs(&["tell", "-t", "3", "--state", "pruned"])
        .assert()
        .success();
    let trials = lab.trials("s");
    assert_eq!(trials[0]["state"], "failed");
    assert_eq!(trials[0]["message"], "out of memory");
    assert_eq!(trials[1]["state"], "complete");
    assert_eq!(trials[2]["state"], "pruned");
    assert_eq!(in_state(&trials, "running").len(), 2);
}

#[test]
fn study_create_list_show_delete() {
    let lab = Lab::new();
    std::fs::write(
        lab.path().join("space.toml"),
        "lr = \"log(1e-4, 1)\"\nopt = [\"adam\", \"sgd\"]\n",
    )
    .unwrap();
    lab.hs(&[
        "study",
        "create",
        "a",
        "--space-file",
        "space.toml",
        "--direction",
        "maximize",
        "--searcher",
        "random",
        "--settings",
        r#"{"sampler": "sobol"}"#,
    ])
    .assert()
    .success();
    lab.study("b", "x=float(0,1)");
    let list = stdout_of(&mut lab.hs(&["study", "list"]));
    assert!(list.lines().next().unwrap().starts_with("name"));
    assert!(
        list.contains("maximize") && list.lines().count() == 3,
        "{list}"
    );
    let json = stdout_of(&mut lab.hs(&["study", "list", "--format", "json"]));
    let studies: Json = serde_json::from_str(&json).unwrap();
    assert_eq!(studies[0]["searcher"]["settings"]["sampler"], "sobol");
    // A study that names no searcher gets the default, `auto`.
    assert_eq!(studies[1]["name"], "b", "{json}");
    assert_eq!(studies[1]["searcher"]["name"], "auto", "{json}");
    let show = stdout_of(&mut lab.hs(&["study", "show", "a"]));
    assert!(show.contains("lr = float(0.0001, 1, log)"), "{show}");
    assert!(show.contains("opt = choice(adam, sgd)"), "{show}");
    lab.hs(&["study", "delete", "b", "--yes"])
        .assert()
        .success();
    let list = stdout_of(&mut lab.hs(&["study", "list", "--format", "csv"]));
    assert!(!list.contains("\nb,"), "{list}");
}

#[test]
fn storage_from_the_environment_and_the_default_file() {
    let lab = Lab::new();
    lab.bare(&["study", "create", "d", "--space", "x=float(0,1)"])
        .assert()
        .success();
    assert!(lab.path().join("hyperspace.db").exists());
    lab.bare(&["study", "create", "e", "--space", "x=float(0,1)"])
        .env("HYPERSPACE_STORAGE", lab.path().join("other.db"))
        .assert()
        .success();
    let list = stdout_of(lab.bare(&["study", "list"]).env(
        "HYPERSPACE_STORAGE",
        format!("sqlite:///{}", lab.path().join("other.db").display()),
    ));
    assert!(list.contains("\ne ") && !list.contains("\nd "), "{list}");
}

/// Issue 16: storage URLs as SQLAlchemy and Optuna write them.
#[test]
fn storage_urls_follow_sqlalchemy() {
    let lab = Lab::new();
    let create = |url: &str, name: &str| {
        lab.bare(&["study", "create", name, "--space", "x=float(0,1)"])
            .args(["--storage", url])
            .assert()
            .success();
    };
    // Three slashes: relative to the current folder (the lab).
    create("sqlite:///rel.db", "r");
    assert!(lab.path().join("rel.db").exists());
    let list = stdout_of(&mut lab.bare(&["study", "list", "--storage", "rel.db"]));
    assert!(list.contains("\nr "), "{list}");
    // Four: absolute.
    let abs = lab.path().join("abs.db");
    create(&format!("sqlite:///{}", abs.display()), "a");
    assert!(abs.exists());
    // The old reading of three slashes before an absolute path still finds
    // an existing file, and says how to write it now.
    let out = lab
        .bare(&["study", "list"])
        .args(["--storage", &format!("sqlite://{}", abs.display())])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\na "));
    assert!(
        stderr.contains(&format!("Write sqlite:///{}", abs.display())),
        "{stderr}"
    );
    // Refused, saying what to write, and no file named after the URL.
    one_line_error(
        &mut lab.bare(&["study", "list", "--storage", "sqlite:rel.db"]),
        "write sqlite:///rel.db",
    );
    assert!(!lab.path().join("sqlite:rel.db").exists());
    one_line_error(
        &mut lab.bare(&["study", "list", "--storage", "mysql://db/x"]),
        "unknown scheme 'mysql'",
    );
}

/// `suggest -n 8` (issue 20): eight trials chosen together, the queued one
/// first, each at its own point, as JSON lines or a table.
#[test]
fn suggest_n_hands_out_a_spread_batch_queued_first() {
    let lab = Lab::new();
    lab.hs(&[
        "study",
        "create",
        "b",
        "--space",
        "x=float(-5,5) y=float(-5,5)",
        "--searcher",
        "tpe",
        "--seed",
        "7",
    ])
    .assert()
    .success();
    for _ in 0..12 {
        let line = stdout_of(&mut lab.hs(&["suggest", "-s", "b"]));
        let t: Json = serde_json::from_str(line.trim()).unwrap();
        let (x, y) = (
            t["params"]["x"].as_f64().unwrap(),
            t["params"]["y"].as_f64().unwrap(),
        );
        let id = t["trial"].to_string();
        lab.hs(&["tell", "-s", "b", "-t", &id, "--value"])
            .arg(format!("{}", x * x + y * y))
            .assert()
            .success();
    }
    lab.hs(&["enqueue", "-s", "b", "x=1", "y=2"])
        .assert()
        .success();
    let out = stdout_of(&mut lab.hs(&["suggest", "-s", "b", "-n", "8"]));
    let batch: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(batch.len(), 8, "{out}");
    assert_eq!(batch[0]["params"]["x"], 1.0);
    assert_eq!(batch[0]["params"]["y"], 2.0);
    let mut points: Vec<(u64, u64)> = batch
        .iter()
        .map(|t| {
            let p = &t["params"];
            (
                p["x"].as_f64().unwrap().to_bits(),
                p["y"].as_f64().unwrap().to_bits(),
            )
        })
        .collect();
    points.sort_unstable();
    points.dedup();
    assert_eq!(points.len(), 8, "eight distinct points: {out}");
    let numbers: Vec<u64> = batch
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (12..20).collect::<Vec<_>>());

    let table = stdout_of(&mut lab.hs(&["suggest", "-s", "b", "-n", "2", "--format", "table"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["trial", "number", "x", "y"], "{table}");
    assert!(lines[1].split_whitespace().nth(1) == Some("20"), "{table}");
}

/// A batch larger than what a grid has left prints the rest (and says so);
/// zero is refused.
#[test]
fn suggest_n_past_the_end_of_a_grid_prints_what_is_left() {
    let lab = Lab::new();
    lab.hs(&[
        "study",
        "create",
        "g",
        "--space",
        "c=choice(a,b,c)",
        "--searcher",
        "grid",
    ])
    .assert()
    .success();
    let out = lab.hs(&["suggest", "-s", "g", "-n", "5"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 of the 5"), "{stderr}");
    one_line_error(
        &mut lab.hs(&["suggest", "-s", "g", "-n", "2"]),
        "nothing left to propose",
    );
    one_line_error(
        &mut lab.hs(&["suggest", "-s", "g", "-n", "0"]),
        "at least 1",
    );
    assert_eq!(lab.trials("g").len(), 3, "no trial left behind");
}

/// Issue 16: as Optuna, a step that does not divide the range narrows
/// `high` with a warning instead of an error; a single-point range is valid.
#[test]
fn issue_16_a_step_that_does_not_divide_warns_and_narrows() {
    let lab = Lab::new();
    let out = lab
        .hs(&[
            "study",
            "create",
            "s",
            "--space",
            "n=int(0,10,step=3) one=int(3,3)",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("warning: parameter 'n': step 3 does not divide the range [0, 10]; high is narrowed to 9"),
        "{stderr}"
    );
    for _ in 0..8 {
        let line = stdout_of(&mut lab.hs(&["suggest", "--study", "s"]));
        let trial: Json = serde_json::from_str(line.trim()).unwrap();
        let n = trial["params"]["n"].as_i64().unwrap();
        assert!([0, 3, 6, 9].contains(&n), "{trial}");
        assert_eq!(trial["params"]["one"], 3, "{trial}");
    }
}
