//! The Gaussian-process searcher's hot code, 10 continuous inputs:
//!
//! - `gp_fit/n=…/d=10`: a cold fit with hyperparameter optimisation
//!   (default settings: 3 L-BFGS starts; past 300 points the
//!   hyperparameters are fitted on a 300-point subset, the model uses all).
//! - `gp_fit_warm/n=…/d=10`: the same fit warm-started from the previous
//!   fit's hyperparameters with one new point, as in a running study.
//! - `gp_predict/n=…/candidates=10000`: posterior mean and variance.
//! - `gp_suggest/n=…/d=10`: a whole suggestion (fit, sweep, local search)
//!   from a history of `n` complete trials, by a searcher that keeps its
//!   state between suggestions as a study's does (each call sees one trial
//!   more, from `n` to `n + 99`, so hyperparameters are refitted at the
//!   `refit_growth` pace and the model is otherwise extended);
//!   `gp_suggest_cold/…`: the same by a freshly built searcher.
//! - `gp_suggest_pending/n=…/d=10/pending=0|8`: a warm suggestion with
//!   none or 8 of the trials still running (fantasised by the searcher),
//!   the cost of accounting for parallel workers (issue 20). Its history
//!   alternates between two sizes, so every call refits the
//!   hyperparameters (warm): an upper bound, like for like across `pending`.
//! - `gp_cholesky/n=…/block=…`: the blocked factorisation against
//!   linfa-linalg's unblocked one (`block=n`).
//!
//! Debug builds (`cargo test --all-targets`) run only the smallest sizes.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::{scaled, sizes};
use hyperspace_engine::{Direction, SearchContext, Space, Trial, TrialState};
use hyperspace_surrogate::gp::linalg::Cholesky;
use hyperspace_surrogate::gp::{FitSettings, FitStart, GaussianProcess, InputKind};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 10;

/// A smooth, anisotropic test function on the unit cube.
fn objective(x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(j, v)| ((j + 1) as f64 * v).sin() + (v - 0.3).powi(2))
        .sum()
}

fn data(n: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, D), |_| rng.random::<f64>());
    let y = Array1::from_iter(
        x.outer_iter()
            .map(|r| objective(r.as_slice().unwrap_or(&[]))),
    );
    (x, y)
}

fn bench_fit(c: &mut Criterion) {
    let kinds = [InputKind::Numeric; D];
    let settings = FitSettings::default().validate().unwrap();
    let mut group = c.benchmark_group("gp_fit");
    group.sample_size(10);
    for n in sizes(&[100, 300, 1000]) {
        let (x, y) = data(n, 1);
        group.bench_function(BenchmarkId::from_parameter(format!("n={n}/d={D}")), |b| {
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            b.iter(|| {
                GaussianProcess::fit(
                    x.view(),
                    y.view(),
                    &kinds,
                    &settings,
                    FitStart::Cold,
                    &mut rng,
                )
                .unwrap()
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("gp_fit_warm");
    group.sample_size(10);
    for n in sizes(&[100, 300, 1000]) {
        let (x, y) = data(n + 1, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (xs, ys) = (
            x.slice_axis(ndarray::Axis(0), (..n).into()),
            y.slice_axis(ndarray::Axis(0), (..n).into()),
        );
        let previous =
            GaussianProcess::fit(xs, ys, &kinds, &settings, FitStart::Cold, &mut rng).unwrap();
        let warm = previous.hyperparameters().clone();
        group.bench_function(BenchmarkId::from_parameter(format!("n={n}/d={D}")), |b| {
            b.iter(|| {
                GaussianProcess::fit(
                    x.view(),
                    y.view(),
                    &kinds,
                    &settings,
                    FitStart::Warm(&warm),
                    &mut rng,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

fn bench_predict(c: &mut Criterion) {
    let kinds = [InputKind::Numeric; D];
    let settings = FitSettings::default().validate().unwrap();
    let mut group = c.benchmark_group("gp_predict");
    group.sample_size(10);
    let (candidates, _) = data(scaled(10_000), 3);
    for n in sizes(&[100, 300, 1000]) {
        let (x, y) = data(n, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let gp = GaussianProcess::fit(
            x.view(),
            y.view(),
            &kinds,
            &settings,
            FitStart::Cold,
            &mut rng,
        )
        .unwrap();
        group.bench_function(
            BenchmarkId::from_parameter(format!("n={n}/candidates=10000")),
            |b| b.iter(|| gp.predict(candidates.view())),
        );
    }
    group.finish();
}

fn history(space: &Space, n: usize) -> Vec<Trial> {
    hyperspace_benches::random_history(space, n, 1, objective)
}

/// Trials a `gp_suggest` history grows by before it starts over.
const GROWTH: usize = 100;

fn bench_suggest(c: &mut Criterion) {
    let floats: String = (0..D).map(|i| format!("x{i}=float(-5,5) ")).collect();
    let space = Space::parse(&floats).unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    let settings = serde_json::json!({});
    for (name, warm) in [("gp_suggest", true), ("gp_suggest_cold", false)] {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for n in sizes(&[50, 200, 1000, 10000]) {
            // Each suggestion sees one trial more than the last, as in a
            // study (from n to n + 99, then from n again: one extra refit
            // per 100 calls).
            let trials = history(&space, n + GROWTH);
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let ctx = |number: u64| SearchContext {
                space: &space,
                trials: &trials[..n + (number as usize - n) % GROWTH],
                direction: Direction::Minimize,
                objectives: &[],
                study_seed: 3,
                trial_number: number,
            };
            let mut searcher = registry.build("gp", &settings).unwrap();
            // One suggestion first, so the warm start exists.
            searcher
                .sample_relative(&ctx(n as u64), &space, &mut rng)
                .unwrap();
            let mut number = n as u64;
            group.bench_function(BenchmarkId::from_parameter(format!("n={n}/d={D}")), |b| {
                if warm {
                    b.iter(|| {
                        number += 1;
                        searcher
                            .sample_relative(&ctx(number), &space, &mut rng)
                            .unwrap()
                    })
                } else {
                    b.iter_batched(
                        || registry.build("gp", &settings).unwrap(),
                        |mut fresh| {
                            number += 1;
                            fresh
                                .sample_relative(&ctx(number), &space, &mut rng)
                                .unwrap()
                        },
                        BatchSize::PerIteration,
                    )
                }
            });
        }
        group.finish();
    }
}

/// A warm suggestion from `n` complete trials and `pending` running ones.
fn bench_suggest_pending(c: &mut Criterion) {
    let floats: String = (0..D).map(|i| format!("x{i}=float(-5,5) ")).collect();
    let space = Space::parse(&floats).unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    let mut group = c.benchmark_group("gp_suggest_pending");
    group.sample_size(10);
    for n in sizes(&[50, 200]) {
        for pending in [0, 8] {
            let mut trials = history(&space, n + 1 + pending);
            for t in &mut trials[n + 1..] {
                t.state = TrialState::Running;
                t.value = None;
            }
            // As in `bench_suggest`: alternate between the trials with and
            // without the newest complete one, so each warm start is one
            // trial behind; the running ones stay.
            let without: Vec<Trial> = trials
                .iter()
                .filter(|t| t.number != n as u64)
                .cloned()
                .collect();
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let mut searcher = registry.build("gp", &serde_json::json!({})).unwrap();
            let mut number = (n + 1 + pending) as u64;
            let mut suggest = |number: u64, rng: &mut ChaCha8Rng| {
                let ctx = SearchContext {
                    space: &space,
                    trials: if number.is_multiple_of(2) {
                        &trials
                    } else {
                        &without
                    },
                    direction: Direction::Minimize,
                    objectives: &[],
                    study_seed: 3,
                    trial_number: number,
                };
                searcher.sample_relative(&ctx, &space, rng).unwrap()
            };
            suggest(number, &mut rng);
            group.bench_function(
                BenchmarkId::from_parameter(format!("n={n}/d={D}/pending={pending}")),
                |b| {
                    b.iter(|| {
                        number += 1;
                        suggest(number, &mut rng)
                    })
                },
            );
        }
    }
    group.finish();
}

fn bench_cholesky(c: &mut Criterion) {
    let mut group = c.benchmark_group("gp_cholesky");
    group.sample_size(10);
    for n in sizes(&[300, 1000]) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let m = Array2::from_shape_fn((n, n), |_| rng.random::<f64>() - 0.5);
        let mut a = m.dot(&m.t());
        a.diag_mut().mapv_inplace(|v| v + 1.0);
        for block in [64, n] {
            group.bench_function(
                BenchmarkId::from_parameter(format!("n={n}/block={block}")),
                |b| b.iter(|| Cholesky::factor_with_block(&a, block).unwrap()),
            );
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_cholesky,
    bench_fit,
    bench_predict,
    bench_suggest,
    bench_suggest_pending
);
criterion_main!(benches);
