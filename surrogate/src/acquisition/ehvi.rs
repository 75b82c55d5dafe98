//! Expected hypervolume improvement (EHVI) of independent Gaussian
//! outcomes over a Pareto front, exactly and in log space.
//!
//! **The region.** With every objective minimized, a front `P` and a
//! reference point `r`, the hypervolume improvement of a point `y` is the
//! volume of `{z : y ≤ z ≤ r, no p ∈ P has p ≤ z}`. That region (what `P`
//! does not dominate, below `r`) is cut into axis-aligned boxes `[l, u]`
//! (`l` may be `−∞`): a grid over the first `m − 1` objectives, its lines at
//! the front's coordinates, gives columns; in the column above the grid
//! cell `(l, u]`, the front points that dominate the whole cell are those
//! with `p_j ≤ l_j` for `j < m`, and the column is free below
//! `t = min(r_m, min p_m)` over them. For two objectives the columns are the
//! staircase's steps; for `m` objectives there are at most `(n + 1)^(m−1)`.
//! Then `HVI(y) = Σ_boxes Π_j (u_j − max(y_j, l_j))⁺`.
//!
//! **The expectation.** For independent `Y_j ~ N(μ_j, σ_j²)` each box's
//! product factorizes, so `EHVI = Σ_boxes Π_j ψ_j(l_j, u_j)` with
//! `ψ(l, u) = E[(u − max(Y, l))⁺] = g(u) − g(l)` and
//! `g(a) = E[(a − Y)⁺] = σ h((a − μ)/σ)`, `h(z) = z Φ(z) + φ(z)` (the
//! one-dimensional expected improvement; `g(−∞) = 0`). This is exact for any
//! number of objectives, so no Monte Carlo estimate is needed while the box
//! count stays small: past [`Ehvi::MAX_BOXES`] the front is first reduced
//! to its greedy hypervolume subset (`hypervolume_subset`).
//!
//! **Log space.** `ln g(a) = ln σ + ln h(z)` is stable far into the tail
//! (see `functions.rs`), `ln ψ = ln g(u) + ln(1 − e^{ln g(l) − ln g(u)})`,
//! and `ln EHVI` is a log-sum-exp over the boxes: finite wherever the
//! outcome is far behind the front, as log EI is.
//!
//! Every box interval is either a grid step `(e_{k−1}, e_k]` or a half-line
//! `(−∞, e_k]` over one objective's sorted edges `e`, so `ln ψ` and its
//! derivatives are computed once per edge, not once per box.

use super::functions::{log_h, log_h_with_derivative};
use crate::pareto::{hypervolume_subset, pareto_front_indices};
use crate::SurrogateError;
use ndarray::ArrayView1;

/// The exact expected hypervolume improvement over a fixed front and
/// reference point, for independent normal outcomes.
#[derive(Debug, Clone)]
pub struct Ehvi {
    /// Objectives.
    m: usize,
    /// Per objective, the sorted box bounds (finite, the last the reference).
    edges: Vec<Vec<f64>>,
    /// Per box and objective (`m` entries a box), the interval as an index
    /// into that objective's intervals: `2k` is `(−∞, e_k]`, `2k + 1` is
    /// `(e_{k−1}, e_k]`.
    boxes: Vec<u32>,
    /// Per objective and interval code, whether a box uses it: only those
    /// are computed (with two objectives the second objective's intervals
    /// are all half-lines, so half of the `ln ψ` need never be formed).
    used: Vec<Vec<bool>>,
    /// Where each objective's intervals start in a flat table.
    offsets: Vec<usize>,
}

/// Reused tables of [`Ehvi::log_value_in`]: `ln ψ` of every objective's
/// intervals (flat, at `Ehvi::offsets`) and each box's log.
#[derive(Debug, Default)]
struct Scratch {
    log: Vec<f64>,
    boxes: Vec<f64>,
}

/// `ln ψ` of one objective's intervals and its derivatives in `μ` and `σ`.
#[derive(Debug, Clone, Default)]
struct Intervals {
    log: Vec<f64>,
    d_mean: Vec<f64>,
    d_sd: Vec<f64>,
}

impl Ehvi {
    /// At most this many boxes: a larger front is reduced to its greedy
    /// hypervolume subset first (2 objectives: 4,095 points; 3: 63; 4: 15).
    pub const MAX_BOXES: usize = 4096;

    /// The improvement region over `front` (every objective minimized) below
    /// `reference`. Dominated points, and points not strictly below the
    /// reference in every objective, are dropped. Errors: rows of different
    /// lengths or with NaN, a reference of another length or not finite.
    pub fn new<P: AsRef<[f64]>>(front: &[P], reference: &[f64]) -> Result<Self, SurrogateError> {
        let m = reference.len();
        if m == 0 {
            return Err(SurrogateError::NoObjectives);
        }
        if let Some((objective, value)) = reference.iter().enumerate().find(|(_, r)| !r.is_finite())
        {
            return Err(SurrogateError::NonFiniteReference {
                objective,
                value: *value,
            });
        }
        for (point, p) in front.iter().enumerate() {
            if let Some(objective) = p.as_ref().iter().position(|v| v.is_nan()) {
                return Err(SurrogateError::NanObjective { point, objective });
            }
        }
        let inside: Vec<&[f64]> = front
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| p.len() != m || p.iter().zip(reference).all(|(v, r)| v < r))
            .collect();
        let mut points: Vec<Vec<f64>> = pareto_front_indices(&inside)?
            .into_iter()
            .map(|i| inside[i].to_vec())
            .collect();
        if points.iter().any(|p| p.len() != m) {
            return Err(SurrogateError::ReferenceDimensionMismatch {
                reference: m,
                objectives: points.iter().map(Vec::len).find(|l| *l != m).unwrap_or(m),
            });
        }
        for (point, p) in points.iter().enumerate() {
            if let Some(objective) = p.iter().position(|v| *v == f64::NEG_INFINITY) {
                return Err(SurrogateError::UnboundedHypervolume { point, objective });
            }
        }
        let cap = if m == 1 {
            usize::MAX
        } else {
            let k = (Self::MAX_BOXES as f64).powf(1.0 / (m - 1) as f64).floor() as usize;
            k.saturating_sub(1).max(1)
        };
        if points.len() > cap {
            let keep = hypervolume_subset(&points, cap, reference)?;
            points = keep.into_iter().map(|i| points[i].clone()).collect();
        }
        Ok(Self::decompose(&points, reference))
    }

    /// The column decomposition of the module notes.
    fn decompose(points: &[Vec<f64>], reference: &[f64]) -> Self {
        let m = reference.len();
        let edges: Vec<Vec<f64>> = (0..m)
            .map(|j| {
                let mut e: Vec<f64> = points.iter().map(|p| p[j]).collect();
                e.push(reference[j]);
                e.sort_by(f64::total_cmp);
                e.dedup();
                e
            })
            .collect();
        let grid = m - 1;
        let sizes: Vec<usize> = edges[..grid].iter().map(Vec::len).collect();
        let mut index = vec![0usize; grid];
        let mut boxes = Vec::new();
        let last = &edges[grid];
        loop {
            // Front points dominating the cell: p_j ≤ lower edge in each grid objective.
            let t = points
                .iter()
                .filter(|p| (0..grid).all(|j| index[j] > 0 && p[j] <= edges[j][index[j] - 1]))
                .map(|p| p[grid])
                .fold(reference[grid], f64::min);
            let t_index = last.partition_point(|e| *e < t);
            for (j, k) in index.iter().enumerate() {
                boxes.push(if *k == 0 { 0 } else { 2 * *k as u32 + 1 });
                debug_assert!(*k < sizes[j]);
            }
            boxes.push(2 * t_index as u32);
            // Next cell (odometer over the grid objectives).
            let mut j = 0;
            while j < grid {
                index[j] += 1;
                if index[j] < sizes[j] {
                    break;
                }
                index[j] = 0;
                j += 1;
            }
            if j == grid {
                break;
            }
        }
        let mut used: Vec<Vec<bool>> = edges.iter().map(|e| vec![false; 2 * e.len()]).collect();
        for b in boxes.chunks(m) {
            for (j, code) in b.iter().enumerate() {
                used[j][*code as usize] = true;
            }
        }
        let offsets = edges
            .iter()
            .scan(0, |start, e| {
                let here = *start;
                *start += 2 * e.len();
                Some(here)
            })
            .collect();
        Self {
            m,
            edges,
            boxes,
            used,
            offsets,
        }
    }

    /// Whether objective `j`'s edge `k` enters a used interval (its own
    /// half-line or step, or the step above it).
    fn edge_needed(&self, j: usize, k: usize) -> bool {
        let used = &self.used[j];
        used[2 * k] || used[2 * k + 1] || used.get(2 * k + 3).copied().unwrap_or(false)
    }

    /// Objectives.
    pub fn objectives(&self) -> usize {
        self.m
    }

    /// Boxes of the improvement region.
    pub fn boxes(&self) -> usize {
        self.boxes.len() / self.m
    }

    /// The hypervolume improvement of the point `y` (deterministic; what
    /// the expectation averages).
    pub fn improvement(&self, y: &[f64]) -> f64 {
        self.boxes
            .chunks(self.m)
            .map(|b| {
                b.iter()
                    .enumerate()
                    .map(|(j, code)| {
                        let (lo, hi) = self.interval(j, *code);
                        (hi - y[j].max(lo)).max(0.0)
                    })
                    .product::<f64>()
            })
            .sum()
    }

    /// The bounds of objective `j`'s interval `code`.
    fn interval(&self, j: usize, code: u32) -> (f64, f64) {
        let k = (code / 2) as usize;
        let lo = if code % 2 == 1 {
            self.edges[j][k - 1]
        } else {
            f64::NEG_INFINITY
        };
        (lo, self.edges[j][k])
    }

    /// `ln EHVI` for independent outcomes `N(mean_j, sd_j²)` (`sd_j > 0`).
    pub fn log_value(&self, mean: &[f64], sd: &[f64]) -> f64 {
        self.log_value_in(mean, sd, &mut Scratch::default())
    }

    /// `ln EHVI` of many outcomes: point `i`'s objective `j` is
    /// `N(mean[j][i], sd[j][i]²)`. The sweep's path: no derivatives, and
    /// the tables are reused from point to point.
    pub fn log_values(&self, mean: &[ArrayView1<'_, f64>], sd: &[ArrayView1<'_, f64>]) -> Vec<f64> {
        let n = mean.first().map_or(0, |c| c.len());
        let mut scratch = Scratch::default();
        let (mut mu, mut s) = (vec![0.0; self.m], vec![0.0; self.m]);
        (0..n)
            .map(|i| {
                for j in 0..self.m {
                    mu[j] = mean[j][i];
                    s[j] = sd[j][i];
                }
                self.log_value_in(&mu, &s, &mut scratch)
            })
            .collect()
    }

    /// `ln EHVI` with the tables in `scratch`.
    fn log_value_in(&self, mean: &[f64], sd: &[f64], scratch: &mut Scratch) -> f64 {
        let total = self.offsets.last().copied().unwrap_or(0) + 2 * self.edges[self.m - 1].len();
        scratch.log.clear();
        scratch.log.resize(total, f64::NEG_INFINITY);
        for j in 0..self.m {
            let start = self.offsets[j];
            let out = &mut scratch.log[start..start + 2 * self.edges[j].len()];
            self.log_intervals(j, mean[j], sd[j], out);
        }
        scratch.boxes.clear();
        let mut max = f64::NEG_INFINITY;
        for b in self.boxes.chunks(self.m) {
            let l: f64 = b
                .iter()
                .zip(&self.offsets)
                .map(|(c, start)| scratch.log[start + *c as usize])
                .sum();
            max = max.max(l);
            scratch.boxes.push(l);
        }
        if !max.is_finite() {
            return max;
        }
        max + scratch
            .boxes
            .iter()
            .map(|l| (l - max).exp())
            .sum::<f64>()
            .ln()
    }

    /// `ln ψ` of objective `j`'s used intervals under `N(mean, sd²)` into
    /// `out` (indexed by interval code; the unused are left alone).
    fn log_intervals(&self, j: usize, mean: f64, sd: f64, out: &mut [f64]) {
        let used = &self.used[j];
        let ln_sd = sd.ln();
        // ln g at the last edge computed: the lower end of the next step,
        // which `edge_needed` guarantees was computed.
        let mut below = f64::NEG_INFINITY;
        for (k, a) in self.edges[j].iter().enumerate() {
            if !self.edge_needed(j, k) {
                continue;
            }
            let lu = ln_sd + log_h((a - mean) / sd);
            out[2 * k] = lu;
            if used[2 * k + 1] {
                out[2 * k + 1] = lu + log1mexp(below - lu);
            }
            below = lu;
        }
    }

    /// `ln EHVI` and its derivatives in each `mean_j` and `sd_j`.
    pub fn log_value_with_gradient(&self, mean: &[f64], sd: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let tables: Vec<Intervals> = (0..self.m)
            .map(|j| self.intervals(j, mean[j], sd[j]))
            .collect();
        let logs = self.box_logs(&tables);
        let total = log_sum_exp(logs.iter().copied());
        let (mut d_mean, mut d_sd) = (vec![0.0; self.m], vec![0.0; self.m]);
        if !total.is_finite() {
            return (total, d_mean, d_sd);
        }
        for (b, l) in self.boxes.chunks(self.m).zip(&logs) {
            let w = (l - total).exp();
            if w == 0.0 {
                continue;
            }
            for (j, code) in b.iter().enumerate() {
                let c = *code as usize;
                d_mean[j] += w * tables[j].d_mean[c];
                d_sd[j] += w * tables[j].d_sd[c];
            }
        }
        (total, d_mean, d_sd)
    }

    /// Each box's `Σ_j ln ψ_j`.
    fn box_logs(&self, tables: &[Intervals]) -> Vec<f64> {
        self.boxes
            .chunks(self.m)
            .map(|b| {
                b.iter()
                    .enumerate()
                    .map(|(j, c)| tables[j].log[*c as usize])
                    .sum()
            })
            .collect()
    }

    /// `ln ψ` of every interval of objective `j` under `N(mean, sd²)`.
    fn intervals(&self, j: usize, mean: f64, sd: f64) -> Intervals {
        let edges = &self.edges[j];
        let n = 2 * edges.len();
        let mut t = Intervals {
            log: vec![f64::NEG_INFINITY; n],
            d_mean: vec![0.0; n],
            d_sd: vec![0.0; n],
        };
        // ln g(a) and its derivatives at each edge a used interval needs.
        let ln_sd = sd.ln();
        let g: Vec<(f64, f64, f64)> = edges
            .iter()
            .enumerate()
            .map(|(k, a)| {
                if !self.edge_needed(j, k) {
                    return (f64::NEG_INFINITY, 0.0, 0.0);
                }
                let z = (a - mean) / sd;
                let (lh, dlh) = log_h_with_derivative(z);
                (ln_sd + lh, -dlh / sd, (1.0 - z * dlh) / sd)
            })
            .collect();
        let used = &self.used[j];
        for (k, (lu, du_m, du_s)) in g.iter().enumerate() {
            t.log[2 * k] = *lu;
            t.d_mean[2 * k] = *du_m;
            t.d_sd[2 * k] = *du_s;
            if k == 0 || !used[2 * k + 1] {
                continue;
            }
            // ln(g(u) − g(l)) = ln g(u) + ln(1 − e^x), x = ln g(l) − ln g(u) < 0.
            let (ll, dl_m, dl_s) = g[k - 1];
            let x = ll - lu;
            let l1m = log1mexp(x);
            let i = 2 * k + 1;
            t.log[i] = lu + l1m;
            if t.log[i].is_finite() {
                // d ln(1 − e^x) = −e^x/(1 − e^x) dx = −dx / expm1(−x).
                let q = 1.0 / (-x).exp_m1();
                t.d_mean[i] = du_m - q * (dl_m - du_m);
                t.d_sd[i] = du_s - q * (dl_s - du_s);
            }
        }
        t
    }
}

/// `ln(1 − e^x)` for `x ≤ 0`, accurate near 0 and far below it
/// (Mächler, "Accurately computing log(1 − exp(−|a|))", 2012).
fn log1mexp(x: f64) -> f64 {
    if x >= 0.0 {
        f64::NEG_INFINITY
    } else if x > -std::f64::consts::LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// `ln Σ e^{v}` (−∞ for no terms or all −∞).
fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// A reference point for the hypervolume of `front` (minimized): its nadir
/// (worst value of each objective) plus 10 % of its range in that
/// objective, so the front's extreme points still add volume. Where the
/// front has no range (one point), 10 % of `spread[j]` (e.g. the range of
/// all observations) is added instead, or 1 if that is zero too. `None`
/// for an empty front.
pub fn reference_point<P: AsRef<[f64]>>(front: &[P], spread: &[f64]) -> Option<Vec<f64>> {
    let first = front.first()?.as_ref();
    let m = first.len();
    let (mut lo, mut hi) = (first.to_vec(), first.to_vec());
    for p in front {
        for (j, v) in p.as_ref().iter().enumerate().take(m) {
            lo[j] = lo[j].min(*v);
            hi[j] = hi[j].max(*v);
        }
    }
    Some(
        (0..m)
            .map(|j| {
                let range = hi[j] - lo[j];
                let width = [range, spread.get(j).copied().unwrap_or(0.0), 1.0]
                    .into_iter()
                    .find(|w| w.is_finite() && *w > 0.0)
                    .unwrap_or(1.0);
                hi[j] + 0.1 * width
            })
            .collect(),
    )
}

#[cfg(test)]
#[path = "ehvi_tests.rs"]
mod tests;
