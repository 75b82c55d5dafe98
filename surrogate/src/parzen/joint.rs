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
use super::vecmath::log_sum_exp;

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
#[derive(Debug, Clone)]
pub(crate) struct JointLayout {
    /// Per component: `ln w_k`, every continuous kernel's normaliser, and
    /// `Σ_d h_dk μ_dk²`.
    base: Vec<f64>,
    /// Indices of the continuous dimensions.
    continuous: Vec<usize>,
    /// `2C × K`: for continuous dimension `i`, row `2i` holds `h_dk` and row
    /// `2i + 1` holds `-2 h_dk μ_dk`.
    quadratic: Array2<f64>,
}

impl JointLayout {
    /// Lay out `dims` with component log-weights `log_w`, in the buffers
    /// of `reuse` when given (a layout of the previous fit: at a thousand
    /// components and 40 dimensions the matrix is 640 KiB, which a fresh
    /// allocation page-faults in anew on every fit).
    pub(crate) fn new(dims: &[DimensionKernels], log_w: &[f64], reuse: Option<Self>) -> Self {
        let k = log_w.len();
        let (mut base, mut continuous, quadratic) = match reuse {
            Some(old) => (
                old.base,
                old.continuous,
                old.quadratic.into_raw_vec_and_offset().0,
            ),
            None => Default::default(),
        };
        continuous.clear();
        continuous.extend(
            dims.iter()
                .enumerate()
                .filter_map(|(i, d)| matches!(d, DimensionKernels::Continuous { .. }).then_some(i)),
        );
        base.clear();
        base.extend_from_slice(log_w);
        // Every entry is written below: old contents need no clearing.
        let shape = (2 * continuous.len(), k);
        let mut quadratic = quadratic;
        quadratic.resize(shape.0 * shape.1, 0.0);
        let pairs = quadratic.chunks_exact_mut(2 * k.max(1));
        for (&d, pair) in continuous.iter().zip(pairs) {
            let DimensionKernels::Continuous { kernels: g, .. } = &dims[d] else {
                continue;
            };
            let (mu, h, offsets) = (g.mu(), g.neg_half_precision(), g.log_density_offsets());
            for (((b, &o), &h), &m) in base.iter_mut().zip(offsets).zip(h).zip(mu) {
                *b += o + h * m * m;
            }
            let (square, linear) = pair.split_at_mut(k);
            if square.len() == h.len() {
                square.copy_from_slice(h);
            }
            for ((q, &h), &m) in linear.iter_mut().zip(h).zip(mu) {
                *q = -2.0 * h * m;
            }
        }
        // Cannot fail: the buffer was resized to the shape.
        let quadratic =
            Array2::from_shape_vec(shape, quadratic).unwrap_or_else(|_| Array2::zeros(shape));
        Self {
            base,
            continuous,
            quadratic,
        }
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
        let mut scratch = vec![0.0; k];
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
                    let Ok(mut t) = ArrayViewMut2::from_shape((k, rows).f(), used) else {
                        // Cannot happen: `used` holds exactly k × rows.
                        out.fill(f64::NAN);
                        return;
                    };
                    general_mat_mul(1.0, &self.quadratic.t(), &f.t(), 0.0, &mut t);
                }
                let outs = out.slice_axis_mut(Axis(0), Slice::from(start..start + rows));
                let columns = used.chunks_exact_mut(k.max(1));
                for ((p, acc), o) in chunk.rows().into_iter().zip(columns).zip(outs) {
                    for (a, &b) in acc.iter_mut().zip(&self.base) {
                        *a += b;
                    }
                    // Every dimension continuous and the point inside: no
                    // other terms, no dimension to locate it in one by one.
                    let inside = || p.iter().fold(true, |all, x| all & (0.0..=1.0).contains(x));
                    *o = if all_continuous && inside() {
                        log_sum_exp(acc)
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
        scratch: &mut [f64],
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
