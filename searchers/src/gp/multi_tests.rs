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

/// A trial's `x` and `y`.
fn xy(t: &hyperspace_engine::Trial) -> (f64, f64) {
    (
        t.params["x"].as_f64().unwrap(),
        t.params["y"].as_f64().unwrap(),
    )
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
        let (x, y) = xy(&t);
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

/// Complete trials of a 2-D study told two values: `a = x²` and
/// `b = sin(6y) + x`, whose fits differ.
fn two_metric_trials(n: usize) -> Vec<hyperspace_engine::Trial> {
    let min = || Objective::new(Direction::Minimize);
    let mut s = study("random", "x=float(0,1) y=float(0,1)", vec![min(), min()], 9);
    for _ in 0..n {
        let t = s.ask().unwrap();
        let (x, y) = xy(&t);
        s.tell(
            t.id,
            Outcome::complete_values(vec![x * x, (6.0 * y).sin() + x]),
        )
        .unwrap();
    }
    s.trials().unwrap().to_vec()
}

#[test]
fn a_retargeted_study_keeps_each_objectives_own_fit() {
    // Review note (issue 13): the kept fits were found by index, so after
    // a retarget swapped the objectives, objective b was modelled with a's
    // hyperparameters (and a with b's) until its next refit.
    use super::{objective_keys, output_models, OutputModels};
    use crate::encode::{Absent, EncodedHistory};
    use crate::gp::layout::Layout;
    use crate::gp::GpSettings;
    use hyperspace_engine::SearchContext;
    use rand::SeedableRng;

    let space = Space::parse("x=float(0,1) y=float(0,1)").unwrap();
    let trials = two_metric_trials(24);
    let mut encoded = EncodedHistory::new(Absent::InactiveValue);
    encoded.update(&space, &trials);
    let settings = GpSettings::default().validate().unwrap();
    let kinds = Layout::new(&space).kinds;
    let mut outputs = OutputModels::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    // The models of `trials` under `objectives` (each trial's values in
    // their order).
    let mut fit = |objectives: &[Objective], trials: &[hyperspace_engine::Trial]| {
        let ctx = SearchContext {
            space: &space,
            trials,
            direction: Direction::Minimize,
            objectives,
            study_seed: 0,
            trial_number: trials.len() as u64,
        };
        let scored: Vec<_> = ctx
            .scored_all()
            .map(|(t, losses)| (t, losses, encoded.row(t).unwrap()))
            .collect();
        let rows: Vec<&[f64]> = scored.iter().map(|s| s.2).collect();
        let x = super::matrix(&rows, 2).unwrap();
        let ys: Vec<ndarray::Array1<f64>> = (0..2)
            .map(|j| scored.iter().map(|s| s.1[j]).collect())
            .collect();
        let keys = objective_keys(&ctx);
        output_models(
            &settings,
            &scored,
            &x,
            keys.into_iter().zip(&ys),
            &mut outputs,
            &kinds,
            &mut rng,
        )
        .unwrap()
    };
    let named = |a: &str, b: &str| {
        vec![
            Objective::named(a, Direction::Minimize),
            Objective::named(b, Direction::Minimize),
        ]
    };
    let before = fit(&named("a", "b"), &trials);
    let (fit_a, fit_b) = (before[0].hyperparameters(), before[1].hyperparameters());
    assert_ne!(fit_a, fit_b, "the two metrics must fit differently");
    // Retargeted to (b, a): the same trials, their values swapped. No
    // trial was added, so no refit is due: each objective keeps its fit.
    let swapped: Vec<_> = trials
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.values.reverse();
            t.value = t.values.first().copied();
            t
        })
        .collect();
    let after = fit(&named("b", "a"), &swapped);
    assert_eq!(after[0].hyperparameters(), fit_b, "b modelled with a's fit");
    assert_eq!(after[1].hyperparameters(), fit_a, "a modelled with b's fit");
}

#[test]
fn two_objectives_sweep_less_and_stop_on_a_cost_tolerance_unless_set_otherwise() {
    use crate::gp::settings::{TWO_OBJECTIVES_CANDIDATES, TWO_OBJECTIVES_COST_TOLERANCE};
    use crate::gp::GpSettings;
    let default = GpSettings::default().validate().unwrap();
    let (one, joint) = (
        default.optimizer.get(),
        default.two_objectives_optimizer.get(),
    );
    assert_eq!((one.candidates, one.cost_tolerance), (2048, 0.0));
    assert_eq!(
        (joint.candidates, joint.cost_tolerance),
        (TWO_OBJECTIVES_CANDIDATES, TWO_OBJECTIVES_COST_TOLERANCE)
    );
    for (candidates, tolerance) in [(4096, 0.0), (64, 1e-9)] {
        let s = GpSettings {
            candidates: Some(candidates),
            cost_tolerance: Some(tolerance),
            ..GpSettings::default()
        }
        .validate()
        .unwrap();
        for o in [s.optimizer.get(), s.two_objectives_optimizer.get()] {
            assert_eq!((o.candidates, o.cost_tolerance), (candidates, tolerance));
        }
    }
}
