//! `exp`, `ln` and log-sum-exp written so that loops over them vectorise.
//!
//! A mixture's log-density is `ln Σ_k exp(t_k)`, one exponential per
//! component per candidate per (univariate) dimension: with a thousand
//! observations that is the hot loop of a TPE suggestion, and a fit takes a
//! logarithm per kernel and dimension. `f64::exp` and `f64::ln` are libm
//! calls the compiler cannot vectorise, so [`exp_nonpositive`] and
//! [`ln_positive`] compute them for the arguments needed here with
//! branch-free range reductions and polynomials that LLVM turns into SIMD
//! code. Their errors are an ulp or two; the tests compare them with std.

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
/// Terms this far under the maximum are dropped from a log-sum-exp in whole
/// chunks: `e^-50 < 2e-22`, negligible even summed over a million terms.
const SKIP_BELOW: f64 = 50.0;

/// `e^x` for `x <= 0` (arguments below -707 give about `1e-307` instead of a
/// subnormal or zero, which is immaterial in a sum that contains `1`; NaN
/// stays NaN).
///
/// `x = n·ln2 + r` with `|r| <= ln2/2`; `e^r` by its Taylor polynomial of
/// degree 12 (truncation `r^13/13! < 2e-16`), and `2^n` built directly in the
/// exponent bits. No branches, no calls: vectorisable.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    // A select, not `f64::max`, so that NaN propagates and the loop vectorises.
    let x = if x < CLAMP_BELOW { CLAMP_BELOW } else { x };
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

/// The largest value, ignoring NaN; `-inf` for an empty slice.
///
/// Four running maxima written as selects: LLVM turns them into packed
/// `maxpd`, where a fold over `f64::max` (NaN-aware) stays scalar and serial.
#[inline]
fn max_of(values: &[f64]) -> f64 {
    let mut m = [f64::NEG_INFINITY; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        for (m, &v) in m.iter_mut().zip(c) {
            keep_larger(m, v);
        }
    }
    for &v in chunks.remainder() {
        keep_larger(&mut m[0], v);
    }
    largest_lane(m)
}

/// `*m = max(*m, v)` as a select (NaN `v` never kept): the step
/// [`max_of`] and [`add_then_max`] share, so they find the same maximum.
#[inline(always)]
fn keep_larger(m: &mut f64, v: f64) {
    *m = if v > *m { v } else { *m };
}

/// The largest of four running maxima, in the order both maxima reduce
/// their lanes.
#[inline(always)]
fn largest_lane(m: [f64; 4]) -> f64 {
    let a = if m[1] > m[0] { m[1] } else { m[0] };
    let b = if m[3] > m[2] { m[3] } else { m[2] };
    if b > a {
        b
    } else {
        a
    }
}

/// `values[k] += add[k]` (up to the shorter), then [`max_of`] the values:
/// in one pass where the joint model's evaluation made two over every
/// component of every point, the same maximum (the same lanes, the same
/// order of selects).
pub(crate) fn add_then_max(values: &mut [f64], add: &[f64]) -> f64 {
    let n = values.len().min(add.len());
    let (values, add) = (&mut values[..n], &add[..n]);
    let mut m = [f64::NEG_INFINITY; 4];
    let mut chunks = values.chunks_exact_mut(4);
    let mut adds = add.chunks_exact(4);
    for (c, a) in (&mut chunks).zip(&mut adds) {
        for ((m, v), &a) in m.iter_mut().zip(c).zip(a) {
            *v += a;
            keep_larger(m, *v);
        }
    }
    for (v, &a) in chunks.into_remainder().iter_mut().zip(adds.remainder()) {
        *v += a;
        keep_larger(&mut m[0], *v);
    }
    largest_lane(m)
}

/// `ln Σ exp(values)`, exact to a few ulps; `-inf` if every value is `-inf`
/// (or the slice is empty), `+inf` if any is, NaN if any value is NaN.
pub(crate) fn log_sum_exp(values: &[f64]) -> f64 {
    log_sum_exp_given_max(values, max_of(values))
}

/// [`log_sum_exp`] of `values` whose [`max_of`] is `max`.
pub(crate) fn log_sum_exp_given_max(values: &[f64], max: f64) -> f64 {
    if max.is_infinite() {
        // All -inf (or empty), or a +inf that dominates; NaN still wins.
        return if values.iter().any(|v| v.is_nan()) {
            f64::NAN
        } else {
            max
        };
    }
    if max.is_nan() {
        return f64::NAN;
    }
    // Four accumulators break the dependency chain and let the loop vectorise.
    // A chunk whose terms all lie `SKIP_BELOW` under the maximum adds less
    // than `2e-22` of the sum per term: skip its exponentials. Kernels sorted
    // by centre make such chunks common.
    let floor = max - SKIP_BELOW;
    let mut acc = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        if c.iter().all(|&v| v < floor) {
            continue;
        }
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += exp_nonpositive(v - max);
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += exp_nonpositive(v - max);
    }
    // A NaN among the values has made the sum NaN by now.
    max + ((acc[0] + acc[1]) + (acc[2] + acc[3])).ln()
}

/// `ln((eᵃ + eᵇ) / 2)` for each pair of `a` and `b`, written into `a`: the
/// log-density of an even mixture of two densities, from each one's
/// log-densities at the same points, without overflow or underflow (TPE's
/// good density of axis-aligned and correlated kernels). Pairs up to the
/// shorter of the two.
pub fn log_even_mixture(mut a: ndarray::ArrayViewMut1<'_, f64>, b: ndarray::ArrayView1<'_, f64>) {
    for (x, &y) in a.iter_mut().zip(b) {
        *x = log_sum_exp(&[*x, y]) - std::f64::consts::LN_2;
    }
}

/// `sqrt(2)`, the upper end of the reduced mantissa range of [`ln_positive`].
const SQRT_2: f64 = std::f64::consts::SQRT_2;
/// `2^52 + 1023`: subtracting it from the float whose low bits hold a biased
/// exponent yields the exponent as an `f64`, without an integer conversion.
const EXPONENT_BIAS_MAGIC: f64 = 4_503_599_627_371_519.0;

/// `ln x` for positive, finite, normal `x` (the widths and masses of a fit);
/// other inputs give meaningless results.
///
/// `x = 2^e · m` with `m` in `[√½, √2)`; `ln m = 2 atanh(s)`, `s = (m-1)/(m+1)`,
/// `|s| <= 0.172`, by its odd series to `s^21` (next term `< 3e-18`).
#[inline(always)]
pub(crate) fn ln_positive(x: f64) -> f64 {
    let bits = x.to_bits();
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let exponent = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - EXPONENT_BIAS_MAGIC;
    let high = mantissa > SQRT_2;
    let m = if high { 0.5 * mantissa } else { mantissa };
    let e = if high { exponent + 1.0 } else { exponent };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    let ln_m = 2.0 * s + 2.0 * s * s2 * p;
    e * LN2_HI + (ln_m + e * LN2_LO)
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
        assert!(exp_nonpositive(f64::NAN).is_nan());
    }

    #[test]
    fn log_sum_exp_handles_extremes() {
        let v = [-1000.0, -1000.0 + 2f64.ln()];
        assert!((log_sum_exp(&v) - (-1000.0 + 3f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 5]), f64::NEG_INFINITY);
        assert!(log_sum_exp(&[0.0, f64::NAN]).is_nan());
        assert!(log_sum_exp(&[f64::NAN, f64::NEG_INFINITY]).is_nan());
        assert!(log_sum_exp(&[f64::NAN; 3]).is_nan());
        assert!(log_sum_exp(&[1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN]).is_nan());
        assert_eq!(log_sum_exp(&[0.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(max_of(&[1.0, 7.0, 3.0, -2.0, 9.0, 2.0, 8.5]), 9.0);
        // Many equal terms, to exercise the chunked accumulators and tail.
        let many = vec![-3.0; 1001];
        assert!((log_sum_exp(&many) - (-3.0 + 1001f64.ln())).abs() < 1e-12);
        // Terms far below the maximum contribute nothing, and do not break it.
        let spread: Vec<f64> = (0..10).map(|i| -100.0 * i as f64).collect();
        assert!((log_sum_exp(&spread) - (-100f64).exp().ln_1p()).abs() < 1e-15);
    }

    #[test]
    fn ln_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = 1e-300;
        while x < 1e300 {
            for y in [x, x * SQRT_2, x * 0.999_999_999_999, x * 1.000_000_000_1] {
                let want = y.ln();
                let got = ln_positive(y);
                let err = if want.abs() > 1e-300 {
                    ((got - want) / want).abs()
                } else {
                    got.abs()
                };
                worst = worst.max(err);
            }
            x *= 1.37;
        }
        // Near 1 the logarithm itself is small: check absolute error there.
        for k in 1..2000 {
            let y = 0.9 + 0.0001 * k as f64;
            assert!((ln_positive(y) - y.ln()).abs() < 3e-16, "{y}");
        }
        assert!(worst < 5e-16, "worst relative error {worst:e}");
        assert_eq!(ln_positive(1.0), 0.0);
    }

    #[test]
    fn an_even_mixture_averages_densities() {
        let mut a = ndarray::array![0.0, -1000.0, 700.0, f64::NEG_INFINITY];
        let b = ndarray::array![(3f64).ln(), -1000.0 + (3f64).ln(), 700.0, 0.0];
        log_even_mixture(a.view_mut(), b.view());
        assert!((a[0] - 2f64.ln()).abs() < 1e-15);
        assert!((a[1] - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!((a[2] - 700.0).abs() < 1e-12);
        assert!((a[3] + 2f64.ln()).abs() < 1e-15);
    }

    /// Adding and taking the maximum in one pass finds what the two passes
    /// find, bit for bit, at every length's remainder, with NaN and
    /// infinities among the values.
    #[test]
    fn add_then_max_is_add_then_max_of() {
        for n in 0..23 {
            let mut values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 - 6.5).collect();
            let add: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 11) as f64 * 0.37).collect();
            if n > 5 {
                values[n - 2] = f64::NAN;
                values[3] = f64::NEG_INFINITY;
            }
            let mut two = values.clone();
            for (v, a) in two.iter_mut().zip(&add) {
                *v += a;
            }
            let max = add_then_max(&mut values, &add);
            assert_eq!(max.to_bits(), max_of(&two).to_bits(), "n = {n}");
            assert_eq!(values.len(), two.len());
            for (x, y) in values.iter().zip(&two) {
                assert_eq!(x.to_bits(), y.to_bits());
            }
            let (got, want) = (log_sum_exp_given_max(&values, max), log_sum_exp(&two));
            assert_eq!(got.to_bits(), want.to_bits());
        }
    }

    #[test]
    fn log_sum_exp_skips_only_negligible_chunks() {
        // Four far terms in one chunk, one near term in another.
        let mut v = vec![-80.0; 4];
        v.extend([0.0, -1.0, -2.0, -3.0]);
        let want = (1.0 + (-1f64).exp() + (-2f64).exp() + (-3f64).exp()).ln();
        assert!((log_sum_exp(&v) - want).abs() < 1e-15);
        // A chunk just inside the window is kept.
        let v = [0.0, 0.0, 0.0, 0.0, -49.0, -49.0, -49.0, -49.0];
        let want = (4.0 + 4.0 * (-49f64).exp()).ln();
        assert!((log_sum_exp(&v) - want).abs() < 1e-16);
    }
}
