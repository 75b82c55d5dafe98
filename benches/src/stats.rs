//! The statistics of the report: quantiles, ranks, and paired tests.
//!
//! Everything is exact and small: the sign test sums the binomial
//! distribution, the Wilcoxon signed-rank test counts its exact null
//! distribution (ties handled by working in half-ranks), so no
//! approximation changes a verdict on ten seeds.

use serde::{Deserialize, Serialize};

/// The p-value under which a paired difference counts as significant.
pub const SIGNIFICANCE: f64 = 0.05;

/// The `q`-quantile of `values` (`0 <= q <= 1`), interpolating linearly
/// between order statistics (Hyndman & Fan type 7, NumPy's default).
/// `NaN` for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The median of `values`.
pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// Median and quartiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The first quartile.
    pub q25: f64,
    /// The median.
    pub median: f64,
    /// The third quartile.
    pub q75: f64,
}

impl Spread {
    /// The spread of `values`.
    pub fn of(values: &[f64]) -> Self {
        Self {
            q25: quantile(values, 0.25),
            median: quantile(values, 0.5),
            q75: quantile(values, 0.75),
        }
    }

    /// The interquartile range.
    pub fn iqr(&self) -> f64 {
        self.q75 - self.q25
    }
}

/// Ranks of `values`, 1 for the smallest, tied values sharing the mean of
/// their ranks (`[3, 1, 3]` ranks as `[2.5, 1, 2.5]`).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Two-sided exact sign test: the probability, under a fair coin, of a
/// split of `wins + losses` at least as uneven as the one seen. Ties are
/// left out before calling. 1 when there is nothing to test.
pub fn sign_test(wins: usize, losses: usize) -> f64 {
    let n = wins + losses;
    if n == 0 {
        return 1.0;
    }
    let k = wins.min(losses);
    // P(X <= k) for X ~ Binomial(n, 1/2), term by term in log space.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

/// The result of a Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Non-zero differences used.
    pub n: usize,
    /// Sum of the ranks of the positive differences.
    pub w_plus: f64,
    /// Sum of the ranks of the negative differences.
    pub w_minus: f64,
    /// Two-sided exact p-value.
    pub p: f64,
}

/// Two-sided exact Wilcoxon signed-rank test of `diffs` against a median of
/// zero. Zero differences are dropped (Wilcoxon's method); tied absolute
/// differences share their mean rank, and the null distribution is counted
/// exactly over those ranks.
pub fn wilcoxon(diffs: &[f64]) -> Wilcoxon {
    let nonzero: Vec<f64> = diffs.iter().copied().filter(|d| *d != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return Wilcoxon {
            n,
            w_plus: 0.0,
            w_minus: 0.0,
            p: 1.0,
        };
    }
    let abs: Vec<f64> = nonzero.iter().map(|d| d.abs()).collect();
    let r = ranks(&abs);
    // Mean ranks are multiples of 1/2: count in half-ranks, which are integers.
    let half: Vec<usize> = r.iter().map(|x| (x * 2.0).round() as usize).collect();
    let total: usize = half.iter().sum();
    let w_plus_half: usize = nonzero
        .iter()
        .zip(&half)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, h)| h)
        .sum();
    // counts[s] = number of sign patterns whose positive half-rank sum is s.
    let mut counts = vec![0.0f64; total + 1];
    counts[0] = 1.0;
    let mut reach = 0;
    for &h in &half {
        reach += h;
        for s in (h..=reach).rev() {
            counts[s] += counts[s - h];
        }
    }
    let patterns = 2f64.powi(n as i32);
    let low = w_plus_half.min(total - w_plus_half);
    let tail: f64 = counts[..=low].iter().sum::<f64>() / patterns;
    Wilcoxon {
        n,
        w_plus: w_plus_half as f64 / 2.0,
        w_minus: (total - w_plus_half) as f64 / 2.0,
        p: (2.0 * tail).min(1.0),
    }
}

/// How a searcher fared against a baseline, paired by seed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// Seeds where it ended with a smaller regret.
    pub wins: usize,
    /// Seeds where both ended equal.
    pub ties: usize,
    /// Seeds where it ended with a larger regret.
    pub losses: usize,
    /// Two-sided sign test p-value.
    pub sign_p: f64,
    /// Two-sided Wilcoxon signed-rank p-value (`None` for pooled counts,
    /// where it is not defined).
    pub wilcoxon_p: Option<f64>,
}

impl Paired {
    /// Compares `mine[i]` with `baseline[i]` (smaller is better). Values
    /// within `1e-12` (relative) of each other count as ties.
    pub fn of(mine: &[f64], baseline: &[f64]) -> Self {
        let diffs: Vec<f64> = mine
            .iter()
            .zip(baseline)
            .map(|(a, b)| {
                let d = a - b;
                if d.abs() <= 1e-12 * (1.0 + a.abs().max(b.abs())) {
                    0.0
                } else {
                    d
                }
            })
            .collect();
        let wins = diffs.iter().filter(|d| **d < 0.0).count();
        let losses = diffs.iter().filter(|d| **d > 0.0).count();
        Self {
            wins,
            ties: diffs.len() - wins - losses,
            losses,
            sign_p: sign_test(wins, losses),
            wilcoxon_p: Some(wilcoxon(&diffs).p),
        }
    }

    /// Adds up several comparisons' counts; the sign test is recomputed on
    /// the pooled counts.
    pub fn pooled(items: &[Paired]) -> Self {
        let wins = items.iter().map(|p| p.wins).sum();
        let ties = items.iter().map(|p| p.ties).sum();
        let losses = items.iter().map(|p| p.losses).sum();
        Self {
            wins,
            ties,
            losses,
            sign_p: sign_test(wins, losses),
            wilcoxon_p: None,
        }
    }
}
