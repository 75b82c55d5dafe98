//! The suite every built-in searcher passes: valid proposals on a mixed,
//! conditional space; determinism from the seed; pending trials; maximize;
//! clear errors for bad settings.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Direction, Outcome, Params, Space, Study, StudyConfig};
use serde_json::{json, Value as Json};
use std::collections::HashSet;

/// (registry name, settings) of every searcher under test.
fn searchers() -> Vec<(&'static str, Json)> {
    vec![
        ("random", json!({})),
        ("random", json!({"sampler": "sobol"})),
        ("grid", json!({"points": 3, "shuffle": true})),
        ("tpe", json!({})),
        ("tpe", json!({"multivariate": false, "n_startup_trials": 5})),
        ("tpe", json!({"startup": "sobol", "constant_liar": false})),
        (
            "gp",
            json!({"restarts": 1, "candidates": 256, "local_searches": 3}),
        ),
        ("cmaes", json!({})),
        (
            "cmaes",
            json!({"population_size": 4, "restart": "none", "margin": 0.0}),
        ),
        ("nsga2", json!({"population_size": 5})),
        ("hyperband", json!({"max_budget": 9})),
        ("hyperband", json!({"max_budget": 27, "sampler": "tpe"})),
        ("auto", json!({})),
    ]
}

fn space() -> Space {
    Space::parse(
        "x=float(-5,10) lr=log(1e-5,1e-1) n=int(1,64,log) drop=float(0,0.5,step=0.1) \
         model=choice(svm{C=log(1e-3,1e3) kernel=choice(rbf, poly{degree=int(2,4)})}, tree{depth=int(1,6)}, linear)",
    )
    .unwrap()
}

fn study(name: &str, settings: &Json, seed: u64, direction: Direction) -> Study {
    let config = StudyConfig::new("conformance")
        .space(space())
        .searcher(name, settings.clone())
        .direction(direction)
        .seed(seed);
    common::in_memory(config)
}

/// A deterministic objective over the whole space.
fn objective(p: &Params) -> f64 {
    let x = p["x"].as_f64().unwrap();
    let branch = match p["model"].as_str().unwrap() {
        "svm" => p["C"].as_f64().unwrap().ln().abs(),
        "tree" => p["depth"].as_i64().unwrap() as f64,
        _ => 3.0,
    };
    (x - 1.0).powi(2) + branch
}

fn run(
    name: &str,
    settings: &Json,
    seed: u64,
    n: usize,
    direction: Direction,
) -> (Study, Vec<Params>) {
    let mut s = study(name, settings, seed, direction);
    let mut seen = Vec::new();
    for _ in 0..n {
        let t = s.ask().unwrap();
        seen.push(t.params.clone());
        s.tell(t.id, Outcome::complete(objective(&t.params)))
            .unwrap();
    }
    (s, seen)
}

#[test]
fn proposals_are_valid_and_hold_exactly_the_active_parameters() {
    let space = space();
    for (name, settings) in searchers() {
        let (_, seen) = run(name, &settings, 1, 40, Direction::Minimize);
        let mut branches = HashSet::new();
        for p in &seen {
            let checked = space
                .check_config(p)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&checked, p, "{name}");
            branches.insert(p["model"].to_string());
            match p["model"].as_str().unwrap() {
                "svm" => assert!(
                    p.contains_key("C") && !p.contains_key("depth"),
                    "{name}: {p:?}"
                ),
                "tree" => assert!(
                    p.contains_key("depth") && !p.contains_key("C"),
                    "{name}: {p:?}"
                ),
                _ => assert!(
                    !p.contains_key("C") && !p.contains_key("depth"),
                    "{name}: {p:?}"
                ),
            }
        }
        assert_eq!(branches.len(), 3, "{name} explored {branches:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_proposals() {
    for (name, settings) in searchers() {
        let (_, a) = run(name, &settings, 42, 25, Direction::Minimize);
        let (_, b) = run(name, &settings, 42, 25, Direction::Minimize);
        assert_eq!(a, b, "{name} {settings}");
        let (_, c) = run(name, &settings, 43, 25, Direction::Minimize);
        assert_ne!(
            a, c,
            "{name} {settings}: another seed should give another sequence"
        );
    }
}

#[test]
fn pending_trials_get_distinct_configurations() {
    for (name, settings) in searchers() {
        let mut s = study(name, &settings, 5, Direction::Minimize);
        let asked: Vec<_> = (0..8).map(|_| s.ask().unwrap()).collect();
        let distinct: HashSet<String> = asked
            .iter()
            .map(|t| serde_json::to_string(&t.params).unwrap())
            .collect();
        assert_eq!(
            distinct.len(),
            asked.len(),
            "{name} {settings} repeated a pending configuration"
        );
    }
}

#[test]
fn maximize_picks_the_largest_value() {
    for (name, settings) in searchers() {
        let (mut s, seen) = run(name, &settings, 9, 20, Direction::Maximize);
        let best = s.best_trial().unwrap().unwrap();
        let top = seen.iter().map(objective).fold(f64::MIN, f64::max);
        assert_eq!(best.value, Some(top), "{name}");
    }
}

#[test]
fn bad_settings_are_refused_with_the_key() {
    let registry = hyperspace_searchers::builtin_registry();
    for name in ["random", "grid", "tpe"] {
        let err = registry
            .build(name, &json!({"bogus": 1}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown setting `bogus`"), "{err}");
        assert!(err.contains(name), "{err}");
    }
    let err = registry
        .build("random", &json!({"sampler": "halton"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `halton`"), "{err}");
    let err = registry
        .build("grid", &json!({"points": 0}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("points must be at least 1"), "{err}");
    let err = registry
        .build("annealing", &Json::Null)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown searcher 'annealing'") && err.contains("random"),
        "{err}"
    );
}

/// Issue 16: a single-point range (`int(3,3)`, `float(1,1)`, on a log scale
/// too) is valid, as in Optuna; every searcher proposes its one value, and
/// models it without dividing by its zero width (a NaN would reach the
/// other parameters' proposals, or a panic the caller).
#[test]
fn issue_16_single_point_ranges_work_with_every_searcher() {
    let space = Space::parse(
        "x=float(-5,10) i=int(3,3) f=float(1,1) l=log(2,2) li=int(4,4,log) s=float(0.5,0.5,step=0.1)",
    )
    .unwrap();
    for (name, settings) in searchers() {
        let config = StudyConfig::new("single")
            .space(space.clone())
            .searcher(name, settings.clone())
            .seed(3);
        let mut s = common::in_memory(config);
        let mut xs = HashSet::new();
        for _ in 0..30 {
            let t = match s.ask() {
                Ok(t) => t,
                // A grid of 3 x-points is done after 3 trials.
                Err(e) if name == "grid" => {
                    assert!(xs.len() == 3, "{name}: {e}");
                    break;
                }
                Err(e) => panic!("{name} {settings}: {e}"),
            };
            let p = &t.params;
            assert_eq!(p["i"].as_i64(), Some(3), "{name}: {p:?}");
            assert_eq!(p["f"].as_f64(), Some(1.0), "{name}: {p:?}");
            assert_eq!(p["l"].as_f64(), Some(2.0), "{name}: {p:?}");
            assert_eq!(p["li"].as_i64(), Some(4), "{name}: {p:?}");
            assert_eq!(p["s"].as_f64(), Some(0.5), "{name}: {p:?}");
            let x = p["x"].as_f64().unwrap();
            assert!((-5.0..=10.0).contains(&x), "{name}: {p:?}");
            xs.insert(x.to_bits());
            s.tell(t.id, Outcome::complete((x - 1.0).powi(2))).unwrap();
        }
        // The other parameter is still searched, not stuck on a NaN.
        assert!(xs.len() >= 3, "{name} {settings}: {} distinct x", xs.len());
    }
}
