//! Evaluation of the univariate model: each dimension its own mixture, the
//! log-density the sum of the dimensions' log-densities.

use ndarray::{ArrayView2, ArrayViewMut1};

use super::kernels::{DimensionKernels, Location};
use super::vecmath::log_sum_exp;

/// Per dimension, its mixture laid out for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct IndependentLayout {
    dims: Vec<IndependentDim>,
}

/// One dimension's own mixture.
#[derive(Debug, Clone)]
enum IndependentDim {
    /// Continuous: the kernels re-sorted by centre (a dimension's own mixture
    /// does not care about component order), so that for any point the
    /// far-away kernels form whole chunks that log-sum-exp skips.
    Continuous {
        mu: Vec<f64>,
        neg_half_precision: Vec<f64>,
        /// `ln w_k` plus the kernel's normaliser.
        base: Vec<f64>,
    },
    /// Discrete or categorical: `ln w_k` in component order; the kernels
    /// supply the rest.
    Other { base: Vec<f64> },
}

impl IndependentLayout {
    /// Lay out `dims` (kernels built with `order_by_centre`) with component
    /// log-weights `log_w`.
    pub(crate) fn new(dims: &[DimensionKernels], log_w: &[f64]) -> Self {
        let dims = dims
            .iter()
            .map(|d| {
                let DimensionKernels::Continuous { kernels: g, .. } = d else {
                    return IndependentDim::Other {
                        base: log_w.to_vec(),
                    };
                };
                let order = g.by_centre();
                IndependentDim::Continuous {
                    mu: order.iter().map(|&k| g.mu()[k]).collect(),
                    neg_half_precision: order.iter().map(|&k| g.neg_half_precision()[k]).collect(),
                    base: order
                        .iter()
                        .map(|&k| log_w[k] + g.log_density_offsets()[k])
                        .collect(),
                }
            })
            .collect();
        Self { dims }
    }

    /// Log-density of each row of `points` (shapes already checked).
    pub(crate) fn log_pdf(
        &self,
        kernels: &[DimensionKernels],
        points: ArrayView2<'_, f64>,
        out: &mut ArrayViewMut1<'_, f64>,
    ) {
        let k = self.dims.first().map_or(0, |d| match d {
            IndependentDim::Continuous { base, .. } | IndependentDim::Other { base } => base.len(),
        });
        let mut acc = vec![0.0; k];
        // A discrete or categorical dimension with no more values than there
        // are points: its mixture's log-density per value, computed once.
        let tables: Vec<Option<Vec<f64>>> = kernels
            .iter()
            .zip(&self.dims)
            .map(|(d, e)| match (d.values(), e) {
                (Some(values), IndependentDim::Other { base }) if values <= points.nrows() => Some(
                    (0..values)
                        .map(|v| mixture_at(d, base, v, &mut acc))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        for (row, o) in points.rows().into_iter().zip(out.iter_mut()) {
            let mut total = 0.0;
            for (((&x, d), e), table) in row.iter().zip(kernels).zip(&self.dims).zip(&tables) {
                total += match d.locate(x) {
                    Location::Nan => f64::NAN,
                    Location::Outside => f64::NEG_INFINITY,
                    Location::Inside(v) => match (e, table) {
                        (_, Some(t)) => t[v],
                        (
                            IndependentDim::Continuous {
                                mu,
                                neg_half_precision,
                                base,
                            },
                            None,
                        ) => {
                            for (((a, &b), &m), &h) in
                                acc.iter_mut().zip(base).zip(mu).zip(neg_half_precision)
                            {
                                let dx = x - m;
                                *a = b + h * dx * dx;
                            }
                            log_sum_exp(&acc)
                        }
                        (IndependentDim::Other { base }, None) => mixture_at(d, base, v, &mut acc),
                    },
                };
            }
            *o = total;
        }
    }
}

/// One discrete or categorical dimension's mixture log-density at level or
/// category `v` (NaN for a continuous dimension, which has no such values).
fn mixture_at(d: &DimensionKernels, base: &[f64], v: usize, acc: &mut [f64]) -> f64 {
    if d.fill_log_mass(v, acc).is_none() {
        return f64::NAN;
    }
    for (a, b) in acc.iter_mut().zip(base) {
        *a += b;
    }
    log_sum_exp(acc)
}
