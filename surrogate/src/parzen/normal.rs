//! Standard-normal probabilities in log space.
//!
//! Truncated-Gaussian kernels need the normal mass of an interval,
//! `Φ(b) - Φ(a)`, both to normalise a kernel to `[0, 1]` and to give a
//! discrete level its probability. Far from the kernel's centre those masses
//! underflow `f64` long before they stop mattering: a TPE ratio of two tiny
//! densities is still a useful number. So everything here returns logarithms
//! and keeps relative precision deep into the tails.
//!
//! `erfc` comes from `libm` (the FreeBSD/musl implementation, within an ulp
//! or so down to its underflow near `erfc(26.5)`; `statrs` 0.18's version is
//! only good to about 1e-10 relative); past `z = -20` the asymptotic expansion
//! of Mills' ratio takes over.

use libm::erfc;
use std::f64::consts::{FRAC_1_SQRT_2, LN_2};
use std::sync::OnceLock;

/// `ln(2π) / 2`, the log-normaliser of the standard normal density.
pub(crate) const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// Below this `z`, `log Φ(z)` uses the asymptotic series instead of `erfc`.
///
/// At `z = -20` ten terms of the series leave a truncation error near
/// `21!! / z^22 ≈ 1e-20`, far below what `erfc` itself resolves, so the two
/// formulas agree to rounding where they meet.
const ASYMPTOTIC_BELOW: f64 = -20.0;

/// Intervals with `width · (1 + |midpoint|)` below this are integrated by the
/// midpoint expansion, whose next term is `(w·m)⁴ / 1920 < 1e-15`.
pub(crate) const NARROW: f64 = 1e-3;

/// `Φ(z)`, the standard normal CDF, with full relative precision for `z < 0`.
pub(crate) fn ndtr(z: f64) -> f64 {
    0.5 * erfc(-z * FRAC_1_SQRT_2)
}

/// `ln Φ(z)`, accurate in both tails.
///
/// Left tail: `erfc` down to `z = -20`, then the asymptotic expansion
/// `Φ(z) = φ(z)/|z| · (1 - 1/z² + 3/z⁴ - 15/z⁶ + …)`, which stays finite for
/// any finite `z`. Right tail: `ln(1 - Φ(-z))` through `ln_1p`, so
/// `ln Φ(10) ≈ -7.6e-24` keeps its digits instead of rounding to zero.
pub(crate) fn log_ndtr(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z > 0.0 {
        return (-ndtr(-z)).ln_1p();
    }
    if z > ASYMPTOTIC_BELOW {
        return ndtr(z).ln();
    }
    log_ndtr_asymptotic(z)
}

/// `ln Φ(z)` for `z <= -20` from the asymptotic series of Mills' ratio; see
/// `ASYMPTOTIC_BELOW` for its error.
fn log_ndtr_asymptotic(z: f64) -> f64 {
    if z == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let inv_z2 = 1.0 / (z * z);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=10 {
        term *= -((2 * k - 1) as f64) * inv_z2;
        sum += term;
    }
    -0.5 * z * z - (-z).ln() - HALF_LN_2PI + sum.ln()
}

/// `ln(1 - e^x)` for `x <= 0`, switching formulas where each is exact
/// (Mächler, "Accurately Computing log(1 - exp(-|a|))", 2012).
pub(crate) fn log1m_exp(x: f64) -> f64 {
    if x > -LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// `ln(Φ(b) - Φ(a))`, the log normal mass of `[a, b]`, for `a <= b`.
///
/// Three regimes, each free of cancellation:
/// - a narrow interval (many discrete levels) integrates the density around
///   its midpoint: a difference of two nearly equal CDF values would lose
///   digits in proportion to how narrow the interval is;
/// - otherwise the interval is reflected into the left half-line (the normal
///   is symmetric), where CDF values are small and carry full relative
///   precision, or, if it straddles zero, computed as one minus both tails.
///
/// Returns `-inf` for an empty interval.
pub(crate) fn log_gauss_mass(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a >= b {
        return f64::NEG_INFINITY;
    }
    let width = b - a;
    let mid = 0.5 * (a + b);
    if width * (1.0 + mid.abs()) < NARROW {
        // ∫ φ over [m - w/2, m + w/2] = φ(m)·w·(1 + (m² - 1)·w²/24 + O((w·m)⁴)).
        let correction = (mid * mid - 1.0) * width * width / 24.0;
        return -0.5 * mid * mid - HALF_LN_2PI + width.ln() + correction.ln_1p();
    }
    if a >= 0.0 {
        // Reflect: the mass of [a, b] equals the mass of [-b, -a].
        return log_gauss_mass(-b, -a);
    }
    if b > 0.0 {
        // a < 0 < b: both tails are at most 1/2, the mass at least what lies
        // near zero, so there is no cancellation.
        return (-ndtr(a) - ndtr(-b)).ln_1p();
    }
    // a < b <= 0: both CDF values are left-tail values, and the interval is
    // wide enough that their difference keeps its digits.
    if a > ASYMPTOTIC_BELOW {
        return (ndtr(b) - ndtr(a)).ln();
    }
    let log_b = log_ndtr(b);
    log_b + log1m_exp(log_ndtr(a) - log_b)
}

/// Adding `1.5 · 2^52` rounds a small non-negative `f64` to an integer and
/// leaves it in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// Knots per unit of `z` in the table behind [`ndtr_left`].
const TABLE_STEPS: f64 = 128.0;
/// The table covers `[-TABLE_END, 0]`; below, `Φ(z) < 1.2e-19`.
const TABLE_END: f64 = 9.0;

/// `Φ` and `φ` at the knots `z_j = -j / TABLE_STEPS`.
struct NdtrTable {
    cdf: Vec<f64>,
    pdf: Vec<f64>,
}

fn ndtr_table() -> &'static NdtrTable {
    static TABLE: OnceLock<NdtrTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let knots = (TABLE_END * TABLE_STEPS) as usize + 1;
        let z = |j: usize| -(j as f64) / TABLE_STEPS;
        NdtrTable {
            cdf: (0..knots).map(|j| ndtr(z(j))).collect(),
            pdf: (0..knots)
                .map(|j| (-0.5 * z(j) * z(j) - HALF_LN_2PI).exp())
                .collect(),
        }
    })
}

/// [`ndtr_left`] extended to all `z`, for the tests.
#[cfg(test)]
pub(crate) fn ndtr_abs(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let table = ndtr_table();
    if z > 0.0 {
        1.0 - ndtr_left(table, -z)
    } else {
        ndtr_left(table, z)
    }
}

/// `Φ(z)` for `z <= 0` (not NaN) to an absolute (not relative) error of a
/// few `1e-17`, several times faster than `erfc`: for masses such as a
/// kernel's share of the unit interval, `1 - Φ(a) - Φ(-b) ≥ 0.34`, where only
/// absolute error counts and which every fit computes once per kernel and
/// dimension.
///
/// Taylor expansion around the nearest of the knots `j/128` (so
/// `|d| <= 1/256`): `Φ(z0 + d) = Φ(z0) + φ(z0) Σ_n (-1)^(n-1) He_(n-1)(z0) dⁿ/n!`
/// with Hermite polynomials `He`; stopping after `n = 5` leaves at most
/// `|He_5 φ| d⁶/720 < 2e-17`. No branches beyond selects, so that a loop
/// over many arguments keeps several in flight.
#[inline(always)]
fn ndtr_left(table: &NdtrTable, z: f64) -> f64 {
    let beyond = z <= -TABLE_END;
    let zc = if beyond { -TABLE_END } else { z };
    // Nearest knot, rounded by the `ROUNDER` trick (`round` is a libm call
    // here, and a float-to-integer conversion a slow, saturating one): the
    // knot index lands in the low mantissa bits. `zc` is in [-9, 0], so the
    // index is in [0, 1152] and within the table.
    let shifted = -zc * TABLE_STEPS + ROUNDER;
    let j = (shifted.to_bits() & 0xffff) as usize;
    let x = -(shifted - ROUNDER) / TABLE_STEPS;
    let d = zc - x;
    let x2 = x * x;
    let he1 = x;
    let he2 = x2 - 1.0;
    let he3 = x * (x2 - 3.0);
    let he4 = x2 * (x2 - 6.0) + 3.0;
    let series =
        d * (1.0 - d * (he1 / 2.0 - d * (he2 / 6.0 - d * (he3 / 24.0 - d * (he4 / 120.0)))));
    let value = table.cdf[j] + table.pdf[j] * series;
    if beyond {
        0.0
    } else {
        value
    }
}

/// `Z` for Gaussian kernels with centres `mu` in `[0, 1]` and widths
/// `sigma <= 1`: the mass each puts on `[0, 1]`, which is at least
/// `Φ(1) - Φ(0) ≈ 0.34`, so both tails can be taken to absolute precision
/// with [`ndtr_left`].
pub(crate) fn unit_interval_masses(mu: &[f64], sigma: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(mu.len());
    unit_interval_masses_into(mu, sigma, &mut out);
    out
}

/// [`unit_interval_masses`] into `out` (its contents replaced), for
/// callers that keep the buffer.
pub(crate) fn unit_interval_masses_into(mu: &[f64], sigma: &[f64], out: &mut Vec<f64>) {
    let table = ndtr_table();
    out.clear();
    out.extend(mu.iter().zip(sigma).map(|(&m, &s)| {
        if m >= TABLE_END * s && 1.0 - m >= TABLE_END * s {
            // A narrow kernel away from both ends (the common case with
            // many observations): both tails are below 1.2e-19, and 1
            // minus them rounds to 1. (Tested without a division; where
            // rounding makes this test and `a, b <= -TABLE_END` differ,
            // the tail at the boundary is as negligible.)
            return 1.0;
        }
        let inv = 1.0 / s;
        let (a, b) = (-m * inv, (m - 1.0) * inv);
        1.0 - ndtr_left(table, a) - ndtr_left(table, b)
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_rel(got: f64, want: f64, tol: f64) {
        let err = ((got - want) / want).abs();
        assert!(err < tol, "got {got:e}, want {want:e}, rel. error {err:e}");
    }

    /// Reference values: mpmath 1.3 at 50 digits, `log(ncdf(z))`.
    #[test]
    fn log_ndtr_matches_mpmath_across_both_tails() {
        let cases = [
            (-40.0, -804.608_442_013_753_8),
            (-25.0, -316.639_408_008_020_26),
            (-20.0, -203.917_155_371_097_26),
            (-10.0, -53.231_285_150_512_47),
            (-5.0, -15.064_998_393_988_726),
            (-1.0, -1.841_021_645_009_263_5),
            (0.0, -std::f64::consts::LN_2),
            (3.0, -0.001_350_809_964_748_193_8),
            (10.0, -7.619_853_024_160_526e-24),
        ];
        for (z, want) in cases {
            assert_rel(log_ndtr(z), want, 1e-13);
        }
        assert_eq!(log_ndtr(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(log_ndtr(f64::INFINITY), 0.0);
        assert!(log_ndtr(f64::NAN).is_nan());
    }

    /// The two left-tail formulas must agree where one hands over to the
    /// other, and beyond, as long as `erfc` has not underflowed.
    #[test]
    fn log_ndtr_series_agrees_with_erfc_where_both_work() {
        for z in [-20.0, -23.5, -30.0, -36.0] {
            assert_rel(log_ndtr_asymptotic(z), ndtr(z).ln(), 1e-15);
        }
    }

    /// Reference values: mpmath 1.3 at 50 digits, `log(ncdf(b) - ncdf(a))`
    /// (for the far right pair, `log(ncdf(-a) - ncdf(-b))`).
    #[test]
    fn log_gauss_mass_matches_mpmath() {
        let cases = [
            (-40.0, -39.9, -800.629_474_160_121_5),
            (-1.0, 0.5, -0.629_595_632_552_863_5),
            (2.0, 2.001, -9.827_693_812_103_586),
            (30.0, 31.0, -454.321_243_956_343_25),
            (-0.3, -0.2999, -10.174_263_906_810_145),
            (5.0, 8.0, -15.064_998_396_158_943),
            (0.2499999, 0.25, -17.068_284_171_634_24),
        ];
        for (a, b, want) in cases {
            // Narrow intervals lose digits to cancellation in any f64 method
            // (the endpoints themselves are rounded); 1e-9 still shows that
            // the right branch was taken.
            assert_rel(log_gauss_mass(a, b), want, 1e-9);
        }
        assert_eq!(log_gauss_mass(1.0, 1.0), f64::NEG_INFINITY);
        assert_rel(
            log_gauss_mass(f64::NEG_INFINITY, f64::INFINITY).exp(),
            1.0,
            1e-15,
        );
    }

    #[test]
    fn log1m_exp_is_accurate_on_both_branches() {
        assert_rel(log1m_exp(-1e-20), (1e-20f64).ln(), 1e-12);
        assert_rel(log1m_exp(-50.0), -(-50.0f64).exp(), 1e-12);
        assert_rel(log1m_exp(-LN_2), -LN_2, 1e-15);
    }

    #[test]
    fn table_cdf_has_absolute_precision_everywhere() {
        let mut worst: f64 = 0.0;
        let mut z = -9.5;
        while z < 9.5 {
            worst = worst.max((ndtr_abs(z) - ndtr(z)).abs());
            z += 0.000_731;
        }
        assert!(worst < 2e-16, "worst absolute error {worst:e}");
        assert_eq!(ndtr_abs(f64::NEG_INFINITY), 0.0);
        assert_eq!(ndtr_abs(f64::INFINITY), 1.0);
        assert!(ndtr_abs(f64::NAN).is_nan());
    }

    #[test]
    fn unit_interval_mass_matches_the_careful_version() {
        for &mu in &[0.0, 1e-9, 0.3, 0.5, 0.999, 1.0] {
            for &sigma in &[1e-12, 1e-3, 0.05, 0.2, 1.0] {
                let fast = unit_interval_masses(&[mu], &[sigma])[0].ln();
                let careful = log_gauss_mass(-mu / sigma, (1.0 - mu) / sigma);
                assert!(
                    (fast - careful).abs() < 1e-15,
                    "{mu} {sigma}: {fast} vs {careful}"
                );
            }
        }
    }
}
