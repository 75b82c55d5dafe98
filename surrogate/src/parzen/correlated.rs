//! A Parzen estimator whose kernels share one full covariance: the
//! observations' own (weighted) covariance scaled by Scott's factor, as
//! multivariate kernel density estimation sets its bandwidth matrix
//! (Scott 1992; scipy's `gaussian_kde` does the same).
//!
//! Why next to the product kernels of [`super::ParzenEstimator`]: those are
//! axis-aligned, each kernel as wide as the gaps between observations along
//! each axis. When the good observations of a group lie along a diagonal (a
//! valley such as `C · gamma = const` of an SVM), an axis-aligned kernel
//! covers the whole width of the diagonal's span in every axis, and a
//! candidate drawn from it lands in a narrow valley no more often than a
//! uniform one. A kernel with the observations' covariance is long along
//! the valley and narrow across it, and drawn given the coordinates
//! decided already (the conditional of each Gaussian, below) it puts the
//! remaining ones where the good observations say they go with them.
//!
//! Each kernel is truncated to the unit cube, as the axis-aligned kernels
//! are: a draw outside it is redrawn (then clamped), and the density
//! divides each kernel by its mass inside the cube, so that the two kinds
//! mix on an equal footing (untruncated, a kernel near a face would count
//! for less than its weight, and the whole mixture for less than the
//! axis-aligned one it is mixed with). A kernel's mass is estimated once
//! per fit from a fixed set of quasi-random normal points.

use super::vecmath::log_sum_exp;
use crate::gp::linalg::Cholesky;
use crate::sobol::{SobolSequence, MAX_DIMENSIONS};
use crate::SurrogateError;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::{Rng, RngCore};
use rand_distr::{Distribution, StandardNormal};

/// Times a draw outside the unit cube is redrawn before it is clamped.
const REDRAWS: usize = 16;

/// Quasi-random normal points that estimate each kernel's mass inside the
/// unit cube: its error is about a percent, far below the ratios TPE
/// compares, and the fit stays cheap (points × kernels × d²).
const MASS_POINTS: usize = 256;

/// Below this effective number of observations one observation carries
/// nearly all the weight: the weighted covariance says nothing (and its
/// unbiasing factor `1 / (1 - Σ w²)` grows without bound), so no fit.
const MIN_EFFECTIVE: f64 = 1.5;

/// Least variance added to the covariance's diagonal, whatever the floor:
/// duplicate or collinear observations leave the covariance singular.
const MIN_VARIANCE: f64 = 1e-10;

/// A Gaussian mixture with one kernel per observation and one covariance
/// shared by all of them.
#[derive(Debug, Clone)]
pub struct CorrelatedKde {
    /// One row per kernel.
    centres: Array2<f64>,
    /// Normalised log weights, one per kernel: the chance a draw uses it.
    log_w: Vec<f64>,
    /// The log weights less each kernel's log mass inside the unit cube:
    /// the truncated kernels' share of the density.
    log_w_truncated: Vec<f64>,
    /// The shared covariance.
    cov: Array2<f64>,
    /// Its Cholesky factor.
    chol: Cholesky,
    /// `-(d ln 2π + ln det cov) / 2`.
    log_norm: f64,
}

impl CorrelatedKde {
    /// Fits the mixture to `observations` (n × d, unit coordinates) with
    /// non-negative `weights`: kernels at the observations of positive
    /// weight, their covariance the weighted covariance of the observations
    /// times Scott's factor squared (`n_eff^(-2 / (d + 4))`, `n_eff` the
    /// weights' effective number), plus `floor²` on the diagonal so it stays
    /// positive definite (at least [`MIN_VARIANCE`]: duplicate or collinear
    /// observations give a singular covariance). `None` with fewer than two
    /// kernels, or an effective number below [`MIN_EFFECTIVE`]: one
    /// observation has no covariance to tell. A floor that is not finite or
    /// negative is an error.
    pub fn fit(
        observations: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
        floor: f64,
    ) -> Result<Option<Self>, SurrogateError> {
        let (n, d) = observations.dim();
        if weights.len() != n {
            return Err(SurrogateError::WeightCountMismatch {
                weights: weights.len(),
                observations: n,
            });
        }
        if d == 0 {
            return Err(SurrogateError::NoDimensions);
        }
        if !floor.is_finite() || floor < 0.0 {
            return Err(SurrogateError::InvalidSetting {
                name: "floor",
                reason: format!("the kernels' least width must be finite and >= 0, got {floor}"),
            });
        }
        if let Some((index, &value)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return Err(SurrogateError::InvalidWeight { index, value });
        }
        let kept: Vec<usize> = (0..n).filter(|&i| weights[i] > 0.0).collect();
        if kept.len() < 2 {
            return Ok(None);
        }
        let total: f64 = kept.iter().map(|&i| weights[i]).sum();
        let squares: f64 = kept.iter().map(|&i| (weights[i] / total).powi(2)).sum();
        let n_eff = 1.0 / squares;
        if n_eff < MIN_EFFECTIVE {
            return Ok(None);
        }
        let mut mean = Array1::<f64>::zeros(d);
        for &i in &kept {
            mean.scaled_add(weights[i] / total, &observations.row(i));
        }
        // Weighted covariance, unbiased for the weights' effective number
        // (numpy's `cov` with `aweights`).
        let mut cov = Array2::<f64>::zeros((d, d));
        for &i in &kept {
            let dev = &observations.row(i) - &mean;
            let w = weights[i] / total;
            for a in 0..d {
                for b in 0..=a {
                    cov[[a, b]] += w * dev[a] * dev[b];
                }
            }
        }
        // Scott's factor squared, with numpy's unbiasing `1 / (1 - Σ w²)`,
        // at most 3 given `MIN_EFFECTIVE`.
        let scott = n_eff.powf(-2.0 / (d as f64 + 4.0)) / (1.0 - squares);
        let nugget = (floor * floor).max(MIN_VARIANCE);
        for a in 0..d {
            for b in 0..=a {
                let v = cov[[a, b]] * scott + if a == b { nugget } else { 0.0 };
                cov[[a, b]] = v;
                cov[[b, a]] = v;
            }
        }
        if cov.iter().any(|v| !v.is_finite()) {
            return Ok(None);
        }
        let chol = Cholesky::factor(&cov)?;
        let log_norm = -0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + chol.log_det());
        let centres = observations.select(ndarray::Axis(0), &kept);
        let log_w: Vec<f64> = kept.iter().map(|&i| (weights[i] / total).ln()).collect();
        let log_w_truncated = log_w
            .iter()
            .zip(masses_in_cube(centres.view(), &chol)?)
            .map(|(lw, mass)| lw - mass.ln())
            .collect();
        Ok(Some(Self {
            centres,
            log_w,
            log_w_truncated,
            cov,
            chol,
            log_norm,
        }))
    }

    /// Number of dimensions.
    pub fn dimensions(&self) -> usize {
        self.centres.ncols()
    }

    /// Log-density of each row of `points` (m × d): the mixture of the
    /// kernels truncated to the unit cube (a point outside it gets what the
    /// kernels would give it there, which no draw reaches).
    pub fn log_pdf(&self, points: ArrayView2<'_, f64>) -> Array1<f64> {
        let kernels = self.centres.nrows();
        let mut out = Array1::zeros(points.nrows());
        // Column k: the point less centre k, then L⁻¹ of it.
        let mut dev = Array2::<f64>::zeros((self.dimensions(), kernels));
        let mut terms = vec![0.0; kernels];
        for (point, o) in points.rows().into_iter().zip(out.iter_mut()) {
            for (mut column, centre) in dev.columns_mut().into_iter().zip(self.centres.rows()) {
                column.assign(&(&point - &centre));
            }
            self.chol.solve_lower_in_place(dev.view_mut());
            for ((t, z), lw) in terms
                .iter_mut()
                .zip(dev.columns())
                .zip(&self.log_w_truncated)
            {
                *t = lw + self.log_norm - 0.5 * z.dot(&z);
            }
            *o = log_sum_exp(&terms);
        }
        out
    }

    /// Draws `n` points (n × d) from the mixture given the coordinates in
    /// `fixed` (column, value), which every point keeps: each kernel is
    /// picked by its weight times its density at the fixed coordinates,
    /// and the other coordinates are drawn from its Gaussian conditioned on
    /// them. Free coordinates outside `[0, 1]` are redrawn, then clamped.
    pub fn sample_given(
        &self,
        fixed: &[(usize, f64)],
        rng: &mut dyn RngCore,
        n: usize,
    ) -> Result<Array2<f64>, SurrogateError> {
        let d = self.dimensions();
        let is_fixed = |c: usize| fixed.iter().any(|&(f, _)| f == c);
        let free: Vec<usize> = (0..d).filter(|&c| !is_fixed(c)).collect();
        let fixed_cols: Vec<usize> = fixed.iter().map(|&(c, _)| c).collect();
        let fixed_vals: Vec<f64> = fixed.iter().map(|&(_, v)| v).collect();
        let mut out = Array2::zeros((n, d));
        for &(c, v) in fixed {
            out.column_mut(c).fill(v);
        }
        if free.is_empty() {
            return Ok(out);
        }
        let block = |rows: &[usize], cols: &[usize]| {
            Array2::from_shape_fn((rows.len(), cols.len()), |(i, j)| {
                self.cov[[rows[i], cols[j]]]
            })
        };
        // Conditional of every kernel: mean μ_R + A (x_F - μ_F), with
        // A = H_RF H_FF⁻¹, covariance H_RR - A H_FR; kernel k picked with
        // probability ∝ w_k N(x_F; μ_kF, H_FF).
        let (gain, cond_cov, log_r) = if fixed_cols.is_empty() {
            (
                Array2::zeros((free.len(), 0)),
                self.cov.clone(),
                self.log_w.clone(),
            )
        } else {
            let h_ff = Cholesky::factor(&block(&fixed_cols, &fixed_cols))?;
            let h_rf = block(&free, &fixed_cols);
            // A = H_RF H_FF⁻¹, row by row (H_FF is symmetric).
            let mut gain = Array2::zeros(h_rf.dim());
            for (mut g, row) in gain.rows_mut().into_iter().zip(h_rf.rows()) {
                g.assign(&h_ff.solve(row));
            }
            // The least variance again: with a near-singular covariance the
            // subtraction cancels to rounding noise, possibly below zero.
            let mut cond = block(&free, &free) - gain.dot(&h_rf.t());
            cond.diag_mut().mapv_inplace(|v| v + MIN_VARIANCE);
            let mut log_r = Vec::with_capacity(self.centres.nrows());
            // The truncated weights: a kernel that loses mass outside the
            // cube counts, given the fixed coordinates, for what it has
            // inside (the density's own weights).
            let weights = self.centres.rows().into_iter().zip(&self.log_w_truncated);
            for (centre, lw) in weights {
                let dev: Array1<f64> = fixed_cols
                    .iter()
                    .zip(&fixed_vals)
                    .map(|(&c, &v)| v - centre[c])
                    .collect();
                let z = h_ff.forward(dev.view());
                log_r.push(lw - 0.5 * z.dot(&z));
            }
            (gain, cond, log_r)
        };
        let cond_chol = Cholesky::factor(&cond_cov)?;
        let top = log_r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut cumulative = Vec::with_capacity(log_r.len());
        let mut running = 0.0;
        for lr in &log_r {
            running += (lr - top).exp();
            cumulative.push(running);
        }
        let l = cond_chol.l();
        let m = free.len();
        let mut eps = vec![0.0; m];
        for mut row in out.rows_mut() {
            let u: f64 = rng.random::<f64>() * running;
            let k = cumulative
                .partition_point(|&c| c <= u)
                .min(cumulative.len() - 1);
            let centre = self.centres.row(k);
            let mut mean: Vec<f64> = free.iter().map(|&c| centre[c]).collect();
            for (i, mu) in mean.iter_mut().enumerate() {
                for (j, (&c, &v)) in fixed_cols.iter().zip(&fixed_vals).enumerate() {
                    *mu += gain[[i, j]] * (v - centre[c]);
                }
            }
            let mut draw = vec![0.0; m];
            for attempt in 0..=REDRAWS {
                for e in eps.iter_mut() {
                    *e = StandardNormal.sample(&mut *rng);
                }
                for i in 0..m {
                    draw[i] = mean[i] + (0..=i).map(|j| l[[i, j]] * eps[j]).sum::<f64>();
                }
                if attempt == REDRAWS || draw.iter().all(|x| (0.0..=1.0).contains(x)) {
                    break;
                }
            }
            for (&c, x) in free.iter().zip(&draw) {
                row[c] = x.clamp(0.0, 1.0);
            }
        }
        Ok(out)
    }
}

/// Each kernel's mass inside the unit cube: the share of the fixed
/// quasi-random normal points `z` (Box–Muller on Sobol sequences of fixed
/// seeds) for which `centre + L z` lies in it, at least `1 / MASS_POINTS`.
/// Past the Sobol sequence's dimensions, further pairs of coordinates come
/// from sequences of other seeds, so any number of dimensions works.
fn masses_in_cube(
    centres: ArrayView2<'_, f64>,
    chol: &Cholesky,
) -> Result<Vec<f64>, SurrogateError> {
    let d = centres.ncols();
    let l = chol.l();
    let pairs = d.div_ceil(2);
    let per_sequence = (MAX_DIMENSIONS / 2).max(1);
    let sequences = (0..pairs.div_ceil(per_sequence))
        .map(|k| {
            SobolSequence::new(
                2 * per_sequence.min(pairs - k * per_sequence),
                0x5eed + k as u64,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut z = vec![0.0; 2 * pairs];
    let mut inside = vec![0usize; centres.nrows()];
    let mut offset = vec![0.0; d];
    for index in 0..MASS_POINTS as u64 {
        for p in 0..pairs {
            let (sobol, q) = (&sequences[p / per_sequence], p % per_sequence);
            // Sobol coordinates are in [0, 1): `1 - u` keeps the log finite.
            let r = (-2.0 * (1.0 - sobol.coordinate(index, 2 * q)).ln()).sqrt();
            let theta = 2.0 * std::f64::consts::PI * sobol.coordinate(index, 2 * q + 1);
            z[2 * p] = r * theta.cos();
            z[2 * p + 1] = r * theta.sin();
        }
        for (a, o) in offset.iter_mut().enumerate() {
            *o = (0..=a).map(|b| l[[a, b]] * z[b]).sum();
        }
        for (centre, count) in centres.rows().into_iter().zip(&mut inside) {
            if centre
                .iter()
                .zip(&offset)
                .all(|(c, o)| (0.0..=1.0).contains(&(c + o)))
            {
                *count += 1;
            }
        }
    }
    Ok(inside
        .into_iter()
        .map(|count| count.max(1) as f64 / MASS_POINTS as f64)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Observations along the diagonal `y = 1 - x`, a hundredth off it.
    fn along_the_diagonal() -> Array2<f64> {
        let xs = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
        let off = [0.01, -0.01, 0.0, 0.01, -0.01, 0.0];
        Array2::from_shape_fn(
            (6, 2),
            |(i, j)| {
                if j == 0 {
                    xs[i]
                } else {
                    1.0 - xs[i] + off[i]
                }
            },
        )
    }

    /// Given `x`, the draws put `y` on the diagonal: within 0.15 of
    /// `1 - x` nearly always, though the observations' `y` span 0.75 (an
    /// axis-aligned kernel as wide as their gaps, 0.15, lands there about
    /// two times in three).
    #[test]
    fn draws_given_a_coordinate_follow_the_observations_line() {
        let obs = along_the_diagonal();
        let kde = CorrelatedKde::fit(obs.view(), Array1::ones(6).view(), 0.02)
            .unwrap()
            .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for x in [0.2, 0.5, 0.8] {
            let draws = kde.sample_given(&[(0, x)], &mut rng, 400).unwrap();
            assert!(draws.column(0).iter().all(|&v| v == x));
            let near = draws
                .column(1)
                .iter()
                .filter(|&&y| (y - (1.0 - x)).abs() < 0.15)
                .count();
            assert!(near >= 390, "x = {x}: {near} of 400 near the line");
        }
        // Unconditioned, the draws spread along the line, not across it.
        let draws = kde.sample_given(&[], &mut rng, 400).unwrap();
        let across: Vec<f64> = draws
            .rows()
            .into_iter()
            .map(|r| r[0] + r[1] - 1.0)
            .collect();
        let along: Vec<f64> = draws.rows().into_iter().map(|r| r[0] - r[1]).collect();
        let sd = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        assert!(
            sd(&along) > 5.0 * sd(&across),
            "{} {}",
            sd(&along),
            sd(&across)
        );
    }

    /// The density integrates to 1 over the unit square (the kernels are
    /// truncated to it: untruncated, the mass inside is 0.84 here, as the
    /// end kernels spill over the faces; numpy, 200,000 draws per kernel)
    /// and is highest on the line.
    #[test]
    fn the_density_is_a_density_and_peaks_on_the_line() {
        let obs = along_the_diagonal();
        let weights = array![1.0, 2.0, 1.0, 0.5, 1.0, 1.0];
        let kde = CorrelatedKde::fit(obs.view(), weights.view(), 0.02)
            .unwrap()
            .unwrap();
        let (lo, hi, steps) = (0.0, 1.0, 300);
        let h = (hi - lo) / steps as f64;
        let grid = Array2::from_shape_fn((steps * steps, 2), |(k, j)| {
            let i = if j == 0 { k / steps } else { k % steps };
            lo + (i as f64 + 0.5) * h
        });
        let mass: f64 = kde
            .log_pdf(grid.view())
            .iter()
            .map(|l| l.exp())
            .sum::<f64>()
            * h
            * h;
        assert!((mass - 1.0).abs() < 0.01, "mass {mass}");
        let on = kde.log_pdf(array![[0.4, 0.6]].view())[0];
        let off = kde.log_pdf(array![[0.4, 0.75]].view())[0];
        assert!(on > off + 5.0, "{on} vs {off}");
    }

    #[test]
    fn one_kernel_tells_no_covariance_and_bad_weights_are_named() {
        let obs = along_the_diagonal();
        let one = array![0.0, 0.0, 3.0, 0.0, 0.0, 0.0];
        assert!(CorrelatedKde::fit(obs.view(), one.view(), 0.02)
            .unwrap()
            .is_none());
        let bad = array![1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0];
        assert!(matches!(
            CorrelatedKde::fit(obs.view(), bad.view(), 0.02),
            Err(SurrogateError::InvalidWeight { index: 1, .. })
        ));
        let short = array![1.0, 1.0];
        assert!(matches!(
            CorrelatedKde::fit(obs.view(), short.view(), 0.02),
            Err(SurrogateError::WeightCountMismatch { .. })
        ));
    }

    /// Duplicate and collinear observations make the weighted covariance
    /// singular: with no floor the fit still works (the least variance
    /// keeps it positive definite), and densities and draws stay finite.
    #[test]
    fn a_singular_covariance_neither_panics_nor_gives_nan() {
        let duplicates = array![[0.3, 0.7], [0.3, 0.7], [0.3, 0.7]];
        let collinear = array![[0.1, 0.2, 0.3], [0.2, 0.4, 0.6], [0.4, 0.8, 0.2]];
        let on_a_line = array![[0.1, 0.2], [0.2, 0.4], [0.4, 0.8]];
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (obs, fixed) in [
            (duplicates, vec![(0, 0.3)]),
            (collinear, vec![(1, 0.4)]),
            (on_a_line, vec![(0, 0.2)]),
        ] {
            for floor in [0.0, 0.06] {
                let n = obs.nrows();
                let kde = CorrelatedKde::fit(obs.view(), Array1::ones(n).view(), floor)
                    .unwrap()
                    .unwrap();
                let at = kde.log_pdf(obs.view());
                assert!(at.iter().all(|v| v.is_finite()), "{floor}: {at}");
                let elsewhere = kde.log_pdf(Array2::from_elem((1, obs.ncols()), 0.9).view());
                assert!(
                    !elsewhere[0].is_nan() && elsewhere[0] < at[0],
                    "{elsewhere}"
                );
                for given in [vec![], fixed.clone()] {
                    let draws = kde.sample_given(&given, &mut rng, 50).unwrap();
                    assert!(draws.iter().all(|v| (0.0..=1.0).contains(v)), "{draws}");
                }
            }
        }
    }

    /// One observation carrying nearly all the weight tells no covariance
    /// (its unbiasing factor would be about 1e12): no fit, as with one
    /// kernel. A floor that is not a width is an error.
    #[test]
    fn one_dominant_weight_tells_no_covariance_and_the_floor_is_checked() {
        let obs = along_the_diagonal();
        let dominant = array![1.0, 1e-12, 1e-12, 0.0, 0.0, 0.0];
        assert!(CorrelatedKde::fit(obs.view(), dominant.view(), 0.02)
            .unwrap()
            .is_none());
        let two = array![1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        assert!(CorrelatedKde::fit(obs.view(), two.view(), 0.02)
            .unwrap()
            .is_some());
        for floor in [-0.1, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                CorrelatedKde::fit(obs.view(), Array1::ones(6).view(), floor),
                Err(SurrogateError::InvalidSetting { .. })
            ));
        }
    }

    /// More dimensions than one Sobol sequence has still fit: a kernel
    /// narrow in every one of 300 keeps all its mass in the cube.
    #[test]
    fn kernel_masses_in_many_dimensions() {
        let d = 300;
        let centres = Array2::from_elem((2, d), 0.5);
        let chol = Cholesky::factor(&(Array2::eye(d) * 1e-4)).unwrap();
        let m = masses_in_cube(centres.view(), &chol).unwrap();
        assert!(m.iter().all(|&m| m == 1.0), "{m:?}");
    }

    /// A kernel at a corner keeps a quarter of its mass in the cube, one in
    /// the middle nearly all: truncated, each counts for its weight.
    #[test]
    fn kernel_masses_in_the_cube() {
        let centres = array![[0.0, 0.0], [0.5, 0.5]];
        let cov = array![[0.01, 0.0], [0.0, 0.01]];
        let chol = Cholesky::factor(&cov).unwrap();
        let m = masses_in_cube(centres.view(), &chol).unwrap();
        assert!((m[0] - 0.25).abs() < 0.02, "{m:?}");
        assert!(m[1] > 0.99, "{m:?}");
    }
}
