//! The Matérn-5/2 kernel with one lengthscale per input (ARD).
//!
//! `k(x, x') = s · M(r²)`, `M(r²) = (1 + √5 r + 5r²/3) e^{−√5 r}`, with
//! `r² = Σ_j δ_j(x_j, x'_j) / ℓ_j²`: `δ_j = (x_j − x'_j)²` for numeric
//! inputs and `δ_j = [x_j ≠ x'_j]` for categorical ones (a Hamming distance,
//! so unordered choices are all equally far apart).

use super::Hyperparameters;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// How an input column is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A number in `[0, 1]` (continuous, or an integer or step rounded to
    /// its grid): squared difference.
    Numeric,
    /// A choice index `0.0, 1.0, ...`: 0 when equal, 1 otherwise.
    Categorical,
}

/// `M(r²)` and `dM/d(r²)`.
#[inline]
pub(crate) fn matern52(r2: f64) -> (f64, f64) {
    let r = (5.0 * r2).sqrt();
    let e = (-r).exp();
    (e * (1.0 + r + r * r / 3.0), -5.0 / 6.0 * (1.0 + r) * e)
}

/// `M(r²)` alone.
#[inline]
pub(crate) fn matern52_value(r2: f64) -> f64 {
    let r = (5.0 * r2).sqrt();
    (1.0 + r + r * r / 3.0) * (-r).exp()
}

/// The kernel parts that do not change between evaluations: inputs by
/// column (so loops over training points run over contiguous memory).
#[derive(Debug, Clone)]
pub(crate) struct Inputs {
    /// d × n: column j of the data as a row.
    pub(crate) columns: Array2<f64>,
    pub(crate) kinds: Vec<InputKind>,
}

impl Inputs {
    pub(crate) fn new(x: ArrayView2<'_, f64>, kinds: &[InputKind]) -> Self {
        Self {
            columns: x.t().as_standard_layout().into_owned(),
            kinds: kinds.to_vec(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.columns.ncols()
    }

    pub(crate) fn dims(&self) -> usize {
        self.columns.nrows()
    }

    /// `r²` from point `x` to training points `0..upto`, into `out`.
    pub(crate) fn sq_dist_to(
        &self,
        x: ArrayView1<'_, f64>,
        inv_sq_ls: &[f64],
        upto: usize,
        out: &mut [f64],
    ) {
        let out = &mut out[..upto];
        out.fill(0.0);
        for (j, kind) in self.kinds.iter().enumerate() {
            let col = self.columns.row(j);
            let col = &col.as_slice().unwrap_or(&[])[..upto];
            let (xj, w) = (x[j], inv_sq_ls[j]);
            match kind {
                InputKind::Numeric => {
                    for (o, c) in out.iter_mut().zip(col) {
                        let d = c - xj;
                        *o += w * d * d;
                    }
                }
                InputKind::Categorical => {
                    for (o, c) in out.iter_mut().zip(col) {
                        if *c != xj {
                            *o += w;
                        }
                    }
                }
            }
        }
    }
}

/// Cross-covariances `k(x_c, x_i)` of candidates (rows of `x`) with every
/// training point, as an n × m matrix (training points by row).
pub(crate) fn cross_covariance(
    inputs: &Inputs,
    hyper: &Hyperparameters,
    x: ArrayView2<'_, f64>,
) -> Array2<f64> {
    let n = inputs.len();
    let m = x.nrows();
    let w = hyper.inverse_squared_lengthscales();
    let mut out = Array2::<f64>::zeros((n, m));
    let mut r2 = vec![0.0; n];
    for (c, xc) in x.outer_iter().enumerate() {
        inputs.sq_dist_to(xc, &w, n, &mut r2);
        for (i, r) in r2.iter().enumerate() {
            out[[i, c]] = hyper.signal_variance * matern52_value(*r);
        }
    }
    out
}

/// The covariance vector of one point with every training point, and its
/// Jacobian with respect to the point's numeric coordinates
/// (n × d; zero in categorical columns).
pub(crate) fn covariance_with_gradient(
    inputs: &Inputs,
    hyper: &Hyperparameters,
    x: ArrayView1<'_, f64>,
) -> (Array1<f64>, Array2<f64>) {
    let n = inputs.len();
    let d = inputs.dims();
    let w = hyper.inverse_squared_lengthscales();
    let mut r2 = vec![0.0; n];
    inputs.sq_dist_to(x, &w, n, &mut r2);
    let mut k = Array1::<f64>::zeros(n);
    // dk_i/dx_j = s M'(r²) 2 w_j (x_j − x_ij); stored d × n then transposed.
    let mut grad = Array2::<f64>::zeros((d, n));
    let mut dm = vec![0.0; n];
    for i in 0..n {
        let (m, dmi) = matern52(r2[i]);
        k[i] = hyper.signal_variance * m;
        dm[i] = hyper.signal_variance * dmi;
    }
    for (j, kind) in inputs.kinds.iter().enumerate() {
        if *kind == InputKind::Categorical {
            continue;
        }
        let col = inputs.columns.row(j);
        let col = col.as_slice().unwrap_or(&[]);
        let f = 2.0 * w[j];
        let xj = x[j];
        let mut g = grad.row_mut(j);
        for ((gi, c), dmi) in g.iter_mut().zip(col).zip(&dm) {
            *gi = dmi * f * (xj - c);
        }
    }
    (k, grad.reversed_axes())
}
