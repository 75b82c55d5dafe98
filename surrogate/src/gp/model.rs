//! The fitted Gaussian process: posterior mean and variance, one point with
//! gradients or many at once, and conditioning on extra (fantasy) points.

use super::fit::{fit_hyperparameters, FitReport, FitStart, ValidFitSettings};
use super::hyper::Hyperparameters;
use super::kernel::{covariance_with_gradient, cross_covariance, InputKind, Inputs};
use super::likelihood::{constant_mean, factor};
use super::linalg::{dot, sub, Cholesky};
use super::subset::subset;
use crate::SurrogateError;
use ndarray::{concatenate, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::RngCore;

/// Candidates predicted per block (bounds the memory of a batch prediction).
const PREDICT_BLOCK: usize = 512;

/// Rows of the old model that [`GaussianProcess::update`] removes from its
/// factor one by one (`O(n²)` each) before it refactors instead: a model
/// on a subset of its history loses about one row per new trial.
const MAX_REMOVED_ROWS: usize = 8;

/// Posterior mean and variance of the latent function at many points, in
/// the units of the observations.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Posterior means.
    pub mean: Array1<f64>,
    /// Posterior variances (of the function, without observation noise).
    pub variance: Array1<f64>,
}

/// Posterior at one point, with gradients in its coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct PointPrediction {
    /// Posterior mean.
    pub mean: f64,
    /// Posterior variance.
    pub variance: f64,
    /// `∂mean/∂x` (zero in categorical coordinates).
    pub mean_gradient: Array1<f64>,
    /// `∂variance/∂x` (zero in categorical coordinates).
    pub variance_gradient: Array1<f64>,
}

/// A Gaussian process regression model: Matérn-5/2 ARD kernel on inputs in
/// the unit cube (see [`InputKind`]), a constant prior mean fitted by
/// maximum likelihood (the generalized least-squares average of the
/// outputs, which far from the data the posterior reverts to), outputs
/// standardized to mean 0 and variance 1 internally and reported in their
/// own units.
#[derive(Debug, Clone)]
pub struct GaussianProcess {
    inputs: Inputs,
    hyper: Hyperparameters,
    y_mean: f64,
    y_scale: f64,
    /// Standardized targets of every point (observed, then fantasies).
    y: Array1<f64>,
    /// The constant prior mean of the standardized outputs (see
    /// [`constant_mean`]).
    prior_mean: f64,
    chol: Cholesky,
    /// `K⁻¹ (y − prior_mean)`.
    alpha: Array1<f64>,
    observed: usize,
    report: Option<FitReport>,
}

fn check_data(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    kinds: &[InputKind],
) -> Result<(), SurrogateError> {
    if x.nrows() == 0 {
        return Err(SurrogateError::NoObservations);
    }
    if x.ncols() != kinds.len() {
        return Err(SurrogateError::DimensionMismatch {
            columns: x.ncols(),
            dimensions: kinds.len(),
        });
    }
    if y.len() != x.nrows() {
        return Err(SurrogateError::TargetCountMismatch {
            targets: y.len(),
            observations: x.nrows(),
        });
    }
    for ((row, column), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(SurrogateError::NonFiniteInput {
                row,
                column,
                value: *v,
            });
        }
    }
    if let Some((index, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SurrogateError::NonFiniteTarget { index, value: *v });
    }
    Ok(())
}

/// Mean and standard deviation, the latter floored so constant data works.
fn standardization(y: ArrayView1<'_, f64>) -> (f64, f64) {
    let n = y.len() as f64;
    let mean = y.sum() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let sd = var.sqrt();
    (
        mean,
        if sd > 1e-12 * mean.abs().max(1.0) {
            sd
        } else {
            1.0
        },
    )
}

impl GaussianProcess {
    /// Fits a GP to observations `x` (n × d, one column per input of
    /// `kinds`) and `y` (n), choosing hyperparameters by maximum a
    /// posteriori, with L-BFGS runs started as `start` says (a warm start
    /// from an earlier fit's hyperparameters replaces the cold restarts
    /// with one run from there).
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kinds: &[InputKind],
        settings: &ValidFitSettings,
        start: FitStart<'_>,
        rng: &mut dyn RngCore,
    ) -> Result<Self, SurrogateError> {
        check_data(x, y, kinds)?;
        let (y_mean, y_scale) = standardization(y);
        let ys = y.mapv(|v| (v - y_mean) / y_scale);
        let n = x.nrows();
        let max = settings.get().max_fit_points;
        let (hyper, report) = if n > max {
            let rows = subset(n, max);
            let xs = x.select(Axis(0), &rows);
            let ysub: Vec<f64> = rows.iter().map(|&i| ys[i]).collect();
            fit_hyperparameters(&Inputs::new(xs.view(), kinds), &ysub, settings, start, rng)?
        } else {
            let inputs = Inputs::new(x, kinds);
            let ys_slice = ys.to_vec();
            fit_hyperparameters(&inputs, &ys_slice, settings, start, rng)?
        };
        let mut gp = Self::build(Inputs::new(x, kinds), hyper, y_mean, y_scale, ys)?;
        gp.report = Some(report);
        Ok(gp)
    }

    /// A GP with the given hyperparameters, no fitting.
    pub fn with_hyperparameters(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kinds: &[InputKind],
        hyper: Hyperparameters,
    ) -> Result<Self, SurrogateError> {
        check_data(x, y, kinds)?;
        if hyper.dims() != kinds.len() {
            return Err(SurrogateError::DimensionMismatch {
                columns: hyper.dims(),
                dimensions: kinds.len(),
            });
        }
        let (y_mean, y_scale) = standardization(y);
        let ys = y.mapv(|v| (v - y_mean) / y_scale);
        Self::build(Inputs::new(x, kinds), hyper, y_mean, y_scale, ys)
    }

    fn build(
        inputs: Inputs,
        hyper: Hyperparameters,
        y_mean: f64,
        y_scale: f64,
        y: Array1<f64>,
    ) -> Result<Self, SurrogateError> {
        let chol = factor(&inputs, &hyper)?;
        let (prior_mean, alpha) = constant_mean(&chol, y.view());
        Ok(Self {
            prior_mean,
            observed: inputs.len(),
            inputs,
            hyper,
            y_mean,
            y_scale,
            y,
            chol,
            alpha,
            report: None,
        })
    }

    /// The same model also conditioned on `y_new` observed at `x_new`
    /// (fantasies for pending evaluations: the hyperparameters, the
    /// standardization and the prior mean are kept).
    pub fn condition_on(
        &self,
        x_new: ArrayView2<'_, f64>,
        y_new: ArrayView1<'_, f64>,
    ) -> Result<Self, SurrogateError> {
        check_data(x_new, y_new, &self.inputs.kinds)?;
        let cross = cross_covariance(&self.inputs, &self.hyper, x_new); // n × m
        let mut b22 = Array2::<f64>::zeros((x_new.nrows(), x_new.nrows()));
        let inner = Inputs::new(x_new, &self.inputs.kinds);
        let k22 = cross_covariance(&inner, &self.hyper, x_new);
        b22.assign(&k22);
        // With the old factor's jitter, so the whole factor is of one matrix.
        let diagonal = self.hyper.noise_variance + self.chol.jitter();
        b22.diag_mut().mapv_inplace(|v| v + diagonal);
        let x_all = concatenate(Axis(0), &[self.inputs.columns.t(), x_new.view()])
            .map_err(|_| SurrogateError::NoObservations)?;
        let inputs = Inputs::new(x_all.view(), &self.inputs.kinds);
        // Fantasies that repeat each other (two pending trials at one point)
        // leave a singular new block: then the joint matrix is factored
        // afresh, with one jitter for all of it.
        let chol = match self.chol.extend(cross.t(), b22.view()) {
            Ok(chol) => chol,
            Err(_) => factor(&inputs, &self.hyper)?,
        };
        let y_add = y_new.mapv(|v| (v - self.y_mean) / self.y_scale);
        let y = concatenate(Axis(0), &[self.y.view(), y_add.view()])
            .map_err(|_| SurrogateError::NoObservations)?;
        let alpha = chol.solve(y.mapv(|v| v - self.prior_mean).view());
        Ok(Self {
            prior_mean: self.prior_mean,
            inputs,
            hyper: self.hyper.clone(),
            y_mean: self.y_mean,
            y_scale: self.y_scale,
            y,
            chol,
            alpha,
            observed: self.observed,
            report: self.report.clone(),
        })
    }

    /// A model with this one's hyperparameters on a grown history `x`, `y`
    /// (no fitting; the outputs are standardized afresh). When `x` is this
    /// model's observations in order, with at most 8 of them left
    /// out, then new rows (and it holds no fantasies), the
    /// factorisation is downdated for each row left out (`O(n²)`, see
    /// [`Cholesky::remove`]) and extended by the new rows, `O(n²m)` for `m`
    /// of them, instead of refactored in `O(n³)`: what a running study
    /// needs between hyperparameter refits, also past `max_model_points`,
    /// where a new trial usually displaces one row of the model's subset.
    /// Otherwise (more rows dropped, rows changed, or an update that is not
    /// numerically positive definite) the kernel matrix is factored from
    /// scratch.
    pub fn update(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Self, SurrogateError> {
        check_data(x, y, &self.inputs.kinds)?;
        let (y_mean, y_scale) = standardization(y);
        let ys = y.mapv(|v| (v - y_mean) / y_scale);
        let rebuild = |ys: Array1<f64>| {
            Self::build(
                Inputs::new(x, &self.inputs.kinds),
                self.hyper.clone(),
                y_mean,
                y_scale,
                ys,
            )
        };
        let Some((removed, kept)) = self.removed_rows(x) else {
            return rebuild(ys);
        };
        // Removed from the last to the first, so indices stay valid.
        let mut chol = Some(self.chol.clone());
        for &r in removed.iter().rev() {
            chol = chol.and_then(|c| c.remove(r));
        }
        let chol = match chol {
            Some(c) if x.nrows() == kept => Some(c),
            Some(c) => {
                let fresh;
                let old = if removed.is_empty() {
                    &self.inputs
                } else {
                    fresh = Inputs::new(sub(x, ..kept, ..), &self.inputs.kinds);
                    &fresh
                };
                let x_new = sub(x, kept.., ..);
                let cross = cross_covariance(old, &self.hyper, x_new);
                let inner = Inputs::new(x_new, &self.inputs.kinds);
                let mut b22 = cross_covariance(&inner, &self.hyper, x_new);
                // The old factor may carry a jitter: the new block gets it
                // too, so the whole factor is of one matrix `K + jitter I`.
                let diagonal = self.hyper.noise_variance + c.jitter();
                b22.diag_mut().mapv_inplace(|v| v + diagonal);
                c.extend(cross.t(), b22.view()).ok()
            }
            None => None,
        };
        let Some(chol) = chol else {
            return rebuild(ys);
        };
        let (prior_mean, alpha) = constant_mean(&chol, ys.view());
        Ok(Self {
            prior_mean,
            observed: x.nrows(),
            inputs: Inputs::new(x, &self.inputs.kinds),
            hyper: self.hyper.clone(),
            y_mean,
            y_scale,
            y: ys,
            chol,
            alpha,
            report: None,
        })
    }

    /// How `x` continues this model's observations: the indices of the
    /// rows it leaves out (at most [`MAX_REMOVED_ROWS`]) and how many of
    /// its first rows are the others, in order (the rest are new). `None`
    /// if `x` is no such continuation or this model holds fantasies.
    pub(super) fn removed_rows(&self, x: ArrayView2<'_, f64>) -> Option<(Vec<usize>, usize)> {
        let n = self.observed;
        if self.len() != n || x.ncols() != self.dims() {
            return None;
        }
        let mut removed = Vec::new();
        let mut next = 0;
        for (i, old) in self.inputs.columns.columns().into_iter().enumerate() {
            if next < x.nrows() && old.iter().zip(x.row(next)).all(|(a, b)| a == b) {
                next += 1;
            } else {
                removed.push(i);
                if removed.len() > MAX_REMOVED_ROWS {
                    return None;
                }
            }
        }
        Some((removed, next))
    }

    /// What [`super::fantasy`] needs of the model: its inputs, its factor
    /// and the outputs' standardization (mean, scale).
    pub(super) fn parts(&self) -> (&Inputs, &Cholesky, f64, f64) {
        (&self.inputs, &self.chol, self.y_mean, self.y_scale)
    }

    /// The posterior mean of the standardized outputs at `x` (`m × d`)
    /// and their joint posterior covariance (`m × m`, latent function).
    pub(super) fn joint_standardized(&self, x: ArrayView2<'_, f64>) -> (Array1<f64>, Array2<f64>) {
        let mut cross = cross_covariance(&self.inputs, &self.hyper, x);
        let mean = cross.t().dot(&self.alpha).mapv(|v| v + self.prior_mean);
        self.chol.solve_lower_in_place(cross.view_mut());
        let inner = Inputs::new(x, &self.inputs.kinds);
        let prior = cross_covariance(&inner, &self.hyper, x);
        (mean, prior - cross.t().dot(&cross))
    }

    /// The hyperparameters (for standardized outputs).
    pub fn hyperparameters(&self) -> &Hyperparameters {
        &self.hyper
    }

    /// How the fit went (`None` for a model built with given hyperparameters).
    pub fn report(&self) -> Option<&FitReport> {
        self.report.as_ref()
    }

    /// Points the model is conditioned on, fantasies included.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether the model has no points (never: fitting needs one).
    pub fn is_empty(&self) -> bool {
        self.inputs.len() == 0
    }

    /// The factor of the kernel matrix (tests check what it factors).
    #[cfg(test)]
    pub(crate) fn factor(&self) -> &Cholesky {
        &self.chol
    }

    /// Real observations (without fantasies).
    pub fn observed(&self) -> usize {
        self.observed
    }

    /// Number of inputs.
    pub fn dims(&self) -> usize {
        self.inputs.dims()
    }

    /// The input kinds.
    pub fn kinds(&self) -> &[InputKind] {
        &self.inputs.kinds
    }

    /// The constant prior mean (what the posterior mean reverts to far from
    /// the data), in the observations' units.
    pub fn prior_mean(&self) -> f64 {
        self.y_mean + self.y_scale * self.prior_mean
    }

    /// The prior variance of the function, in the observations' units.
    pub fn prior_variance(&self) -> f64 {
        self.hyper.signal_variance * self.y_scale * self.y_scale
    }

    /// Posterior mean and variance at each row of `x` (m × d).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Prediction {
        let m = x.nrows();
        let mut mean = Array1::<f64>::zeros(m);
        let mut variance = Array1::<f64>::zeros(m);
        let s = self.hyper.signal_variance;
        let scale2 = self.y_scale * self.y_scale;
        let mut start = 0;
        while start < m {
            let end = (start + PREDICT_BLOCK).min(m);
            let mut cross =
                cross_covariance(&self.inputs, &self.hyper, sub(x.view(), start..end, ..));
            let mu = cross.t().dot(&self.alpha);
            self.chol.solve_lower_in_place(cross.view_mut());
            let mut explained = Array1::<f64>::zeros(end - start);
            for row in cross.outer_iter() {
                explained.zip_mut_with(&row, |e, v| *e += v * v);
            }
            for c in 0..(end - start) {
                mean[start + c] = self.y_mean + self.y_scale * (self.prior_mean + mu[c]);
                variance[start + c] = (s - explained[c]).max(0.0) * scale2;
            }
            start = end;
        }
        Prediction { mean, variance }
    }

    /// `∂mean/∂x` at `x` alone: `O(n d)`, without the triangular solves
    /// the variance needs (for scanning many points, as the Lipschitz
    /// estimate of local penalisation does).
    pub fn mean_gradient(&self, x: ArrayView1<'_, f64>) -> Array1<f64> {
        let (_, dk) = covariance_with_gradient(&self.inputs, &self.hyper, x);
        dk.t().dot(&self.alpha) * self.y_scale
    }

    /// Posterior mean and variance at `x` with their gradients.
    pub fn predict_with_gradient(&self, x: ArrayView1<'_, f64>) -> PointPrediction {
        let (k, dk) = covariance_with_gradient(&self.inputs, &self.hyper, x);
        let ks = k.as_slice().unwrap_or(&[]);
        let mu = dot(ks, self.alpha.as_slice().unwrap_or(&[]));
        let v = self.chol.forward(k.view());
        let explained = dot(v.as_slice().unwrap_or(&[]), v.as_slice().unwrap_or(&[]));
        let w = self.chol.backward(v.view()); // K⁻¹ k
        let scale2 = self.y_scale * self.y_scale;
        let var_std = self.hyper.signal_variance - explained;
        let mean_gradient = dk.t().dot(&self.alpha) * self.y_scale;
        let variance_gradient = if var_std > 0.0 {
            dk.t().dot(&w) * (-2.0 * scale2)
        } else {
            Array1::zeros(self.dims())
        };
        PointPrediction {
            mean: self.y_mean + self.y_scale * (self.prior_mean + mu),
            variance: var_std.max(0.0) * scale2,
            mean_gradient,
            variance_gradient,
        }
    }
}
