//! Log-sum-exp over a mixture's components, written to vectorise.
//!
//! A mixture's log-density is `ln Σ_k exp(t_k)`, one exponential per
//! component per candidate per (univariate) dimension: with a thousand
//! observations that is the hot loop of a TPE suggestion. `f64::exp` is a
//! libm call the compiler cannot vectorise, so [`exp_nonpositive`] computes
//! `e^x` for the arguments this sum needs (`x <= 0`, after subtracting the
//! maximum) with a branch-free range reduction and polynomial that LLVM turns
//! into SIMD code. Its error is about one ulp; the test compares it with
//! `f64::exp`.

/// `log2(e)`.
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `ln 2` split in a high part with trailing zero bits, so `n · LN2_HI` is
/// exact for the `|n| < 1100` used here, and the rest (Cody–Waite reduction).
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Adding `1.5 · 2^52` rounds an `f64` below `2^51` in magnitude to the nearest
/// integer, and leaves that integer in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// Below this, `e^x` is under `1e-307`: next to the sum's largest term, which
/// is `e^0 = 1`, it is zero; clamping here keeps `2^n` a normal number.
const CLAMP_BELOW: f64 = -707.0;

/// `e^x` for `x <= 0` (arguments below -707 give about `1e-307` instead of a
/// subnormal or zero, which is immaterial in a sum that contains `1`).
///
/// `x = n·ln2 + r` with `|r| <= ln2/2`; `e^r` by its Taylor polynomial of
/// degree 12 (truncation `r^13/13! < 2e-16`), and `2^n` built directly in the
/// exponent bits. No branches, no calls: vectorisable.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    let x = x.max(CLAMP_BELOW);
    let shifted = x * LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Horner form of Σ r^k / k!, k = 0..=12.
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // The low bits of `shifted` hold n (two's complement, offset by 2^51,
    // which the shift below pushes out); n + 1023 is the biased exponent.
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// `ln Σ exp(values)`, exact to a few ulps; `-inf` if every value is `-inf`
/// (or the slice is empty), NaN if any value is NaN.
pub(crate) fn log_sum_exp(values: &[f64]) -> f64 {
    let (max, any_nan) = values
        .iter()
        .fold((f64::NEG_INFINITY, false), |(m, nan), &v| {
            (m.max(v), nan | v.is_nan())
        });
    if any_nan {
        return f64::NAN;
    }
    if max.is_infinite() {
        return max;
    }
    // Four accumulators break the dependency chain and let the loop vectorise.
    let mut acc = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += exp_nonpositive(v - max);
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += exp_nonpositive(v - max);
    }
    max + ((acc[0] + acc[1]) + (acc[2] + acc[3])).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = 0.0;
        while x > -706.0 {
            let want = x.exp();
            let got = exp_nonpositive(x);
            worst = worst.max(((got - want) / want).abs());
            x -= 0.001_237;
        }
        assert!(worst < 5e-16, "worst relative error {worst:e}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(f64::NEG_INFINITY) < 1e-300);
    }

    #[test]
    fn log_sum_exp_handles_extremes() {
        let v = [-1000.0, -1000.0 + 2f64.ln()];
        assert!((log_sum_exp(&v) - (-1000.0 + 3f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 5]), f64::NEG_INFINITY);
        assert!(log_sum_exp(&[0.0, f64::NAN]).is_nan());
        assert!(log_sum_exp(&[f64::NAN, f64::NEG_INFINITY]).is_nan());
        // Many equal terms, to exercise the chunked accumulators and tail.
        let many = vec![-3.0; 1001];
        assert!((log_sum_exp(&many) - (-3.0 + 1001f64.ln())).abs() < 1e-12);
        // Terms far below the maximum contribute nothing, and do not break it.
        let spread: Vec<f64> = (0..10).map(|i| -100.0 * i as f64).collect();
        assert!((log_sum_exp(&spread) - (-100f64).exp().ln_1p()).abs() < 1e-15);
    }
}
