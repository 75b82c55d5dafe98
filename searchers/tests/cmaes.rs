//! The `cmaes` searcher through a study: it converges where random search
//! does not, parallel workers fill one generation without duplicates, and
//! a study reopened from storage (as another process would) proposes what
//! the running one would have.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{open_storage, Outcome, Params, Space, Study, StudyConfig};
use serde_json::{json, Value as Json};
use std::collections::HashSet;

fn config(searcher: &str, settings: Json, space: &str, seed: u64) -> StudyConfig {
    StudyConfig::new("cmaes")
        .space(Space::parse(space).unwrap())
        .searcher(searcher, settings)
        .seed(seed)
}

fn study(searcher: &str, settings: Json, space: &str, seed: u64) -> Study {
    common::in_memory(config(searcher, settings, space, seed))
}

fn xs(p: &Params, d: usize) -> Vec<f64> {
    (0..d)
        .map(|i| p[&format!("x{i}")].as_f64().unwrap())
        .collect()
}

fn box_space(d: usize, low: f64, high: f64) -> String {
    (0..d)
        .map(|i| format!("x{i}=float({low},{high})"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| (v - 1.0).powi(2)).sum()
}

fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

/// The best value of `trials` sequential trials.
fn best(
    searcher: &str,
    space: &str,
    d: usize,
    f: fn(&[f64]) -> f64,
    seed: u64,
    trials: usize,
) -> f64 {
    let mut s = study(searcher, json!({}), space, seed);
    let mut best = f64::INFINITY;
    for _ in 0..trials {
        let t = s.ask().unwrap();
        let v = f(&xs(&t.params, d));
        best = best.min(v);
        s.tell(t.id, Outcome::complete(v)).unwrap();
    }
    best
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn ten_dimensional_sphere_and_rosenbrock_converge_far_beyond_random() {
    let d = 10;
    for (name, f, space, factor) in [
        (
            "sphere",
            sphere as fn(&[f64]) -> f64,
            box_space(d, -5.0, 5.0),
            100.0,
        ),
        ("rosenbrock", rosenbrock, box_space(d, -2.0, 2.0), 20.0),
    ] {
        let seeds = [1, 2, 3];
        let cma = median(
            seeds
                .iter()
                .map(|&s| best("cmaes", &space, d, f, s, 400))
                .collect(),
        );
        let random = median(
            seeds
                .iter()
                .map(|&s| best("random", &space, d, f, s, 400))
                .collect(),
        );
        eprintln!("{name}: cmaes {cma}, random {random}");
        assert!(
            cma * factor < random,
            "{name}: cmaes {cma} vs random {random}"
        );
    }
}

#[test]
fn eight_trials_in_flight_are_eight_distinct_points_of_one_generation() {
    let d = 4;
    let space = box_space(d, -5.0, 5.0);
    let mut s = study("cmaes", json!({"population_size": 8}), &space, 4);
    let mut seen = HashSet::new();
    for round in 0..6 {
        let batch: Vec<_> = (0..8).map(|_| s.ask().unwrap()).collect();
        for t in &batch {
            let key = format!("{:?}", xs(&t.params, d));
            assert!(seen.insert(key), "round {round}: a duplicate");
        }
        // Spread like one distribution, not collapsed onto one point.
        let first = xs(&batch[0].params, d);
        let far = batch
            .iter()
            .filter(|t| sphere(&xs(&t.params, d)) != sphere(&first))
            .count();
        assert_eq!(far, 7);
        for t in batch {
            let v = sphere(&xs(&t.params, d));
            s.tell(t.id, Outcome::complete(v)).unwrap();
        }
    }
    // Six full generations of a sphere: the last beats the first.
    let trials = s.trials().unwrap();
    let gen_best = |g: usize| {
        trials[g * 8..(g + 1) * 8]
            .iter()
            .map(|t| t.value.unwrap())
            .fold(f64::INFINITY, f64::min)
    };
    assert!(
        gen_best(5) < gen_best(0),
        "{} vs {}",
        gen_best(5),
        gen_best(0)
    );
}

#[test]
fn a_reopened_study_proposes_what_the_running_one_would() {
    let dir = tempfile::tempdir().unwrap();
    let space = "x0=float(-5,5) x1=float(-5,5) n=int(1,20) opt=choice(adam,sgd)";
    let registry = hyperspace_searchers::builtin_registry();
    let f = |p: &Params| {
        let x = xs(p, 2);
        sphere(&x) + (p["n"].as_i64().unwrap() - 7).abs() as f64
    };
    let run = |path: &std::path::Path, reopen: bool| {
        let storage = open_storage(path.to_str().unwrap()).unwrap();
        let mut s = Study::create(
            storage.clone(),
            config("cmaes", json!({}), space, 9),
            &registry,
        )
        .unwrap();
        for _ in 0..37 {
            let t = s.ask().unwrap();
            let v = f(&t.params);
            s.tell(t.id, Outcome::complete(v)).unwrap();
        }
        // Two trials in flight, then the next ask.
        s.ask().unwrap();
        s.ask().unwrap();
        if reopen {
            drop(s);
            s = Study::load(
                open_storage(path.to_str().unwrap()).unwrap(),
                "cmaes",
                &registry,
            )
            .unwrap();
        }
        s.ask().unwrap().params
    };
    let a = run(&dir.path().join("a.db"), false);
    let b = run(&dir.path().join("b.db"), true);
    assert_eq!(a, b);
}

#[test]
fn integers_keep_moving_under_the_margin() {
    // An integer whose best value is 13 of 1..=40, next to a continuous
    // parameter: the margin keeps the integer from fixating on the
    // first good value it meets.
    let space = "x0=float(-5,5) k=int(1,40)";
    let mut s = study("cmaes", json!({}), space, 2);
    let mut best = f64::INFINITY;
    for _ in 0..200 {
        let t = s.ask().unwrap();
        let k = t.params["k"].as_i64().unwrap() as f64;
        let v = (t.params["x0"].as_f64().unwrap() - 1.0).powi(2) + (k - 13.0).powi(2);
        best = best.min(v);
        s.tell(t.id, Outcome::complete(v)).unwrap();
    }
    assert!(best < 0.01, "{best}");
}
