//! Where one GP suggestion spends its time (10 continuous inputs): the
//! hyperparameter fit (warm, one new point), the factorisation at fixed
//! hyperparameters, the acquisition search, and the whole searcher step
//! (which adds encoding the history), for histories of `n` trials.
//!
//! ```sh
//! cargo run --release -p hyperspace-benches --example gp_breakdown -- 200,1000,10000 [SETTINGS [whole]]
//! ```
//!
//! With `whole` as third argument only the whole suggestions are run (for
//! `perf record`, whose profile is then the searcher's alone).

// Example code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{Direction, SearchContext, Space, Trial};
use hyperspace_surrogate::acquisition::{
    optimize_acquisition, Acquisition, Dimension, Domain, OptimizerSettings,
};
use hyperspace_surrogate::gp::{FitSettings, FitStart, GaussianProcess, InputKind};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Slice};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const D: usize = 10;

/// The same smooth, anisotropic function as the `gp` bench.
fn objective(x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(j, v)| ((j + 1) as f64 * v).sin() + (v - 0.3).powi(2))
        .sum()
}

fn trials(space: &Space, n: usize) -> Vec<Trial> {
    hyperspace_benches::random_history(space, n, 1, objective)
}

/// Median milliseconds of `reps` runs of `f`.
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median milliseconds of a warm fit (one new point), a factorisation at
/// fixed hyperparameters and an acquisition search, on `x`, `y`.
fn parts(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>, reps: usize) -> (f64, f64, f64) {
    let kinds = [InputKind::Numeric; D];
    let fit = FitSettings::default().validate().unwrap();
    let opt = OptimizerSettings::default().validate().unwrap();
    let dims = vec![Dimension::new(Domain::Continuous); D];
    let n = x.nrows() - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (x0, y0) = (
        x.slice_axis(Axis(0), Slice::from(..n)),
        y.slice_axis(Axis(0), Slice::from(..n)),
    );
    let cold = GaussianProcess::fit(x0, y0, &kinds, &fit, FitStart::Cold, &mut rng).unwrap();
    let hyper = cold.hyperparameters().clone();
    let warm = time(reps, || {
        GaussianProcess::fit(x, y, &kinds, &fit, FitStart::Warm(&hyper), &mut rng).unwrap()
    });
    let factor = time(reps, || {
        GaussianProcess::with_hyperparameters(x, y, &kinds, hyper.clone()).unwrap()
    });
    let best = y.iter().copied().fold(f64::INFINITY, f64::min);
    let incumbent = x.slice_axis(Axis(0), Slice::from(..1));
    let acq = time(reps, || {
        optimize_acquisition(
            &cold,
            Acquisition::LogEi,
            best,
            &dims,
            incumbent,
            &opt,
            &mut rng,
        )
        .unwrap()
    });
    (warm, factor, acq)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "200,1000".into())
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let settings_json = std::env::args().nth(2).unwrap_or_else(|| "{}".into());
    let floats: String = (0..D).map(|i| format!("x{i}=float(0,1) ")).collect();
    let space = Space::parse(&floats).unwrap();
    println!(
        "| n | warm fit | factor at fixed θ | acquisition | whole suggestion (warm searcher) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for n in sizes {
        // Mean over enough calls to span several refits, each with one
        // trial more than the last, as in a running study.
        let calls = if n >= 5000 { 10 } else { 40 };
        let history = trials(&space, n + calls + 1);
        let x = Array2::from_shape_fn((n + 1, D), |(i, j)| {
            history[i].params[&format!("x{j}")].as_f64().unwrap()
        });
        let y = Array1::from_iter(history[..=n].iter().map(|t| t.value.unwrap()));
        let reps = if n >= 5000 { 1 } else { 5 };
        let cell = |v: f64| format!("{v:.1} ms");
        let whole_only = std::env::args().nth(3).as_deref() == Some("whole");
        let (warm, factor, acq) = if n <= 2000 && !whole_only {
            let (a, b, c) = parts(x.view(), y.view(), reps);
            (cell(a), cell(b), cell(c))
        } else {
            ("—".into(), "—".into(), "—".into())
        };
        let registry = hyperspace_searchers::builtin_registry();
        let mut searcher = registry
            .build("gp", &serde_json::from_str(&settings_json).unwrap())
            .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut number = n as u64;
        let mut suggest = |number: u64, rng: &mut ChaCha8Rng| {
            let ctx = SearchContext {
                space: &space,
                trials: &history[..number as usize],
                direction: Direction::Minimize,
                objectives: &[],
                study_seed: 3,
                trial_number: number,
            };
            searcher.sample_relative(&ctx, &space, rng).unwrap()
        };
        suggest(number, &mut rng);
        let start = Instant::now();
        for _ in 0..calls {
            number += 1;
            std::hint::black_box(suggest(number, &mut rng));
        }
        let whole = start.elapsed().as_secs_f64() * 1e3 / calls as f64;
        println!("| {n} | {warm} | {factor} | {acq} | {} |", cell(whole));
    }
}
