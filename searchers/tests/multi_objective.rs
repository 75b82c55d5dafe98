//! The multi-objective and constrained searchers (NSGA-II, TPE) against
//! random search on problems with a known answer: the hypervolume of
//! ZDT1's front, and constrained problems whose optimum lies on the
//! constraint. Seeds are fixed; margins are ones a broken ranking,
//! variation or split would miss.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Direction, Objective, Outcome, Params, Space, Study, StudyConfig};
use hyperspace_surrogate::pareto::hypervolume;
use serde_json::json;

fn study(
    space: &str,
    searcher: &str,
    settings: serde_json::Value,
    objectives: usize,
    seed: u64,
) -> Study {
    let config = StudyConfig::new("multi")
        .space(Space::parse(space).unwrap())
        .objectives(vec![Objective::new(Direction::Minimize); objectives])
        .searcher(searcher, settings)
        .seed(seed);
    common::in_memory(config)
}

fn xs(p: &Params, d: usize) -> Vec<f64> {
    (0..d)
        .map(|i| p[&format!("x{i}")].as_f64().unwrap())
        .collect()
}

/// ZDT1 (Zitzler, Deb & Thiele 2000): front f2 = 1 − √f1 at x2.. = 0.
fn zdt1(x: &[f64]) -> Vec<f64> {
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    vec![x[0], g * (1.0 - (x[0] / g).sqrt())]
}

/// Hypervolume of the front after `n` trials, ZDT1 normalized to its
/// range on the unit cube (f2 ≤ 10, so f2 / 10), reference (1.1, 1.1).
fn zdt1_hypervolume(searcher: &str, seed: u64, n: usize) -> f64 {
    const D: usize = 10;
    let space: Vec<String> = (0..D).map(|i| format!("x{i}=float(0,1)")).collect();
    let mut s = study(&space.join(" "), searcher, json!({}), 2, seed);
    let mut points = Vec::new();
    for _ in 0..n {
        let t = s.ask().unwrap();
        let f = zdt1(&xs(&t.params, D));
        points.push([f[0], f[1] / 10.0]);
        s.tell(t.id, Outcome::complete_values(f)).unwrap();
    }
    hypervolume(&points, &[1.1, 1.1]).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn nsga2_finds_a_much_better_zdt1_front_than_random_search() {
    let seeds = [1, 2, 3];
    let ours = median(
        seeds
            .iter()
            .map(|&s| zdt1_hypervolume("nsga2", s, 300))
            .collect(),
    );
    let random = median(
        seeds
            .iter()
            .map(|&s| zdt1_hypervolume("random", s, 300))
            .collect(),
    );
    eprintln!("ZDT1 hypervolume after 300 trials: nsga2 {ours:.3}, random {random:.3}");
    // The true front's is 1.21 − 1/30 ≈ 1.177: nsga2 at least halves
    // random's gap to it (measured 1.067 vs 0.965).
    assert!(ours > random + 0.07, "nsga2 {ours} vs random {random}");
}

/// Minimize x + y subject to x + y ≥ 0.8: the optimum lies on the
/// constraint, with infeasible points all around it that look better.
fn constrained(searcher: &str, seed: u64) -> (f64, f64) {
    // A small population: a single objective needs selection pressure.
    let settings = if searcher == "nsga2" {
        json!({"population_size": 10})
    } else {
        json!({})
    };
    constrained_with(searcher, settings, seed, true)
}

/// As [`constrained`], with the constraint told to the study or not
/// (`told`): the best feasible sum and the median sum of the last 50.
fn constrained_with(
    searcher: &str,
    settings: serde_json::Value,
    seed: u64,
    told: bool,
) -> (f64, f64) {
    let mut s = study("x=float(0,1) y=float(0,1)", searcher, settings, 1, seed);
    let (mut best, mut late) = (f64::INFINITY, Vec::new());
    for i in 0..200 {
        let t = s.ask().unwrap();
        let sum = t.params["x"].as_f64().unwrap() + t.params["y"].as_f64().unwrap();
        let c = 0.8 - sum;
        if c <= 0.0 {
            best = best.min(sum);
        }
        if i >= 150 {
            late.push(sum);
        }
        let outcome = Outcome::complete(sum);
        let outcome = if told {
            outcome.constraints(vec![c])
        } else {
            outcome
        };
        s.tell(t.id, outcome).unwrap();
    }
    (best, median(late))
}

#[test]
fn nsga2_keeps_to_the_constraints_and_approaches_their_boundary() {
    for seed in [4, 5] {
        let (best, late) = constrained("nsga2", seed);
        let (random_best, random_late) = constrained("random", seed);
        eprintln!("seed {seed}: nsga2 best {best:.4}, late median {late:.3}; random {random_best:.4}, {random_late:.3}");
        assert!(best < 0.805, "best feasible {best}");
        assert!(best <= random_best, "{best} vs random {random_best}");
        // The population gathers at the boundary (sum 0.8). Random stays
        // near 1; a searcher that ranked infeasible trials by their
        // better-looking loss would drift towards 0.
        assert!((late - 0.8).abs() < 0.06, "late median sum {late}");
    }
}

#[test]
fn tpe_finds_a_much_better_zdt1_front_than_random_search() {
    let seeds = [1, 2, 3];
    let hv = |searcher: &str| {
        median(
            seeds
                .iter()
                .map(|&s| zdt1_hypervolume(searcher, s, 200))
                .collect(),
        )
    };
    let (ours, random) = (hv("tpe"), hv("random"));
    eprintln!("ZDT1 hypervolume after 200 trials: tpe {ours:.3}, random {random:.3}");
    // Measured 1.061 vs 0.948 (the true front's is about 1.177).
    assert!(ours > random + 0.08, "tpe {ours} vs random {random}");
}

#[test]
fn tpe_keeps_to_the_constraints_and_approaches_their_boundary() {
    for seed in [4, 5] {
        let (best, late) = constrained("tpe", seed);
        let (_, blind_late) = constrained_with("tpe", json!({}), seed, false);
        eprintln!(
            "seed {seed}: tpe best {best:.4}, late median {late:.3}; not told the constraint: {blind_late:.3}"
        );
        assert!(best < 0.81, "best feasible {best}");
        // Late trials gather at the boundary (sum 0.8); a TPE that ranked
        // every trial by its loss alone chases sums near 0, all infeasible.
        assert!((late - 0.8).abs() < 0.05, "late median sum {late}");
        assert!(blind_late < 0.3, "without the constraint {blind_late}");
    }
}
