//! Criterion benches of parameter importance.
//!
//! `forest_fit` grows fANOVA's forest (64 trees, Optuna's defaults) on
//! uniform points of the unit cube, `fanova` decomposes it, and
//! `param_importances` is the whole call a user makes — trials to encoded
//! inputs, forest, fANOVA or PED-ANOVA — on a study of 5 parameters (log,
//! int, categorical, float). Side by side with Optuna:
//! `benches/compare/importance.py`.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::sizes;
use hyperspace_engine::{open_storage, Direction, Outcome, Space, Study, StudyConfig, Trial};
use hyperspace_searchers::{
    param_importances, Evaluator, ImportanceInput, PedAnovaSettings, ValidEvaluator,
};
use hyperspace_surrogate::forest::{fanova, ForestSettings, RandomForest};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const D: usize = 5;

fn data(n: usize) -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = Array2::from_shape_fn((n, D), |_| rng.random::<f64>());
    let y = Array1::from_iter(
        x.rows()
            .into_iter()
            .map(|r| (r[0] - 0.3).powi(2) + 0.5 * r[1] + 0.1 * (6.0 * r[2]).sin()),
    );
    (x, y)
}

fn bench_forest(c: &mut Criterion) {
    let settings = ForestSettings::default().validate().unwrap();
    let mut group = c.benchmark_group("importance_forest");
    group.sample_size(10);
    for n in sizes(&[1_000, 10_000]) {
        let (x, y) = data(n);
        group.bench_function(
            BenchmarkId::new("forest_fit", format!("n={n}/d={D}/trees=64")),
            |b| {
                b.iter(|| {
                    let mut rng = ChaCha8Rng::seed_from_u64(0);
                    black_box(RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap())
                })
            },
        );
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let forest = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap();
        group.bench_function(
            BenchmarkId::new("fanova", format!("n={n}/d={D}/trees=64")),
            |b| b.iter(|| black_box(fanova(&forest))),
        );
    }
    group.finish();
}

/// `n` random trials of a 5-parameter study (log, int, categorical).
fn trials(n: usize) -> (Space, Vec<Trial>) {
    let space =
        Space::parse("lr=log(1e-5,1e-1) layers=int(1,8) opt=choice(adam,sgd,rms) drop=float(0,0.5) batch=int(16,512,log)")
            .unwrap();
    let config = StudyConfig::new("bench")
        .space(space.clone())
        .searcher("random", serde_json::json!({}))
        .seed(1);
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
    for _ in 0..n {
        let t = study.ask().unwrap();
        let lr = t.params["lr"].as_f64().unwrap();
        let opt = if t.params["opt"].as_str() == Some("adam") {
            0.0
        } else {
            0.5
        };
        let v = (lr.log10() + 3.0).powi(2) / 4.0 + opt + 0.2 * t.params["drop"].as_f64().unwrap();
        study.tell(t.id, Outcome::complete(v)).unwrap();
    }
    let trials = study.trials().unwrap().to_vec();
    (space, trials)
}

fn bench_param_importances(c: &mut Criterion) {
    let evaluators: [(&str, ValidEvaluator); 2] = [
        ("fanova", Evaluator::default().validate().unwrap()),
        (
            "ped-anova",
            Evaluator::PedAnova(PedAnovaSettings::default())
                .validate()
                .unwrap(),
        ),
    ];
    let mut group = c.benchmark_group("param_importances");
    group.sample_size(10);
    for n in sizes(&[1_000, 10_000]) {
        let (space, trials) = trials(n);
        let input = ImportanceInput::new(&trials, &space, Direction::Minimize);
        for (name, evaluator) in &evaluators {
            group.bench_function(BenchmarkId::new(*name, format!("n={n}/d={D}")), |b| {
                b.iter(|| black_box(param_importances(&input, evaluator, 0).unwrap()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_forest, bench_param_importances);
criterion_main!(benches);
