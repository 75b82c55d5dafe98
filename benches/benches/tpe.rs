//! A whole TPE suggestion (split, two Parzen fits per group, candidates,
//! ranking) on a fixed history of 100, 1,000 and 10,000 complete trials,
//! for 10 continuous parameters, for a mixed space with categoricals, and
//! for ints and stepped floats with 10^8 to 2^64 values (as fast as floats:
//! no cost per value of a range).

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::{scaled, sizes};
use hyperspace_engine::{Direction, SearchContext, Space, Trial};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `n` trials at seeded random points, valued by the sum of squares of
/// their numeric parameters.
fn history(space: &Space, n: usize) -> Vec<Trial> {
    hyperspace_benches::random_history(space, n, 1, |u| {
        space
            .entries()
            .iter()
            .zip(u)
            .filter_map(|(e, v)| e.param.from_unit(*v).as_f64())
            .map(|x| x * x)
            .sum()
    })
}

fn bench_space(c: &mut Criterion, group_name: &str, space: &Space, settings: serde_json::Value) {
    let registry = hyperspace_searchers::builtin_registry();
    let mut group = c.benchmark_group(group_name);
    for n in sizes(&[100usize, 1_000, 10_000]) {
        let trials = history(space, n);
        let mut searcher = registry.build("tpe", &settings).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut number = n as u64;
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("n={n}/d={}", space.len())),
            &n,
            |b, _| {
                b.iter(|| {
                    let ctx = SearchContext {
                        space,
                        trials: &trials,
                        direction: Direction::Minimize,
                        objectives: &[],
                        study_seed: 3,
                        trial_number: number,
                    };
                    number += 1;
                    searcher.sample_relative(&ctx, space, &mut rng).unwrap()
                })
            },
        );
    }
    group.finish();
}

fn bench_tpe(c: &mut Criterion) {
    let floats: String = (0..10).map(|i| format!("x{i}=float(-5,5) ")).collect();
    let continuous = Space::parse(&floats).unwrap();
    bench_space(c, "tpe_suggest", &continuous, serde_json::json!({}));
    bench_space(
        c,
        "tpe_suggest_univariate",
        &continuous,
        serde_json::json!({"multivariate": false}),
    );
    let mixed = Space::parse(
        "x0=float(-5,5) x1=float(-5,5) x2=float(-5,5) lr=log(1e-5,1e-1) n=int(1,256,log) \
         layers=int(1,8) drop=float(0,0.5,step=0.05) opt=choice(adam,sgd,rmsprop) act=choice(relu,tanh,gelu,silu) bn=choice(true,false)",
    )
    .unwrap();
    bench_space(c, "tpe_suggest_mixed", &mixed, serde_json::json!({}));
    let wide = Space::parse(
        "a=int(0,2147483647) b=int(0,9223372036854775807) \
         c=int(-9223372036854775808,9223372036854775807) d=float(0,1,step=1e-8)",
    )
    .unwrap();
    bench_space(c, "tpe_suggest_wide_ints", &wide, serde_json::json!({}));
}

/// A whole study, as Rustuna (Optuna's Rust port) reports it: 1,000
/// trials of TPE over 40 floats with a trivial objective, in memory.
fn bench_study(c: &mut Criterion) {
    let mut group = c.benchmark_group("tpe_study");
    group.sample_size(10);
    let floats: String = (0..40).map(|i| format!("x{i}=float(-10,10) ")).collect();
    let space = Space::parse(&floats).unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    let trials = scaled(1000);
    group.bench_function(format!("trials={trials}/d=40"), |b| {
        b.iter(|| {
            let config = hyperspace_engine::StudyConfig::new("rustuna")
                .space(space.clone())
                .searcher("tpe", serde_json::json!({}))
                .seed(1);
            let storage = hyperspace_engine::open_storage(":memory:").unwrap();
            let mut study = hyperspace_engine::Study::create(storage, config, &registry).unwrap();
            for _ in 0..trials {
                let t = study.ask().unwrap();
                let v: f64 = t
                    .params
                    .values()
                    .filter_map(|v| v.as_f64())
                    .map(|x| x * x)
                    .sum();
                study
                    .tell(t.id, hyperspace_engine::Outcome::complete(v))
                    .unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_tpe, bench_study);
criterion_main!(benches);
