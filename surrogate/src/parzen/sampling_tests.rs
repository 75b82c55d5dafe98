//! Tests that samples follow the density they come from.

use ndarray::{array, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::tests::{diagonal, fit, settings, simpson};
use super::*;

/// Draws per bin against the density's mass per bin, with a margin of five
/// binomial standard errors (a correct sampler fails this about once in
/// millions of seeds; clamping instead of truncating, a wrong width or a
/// missing prior moves several bins by far more).
fn assert_counts_match(counts: &[usize], probs: &[f64], n: usize, what: &str) {
    let total: f64 = probs.iter().sum();
    assert!(
        (total - 1.0).abs() < 1e-6,
        "{what}: probabilities sum to {total}"
    );
    for (i, (&c, &p)) in counts.iter().zip(probs).enumerate() {
        let freq = c as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-6);
        assert!(
            (freq - p).abs() < 5.0 * se,
            "{what}: bin {i} freq {freq} vs p {p} (se {se})"
        );
    }
}

#[test]
fn continuous_samples_follow_the_density() {
    let obs = array![[0.0], [0.03], [0.4], [0.45], [0.9]];
    let n = 200_000;
    let bins = 20;
    for s in [
        settings(Bandwidth::MagicClip, false, 1.0),
        settings(Bandwidth::Scott, true, 0.5),
    ] {
        let model = fit(&obs, &[Dimension::Continuous], &s);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let draws = model.sample(&mut rng, n);
        assert_eq!(draws.dim(), (n, 1));
        let mut counts = vec![0; bins];
        for &x in draws.iter() {
            assert!((0.0..=1.0).contains(&x), "sample {x} outside [0, 1]");
            counts[((x * bins as f64) as usize).min(bins - 1)] += 1;
        }
        let probs: Vec<f64> = (0..bins)
            .map(|b| {
                let nodes = simpson(200);
                let pts = Array2::from_shape_fn((nodes.len(), 1), |(i, _)| {
                    (b as f64 + nodes[i].0) / bins as f64
                });
                let lp = model.log_pdf(pts.view());
                lp.iter()
                    .zip(&nodes)
                    .map(|(l, (_, w))| w * l.exp())
                    .sum::<f64>()
                    / bins as f64
            })
            .collect();
        assert_counts_match(&counts, &probs, n, "continuous");
    }
}

#[test]
fn discrete_and_categorical_samples_follow_the_probabilities() {
    let obs = array![[0.0, 2.0], [0.1, 2.0], [1.0, 0.0], [0.6, 3.0]];
    let dims = [
        Dimension::Discrete { levels: 6 },
        Dimension::Categorical { choices: 4 },
    ];
    let n = 100_000;
    for mv in [false, true] {
        let model = fit(&obs, &dims, &settings(Bandwidth::MagicClip, mv, 1.0));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let draws = model.sample(&mut rng, n);
        let mut counts = vec![0usize; 24];
        for row in draws.rows() {
            let level = row[0] * 6.0 - 0.5;
            assert!(
                level.fract() == 0.0 && (0.0..6.0).contains(&level),
                "level coordinate {}",
                row[0]
            );
            assert!(
                row[1].fract() == 0.0 && (0.0..4.0).contains(&row[1]),
                "category {}",
                row[1]
            );
            counts[level as usize * 4 + row[1] as usize] += 1;
        }
        let grid = Array2::from_shape_fn((24, 2), |(i, j)| {
            if j == 0 {
                ((i / 4) as f64 + 0.5) / 6.0
            } else {
                (i % 4) as f64
            }
        });
        let probs: Vec<f64> = model.log_pdf(grid.view()).iter().map(|l| l.exp()).collect();
        assert_counts_match(&counts, &probs, n, if mv { "joint" } else { "independent" });
    }
}

#[test]
fn sampling_is_deterministic_from_the_seed() {
    let model = fit(
        &diagonal(),
        &[Dimension::Continuous; 2],
        &ValidParzenSettings::default(),
    );
    let a = model.sample(&mut ChaCha8Rng::seed_from_u64(9), 50);
    let b = model.sample(&mut ChaCha8Rng::seed_from_u64(9), 50);
    let c = model.sample(&mut ChaCha8Rng::seed_from_u64(10), 50);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(
        model.sample(&mut ChaCha8Rng::seed_from_u64(9), 0).dim(),
        (0, 2)
    );
}
