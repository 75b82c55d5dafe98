//! Hyperband against full-budget search at the same total cost, on a
//! multi-fidelity version of hartmann6: a trial trained with budget `b`
//! (epochs, say) observes `hartmann6(x) + 2 · g(x) / b`, where `g(x)` in
//! [0, 1] says how slowly configuration `x` learns. Small budgets are cheap
//! but rank configurations only roughly; the full budget (81) is exact.
//!
//! Every searcher gets the same total budget, `81 × trials`; random search
//! and TPE spend it on full trainings, Hyperband on rungs of 1, 3, 9, 27
//! and 81. The score is the regret of the best configuration trained at the
//! full budget (its true hartmann6 value minus the optimum).
//!
//! ```sh
//! cargo run --release -p hyperspace-benches --example multi_fidelity -- 30 20
//! ```
//! (30 full trainings' worth of budget, 20 seeds.)

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_benches::problems::hartmann6;
use hyperspace_engine::{open_storage, Outcome, Space, Study, StudyConfig};
use serde_json::json;

const MAX_BUDGET: f64 = 81.0;
const OPTIMUM: f64 = -3.322368011415515;

/// How slowly `x` learns, in [0, 1].
fn slowness(x: &[f64]) -> f64 {
    0.5 * (1.0 + (7.0 * x.iter().sum::<f64>()).sin())
}

/// Regret of the best full-budget configuration after `total` budget.
fn run(searcher: &str, settings: serde_json::Value, seed: u64, total: f64) -> f64 {
    let names: Vec<String> = (1..=6).map(|i| format!("x{i}")).collect();
    let space: String = names.iter().map(|n| format!("{n}=float(0,1) ")).collect();
    let config = StudyConfig::new("mf")
        .space(Space::parse(&space).expect("space"))
        .searcher(searcher, settings)
        .seed(seed);
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").expect("storage");
    let mut study = Study::create(storage, config, &registry).expect("study");
    let mut spent = 0.0;
    let mut best = f64::INFINITY;
    while spent < total {
        let trial = study.ask().expect("ask");
        let budget = trial.budget.unwrap_or(MAX_BUDGET);
        spent += budget;
        let x: Vec<f64> = names
            .iter()
            .map(|n| trial.params[n].as_f64().expect("float"))
            .collect();
        let truth = hartmann6(&x);
        let observed = truth + 2.0 * slowness(&x) / budget;
        if budget >= MAX_BUDGET {
            best = best.min(truth);
        }
        study
            .tell(trial.id, Outcome::complete(observed))
            .expect("tell");
    }
    best - OPTIMUM
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let full_trainings = args.first().copied().unwrap_or(30);
    let seeds = args.get(1).copied().unwrap_or(20) as u64;
    let total = MAX_BUDGET * full_trainings as f64;
    let searchers = [
        ("random at the full budget", "random", json!({})),
        ("tpe at the full budget", "tpe", json!({})),
        ("hyperband", "hyperband", json!({"max_budget": MAX_BUDGET})),
        (
            "hyperband + tpe (BOHB-like)",
            "hyperband",
            json!({"max_budget": MAX_BUDGET, "sampler": "tpe"}),
        ),
    ];
    println!(
        "| searcher | median regret ({full_trainings} full trainings' budget, {seeds} seeds) | quartiles |"
    );
    println!("|---|---:|---|");
    for (label, name, settings) in searchers {
        let mut regrets: Vec<f64> = (0..seeds)
            .map(|s| run(name, settings.clone(), s + 1, total))
            .collect();
        regrets.sort_by(f64::total_cmp);
        let q = |p: f64| regrets[((regrets.len() - 1) as f64 * p).round() as usize];
        println!(
            "| {label} | {:.3} | {:.3}–{:.3} |",
            median(regrets.clone()),
            q(0.25),
            q(0.75)
        );
    }
}
