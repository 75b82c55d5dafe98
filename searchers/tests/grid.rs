//! The grid searcher: complete coverage, each point once, a clear end.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Error, Outcome, SearchError, Space, Study, StudyConfig};
use serde_json::json;
use std::collections::HashSet;

fn grid_study(space: &str, settings: serde_json::Value) -> Study {
    let config = StudyConfig::new("grid")
        .space(Space::parse(space).unwrap())
        .searcher("grid", settings)
        .seed(3);
    common::in_memory(config)
}

#[test]
fn covers_every_point_once_then_says_it_is_exhausted() {
    // 3 x-values, 2 opts; tree brings depth in {1,2} -> svm branch 1, tree branch 2: (1 + 2) * 3 * 2 = 18.
    let mut s = grid_study(
        "x=float(0,1) opt=choice(a,b) m=choice(svm, tree{depth=int(1,2)})",
        json!({"points": 3}),
    );
    let mut seen = HashSet::new();
    for _ in 0..18 {
        let t = s.ask().unwrap();
        assert!(
            seen.insert(serde_json::to_string(&t.params).unwrap()),
            "repeated {:?}",
            t.params
        );
        s.tell(t.id, Outcome::complete(0.0)).unwrap();
    }
    let xs: HashSet<String> = seen
        .iter()
        .map(|k| k.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(xs.len(), 3);
    let trials_before = s.trials().unwrap().len();
    match s.ask() {
        Err(Error::Search(SearchError::Exhausted { reason, .. })) => {
            assert!(reason.contains("all 18 points"))
        }
        other => panic!("expected exhaustion, got {other:?}"),
    }
    assert_eq!(
        s.trials().unwrap().len(),
        trials_before,
        "an exhausted ask must leave no trial behind"
    );
}

#[test]
fn log_parameters_are_log_spaced() {
    let mut s = grid_study("lr=log(1e-4,1)", json!({"points": 5}));
    let mut values: Vec<f64> = (0..5)
        .map(|_| s.ask().unwrap().params["lr"].as_f64().unwrap())
        .collect();
    values.sort_by(f64::total_cmp);
    for (v, expected) in values.iter().zip([1e-4, 1e-3, 1e-2, 1e-1, 1.0]) {
        assert!((v / expected - 1.0).abs() < 1e-9, "{values:?}");
    }
}

#[test]
fn a_grid_too_large_is_refused() {
    // 10^12 points: refused from the count, without building any.
    let mut s = grid_study("a=int(0,9999) b=int(0,9999) c=int(0,9999)", json!({}));
    let err = s.ask().unwrap_err().to_string();
    assert!(
        err.contains("the grid has 1000000000000 points, more than max_points = 1000000"),
        "{err}"
    );
    let space =
        Space::parse("x=float(0,1) m=choice(a, b{d=int(1,3)}, c{e=int(1,2) f=choice(u,v)})")
            .unwrap();
    let grid = hyperspace_searchers::GridSearcher::new(
        hyperspace_searchers::GridSettings {
            points: 4,
            ..Default::default()
        }
        .validate()
        .unwrap(),
    );
    assert_eq!(grid.count(&space), 4 * (1 + 3 + 2 * 2));
    assert_eq!(
        grid.points(&space).unwrap().len() as u128,
        grid.count(&space)
    );
}

/// Define-by-run on a grid: a trial that failed after its first suggestion
/// holds no grid point, and later trials are served as before.
#[test]
fn define_by_run_grid_survives_a_trial_that_failed_half_way() {
    let text = "x=int(0,2) y=int(0,2)";
    let space = Space::parse(text).unwrap();
    let mut s = grid_study(text, json!({}));
    let (px, py) = (
        space.entries()[0].param.clone(),
        space.entries()[1].param.clone(),
    );
    // One complete trial, so later ones get a joint (relative) proposal.
    let first = s.ask_open().unwrap();
    s.suggest(first.id, "x", &px).unwrap();
    s.suggest(first.id, "y", &py).unwrap();
    s.tell(first.id, Outcome::complete(1.0)).unwrap();
    // A trial that fails after its first suggestion.
    let broken = s.ask_open().unwrap();
    s.suggest(broken.id, "x", &px).unwrap();
    s.tell(broken.id, Outcome::failed("crashed")).unwrap();
    // The others are still served, each a point of the grid.
    for _ in 0..4 {
        let t = s.ask_open().unwrap();
        s.suggest(t.id, "x", &px).unwrap();
        s.suggest(t.id, "y", &py).unwrap();
        s.tell(t.id, Outcome::complete(1.0)).unwrap();
    }
}

/// Issue 16: define-by-run over an exhausted grid ends at `ask_open`, the
/// trial loop's door (it stops the run with the searcher's reason), and
/// leaves no failed trial with no parameters behind.
#[test]
fn issue_16_define_by_run_exhaustion_creates_no_trial() {
    let text = "x=int(0,1) y=int(0,1)";
    let space = Space::parse(text).unwrap();
    let mut s = grid_study(text, json!({}));
    let (px, py) = (
        space.entries()[0].param.clone(),
        space.entries()[1].param.clone(),
    );
    let mut seen = HashSet::new();
    for _ in 0..4 {
        let t = s.ask_open().unwrap();
        let x = s.suggest(t.id, "x", &px).unwrap();
        let y = s.suggest(t.id, "y", &py).unwrap();
        assert!(seen.insert(format!("{x}/{y}")), "repeated {x}/{y}");
        s.tell(t.id, Outcome::complete(1.0)).unwrap();
    }
    for _ in 0..2 {
        match s.try_ask_open() {
            Err(Error::Search(SearchError::Exhausted { reason, .. })) => {
                assert!(reason.contains("all 4 points"), "{reason}")
            }
            other => panic!("expected exhaustion, got {other:?}"),
        }
    }
    let trials = s.trials().unwrap();
    assert_eq!(trials.len(), 4, "{trials:?}");
    assert!(trials.iter().all(|t| t.params.len() == 2));
}
