//! Runs of hyperspace's multi-objective searchers on ZDT1–3 (10-D), DTLZ2
//! and DTLZ7 (3 objectives, 7-D) and the constrained Binh–Korn (2-D) and
//! Osyczka–Kundu (6-D), for the side-by-side comparison with Optuna's
//! samplers (`benches/compare/nsga2.py`, which computes the hypervolumes).
//!
//! Usage: `nsga2_runs TRIALS SEEDS [SEARCHERS [PROBLEMS [ASKS]]]`
//! (comma-separated; searchers default `random,nsga2,tpe`, `gp` too, and
//! `tpe-indep` for tpe with `multivariate: false`; problems default all).
//! Output: one JSON line per run, `{"problem", "searcher", "seed",
//! "points", "feasible", "ask_s"}`: every trial's normalized objectives
//! (the same formulas as `nsga2.py`'s), whether it kept its constraints,
//! and the seconds one more ask took once the TRIALS were told (the time of
//! a suggestion at that history size). With `ASKS` > 1, `ask_s` is the
//! median of that many asks on the same history (each asked trial is told
//! failed, so the next sees the same finished trials and nothing pending):
//! the measuring tool of the multi-objective GP's speed, steadier than one
//! ask on a shared machine.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{open_storage, Direction, Objective, Outcome, Space, Study, StudyConfig};
use serde_json::{json, Value};
use std::f64::consts::{FRAC_PI_2, PI};
use std::time::Instant;

/// Normalized objectives, and constraint values (`<= 0` kept).
type Eval = (Vec<f64>, Vec<f64>);

/// ZDT1, ZDT2 and ZDT3 (Zitzler, Deb & Thiele 2000), f2 divided by 10.
fn zdt(x: &[f64], which: u8) -> Eval {
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    let r = x[0] / g;
    let h = match which {
        1 => 1.0 - r.sqrt(),
        2 => 1.0 - r * r,
        _ => 1.0 - r.sqrt() - r * (10.0 * PI * x[0]).sin(),
    };
    (vec![x[0], g * h / 10.0], vec![])
}

/// DTLZ2 with 3 objectives (Deb et al. 2002), each divided by 2.25.
fn dtlz2(x: &[f64]) -> Eval {
    let g: f64 = x[2..].iter().map(|v| (v - 0.5).powi(2)).sum();
    let (a, b) = (x[0] * FRAC_PI_2, x[1] * FRAC_PI_2);
    let r = (1.0 + g) / 2.25;
    let f = vec![r * a.cos() * b.cos(), r * a.cos() * b.sin(), r * a.sin()];
    (f, vec![])
}

/// DTLZ7 with 3 objectives (Deb et al. 2002; k = 5): a front of four
/// disconnected patches, f3 divided by 10 (on the front it spans [2.61, 6];
/// scaled by that range alone, nothing short of the front would count).
fn dtlz7(x: &[f64]) -> Eval {
    let g = 1.0 + 9.0 * x[2..].iter().sum::<f64>() / (x.len() - 2) as f64;
    let h = 3.0
        - x[..2]
            .iter()
            .map(|f| f / (1.0 + g) * (1.0 + (3.0 * PI * f).sin()))
            .sum::<f64>();
    let f3 = (1.0 + g) * h;
    (vec![x[0], x[1], f3 / 10.0], vec![])
}

/// Binh and Korn (1997): x1 in [0, 5], x2 in [0, 3]; objectives scaled
/// by the true front's ideal (0, 4) and nadir (136, 50) points.
fn binh_korn(x: &[f64]) -> Eval {
    let (a, b) = (x[0], x[1]);
    let f1 = 4.0 * a * a + 4.0 * b * b;
    let f2 = (a - 5.0).powi(2) + (b - 5.0).powi(2);
    let c1 = (a - 5.0).powi(2) + b * b - 25.0;
    let c2 = 7.7 - (a - 8.0).powi(2) - (b + 3.0).powi(2);
    (vec![f1 / 136.0, (f2 - 4.0) / 46.0], vec![c1, c2])
}

/// Osyczka and Kundu (1995): six parameters, six constraints; objectives
/// scaled by the true front's ideal (-274, 4) and nadir (-42, 76) points.
fn osyczka_kundu(x: &[f64]) -> Eval {
    let f1 = -(25.0 * (x[0] - 2.0).powi(2)
        + (x[1] - 2.0).powi(2)
        + (x[2] - 1.0).powi(2)
        + (x[3] - 4.0).powi(2)
        + (x[4] - 1.0).powi(2));
    let f2: f64 = x.iter().map(|v| v * v).sum();
    let c = vec![
        2.0 - x[0] - x[1],
        x[0] + x[1] - 6.0,
        x[1] - x[0] - 2.0,
        x[0] - 3.0 * x[1] - 2.0,
        (x[2] - 3.0).powi(2) + x[3] - 4.0,
        4.0 - (x[4] - 3.0).powi(2) - x[5],
    ];
    (vec![(f1 + 274.0) / 232.0, (f2 - 4.0) / 72.0], c)
}

/// A problem: name, each parameter's bounds, objectives, evaluation.
struct Problem {
    name: &'static str,
    bounds: Vec<(f64, f64)>,
    objectives: usize,
    eval: fn(&[f64]) -> Eval,
}

fn problems() -> Vec<Problem> {
    let unit = |d| vec![(0.0, 1.0); d];
    let p = |name, bounds, objectives, eval| Problem {
        name,
        bounds,
        objectives,
        eval,
    };
    vec![
        p("zdt1", unit(10), 2, |x| zdt(x, 1)),
        p("zdt2", unit(10), 2, |x| zdt(x, 2)),
        p("zdt3", unit(10), 2, |x| zdt(x, 3)),
        p("dtlz2", unit(7), 3, dtlz2),
        p("dtlz7", unit(7), 3, dtlz7),
        p("bnh", vec![(0.0, 5.0), (0.0, 3.0)], 2, binh_korn),
        p(
            "osy",
            vec![
                (0.0, 10.0),
                (0.0, 10.0),
                (1.0, 5.0),
                (0.0, 6.0),
                (1.0, 5.0),
                (0.0, 10.0),
            ],
            2,
            osyczka_kundu,
        ),
    ]
}

/// A searcher's registry name and settings from its name on the command
/// line (`tpe-indep`: tpe modelling each parameter on its own; `gp-tol=T`:
/// gp with the local searches' `cost_tolerance` at `T`; `gp-cand=C`: gp
/// sweeping `C` candidates; `gp-s12`: gp with the joint model's settings
/// before session 13, 2,048 candidates and no cost tolerance).
fn searcher_spec(name: &str) -> (&str, Value) {
    if name == "gp-s12" {
        return ("gp", json!({"candidates": 2048, "cost_tolerance": 0.0}));
    }
    let setting = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|v| v.parse::<f64>().ok())
    };
    if let Some(t) = setting("gp-tol=") {
        return ("gp", json!({ "cost_tolerance": t }));
    }
    if let Some(c) = setting("gp-cand=") {
        return ("gp", json!({ "candidates": c as usize }));
    }
    match name {
        "tpe-indep" => ("tpe", json!({"multivariate": false})),
        other => (other, json!({})),
    }
}

fn main() -> anyhow::Result<()> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let [trials, seeds, rest @ ..] = &raw[..] else {
        anyhow::bail!("usage: nsga2_runs TRIALS SEEDS [SEARCHERS [PROBLEMS [ASKS]]]");
    };
    let (trials, seeds): (usize, u64) = (trials.parse()?, seeds.parse()?);
    let asks: usize = rest.get(2).map_or(Ok(1), |a| a.parse())?;
    let searchers = rest.first().map_or("random,nsga2,tpe", String::as_str);
    let wanted = rest.get(1).map(|p| p.split(',').collect::<Vec<_>>());
    let registry = hyperspace_searchers::builtin_registry();
    for problem in problems() {
        if wanted.as_ref().is_some_and(|w| !w.contains(&problem.name)) {
            continue;
        }
        let text: Vec<String> = (problem.bounds.iter().enumerate())
            .map(|(i, (lo, hi))| format!("x{i}=float({lo},{hi})"))
            .collect();
        let space = Space::parse(&text.join(" "))?;
        let params = |t: &hyperspace_engine::Trial| -> Vec<f64> {
            (0..problem.bounds.len())
                .map(|i| t.params[&format!("x{i}")].as_f64().unwrap())
                .collect()
        };
        for searcher in searchers.split(',') {
            let (name, settings) = searcher_spec(searcher);
            for seed in 0..seeds {
                let config = StudyConfig::new(problem.name)
                    .space(space.clone())
                    .objectives(vec![
                        Objective::new(Direction::Minimize);
                        problem.objectives
                    ])
                    .searcher(name, settings.clone())
                    .seed(seed);
                let mut study = Study::create(open_storage(":memory:")?, config, &registry)?;
                let (mut points, mut feasible) = (Vec::new(), Vec::new());
                for _ in 0..trials {
                    let t = study.ask()?;
                    let (values, constraints) = (problem.eval)(&params(&t));
                    points.push(values.clone());
                    feasible.push(constraints.iter().all(|c| *c <= 0.0));
                    let outcome = Outcome::complete_values(values).constraints(constraints);
                    study.tell(t.id, outcome)?;
                }
                let mut times = Vec::with_capacity(asks);
                for _ in 0..asks.max(1) {
                    let start = Instant::now();
                    let t = study.ask()?;
                    times.push(start.elapsed().as_secs_f64());
                    study.tell(t.id, Outcome::failed("timing only"))?;
                }
                times.sort_by(f64::total_cmp);
                let ask_s = times[times.len() / 2];
                let line = json!({"problem": problem.name, "searcher": searcher, "seed": seed,
                    "points": points, "feasible": feasible, "ask_s": ask_s});
                println!("{line}");
            }
        }
    }
    Ok(())
}
