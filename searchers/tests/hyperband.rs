//! The Hyperband searcher on a multi-fidelity objective: budgets are rungs,
//! promotions continue one of the best `1 / η` of a rung with the same
//! parameters and the next budget, never twice, also with trials still
//! running; and the configurations that reach the full budget are the good
//! ones.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{
    Direction, Outcome, Space, Study, StudyConfig, Trial, TrialId, TrialState,
};
use serde_json::json;
use std::collections::HashMap;

const RUNGS: [f64; 5] = [1.0, 3.0, 9.0, 27.0, 81.0];

/// A study in memory with hyperband settings `settings` and seed `seed`.
fn create(config: StudyConfig, settings: serde_json::Value, seed: u64) -> Study {
    common::in_memory(config.searcher("hyperband", settings).seed(seed))
}

fn study(direction: Direction, settings: serde_json::Value, seed: u64) -> Study {
    let config = StudyConfig::new("hb")
        .space(Space::parse("x=float(0,1)").unwrap())
        .direction(direction);
    create(config, settings, seed)
}

/// A loss that is closer to the truth, `(x − 0.3)²`, the more budget a
/// trial gets: small budgets add a bias that differs between
/// configurations, as a short training run does.
fn loss(x: f64, budget: f64) -> f64 {
    (x - 0.3).powi(2) + (x * 17.0).sin().abs() * 0.3 / budget
}

fn run(direction: Direction, settings: serde_json::Value, n: usize) -> Vec<Trial> {
    let mut s = study(direction, settings, 3);
    for _ in 0..n {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        let budget = t.budget.expect("every hyperband trial has a budget");
        let v = loss(x, budget);
        let value = if direction == Direction::Minimize {
            v
        } else {
            -v
        };
        s.tell(t.id, Outcome::complete(value)).unwrap();
    }
    s.trials().unwrap().to_vec()
}

fn rung(budget: Option<f64>) -> usize {
    let b = budget.unwrap();
    RUNGS
        .iter()
        .position(|&r| r == b)
        .unwrap_or_else(|| panic!("budget {b} is not a rung"))
}

/// Checks the promotion rules over a history run one trial at a time (so
/// every trial numbered below a promotion was complete when it was made):
/// a promotion keeps the parameters, goes one rung up, continues a trial
/// that was then among the best ⌊n / 3⌋ of the complete trials of its
/// rung and bracket, and no trial is continued twice.
fn check_promotions(trials: &[Trial], direction: Direction) {
    let by_id: HashMap<TrialId, &Trial> = trials.iter().map(|t| (t.id, t)).collect();
    let bracket = |t: &Trial| {
        let mut root = t;
        while let Some(p) = root.parent {
            root = by_id[&p];
        }
        rung(root.budget)
    };
    let loss = |t: &Trial| direction.to_loss(t.value.unwrap());
    let mut children: HashMap<TrialId, usize> = HashMap::new();
    for t in trials {
        let Some(parent) = t.parent else {
            continue;
        };
        let p = by_id[&parent];
        assert_eq!(t.params, p.params, "a promotion keeps the parameters");
        assert_eq!(rung(t.budget), rung(p.budget) + 1, "one rung up");
        assert_eq!(p.state, TrialState::Complete);
        *children.entry(parent).or_default() += 1;
        let group: Vec<&Trial> = trials
            .iter()
            .filter(|o| o.number < t.number && o.state == TrialState::Complete)
            .filter(|o| rung(o.budget) == rung(p.budget) && bracket(o) == bracket(p))
            .collect();
        let better = group.iter().filter(|o| loss(o) < loss(p)).count();
        assert!(
            better < group.len() / 3,
            "trial #{} promoted #{} ranked {} of {}",
            t.number,
            p.number,
            better + 1,
            group.len()
        );
    }
    assert!(children.values().all(|&c| c == 1), "promoted twice");
}

#[test]
fn promotions_follow_the_rules_and_the_full_budget_goes_to_good_configurations() {
    for direction in [Direction::Minimize, Direction::Maximize] {
        let trials = run(direction, json!({}), 300);
        check_promotions(&trials, direction);
        let top: Vec<&Trial> = trials.iter().filter(|t| rung(t.budget) == 4).collect();
        assert!(
            top.len() >= 5,
            "{} trials reached the full budget",
            top.len()
        );
        let best = top
            .iter()
            .map(|t| (t.params["x"].as_f64().unwrap() - 0.3).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            best < 0.03,
            "best at the full budget is {best} from the optimum"
        );
        // Promoted configurations beat the average new one at the first rung.
        let promoted: Vec<f64> = trials
            .iter()
            .filter(|t| t.parent.is_some() && rung(t.budget) == 1)
            .map(|t| (t.params["x"].as_f64().unwrap() - 0.3).abs())
            .collect();
        let mean = promoted.iter().sum::<f64>() / promoted.len() as f64;
        assert!(
            mean < 0.2,
            "promoted configurations are {mean} from the optimum on average"
        );
        // Most budget goes to the first rungs: that is the point.
        let cheap = trials.iter().filter(|t| rung(t.budget) <= 1).count();
        assert!(
            cheap * 2 > trials.len(),
            "{cheap} of {} on rungs 0-1",
            trials.len()
        );
    }
}

#[test]
fn running_trials_are_never_promoted_twice() {
    let mut s = study(Direction::Minimize, json!({"brackets": 1}), 5);
    // 27 trials started before any finishes: all new, at the first rung.
    let first: Vec<Trial> = (0..27).map(|_| s.ask().unwrap()).collect();
    assert!(first
        .iter()
        .all(|t| t.parent.is_none() && t.budget == Some(1.0)));
    for t in &first {
        let x = t.params["x"].as_f64().unwrap();
        s.tell(t.id, Outcome::complete(loss(x, 1.0))).unwrap();
    }
    // Twelve workers ask at once, nobody tells yet: the best 27 / 3 = 9
    // are promoted, each once, and the others start new configurations.
    let pending: Vec<Trial> = (0..12).map(|_| s.ask().unwrap()).collect();
    let mut parents: Vec<TrialId> = pending.iter().filter_map(|t| t.parent).collect();
    assert_eq!(parents.len(), 9, "{pending:?}");
    parents.sort_by_key(|p| p.0);
    parents.dedup();
    assert_eq!(parents.len(), 9, "a trial was promoted twice");
    let mut ranked: Vec<&Trial> = first.iter().collect();
    ranked.sort_by(|a, b| {
        let la = loss(a.params["x"].as_f64().unwrap(), 1.0);
        let lb = loss(b.params["x"].as_f64().unwrap(), 1.0);
        la.total_cmp(&lb)
    });
    let best: Vec<TrialId> = ranked[..9].iter().map(|t| t.id).collect();
    assert!(
        parents.iter().all(|p| best.contains(p)),
        "promoted outside the best 9"
    );
}

#[test]
fn one_bracket_is_successive_halving_from_the_smallest_budget() {
    let trials = run(Direction::Minimize, json!({"brackets": 1}), 120);
    check_promotions(&trials, Direction::Minimize);
    assert!(trials
        .iter()
        .filter(|t| t.parent.is_none())
        .all(|t| t.budget == Some(1.0)));
}

#[test]
fn tpe_draws_new_configurations_nearer_the_optimum() {
    let distance = |trials: &[Trial]| {
        let fresh: Vec<f64> = trials
            .iter()
            .filter(|t| t.parent.is_none())
            .skip(60)
            .map(|t| (t.params["x"].as_f64().unwrap() - 0.3).abs())
            .collect();
        fresh.iter().sum::<f64>() / fresh.len() as f64
    };
    let random = distance(&run(Direction::Minimize, json!({"max_budget": 27}), 200));
    let tpe = distance(&run(
        Direction::Minimize,
        json!({"max_budget": 27, "sampler": "tpe"}),
        200,
    ));
    assert!(tpe < 0.8 * random, "tpe {tpe} vs random {random}");
}

/// Define-by-run (`ask_open` + `suggest`, as the Python API does): the
/// budget is known when the trial is asked, and a promotion suggests its
/// parent's values.
#[test]
fn define_by_run_trials_know_their_budget_when_asked() {
    let mut s = create(
        StudyConfig::new("hb"),
        json!({"max_budget": 9, "brackets": 1}),
        4,
    );
    let param = Space::parse("x=float(0,1)").unwrap().entries()[0]
        .param
        .clone();
    for _ in 0..40 {
        let t = s.ask_open().unwrap();
        let budget = t.budget.expect("the budget is chosen at ask time");
        let x = s.suggest(t.id, "x", &param).unwrap().as_f64().unwrap();
        if let Some(parent) = t.parent {
            let p = s.storage().trial(parent).unwrap();
            assert_eq!(p.params["x"].as_f64(), Some(x), "a promotion keeps x");
        }
        s.tell(t.id, Outcome::complete(loss(x, budget))).unwrap();
    }
    let trials = s.trials().unwrap().to_vec();
    assert!(
        trials.iter().any(|t| t.parent.is_some()),
        "nothing promoted"
    );
    check_promotions(&trials, Direction::Minimize);
}

/// A queued trial keeps the budget it was queued with (and has no parent
/// foisted on it) when its missing parameters are suggested define-by-run.
#[test]
fn a_queued_trial_keeps_its_budget_in_define_by_run() {
    let config = StudyConfig::new("hb").space(Space::parse("x=float(0,1) y=float(0,1)").unwrap());
    let mut s = create(config, json!({"max_budget": 9, "brackets": 1}), 4);
    for _ in 0..12 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        s.tell(t.id, Outcome::complete(loss(x, t.budget.unwrap())))
            .unwrap();
    }
    let mut only_x = hyperspace_engine::Params::new();
    only_x.insert("x".into(), 0.5.into());
    let queued = s
        .enqueue_trial(hyperspace_engine::NewTrial {
            params: only_x,
            budget: Some(50.0),
            ..Default::default()
        })
        .unwrap();
    let t = s.ask_open().unwrap();
    assert_eq!(t.id, queued.id);
    let y_param = Space::parse("y=float(0,1)").unwrap().entries()[0]
        .param
        .clone();
    s.suggest(t.id, "y", &y_param).unwrap();
    let after = s.storage().trial(t.id).unwrap();
    assert_eq!(after.budget, Some(50.0));
    assert_eq!(after.parent, None);
}
