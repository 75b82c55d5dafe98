//! Tests of the whole estimator: densities against integrals, exact values
//! and a direct transcription of the definitions, joint against independent
//! modelling, input checks. Sampling has its own file.

use ndarray::{array, Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::SurrogateError;

pub(super) fn settings(
    bandwidth: Bandwidth,
    multivariate: bool,
    prior_weight: f64,
) -> ValidParzenSettings {
    ParzenSettings {
        bandwidth,
        prior_weight,
        multivariate,
        consider_endpoints: false,
        prior_is_neighbour: true,
    }
    .validate()
    .unwrap()
}

pub(super) fn fit(
    obs: &Array2<f64>,
    dims: &[Dimension],
    s: &ValidParzenSettings,
) -> ParzenEstimator {
    let w = default_weights(obs.nrows());
    ParzenEstimator::fit(obs.view(), w.view(), dims, s).unwrap()
}

/// Simpson weights on `steps + 1` equally spaced nodes of [0, 1].
pub(super) fn simpson(steps: usize) -> Vec<(f64, f64)> {
    (0..=steps)
        .map(|i| {
            let w = if i == 0 || i == steps {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            (i as f64 / steps as f64, w / (3.0 * steps as f64))
        })
        .collect()
}

fn all_settings() -> Vec<ValidParzenSettings> {
    let mut out = Vec::new();
    for bw in [Bandwidth::MagicClip, Bandwidth::Scott] {
        for mv in [false, true] {
            for pw in [0.0, 1.0] {
                out.push(settings(bw, mv, pw));
            }
        }
    }
    out.push(
        ParzenSettings {
            consider_endpoints: true,
            ..ParzenSettings::default()
        }
        .validate()
        .unwrap(),
    );
    for multivariate in [false, true] {
        out.push(
            ParzenSettings {
                multivariate,
                prior_is_neighbour: false,
                ..ParzenSettings::default()
            }
            .validate()
            .unwrap(),
        );
    }
    out
}

/// Magic clip as Optuna 5 computes it, end to end in one dimension:
/// centres 0.2, 0.9, 0.1 get widths 0.7, 0.7 and 0.2 (the floor,
/// `1 / min(100, n + 2)`), the prior N(0.5, 1); all truncated to [0, 1],
/// equal weights. Both modes give this density in one dimension.
#[test]
fn magic_clip_without_the_prior_as_neighbour_end_to_end() {
    use super::normal::{log_gauss_mass, HALF_LN_2PI};
    let obs = Array2::from_shape_vec((3, 1), vec![0.2, 0.9, 0.1]).unwrap();
    let w = Array1::ones(3);
    let kernels = [(0.2, 0.7), (0.9, 0.7), (0.1, 0.2), (0.5, 1.0)];
    let density = |x: f64| -> f64 {
        kernels
            .iter()
            .map(|&(m, s): &(f64, f64)| {
                let log_z = log_gauss_mass(-m / s, (1.0 - m) / s);
                (-0.5 * ((x - m) / s).powi(2) - s.ln() - HALF_LN_2PI - log_z).exp() / 4.0
            })
            .sum()
    };
    let pts = Array2::from_shape_fn((11, 1), |(i, _)| i as f64 / 10.0);
    for multivariate in [false, true] {
        let s = ParzenSettings {
            multivariate,
            prior_is_neighbour: false,
            ..ParzenSettings::default()
        }
        .validate()
        .unwrap();
        let model =
            ParzenEstimator::fit(obs.view(), w.view(), &[Dimension::Continuous], &s).unwrap();
        let got = model.log_pdf(pts.view());
        for (i, x) in pts.column(0).iter().enumerate() {
            let want = density(*x).ln();
            assert!(
                (got[i] - want).abs() < 1e-9,
                "mv={multivariate} x={x}: {} vs {want}",
                got[i]
            );
        }
    }
}

#[test]
fn continuous_density_integrates_to_one() {
    // Observations on both bounds, a tight pair and a loner.
    let obs = array![[0.0], [0.1], [0.12], [0.7], [1.0]];
    let nodes = simpson(4000);
    let points = Array2::from_shape_fn((nodes.len(), 1), |(i, _)| nodes[i].0);
    for s in all_settings() {
        let model = fit(&obs, &[Dimension::Continuous], &s);
        let lp = model.log_pdf(points.view());
        let integral: f64 = lp.iter().zip(&nodes).map(|(l, (_, w))| w * l.exp()).sum();
        assert!((integral - 1.0).abs() < 1e-6, "{s:?}: {integral}");
    }
    // No observations: the prior alone, also a density.
    let empty = Array2::zeros((0, 1));
    let model = fit(
        &empty,
        &[Dimension::Continuous],
        &settings(Bandwidth::MagicClip, false, 0.0),
    );
    let lp = model.log_pdf(points.view());
    let integral: f64 = lp.iter().zip(&nodes).map(|(l, (_, w))| w * l.exp()).sum();
    assert!((integral - 1.0).abs() < 1e-9, "{integral}");
}

/// Sum over levels/categories and integrate over continuous coordinates.
fn total_mass(model: &ParzenEstimator, dims: &[Dimension]) -> f64 {
    let axis = |d: &Dimension| -> Vec<(f64, f64)> {
        match *d {
            Dimension::Continuous => simpson(400),
            Dimension::Discrete { levels } => (0..levels)
                .map(|l| ((l as f64 + 0.5) / levels as f64, 1.0))
                .collect(),
            Dimension::Categorical { choices } => (0..choices).map(|c| (c as f64, 1.0)).collect(),
        }
    };
    let (a, b) = (axis(&dims[0]), axis(&dims[1]));
    let points = Array2::from_shape_fn((a.len() * b.len(), 2), |(i, j)| {
        if j == 0 {
            a[i / b.len()].0
        } else {
            b[i % b.len()].0
        }
    });
    let lp = model.log_pdf(points.view());
    lp.iter()
        .enumerate()
        .map(|(i, l)| a[i / b.len()].1 * b[i % b.len()].1 * l.exp())
        .sum()
}

#[test]
fn mixed_two_dimensional_densities_integrate_to_one() {
    let obs = array![
        [0.0, 0.0],
        [0.3, 2.0],
        [0.32, 1.0],
        [1.0, 1.0],
        [0.6, 0.0],
        [0.9, 2.0]
    ];
    let cases: [[Dimension; 2]; 4] = [
        [Dimension::Continuous, Dimension::Continuous],
        [Dimension::Continuous, Dimension::Discrete { levels: 5 }],
        [Dimension::Continuous, Dimension::Categorical { choices: 3 }],
        [
            Dimension::Discrete { levels: 4 },
            Dimension::Categorical { choices: 3 },
        ],
    ];
    for dims in cases {
        // Continuous columns need unit coordinates: rescale index 2 → 1.
        let mut data = obs.clone();
        if !matches!(dims[1], Dimension::Categorical { .. }) {
            data.column_mut(1).mapv_inplace(|v| v / 2.0);
        }
        for s in all_settings() {
            let model = fit(&data, &dims, &s);
            let total = total_mass(&model, &dims);
            assert!((total - 1.0).abs() < 1e-5, "{dims:?} {s:?}: {total}");
        }
    }
}

/// Exact values for single truncated kernels on the bounds (Scott width 0.2
/// for one observation in one dimension, no prior). Reference: mpmath 1.3,
/// `npdf(x/0.2)/0.2/(ncdf(5)-ncdf(0))` and, for levels of 4 with the
/// observation snapped to centre 0.125,
/// `(ncdf(0.625)-ncdf(-0.625))/(ncdf(4.375)-ncdf(-0.625))` and
/// `(ncdf(1.875)-ncdf(0.625))/(same)`.
#[test]
fn truncation_and_discretisation_are_right_at_the_bounds() {
    let s = settings(Bandwidth::Scott, false, 0.0);
    let at_zero = fit(&array![[0.0]], &[Dimension::Continuous], &s);
    let lp = at_zero.log_pdf(array![[0.0], [0.1], [1.0]].view());
    let want = [
        3.989_425_091_164_273,
        3.520_655_286_045_738,
        1.486_720_367_075_758e-5,
    ];
    for (l, w) in lp.iter().zip(want) {
        assert!((l.exp() / w - 1.0).abs() < 1e-12, "{} vs {w}", l.exp());
    }
    // The mirror image at 1.0.
    let at_one = fit(&array![[1.0]], &[Dimension::Continuous], &s);
    let mirrored = at_one.log_pdf(array![[1.0], [0.9], [0.0]].view());
    for (a, b) in mirrored.iter().zip(&lp) {
        assert!((a - b).abs() < 1e-12);
    }

    let levels = Dimension::Discrete { levels: 4 };
    let first = fit(&array![[0.0]], &[levels], &s);
    let last = fit(&array![[1.0]], &[levels], &s);
    let centres = array![[0.125], [0.375], [0.625], [0.875]];
    let p_first = first.log_pdf(centres.view()).mapv(f64::exp);
    let p_last = last.log_pdf(centres.view()).mapv(f64::exp);
    assert!((p_first[0] - 0.637_634_313_628_399).abs() < 1e-13);
    assert!((p_first[1] - 0.320_962_495_114_936_5).abs() < 1e-13);
    assert!((p_last[3] - 0.637_634_313_628_399).abs() < 1e-13);
    assert!((p_last[2] - 0.320_962_495_114_936_5).abs() < 1e-13);
    assert!((p_first.sum() - 1.0).abs() < 1e-14 && (p_last.sum() - 1.0).abs() < 1e-14);
    // Any coordinate inside a bin means that level; 1.0 is in the last bin.
    let ends = first.log_pdf(array![[0.0], [0.2499], [1.0]].view());
    assert_eq!(ends[0], ends[1]);
    assert!((ends[2].exp() - p_first[3]).abs() < 1e-15);

    // The prior alone: N(0.5, 1) truncated; mpmath npdf(x-0.5)/(ncdf(.5)-ncdf(-.5)).
    let prior = fit(&Array2::zeros((0, 1)), &[Dimension::Continuous], &s);
    let lp = prior.log_pdf(array![[0.0], [0.5]].view());
    assert!((lp[0].exp() - 0.919_410_845_399_188_3).abs() < 1e-13);
    assert!((lp[1].exp() - 1.041_828_977_196_953).abs() < 1e-13);
}

#[test]
fn level_and_category_probabilities_sum_to_one_on_both_paths() {
    let obs = array![[0.0, 0.0], [0.05, 4.0], [0.5, 4.0], [1.0, 1.0]];
    let dims = [
        Dimension::Discrete { levels: 9 },
        Dimension::Categorical { choices: 5 },
    ];
    for s in all_settings() {
        let model = fit(&obs, &dims, &s);
        let grid = Array2::from_shape_fn((45, 2), |(i, j)| {
            if j == 0 {
                ((i / 5) as f64 + 0.5) / 9.0
            } else {
                (i % 5) as f64
            }
        });
        // 45 points >= 9 levels and 5 choices: the table path.
        let batch = model.log_pdf(grid.view());
        assert!((batch.mapv(f64::exp).sum() - 1.0).abs() < 1e-12, "{s:?}");
        // One point at a time: the direct path; same numbers.
        for (i, row) in grid.rows().into_iter().enumerate() {
            let single = model.log_pdf(row.insert_axis(ndarray::Axis(0)));
            // (Without a prior an unseen category has probability 0.)
            let same = single[0] == batch[i] || (single[0] - batch[i]).abs() < 1e-12;
            assert!(same, "{s:?} row {i}: {} vs {}", single[0], batch[i]);
        }
    }
}

#[test]
fn off_support_and_nan_points() {
    let obs = array![[0.5, 1.0]];
    let dims = [Dimension::Continuous, Dimension::Categorical { choices: 2 }];
    for mv in [false, true] {
        let model = fit(&obs, &dims, &settings(Bandwidth::MagicClip, mv, 1.0));
        let lp = model.log_pdf(
            array![
                [1.01, 0.0],
                [0.5, 2.0],
                [0.5, -1.0],
                [f64::NAN, 0.0],
                [2.0, f64::NAN],
                [0.5, 1.0]
            ]
            .view(),
        );
        assert_eq!(&lp.as_slice().unwrap()[..3], &[f64::NEG_INFINITY; 3]);
        assert!(lp[3].is_nan() && lp[4].is_nan());
        assert!(lp[5].is_finite());
    }
}

/// Points on the diagonal: the joint model keeps them there, the
/// independent one only knows both marginals are spread out.
pub(super) fn diagonal() -> Array2<f64> {
    Array2::from_shape_fn((12, 2), |(i, _)| (i as f64 + 0.5) / 12.0)
}

#[test]
fn multivariate_keeps_correlation_and_univariate_does_not() {
    let dims = [Dimension::Continuous, Dimension::Continuous];
    let on = array![[0.2, 0.2], [0.8, 0.8]];
    let off = array![[0.2, 0.8], [0.8, 0.2]];
    for bw in [Bandwidth::MagicClip, Bandwidth::Scott] {
        let joint = fit(&diagonal(), &dims, &settings(bw, true, 1.0));
        let indep = fit(&diagonal(), &dims, &settings(bw, false, 1.0));
        let (j_on, j_off) = (joint.log_pdf(on.view()), joint.log_pdf(off.view()));
        let (i_on, i_off) = (indep.log_pdf(on.view()), indep.log_pdf(off.view()));
        for p in 0..2 {
            assert!(
                j_on[p] - j_off[p] > 2f64.ln(),
                "{bw:?}: joint ratio {}",
                (j_on[p] - j_off[p]).exp()
            );
            assert!(
                (i_on[p] - i_off[p]).abs() < 0.1,
                "{bw:?}: independent ratio {}",
                (i_on[p] - i_off[p]).exp()
            );
        }
    }
    // Samples: the joint model's draws stay near the diagonal.
    let joint = fit(&diagonal(), &dims, &settings(Bandwidth::Scott, true, 1.0));
    let indep = fit(&diagonal(), &dims, &settings(Bandwidth::Scott, false, 1.0));
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let near = |m: &ParzenEstimator, rng: &mut ChaCha8Rng| -> f64 {
        let d = m.sample(rng, 20_000);
        d.rows()
            .into_iter()
            .filter(|r| (r[0] - r[1]).abs() < 0.2)
            .count() as f64
            / 20_000.0
    };
    let (nj, ni) = (near(&joint, &mut rng), near(&indep, &mut rng));
    assert!(
        nj > ni + 0.15,
        "near-diagonal share: joint {nj}, independent {ni}"
    );
}

/// In one dimension the joint and the independent model are the same
/// mixture, evaluated through different layouts (a matrix product over the
/// expanded square versus direct kernels sorted by centre); zero weights drop
/// components from both. The expanded square costs up to `|h|·ε ≈ 2e-11`.
#[test]
fn one_dimension_joint_and_independent_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let obs = Array2::from_shape_fn((300, 1), |_| rng.random::<f64>().powi(3));
    let mut w = default_weights(300);
    w[7] = 0.0;
    w[150] = 0.0;
    let pts = Array2::from_shape_fn((500, 1), |(i, _)| i as f64 / 499.0);
    for bw in [Bandwidth::MagicClip, Bandwidth::Scott] {
        for pw in [0.0, 1.0] {
            let dims = [Dimension::Continuous];
            let joint =
                ParzenEstimator::fit(obs.view(), w.view(), &dims, &settings(bw, true, pw)).unwrap();
            let indep = ParzenEstimator::fit(obs.view(), w.view(), &dims, &settings(bw, false, pw))
                .unwrap();
            let (a, b) = (joint.log_pdf(pts.view()), indep.log_pdf(pts.view()));
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 2e-11, "{bw:?} {pw}: {x} vs {y}");
            }
        }
    }
}

/// The estimator against a direct transcription of the definitions (Scott
/// widths, truncated Gaussians, bin masses, categorical kernels, the prior)
/// at random points of a mixed space, in both modes: catches any slip in the
/// evaluation layouts (matrix product, tables, sorting, folded constants).
#[test]
fn matches_a_direct_transcription_of_the_definitions() {
    use super::normal::{log_gauss_mass, HALF_LN_2PI};
    let (levels, choices, n) = (6usize, 3usize, 40usize);
    let dims = [
        Dimension::Continuous,
        Dimension::Discrete { levels },
        Dimension::Categorical { choices },
        Dimension::Continuous,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let obs = Array2::from_shape_fn((n, 4), |(_, j)| match j {
        2 => rng.random_range(0..choices) as f64,
        _ => rng.random::<f64>(),
    });
    let mut w = default_weights(n);
    w[3] = 0.0;
    // Points: 150 random ones, so the discrete dimension goes through the
    // table path, and the first 3 again alone, through the direct path.
    let pts = Array2::from_shape_fn((150, 4), |(_, j)| match j {
        2 => rng.random_range(0..choices) as f64,
        _ => rng.random::<f64>(),
    });
    for multivariate in [true, false] {
        for prior_weight in [0.0, 0.7] {
            let s = settings(Bandwidth::Scott, multivariate, prior_weight);
            let model = ParzenEstimator::fit(obs.view(), w.view(), &dims, &s).unwrap();
            let joint_d = if multivariate { 4.0 } else { 1.0 };
            let sigma = 0.2 * (n as f64).powf(-1.0 / (joint_d + 4.0));
            // Components: (weight, Some(row)) for observations, (w, None) prior.
            let mut comps: Vec<(f64, Option<usize>)> = (0..n)
                .filter(|&i| w[i] > 0.0)
                .map(|i| (w[i], Some(i)))
                .collect();
            if prior_weight > 0.0 {
                comps.push((prior_weight, None));
            }
            let total: f64 = comps.iter().map(|c| c.0).sum();
            let alpha = prior_weight / (n as f64 + 1.0);
            let kernel = |d: usize, row: Option<usize>, x: f64| -> f64 {
                let (mu, s) = match row {
                    Some(i) => (obs[[i, d]], sigma),
                    None => (0.5, 1.0),
                };
                let log_z = |m: f64| log_gauss_mass(-m / s, (1.0 - m) / s);
                match d {
                    0 | 3 => -0.5 * ((x - mu) / s).powi(2) - s.ln() - HALF_LN_2PI - log_z(mu),
                    1 => {
                        let l = levels as f64;
                        let centre = |v: f64| (((v * l) as usize).min(levels - 1) as f64 + 0.5) / l;
                        let m = if row.is_some() { centre(mu) } else { mu };
                        let lo = (centre(x) - 0.5 / l - m) / s;
                        log_gauss_mass(lo, lo + 1.0 / (l * s)) - log_z(m)
                    }
                    _ => match row {
                        Some(i) => {
                            let own = if obs[[i, 2]] == x { 1.0 } else { 0.0 };
                            ((alpha + own) / (alpha * choices as f64 + 1.0)).ln()
                        }
                        None => -(choices as f64).ln(),
                    },
                }
            };
            let log_sum = |terms: Vec<f64>| {
                let m = terms.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
            };
            let reference = |p: ndarray::ArrayView1<'_, f64>| -> f64 {
                if multivariate {
                    log_sum(
                        comps
                            .iter()
                            .map(|&(wk, row)| {
                                (wk / total).ln()
                                    + (0..4).map(|d| kernel(d, row, p[d])).sum::<f64>()
                            })
                            .collect(),
                    )
                } else {
                    (0..4)
                        .map(|d| {
                            log_sum(
                                comps
                                    .iter()
                                    .map(|&(wk, row)| (wk / total).ln() + kernel(d, row, p[d]))
                                    .collect(),
                            )
                        })
                        .sum()
                }
            };
            let batch = model.log_pdf(pts.view());
            for (i, p) in pts.rows().into_iter().enumerate() {
                let want = reference(p);
                let label = format!("mv={multivariate} prior={prior_weight} point {i}");
                assert!(
                    (batch[i] - want).abs() < 1e-9,
                    "{label}: {} vs {want}",
                    batch[i]
                );
                if i < 3 {
                    let single = model.log_pdf(p.insert_axis(ndarray::Axis(0)));
                    assert!((single[0] - want).abs() < 1e-9, "{label} alone");
                }
            }
        }
    }
}

#[test]
fn zero_weights_drop_components_and_log_pdf_into_matches() {
    let obs = array![[0.1], [0.5], [0.9]];
    let w = array![1.0, 0.0, 2.0];
    let s = ValidParzenSettings::default();
    let model = ParzenEstimator::fit(obs.view(), w.view(), &[Dimension::Continuous], &s).unwrap();
    assert_eq!(model.components(), 3); // two observations and the prior
    assert_eq!(model.dimensions(), 1);
    assert!(!model.is_multivariate());
    let pts = Array2::from_shape_fn((7, 1), |(i, _)| i as f64 / 6.0);
    let mut out = Array1::zeros(7);
    model.log_pdf_into(pts.view(), out.view_mut());
    assert_eq!(out, model.log_pdf(pts.view()));
    // Weights scale freely: ×1e300 changes nothing but the prior's share.
    let huge = w.mapv(|x| x * 1e300);
    let s0 = settings(Bandwidth::MagicClip, false, 0.0);
    let a = ParzenEstimator::fit(obs.view(), w.view(), &[Dimension::Continuous], &s0).unwrap();
    let b = ParzenEstimator::fit(obs.view(), huge.view(), &[Dimension::Continuous], &s0).unwrap();
    let (la, lb) = (a.log_pdf(pts.view()), b.log_pdf(pts.view()));
    for (x, y) in la.iter().zip(&lb) {
        assert!((x - y).abs() < 1e-12);
    }
}

#[test]
fn bad_inputs_are_rejected_with_the_right_error() {
    let s = ValidParzenSettings::default();
    let obs = array![[0.1, 1.0], [0.5, 0.0]];
    let w = array![1.0, 1.0];
    let dims = [Dimension::Continuous, Dimension::Categorical { choices: 2 }];
    let err = |o: &Array2<f64>, w: &Array1<f64>, d: &[Dimension]| {
        ParzenEstimator::fit(o.view(), w.view(), d, &s).unwrap_err()
    };
    assert_eq!(err(&obs, &w, &[]), SurrogateError::NoDimensions);
    assert_eq!(
        err(&obs, &w, &[Dimension::Continuous]),
        SurrogateError::DimensionMismatch {
            columns: 2,
            dimensions: 1
        }
    );
    assert_eq!(
        err(&obs, &array![1.0], &dims),
        SurrogateError::WeightCountMismatch {
            weights: 1,
            observations: 2
        }
    );
    assert!(matches!(
        err(&obs, &array![1.0, -0.1], &dims),
        SurrogateError::InvalidWeight { index: 1, .. }
    ));
    assert!(matches!(
        err(&obs, &array![f64::NAN, 1.0], &dims),
        SurrogateError::InvalidWeight { index: 0, .. }
    ));
    for bad in [f64::NAN, -0.01, 1.5, f64::INFINITY] {
        let o = array![[0.1, 1.0], [bad, 0.0]];
        assert!(
            matches!(
                err(&o, &w, &dims),
                SurrogateError::ObservationOutOfRange {
                    row: 1,
                    dimension: 0,
                    ..
                }
            ),
            "{bad}"
        );
    }
    for bad in [f64::NAN, 2.0, -1.0, 0.5] {
        let o = array![[0.1, bad], [0.5, 0.0]];
        assert!(
            matches!(
                err(&o, &w, &dims),
                SurrogateError::InvalidCategory {
                    row: 0,
                    dimension: 1,
                    choices: 2,
                    ..
                }
            ),
            "{bad}"
        );
    }
    assert_eq!(
        err(
            &obs,
            &w,
            &[Dimension::Continuous, Dimension::Discrete { levels: 0 }]
        ),
        SurrogateError::EmptyDimension { dimension: 1 }
    );
    let no_prior = settings(Bandwidth::MagicClip, false, 0.0);
    let zero = ParzenEstimator::fit(obs.view(), array![0.0, 0.0].view(), &dims, &no_prior);
    assert_eq!(zero.unwrap_err(), SurrogateError::ZeroTotalWeight);
    // Every message says what to do.
    let e = err(&obs, &array![1.0], &dims).to_string();
    assert!(e.contains("one weight per observation"), "{e}");
}

#[test]
#[should_panic(expected = "columns")]
fn log_pdf_with_wrong_columns_panics() {
    let model = fit(
        &array![[0.5]],
        &[Dimension::Continuous],
        &ValidParzenSettings::default(),
    );
    model.log_pdf(array![[0.5, 0.5]].view());
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ParzenEstimator>();
    check::<ParzenSettings>();
    check::<ValidParzenSettings>();
    check::<Bandwidth>();
    check::<Dimension>();
}

/// A TPE-shaped use: rank candidates drawn from `l` by `l/g`; the winner
/// must come from where the good observations are.
#[test]
fn ratio_of_two_estimators_points_to_the_good_region() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let good = Array2::from_shape_fn((10, 2), |_| 0.2 + 0.05 * rng.random::<f64>());
    let bad = Array2::from_shape_fn((200, 2), |_| rng.random::<f64>());
    let dims = [Dimension::Continuous; 2];
    let s = ParzenSettings::multivariate().validate().unwrap();
    let l = fit(&good, &dims, &s);
    let g = fit(&bad, &dims, &s);
    let cand = l.sample(&mut rng, 24);
    let score = l.log_pdf(cand.view()) - g.log_pdf(cand.view());
    let best = (0..24)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]))
        .unwrap();
    assert!((cand[[best, 0]] - 0.225).abs() < 0.15 && (cand[[best, 1]] - 0.225).abs() < 0.15);
}
