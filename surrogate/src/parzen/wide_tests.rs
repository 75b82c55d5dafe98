//! Tests of discrete dimensions with more levels than
//! [`Dimension::MAX_DISCRETE_LEVELS`] (issue "TPE allocates memory for
//! every value of an int range"): the estimator fits, samples and scores
//! them at a cost that does not depend on the number of levels, and ranks
//! points as the level-by-level model would.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::tests::{fit, settings};
use super::*;

/// `n` observations at bin centres of each dimension (categorical indices
/// for categorical ones), from a fixed seed.
fn observations(dims: &[Dimension], n: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, dims.len()), |(_, j)| match dims[j] {
        Dimension::Discrete { levels } => {
            let u: f64 = rng.random();
            ((u * levels as f64).floor().min(levels as f64 - 1.0) + 0.5) / levels as f64
        }
        Dimension::Categorical { choices } => rng.random_range(0..choices) as f64,
        _ => rng.random(),
    })
}

/// The widths that used to allocate a list per level (2^31 levels asked
/// for 51 GB) or overflow the allocator's size (2^63 and more), next to
/// dimensions of every other kind: samples are bin centres in `[0, 1]` and
/// every log-density is finite, jointly and one dimension at a time.
#[test]
fn dimensions_with_billions_of_levels_fit_sample_and_score() {
    let dims = [
        Dimension::Discrete { levels: usize::MAX },
        Dimension::Discrete { levels: 1 << 63 },
        Dimension::Discrete { levels: 1 << 31 },
        Dimension::Discrete {
            levels: 100_000_001,
        },
        Dimension::Discrete {
            levels: Dimension::MAX_DISCRETE_LEVELS + 1,
        },
        Dimension::Discrete { levels: 7 },
        Dimension::Continuous,
        Dimension::Categorical { choices: 3 },
    ];
    let obs = observations(&dims, 40, 5);
    for multivariate in [true, false] {
        for bandwidth in [Bandwidth::MagicClip, Bandwidth::Scott] {
            let model = fit(&obs, &dims, &settings(bandwidth, multivariate, 1.0));
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let samples = model.sample(&mut rng, 200);
            for row in samples.rows() {
                for (&x, d) in row.iter().zip(&dims) {
                    match *d {
                        Dimension::Discrete { levels } => {
                            assert!((0.0..=1.0).contains(&x), "{levels} levels: {x}");
                            if levels < 1 << 40 {
                                let scaled = x * levels as f64;
                                let offset = scaled - scaled.floor();
                                assert!((offset - 0.5).abs() < 1e-3, "{levels} levels: {x}");
                            }
                        }
                        Dimension::Categorical { choices } => {
                            assert!(x.fract() == 0.0 && x < choices as f64)
                        }
                        _ => assert!((0.0..=1.0).contains(&x)),
                    }
                }
            }
            let lp = model.log_pdf(samples.view());
            assert!(lp.iter().all(|v| v.is_finite()), "{lp}");
            let at_obs = model.log_pdf(obs.view());
            assert!(at_obs.iter().all(|v| v.is_finite()), "{at_obs}");
        }
    }
}

/// Why the cap is where it is: at the cap, a level's probability under the
/// level-by-level model is the continuous model's density times the bin's
/// width, to within 1e-3 in the logarithm, so the model used above the cap
/// ranks points as the level-by-level one would.
#[test]
fn at_the_cap_levels_and_densities_agree() {
    let levels = Dimension::MAX_DISCRETE_LEVELS;
    let discrete = [Dimension::Discrete { levels }];
    let obs = observations(&discrete, 40, 11);
    let points = observations(&discrete, 500, 12);
    let ln_width = -(levels as f64).ln();
    for multivariate in [true, false] {
        for bandwidth in [Bandwidth::MagicClip, Bandwidth::Scott] {
            let s = settings(bandwidth, multivariate, 1.0);
            let as_levels = fit(&obs, &discrete, &s).log_pdf(points.view());
            let as_density = fit(&obs, &[Dimension::Continuous], &s).log_pdf(points.view());
            for (l, d) in as_levels.iter().zip(&as_density) {
                assert!(
                    (l - (d + ln_width)).abs() < 1e-3,
                    "{bandwidth:?}, multivariate {multivariate}: {l} vs {}",
                    d + ln_width
                );
            }
        }
    }
}
