//! Log-probabilities of discrete levels under truncated Gaussian kernels,
//! computed in bulk.
//!
//! A discrete level's probability under a kernel is the normal mass of the
//! level's bin, in log space so that bins deep in a narrow kernel's tail keep
//! their digits. [`super::normal::log_gauss_mass`] does that carefully with
//! `erfc` and libm logarithms, one bin at a time; scoring candidates takes a
//! levels × components table of them, and with a thousand observations that
//! table used to be most of a TPE suggestion's time.
//!
//! Here the same masses come from the Mills ratio `M(z) = Φ(z) / φ(z)`,
//! which is smooth, between `1/(1+|z|)` and `1/|z|` for `z <= 0`, and cheap
//! to get to full relative precision from a small table and a Taylor series.
//! For a bin `[a, b]` on one side of 0, with `u <= v` the distances of its
//! ends from 0, the mass is `φ(u) · (M(-u) - M(-v) · e^(-(v²-u²)/2))`, so its
//! logarithm is `-u²/2 - ln√(2π) + ln(…)`: no `erfc`, no libm call, no
//! underflow however far out the bin lies. A bin around 0 has mass
//! `1 - φ(u)·(M(-u) + M(-v)·e^(-(v²-u²)/2))`, at least `1e-4` for a bin that
//! is not narrow, so absolute precision is enough there. Narrow bins (many
//! levels, wide kernels) keep the careful midpoint rule.
//!
//! The loops are branch-free (selects), so many bins are in flight at once,
//! and run over contiguous arrays; a bin boundary's Mills ratio serves both
//! bins it bounds. Bin ends are computed exactly as the careful path computes
//! them, and the results agree with it to within `1e-12` relative (about
//! `2e-13` at worst in the tests). [`LevelMasses`] further computes each
//! distinct kernel once: with many observations on few levels, most repeat.

use std::sync::OnceLock;

use super::kernels::Dimension;
use super::normal::{log_gauss_mass, ndtr, HALF_LN_2PI, NARROW};
use super::vecmath::{exp_nonpositive, ln_positive};

/// `1 / √(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// Knots per unit of `z` in the Mills-ratio table.
const STEPS: f64 = 32.0;
/// The table covers `[-TABLE_END, 0]`; below, the asymptotic series is exact
/// to about `1e-20` relative (see [`mills_asymptotic`]).
const TABLE_END: f64 = 20.0;
/// Adding `1.5 · 2^52` rounds a small non-negative `f64` to an integer and
/// leaves it in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `M(z_j)` at the knots `z_j = -j / STEPS`, `j = 0..=TABLE_END·STEPS`.
fn mills_table() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let knots = (TABLE_END * STEPS) as usize + 1;
        (0..knots)
            .map(|j| {
                let z = -(j as f64) / STEPS;
                // z² / 2 is exact at the knots, so φ is good to an ulp even
                // where it is tiny; `erfc` keeps Φ's relative precision.
                let pdf = (-0.5 * z * z).exp() * FRAC_1_SQRT_2PI;
                ndtr(z) / pdf
            })
            .collect()
    })
}

/// `M(z) = Φ(z) / φ(z)` for `z <= 0` (not NaN) to a relative error of a few
/// `1e-16`.
///
/// Above `-TABLE_END`, a Taylor series around the nearest knot (`|d| <=
/// 1/64`). Since `M(z) = ∫_0^∞ e^(zt - t²/2) dt`, every derivative is
/// positive and largest at `z = 0`; they follow from `M' = 1 + zM` and
/// `M⁽ⁿ⁾ = z M⁽ⁿ⁻¹⁾ + (n-1) M⁽ⁿ⁻²⁾`, and stopping after `d⁷` leaves at most
/// `M⁽⁸⁾(0) d⁸ / 8! = 105 √(π/2) / 64⁸ / 40320 ≈ 1.2e-17`. Below, the
/// asymptotic series. Both are computed and one is selected, so that loops
/// over mixed arguments stay branch-free.
#[inline(always)]
fn mills_left(table: &[f64], z: f64) -> f64 {
    let far = z < -TABLE_END;
    let zc = if far { -TABLE_END } else { z };
    // Nearest knot; `zc` is in [-20, 0], so the index is in [0, 640].
    let shifted = -zc * STEPS + ROUNDER;
    let j = (shifted.to_bits() & 0xffff) as usize;
    let x = -(shifted - ROUNDER) / STEPS;
    let d = zc - x;
    let m0 = table[j];
    let m1 = 1.0 + x * m0;
    let m2 = x * m1 + m0;
    let m3 = x * m2 + 2.0 * m1;
    let m4 = x * m3 + 3.0 * m2;
    let m5 = x * m4 + 4.0 * m3;
    let m6 = x * m5 + 5.0 * m4;
    let m7 = x * m6 + 6.0 * m5;
    let p = m6 + d * (1.0 / 7.0) * m7;
    let p = m5 + d * (1.0 / 6.0) * p;
    let p = m4 + d * (1.0 / 5.0) * p;
    let p = m3 + d * (1.0 / 4.0) * p;
    let p = m2 + d * (1.0 / 3.0) * p;
    let p = m1 + d * 0.5 * p;
    let near = m0 + d * p;
    let asymptotic = mills_asymptotic(if far { z } else { -TABLE_END });
    if far {
        asymptotic
    } else {
        near
    }
}

/// `M(z)` for `z <= -20`: `(1/|z|) Σ_k (-1)^k (2k-1)!! / z^(2k)`, ten terms,
/// truncation error near `21!! / z²² ≈ 1e-20` relative at `z = -20` (the
/// same series as [`super::normal::log_ndtr`] uses there).
#[inline(always)]
fn mills_asymptotic(z: f64) -> f64 {
    let inv_z2 = 1.0 / (z * z);
    // Horner form of 1 - 1/z² + 3/z⁴ - 15/z⁶ + … + 654729075/z²⁰.
    let mut s = 654_729_075.0;
    s = s * inv_z2 - 34_459_425.0;
    s = s * inv_z2 + 2_027_025.0;
    s = s * inv_z2 - 135_135.0;
    s = s * inv_z2 + 10_395.0;
    s = s * inv_z2 - 945.0;
    s = s * inv_z2 + 105.0;
    s = s * inv_z2 - 15.0;
    s = s * inv_z2 + 3.0;
    s = s * inv_z2 - 1.0;
    s = s * inv_z2 + 1.0;
    -s / z
}

/// `ln(Φ(b) - Φ(a))` for a bin that is not narrow, from `ma = M(-|a|)` and
/// `mb = M(-|b|)`; see the module documentation.
#[inline(always)]
fn log_bin_mass(a: f64, b: f64, ma: f64, mb: f64) -> f64 {
    let (abs_a, abs_b) = (a.abs(), b.abs());
    let a_nearer = abs_a < abs_b;
    let (u, v) = if a_nearer {
        (abs_a, abs_b)
    } else {
        (abs_b, abs_a)
    };
    let (mu, mv) = if a_nearer { (ma, mb) } else { (mb, ma) };
    let log_pdf_u = -0.5 * u * u - HALF_LN_2PI;
    // e^(-(v² - u²)/2) = φ(v)/φ(u), without forming either.
    let ratio = exp_nonpositive(-0.5 * (v - u) * (v + u));
    let straddles = a < 0.0 && b > 0.0;
    let (offset, mass) = if straddles {
        // 1 - Φ(-u) - Φ(-v): both tails are small next to the bin.
        let tails = exp_nonpositive(log_pdf_u) * (mu + ratio * mv);
        (0.0, 1.0 - tails)
    } else {
        (log_pdf_u, mu - ratio * mv)
    };
    offset + ln_positive(mass)
}

/// Whether `[a, b]` is narrow enough for [`log_gauss_mass`]'s midpoint rule,
/// which is then the precise formula.
#[inline(always)]
fn is_narrow(a: f64, b: f64) -> bool {
    (b - a) * (1.0 + (0.5 * (a + b)).abs()) < NARROW
}

/// `out[k] = ln P_k(level)`: the log-mass kernel `k` (centre `mu[k]`, width
/// `sigma[k]`, `ln Z` on `[0, 1]` `log_z[k]`) puts on bin `level` of
/// `levels`, normalised by `Z`.
fn fill_level(
    mu: &[f64],
    sigma: &[f64],
    log_z: &[f64],
    level: usize,
    levels: usize,
    out: &mut [f64],
) {
    let table = mills_table();
    let lo = level as f64 / levels as f64;
    let hi = (level + 1) as f64 / levels as f64;
    let mut any_narrow = false;
    for (((o, &m), &s), &lz) in out.iter_mut().zip(mu).zip(sigma).zip(log_z) {
        let (a, b) = ((lo - m) / s, (hi - m) / s);
        let (ma, mb) = (mills_left(table, -a.abs()), mills_left(table, -b.abs()));
        any_narrow |= is_narrow(a, b);
        *o = log_bin_mass(a, b, ma, mb) - lz;
    }
    if any_narrow {
        for (((o, &m), &s), &lz) in out.iter_mut().zip(mu).zip(sigma).zip(log_z) {
            let (a, b) = ((lo - m) / s, (hi - m) / s);
            if is_narrow(a, b) {
                *o = log_gauss_mass(a, b) - lz;
            }
        }
    }
}

/// The `levels × K` table of [`fill_level`] for every level (row `l` at
/// `out[l·K..(l+1)·K]`), sharing each bin boundary's Mills ratio between the
/// two bins it bounds.
fn level_table(mu: &[f64], sigma: &[f64], log_z: &[f64], levels: usize) -> Vec<f64> {
    let table = mills_table();
    let k = mu.len();
    let mut out = vec![0.0; levels * k];
    // The lower boundary of the current bin, and its Mills ratio, per kernel.
    let mut lower: Vec<f64> = mu.iter().zip(sigma).map(|(&m, &s)| (0.0 - m) / s).collect();
    let mut lower_m: Vec<f64> = lower.iter().map(|&a| mills_left(table, -a.abs())).collect();
    let mut any_narrow = false;
    for (level, row) in out.chunks_exact_mut(k.max(1)).enumerate() {
        let hi = (level + 1) as f64 / levels as f64;
        for (((((o, &m), &s), &lz), a), ma) in row
            .iter_mut()
            .zip(mu)
            .zip(sigma)
            .zip(log_z)
            .zip(lower.iter_mut())
            .zip(lower_m.iter_mut())
        {
            let b = (hi - m) / s;
            let mb = mills_left(table, -b.abs());
            any_narrow |= is_narrow(*a, b);
            *o = log_bin_mass(*a, b, *ma, mb) - lz;
            *a = b;
            *ma = mb;
        }
    }
    if any_narrow {
        for (level, row) in out.chunks_exact_mut(k.max(1)).enumerate() {
            let lo = level as f64 / levels as f64;
            let hi = (level + 1) as f64 / levels as f64;
            for (((o, &m), &s), &lz) in row.iter_mut().zip(mu).zip(sigma).zip(log_z) {
                let (a, b) = ((lo - m) / s, (hi - m) / s);
                if is_narrow(a, b) {
                    *o = log_gauss_mass(a, b) - lz;
                }
            }
        }
    }
    out
}

/// How many of a level's distinct kernels [`LevelMasses::new`] compares a
/// new kernel with before giving up and keeping it as distinct: enough for
/// what the bandwidth rules produce (one or two widths per level), and a
/// bound on the work for anything else.
const SCAN: usize = 8;

/// A discrete dimension's kernels reduced to the distinct ones, for level
/// probabilities.
///
/// Kernels of a discrete dimension are centred on bin centres, and their
/// widths take few values (Scott's rule gives one; the magic clip gives the
/// clip floor to every kernel inside a run of equal centres, and a gap to
/// the run's ends), so with many observations most components repeat a
/// kernel seen before: a thousand of them on 8 levels have a few dozen
/// distinct kernels. Their level probabilities are computed once per
/// distinct kernel and copied out, with the same results.
#[derive(Debug, Clone)]
pub(crate) struct LevelMasses {
    levels: usize,
    /// Per component, its distinct kernel; distinct kernels are numbered in
    /// order of first appearance, so `index[k] <= k`.
    index: Vec<usize>,
    /// Centre, width and `ln Z` of each distinct kernel.
    mu: Vec<f64>,
    sigma: Vec<f64>,
    log_z: Vec<f64>,
}

impl LevelMasses {
    /// The distinct kernels among those with centres `mu` (on bin centres
    /// or anywhere in `[0, 1]`), widths `sigma` and `ln Z` `log_z`.
    ///
    /// The index by level is one (empty) list per level: `levels` is at
    /// most [`Dimension::MAX_DISCRETE_LEVELS`], since wider dimensions get
    /// continuous kernels, so it stays a few kilobytes.
    pub(crate) fn new(mu: &[f64], sigma: &[f64], log_z: &[f64], levels: usize) -> Self {
        debug_assert!(levels <= Dimension::MAX_DISCRETE_LEVELS, "{levels} levels");
        let mut index = Vec::with_capacity(mu.len());
        let (mut dmu, mut dsigma, mut dlog_z) = (Vec::new(), Vec::new(), Vec::new());
        // Distinct kernels by the level their centre falls in.
        let mut by_level: Vec<Vec<usize>> = vec![Vec::new(); levels];
        for ((&m, &s), &lz) in mu.iter().zip(sigma).zip(log_z) {
            let bucket = &mut by_level[Dimension::level_of(m, levels)];
            let same = |&j: &usize| dmu[j] == m && dsigma[j] == s;
            let found = bucket.iter().rev().take(SCAN).copied().find(same);
            index.push(found.unwrap_or_else(|| {
                bucket.push(dmu.len());
                dmu.push(m);
                dsigma.push(s);
                dlog_z.push(lz);
                dmu.len() - 1
            }));
        }
        Self {
            levels,
            index,
            mu: dmu,
            sigma: dsigma,
            log_z: dlog_z,
        }
    }

    /// Number of distinct kernels.
    #[cfg(test)]
    pub(crate) fn distinct(&self) -> usize {
        self.mu.len()
    }

    /// `out[k] = ln P_k(level)` for every component `k`.
    pub(crate) fn fill_level(&self, level: usize, out: &mut [f64]) {
        let u = self.mu.len();
        fill_level(
            &self.mu,
            &self.sigma,
            &self.log_z,
            level,
            self.levels,
            &mut out[..u],
        );
        if u < out.len() {
            // Backwards, so that each distinct value is read before the
            // slot holding it is overwritten (`index[k] <= k`).
            for (k, &j) in self.index.iter().enumerate().rev() {
                out[k] = out[j];
            }
        }
    }

    /// The `levels × K` table of [`Self::fill_level`] for every level, row
    /// `l` at `[l·K, (l+1)·K)`.
    pub(crate) fn table(&self) -> Vec<f64> {
        let distinct = level_table(&self.mu, &self.sigma, &self.log_z, self.levels);
        let (u, k) = (self.mu.len(), self.index.len());
        if u == k {
            return distinct;
        }
        let mut out = Vec::with_capacity(self.levels * k);
        for row in distinct.chunks_exact(u) {
            out.extend(self.index.iter().map(|&j| row[j]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parzen::normal::log_ndtr;

    /// `ln Φ(z)` through the Mills ratio against the `erfc`-based one, over
    /// the table, its knots and midpoints, and the asymptotic range.
    #[test]
    fn mills_ratio_gives_log_ndtr_to_full_precision() {
        let table = mills_table();
        let mut worst: f64 = 0.0;
        let mut z = 0.0;
        while z > -60.0 {
            for t in [z, (z * STEPS).round() / STEPS, z - 0.5 / STEPS] {
                let got = -0.5 * t * t - HALF_LN_2PI + mills_left(table, t).ln();
                let want = log_ndtr(t);
                worst = worst.max(((got - want) / want).abs());
            }
            z -= 0.003_17;
        }
        // A few ulps, of either side: `log_ndtr` is not exact either.
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        // M(0) = √(π/2); M(-z) → 1/z.
        assert!((mills_left(table, 0.0) - (std::f64::consts::PI / 2.0).sqrt()).abs() < 1e-16);
        assert!((mills_left(table, -1e6) * 1e6 - 1.0).abs() < 1e-12);
    }

    /// Kernel parameters spanning what the bandwidth rules produce (and
    /// beyond): centres on the bounds, at bin centres and in between, widths
    /// from 1e-3 to 1.
    fn kernels() -> (Vec<f64>, Vec<f64>) {
        let mut mu = Vec::new();
        let mut sigma = Vec::new();
        for &m in &[
            0.0,
            1e-9,
            0.0625,
            0.1,
            0.3,
            0.5,
            0.5 + 1e-12,
            0.77,
            0.9375,
            1.0,
        ] {
            for &s in &[1e-3, 5e-3, 0.01, 0.037, 0.1, 0.2, 0.5, 1.0] {
                mu.push(m);
                sigma.push(s);
            }
        }
        (mu, sigma)
    }

    fn log_z(mu: &[f64], sigma: &[f64]) -> Vec<f64> {
        mu.iter()
            .zip(sigma)
            .map(|(&m, &s)| log_gauss_mass(-m / s, (1.0 - m) / s))
            .collect()
    }

    /// The careful, one-bin-at-a-time path these functions replace.
    fn reference(
        mu: &[f64],
        sigma: &[f64],
        log_z: &[f64],
        level: usize,
        levels: usize,
    ) -> Vec<f64> {
        let lo = level as f64 / levels as f64;
        let hi = (level + 1) as f64 / levels as f64;
        (0..mu.len())
            .map(|k| log_gauss_mass((lo - mu[k]) / sigma[k], (hi - mu[k]) / sigma[k]) - log_z[k])
            .collect()
    }

    /// Error relative to the log-probability, or absolute where that is
    /// below 1 (a log-probability near 0 is a probability near 1, and its
    /// absolute error is the probability's relative error).
    fn error(got: f64, want: f64) -> f64 {
        (got - want).abs() / want.abs().max(1.0)
    }

    #[test]
    fn fast_levels_match_the_careful_path() {
        let (mu, sigma) = kernels();
        let lz = log_z(&mu, &sigma);
        let mut worst: f64 = 0.0;
        for levels in [1, 2, 3, 7, 8, 11, 16, 100, 2000, 100_000] {
            let table = (levels <= 2000).then(|| level_table(&mu, &sigma, &lz, levels));
            let mut row = vec![0.0; mu.len()];
            let step = (levels / 300).max(1);
            for level in (0..levels).step_by(step).chain([levels - 1]) {
                let want = reference(&mu, &sigma, &lz, level, levels);
                fill_level(&mu, &sigma, &lz, level, levels, &mut row);
                let rows = [
                    Some(&row[..]),
                    table.as_ref().map(|t| &t[level * mu.len()..][..mu.len()]),
                ];
                for got in rows.into_iter().flatten() {
                    for (k, (&g, &w)) in got.iter().zip(&want).enumerate() {
                        let e = error(g, w);
                        assert!(
                            e < 1e-12,
                            "levels {levels}, level {level}, mu {}, sigma {}: {g} vs {w}",
                            mu[k],
                            sigma[k]
                        );
                        worst = worst.max(e);
                    }
                }
            }
        }
        // Far tails reach log-probabilities of -5e5 and keep their digits;
        // the worst error seen is about 2e-13.
        assert!(worst < 1e-12, "worst {worst:e}");
    }

    /// Each kernel's level probabilities sum to 1 on the fast path.
    #[test]
    fn fast_level_table_columns_sum_to_one() {
        let (mu, sigma) = kernels();
        let lz = log_z(&mu, &sigma);
        for levels in [1, 5, 8, 11, 64] {
            let t = level_table(&mu, &sigma, &lz, levels);
            for k in 0..mu.len() {
                let total: f64 = (0..levels).map(|l| t[l * mu.len() + k].exp()).sum();
                assert!(
                    (total - 1.0).abs() < 1e-13,
                    "levels {levels}, kernel {k}: {total}"
                );
            }
        }
        assert!(level_table(&[], &[], &[], 4).is_empty());
    }

    /// Repeated kernels are computed once and copied out: the same numbers as
    /// the careful path for every component, through both entry points, also
    /// when a level has more distinct widths than are compared.
    #[test]
    fn distinct_kernels_give_every_component_its_masses() {
        let levels = 8;
        let mut mu = Vec::new();
        let mut sigma = Vec::new();
        for i in 0..500 {
            mu.push(((i * 7) % levels) as f64 / levels as f64 + 0.5 / levels as f64);
            sigma.push([0.01, 0.125, 0.01, 0.25][i % 4]);
        }
        // Level 3 with 20 distinct widths, interleaved with repeats.
        for i in 0..40 {
            mu.push(3.5 / levels as f64);
            sigma.push(0.02 + 0.01 * (i % 20) as f64);
        }
        mu.push(0.5);
        sigma.push(1.0);
        let lz = log_z(&mu, &sigma);
        let masses = LevelMasses::new(&mu, &sigma, &lz, levels);
        // 8 (level, width) pairs among the first 500; at level 3, repeats
        // more than `SCAN` distinct kernels back are not found; the prior.
        assert_eq!(masses.distinct(), 8 + 40 + 1);
        assert!(masses.index.iter().enumerate().all(|(k, &j)| j <= k));
        let table = masses.table();
        assert_eq!(table.len(), levels * mu.len());
        let mut row = vec![f64::NAN; mu.len()];
        for level in 0..levels {
            let want = reference(&mu, &sigma, &lz, level, levels);
            masses.fill_level(level, &mut row);
            let from_table = &table[level * mu.len()..][..mu.len()];
            for (k, &w) in want.iter().enumerate() {
                assert!(error(row[k], w) < 1e-12, "level {level} kernel {k}");
                assert_eq!(row[k], from_table[k], "level {level} kernel {k}");
            }
        }
        // No repeats: nothing to copy.
        let single = LevelMasses::new(&mu[..1], &sigma[..1], &lz[..1], levels);
        assert_eq!(single.distinct(), 1);
        assert_eq!(single.table().len(), levels);
    }
}
