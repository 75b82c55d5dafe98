//! The `auto` searcher: which searcher it hands each trial to, recorded
//! as the trial's proposer, define-and-run and define-by-run; and every
//! other searcher recording its own name.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Direction, Objective, Outcome, Param, Params, Space, Study, StudyConfig};
use serde_json::{json, Value as Json};

fn study(space: &str, searcher: &str, settings: Json, objectives: usize) -> Study {
    let config = StudyConfig::new("auto")
        .space(Space::parse(space).unwrap())
        .objectives(vec![Objective::new(Direction::Minimize); objectives])
        .searcher(searcher, settings)
        .seed(3);
    common::in_memory(config)
}

/// A number from whatever numeric parameters the trial has.
fn loss(p: &Params) -> f64 {
    p.values().filter_map(|v| v.as_f64()).map(|x| x * x).sum()
}

/// Runs `n` define-and-run trials; returns each trial's proposer.
fn proposers(s: &mut Study, n: usize, objectives: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let t = s.ask().unwrap();
            let f = loss(&t.params);
            s.tell(t.id, Outcome::complete_values(vec![f; objectives]))
                .unwrap();
            let stored = s.trials().unwrap().iter().find(|x| x.id == t.id);
            stored.unwrap().meta.proposer.clone().unwrap_or_default()
        })
        .collect()
}

fn count(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}

#[test]
fn a_numeric_space_goes_to_the_gp_then_to_a_warm_started_cmaes() {
    let mut s = study(
        "x=float(-5,5) y=int(-3,3)",
        "auto",
        json!({"gp_trials": 12}),
        1,
    );
    let names = proposers(&mut s, 20, 1);
    assert!(names[..12].iter().all(|n| n == "auto:gp"), "{names:?}");
    assert!(names[12..].iter().all(|n| n == "auto:cmaes"), "{names:?}");
}

#[test]
fn a_study_that_names_no_searcher_gets_auto() {
    let config = StudyConfig::new("default").space(Space::parse("x=float(-5,5)").unwrap());
    let mut s = common::in_memory(config.seed(3));
    let names = proposers(&mut s, 3, 1);
    assert_eq!(count(&names, "auto:gp"), 3, "{names:?}");
}

#[test]
fn declared_branches_go_to_the_gp_then_to_tpe() {
    let tree = "m=choice(a{x=float(0,1)}, b{y=float(0,1)})";
    let names = proposers(&mut study(tree, "auto", json!({"gp_trials": 6}), 1), 10, 1);
    assert_eq!(count(&names[..6], "auto:gp"), 6, "{names:?}");
    assert_eq!(count(&names[6..], "auto:tpe"), 4, "{names:?}");
}

#[test]
fn several_objectives_go_to_the_gp_then_to_tpe() {
    let names = proposers(
        &mut study(
            "x=float(0,1) y=float(0,1)",
            "auto",
            json!({"gp_trials": 6}),
            2,
        ),
        9,
        2,
    );
    assert_eq!(count(&names[..6], "auto:gp"), 6, "{names:?}");
    assert_eq!(count(&names[6..], "auto:tpe"), 3, "{names:?}");
}

#[test]
fn plain_choices_and_wide_studies_go_to_tpe() {
    let flat = "x=float(-5,5) c=choice(a,b,c)";
    let names = proposers(&mut study(flat, "auto", json!({}), 1), 4, 1);
    assert_eq!(count(&names, "auto:tpe"), 4, "{names:?}");
    let wide: Vec<String> = (0..21).map(|i| format!("x{i}=float(0,1)")).collect();
    let names = proposers(&mut study(&wide.join(" "), "auto", json!({}), 1), 3, 1);
    assert_eq!(count(&names, "auto:tpe"), 3, "{names:?}");
    // Several objectives do not change it.
    let names = proposers(&mut study(flat, "auto", json!({}), 2), 3, 2);
    assert_eq!(count(&names, "auto:tpe"), 3, "{names:?}");
}

#[test]
fn hyperband_settings_give_every_trial_a_budget() {
    let settings = json!({"hyperband": {"max_budget": 9}});
    let mut s = study("x=float(0,1)", "auto", settings, 1);
    for _ in 0..6 {
        let t = s.ask().unwrap();
        assert!(t.budget.is_some(), "{t:?}");
        assert_eq!(t.meta.proposer.as_deref(), Some("auto:hyperband"));
        s.tell(t.id, Outcome::complete(loss(&t.params))).unwrap();
    }
}

#[test]
fn the_same_seed_gives_the_same_trials() {
    let run = || {
        let mut s = study("x=float(-5,5) y=float(-5,5)", "auto", json!({}), 1);
        proposers(&mut s, 14, 1);
        let trials = s.trials().unwrap();
        trials.iter().map(|t| t.params.clone()).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_plain_searcher_records_its_own_name() {
    for name in ["random", "tpe", "cmaes"] {
        let names = proposers(&mut study("x=float(0,1)", name, json!({}), 1), 3, 1);
        assert_eq!(count(&names, name), 3, "{name}: {names:?}");
    }
}

/// A define-by-run `auto` study, and the definitions of `defs`' two
/// parameters (a model choice, and the number its branches suggest).
fn by_run(defs: &str) -> (Study, Param, Param) {
    let config = StudyConfig::new("dbr").searcher("auto", json!({})).seed(5);
    let defs = Space::parse(defs).unwrap();
    let param = |i: usize| defs.entries()[i].param.clone();
    (common::in_memory(config), param(0), param(1))
}

/// Define-by-run: the trial records the searcher of its joint proposal,
/// or (nothing shared yet) the one that draws its parameters; a branch
/// that follows a number (no tree to infer) sends `auto` to TPE.
#[test]
fn define_by_run_records_the_proposer() {
    let (mut s, model, x) = by_run("m=int(0,1) x=float(0,1)");
    let mut seen = Vec::new();
    for i in 0..6 {
        let t = s.ask_open().unwrap();
        let m = s.suggest(t.id, "m", &model).unwrap();
        let branch = if i < 2 {
            ["x", "y"][i]
        } else if m.as_i64() == Some(0) {
            "x"
        } else {
            "y"
        };
        let v = s.suggest(t.id, branch, &x).unwrap().as_f64().unwrap();
        let done = s.tell(t.id, Outcome::complete(v)).unwrap();
        seen.push(done.meta.proposer.unwrap_or_default());
    }
    // Trial 0 has nothing to share: the space is one integer, no branch is
    // seen yet, so the GP would draw it.
    assert_eq!(seen[0], "auto:gp", "{seen:?}");
    assert!(seen[2..].iter().all(|n| n == "auto:tpe"), "{seen:?}");
}

/// Define-by-run branches under a choice: `auto` sees the tree the study
/// infers, as a declared one, and hands it to the GP.
#[test]
fn define_by_run_branches_under_a_choice_go_to_the_gp() {
    let (mut s, model, x) = by_run("m=choice(a,b) x=float(0,1)");
    let mut seen = Vec::new();
    for _ in 0..8 {
        let t = s.ask_open().unwrap();
        let m = s.suggest(t.id, "m", &model).unwrap();
        let branch = if m.as_str() == Some("a") { "x" } else { "y" };
        let v = s.suggest(t.id, branch, &x).unwrap().as_f64().unwrap();
        let done = s.tell(t.id, Outcome::complete(v)).unwrap();
        seen.push(done.meta.proposer.unwrap_or_default());
    }
    assert!(seen[4..].iter().all(|n| n == "auto:gp"), "{seen:?}");
}

#[test]
fn bad_settings_are_named() {
    let registry = hyperspace_searchers::builtin_registry();
    for (settings, named) in [
        (json!({"gp_trials": -1}), "gp_trials"),
        (json!({"gp_max_params": 0}), "gp_max_params"),
        (json!({"hyperband": {"max_budget": 0}}), "budget"),
        (json!({"gp": 1}), "gp"),
    ] {
        let err = registry.build("auto", &settings).unwrap_err().to_string();
        assert!(err.contains(named), "{settings}: {err}");
    }
}
