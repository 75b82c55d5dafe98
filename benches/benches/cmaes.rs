//! CMA-ES: one generation's update (rank-one, rank-μ, CSA, eigen
//! decomposition, margin) at 10-D, and a whole `cmaes` proposal on a history
//! of 100, 1,000 and 10,000 complete trials of a 10-D sphere — replayed from
//! scratch (a new worker, a restarted study) and resumed by a searcher that
//! replayed the same history before (the usual case in one process).

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::sizes;
use hyperspace_engine::{
    open_storage, Direction, Outcome, SearchContext, Space, Study, StudyConfig, Trial,
};
use hyperspace_surrogate::cmaes::{CmaState, Coordinate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const D: usize = 10;

/// `n` trials of a sphere proposed by `cmaes` itself (outside the timing).
fn history(space: &Space, n: usize) -> Vec<Trial> {
    let config = StudyConfig::new("bench")
        .space(space.clone())
        .searcher("cmaes", json!({}))
        .seed(1);
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
    for _ in 0..n {
        let t = study.ask().unwrap();
        let v: f64 = (0..D)
            .map(|i| (t.params[&format!("x{i}")].as_f64().unwrap() - 0.3).powi(2))
            .sum();
        study.tell(t.id, Outcome::complete(v)).unwrap();
    }
    study.trials().unwrap().to_vec()
}

fn cmaes_tell(c: &mut Criterion) {
    let lambda = 10;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let state = CmaState::new(vec![0.5; D], 0.2, vec![Coordinate::Continuous; D], lambda).unwrap();
    let scored: Vec<(Vec<f64>, f64)> = (0..lambda)
        .map(|_| {
            let x = state.sample(&mut rng);
            let v = x.iter().map(|v| (v - 0.3).powi(2)).sum();
            (x, v)
        })
        .collect();
    c.bench_function(&format!("cmaes_tell/d={D}/lambda={lambda}"), |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| s.tell(&scored).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
}

fn cmaes_suggest(c: &mut Criterion) {
    let text: Vec<String> = (0..D).map(|i| format!("x{i}=float(0,1)")).collect();
    let space = Space::parse(&text.join(" ")).unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    let mut group = c.benchmark_group("cmaes_suggest");
    group.sample_size(20);
    for n in sizes(&[100usize, 1_000, 10_000]) {
        let trials = history(&space, n);
        let ctx = SearchContext {
            space: &space,
            trials: &trials,
            direction: Direction::Minimize,
            objectives: &[],
            study_seed: 1,
            trial_number: n as u64,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("replay/n={n}/d={D}")),
            &n,
            |b, _| {
                b.iter(|| {
                    let mut searcher = registry.build("cmaes", &json!({})).unwrap();
                    searcher.sample_relative(&ctx, &space, &mut rng).unwrap()
                })
            },
        );
        let mut searcher = registry.build("cmaes", &json!({})).unwrap();
        searcher.sample_relative(&ctx, &space, &mut rng).unwrap();
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("resume/n={n}/d={D}")),
            &n,
            |b, _| b.iter(|| searcher.sample_relative(&ctx, &space, &mut rng).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, cmaes_tell, cmaes_suggest);
criterion_main!(benches);
