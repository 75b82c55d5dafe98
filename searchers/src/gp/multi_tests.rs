//! The joint GP on small studies: a two-objective front, a constrained
//! single objective, and a start where no trial is feasible.

use hyperspace_engine::{open_storage, Direction, Objective, Outcome, Space, Study, StudyConfig};
use hyperspace_surrogate::pareto::hypervolume;

fn study(searcher: &str, space: &str, objectives: Vec<Objective>, seed: u64) -> Study {
    let settings = if searcher == "gp" {
        serde_json::json!({"n_startup_trials": 6})
    } else {
        serde_json::json!({})
    };
    let config = StudyConfig::new("gp-multi")
        .space(Space::parse(space).unwrap())
        .searcher(searcher, settings)
        .objectives(objectives)
        .seed(seed);
    Study::create(
        open_storage(":memory:").unwrap(),
        config,
        &crate::builtin_registry(),
    )
    .unwrap()
}

/// A convex two-objective problem in 3-D: f1 = x², f2 = (x − 1)² + y² + z²
/// with x, y, z in [−2, 2] (front: y = z = 0, x in [0, 1]).
fn two_objective_hv(searcher: &str, n: usize, seed: u64) -> f64 {
    let min = || Objective::new(Direction::Minimize);
    let mut s = study(
        searcher,
        "x=float(-2,2) y=float(-2,2) z=float(-2,2)",
        vec![min(), min()],
        seed,
    );
    let mut points = Vec::new();
    for _ in 0..n {
        let t = s.ask().unwrap();
        let p = |k: &str| t.params[k].as_f64().unwrap();
        let (x, y, z) = (p("x"), p("y"), p("z"));
        let v = vec![x * x, (x - 1.0).powi(2) + y * y + z * z];
        points.push(v.clone());
        s.tell(t.id, Outcome::complete_values(v)).unwrap();
    }
    hypervolume(&points, &[1.0, 1.0]).unwrap()
}

#[test]
fn two_objectives_get_a_better_front_than_random_search() {
    // The true front f2 = (1 − √f1)² covers 1 − 1/6 = 5/6 of the unit box
    // below (1, 1); random search with 20 trials in this cube gets far less.
    let gp: f64 = (0..2)
        .map(|seed| two_objective_hv("gp", 20, seed))
        .sum::<f64>()
        / 2.0;
    let random: f64 = (0..2)
        .map(|seed| two_objective_hv("random", 20, seed))
        .sum::<f64>()
        / 2.0;
    assert!(gp > 0.7, "gp hypervolume {gp}");
    assert!(gp > random + 0.3, "gp {gp} vs random {random}");
}

/// Minimize x + y over [0, 1]² subject to x·y ≥ 0.25 (c = 0.25 − x·y ≤ 0);
/// the optimum is x = y = 0.5, value 1.
fn constrained_best(n: usize) -> (f64, usize) {
    let mut s = study(
        "gp",
        "x=float(0,1) y=float(0,1)",
        vec![Objective::new(Direction::Minimize)],
        4,
    );
    let mut best = f64::INFINITY;
    let mut feasible = 0;
    for _ in 0..n {
        let t = s.ask().unwrap();
        let (x, y) = (
            t.params["x"].as_f64().unwrap(),
            t.params["y"].as_f64().unwrap(),
        );
        let c = 0.25 - x * y;
        if c <= 0.0 {
            best = best.min(x + y);
            feasible += 1;
        }
        s.tell(t.id, Outcome::complete(x + y).constraints(vec![c]))
            .unwrap();
    }
    (best, feasible)
}

#[test]
fn a_constrained_single_objective_converges_on_the_boundary() {
    let (best, feasible) = constrained_best(24);
    assert!(best < 1.02, "best feasible {best}");
    assert!(
        feasible >= 10,
        "most model-guided trials are feasible: {feasible}"
    );
}

#[test]
fn with_no_feasible_trial_it_looks_for_feasibility() {
    // Feasible only in the corner x > 0.9 (c = 0.9 − x); the startup trials
    // are told infeasible values, so the model must find the region.
    let mut s = study(
        "gp",
        "x=float(0,1) y=float(0,1)",
        vec![Objective::new(Direction::Minimize)],
        2,
    );
    for _ in 0..6 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        s.tell(
            t.id,
            Outcome::complete(x).constraints(vec![(0.9 - x).max(0.05)]),
        )
        .unwrap();
    }
    let mut found = false;
    for _ in 0..6 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        found |= x > 0.9;
        s.tell(t.id, Outcome::complete(x).constraints(vec![0.9 - x]))
            .unwrap();
    }
    assert!(found, "no trial reached the feasible corner");
}
