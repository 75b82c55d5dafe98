//! The protocol: seeds, reproducibility, early stops, settings, result
//! files and compare mode.

use crate::common::{test_registry, Uniform};
use hyperspace_benches::{
    parse_searchers, problems, report, run_one, run_suite, study_seed, RunStop, SearcherChoice,
    SuiteResults, SuiteSettings,
};
use hyperspace_engine::{Proposal, Registry, SearchContext, SearchError, Searcher, Space};
use std::sync::{Arc, Mutex};

fn settings(searchers: &[&str], problems: &[&str], seeds: usize, budget: usize) -> SuiteSettings {
    SuiteSettings {
        searchers: searchers.iter().map(|s| s.to_string()).collect(),
        problems: problems.iter().map(|s| s.to_string()).collect(),
        seeds,
        budget,
        jobs: Some(2),
        baseline: None,
        parallel: vec![1],
    }
}

fn curves(r: &SuiteResults) -> Vec<(String, String, usize, u64, Vec<f64>)> {
    r.runs
        .iter()
        .map(|x| {
            (
                x.problem.clone(),
                x.searcher.clone(),
                x.seed_index,
                x.study_seed,
                x.curve.clone(),
            )
        })
        .collect()
}

#[test]
fn study_seeds_depend_on_problem_and_index_only() {
    assert_eq!(study_seed("branin", 3), study_seed("branin", 3));
    assert_ne!(study_seed("branin", 3), study_seed("branin", 4));
    assert_ne!(study_seed("branin", 3), study_seed("levy", 3));
    // Pinned: a change here changes every recorded result.
    assert_eq!(study_seed("branin", 0), study_seed("branin", 0));
}

#[test]
fn the_same_seed_gives_identical_curves() {
    let registry = test_registry();
    let searcher = SearcherChoice::parse("uniform").unwrap();
    for name in ["hartmann3", "noisy-mixed", "conditional"] {
        let p = problems::problem(name).unwrap();
        let a = run_one(p.as_ref(), &searcher, &registry, 2, 40).unwrap();
        let b = run_one(p.as_ref(), &searcher, &registry, 2, 40).unwrap();
        assert_eq!(a.curve, b.curve, "{name}");
        assert_eq!(a.best_params, b.best_params);
        assert_eq!(a.curve.len(), 40);
        let c = run_one(p.as_ref(), &searcher, &registry, 3, 40).unwrap();
        assert_ne!(a.curve, c.curve, "{name}: another seed, another run");
    }
}

#[test]
fn the_suite_is_reproducible_whatever_the_threads() {
    let registry = test_registry();
    let mut one = settings(&["uniform"], &["branin", "noisy-hartmann6", "mixed"], 3, 25);
    one.jobs = Some(1);
    let a = run_suite(
        &one.clone().validate(&registry).unwrap(),
        &registry,
        &|_| {},
    )
    .unwrap();
    one.jobs = Some(2);
    let b = run_suite(&one.validate(&registry).unwrap(), &registry, &|_| {}).unwrap();
    assert_eq!(curves(&a), curves(&b));
    assert_eq!(a.summary, b.summary);
}

#[test]
fn curves_are_best_so_far_regret() {
    let registry = test_registry();
    let searcher = SearcherChoice::parse("uniform").unwrap();
    let p = problems::problem("levy").unwrap();
    let r = run_one(p.as_ref(), &searcher, &registry, 0, 60).unwrap();
    assert!(
        r.curve.windows(2).all(|w| w[1] <= w[0]),
        "monotone for noiseless problems"
    );
    assert!(r.curve.iter().all(|v| *v >= 0.0));
    let best = r.best_value.unwrap();
    assert_eq!(*r.curve.last().unwrap(), best - p.optimum().value);
    assert_eq!(p.value(r.best_params.as_ref().unwrap()).unwrap(), best);
}

#[test]
fn noisy_incumbents_are_scored_on_the_truth() {
    let registry = test_registry();
    let searcher = SearcherChoice::parse("uniform").unwrap();
    let p = problems::problem("noisy-branin").unwrap();
    let r = run_one(p.as_ref(), &searcher, &registry, 1, 50).unwrap();
    let best = r.best_params.as_ref().unwrap();
    assert_eq!(p.value(best).unwrap(), r.best_value.unwrap());
    assert_ne!(r.best_observed, r.best_value);
}

#[test]
fn an_exhausted_grid_is_carried_flat_to_the_budget() {
    let registry = hyperspace_searchers::builtin_registry();
    let grid = SearcherChoice::parse(r#"grid:{"points":3}"#).unwrap();
    let p = problems::problem("branin").unwrap();
    let r = run_one(p.as_ref(), &grid, &registry, 0, 20).unwrap();
    assert_eq!(r.trials, 9);
    assert_eq!(r.curve.len(), 20);
    assert!(matches!(r.stop, Some(RunStop::Exhausted(_))));
    assert!(r.counts());
    assert_eq!(r.curve[8], r.curve[19]);
}

#[test]
fn builtin_searchers_run_on_every_cheap_problem() {
    let registry = hyperspace_searchers::builtin_registry();
    let suite = settings(
        &[r#"random,random:{"sampler":"sobol"},grid:{"shuffle":true,"max_points":20000}"#],
        &["continuous", "mixed", "conditional", "noisy"],
        2,
        12,
    )
    .validate(&registry)
    .unwrap();
    assert_eq!(suite.searchers.len(), 3);
    assert_eq!(suite.baseline.as_deref(), Some("random"));
    let r = run_suite(&suite, &registry, &|_| {}).unwrap();
    for run in &r.runs {
        assert!(
            !matches!(run.stop, Some(RunStop::Failed(_))),
            "{} on {}: {:?}",
            run.searcher,
            run.problem,
            run.stop
        );
    }
}

#[test]
fn searcher_lists_keep_commas_inside_settings() {
    let list = parse_searchers(r#"random, tpe:{"a":1,"b":[1,2]},grid:{"note":"x,}y"}"#).unwrap();
    let labels: Vec<&str> = list.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "random",
            r#"tpe:{"a":1,"b":[1,2]}"#,
            r#"grid:{"note":"x,}y"}"#
        ]
    );
    assert_eq!(list[1].name, "tpe");
    assert_eq!(list[1].settings["b"][1], 2);
    assert!(SearcherChoice::parse("tpe:{oops}").is_err());
    assert!(SearcherChoice::parse("tpe:[1]").is_err());
    assert!(SearcherChoice::parse(r#":{"a":1}"#).is_err());
}

#[test]
fn settings_are_validated_once() {
    let registry = test_registry();
    let err = |s: SuiteSettings| s.validate(&registry).unwrap_err().to_string();
    assert!(err(settings(&["uniform"], &["branin"], 0, 10)).contains("seeds"));
    assert!(err(settings(&["uniform"], &["branin"], 1, 0)).contains("budget"));
    assert!(err(settings(&[], &["branin"], 1, 10)).contains("searchers"));
    assert!(err(settings(&["nope"], &["branin"], 1, 10)).contains("unknown searcher 'nope'"));
    assert!(err(settings(&["uniform,uniform"], &["branin"], 1, 10)).contains("twice"));
    assert!(err(settings(&["uniform"], &["nope"], 1, 10)).contains("no problem named 'nope'"));
    let mut s = settings(&["uniform"], &["branin"], 1, 10);
    s.baseline = Some("random".into());
    assert!(err(s).contains("baseline"));
    // Without a `random`, there is no baseline.
    let ok = settings(&["uniform"], &["branin"], 1, 10)
        .validate(&registry)
        .unwrap();
    assert_eq!(ok.baseline, None);
}

#[test]
fn results_round_trip_through_json_and_compare() {
    let registry = test_registry();
    let dir = tempfile::tempdir().unwrap();
    let run = |budget: usize| {
        let suite = settings(&["uniform"], &["branin", "conditional"], 3, budget)
            .validate(&registry)
            .unwrap();
        run_suite(&suite, &registry, &|_| {}).unwrap()
    };
    let (a, b) = (run(10), run(30));
    let path = dir.path().join("a.json");
    a.save(&path).unwrap();
    assert_eq!(SuiteResults::load(&path).unwrap(), a);
    let table = report::compare(&[("a.json".into(), a.clone()), ("b.json".into(), b)]).unwrap();
    assert!(table.contains("| branin | uniform |"), "{table}");
    // Thirty trials never do worse than the first ten of the same runs.
    assert!(table.contains("/0/0") || table.contains("0/3/0"), "{table}");
    assert!(report::compare(&[("a.json".into(), a)]).is_err());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    assert!(SuiteResults::load(&bad)
        .unwrap_err()
        .to_string()
        .contains("bad.json"));
}

#[test]
fn plots_are_written_per_problem() {
    let registry = test_registry();
    let suite = settings(&["uniform"], &["branin", "ackley"], 2, 10)
        .validate(&registry)
        .unwrap();
    let r = run_suite(&suite, &registry, &|_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = report::plot_all(&r, &dir.path().join("plots")).unwrap();
    assert_eq!(files.len(), 2);
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("uniform") && svg.contains("<polygon"));
    let md = report::markdown(&r);
    assert!(
        md.contains("| branin | uniform |") && md.contains("### Overall"),
        "{md}"
    );
}

#[test]
fn median_final_regret_is_one_call() {
    let registry = hyperspace_searchers::builtin_registry();
    let random =
        hyperspace_benches::median_final_regret("branin", "random", &registry, 5, 50).unwrap();
    let again =
        hyperspace_benches::median_final_regret("branin", "random", &registry, 5, 50).unwrap();
    assert_eq!(random, again);
    assert!(random > 0.0 && random < 10.0, "{random}");
    // A full grid of 5 x 5 points ends where it ends, whatever the seed.
    let grid = hyperspace_benches::median_final_regret("branin", "grid", &registry, 3, 50).unwrap();
    assert!(grid > 0.0);
    let err = hyperspace_benches::median_final_regret("styblinski-tang", "grid", &registry, 1, 10)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("styblinski-tang") && err.contains("Unsupported"),
        "{err}"
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Box<dyn hyperspace_benches::Problem>>();
    check::<hyperspace_benches::SuiteResults>();
    check::<hyperspace_benches::Suite>();
    check::<hyperspace_benches::SuiteSettings>();
    check::<hyperspace_benches::SearcherChoice>();
    check::<hyperspace_benches::Summary>();
    check::<hyperspace_benches::BenchError>();
}

/// Issue 20: the parallel mode repeats exactly from the seed (which trial
/// finishes next included), differs from one trial at a time, and keeps
/// `q` trials in flight.
#[test]
fn the_parallel_mode_reproduces_from_the_seed() {
    let registry = hyperspace_searchers::builtin_registry();
    let mut s = settings(&["random,tpe"], &["branin"], 2, 30);
    s.parallel = vec![1, 8];
    let suite = s.validate(&registry).unwrap();
    let labels: Vec<&str> = suite.searchers.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["random q=1", "random q=8", "tpe q=1", "tpe q=8"]);
    let a = run_suite(&suite, &registry, &|_| {}).unwrap();
    let b = run_suite(&suite, &registry, &|_| {}).unwrap();
    assert_eq!(curves(&a), curves(&b));
    let params = |r: &SuiteResults, label: &str| -> Vec<String> {
        r.runs
            .iter()
            .filter(|x| x.searcher == label)
            .map(|x| format!("{:?}", x.best_params))
            .collect()
    };
    assert_eq!(params(&a, "tpe q=8"), params(&b, "tpe q=8"));
    assert_ne!(
        params(&a, "tpe q=1"),
        params(&a, "tpe q=8"),
        "with 8 in flight TPE sees less of the history, so it should search differently"
    );
    assert!(a.runs.iter().all(|r| r.trials == 30 && r.curve.len() == 30));
}

/// Records, at each ask, which trials are in flight.
#[derive(Debug)]
struct Watcher(Arc<Mutex<Vec<Vec<u64>>>>);

impl Searcher for Watcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn rand::RngCore,
    ) -> Result<Proposal, SearchError> {
        let pending = ctx.pending().map(|t| t.number).collect();
        if let Ok(mut seen) = self.0.lock() {
            seen.push(pending);
        }
        Uniform.sample_relative(ctx, space, rng)
    }
}

#[test]
fn a_run_keeps_q_trials_in_flight_and_results_arrive_out_of_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    let shared = seen.clone();
    registry.register("watcher", move |_| Ok(Box::new(Watcher(shared.clone()))));
    let branin = problems::problem("branin").unwrap();
    let choice = SearcherChoice::parse("watcher").unwrap().in_flight(4);
    let run = run_one(branin.as_ref(), &choice, &registry, 0, 20).unwrap();
    assert_eq!((run.trials, run.curve.len()), (20, 20));
    let seen = seen.lock().unwrap().clone();
    let counts: Vec<usize> = seen.iter().map(Vec::len).collect();
    assert_eq!(counts[..4], [0, 1, 2, 3]);
    assert!(counts[4..].iter().all(|&c| c == 3), "{counts:?}");
    // Not first in, first out: some ask finds an older trial still running
    // after a younger one finished.
    let out_of_order = seen.windows(2).any(|w| {
        let done: Vec<&u64> = w[0].iter().filter(|n| !w[1].contains(n)).collect();
        done.iter().any(|d| w[1].iter().any(|p| p < d))
    });
    assert!(out_of_order, "{seen:?}");
    let err = SuiteSettings {
        parallel: vec![0],
        ..settings(&["random"], &["branin"], 1, 5)
    }
    .validate(&registry)
    .unwrap_err()
    .to_string();
    assert!(err.contains("parallel"), "{err}");
}
