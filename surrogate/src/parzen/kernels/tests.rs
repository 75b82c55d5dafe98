//! Tests of the kernels of one dimension.

use super::*;
use crate::parzen::settings::Bandwidth;
use crate::parzen::vecmath::log_sum_exp;
use ndarray::array;

fn ctx(components: &[Component], prior_weight: f64) -> BuildContext<'_> {
    BuildContext {
        components,
        bandwidth: BandwidthContext {
            rule: Bandwidth::MagicClip,
            consider_endpoints: false,
            with_prior: true,
            prior_is_neighbour: true,
            joint_dimensions: 1,
        },
        prior_weight,
        order_by_centre: true,
        // The component-by-component path, which the bulk one must match.
        all_observations: false,
    }
}

const ALL3: [Component; 4] = [
    Component::Observation(0),
    Component::Observation(1),
    Component::Observation(2),
    Component::Prior,
];

/// Each kernel alone is a probability density on [0, 1]: Simpson's rule
/// on its exp(log-density) gives 1, also for centres on the bounds where
/// half of the untruncated Gaussian lies outside.
#[test]
fn each_continuous_kernel_integrates_to_one() {
    let col = array![0.0, 1.0, 0.37];
    let g = GaussianKernels::build(col.as_slice().unwrap(), false, &ctx(&ALL3, 1.0));
    let offsets: Vec<f64> = g.log_density_offsets().to_vec();
    // The recorded order is a permutation of the kernels by centre.
    let mut order = g.by_centre().to_vec();
    assert!(order.windows(2).all(|w| g.mu[w[0]] <= g.mu[w[1]]));
    order.sort_unstable();
    assert_eq!(order, (0..g.len()).collect::<Vec<_>>());
    let steps = 4000;
    let mut integrals = vec![0.0; g.len()];
    let mut acc = vec![0.0; g.len()];
    for i in 0..=steps {
        let x = i as f64 / steps as f64;
        acc.copy_from_slice(&offsets);
        g.add_quadratic(x, &mut acc);
        let w = if i == 0 || i == steps {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        for (int, a) in integrals.iter_mut().zip(&acc) {
            *int += w * a.exp() / (3.0 * steps as f64);
        }
    }
    for (k, int) in integrals.iter().enumerate() {
        assert!((int - 1.0).abs() < 1e-9, "kernel {k} integrates to {int}");
    }
    // A kernel centred on 0.0 keeps Φ(1/σ) - 1/2 of its mass, so its
    // peak is higher than the untruncated one by the inverse of that.
    let s = g.sigma[0];
    let untruncated_peak = -s.ln() - HALF_LN_2PI;
    let kept = ndtr(1.0 / s) - 0.5;
    assert!((offsets[0] - (untruncated_peak - kept.ln())).abs() < 1e-13);
}

/// Level probabilities of every kernel sum to 1; the kernel at level 0 and
/// the one at the last level give their own level the most mass, and the
/// end levels get exactly the truncated Gaussian's mass of their bins.
#[test]
fn discrete_levels_sum_to_one_with_right_mass_at_the_ends() {
    let levels = 7;
    let col = array![0.0, 1.0, 0.5];
    let ctx = ctx(&ALL3, 1.0);
    let DimensionKernels::Discrete {
        kernels, masses, ..
    } = DimensionKernels::build(Dimension::Discrete { levels }, col.view(), &ctx)
    else {
        panic!("expected discrete kernels")
    };
    let mut table = vec![vec![0.0; kernels.len()]; levels];
    for (l, row) in table.iter_mut().enumerate() {
        masses.fill_level(l, row);
    }
    for k in 0..kernels.len() {
        let column: Vec<f64> = table.iter().map(|r| r[k]).collect();
        let total = log_sum_exp(&column).exp();
        assert!((total - 1.0).abs() < 1e-12, "kernel {k}: {total}");
    }
    // Observation 0.0 snaps to level 0, centre 1/14.
    assert!((kernels.mu[0] - 0.5 / 7.0).abs() < 1e-15);
    assert!((kernels.mu[1] - 6.5 / 7.0).abs() < 1e-15);
    let argmax = |k: usize| (0..levels).max_by(|&a, &b| table[a][k].total_cmp(&table[b][k]));
    assert_eq!(argmax(0), Some(0));
    assert_eq!(argmax(1), Some(levels - 1));
    // Level 0 of kernel 0 by direct CDF differences.
    let (m, s) = (kernels.mu[0], kernels.sigma[0]);
    let z = ndtr((1.0 - m) / s) - ndtr(-m / s);
    let want = (ndtr((1.0 / 7.0 - m) / s) - ndtr(-m / s)) / z;
    assert!((table[0][0].exp() - want).abs() < 1e-13);
}

#[test]
fn categorical_kernels_sum_to_one() {
    let col = array![2.0, 0.0, 2.0];
    for prior_weight in [0.0, 1.0, 3.5] {
        let k = CategoricalKernels::build(col.view(), 4, &ctx(&ALL3, prior_weight));
        let mut sums = [0.0; 4];
        let mut row = [0.0; 4];
        for c in 0..4 {
            k.fill_log_prob(c, &mut row);
            for (s, r) in sums.iter_mut().zip(&row) {
                *s += r.exp();
            }
        }
        for s in sums {
            assert!((s - 1.0).abs() < 1e-14, "prior {prior_weight}: {s}");
        }
        // At category 2, kernels centred on 2 beat the one centred on 0,
        // and the prior's kernel is uniform.
        k.fill_log_prob(2, &mut row);
        assert!(row[0] > row[1]);
        assert_eq!(row[0], row[2]);
        assert!((row[3] + 4f64.ln()).abs() < 1e-15);
    }
}

#[test]
fn dimension_helpers() {
    assert_eq!(Dimension::level_of(1.0, 5), 4);
    assert_eq!(Dimension::level_of(0.0, 5), 0);
    assert_eq!(Dimension::level_of(0.3999, 5), 1);
    assert_eq!(Dimension::category_of(2.0, 3), Some(2));
    assert_eq!(Dimension::category_of(3.0, 3), None);
    assert_eq!(Dimension::category_of(-1.0, 3), None);
    assert_eq!(Dimension::category_of(f64::NAN, 3), None);
    assert!(Dimension::Discrete { levels: 0 }.check(3).is_err());
    assert!(Dimension::Categorical { choices: 0 }.check(3).is_err());
    assert!(Dimension::Continuous.check(3).is_ok());
}

/// Issue "TPE allocates memory for every value of an int range": discrete
/// dimensions are modelled level by level up to the cap; above it, however
/// many levels, as one continuous kernel per component (nothing per level)
/// whose samples are snapped to bin centres.
#[test]
fn discrete_dimensions_wider_than_the_cap_get_continuous_kernels() {
    use rand::SeedableRng;
    let col = array![0.0, 1.0, 0.37];
    let ctx = ctx(&ALL3, 1.0);
    let cap = Dimension::MAX_DISCRETE_LEVELS;
    let at_cap = DimensionKernels::build(Dimension::Discrete { levels: cap }, col.view(), &ctx);
    assert!(
        matches!(at_cap, DimensionKernels::Discrete { levels, .. } if levels == cap),
        "{at_cap:?}"
    );
    assert_eq!(at_cap.values(), Some(cap));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for levels in [cap + 1, 100_000_001, 1 << 31, 1 << 62, usize::MAX] {
        let d = DimensionKernels::build(Dimension::Discrete { levels }, col.view(), &ctx);
        let DimensionKernels::Continuous {
            kernels,
            snap_levels,
        } = &d
        else {
            panic!("{levels} levels: {d:?}")
        };
        assert_eq!(*snap_levels, Some(levels));
        assert_eq!(kernels.len(), ALL3.len());
        assert_eq!(d.values(), None);
        assert_eq!(d.locate(0.37), Location::Inside(0));
        for k in 0..ALL3.len() {
            for _ in 0..50 {
                let x = d.sample(k, &mut rng);
                assert!((0.0..=1.0).contains(&x), "{levels} levels: {x}");
                if levels < 1 << 40 {
                    // A bin centre: `x · levels` is a half-integer.
                    let scaled = x * levels as f64;
                    assert!((scaled - scaled.floor() - 0.5).abs() < 1e-3, "{x}");
                }
            }
        }
    }
}
