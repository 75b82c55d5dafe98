//! TPE's behaviour on small problems with fixed seeds, with margins a broken
//! model (one that ignores the history, or ranks backwards) would miss.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use hyperspace_engine::{Direction, Outcome, Params, Space, StudyConfig, TrialState};
use serde_json::{json, Value as Json};

fn run(
    space: &str,
    searcher: &str,
    settings: Json,
    seed: u64,
    n: usize,
    f: impl Fn(&Params) -> f64,
) -> Vec<f64> {
    let config = StudyConfig::new("t")
        .space(Space::parse(space).unwrap())
        .searcher(searcher, settings)
        .seed(seed);
    let mut s = common::in_memory(config);
    (0..n)
        .map(|_| {
            let t = s.ask().unwrap();
            let v = f(&t.params);
            s.tell(t.id, Outcome::complete(v)).unwrap();
            v
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn best(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

#[test]
fn concentrates_on_the_optimum_of_a_quadratic() {
    let f = |p: &Params| (p["x"].as_f64().unwrap() - 0.3).powi(2);
    for seed in 0..3 {
        let values = run("x=float(-5,5)", "tpe", json!({}), seed, 60, f);
        // The last 20 proposals sit near x = 0.3: random search on [-5, 5]
        // has a median squared distance of about 6.
        let late = median(values[40..].to_vec());
        assert!(late < 1.0, "seed {seed}: late median {late}");
        assert!(best(&values) < 1e-2, "seed {seed}: best {}", best(&values));
    }
}

#[test]
fn beats_random_search_on_a_mixed_conditional_problem() {
    let space = "x=float(-5,10) y=float(0,15) n=int(1,100,log) \
                 kind=choice(a{s=float(0,1)}, b{t=int(0,9)}, c)";
    let f = |p: &Params| {
        let (x, y) = (p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap());
        let branin = (y - 5.1 / (4.0 * std::f64::consts::PI.powi(2)) * x * x
            + 5.0 / std::f64::consts::PI * x
            - 6.0)
            .powi(2)
            + 10.0 * (1.0 - 1.0 / (8.0 * std::f64::consts::PI)) * x.cos()
            + 10.0;
        let n = (p["n"].as_i64().unwrap() as f64).ln();
        let branch = match p["kind"].as_str().unwrap() {
            "a" => (p["s"].as_f64().unwrap() - 0.7).powi(2) * 10.0,
            "b" => (p["t"].as_i64().unwrap() - 6).abs() as f64,
            _ => 3.0,
        };
        branin + (n - 2.0).powi(2) + branch
    };
    let seeds = 0..7;
    let tpe: Vec<f64> = seeds
        .clone()
        .map(|s| best(&run(space, "tpe", json!({}), s, 80, f)))
        .collect();
    let random: Vec<f64> = seeds
        .map(|s| best(&run(space, "random", json!({}), s, 80, f)))
        .collect();
    let wins = tpe.iter().zip(&random).filter(|(t, r)| t < r).count();
    assert!(
        median(tpe.clone()) < 0.5 * median(random.clone()),
        "tpe {tpe:?} random {random:?}"
    );
    assert!(
        wins >= 5,
        "tpe won {wins} of 7: tpe {tpe:?} random {random:?}"
    );
}

#[test]
fn maximizes_as_well_as_it_minimizes() {
    let config = |direction| {
        StudyConfig::new("m")
            .space(Space::parse("x=float(-5,5)").unwrap())
            .searcher("tpe", json!({}))
            .direction(direction)
            .seed(4)
    };
    let mut s = common::in_memory(config(Direction::Maximize));
    for _ in 0..50 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        s.tell(t.id, Outcome::complete(-(x - 2.0).powi(2))).unwrap();
    }
    let best = s.best_trial().unwrap().unwrap();
    assert!(best.value.unwrap() > -0.01, "{:?}", best.value);
}

#[test]
fn pending_trials_push_parallel_workers_apart() {
    // After start-up, ask 6 trials without telling any: with the constant
    // liar each new proposal avoids the running ones.
    let config = StudyConfig::new("p")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("tpe", json!({"n_startup_trials": 5}))
        .seed(8);
    let mut s = common::in_memory(config);
    for _ in 0..12 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        s.tell(t.id, Outcome::complete((x - 0.5).abs())).unwrap();
    }
    let xs: Vec<f64> = (0..6)
        .map(|_| s.ask().unwrap().params["x"].as_f64().unwrap())
        .collect();
    let mut sorted = xs.clone();
    sorted.sort_by(f64::total_cmp);
    let min_gap = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    assert!(
        min_gap > 1e-3,
        "running trials were proposed on top of each other: {xs:?}"
    );
    assert!(
        s.trials()
            .unwrap()
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .count()
            == 6
    );
}

#[test]
fn pruned_trials_count_and_failed_ones_do_not() {
    let config = StudyConfig::new("pr")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("tpe", json!({"n_startup_trials": 3}))
        .seed(2);
    let mut s = common::in_memory(config);
    // Trials on the bad half are pruned early (as a pruner would), one in
    // five crashes; the pruned ones must steer TPE away from the bad half.
    for i in 0..40 {
        let t = s.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        if i % 5 == 4 {
            s.tell(t.id, Outcome::failed("crashed")).unwrap();
        } else if x > 0.5 {
            s.report(t.id, 1, x).unwrap();
            s.tell(t.id, Outcome::pruned()).unwrap();
        } else {
            s.tell(t.id, Outcome::complete(x)).unwrap();
        }
    }
    let late_pruned = s.trials().unwrap()[20..]
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .count();
    assert!(
        late_pruned <= 4,
        "{late_pruned} of the last 20 trials went to the pruned half"
    );
    let complete: Vec<f64> = s
        .trials()
        .unwrap()
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .map(|t| t.value.unwrap())
        .collect();
    assert!(best(&complete) < 0.05, "{complete:?}");
}

/// A searcher kept across asks refits its bad density from the last one's
/// (`FitMemo`); that must change no proposal. Here one kept searcher and a
/// fresh one per ask see the same history, numbers and random streams,
/// over floats, a log float, an int and a categorical, with a pending trial
/// now and then, past 100 trials (where kernel widths stop shrinking).
#[test]
fn a_kept_searcher_proposes_what_a_fresh_one_does() {
    use hyperspace_engine::{SearchContext, Trial, TrialId, Value};
    use rand::SeedableRng;
    let space =
        Space::parse("a=float(-5,5) b=log(1e-4,1) n=int(1,300) c=choice(x,y,z) d=float(0,1)")
            .unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    let mut kept = registry.build("tpe", &json!({})).unwrap();
    let mut trials: Vec<Trial> = Vec::new();
    // A trial as a study records it, for the fields this test does not set.
    let template = {
        let config = StudyConfig::new("t").space(space.clone());
        let mut s = common::in_memory(config);
        let t = s.ask().unwrap();
        s.tell(t.id, Outcome::complete(0.0)).unwrap()
    };
    for number in 0..130u64 {
        let ctx = SearchContext {
            space: &space,
            trials: &trials,
            direction: Direction::Minimize,
            objectives: &[],
            study_seed: 5,
            trial_number: number,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(number);
        let proposal = kept.sample_relative(&ctx, &space, &mut rng).unwrap();
        let mut fresh = registry.build("tpe", &json!({})).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(number);
        let again = fresh.sample_relative(&ctx, &space, &mut rng).unwrap();
        assert_eq!(proposal.params, again.params, "trial {number}");
        let p = &proposal.params;
        let value = (p["a"].as_f64().unwrap() - 1.0).powi(2)
            + p["b"].as_f64().unwrap().ln().abs()
            + (p["n"].as_f64().unwrap() - 40.0).abs() / 100.0
            + if p["c"] == Value::from("y") { 0.0 } else { 1.0 };
        // Every seventh trial stays pending for a while (constant liar).
        let pending = number % 7 == 3 && number + 1 < 130;
        let (state, values) = if pending {
            (TrialState::Running, vec![])
        } else {
            (TrialState::Complete, vec![value])
        };
        trials.push(Trial {
            id: TrialId(number as i64),
            number,
            state,
            params: proposal.params,
            value: values.first().copied(),
            values,
            ..template.clone()
        });
        // ...and finishes eleven trials later.
        if number >= 11 && (number - 11) % 7 == 3 {
            let t = &mut trials[(number - 11) as usize];
            t.state = TrialState::Complete;
            t.values = vec![1.0];
            t.value = Some(1.0);
        }
    }
}
