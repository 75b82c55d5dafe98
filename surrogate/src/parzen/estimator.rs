//! The Parzen estimator: fit, sample, log-density.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1};
use rand::{Rng, RngCore};

use super::bandwidth::BandwidthContext;
use super::independent::IndependentLayout;
use super::joint::JointLayout;
use super::kernels::{BuildContext, Component, Dimension, DimensionKernels};
use super::memo::FitMemo;
use super::settings::ValidParzenSettings;
use crate::SurrogateError;

/// A weighted mixture of kernels on the unit cube, one kernel per
/// observation plus a prior: the `l(x)` and `g(x)` of TPE.
///
/// Densities are with respect to Lebesgue measure on continuous dimensions
/// and counting measure on discrete and categorical ones: a discrete level's
/// factor is its probability, not a probability per unit length. The ratio
/// of two estimators' densities, which is what TPE ranks by, does not depend
/// on that choice.
///
/// Fitting is linear in observations × dimensions, plus one integer sort per
/// numeric dimension for the univariate layout ([`super::Bandwidth::MagicClip`]
/// alone sorts only the few stretches of a grid where neighbours are sparse).
/// Discrete dimensions also note which kernels repeat, so that evaluation
/// computes level probabilities once per distinct kernel.
/// Evaluation is the hot path and is laid out for it: the joint
/// model as a blocked matrix product plus one log-sum-exp per point, the
/// univariate one with each dimension's kernels sorted by centre so that
/// far-away kernels are skipped in whole chunks. Costs, per point, are about
/// `components × (dims + 1)` multiply-adds and `components` exponentials
/// (joint), or the exponentials of the kernels within ~10 widths of each
/// coordinate (univariate).
#[derive(Debug, Clone)]
pub struct ParzenEstimator {
    /// Per dimension, one kernel per component.
    dims: Vec<DimensionKernels>,
    /// Normalised component weights (positive, sum 1), cumulated for sampling.
    cumulative: Vec<f64>,
    /// How the dimensions combine, laid out for evaluation.
    mode: Mode,
    /// The serial of the memo fit that made this estimator (0: none), whose
    /// memo lent it its continuous kernels' arrays: [`Self::recycle`] gives
    /// them back.
    serial: u64,
}

/// The evaluation layout of one of the two ways of combining dimensions.
#[derive(Debug, Clone)]
enum Mode {
    /// One mixture of product kernels.
    Joint(JointLayout),
    /// One mixture per dimension.
    Independent(IndependentLayout),
}

impl ParzenEstimator {
    /// Fit to `observations` (n × d, unit coordinates; categorical columns
    /// hold indices) with non-negative per-observation `weights` (n of them,
    /// need not sum to 1) and one [`Dimension`] per column. With `n = 0` the
    /// estimator is the prior alone, so a searcher can use it from its
    /// first trial.
    ///
    /// Observations with weight 0 still shape their neighbours' bandwidths
    /// but get no kernel of their own.
    pub fn fit(
        observations: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
        dims: &[Dimension],
        settings: &ValidParzenSettings,
    ) -> Result<Self, SurrogateError> {
        Self::fit_inner(observations, weights, dims, settings, None)
    }

    /// [`Self::fit`] that reuses what the previous fit with `memo` left
    /// (and leaves this fit's for the next): the same estimator, bit for
    /// bit, faster when most observations are the previous ones. `ids`
    /// names each observation row and must increase with the row (a TPE
    /// searcher passes trial numbers); with ids that do not, or a univariate
    /// model, this is a plain fit.
    ///
    /// # Errors
    /// As [`Self::fit`]; also [`SurrogateError::IdCountMismatch`] when
    /// `ids` is not one per row.
    pub fn fit_with_memo(
        observations: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
        dims: &[Dimension],
        settings: &ValidParzenSettings,
        ids: &[u64],
        memo: &mut FitMemo,
    ) -> Result<Self, SurrogateError> {
        if ids.len() != observations.nrows() {
            return Err(SurrogateError::IdCountMismatch {
                ids: ids.len(),
                observations: observations.nrows(),
            });
        }
        Self::fit_inner(observations, weights, dims, settings, Some((ids, memo)))
    }

    fn fit_inner(
        observations: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
        dims: &[Dimension],
        settings: &ValidParzenSettings,
        memo: Option<(&[u64], &mut FitMemo)>,
    ) -> Result<Self, SurrogateError> {
        let settings = settings.settings();
        let mut memo = memo.filter(|_| settings.multivariate);
        // With a memo, the previous rows' places first, and which continuous
        // columns still hold every previous centre, bit for bit: coordinates
        // an earlier fit checked, so only their added rows are checked
        // again (and the memo's refit need not compare them a second time).
        let (rows, kept) = match memo.as_mut() {
            Some((ids, memo)) => {
                let rows = memo.begin(ids, dims.len());
                let kept = dims.iter().zip(observations.columns()).enumerate();
                let kept = kept.map(|(d, (&dim, column))| {
                    let (Some(rows), Some(centres)) = (&rows, column.as_slice()) else {
                        return None;
                    };
                    (dim == Dimension::Continuous).then(|| memo.centres_kept(d, rows, centres))
                });
                let kept: Vec<Option<bool>> = kept.collect();
                (rows, kept)
            }
            None => (None, Vec::new()),
        };
        let checked = |d: usize| -> Option<&[usize]> {
            let added = rows.as_ref().map(|r| r.added());
            kept.get(d).copied().flatten().filter(|&k| k).and(added)
        };
        check_inputs(observations, weights, dims, checked)?;
        let n = observations.nrows();

        // n = 0: the prior is all there is, whatever its weight.
        let prior_weight = if n == 0 { 1.0 } else { settings.prior_weight };
        // Scale by the largest weight first so the sum cannot overflow.
        let scale = weights.iter().fold(prior_weight, |m, &w| m.max(w));
        if scale <= 0.0 {
            return Err(SurrogateError::ZeroTotalWeight);
        }
        let total = weights.iter().map(|w| w / scale).sum::<f64>() + prior_weight / scale;
        let mut components = Vec::with_capacity(n + 1);
        let mut probabilities = Vec::with_capacity(n + 1);
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                components.push(Component::Observation(i));
                probabilities.push(w / scale / total);
            }
        }
        if prior_weight > 0.0 {
            components.push(Component::Prior);
            probabilities.push(prior_weight / scale / total);
        }

        let ctx = BuildContext {
            components: &components,
            bandwidth: BandwidthContext {
                rule: settings.bandwidth,
                consider_endpoints: settings.consider_endpoints,
                with_prior: prior_weight > 0.0,
                prior_is_neighbour: settings.prior_is_neighbour,
                joint_dimensions: if settings.multivariate { dims.len() } else { 1 },
            },
            prior_weight,
            order_by_centre: !settings.multivariate,
            all_observations: BuildContext::components_are_all_observations(&components, n),
        };
        let (mut layout, mut growth, mut serial) = (None, None, 0);
        let kernels: Vec<DimensionKernels> = match memo {
            None => dims
                .iter()
                .zip(observations.columns())
                .map(|(&dim, column)| DimensionKernels::build(dim, column, &ctx))
                .collect(),
            Some((ids, memo)) => {
                // Only for a column that is not contiguous.
                let mut mus = Vec::new();
                let kernels = dims
                    .iter()
                    .zip(observations.columns())
                    .enumerate()
                    .map(|(d, (&dim, column))| {
                        if dim != Dimension::Continuous {
                            memo.clear_column(d);
                            return DimensionKernels::build(dim, column, &ctx);
                        }
                        // The column itself when contiguous (as TPE lays it out).
                        let centres = match column.as_slice() {
                            Some(contiguous) => contiguous,
                            None => {
                                mus.clear();
                                mus.extend(column.iter().copied());
                                &mus[..]
                            }
                        };
                        DimensionKernels::Continuous {
                            kernels: memo.kernels(
                                d,
                                rows.as_ref(),
                                centres,
                                kept.get(d).copied().flatten(),
                                &ctx,
                            ),
                            snap_levels: None,
                        }
                    })
                    .collect();
                memo.finish(ids);
                serial = memo.serial();
                (layout, growth) = memo.layout_buffers(rows.as_ref());
                kernels
            }
        };

        let log_w: Vec<f64> = probabilities.iter().map(|p| p.ln()).collect();
        let mode = if settings.multivariate {
            Mode::Joint(JointLayout::new(&kernels, &log_w, layout, growth.as_ref()))
        } else {
            Mode::Independent(IndependentLayout::new(&kernels, &log_w))
        };

        let mut running = 0.0;
        let cumulative = probabilities
            .iter()
            .map(|p| {
                running += p;
                running
            })
            .collect();
        Ok(Self {
            dims: kernels,
            cumulative,
            mode,
            serial,
        })
    }

    /// Hands this estimator's big buffers (continuous kernels, the joint
    /// layout) to `memo`, whose next fit writes into them instead of
    /// allocating: call it when done with an estimator fitted with
    /// [`Self::fit_with_memo`]. The next fit is the same either way, but
    /// without it the next fit of each continuous dimension starts over:
    /// the memo lent this estimator its kernel arrays instead of copying
    /// them, and keeps its memory of a column only when they come back.
    pub fn recycle(self, memo: &mut FitMemo) {
        let kernels = self
            .dims
            .into_iter()
            .enumerate()
            .filter_map(|(d, k)| match k {
                DimensionKernels::Continuous { kernels, .. } => Some((d, kernels)),
                _ => None,
            });
        let layout = match self.mode {
            Mode::Joint(layout) => Some(layout),
            Mode::Independent(_) => None,
        };
        memo.keep_buffers(self.serial, kernels, layout);
    }

    /// Number of dimensions.
    pub fn dimensions(&self) -> usize {
        self.dims.len()
    }

    /// Number of mixture components: observations with positive weight,
    /// plus the prior if it has weight.
    pub fn components(&self) -> usize {
        self.cumulative.len()
    }

    /// Whether the dimensions are modelled jointly.
    pub fn is_multivariate(&self) -> bool {
        matches!(self.mode, Mode::Joint(_))
    }

    /// Draw `n` points (n × d) from the density, using only `rng`.
    ///
    /// Jointly modelled dimensions share one component per point, so
    /// correlations between parameters carry over to the samples; otherwise
    /// each dimension draws its own component. Discrete coordinates come
    /// back as bin centres, categorical ones as indices.
    pub fn sample(&self, rng: &mut dyn RngCore, n: usize) -> Array2<f64> {
        let mut out = Array2::zeros((n, self.dims.len()));
        let joint = self.is_multivariate();
        for mut row in out.rows_mut() {
            let mut k = self.pick_component(rng);
            for (x, d) in row.iter_mut().zip(&self.dims) {
                if !joint {
                    k = self.pick_component(rng);
                }
                *x = d.sample(k, rng);
            }
        }
        out
    }

    fn pick_component(&self, rng: &mut dyn RngCore) -> usize {
        let u: f64 = rng.random();
        let last = self.cumulative.len().saturating_sub(1);
        self.cumulative.partition_point(|&c| c <= u).min(last)
    }

    /// Log-density of each row of `points` into `out`.
    ///
    /// Points outside the support (a coordinate outside `[0, 1]`, a
    /// categorical coordinate that rounds to no index) get `-inf`; a NaN
    /// coordinate gives NaN. Work is O(rows × components × dims); the
    /// joint model's components × points buffer is kept per thread between
    /// calls, and nothing is allocated per point.
    ///
    /// # Panics
    /// If `points` does not have one column per dimension or `out` one entry
    /// per row: a programming error, not a data error.
    pub fn log_pdf_into(&self, points: ArrayView2<'_, f64>, mut out: ArrayViewMut1<'_, f64>) {
        assert_eq!(
            points.ncols(),
            self.dims.len(),
            "points have {} columns, the estimator {} dimensions",
            points.ncols(),
            self.dims.len()
        );
        assert_eq!(
            points.nrows(),
            out.len(),
            "{} points but room for {} log-densities",
            points.nrows(),
            out.len()
        );
        match &self.mode {
            Mode::Joint(layout) => layout.log_pdf(&self.dims, points, &mut out),
            Mode::Independent(layout) => layout.log_pdf(&self.dims, points, &mut out),
        }
    }

    /// Log-density of each row of `points`; see [`Self::log_pdf_into`].
    pub fn log_pdf(&self, points: ArrayView2<'_, f64>) -> Array1<f64> {
        let mut out = Array1::zeros(points.nrows());
        self.log_pdf_into(points, out.view_mut());
        out
    }
}

/// Whether every value of `column` lies in `[0, 1]` (NaN does not). One
/// pass with no early exit, which vectorises: the early-exit form, a
/// compare and branch per value, was most of a memoised refit's own time
/// (it checks every coordinate of every observation).
fn all_in_unit_interval(column: ArrayView1<'_, f64>) -> bool {
    let inside = |all: bool, v: &f64| all & (0.0..=1.0).contains(v);
    match column.as_slice() {
        Some(values) => values.iter().fold(true, inside),
        None => column.iter().fold(true, inside),
    }
}

/// Shapes, weights and coordinates, checked before anything is built.
///
/// `checked(d)`, when some, lists the only rows of continuous column `d`
/// whose range needs checking (the others are values checked before).
fn check_inputs<'a>(
    observations: ArrayView2<'_, f64>,
    weights: ArrayView1<'_, f64>,
    dims: &[Dimension],
    checked: impl Fn(usize) -> Option<&'a [usize]>,
) -> Result<(), SurrogateError> {
    if dims.is_empty() {
        return Err(SurrogateError::NoDimensions);
    }
    for (i, d) in dims.iter().enumerate() {
        d.check(i)?;
    }
    if observations.ncols() != dims.len() {
        return Err(SurrogateError::DimensionMismatch {
            columns: observations.ncols(),
            dimensions: dims.len(),
        });
    }
    if weights.len() != observations.nrows() {
        return Err(SurrogateError::WeightCountMismatch {
            weights: weights.len(),
            observations: observations.nrows(),
        });
    }
    if let Some((index, &value)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(SurrogateError::InvalidWeight { index, value });
    }
    // Column by column first, each with one test in its loop (the layout
    // TPE passes is column-major); only a bad coordinate needs the scan
    // below, which names the first one in row order.
    let valid = |d: &Dimension, value: f64| match *d {
        Dimension::Categorical { choices } => {
            value.fract() == 0.0 && Dimension::category_of(value, choices).is_some()
        }
        _ => (0.0..=1.0).contains(&value),
    };
    let all_valid = dims
        .iter()
        .zip(observations.columns())
        .enumerate()
        .all(|(i, (d, column))| match (*d, checked(i)) {
            (Dimension::Categorical { .. }, _) => column.iter().all(|&v| valid(d, v)),
            (Dimension::Continuous, Some(rows)) => {
                let inside = |&r: &usize| column.get(r).is_some_and(|v| (0.0..=1.0).contains(v));
                rows.iter().all(inside)
            }
            _ => all_in_unit_interval(column),
        });
    if all_valid {
        return Ok(());
    }
    for (row, obs) in observations.rows().into_iter().enumerate() {
        for (dimension, (&value, d)) in obs.iter().zip(dims).enumerate() {
            if valid(d, value) {
                continue;
            }
            return Err(match *d {
                Dimension::Categorical { choices } => SurrogateError::InvalidCategory {
                    row,
                    dimension,
                    value,
                    choices,
                },
                _ => SurrogateError::ObservationOutOfRange {
                    row,
                    dimension,
                    value,
                },
            });
        }
    }
    Ok(())
}
