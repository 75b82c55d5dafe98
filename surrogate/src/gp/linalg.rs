//! Dense Cholesky factorisation and triangular solves for kernel matrices.
//!
//! The factorisation is blocked (left-looking): the `O(n³)` work is matrix
//! products done by ndarray's `general_mat_mul` (matrixmultiply, with
//! AVX2/FMA kernels picked at run time), each diagonal block is factored by
//! linfa-linalg, and the thin panels are solved with vectorised dot
//! products. The `gp_linalg` criterion bench compares it with
//! linfa-linalg's unblocked factorisation of the whole matrix (one block):
//! several times faster from a few hundred rows on.

use crate::SurrogateError;
use linfa_linalg::cholesky::CholeskyInplace;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Slice};

/// Rows per block of the blocked algorithms.
pub const DEFAULT_BLOCK: usize = 64;

/// Largest jitter tried, relative to the mean of the diagonal.
const MAX_RELATIVE_JITTER: f64 = 1e-2;

/// The Cholesky factor `L` of a symmetric positive definite matrix `A + jitter I`.
#[derive(Debug, Clone)]
pub struct Cholesky {
    /// Lower triangular; the strict upper triangle is zero.
    l: Array2<f64>,
    jitter: f64,
}

impl Cholesky {
    /// Factors `a` (only its lower triangle is read). If `a` is not
    /// numerically positive definite, retries with a jitter on the diagonal
    /// growing tenfold from `1e-10` to `1e-2` times the mean diagonal.
    pub fn factor(a: &Array2<f64>) -> Result<Self, SurrogateError> {
        Self::factor_with_block(a, DEFAULT_BLOCK)
    }

    /// [`Cholesky::factor`] with a chosen block size; a block at least as
    /// large as the matrix is linfa-linalg's unblocked factorisation.
    pub fn factor_with_block(a: &Array2<f64>, block: usize) -> Result<Self, SurrogateError> {
        let n = a.nrows();
        if a.ncols() != n {
            return Err(SurrogateError::NotSquare {
                rows: n,
                columns: a.ncols(),
            });
        }
        let mean_diag = if n == 0 {
            1.0
        } else {
            a.diag().iter().map(|d| d.abs()).sum::<f64>() / n as f64
        };
        if !mean_diag.is_finite() {
            return Err(SurrogateError::NotPositiveDefinite {
                size: n,
                jitter: 0.0,
            });
        }
        let scale = if mean_diag > 0.0 { mean_diag } else { 1.0 };
        let mut jitter = 0.0;
        loop {
            let mut l = a.clone();
            if jitter > 0.0 {
                l.diag_mut().mapv_inplace(|d| d + jitter);
            }
            if factor_in_place(&mut l, block.max(1)) {
                return Ok(Self { l, jitter });
            }
            jitter = if jitter == 0.0 {
                1e-10 * scale
            } else {
                jitter * 10.0
            };
            if jitter > MAX_RELATIVE_JITTER * scale * (1.0 + 1e-9) {
                return Err(SurrogateError::NotPositiveDefinite {
                    size: n,
                    jitter: jitter / 10.0,
                });
            }
        }
    }

    /// The factor `L`.
    pub fn l(&self) -> ArrayView2<'_, f64> {
        self.l.view()
    }

    /// The jitter that was added to the diagonal (0 if none was needed).
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The order of the matrix.
    pub fn len(&self) -> usize {
        self.l.nrows()
    }

    /// Whether the matrix is 0 × 0.
    pub fn is_empty(&self) -> bool {
        self.l.nrows() == 0
    }

    /// `log det A = 2 Σ log L_ii`.
    pub fn log_det(&self) -> f64 {
        2.0 * self.l.diag().iter().map(|d| d.ln()).sum::<f64>()
    }

    /// Solves `L X = B` in place (`B` is n × m).
    pub fn solve_lower_in_place(&self, b: ArrayViewMut2<'_, f64>) {
        solve_lower(self.l.view(), b, DEFAULT_BLOCK);
    }

    /// Solves `Lᵀ X = B` in place (`B` is n × m).
    pub fn solve_upper_in_place(&self, b: ArrayViewMut2<'_, f64>) {
        solve_upper(self.l.view(), b, DEFAULT_BLOCK);
    }

    /// `L⁻¹ v` for one vector.
    pub fn forward(&self, v: ArrayView1<'_, f64>) -> Array1<f64> {
        let mut out = v.to_owned();
        forward_vec(self.l.view(), out.as_slice_mut().unwrap_or(&mut []));
        out
    }

    /// `L⁻ᵀ v` for one vector.
    pub fn backward(&self, v: ArrayView1<'_, f64>) -> Array1<f64> {
        let mut out = v.to_owned();
        backward_vec(self.l.view(), out.as_slice_mut().unwrap_or(&mut []));
        out
    }

    /// `A⁻¹ v`.
    pub fn solve(&self, v: ArrayView1<'_, f64>) -> Array1<f64> {
        let mut out = v.to_owned();
        if let Some(x) = out.as_slice_mut() {
            forward_vec(self.l.view(), x);
            backward_vec(self.l.view(), x);
        }
        out
    }

    /// `A⁻¹`, as `L⁻ᵀ L⁻¹`.
    pub fn inverse(&self) -> Array2<f64> {
        let n = self.len();
        let mut inv_l = Array2::<f64>::eye(n);
        solve_lower_with(self.l.view(), inv_l.view_mut(), DEFAULT_BLOCK, true);
        let mut out = Array2::<f64>::zeros((n, n));
        // A⁻¹ = (L⁻¹)ᵀ L⁻¹; L⁻¹ is lower triangular, so row block I of the
        // result needs only rows from I on.
        let b = DEFAULT_BLOCK;
        let mut start = 0;
        while start < n {
            let end = (start + b).min(n);
            let tail = sub(inv_l.view(), start.., ..);
            general_mat_mul(
                1.0,
                &sub(tail.view(), .., start..end).t(),
                &sub(tail.view(), .., ..end),
                0.0,
                &mut sub_mut(out.view_mut(), start..end, ..end),
            );
            start = end;
        }
        mirror_lower(&mut out);
        out
    }

    /// The factor of `A` without its row and column `j`, by a rank-one
    /// update of the trailing block (`O((n − j)²)` after an `O(n²)` copy,
    /// where a fresh factor costs `O(n³)`): with `L = [[L11, 0, 0],
    /// [l21ᵀ, l22, 0], [L31, l32, L33]]`, the factor is `[[L11, 0], [L31,
    /// L33']]` with `L33' L33'ᵀ = L33 L33ᵀ + l32 l32ᵀ` (Golub & Van Loan,
    /// *Matrix Computations*, 4th ed., §6.5.4). This is what a model on a
    /// subset of its history needs when a new observation displaces an old
    /// one. `None` if `j` is out of range or the update breaks down.
    pub fn remove(&self, j: usize) -> Option<Self> {
        let n = self.len();
        if j >= n {
            return None;
        }
        let old = self.l.as_slice()?;
        let mut l = Array2::<f64>::zeros((n - 1, n - 1));
        let m = n - 1;
        let data = l.as_slice_mut()?;
        for i in 0..m {
            // Row i of the result is row `src` of `L` without column j;
            // its lower triangle is i + 1 long.
            let src = if i < j { i } else { i + 1 };
            let from = &old[src * n..src * n + n];
            let to = &mut data[i * m..i * m + m];
            let keep = (i + 1).min(j);
            to[..keep].copy_from_slice(&from[..keep]);
            if i >= j {
                to[j..=i].copy_from_slice(&from[j + 1..=i + 1]);
            }
        }
        // x = l32, rotated into the trailing block row by row: row i takes
        // the rotations of the rows above it (each defined by its diagonal),
        // which is the column-oriented algorithm with rows read
        // contiguously.
        let mut x: Vec<f64> = (j + 1..n).map(|i| old[i * n + j]).collect();
        let t = m - j;
        let mut c = vec![0.0; t];
        let mut s = vec![0.0; t];
        for (a, xa) in x.iter_mut().enumerate() {
            let i = j + a;
            let row = &mut data[i * m + j..i * m + i + 1];
            let mut xi = *xa;
            for k in 0..a {
                let lik = (row[k] + s[k] * xi) / c[k];
                xi = c[k] * xi - s[k] * lik;
                row[k] = lik;
            }
            let lii = row[a];
            let r = lii.hypot(xi);
            if !(r.is_finite() && r > 0.0 && lii > 0.0) {
                return None;
            }
            c[a] = r / lii;
            s[a] = xi / lii;
            row[a] = r;
        }
        Some(Self {
            l,
            jitter: self.jitter,
        })
    }

    /// The factor of `[[A, B21ᵀ], [B21, B22]]` given this factor of `A`:
    /// `[[L, 0], [B21 L⁻ᵀ, chol(B22 − B21 A⁻¹ B21ᵀ)]]`. If this factor
    /// carries a jitter, the caller adds it to `B22`'s diagonal. A Schur
    /// complement that needs a jitter of its own is refused
    /// (`NotPositiveDefinite`): the result would factor a matrix with a
    /// jitter on the new block's diagonal only, one the callers never meant;
    /// they factor the whole matrix afresh instead, with one jitter.
    pub fn extend(
        &self,
        b21: ArrayView2<'_, f64>,
        b22: ArrayView2<'_, f64>,
    ) -> Result<Self, SurrogateError> {
        let n = self.len();
        let m = b22.nrows();
        if b21.nrows() != m || b21.ncols() != n || b22.ncols() != m {
            return Err(SurrogateError::NotSquare {
                rows: n + m,
                columns: n + b22.ncols(),
            });
        }
        // L21ᵀ = L⁻¹ B21ᵀ
        let mut l21t = b21.t().to_owned();
        self.solve_lower_in_place(l21t.view_mut());
        let mut schur = b22.to_owned();
        general_mat_mul(-1.0, &l21t.t(), &l21t, 1.0, &mut schur);
        let refused = SurrogateError::NotPositiveDefinite {
            size: n + m,
            jitter: self.jitter,
        };
        let l22 = match Cholesky::factor(&schur) {
            Ok(l22) if l22.jitter == 0.0 => l22,
            _ => return Err(refused),
        };
        let mut l = Array2::<f64>::zeros((n + m, n + m));
        sub_mut(l.view_mut(), ..n, ..n).assign(&self.l);
        sub_mut(l.view_mut(), n.., ..n).assign(&l21t.t());
        sub_mut(l.view_mut(), n.., n..).assign(&l22.l);
        Ok(Self {
            l,
            jitter: self.jitter,
        })
    }
}

/// The block `rows × cols` of `a` (ndarray's `s!` macro is off limits under
/// `forbid(unsafe_code)`).
pub(crate) fn sub<'a>(
    a: ArrayView2<'a, f64>,
    rows: impl Into<Slice>,
    cols: impl Into<Slice>,
) -> ArrayView2<'a, f64> {
    let mut v = a;
    v.slice_axis_inplace(Axis(0), rows.into());
    v.slice_axis_inplace(Axis(1), cols.into());
    v
}

/// The mutable block `rows × cols` of `a`.
pub(crate) fn sub_mut<'a>(
    a: ArrayViewMut2<'a, f64>,
    rows: impl Into<Slice>,
    cols: impl Into<Slice>,
) -> ArrayViewMut2<'a, f64> {
    let mut v = a;
    v.slice_axis_inplace(Axis(0), rows.into());
    v.slice_axis_inplace(Axis(1), cols.into());
    v
}

/// Dot product with four accumulators (so it vectorises).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

/// `y += alpha x`.
#[inline]
pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Factors `a` in place (lower triangle; the upper one is zeroed).
/// `false` if a pivot is not positive.
fn factor_in_place(a: &mut Array2<f64>, block: usize) -> bool {
    let n = a.nrows();
    if block >= n {
        return a.cholesky_inplace().is_ok() && a.diag().iter().all(|d| *d > 0.0);
    }
    let mut kb = 0;
    while kb < n {
        let ke = (kb + block).min(n);
        let nb = ke - kb;
        {
            // A[kb.., kb..ke] -= A[kb.., ..kb] A[kb..ke, ..kb]ᵀ
            let (left, mut right) = a.view_mut().split_at(Axis(1), kb);
            if kb > 0 {
                general_mat_mul(
                    -1.0,
                    &sub(left.view(), kb.., ..),
                    &sub(left.view(), kb..ke, ..).t(),
                    1.0,
                    &mut sub_mut(right.view_mut(), kb.., ..nb),
                );
            }
        }
        // The diagonal block.
        let mut diag = sub(a.view(), kb..ke, kb..ke).to_owned();
        if diag.cholesky_inplace().is_err() || diag.diag().iter().any(|d| d.is_nan() || *d <= 0.0) {
            return false;
        }
        sub_mut(a.view_mut(), kb..ke, kb..ke).assign(&diag);
        // The panel below it: P ← P L_kk⁻ᵀ, i.e. Pᵀ ← L_kk⁻¹ Pᵀ, solved on
        // a row-major copy of Pᵀ (long, vectorised rows).
        if ke < n {
            let mut panel_t = sub(a.view(), ke.., kb..ke)
                .t()
                .as_standard_layout()
                .into_owned();
            substitute_block(diag.view(), panel_t.view_mut(), 0, nb, n - ke);
            sub_mut(a.view_mut(), ke.., kb..ke).assign(&panel_t.t());
        }
        kb = ke;
    }
    zero_upper(a);
    true
}

/// Sets the strict upper triangle to 0.
fn zero_upper(a: &mut Array2<f64>) {
    for (i, mut row) in a.outer_iter_mut().enumerate() {
        row.iter_mut().skip(i + 1).for_each(|v| *v = 0.0);
    }
}

/// Copies the lower triangle onto the upper one.
fn mirror_lower(a: &mut Array2<f64>) {
    let n = a.nrows();
    for i in 0..n {
        for j in (i + 1)..n {
            a[[i, j]] = a[[j, i]];
        }
    }
}

/// Solves `L X = B` in place, block by block (left-looking). With
/// `triangular_rhs`, `B` is lower triangular (the identity, for `L⁻¹`), and
/// so is `X`: each row block then only touches the columns left of its end.
fn solve_lower_with(
    l: ArrayView2<'_, f64>,
    mut b: ArrayViewMut2<'_, f64>,
    block: usize,
    triangular_rhs: bool,
) {
    let n = l.nrows();
    let m = b.ncols();
    let mut start = 0;
    while start < n {
        let end = (start + block).min(n);
        let cols = if triangular_rhs { end.min(m) } else { m };
        if start > 0 {
            let (done, mut rest) = b.view_mut().split_at(Axis(0), start);
            let done_cols = if triangular_rhs { start.min(m) } else { m };
            general_mat_mul(
                -1.0,
                &sub(l.view(), start..end, ..start),
                &sub(done.view(), .., ..done_cols),
                1.0,
                &mut sub_mut(rest.view_mut(), ..end - start, ..done_cols),
            );
        }
        substitute_block(l, b.view_mut(), start, end, cols);
        start = end;
    }
}

/// Forward substitution inside the diagonal block `start..end`, on the
/// first `cols` columns of `b`.
fn substitute_block(
    l: ArrayView2<'_, f64>,
    mut b: ArrayViewMut2<'_, f64>,
    start: usize,
    end: usize,
    cols: usize,
) {
    let m = b.ncols();
    if let Some(data) = b.as_slice_mut() {
        for i in start..end {
            let (head, tail) = data.split_at_mut(i * m);
            let row_i = &mut tail[..cols];
            for k in start..i {
                let lik = l[[i, k]];
                if lik != 0.0 {
                    axpy(-lik, &head[k * m..k * m + cols], row_i);
                }
            }
            let inv = 1.0 / l[[i, i]];
            row_i.iter_mut().for_each(|v| *v *= inv);
        }
        return;
    }
    for i in start..end {
        for k in start..i {
            let lik = l[[i, k]];
            if lik != 0.0 {
                let (upper, mut lower) = b.view_mut().split_at(Axis(0), i);
                let src = upper.row(k);
                let mut dst = lower.row_mut(0);
                dst.scaled_add(-lik, &src);
            }
        }
        let lii = l[[i, i]];
        b.row_mut(i).mapv_inplace(|v| v / lii);
    }
}

/// Solves `L X = B` in place.
fn solve_lower(l: ArrayView2<'_, f64>, b: ArrayViewMut2<'_, f64>, block: usize) {
    solve_lower_with(l, b, block, false);
}

/// Solves `Lᵀ X = B` in place, block by block from the bottom.
fn solve_upper(l: ArrayView2<'_, f64>, mut b: ArrayViewMut2<'_, f64>, block: usize) {
    let n = l.nrows();
    let mut end = n;
    while end > 0 {
        let start = end.saturating_sub(block);
        if end < n {
            // B[start..end] -= L[end.., start..end]ᵀ X[end..]
            let (mut head, done) = b.view_mut().split_at(Axis(0), end);
            general_mat_mul(
                -1.0,
                &sub(l.view(), end.., start..end).t(),
                &done,
                1.0,
                &mut sub_mut(head.view_mut(), start.., ..),
            );
        }
        for i in (start..end).rev() {
            let lii = l[[i, i]];
            b.row_mut(i).mapv_inplace(|v| v / lii);
            for k in start..i {
                let lik = l[[i, k]];
                if lik != 0.0 {
                    let (mut upper, lower) = b.view_mut().split_at(Axis(0), i);
                    let src = lower.row(0);
                    upper.row_mut(k).scaled_add(-lik, &src);
                }
            }
        }
        end = start;
    }
}

/// `x ← L⁻¹ x` (forward substitution by dot products of rows).
fn forward_vec(l: ArrayView2<'_, f64>, x: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let row = l.row(i);
        let s = match row.as_slice() {
            Some(r) => dot(&r[..i], &x[..i]),
            None => (0..i).map(|k| row[k] * x[k]).sum(),
        };
        x[i] = (x[i] - s) / row[i];
    }
}

/// `x ← L⁻ᵀ x` (backward substitution by row updates).
fn backward_vec(l: ArrayView2<'_, f64>, x: &mut [f64]) {
    let n = x.len();
    for i in (0..n).rev() {
        let row = l.row(i);
        let xi = x[i] / row[i];
        x[i] = xi;
        match row.as_slice() {
            Some(r) => axpy(-xi, &r[..i], &mut x[..i]),
            None => {
                for k in 0..i {
                    x[k] -= xi * row[k];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn spd(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let m = Array2::from_shape_fn((n, n), |_| rng.random::<f64>() - 0.5);
        let mut a = m.dot(&m.t());
        a.diag_mut().mapv_inplace(|d| d + 0.1);
        a
    }

    #[test]
    fn blocked_factor_matches_unblocked_and_reconstructs() {
        for n in [1, 5, 63, 64, 65, 150] {
            let a = spd(n, n as u64);
            let blocked = Cholesky::factor_with_block(&a, 16).unwrap();
            let plain = Cholesky::factor_with_block(&a, n).unwrap();
            let diff = (&blocked.l - &plain.l)
                .mapv(f64::abs)
                .fold(0.0f64, |m, v| m.max(*v));
            assert!(diff < 1e-10, "n={n}: {diff}");
            let back = blocked.l.dot(&blocked.l.t());
            let err = (&back - &a).mapv(f64::abs).fold(0.0f64, |m, v| m.max(*v));
            assert!(err < 1e-10, "n={n}: {err}");
            assert_eq!(blocked.jitter(), 0.0);
        }
    }

    #[test]
    fn solves_and_inverse_agree() {
        let n = 140;
        let a = spd(n, 3);
        let c = Cholesky::factor(&a).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let b = Array2::from_shape_fn((n, 7), |_| rng.random::<f64>());
        let mut x = b.clone();
        c.solve_lower_in_place(x.view_mut());
        c.solve_upper_in_place(x.view_mut());
        let err = (&a.dot(&x) - &b)
            .mapv(f64::abs)
            .fold(0.0f64, |m, v| m.max(*v));
        assert!(err < 1e-8, "{err}");
        let v = b.column(0);
        let xv = c.solve(v);
        assert!((&xv - &x.column(0)).mapv(f64::abs).sum() < 1e-8);
        let fb = c.backward(c.forward(v).view());
        assert!((&fb - &xv).mapv(f64::abs).sum() < 1e-8);
        let inv = c.inverse();
        let eye = a.dot(&inv);
        let err = (&eye - &Array2::<f64>::eye(n))
            .mapv(f64::abs)
            .fold(0.0f64, |m, v| m.max(*v));
        assert!(err < 1e-8, "{err}");
        let ld: f64 = c.log_det();
        let plain = Cholesky::factor_with_block(&a, n).unwrap();
        assert!((ld - plain.log_det()).abs() < 1e-9);
    }

    #[test]
    fn removing_a_row_matches_a_fresh_factor_of_the_rest() {
        let n = 90;
        let a = spd(n, 6);
        let c = Cholesky::factor(&a).unwrap();
        for j in [0, 1, 37, n - 2, n - 1] {
            let keep: Vec<usize> = (0..n).filter(|i| *i != j).collect();
            let rest = a.select(Axis(0), &keep).select(Axis(1), &keep);
            let fresh = Cholesky::factor(&rest).unwrap();
            let removed = c.remove(j).unwrap();
            let err = (&removed.l - &fresh.l)
                .mapv(f64::abs)
                .fold(0.0f64, |m, v| m.max(*v));
            assert!(err < 1e-10, "row {j}: {err}");
            assert!(removed.l.iter().all(|v| v.is_finite()));
        }
        assert!(c.remove(n).is_none());
    }

    #[test]
    fn jitter_rescues_a_singular_matrix_and_fails_clearly_on_a_negative_one() {
        // Rank one: x xᵀ.
        let x = Array1::from_iter((0..10).map(|i| i as f64 + 1.0));
        let a = x
            .view()
            .insert_axis(Axis(1))
            .dot(&x.view().insert_axis(Axis(0)));
        let c = Cholesky::factor(&a).unwrap();
        assert!(c.jitter() > 0.0);
        let neg = Array2::<f64>::eye(4) * -1.0;
        let err = Cholesky::factor(&neg).unwrap_err();
        assert!(matches!(
            err,
            SurrogateError::NotPositiveDefinite { size: 4, .. }
        ));
        assert!(err.to_string().contains("noise"), "{err}");
    }

    #[test]
    fn extension_matches_a_fresh_factor() {
        let n = 90;
        let a = spd(n, 5);
        let c = Cholesky::factor(&sub(a.view(), ..70, ..70).to_owned()).unwrap();
        let ext = c
            .extend(sub(a.view(), 70.., ..70), sub(a.view(), 70.., 70..))
            .unwrap();
        let fresh = Cholesky::factor(&a).unwrap();
        let diff = (&ext.l - &fresh.l)
            .mapv(f64::abs)
            .fold(0.0f64, |m, v| m.max(*v));
        assert!(diff < 1e-9, "{diff}");
    }

    #[test]
    fn an_extension_that_would_need_a_jitter_of_its_own_is_refused() {
        // Two new rows, both copies of one new point, the second's variance
        // a hair smaller: their Schur complement `[[s, s], [s, s − ε]]` is
        // indefinite by `ε`, so only a jitter on the new block's diagonal
        // would factor it (which an earlier version accepted).
        let n = 20;
        let a = spd(n + 1, 3);
        let c = Cholesky::factor(&sub(a.view(), ..n, ..n).to_owned()).unwrap();
        assert_eq!(c.jitter(), 0.0);
        let row = sub(a.view(), n..n + 1, ..n);
        let b21 = ndarray::concatenate(Axis(0), &[row, row]).unwrap();
        let mut b22 = Array2::from_elem((2, 2), a[[n, n]]);
        b22[[1, 1]] -= 1e-12 * a[[n, n]];
        // What the old code did: the block alone factors, with a jitter.
        let l21t = {
            let mut t = b21.t().to_owned();
            c.solve_lower_in_place(t.view_mut());
            t
        };
        let schur = &b22 - &l21t.t().dot(&l21t);
        assert!(Cholesky::factor(&schur).unwrap().jitter() > 0.0);
        let err = c.extend(b21.view(), b22.view()).unwrap_err();
        assert!(matches!(
            err,
            SurrogateError::NotPositiveDefinite { size, .. } if size == n + 2
        ));
        // One copy of the point extends.
        assert!(c
            .extend(sub(a.view(), n.., ..n), sub(a.view(), n.., n..))
            .is_ok());
    }
}
