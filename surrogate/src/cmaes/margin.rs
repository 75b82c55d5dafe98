//! The margin of CMA-ES with Margin (Hamano, Saito, Nomura, Shirakawa,
//! GECCO 2022), in a simplified form: after each update, every discrete
//! coordinate keeps at least probability `α` of drawing a value other than
//! the one under the mean, so the search cannot fixate on a value before
//! the others were tried (plain CMA-ES on rounded values lets σ collapse
//! inside one cell).
//!
//! - The mean's cell has neighbours on both sides: each side must keep
//!   `α/2`; if not, the coordinate's scale `A_i` grows until it does.
//! - The mean's cell is at an end (one neighbour): that side must keep `α`;
//!   if not, the mean moves towards the neighbour until it does (the
//!   paper's correction of the mean at the edge).

use super::state::Coordinate;
use ndarray::{Array1, Array2};

/// The parts of the state the margin reads and corrects.
pub(super) struct View<'a> {
    pub mean: &'a mut Array1<f64>,
    pub a: &'a mut Array1<f64>,
    pub sigma: f64,
    pub c: &'a Array2<f64>,
    pub kinds: &'a [Coordinate],
}

/// Applies the margin `alpha` (the paper's default is 1/(n λ)).
pub(super) fn correct(v: &mut View<'_>, alpha: f64) {
    let z_side = upper_quantile(alpha / 2.0);
    let z_edge = upper_quantile(alpha);
    for (i, kind) in v.kinds.iter().enumerate() {
        let Coordinate::Discrete { levels } = *kind else {
            continue;
        };
        if levels < 2 {
            continue;
        }
        let k = levels as f64;
        let m = v.mean[i];
        let cell = (m * k).floor().clamp(0.0, k - 1.0);
        let (lo, hi) = (cell / k, (cell + 1.0) / k);
        let spread = v.sigma * v.c[[i, i]].sqrt();
        if !(spread > 0.0 && spread.is_finite()) {
            continue;
        }
        let std = spread * v.a[i];
        if cell > 0.0 && cell < k - 1.0 {
            let need = (m - lo).max(hi - m) / z_side;
            if std < need {
                v.a[i] = need / spread;
            }
        } else if levels >= 2 {
            // One neighbour: below for the top cell, above for the bottom.
            let threshold = if cell == 0.0 { hi } else { lo };
            let reach = z_edge * std;
            if (m - threshold).abs() > reach {
                v.mean[i] = if cell == 0.0 {
                    threshold - reach
                } else {
                    threshold + reach
                };
            }
        }
    }
}

/// z with P(N(0,1) > z) = p, for 0 < p < 1/2, by bisection on erfc
/// (to ~1e-12: the margin needs nothing finer).
pub(super) fn upper_quantile(p: f64) -> f64 {
    let tail = |z: f64| 0.5 * libm::erfc(z * std::f64::consts::FRAC_1_SQRT_2);
    let (mut lo, mut hi) = (0.0, 40.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        // Standard normal table: P(Z > 1.959964) = 0.025, P(Z > 2.326348) = 0.01.
        assert!((upper_quantile(0.025) - 1.959_964).abs() < 1e-5);
        assert!((upper_quantile(0.01) - 2.326_348).abs() < 1e-5);
    }

    fn tail(z: f64) -> f64 {
        0.5 * libm::erfc(z * std::f64::consts::FRAC_1_SQRT_2)
    }

    #[test]
    fn a_collapsed_middle_coordinate_keeps_alpha_on_each_side() {
        let kinds = [Coordinate::Discrete { levels: 5 }];
        let (mut mean, mut a) = (Array1::from(vec![0.5]), Array1::ones(1));
        let c = Array2::eye(1);
        let alpha = 0.05;
        correct(
            &mut View {
                mean: &mut mean,
                a: &mut a,
                sigma: 1e-6,
                c: &c,
                kinds: &kinds,
            },
            alpha,
        );
        let std = 1e-6 * a[0];
        // Cell [0.4, 0.6): each side at least α/2.
        assert!(tail((0.6 - 0.5) / std) >= alpha / 2.0 - 1e-9);
        assert!(tail((0.5 - 0.4) / std) >= alpha / 2.0 - 1e-9);
        assert_eq!(mean[0], 0.5);
    }

    #[test]
    fn a_collapsed_edge_coordinate_moves_its_mean_to_keep_alpha() {
        let kinds = [Coordinate::Discrete { levels: 2 }, Coordinate::Continuous];
        let (mut mean, mut a) = (Array1::from(vec![0.1, 0.1]), Array1::ones(2));
        let c = Array2::eye(2);
        let alpha = 0.05;
        correct(
            &mut View {
                mean: &mut mean,
                a: &mut a,
                sigma: 0.01,
                c: &c,
                kinds: &kinds,
            },
            alpha,
        );
        assert!(
            (tail((0.5 - mean[0]) / 0.01) - alpha).abs() < 1e-6,
            "{}",
            mean[0]
        );
        assert_eq!(mean[1], 0.1, "continuous coordinates are left alone");
        assert_eq!(a[0], 1.0);
    }
}
