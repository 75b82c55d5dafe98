//! The Pareto math of `hyperspace_surrogate::pareto`, on fronts where every
//! point counts (points on the positive unit sphere, all mutually
//! non-dominated; reference 1.1 in every objective):
//!
//! - `hypervolume/d=…/n=…`: exact hypervolume (2-D sweep, 3-D staircase
//!   sweep, WFG for 4-D).
//! - `hypervolume_contributions/d=…/n=…`: every point's exclusive volume.
//! - `non_dominated_fronts/d=…/n=…`: a full sort of uniform random points
//!   (many fronts).
//!
//! Debug builds (`cargo test --all-targets`) run only the smallest sizes.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::sizes;
use hyperspace_surrogate::pareto::{hypervolume, hypervolume_contributions, non_dominated_fronts};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

/// `n` points on the positive unit sphere in `d` dimensions.
fn sphere(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v: Vec<f64> = (0..d).map(|_| rng.random::<f64>() + 1e-9).collect();
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            v.into_iter().map(|x| x / norm).collect()
        })
        .collect()
}

fn uniform(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
        .collect()
}

fn cases() -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for d in [2, 3] {
        out.extend(sizes(&[100, 1_000, 10_000]).into_iter().map(|n| (d, n)));
    }
    out.push((4, 100));
    out
}

/// One criterion group: `f` timed on `data(n, d)` for each `(d, n)`.
fn group(
    c: &mut Criterion,
    name: &str,
    sample_size: usize,
    cases: &[(usize, usize)],
    data: fn(usize, usize) -> Vec<Vec<f64>>,
    f: fn(&[Vec<f64>], &[f64]),
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(sample_size);
    for &(d, n) in cases {
        let points = data(n, d);
        let reference = vec![1.1; d];
        group.bench_function(BenchmarkId::from_parameter(format!("d={d}/n={n}")), |b| {
            b.iter(|| f(&points, &reference))
        });
    }
    group.finish();
}

fn bench_hypervolume(c: &mut Criterion) {
    group(
        c,
        "hypervolume",
        20,
        &cases(),
        |n, d| sphere(n, d, 1),
        |p, r| {
            black_box(hypervolume(p, r).unwrap());
        },
    );
}

fn bench_contributions(c: &mut Criterion) {
    let mut cases: Vec<(usize, usize)> = sizes(&[100, 1_000, 10_000])
        .into_iter()
        .map(|n| (2, n))
        .collect();
    cases.extend(sizes(&[100, 1_000]).into_iter().map(|n| (3, n)));
    cases.push((4, 100));
    group(
        c,
        "hypervolume_contributions",
        10,
        &cases,
        |n, d| sphere(n, d, 2),
        |p, r| {
            black_box(hypervolume_contributions(p, r).unwrap());
        },
    );
}

fn bench_sort(c: &mut Criterion) {
    group(
        c,
        "non_dominated_fronts",
        20,
        &cases(),
        |n, d| uniform(n, d, 3),
        |p, _| {
            black_box(non_dominated_fronts(p).unwrap());
        },
    );
}

criterion_group!(benches, bench_hypervolume, bench_contributions, bench_sort);
criterion_main!(benches);
