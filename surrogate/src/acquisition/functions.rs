//! Acquisition functions for minimisation, from a Gaussian posterior
//! `N(μ, σ²)` at a point and the best loss seen so far `f*`.
//!
//! Expected improvement is `EI = σ h(z)` with `z = (f* − μ)/σ` and
//! `h(z) = z Φ(z) + φ(z)`. Far below the incumbent `h` underflows (below
//! `z ≈ −38`), leaving EI flat at 0 and useless to an optimiser; `ln h` is
//! computed instead in three regimes (Ament et al., "Unexpected
//! Improvements to Expected Improvement for Bayesian Optimization",
//! NeurIPS 2023, eq. 9): directly for `z > −1`; as
//! `−z²/2 − ln √(2π) + ln(1 − |z| √(π/2) erfcx(|z|/√2))` below; and by its
//! asymptote `−z²/2 − ln √(2π) − 2 ln |z|` below `−1/√ε`.

/// `√(π/2)`.
const SQRT_HALF_PI: f64 = 1.253_314_137_315_500_3;
/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;
/// `1/√(2π)`.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// `1/√π`.
const INV_SQRT_PI: f64 = 0.564_189_583_547_756_3;
/// Below this `z`, `ln h(z)` is its asymptote (`−1/√ε`).
const ASYMPTOTIC_Z: f64 = -6.7e7;

/// What to maximise over candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Acquisition {
    /// `ln EI`: expected improvement on a log scale, finite everywhere.
    LogEi,
    /// Upper confidence bound of the improvement, `κσ − μ`.
    Ucb {
        /// Weight of the standard deviation (exploration).
        kappa: f64,
    },
    /// `ln PI`: log probability of improvement, `ln Φ(z)`.
    LogPi,
}

impl Acquisition {
    /// The value at a posterior `N(mean, sd²)` and its derivatives with
    /// respect to `mean` and `sd` (`sd > 0`).
    pub fn evaluate(&self, mean: f64, sd: f64, best: f64) -> (f64, f64, f64) {
        match *self {
            Acquisition::LogEi => {
                let z = (best - mean) / sd;
                let (lh, dlh) = log_h_with_derivative(z);
                // ln EI = ln σ + ln h(z); dz/dμ = −1/σ; dz/dσ = −z/σ.
                (sd.ln() + lh, -dlh / sd, 1.0 / sd - dlh * z / sd)
            }
            Acquisition::Ucb { kappa } => (kappa * sd - mean, -1.0, kappa),
            Acquisition::LogPi => {
                let z = (best - mean) / sd;
                let (lp, dlp) = log_cdf_with_derivative(z);
                (lp, -dlp / sd, -dlp * z / sd)
            }
        }
    }

    /// The value alone.
    pub fn value(&self, mean: f64, sd: f64, best: f64) -> f64 {
        self.evaluate(mean, sd, best).0
    }
}

/// `exp(x²) erfc(x)` for `x ≥ 0`, to about 1e-15 relative.
pub fn erfcx(x: f64) -> f64 {
    if x < 26.0 {
        // exp(x²) with x² split into a rounded part and its rounding error.
        let hi = x * x;
        let lo = x.mul_add(x, -hi);
        hi.exp() * (1.0 + lo) * libm::erfc(x)
    } else {
        // Asymptotic series; the first omitted term is below 2e-15 here.
        let t = 1.0 / (2.0 * x * x);
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=6 {
            term *= -((2 * k - 1) as f64) * t;
            sum += term;
        }
        INV_SQRT_PI / x * sum
    }
}

/// `Φ(z)`, the standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// `φ(z)`, the standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// `ln h(z)`, `h(z) = z Φ(z) + φ(z)` (the expected improvement of a
/// standard normal over `−z`), and `d ln h/dz = Φ(z)/h(z)`.
pub fn log_h_with_derivative(z: f64) -> (f64, f64) {
    if z > -1.0 {
        let cdf = normal_cdf(z);
        let h = z * cdf + normal_pdf(z);
        (h.ln(), cdf / h)
    } else if z > ASYMPTOTIC_Z {
        let a = -z; // > 0
        let r = SQRT_HALF_PI * erfcx(a * std::f64::consts::FRAC_1_SQRT_2); // Φ(z)/φ(z)
        let one_minus_q = 1.0 - a * r; // h(z)/φ(z)
        (
            -0.5 * z * z - LN_SQRT_2PI + one_minus_q.ln(),
            r / one_minus_q,
        )
    } else {
        (-0.5 * z * z - LN_SQRT_2PI - 2.0 * (-z).ln(), -z)
    }
}

/// `ln h(z)` (see [`log_h_with_derivative`]).
pub fn log_h(z: f64) -> f64 {
    log_h_with_derivative(z).0
}

/// `ln Φ(z)` and `d ln Φ/dz = φ(z)/Φ(z)`, stable in both tails.
pub fn log_cdf_with_derivative(z: f64) -> (f64, f64) {
    if z > -1.0 {
        let upper = 0.5 * libm::erfc(z * std::f64::consts::FRAC_1_SQRT_2); // 1 − Φ(z)
        let cdf = 1.0 - upper;
        ((-upper).ln_1p(), normal_pdf(z) / cdf)
    } else {
        let t = -z * std::f64::consts::FRAC_1_SQRT_2;
        let ex = erfcx(t); // Φ(z) = ½ erfcx(t) e^{−t²}
        ((0.5 * ex).ln() - t * t, 2.0 * INV_SQRT_2PI / ex)
    }
}

/// `ln EI` of `N(mean, sd²)` below `best`.
pub fn log_expected_improvement(mean: f64, sd: f64, best: f64) -> f64 {
    Acquisition::LogEi.value(mean, sd, best)
}

/// `EI` computed directly as `σ (z Φ(z) + φ(z))` (underflows to 0 far below
/// the incumbent; use [`log_expected_improvement`] to rank candidates).
pub fn expected_improvement(mean: f64, sd: f64, best: f64) -> f64 {
    let z = (best - mean) / sd;
    sd * (z * normal_cdf(z) + normal_pdf(z))
}

/// `PI = Φ((best − mean)/sd)`.
pub fn probability_of_improvement(mean: f64, sd: f64, best: f64) -> f64 {
    normal_cdf((best - mean) / sd)
}

/// `κσ − μ`.
pub fn upper_confidence_bound(mean: f64, sd: f64, kappa: f64) -> f64 {
    kappa * sd - mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfcx_matches_reference_values() {
        // Reference values: scipy.special.erfcx (Faddeeva package).
        let cases = [
            (0.0, 1.0),
            (0.5, 0.615_690_344_192_925_8),
            (1.0, 0.427_583_576_155_807),
            (5.0, 0.110_704_637_733_068_61),
            (25.0, 0.022_549_572_432_641_357),
            (30.0, 0.018_795_888_861_416_754),
            (1e3, 5.641_893_014_533_876e-4),
        ];
        for (x, want) in cases {
            let got = erfcx(x);
            assert!(
                ((got - want) / want).abs() < 1e-13,
                "erfcx({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn log_ei_agrees_with_direct_ei_where_both_are_accurate() {
        for &z in &[
            -20.0, -10.0, -5.0, -2.0, -1.0, -0.999, -0.5, 0.0, 0.7, 3.0, 10.0,
        ] {
            let (mean, sd, best) = (1.0 - z * 0.3, 0.3, 1.0);
            let direct = expected_improvement(mean, sd, best);
            let log = log_expected_improvement(mean, sd, best);
            // Direct EI loses relative precision to cancellation as z falls
            // (about 1/z² of it): compare where it still has 8 digits.
            assert!(
                ((log.exp() - direct) / direct).abs() < 1e-8,
                "z={z}: exp(logEI)={} EI={direct}",
                log.exp()
            );
        }
    }

    #[test]
    fn log_ei_stays_finite_and_monotone_where_ei_underflows() {
        let mut prev = f64::INFINITY;
        for k in 0..60 {
            let z = -(10f64).powf(k as f64 / 6.0); // −1 ... −1e10
            let v = log_h(z);
            assert!(v.is_finite(), "z={z}");
            assert!(v < prev, "not decreasing at z={z}");
            prev = v;
        }
        assert_eq!(expected_improvement(0.0, 1.0, -40.0), 0.0);
        let far = log_expected_improvement(0.0, 1.0, -40.0);
        // ln h(−40) ≈ −z²/2 − ln√(2π) − 2 ln 40 (error O(1/z²)).
        let asym = -800.0 - LN_SQRT_2PI - 2.0 * 40f64.ln();
        assert!((far - asym).abs() < 3.0 / 1600.0, "{far} vs {asym}");
        // Both regimes agree at the switch to the asymptote.
        let (a, b) = (
            log_h(ASYMPTOTIC_Z * 0.999_999),
            log_h(ASYMPTOTIC_Z * 1.000_001),
        );
        assert!(((a - b) / a).abs() < 1e-5);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let acqs = [
            Acquisition::LogEi,
            Acquisition::LogPi,
            Acquisition::Ucb { kappa: 2.0 },
        ];
        for acq in acqs {
            for &(mean, sd) in &[
                (0.3, 0.2),
                (2.0, 0.1),
                (-1.0, 0.5),
                (5.0, 0.05),
                (40.0, 0.1),
            ] {
                let (_, dm, ds) = acq.evaluate(mean, sd, 0.0);
                let h = 1e-6;
                let fdm = (acq.value(mean + h, sd, 0.0) - acq.value(mean - h, sd, 0.0)) / (2.0 * h);
                let fds = (acq.value(mean, sd + h * sd, 0.0) - acq.value(mean, sd - h * sd, 0.0))
                    / (2.0 * h * sd);
                assert!(
                    (dm - fdm).abs() < 1e-4 * (1.0 + fdm.abs()),
                    "{acq:?} {mean} {sd}: {dm} {fdm}"
                );
                assert!(
                    (ds - fds).abs() < 1e-4 * (1.0 + fds.abs()),
                    "{acq:?} {mean} {sd}: {ds} {fds}"
                );
            }
        }
    }

    #[test]
    fn log_pi_is_stable_in_both_tails() {
        assert!((log_cdf_with_derivative(0.0).0 - 0.5f64.ln()).abs() < 1e-15);
        let (v, _) = log_cdf_with_derivative(-40.0);
        // ln Φ(−40) ≈ −804.608 (Abramowitz & Stegun 26.2.12 asymptote).
        assert!((v + 804.608_442).abs() < 1e-3, "{v}");
        let (v, _) = log_cdf_with_derivative(9.0);
        assert!(v < 0.0 && v > -1e-18, "{v}");
        assert!((probability_of_improvement(0.0, 1.0, 0.0) - 0.5).abs() < 1e-15);
        assert_eq!(upper_confidence_bound(1.0, 0.5, 2.0), 0.0);
    }
}
