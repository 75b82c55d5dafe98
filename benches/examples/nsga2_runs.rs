//! Runs of `random`, `nsga2` and `tpe` on ZDT1, ZDT2 (10-D) and DTLZ2 (3
//! objectives, 7-D), for the side-by-side comparison with Optuna's
//! NSGAIISampler and TPESampler (`benches/compare/nsga2.py`, which computes the
//! hypervolumes).
//!
//! Usage: `nsga2_runs TRIALS SEEDS [SEARCHERS]` (comma-separated, default
//! `random,nsga2,tpe`; `gp` too). Output: one JSON line per run,
//! `{"problem", "searcher", "seed", "points"}`, the points being every
//! trial's objectives normalized to [0, 1] by their upper bounds on the
//! unit cube (ZDT: f2 ≤ 10; DTLZ2: each ≤ 2.25).

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{open_storage, Direction, Objective, Outcome, Space, Study, StudyConfig};
use serde_json::json;
use std::f64::consts::FRAC_PI_2;

/// ZDT1 and ZDT2 (Zitzler, Deb & Thiele 2000), f2 normalized.
fn zdt(x: &[f64], square: bool) -> Vec<f64> {
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    let r = x[0] / g;
    let h = if square { 1.0 - r * r } else { 1.0 - r.sqrt() };
    vec![x[0], g * h / 10.0]
}

/// DTLZ2 with 3 objectives (Deb et al. 2002), normalized.
fn dtlz2(x: &[f64]) -> Vec<f64> {
    let g: f64 = x[2..].iter().map(|v| (v - 0.5).powi(2)).sum();
    let (a, b) = (x[0] * FRAC_PI_2, x[1] * FRAC_PI_2);
    let r = (1.0 + g) / 2.25;
    vec![r * a.cos() * b.cos(), r * a.cos() * b.sin(), r * a.sin()]
}

/// A problem: name, parameters, objectives, and its normalized objectives.
type Problem = (&'static str, usize, usize, fn(&[f64]) -> Vec<f64>);

fn main() -> anyhow::Result<()> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let (trials, seeds, searchers): (usize, usize, &str) = match &raw[..] {
        [t, s] => (t.parse()?, s.parse()?, "random,nsga2,tpe"),
        [t, s, list] => (t.parse()?, s.parse()?, list),
        _ => anyhow::bail!("usage: nsga2_runs TRIALS SEEDS [SEARCHERS]"),
    };
    let registry = hyperspace_searchers::builtin_registry();
    let problems: [Problem; 3] = [
        ("zdt1", 10, 2, |x| zdt(x, false)),
        ("zdt2", 10, 2, |x| zdt(x, true)),
        ("dtlz2", 7, 3, dtlz2),
    ];
    for (problem, d, m, f) in problems {
        let text: Vec<String> = (0..d).map(|i| format!("x{i}=float(0,1)")).collect();
        let space = Space::parse(&text.join(" "))?;
        for searcher in searchers.split(',') {
            for seed in 0..seeds as u64 {
                let config = StudyConfig::new(problem)
                    .space(space.clone())
                    .objectives(vec![Objective::new(Direction::Minimize); m])
                    .searcher(searcher, json!({}))
                    .seed(seed);
                let mut study = Study::create(open_storage(":memory:")?, config, &registry)?;
                let mut points = Vec::with_capacity(trials);
                for _ in 0..trials {
                    let t = study.ask()?;
                    let x: Vec<f64> = (0..d)
                        .map(|i| t.params[&format!("x{i}")].as_f64().unwrap())
                        .collect();
                    let values = f(&x);
                    points.push(values.clone());
                    study.tell(t.id, Outcome::complete_values(values))?;
                }
                let line = json!({"problem": problem, "searcher": searcher, "seed": seed, "points": points});
                println!("{line}");
            }
        }
    }
    Ok(())
}
