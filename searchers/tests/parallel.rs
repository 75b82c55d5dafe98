//! Issue 20: with trials in flight (asked, not yet told) the model-based
//! searchers propose a distinct configuration for each worker, in
//! define-and-run and in define-by-run studies.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{FloatParam, Outcome, Param, Params, Space, Study, StudyConfig};
use serde_json::{json, Value as Json};

fn study(name: &str, settings: Json, space: Option<&str>) -> Study {
    let mut config = StudyConfig::new("parallel")
        .searcher(name, settings)
        .seed(11);
    if let Some(space) = space {
        config = config.space(Space::parse(space).unwrap());
    }
    common::in_memory(config)
}

fn quadratic(x: f64, y: f64) -> f64 {
    (x - 1.0).powi(2) + (y + 2.0).powi(2)
}

/// The smallest distance between two of `points`, in unit coordinates of
/// `[-5, 5]²`.
fn min_gap(points: &[(f64, f64)]) -> f64 {
    let mut gap = f64::INFINITY;
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            gap = gap.min(((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() / 10.0);
        }
    }
    gap
}

/// Each searcher with the smallest gap its batch must keep. TPE samples
/// its batch from a density the running trials push down: well apart. The
/// GP, 20 trials into a quadratic, is sure where the minimum is: the
/// believer's fantasies alone keep the batch there, close but never the
/// same point twice (before issue 20 it proposed the incumbent itself
/// again); local penalisation (the default adds it to the believer) keeps
/// a ball of at least `penalty_radius` (0.02) around each pending point.
/// Sampled fantasies leave a pending point no expected improvement under
/// any draw, so their batch is distinct too.
fn searchers() -> [(&'static str, Json, f64); 5] {
    [
        ("gp", json!({"pending": "kriging_believer"}), GP_MARGIN),
        ("gp", json!({"pending": "fantasies"}), GP_MARGIN),
        ("gp", json!({}), 0.015),
        ("gp", json!({"pending": "local_penalization"}), 0.015),
        ("tpe", json!({}), 0.01),
    ]
}

const GP_MARGIN: f64 = 1e-7;

fn check(name: &str, batch: &[(f64, f64)], margin: f64) {
    let gap = min_gap(batch);
    assert!(
        gap > margin,
        "{name}: pending trials {batch:?}, closest pair {gap} apart"
    );
}

#[test]
fn issue_20_eight_asks_without_tells_are_eight_distinct_points() {
    for (name, settings, margin) in searchers() {
        let mut s = study(name, settings, Some("x=float(-5,5) y=float(-5,5)"));
        let xy = |p: &Params| (p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap());
        for _ in 0..20 {
            let t = s.ask().unwrap();
            let (x, y) = xy(&t.params);
            s.tell(t.id, Outcome::complete(quadratic(x, y))).unwrap();
        }
        let batch: Vec<(f64, f64)> = (0..8).map(|_| xy(&s.ask().unwrap().params)).collect();
        check(name, &batch, margin);
    }
}

#[test]
fn issue_20_define_by_run_asks_without_tells_are_distinct_too() {
    let float = Param::Float(FloatParam::new(-5.0, 5.0, false, None, None).unwrap());
    for (name, settings, margin) in searchers() {
        let mut s = study(name, settings, None);
        let suggest = |s: &mut Study| {
            let t = s.ask_open().unwrap();
            let x = s.suggest(t.id, "x", &float).unwrap().as_f64().unwrap();
            let y = s.suggest(t.id, "y", &float).unwrap().as_f64().unwrap();
            (t.id, x, y)
        };
        for _ in 0..20 {
            let (id, x, y) = suggest(&mut s);
            s.tell(id, Outcome::complete(quadratic(x, y))).unwrap();
        }
        let batch: Vec<(f64, f64)> = (0..8)
            .map(|_| {
                let (_, x, y) = suggest(&mut s);
                (x, y)
            })
            .collect();
        check(name, &batch, margin);
    }
}
