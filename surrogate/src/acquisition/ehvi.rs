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
    /// Intervals over all objectives (the flat tables' length).
    intervals: usize,
    /// Whether boxes outnumber the used intervals (three objectives and
    /// more): then a box's term is a product of per-interval factors,
    /// each one exponential computed once per interval, not once per box.
    product_form: bool,
}

/// Reused tables of one evaluation, flat over the objectives' intervals
/// (each objective's at its `Ehvi::offsets`): `ln ψ` and its derivatives,
/// `ψ` scaled by its objective's largest, and one number per box (its log,
/// or its weight in the total).
#[derive(Debug, Default)]
struct Scratch {
    log: Vec<f64>,
    d_mean: Vec<f64>,
    d_sd: Vec<f64>,
    scaled: Vec<f64>,
    boxes: Vec<f64>,
}

/// A sum of box products at least this large is safe from underflow: a box
/// whose product is subnormal is then under 1e-58 of the total.
const MIN_PRODUCT_SUM: f64 = 1e-250;

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
        let intervals = 2 * edges.iter().map(Vec::len).sum::<usize>();
        let used_count = used.iter().flatten().filter(|u| **u).count();
        let product_form = boxes.len() / m > used_count;
        Self {
            m,
            edges,
            boxes,
            used,
            offsets,
            intervals,
            product_form,
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
        self.fill(mean, sd, scratch, false);
        self.log_sum_boxes(scratch, false)
    }

    /// `ln EHVI` and its derivatives in each `mean_j` and `sd_j`.
    pub fn log_value_with_gradient(&self, mean: &[f64], sd: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let mut s = Scratch::default();
        self.fill(mean, sd, &mut s, true);
        let total = self.log_sum_boxes(&mut s, true);
        let (mut d_mean, mut d_sd) = (vec![0.0; self.m], vec![0.0; self.m]);
        if !total.is_finite() {
            return (total, d_mean, d_sd);
        }
        for (b, w) in self.boxes.chunks(self.m).zip(&s.boxes) {
            if *w == 0.0 {
                continue;
            }
            for (j, (code, start)) in b.iter().zip(&self.offsets).enumerate() {
                let c = start + *code as usize;
                d_mean[j] += w * s.d_mean[c];
                d_sd[j] += w * s.d_sd[c];
            }
        }
        (total, d_mean, d_sd)
    }

    /// `ln ψ` of every used interval (and with `derivatives` its
    /// derivatives in `μ` and `σ`) into `s`'s flat tables; unused entries
    /// are `−∞` (derivatives 0).
    fn fill(&self, mean: &[f64], sd: &[f64], s: &mut Scratch, derivatives: bool) {
        s.log.clear();
        s.log.resize(self.intervals, f64::NEG_INFINITY);
        if derivatives {
            s.d_mean.clear();
            s.d_mean.resize(self.intervals, 0.0);
            s.d_sd.clear();
            s.d_sd.resize(self.intervals, 0.0);
        }
        for j in 0..self.m {
            self.fill_objective(j, mean[j], sd[j], s, derivatives);
        }
    }

    /// Objective `j`'s part of [`Ehvi::fill`].
    fn fill_objective(&self, j: usize, mean: f64, sd: f64, s: &mut Scratch, derivatives: bool) {
        let used = &self.used[j];
        let start = self.offsets[j];
        let ln_sd = sd.ln();
        // ln g and its derivatives at the last edge computed: the lower end
        // of the next step, which `edge_needed` guarantees was computed.
        let mut below = (f64::NEG_INFINITY, 0.0, 0.0);
        for (k, a) in self.edges[j].iter().enumerate() {
            if !self.edge_needed(j, k) {
                continue;
            }
            let z = (a - mean) / sd;
            let (lu, du_m, du_s) = if derivatives {
                let (lh, dlh) = log_h_with_derivative(z);
                (ln_sd + lh, -dlh / sd, (1.0 - z * dlh) / sd)
            } else {
                (ln_sd + log_h(z), 0.0, 0.0)
            };
            let half = start + 2 * k;
            s.log[half] = lu;
            if derivatives {
                s.d_mean[half] = du_m;
                s.d_sd[half] = du_s;
            }
            if used[2 * k + 1] {
                // ln(g(u) − g(l)) = ln g(u) + ln(1 − e^x), x = ln g(l) − ln g(u) < 0.
                let (ll, dl_m, dl_s) = below;
                let x = ll - lu;
                let step = half + 1;
                s.log[step] = lu + log1mexp(x);
                if derivatives && s.log[step].is_finite() {
                    // d ln(1 − e^x) = −e^x/(1 − e^x) dx = −dx / expm1(−x).
                    let q = 1.0 / (-x).exp_m1();
                    s.d_mean[step] = du_m - q * (dl_m - du_m);
                    s.d_sd[step] = du_s - q * (dl_s - du_s);
                }
            }
            below = (lu, du_m, du_s);
        }
    }

    /// Box `b`'s entries (one per objective) of a flat interval table.
    fn entries<'t>(&'t self, b: &'t [u32], table: &'t [f64]) -> impl Iterator<Item = f64> + 't {
        b.iter()
            .zip(&self.offsets)
            .map(|(c, start)| table[start + *c as usize])
    }

    /// `ln Σ_boxes e^{l_b}`, `l_b = Σ_j ln ψ_j` over the box's intervals,
    /// from `s.log`; with `weights`, each box's share `e^{l_b − total}` is
    /// left in `s.boxes`. In product form each objective's `ψ` is scaled by
    /// its largest (`e^{ln ψ − M_j}`, one exponential per interval) and a
    /// box is a product of lookups; if that sum underflows (the largest
    /// factors sit in boxes far apart), the boxes' logs are summed in log
    /// space instead, one exponential per box.
    fn log_sum_boxes(&self, s: &mut Scratch, weights: bool) -> f64 {
        if self.product_form {
            s.scaled.clear();
            s.scaled.resize(self.intervals, 0.0);
            let mut shift = 0.0;
            for (j, start) in self.offsets.iter().enumerate() {
                let range = *start..start + 2 * self.edges[j].len();
                let top = s.log[range.clone()]
                    .iter()
                    .fold(f64::NEG_INFINITY, |a, v| a.max(*v));
                if !top.is_finite() {
                    // Every box has a factor of this objective: all are 0.
                    return f64::NEG_INFINITY;
                }
                shift += top;
                for (i, used) in range.zip(&self.used[j]) {
                    if *used {
                        s.scaled[i] = (s.log[i] - top).exp();
                    }
                }
            }
            s.boxes.clear();
            let mut sum = 0.0;
            for b in self.boxes.chunks(self.m) {
                let p: f64 = self.entries(b, &s.scaled).product();
                sum += p;
                if weights {
                    s.boxes.push(p);
                }
            }
            if sum > MIN_PRODUCT_SUM {
                s.boxes.iter_mut().for_each(|w| *w /= sum);
                return shift + sum.ln();
            }
        }
        s.boxes.clear();
        let mut max = f64::NEG_INFINITY;
        for b in self.boxes.chunks(self.m) {
            let l: f64 = self.entries(b, &s.log).sum();
            max = max.max(l);
            s.boxes.push(l);
        }
        if !max.is_finite() {
            return max;
        }
        let total = max + s.boxes.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        if weights {
            s.boxes.iter_mut().for_each(|l| *l = (*l - total).exp());
        }
        total
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
