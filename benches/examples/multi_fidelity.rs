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
//! Hyperband runs twice: retraining every promoted trial from scratch, and
//! resuming it from its parent's checkpoint (`{parent_dir}`, issue 15), so
//! a promotion to budget `b` from a parent trained to `p` costs `b - p`. The
//! last column gives, for the resuming runs, the budget their trials would
//! have cost without resuming, per unit actually spent.
//!
//! ```sh
//! cargo run --release -p hyperspace-benches --example multi_fidelity -- 30 20
//! ```
//! (30 full trainings' worth of budget, 20 seeds.)

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_benches::problems::hartmann6;
use hyperspace_engine::{open_storage, Outcome, Space, Study, StudyConfig, TrialId};
use serde_json::json;
use std::collections::HashMap;

const MAX_BUDGET: f64 = 81.0;
const OPTIMUM: f64 = -3.322368011415515;

/// How slowly `x` learns, in [0, 1].
fn slowness(x: &[f64]) -> f64 {
    0.5 * (1.0 + (7.0 * x.iter().sum::<f64>()).sin())
}

/// What one run found and spent.
struct Run {
    /// The regret of the best full-budget configuration.
    regret: f64,
    /// The budget its trials would have cost retrained from scratch, over
    /// the budget spent (1 without resuming).
    saved: f64,
}

/// The best full-budget configuration after `total` budget; with `resume`,
/// a promoted trial costs only the budget it adds to its parent's.
fn run(searcher: &str, settings: serde_json::Value, seed: u64, total: f64, resume: bool) -> Run {
    let names: Vec<String> = (1..=6).map(|i| format!("x{i}")).collect();
    let space: String = names.iter().map(|n| format!("{n}=float(0,1) ")).collect();
    let config = StudyConfig::new("mf")
        .space(Space::parse(&space).expect("space"))
        .searcher(searcher, settings)
        .seed(seed);
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").expect("storage");
    let mut study = Study::create(storage, config, &registry).expect("study");
    let mut budgets: HashMap<TrialId, f64> = HashMap::new();
    let (mut spent, mut from_scratch) = (0.0, 0.0);
    let mut best = f64::INFINITY;
    while spent < total {
        let trial = study.ask().expect("ask");
        let budget = trial.budget.unwrap_or(MAX_BUDGET);
        let already = match (resume, trial.parent) {
            (true, Some(parent)) => budgets.get(&parent).copied().unwrap_or(0.0),
            _ => 0.0,
        };
        budgets.insert(trial.id, budget);
        spent += budget - already;
        from_scratch += budget;
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
    Run {
        regret: best - OPTIMUM,
        saved: from_scratch / spent,
    }
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
    let hyperband = json!({"max_budget": MAX_BUDGET});
    let bohb = json!({"max_budget": MAX_BUDGET, "sampler": "tpe"});
    let searchers = [
        ("random at the full budget", "random", json!({}), false),
        ("tpe at the full budget", "tpe", json!({}), false),
        ("hyperband", "hyperband", hyperband.clone(), false),
        (
            "hyperband, resuming promotions",
            "hyperband",
            hyperband,
            true,
        ),
        (
            "hyperband + tpe (BOHB-like)",
            "hyperband",
            bohb.clone(),
            false,
        ),
        (
            "hyperband + tpe, resuming promotions",
            "hyperband",
            bohb,
            true,
        ),
    ];
    println!(
        "| searcher | median regret ({full_trainings} full trainings' budget, {seeds} seeds) | quartiles | budget from scratch / spent |"
    );
    println!("|---|---:|---|---:|");
    for (label, name, settings, resume) in searchers {
        let runs: Vec<Run> = (0..seeds)
            .map(|s| run(name, settings.clone(), s + 1, total, resume))
            .collect();
        let mut regrets: Vec<f64> = runs.iter().map(|r| r.regret).collect();
        regrets.sort_by(f64::total_cmp);
        let q = |p: f64| regrets[((regrets.len() - 1) as f64 * p).round() as usize];
        let saved = median(runs.iter().map(|r| r.saved).collect());
        println!(
            "| {label} | {:.3} | {:.3}–{:.3} | {saved:.2} |",
            median(regrets.clone()),
            q(0.25),
            q(0.75)
        );
    }
}
