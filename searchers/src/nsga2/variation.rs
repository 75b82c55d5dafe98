//! Making a child from two parents, in the unit-encoded space: simulated
//! binary crossover (SBX) and polynomial mutation for numbers (Deb &
//! Agrawal 1995; Deb & Deb 2014, bounded forms), uniform crossover and
//! random reset for categoricals. Integers and stepped values are rounded
//! by the space's `from_unit`; parameters of another branch, inactive in a
//! parent, are taken from the other parent or drawn at random.

use hyperspace_engine::{Param, Params, Space};
use rand::{Rng, RngCore};

/// Two parents closer than this are one point: SBX would divide by ~0.
const SAME_POINT: f64 = 1e-14;

/// The variation settings, with the mutation rate resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct Operators {
    pub crossover_prob: f64,
    pub crossover_eta: f64,
    pub mutation_eta: f64,
    pub mutation_prob: f64,
}

/// A child of parents `a` and `b`: every parameter active under the
/// child's own choices gets a value.
pub(super) fn child(
    space: &Space,
    a: &Params,
    b: &Params,
    ops: &Operators,
    rng: &mut dyn RngCore,
) -> Params {
    let crossing = rng.random::<f64>() < ops.crossover_prob;
    let mut params = Params::with_capacity(space.len());
    for (i, entry) in space.entries().iter().enumerate() {
        if !space.is_active(i, &params) {
            continue;
        }
        let (va, vb) = (a.get(&entry.name), b.get(&entry.name));
        let value = match &entry.param {
            Param::Categorical(c) => {
                let n = c.choices().len();
                let ia = va.and_then(|v| c.index_of(v));
                let ib = vb.and_then(|v| c.index_of(v));
                let take_b = crossing && rng.random::<bool>();
                let picked = if take_b { ib.or(ia) } else { ia.or(ib) };
                let mut index = picked.unwrap_or_else(|| rng.random_range(0..n));
                if rng.random::<f64>() < ops.mutation_prob {
                    index = rng.random_range(0..n);
                }
                c.choices()[index].clone()
            }
            param => {
                let xa = va.and_then(|v| param.to_unit(v));
                let xb = vb.and_then(|v| param.to_unit(v));
                let mut x = match (xa, xb) {
                    (Some(xa), Some(xb)) if crossing && rng.random::<bool>() => {
                        let (c1, c2) = sbx(xa, xb, ops.crossover_eta, rng);
                        if rng.random::<bool>() {
                            c1
                        } else {
                            c2
                        }
                    }
                    (Some(x), _) | (None, Some(x)) => x,
                    (None, None) => rng.random::<f64>(),
                };
                if rng.random::<f64>() < ops.mutation_prob {
                    x = polynomial_mutation(x, ops.mutation_eta, rng);
                }
                param.from_unit(x.clamp(0.0, 1.0))
            }
        };
        params.insert(entry.name.clone(), value);
    }
    params
}

/// Bounded SBX on [0, 1]: two children spread around the parents' mean
/// like one-point crossover of binary strings, never outside the bounds.
pub(super) fn sbx(x1: f64, x2: f64, eta: f64, rng: &mut dyn RngCore) -> (f64, f64) {
    let (y1, y2) = if x1 <= x2 { (x1, x2) } else { (x2, x1) };
    let gap = y2 - y1;
    if gap < SAME_POINT {
        return (x1, x2);
    }
    let u = rng.random::<f64>();
    let exponent = 1.0 / (eta + 1.0);
    // The spread factor, its distribution truncated so the child stays in
    // bounds: `room` is the distance to the bound on the child's side.
    let spread = |room: f64| {
        let beta = 1.0 + 2.0 * room / gap;
        let alpha = 2.0 - beta.powf(-(eta + 1.0));
        if u <= 1.0 / alpha {
            (u * alpha).powf(exponent)
        } else {
            (1.0 / (2.0 - u * alpha)).powf(exponent)
        }
    };
    let mean = 0.5 * (y1 + y2);
    let c1 = (mean - 0.5 * spread(y1) * gap).clamp(0.0, 1.0);
    let c2 = (mean + 0.5 * spread(1.0 - y2) * gap).clamp(0.0, 1.0);
    (c1, c2)
}

/// Bounded polynomial mutation on [0, 1]: a perturbation whose size
/// follows a polynomial distribution, scaled to the room on each side.
pub(super) fn polynomial_mutation(x: f64, eta: f64, rng: &mut dyn RngCore) -> f64 {
    let u = rng.random::<f64>();
    let exponent = 1.0 / (eta + 1.0);
    let delta = if u < 0.5 {
        let v = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - x).powf(eta + 1.0);
        v.powf(exponent) - 1.0
    } else {
        let v = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * x.powf(eta + 1.0);
        1.0 - v.powf(exponent)
    };
    (x + delta).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sbx_children_stay_in_bounds_around_the_parents_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (mut sum, n) = (0.0, 20_000);
        let mut near = 0;
        for _ in 0..n {
            let (c1, c2) = sbx(0.3, 0.5, 20.0, &mut rng);
            assert!((0.0..=1.0).contains(&c1) && (0.0..=1.0).contains(&c2));
            assert!(c1 <= 0.4 + 1e-12 && c2 >= 0.4 - 1e-12);
            sum += c1 + c2;
            near += usize::from((c1 - 0.3).abs() < 0.05 && (c2 - 0.5).abs() < 0.05);
        }
        // Symmetric about the mean (0.4), and with eta = 20 most children
        // are near their parents.
        assert!(
            (sum / (2.0 * n as f64) - 0.4).abs() < 0.005,
            "{}",
            sum / (2.0 * n as f64)
        );
        assert!(near as f64 > 0.8 * n as f64, "{near}");
        // Next to a bound, the child on that side stays in bounds.
        for _ in 0..1000 {
            let (c1, _) = sbx(0.001, 0.9, 2.0, &mut rng);
            assert!(c1 >= 0.0);
        }
        assert_eq!(sbx(0.7, 0.7, 20.0, &mut rng), (0.7, 0.7));
    }

    #[test]
    fn polynomial_mutation_is_small_unbiased_and_bounded() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n = 20_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let y = polynomial_mutation(0.5, 20.0, &mut rng);
            assert!((0.0..=1.0).contains(&y));
            assert!((y - 0.5).abs() <= 0.5);
            sum += y - 0.5;
        }
        assert!((sum / n as f64).abs() < 0.002);
        for x in [0.0, 1.0, 1e-9] {
            for _ in 0..1000 {
                let y = polynomial_mutation(x, 5.0, &mut rng);
                assert!((0.0..=1.0).contains(&y), "{x} -> {y}");
            }
        }
        // Mean step of eta = 20 is a few percent of the range.
        let step: f64 = (0..n)
            .map(|_| (polynomial_mutation(0.5, 20.0, &mut rng) - 0.5).abs())
            .sum::<f64>()
            / n as f64;
        assert!((0.01..0.06).contains(&step), "{step}");
    }
}
