//! Evaluation of the multivariate model: one mixture of product kernels,
//! the same component across all dimensions.
//!
//! The continuous dimensions' part of every component's log-density,
//! `Σ_d h_dk (x_d - μ_dk)²` with `h = -1/(2σ²)`, expands into
//! `Σ_d h_dk x_d² - 2 h_dk μ_dk x_d + h_dk μ_dk²`: for a block of points that
//! is one matrix product of their features `[x_d², x_d]` with a fixed
//! `2D × K` matrix, plus a per-component constant. The product runs in
//! `matrixmultiply`'s blocked, runtime-dispatched SIMD kernels, several
//! times faster than the direct loops. The expansion costs some rounding:
//! about `|h| · ε` absolute in the log-density, at most `2e-11` for the
//! narrowest kernels the bandwidth rules produce (σ ≥ 0.005).

use ndarray::linalg::general_mat_mul;
use std::cell::RefCell;

use ndarray::{
    Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, ShapeBuilder, Slice,
};

use super::kernels::{DimensionKernels, Location};
use super::vecmath::{add_then_max, log_sum_exp, log_sum_exp_given_max};

/// Points evaluated per matrix product: the block of `points × components`
/// terms stays within about 256 KiB, inside a core's L2 cache...
const BLOCK_TERMS: usize = 32 * 1024;
/// ...but holds at least this many points (when there are that many): each
/// product repacks the whole `2C × K` coefficient matrix, and the product's
/// kernels work on 8 rows at a time. With 10,000 components the cache rule
/// alone made blocks of 3 points, so TPE's 24 candidates took 8 products of
/// mostly idle kernels; blocks of 8 cut the whole suggestion by about 14%.
/// (Larger blocks were slower: their buffers outgrow what the allocator
/// keeps, and every call page-faults them in anew.)
const MIN_BLOCK_POINTS: usize = 8;

thread_local! {
    /// Each thread's buffer of components × points terms for
    /// [`JointLayout::log_pdf`], kept from one call to the next: at a
    /// thousand components it is about 200 KiB, which the allocator would
    /// otherwise hand back to the system and page-fault in again on every
    /// call (measured: a sixth of a 10-float TPE study's time).
    static TERMS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// The multivariate mixture laid out for evaluation.
///
/// Its matrices are kept from one fit to the next of a memo (a TPE bad
/// density gains a trial or two per ask): with a [`Growth`], a new layout
/// moves the previous columns to their new components and writes only the
/// changed ones, instead of writing every entry again.
#[derive(Debug, Clone)]
pub(crate) struct JointLayout {
    /// Per component: `ln w_k`, every continuous kernel's normaliser, and
    /// `Σ_d h_dk μ_dk²`.
    base: Vec<f64>,
    /// Indices of the continuous dimensions.
    continuous: Vec<usize>,
    /// The row stride of `quadratic` and `constants`, at least the number
    /// of components: room for the rows to grow in place.
    stride: usize,
    /// `2C × K`, row-major (stride `stride`): for continuous dimension `i`,
    /// row `2i` holds `h_dk` and row `2i + 1` holds `-2 h_dk μ_dk`.
    quadratic: Vec<f64>,
    /// `C × K` (stride `stride`): each continuous kernel's share of the
    /// base, `c_dk + h_dk μ_dk²` (its normaliser `c` and the constant of its
    /// quadratic), added to `ln w_k` dimension by dimension.
    constants: Vec<f64>,
}

/// How the continuous kernels of a fit differ from those of the fit whose
/// layout it reuses: every previous observation row is still there (in
/// order), `added` rows came in (their indices in the new fit, increasing),
/// and in each continuous dimension (by index) only the rows listed in
/// `changed` have another kernel (added ones among them). Components are
/// the rows in order, then the prior, in both fits.
#[derive(Debug, Clone, Default)]
pub(crate) struct Growth {
    pub(crate) old_rows: usize,
    pub(crate) added: Vec<usize>,
    /// Per continuous dimension in order: (dimension, end of its rows in
    /// `rows`).
    pub(crate) changed: Vec<(usize, usize)>,
    pub(crate) rows: Vec<usize>,
}

impl JointLayout {
    /// Lay out `dims` with component log-weights `log_w`, in the buffers
    /// of `reuse` when given (a layout of the previous fit: at a thousand
    /// components and 40 dimensions the matrix is 640 KiB, which a fresh
    /// allocation page-faults in anew on every fit). With `growth`, saying
    /// how these kernels differ from those `reuse` was laid out for, only
    /// the changed entries are written.
    pub(crate) fn new(
        dims: &[DimensionKernels],
        log_w: &[f64],
        reuse: Option<Self>,
        growth: Option<&Growth>,
    ) -> Self {
        let k = log_w.len();
        let continuous = dims
            .iter()
            .enumerate()
            .filter_map(|(i, d)| matches!(d, DimensionKernels::Continuous { .. }).then_some(i));
        let mut layout = match reuse {
            Some(mut old) => {
                if let Some(g) = growth.filter(|g| old.can_grow(continuous.clone(), k, g)) {
                    old.grow(dims, g);
                    old.rebase(log_w);
                    return old;
                }
                old.continuous.clear();
                old
            }
            None => Self {
                base: Vec::new(),
                continuous: Vec::new(),
                stride: 0,
                quadratic: Vec::new(),
                constants: Vec::new(),
            },
        };
        layout.continuous.extend(continuous);
        layout.lay_out_whole(dims, k);
        layout.rebase(log_w);
        layout
    }

    /// Writes every entry of both matrices for `k` components.
    fn lay_out_whole(&mut self, dims: &[DimensionKernels], k: usize) {
        // Room for a few hundred more components before the rows move.
        if self.stride < k || self.stride > 2 * k + 512 {
            self.stride = k + k / 4 + 64;
        }
        let (stride, c) = (self.stride, self.continuous.len());
        // Every entry in use is written below: old contents need no clearing.
        self.quadratic.resize(2 * c * stride, 0.0);
        self.constants.resize(c * stride, 0.0);
        let pairs = self.quadratic.chunks_exact_mut(2 * stride);
        let rows = pairs.zip(self.constants.chunks_exact_mut(stride));
        for (&d, (pair, constants)) in self.continuous.iter().zip(rows) {
            let DimensionKernels::Continuous { kernels: g, .. } = &dims[d] else {
                continue;
            };
            let (mu, h, offsets) = (g.mu(), g.neg_half_precision(), g.log_density_offsets());
            let (square, linear) = pair.split_at_mut(stride);
            let columns = square
                .iter_mut()
                .zip(linear.iter_mut())
                .zip(constants.iter_mut());
            let kernels = offsets.iter().zip(h).zip(mu).take(k);
            for (((&o, &h), &m), ((q2, q1), t)) in kernels.zip(columns) {
                *q2 = h;
                *q1 = -2.0 * h * m;
                *t = o + h * m * m;
            }
        }
    }

    /// Whether the layout can grow by `g` into one of `k` components over
    /// the continuous dimensions `continuous`.
    fn can_grow(&self, continuous: impl Iterator<Item = usize>, k: usize, g: &Growth) -> bool {
        let added = g.added.len();
        self.continuous.iter().copied().eq(continuous)
            && self
                .continuous
                .iter()
                .copied()
                .eq(g.changed.iter().map(|c| c.0))
            && self.base.len() == g.old_rows + 1
            && k == g.old_rows + added + 1
            && k <= self.stride
            && g.added.iter().all(|&a| a + 1 < k)
            && g.changed.iter().all(|&(_, end)| end <= g.rows.len())
    }

    /// Moves every previous column to its new component (each row as
    /// [`Vec::insert`] would for the added rows, in one pass) and writes the
    /// added, changed and prior columns from `dims`.
    fn grow(&mut self, dims: &[DimensionKernels], g: &Growth) {
        let stride = self.stride;
        let k = g.old_rows + g.added.len() + 1;
        let shift = |row: &mut [f64]| {
            // Previous rows from `added[j] - j` on come after added row j:
            // moved up by j + 1, the last stretch first.
            let mut end = g.old_rows;
            for (j, &a) in g.added.iter().enumerate().rev() {
                let start = a - j;
                row.copy_within(start..end, start + j + 1);
                end = start;
            }
        };
        self.quadratic.chunks_exact_mut(stride).for_each(shift);
        self.constants.chunks_exact_mut(stride).for_each(shift);
        let pairs = self.quadratic.chunks_exact_mut(2 * stride);
        let rows = pairs.zip(self.constants.chunks_exact_mut(stride));
        let mut from = 0;
        for (&(d, end), (pair, constants)) in g.changed.iter().zip(rows) {
            let changed = g.rows.get(from..end).unwrap_or_default();
            from = end;
            let Some(DimensionKernels::Continuous { kernels: gk, .. }) = dims.get(d) else {
                continue;
            };
            let (mu, h, offsets) = (gk.mu(), gk.neg_half_precision(), gk.log_density_offsets());
            let (square, linear) = pair.split_at_mut(stride);
            let prior = k - 1;
            for &r in changed.iter().chain(&g.added).chain([&prior]) {
                let (Some(&h), Some(&m), Some(&o)) = (h.get(r), mu.get(r), offsets.get(r)) else {
                    continue;
                };
                square[r] = h;
                linear[r] = -2.0 * h * m;
                constants[r] = o + h * m * m;
            }
        }
    }

    /// `base` from the log-weights and the kernels' constants, dimension by
    /// dimension (in the order of additions every fit has used).
    fn rebase(&mut self, log_w: &[f64]) {
        self.base.clear();
        self.base.extend_from_slice(log_w);
        for constants in self
            .constants
            .chunks_exact(self.stride.max(1))
            .take(self.continuous.len())
        {
            for (b, &t) in self.base.iter_mut().zip(constants) {
                *b += t;
            }
        }
    }

    /// The `2C × K` matrix of quadratic coefficients.
    fn quadratic(&self) -> Option<ArrayView2<'_, f64>> {
        let shape = (2 * self.continuous.len(), self.base.len());
        let strides = (self.stride, 1);
        ArrayView2::from_shape(shape.strides(strides), &self.quadratic).ok()
    }

    /// Log-density of each row of `points` (shapes already checked).
    pub(crate) fn log_pdf(
        &self,
        kernels: &[DimensionKernels],
        points: ArrayView2<'_, f64>,
        out: &mut ArrayViewMut1<'_, f64>,
    ) {
        let n = points.nrows();
        let k = self.base.len();
        // A discrete dimension evaluated at more points than it has levels is
        // cheaper through a levels × components table of kernel masses.
        let tables: Vec<Option<Vec<f64>>> = kernels
            .iter()
            .map(|d| match d {
                DimensionKernels::Discrete { levels, masses, .. } if *levels <= n => {
                    Some(masses.table())
                }
                _ => None,
            })
            .collect();
        let all_continuous = self.continuous.len() == kernels.len();
        let block = (BLOCK_TERMS / k.max(1)).max(MIN_BLOCK_POINTS).min(n.max(1));
        let mut features = Array2::zeros((block, 2 * self.continuous.len()));
        // Only a discrete dimension without its table needs it: allocated
        // then, not on every call.
        let mut scratch = Vec::new();
        TERMS.with_borrow_mut(|terms| {
            // Components × points, column-major: each point's terms
            // contiguous. Old contents are overwritten, never read.
            if terms.len() < k * block {
                terms.resize(k * block, 0.0);
            }
            for start in (0..n).step_by(block) {
                let rows = block.min(n - start);
                let chunk = points.slice_axis(Axis(0), Slice::from(start..start + rows));
                for (mut f, p) in features.rows_mut().into_iter().zip(chunk.rows()) {
                    for (i, &d) in self.continuous.iter().enumerate() {
                        // Off-support and NaN points are answered below;
                        // keep their features finite.
                        let x = if (0.0..=1.0).contains(&p[d]) {
                            p[d]
                        } else {
                            0.0
                        };
                        f[2 * i] = x * x;
                        f[2 * i + 1] = x;
                    }
                }
                let used = &mut terms[..k * rows];
                if self.continuous.is_empty() {
                    used.fill(0.0);
                } else {
                    // The transposed product, `quadratic^T · features^T`:
                    // the same sums in the same order (bit for bit), but the
                    // big operand is the left one, which `matrixmultiply`
                    // packs a few rows at a time, where the right one is
                    // packed whole: a fresh buffer the size of `quadratic`
                    // per call, whose page faults cost more than the product.
                    let f = features.slice_axis(Axis(0), Slice::from(..rows));
                    let (Ok(mut t), Some(q)) = (
                        ArrayViewMut2::from_shape((k, rows).f(), used),
                        self.quadratic(),
                    ) else {
                        // Cannot happen: `used` holds exactly k × rows, and
                        // the matrix 2C rows of `stride`.
                        out.fill(f64::NAN);
                        return;
                    };
                    general_mat_mul(1.0, &q.t(), &f.t(), 0.0, &mut t);
                }
                let outs = out.slice_axis_mut(Axis(0), Slice::from(start..start + rows));
                let columns = used.chunks_exact_mut(k.max(1));
                for ((p, acc), o) in chunk.rows().into_iter().zip(columns).zip(outs) {
                    let max = add_then_max(acc, &self.base);
                    // Every dimension continuous and the point inside: no
                    // other terms, no dimension to locate it in one by one.
                    let inside = || p.iter().fold(true, |all, x| all & (0.0..=1.0).contains(x));
                    *o = if all_continuous && inside() {
                        log_sum_exp_given_max(acc, max)
                    } else {
                        self.finish_point(kernels, &tables, p, acc, &mut scratch)
                    };
                }
            }
        });
    }

    /// Add the discrete and categorical dimensions' terms of one point to
    /// `acc` (which holds the rest) and return its log-density.
    fn finish_point(
        &self,
        kernels: &[DimensionKernels],
        tables: &[Option<Vec<f64>>],
        point: ArrayView1<'_, f64>,
        acc: &mut [f64],
        scratch: &mut Vec<f64>,
    ) -> f64 {
        let k = acc.len();
        let mut result = None;
        for ((&x, d), table) in point.iter().zip(kernels).zip(tables) {
            match d.locate(x) {
                Location::Nan => result = Some(f64::NAN),
                Location::Outside => result = result.or(Some(f64::NEG_INFINITY)),
                Location::Inside(_) if result.is_some() => {}
                Location::Inside(v) => match d {
                    DimensionKernels::Continuous { .. } => {}
                    DimensionKernels::Discrete { masses, .. } => {
                        let terms = match table {
                            Some(t) => &t[v * k..(v + 1) * k],
                            None => {
                                scratch.resize(k, 0.0);
                                masses.fill_level(v, scratch);
                                &scratch[..]
                            }
                        };
                        for (a, t) in acc.iter_mut().zip(terms) {
                            *a += t;
                        }
                    }
                    DimensionKernels::Categorical(c) => c.add_log_prob(v, acc),
                },
            }
        }
        result.unwrap_or_else(|| log_sum_exp(acc))
    }
}

#[cfg(test)]
mod tests {
    use crate::parzen::{default_weights, Dimension, ParzenEstimator, ParzenSettings};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn fitted(rows: usize, dims: &[Dimension], seed: u64) -> ParzenEstimator {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let obs = Array2::from_shape_fn((rows, dims.len()), |(_, j)| match dims[j] {
            Dimension::Categorical { choices } => rng.random_range(0..choices) as f64,
            _ => rng.random(),
        });
        let s = ParzenSettings::multivariate().validate().unwrap();
        let w = default_weights(rows);
        ParzenEstimator::fit(obs.view(), w.view(), dims, &s).unwrap()
    }

    /// The terms buffer is kept per thread and reused with whatever the
    /// last evaluation left in it (`TERMS`): an evaluation must not depend
    /// on what was evaluated before it, on this thread or another, for
    /// fewer or more components, points or dimensions than the last.
    #[test]
    fn evaluations_do_not_depend_on_earlier_ones() {
        let small_dims = [Dimension::Continuous, Dimension::Categorical { choices: 3 }];
        let big_dims = [Dimension::Continuous; 5];
        let small = fitted(40, &small_dims, 1);
        let big = fitted(900, &big_dims, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let points = small.sample(&mut rng, 50);
        let first = small.log_pdf(points.view());
        let elsewhere =
            std::thread::scope(|s| s.spawn(|| small.log_pdf(points.view())).join().unwrap());
        // A bigger model over more points fills more of the buffer...
        let big_points = big.sample(&mut rng, 70);
        assert!(big.log_pdf(big_points.view()).iter().all(|v| v.is_finite()));
        // ...and a smaller one over fewer reads only what it wrote.
        let few = small.log_pdf(points.slice_axis(ndarray::Axis(0), ndarray::Slice::from(..7)));
        let again = small.log_pdf(points.view());
        for (i, ((a, b), c)) in first.iter().zip(&again).zip(&elsewhere).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "point {i}");
            assert_eq!(a.to_bits(), c.to_bits(), "point {i}, other thread");
        }
        for (a, b) in first.iter().zip(&few) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
