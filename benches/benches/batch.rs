//! Batch asks (issue 20): the cost of handing out 8 trials together
//! against one ask, through a whole study (in memory, so storage costs
//! little), from a history of `n` complete trials of 10 floats.
//!
//! - `batch_ask/SEARCHER/n=…/d=10/batch=1`: one `Study::ask`.
//! - `batch_ask/SEARCHER/n=…/d=10/batch=8`: one `Study::ask_batch(8)`;
//!   divide by 8 for the cost per trial. The goal: at most 2× a
//!   single ask per trial (each later trial of the batch is proposed with
//!   more pending trials, which the GP fantasises).
//!
//! Each measurement starts from a fresh study whose searcher has just
//! proposed once (a warm GP, as in a running study); building it is not
//! timed. Debug builds (`cargo test --all-targets`) run only the smallest
//! sizes.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::sizes;
use hyperspace_engine::{open_storage, Outcome, Params, Space, Study, StudyConfig, Value};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 10;

fn objective(params: &Params) -> f64 {
    (0..D)
        .map(|j| {
            let v = params[&format!("x{j}")].as_f64().unwrap_or(0.0);
            ((j + 1) as f64 * v).sin() + (v - 0.3).powi(2)
        })
        .sum()
}

/// A study with `n` complete trials: `n - 1` random ones, queued and told
/// (no proposal needed), then one proposed by the searcher, so that it is
/// as warm as in a running study.
fn study(searcher: &str, n: usize) -> Study {
    let floats: String = (0..D).map(|i| format!("x{i}=float(0,1) ")).collect();
    let config = StudyConfig::new("bench")
        .space(Space::parse(&floats).unwrap())
        .searcher(searcher, serde_json::json!({}))
        .seed(3);
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..n - 1 {
        let params: Params = (0..D)
            .map(|j| (format!("x{j}"), Value::from(rng.random::<f64>())))
            .collect();
        study.enqueue(params).unwrap();
        let t = study.ask().unwrap();
        study
            .tell(t.id, Outcome::complete(objective(&t.params)))
            .unwrap();
    }
    let t = study.ask().unwrap();
    study
        .tell(t.id, Outcome::complete(objective(&t.params)))
        .unwrap();
    study
}

fn bench_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_ask");
    group.sample_size(10);
    for (searcher, full) in [("gp", &[50, 200][..]), ("tpe", &[200, 1000][..])] {
        for n in sizes(full) {
            for batch in [1, 8] {
                let id = format!("{searcher}/n={n}/d={D}/batch={batch}");
                group.bench_function(BenchmarkId::from_parameter(id), |b| {
                    b.iter_batched(
                        || study(searcher, n),
                        |mut s| {
                            let trials = s.ask_batch(batch).unwrap();
                            assert_eq!(trials.len(), batch);
                            s
                        },
                        BatchSize::PerIteration,
                    )
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
