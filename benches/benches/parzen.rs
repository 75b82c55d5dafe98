//! Criterion benches of the Parzen-estimator math behind TPE.
//!
//! The figure that matters is `parzen_tpe_step`: one TPE suggestion's worth
//! of density work (fit `l` on 25 good and `g` on 1,000 bad observations,
//! draw 24 candidates from `l`, score them under both). The large
//! `candidates=10000` runs measure the kernel loops' throughput.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hyperspace_benches::bench_sizes::scaled;
use hyperspace_surrogate::parzen::{
    default_weights, Dimension, ParzenEstimator, ParzenSettings, ValidParzenSettings,
};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const N_OBS: usize = 1000;
const D: usize = 10;

fn modes() -> [(&'static str, ValidParzenSettings); 2] {
    [
        (
            "multivariate",
            ParzenSettings::multivariate().validate().unwrap(),
        ),
        ("univariate", ParzenSettings::default().validate().unwrap()),
    ]
}

fn uniform(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, d), |_| rng.random::<f64>())
}

fn fit(obs: &Array2<f64>, settings: &ValidParzenSettings) -> ParzenEstimator {
    let dims = vec![Dimension::Continuous; obs.ncols()];
    let w = default_weights(obs.nrows());
    ParzenEstimator::fit(obs.view(), w.view(), &dims, settings).unwrap()
}

fn bench_log_pdf(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let obs = uniform(&mut rng, N_OBS, D);
    let mut group = c.benchmark_group("parzen_log_pdf");
    for candidates in [scaled(10_000), 24] {
        let points = uniform(&mut rng, candidates, D);
        let mut out = Array1::zeros(candidates);
        group.throughput(Throughput::Elements(candidates as u64));
        for (mode, settings) in modes() {
            let model = fit(&obs, &settings);
            let id = format!("n_obs={N_OBS}/d={D}/candidates={candidates}/{mode}");
            group.bench_function(BenchmarkId::from_parameter(id), |b| {
                b.iter(|| model.log_pdf_into(black_box(points.view()), out.view_mut()))
            });
        }
    }
    group.finish();
}

fn bench_fit(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let obs = uniform(&mut rng, N_OBS, D);
    let weights = default_weights(N_OBS);
    let dims = vec![Dimension::Continuous; D];
    let mut group = c.benchmark_group("parzen_fit");
    for (mode, settings) in modes() {
        let id = format!("n_obs={N_OBS}/d={D}/{mode}");
        group.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| {
                ParzenEstimator::fit(black_box(obs.view()), weights.view(), &dims, &settings)
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn bench_tpe_step(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let good = uniform(&mut rng, 25, D);
    let bad = uniform(&mut rng, N_OBS, D);
    let mut group = c.benchmark_group("parzen_tpe_step");
    for (mode, settings) in modes() {
        let id = format!("good=25/bad={N_OBS}/d={D}/candidates=24/{mode}");
        let mut sample_rng = ChaCha8Rng::seed_from_u64(11);
        let mut l_out = Array1::zeros(24);
        let mut g_out = Array1::zeros(24);
        group.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| {
                let l = fit(black_box(&good), &settings);
                let g = fit(black_box(&bad), &settings);
                let candidates = l.sample(&mut sample_rng, 24);
                l.log_pdf_into(candidates.view(), l_out.view_mut());
                g.log_pdf_into(candidates.view(), g_out.view_mut());
                (&l_out - &g_out).fold(f64::NEG_INFINITY, |m, &v| m.max(v))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_log_pdf, bench_fit, bench_tpe_step);
criterion_main!(benches);
