//! TPE on tree-shaped spaces (issue 17): a branch's parameters are ranked
//! among the trials that took the branch, and define-by-run draws the
//! parameters of a branch jointly, as define-and-run does. Fixed seeds;
//! margins a model that ranks branches globally, or draws branch parameters
//! one by one, misses.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Outcome, Params, Space, Study, StudyConfig, Value};
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
