//! TPE on tree-shaped spaces (issue 17): a branch's parameters are ranked
//! among the trials that took the branch, and define-by-run draws the
//! parameters of a branch jointly, as define-and-run does. Fixed seeds;
//! margins a model that ranks branches globally, or draws branch parameters
//! one by one, misses.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{AddedTrial, Outcome, Params, Space, Study, StudyConfig, Value};
use serde_json::json;

/// Family `easy`: a broad bowl, 0.2 at best. Family `hidden`: 0.1 along
/// the diagonal `x = y` but 0.4 a few hundredths off it, so its random
/// trials look worse than `easy`'s and none of them is among the study's
/// best until one lands in the band.
fn objective(p: &Params) -> f64 {
    let f = |name: &str| p[name].as_f64().unwrap();
    match p["family"].as_str().unwrap() {
        "easy" => 0.2 + 0.1 * (f("z") - 0.5).powi(2),
        _ => 0.1 + 0.3 * (1.0 - (-(f("x") - f("y")).powi(2) / (2.0 * 0.03f64.powi(2))).exp()),
    }
}

const SPACE: &str = "family=choice(easy{z=float(0,1)}, hidden{x=float(0,1) y=float(0,1)})";

fn study(searcher: &str, seed: u64, define_and_run: bool) -> Study {
    let mut config = StudyConfig::new("t")
        .searcher(searcher, json!({}))
        .seed(seed);
    if define_and_run {
        config = config.space(Space::parse(SPACE).unwrap());
    }
    common::in_memory(config)
}

/// The best value of `n` trials, the parameters written as a define-by-run
/// objective suggests them (inside an `if`) or given as the space.
fn best_of(searcher: &str, seed: u64, n: usize, define_and_run: bool) -> f64 {
    let space = Space::parse(SPACE).unwrap();
    let param = |name: &str| space.get(name).unwrap().param.clone();
    let mut s = study(searcher, seed, define_and_run);
    let mut best = f64::INFINITY;
    for _ in 0..n {
        let (id, p) = if define_and_run {
            let t = s.ask().unwrap();
            (t.id, t.params)
        } else {
            let t = s.ask_open().unwrap();
            let mut p = Params::new();
            let family = s.suggest(t.id, "family", &param("family")).unwrap();
            let names: &[&str] = if family == Value::from("easy") {
                &["z"]
            } else {
                &["x", "y"]
            };
            for &name in names {
                p.insert(name.into(), s.suggest(t.id, name, &param(name)).unwrap());
            }
            p.insert("family".into(), family);
            (t.id, p)
        };
        let v = objective(&p);
        best = best.min(v);
        s.tell(id, Outcome::complete(v)).unwrap();
    }
    best
}

fn medians(searcher: &str, define_and_run: bool) -> f64 {
    median(
        (0..8)
            .map(|seed| best_of(searcher, seed, 60, define_and_run))
            .collect(),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Both ways of writing the space find the hidden family's band in most
/// of 8 seeds (the median best is in the band, below 0.15), and reach the
/// same quality. Before branches were ranked among their own trials and
/// kept a floor share, define-and-run settled for `easy` (median best
/// 0.200): no `hidden` trial was among the study's best, so the choice
/// never came back to it. (Random search also finds the band here, median
/// 0.118: the test pins the tree model, not a win over random.)
#[test]
fn the_hidden_family_is_found_in_both_styles() {
    let by_run = medians("tpe", false);
    let and_run = medians("tpe", true);
    assert!(by_run < 0.15, "define-by-run: median best {by_run}");
    assert!(and_run < 0.15, "define-and-run: median best {and_run}");
    assert!((by_run - and_run).abs() < 0.03, "{by_run} vs {and_run}");
}

/// The GP keeps searching a branch whose first trials look worst: with
/// the branch floor (`crate::branches`) it finds the hidden band (best
/// below 0.15) in all 6 seeds within 40 trials, define-and-run. Without
/// the floor it settled for `easy` (best 0.200) in 3 of the 6: its few
/// `hidden` trials all scored about 0.4, so it never proposed the branch
/// again.
#[test]
fn the_gp_keeps_searching_a_branch_that_looks_bad() {
    let found = (0..6)
        .filter(|&seed| best_of("gp", seed, 40, true) < 0.15)
        .count();
    assert!(found >= 5, "the hidden band found in {found} of 6 seeds");
}

/// A history whose `hidden` family is good only along the line
/// `x + y = 1`: six trials on it (0.10 to 0.15, the best of the study),
/// fourteen scattered off it (0.4), and sixteen `easy` ones (0.2; enough
/// that `easy` is not below its branch floor).
fn diagonal_history(space: &Space) -> Vec<AddedTrial> {
    let distributions = space
        .entries()
        .iter()
        .map(|e| (e.name.clone(), e.param.clone()))
        .collect::<indexmap::IndexMap<_, _>>();
    let trial = |pairs: &[(&str, Value)], v: f64| {
        let params: Params = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let used = distributions
            .iter()
            .filter(|(k, _)| params.contains_key(k.as_str()))
            .map(|(k, p)| (k.clone(), p.clone()))
            .collect();
        AddedTrial::new(used, params, Outcome::complete(v))
    };
    let hidden = |x: f64, y: f64, v: f64| {
        let pairs = [
            ("family", Value::from("hidden")),
            ("x", Value::Float(x)),
            ("y", Value::Float(y)),
        ];
        trial(&pairs, v)
    };
    let mut out = Vec::new();
    for (i, x) in [0.1, 0.25, 0.4, 0.55, 0.7, 0.85].into_iter().enumerate() {
        let off = [0.01, -0.01, 0.0, 0.01, -0.01, 0.0][i];
        out.push(hidden(x, 1.0 - x + off, 0.10 + 0.01 * i as f64));
    }
    // Scattered hidden trials, at least 0.3 off the line.
    let mut k = 0u64;
    while out.len() < 20 {
        k += 1;
        let x = ((k * 7919) % 997) as f64 / 997.0;
        let y = ((k * 104_729) % 991) as f64 / 991.0;
        if (x + y - 1.0).abs() > 0.3 {
            out.push(hidden(x, y, 0.4));
        }
    }
    // As many as `hidden` has: the branch floor (an even share up to 81
    // trials) then leaves the choice to the model.
    for i in 0..20 {
        let z = Value::Float(0.04 * i as f64 + 0.1);
        out.push(trial(&[("family", Value::from("easy")), ("z", z)], 0.2));
    }
    out
}

/// Of 24 proposals (one per study seed) after [`diagonal_history`], how
/// many are `hidden` trials within 0.05 of the line, the parameters
/// written define-by-run or given as the space.
fn on_the_line(settings: serde_json::Value, define_and_run: bool) -> usize {
    let space = Space::parse(SPACE).unwrap();
    let param = |name: &str| space.get(name).unwrap().param.clone();
    (0..24)
        .filter(|&seed| {
            let mut config = StudyConfig::new("t")
                .searcher("tpe", settings.clone())
                .seed(seed);
            if define_and_run {
                config = config.space(space.clone());
            }
            let mut s = common::in_memory(config);
            s.add_trials(diagonal_history(&space)).unwrap();
            let p = if define_and_run {
                s.ask().unwrap().params
            } else {
                let t = s.ask_open().unwrap();
                let mut p = Params::new();
                for name in ["family", "x", "y"] {
                    if name == "family" || p["family"] == Value::from("hidden") {
                        p.insert(name.into(), s.suggest(t.id, name, &param(name)).unwrap());
                    }
                }
                p
            };
            let f = |n: &str| p.get(n).and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
            p["family"] == Value::from("hidden") && (f("x") + f("y") - 1.0).abs() < 0.05
        })
        .count()
}

/// A branch's good trials lie along a diagonal: with kernels sharing
/// their covariance (the default) most proposals land on it, in both
/// styles (24 of 24 each when written); with axis-aligned kernels alone,
/// each as wide as the gaps between the good trials along each axis, about
/// a third do (9 and 10; 8 and 7 with 16 easy trials).
#[test]
fn a_branch_valley_along_a_diagonal_is_followed() {
    for define_and_run in [true, false] {
        let with = on_the_line(json!({}), define_and_run);
        let without = on_the_line(json!({"correlated_branches": false}), define_and_run);
        println!("define-and-run {define_and_run}: {with} vs {without} of 24");
        assert!(with >= 20, "define-and-run {define_and_run}: {with} of 24");
        assert!(with >= without + 10, "{with} vs {without}");
    }
}
