//! suggest → tell loops, report, and the study commands.

use crate::setup::{in_state, stdout_of, Lab};
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
        format!("sqlite://{}", lab.path().join("other.db").display()),
    ));
    assert!(list.contains("\ne ") && !list.contains("\nd "), "{list}");
}
