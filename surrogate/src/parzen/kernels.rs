//! Dimension kinds and the kernels of one dimension.
//!
//! A fitted estimator has K mixture components (the observations that carry
//! weight, then the prior); each dimension holds one kernel per component, in
//! that order, stored as parallel arrays so the evaluation loops run over
//! contiguous memory and vectorise.

use ndarray::ArrayView1;
use rand::{Rng, RngCore};
use rand_distr::StandardNormal;

use super::bandwidth::{bandwidths, sorted_centres, BandwidthContext, PRIOR_MU, PRIOR_SIGMA};
use super::levels::LevelMasses;
use super::memo::ColumnMemo;
use super::normal::{ndtr, unit_interval_masses, unit_interval_masses_into, HALF_LN_2PI};
use super::vecmath::ln_positive;
use crate::SurrogateError;

/// What kind of values a dimension holds, and so which kernel it gets.
///
/// Coordinates arrive mapped to the unit interval (log-scaled parameters
/// already in log space); only categorical dimensions hold raw indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dimension {
    /// Continuous on `[0, 1]`: Gaussian kernels truncated to `[0, 1]`, so no
    /// mass is wasted outside the space.
    Continuous,
    /// `levels` equally spaced values; value `i` sits at the bin centre
    /// `(i + 0.5) / levels`, bin `i` is `[i / levels, (i + 1) / levels]`.
    /// Used for integers and stepped floats. A kernel gives a level the
    /// probability its truncated Gaussian puts on that bin, so nearby levels
    /// share evidence while each level keeps a proper probability.
    ///
    /// With more than [`Dimension::MAX_DISCRETE_LEVELS`] levels the
    /// dimension is modelled as continuous instead, and samples are snapped
    /// to the centre of the bin they fall in: see that constant.
    Discrete {
        /// Number of values, at least 1.
        levels: usize,
    },
    /// `choices` unordered categories; the coordinate is the category index
    /// as `f64` (`0.0`, `1.0`, …). A kernel puts extra mass on its observed
    /// category and spreads the prior's share evenly over all of them.
    Categorical {
        /// Number of categories, at least 1.
        choices: usize,
    },
}

impl Dimension {
    /// The most levels a [`Dimension::Discrete`] is modelled with as
    /// levels; a wider one is modelled as [`Dimension::Continuous`] on the
    /// same unit coordinates, with each sample snapped to the centre of its
    /// bin, so that it is still one of the levels (Optuna's TPE treats every
    /// integer this way: continuous on the range widened by half a step, the
    /// sample rounded).
    ///
    /// Why a cap: the discrete model indexes its kernels by level, so its
    /// memory and fitting time grow with the number of levels — an
    /// `int(0, 2147483647)` asked for 51 GB, and `int(0, 2^63 - 1)` more
    /// than can be allocated at all — while a model's cost should depend on
    /// the observations only. Why this value: above it a bin is narrower
    /// than a tenth of the narrowest kernel the bandwidth rules make (the
    /// magic clip stops at 1/100 of the interval), and a narrow bin's
    /// probability is the kernel's density times the bin's width to within
    /// `(width / σ)² / 24 < 4e-4` relative; the width is the same for every
    /// kernel and both of TPE's densities, so the ranking of candidates does
    /// not change. Below it, where the bins are as wide as kernels, levels
    /// are modelled as levels.
    pub const MAX_DISCRETE_LEVELS: usize = 1024;

    /// Reject kinds with no values at all.
    pub(crate) fn check(self, index: usize) -> Result<(), SurrogateError> {
        match self {
            Dimension::Discrete { levels: 0 } | Dimension::Categorical { choices: 0 } => {
                Err(SurrogateError::EmptyDimension { dimension: index })
            }
            _ => Ok(()),
        }
    }

    /// Level of a discrete coordinate in `[0, 1]` (the bin it falls in; the
    /// upper end belongs to the last bin).
    pub(crate) fn level_of(x: f64, levels: usize) -> usize {
        ((x * levels as f64) as usize).min(levels - 1)
    }

    /// The centre of the bin a coordinate in `[0, 1]` falls in; in `[0, 1]`
    /// for any number of levels (rounding is monotonic, so `l + 0.5 <=
    /// levels` holds in `f64` too).
    pub(crate) fn bin_centre(x: f64, levels: usize) -> f64 {
        (Self::level_of(x, levels) as f64 + 0.5) / levels as f64
    }

    /// Category index of a coordinate, if it rounds to one of `choices`.
    pub(crate) fn category_of(x: f64, choices: usize) -> Option<usize> {
        let rounded = x.round();
        (rounded >= 0.0 && rounded < choices as f64).then_some(rounded as usize)
    }
}

/// Where a mixture component comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component {
    /// Observation row `i`.
    Observation(usize),
    /// The prior.
    Prior,
}

/// Everything a dimension's kernels are built from, besides its column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildContext<'a> {
    /// Mixture components, in order.
    pub components: &'a [Component],
    /// Bandwidth rule and its inputs.
    pub bandwidth: BandwidthContext,
    /// The prior's weight in observation units (for the categorical kernel).
    pub prior_weight: f64,
    /// Whether numeric kernels should record their order by centre (for
    /// evaluating each dimension as its own mixture).
    pub order_by_centre: bool,
    /// Whether `components` is every observation in order, then the prior
    /// or nothing (every weight positive: the usual case), so that kernel
    /// arrays are copied in bulk. Decided once per fit, not per dimension.
    pub all_observations: bool,
}

impl BuildContext<'_> {
    /// Whether `components` is observations `0..n` in order, then only the
    /// prior (see [`Self::all_observations`]).
    pub(crate) fn components_are_all_observations(components: &[Component], n: usize) -> bool {
        components.len() >= n
            && (components.iter().take(n).enumerate()).all(|(i, c)| *c == Component::Observation(i))
            && components[n..].iter().all(|c| *c == Component::Prior)
    }
}

/// Where a coordinate falls in a dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// NaN coordinate.
    Nan,
    /// Outside the support.
    Outside,
    /// Inside: the level or category for discrete and categorical
    /// dimensions, 0 (unused) for continuous ones.
    Inside(usize),
}

/// The kernels of one dimension, one per component.
#[derive(Debug, Clone)]
pub(crate) enum DimensionKernels {
    /// Truncated Gaussians with densities.
    Continuous {
        /// The kernels.
        kernels: GaussianKernels,
        /// For a discrete dimension wider than
        /// [`Dimension::MAX_DISCRETE_LEVELS`], its number of levels: samples
        /// are snapped to their bin's centre.
        snap_levels: Option<usize>,
    },
    /// Truncated Gaussians giving bin probabilities.
    Discrete {
        /// The kernels (centres at bin centres).
        kernels: GaussianKernels,
        /// Number of levels.
        levels: usize,
        /// Their level probabilities, computed per distinct kernel.
        masses: LevelMasses,
    },
    /// One categorical kernel per component.
    Categorical(CategoricalKernels),
}

impl DimensionKernels {
    /// Kernels for `dim` centred on `column` (validated coordinates).
    pub(crate) fn build(
        dim: Dimension,
        column: ArrayView1<'_, f64>,
        ctx: &BuildContext<'_>,
    ) -> Self {
        match dim {
            Dimension::Continuous => {
                let mus: Vec<f64> = column.to_vec();
                Self::Continuous {
                    kernels: GaussianKernels::build(&mus, false, ctx),
                    snap_levels: None,
                }
            }
            Dimension::Discrete { levels } if levels > Dimension::MAX_DISCRETE_LEVELS => {
                // Observations stay where they are: the engine puts them at
                // bin centres, and a bin is far narrower than any kernel.
                let mus: Vec<f64> = column.to_vec();
                Self::Continuous {
                    kernels: GaussianKernels::build(&mus, false, ctx),
                    snap_levels: Some(levels),
                }
            }
            Dimension::Discrete { levels } => {
                // Snap to the bin centre: the kernel belongs to the level.
                let mus: Vec<f64> = column
                    .iter()
                    .map(|&x| Dimension::bin_centre(x, levels))
                    .collect();
                let kernels = GaussianKernels::build(&mus, true, ctx);
                let masses = kernels.level_masses(levels);
                Self::Discrete {
                    kernels,
                    levels,
                    masses,
                }
            }
            Dimension::Categorical { choices } => {
                Self::Categorical(CategoricalKernels::build(column, choices, ctx))
            }
        }
    }

    /// Where coordinate `x` of a point falls: continuous and discrete
    /// dimensions accept `[0, 1]`, categorical ones coordinates that round
    /// to an index.
    pub(crate) fn locate(&self, x: f64) -> Location {
        if x.is_nan() {
            return Location::Nan;
        }
        match self {
            Self::Categorical(c) => match Dimension::category_of(x, c.choices()) {
                Some(i) => Location::Inside(i),
                None => Location::Outside,
            },
            _ if !(0.0..=1.0).contains(&x) => Location::Outside,
            Self::Discrete { levels, .. } => Location::Inside(Dimension::level_of(x, *levels)),
            Self::Continuous { .. } => Location::Inside(0),
        }
    }

    /// `out[k] = ln P_k(v)` for discrete level or category `v`; `None` for a
    /// continuous dimension, whose kernels have densities, not masses.
    pub(crate) fn fill_log_mass(&self, v: usize, out: &mut [f64]) -> Option<()> {
        match self {
            Self::Discrete { masses, .. } => masses.fill_level(v, out),
            Self::Categorical(c) => c.fill_log_prob(v, out),
            Self::Continuous { .. } => return None,
        }
        Some(())
    }

    /// Number of discrete levels or categories; `None` if continuous.
    pub(crate) fn values(&self) -> Option<usize> {
        match self {
            Self::Discrete { levels, .. } => Some(*levels),
            Self::Categorical(c) => Some(c.choices()),
            Self::Continuous { .. } => None,
        }
    }

    /// Draw this dimension's coordinate from component `k`.
    pub(crate) fn sample(&self, k: usize, rng: &mut dyn RngCore) -> f64 {
        match self {
            Self::Continuous {
                kernels,
                snap_levels,
            } => {
                let x = kernels.sample(k, rng);
                snap_levels.map_or(x, |levels| Dimension::bin_centre(x, levels))
            }
            Self::Discrete {
                kernels, levels, ..
            } => {
                // A draw from the truncated Gaussian lands in bin l with
                // exactly the probability the kernel gives level l.
                Dimension::bin_centre(kernels.sample(k, rng), *levels)
            }
            Self::Categorical(c) => c.sample(k, rng),
        }
    }
}

/// Gaussian kernels truncated to `[0, 1]`.
#[derive(Debug, Clone)]
pub(crate) struct GaussianKernels {
    mu: Vec<f64>,
    sigma: Vec<f64>,
    /// `-1 / (2σ²)`.
    neg_half_precision: Vec<f64>,
    /// For densities (continuous), `-ln(σ Z) - ln(2π)/2`, the log-density's
    /// constant part; for level masses (discrete), `ln Z`. `Z` is the mass
    /// the untruncated kernel puts on `[0, 1]`.
    log_constant: Vec<f64>,
    /// Kernel indices in increasing order of centre, if asked for.
    by_centre: Vec<usize>,
}

impl GaussianKernels {
    /// Kernels centred on `mus`; `levels` selects what `log_constant` holds.
    fn build(mus: &[f64], levels: bool, ctx: &BuildContext<'_>) -> Self {
        // The order by centre, if the layout needs it; the magic clip does
        // without it otherwise.
        let sorted = ctx
            .order_by_centre
            .then(|| sorted_centres(mus, ctx.bandwidth.with_prior));
        let sigmas = bandwidths(mus, sorted.as_deref(), &ctx.bandwidth);
        let by_centre = match (&sorted, ctx.order_by_centre) {
            (Some(sorted), true) => {
                // Observation index -> component index (inactive ones: none).
                let mut component = vec![usize::MAX; mus.len()];
                let mut prior = usize::MAX;
                for (k, c) in ctx.components.iter().enumerate() {
                    match *c {
                        Component::Observation(i) => component[i] = k,
                        Component::Prior => prior = k,
                    }
                }
                let mut order = Vec::with_capacity(ctx.components.len());
                order.extend(
                    sorted
                        .iter()
                        .map(|&source| component.get(source).copied().unwrap_or(prior))
                        .filter(|&k| k != usize::MAX),
                );
                order
            }
            _ => Vec::new(),
        };
        let (mu, sigma): (Vec<f64>, Vec<f64>) = if ctx.all_observations {
            // Every observation has a kernel (the usual case): copy in bulk.
            let k = ctx.components.len();
            let mut mu = Vec::with_capacity(k);
            mu.extend_from_slice(mus);
            mu.resize(k, PRIOR_MU);
            let mut sigma = sigmas;
            sigma.resize(k, PRIOR_SIGMA);
            (mu, sigma)
        } else {
            ctx.components
                .iter()
                .map(|c| match *c {
                    Component::Observation(i) => (mus[i], sigmas[i]),
                    Component::Prior => (PRIOR_MU, PRIOR_SIGMA),
                })
                .unzip()
        };
        let (neg_half_precision, log_constant) = if levels {
            let h = sigma.iter().map(|s| -0.5 / (s * s)).collect();
            // A vectorised logarithm pass instead of libm calls, in place.
            let mut z = unit_interval_masses(&mu, &sigma);
            z.iter_mut().for_each(|z| *z = ln_positive(*z));
            (h, z)
        } else {
            Self::density_constants(&mu, &sigma)
        };
        Self {
            mu,
            sigma,
            neg_half_precision,
            log_constant,
            by_centre,
        }
    }

    /// Per kernel of a density (not level masses): `-1 / (2σ²)` and the
    /// log-density's constant `-ln(σ Z) - ln(2π)/2`. Each kernel's pair
    /// depends on its own centre and width only (`super::memo` relies on it).
    pub(crate) fn density_constants(mu: &[f64], sigma: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (mut neg_half_precision, mut log_constant) = (Vec::new(), Vec::new());
        Self::density_constants_into(mu, sigma, &mut neg_half_precision, &mut log_constant);
        (neg_half_precision, log_constant)
    }

    /// [`Self::density_constants`] into kept buffers (their contents
    /// replaced): a memoised refit computes a few kernels' constants per
    /// column, where allocating the arrays cost more than the arithmetic.
    pub(crate) fn density_constants_into(
        mu: &[f64],
        sigma: &[f64],
        neg_half_precision: &mut Vec<f64>,
        log_constant: &mut Vec<f64>,
    ) {
        neg_half_precision.clear();
        neg_half_precision.extend(sigma.iter().map(|s| -0.5 / (s * s)));
        // A vectorised logarithm pass instead of libm calls (a fit of 1,000
        // observations in 10 dimensions takes 10,000), in place.
        unit_interval_masses_into(mu, sigma, log_constant);
        for (z, &s) in log_constant.iter_mut().zip(sigma) {
            *z = -ln_positive(s * *z) - HALF_LN_2PI;
        }
    }

    /// Density kernels (no order by centre) for `components`, copied from
    /// the per-observation kernels `super::memo` keeps; the prior's kernel
    /// is added as [`Self::build`] adds it. Written into `reuse`'s buffers
    /// when given (the previous fit's, which the memo kept). The memo lends
    /// its arrays instead when the components allow
    /// (`ColumnMemo::lend`); this copy is for the others.
    pub(crate) fn from_memo(
        column: &ColumnMemo,
        ctx: &BuildContext<'_>,
        reuse: Option<GaussianKernels>,
    ) -> Self {
        let components = ctx.components;
        let prior = Self::prior_kernel();
        let mut out = reuse.unwrap_or_else(|| Self::from_parts([const { Vec::new() }; 4]));
        out.by_centre.clear();
        let from = [
            &column.mu,
            &column.sigma,
            &column.neg_half_precision,
            &column.log_constant,
        ];
        let into = [
            &mut out.mu,
            &mut out.sigma,
            &mut out.neg_half_precision,
            &mut out.log_constant,
        ];
        for ((v, to), p) in from.into_iter().zip(into).zip(prior) {
            to.clear();
            if ctx.all_observations {
                // Every observation has a kernel (the usual case): copy in bulk.
                to.extend_from_slice(v);
                to.resize(components.len(), p);
            } else {
                to.extend(components.iter().map(|c| match *c {
                    Component::Observation(i) => v[i],
                    Component::Prior => p,
                }));
            }
        }
        out
    }

    /// The prior's kernel: centre, width, `-1/(2σ²)` and log-constant,
    /// computed once per process (the same for every fit, and asked for
    /// per dimension per fit).
    pub(crate) fn prior_kernel() -> [f64; 4] {
        static PRIOR: std::sync::OnceLock<(f64, f64)> = std::sync::OnceLock::new();
        let &(prior_h, prior_c) = PRIOR.get_or_init(|| {
            let (h, c) = Self::density_constants(&[PRIOR_MU], &[PRIOR_SIGMA]);
            (h[0], c[0])
        });
        [PRIOR_MU, PRIOR_SIGMA, prior_h, prior_c]
    }

    /// Kernels made of whole arrays (centres, widths, `-1/(2σ²)`,
    /// log-constants), with no order by centre.
    pub(crate) fn from_parts([mu, sigma, neg_half_precision, log_constant]: [Vec<f64>; 4]) -> Self {
        Self {
            mu,
            sigma,
            neg_half_precision,
            log_constant,
            by_centre: Vec::new(),
        }
    }

    /// The arrays [`Self::from_parts`] takes.
    pub(crate) fn into_parts(self) -> [Vec<f64>; 4] {
        [
            self.mu,
            self.sigma,
            self.neg_half_precision,
            self.log_constant,
        ]
    }

    /// Kernel indices in increasing order of centre (empty unless the build
    /// context asked for them).
    pub(crate) fn by_centre(&self) -> &[usize] {
        &self.by_centre
    }

    /// Number of kernels.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.mu.len()
    }

    /// Kernel centres.
    pub(crate) fn mu(&self) -> &[f64] {
        &self.mu
    }

    /// `-1 / (2σ²)` per kernel.
    pub(crate) fn neg_half_precision(&self) -> &[f64] {
        &self.neg_half_precision
    }

    /// The part of each kernel's log-density that does not depend on the
    /// point, `-ln σ - ln(2π)/2 - ln Z`; the estimator folds it into the
    /// component weights once per fit.
    pub(crate) fn log_density_offsets(&self) -> &[f64] {
        &self.log_constant
    }

    /// `acc[k] += -(x - μ_k)² / (2σ_k²)`, the point-dependent part of each
    /// kernel's log-density at `x` (which must lie in `[0, 1]`).
    #[cfg(test)]
    pub(crate) fn add_quadratic(&self, x: f64, acc: &mut [f64]) {
        for ((a, &m), &h) in acc.iter_mut().zip(&self.mu).zip(&self.neg_half_precision) {
            let d = x - m;
            *a += h * d * d;
        }
    }

    /// Level probabilities of these kernels (built with `levels`) on
    /// `levels` bins.
    fn level_masses(&self, levels: usize) -> LevelMasses {
        LevelMasses::new(&self.mu, &self.sigma, &self.log_constant, levels)
    }

    /// Draw from kernel `k` truncated to `[0, 1]`.
    ///
    /// Rejection from the untruncated Gaussian: its centre lies in `[0, 1]`
    /// and its width is at most 1, so at least `Φ(1) - Φ(0) ≈ 0.34` of its
    /// mass is inside and a draw takes under three tries on average. The
    /// inverse-CDF fallback guards against a degenerate generator; a sound
    /// one reaches it with probability below 1e-18.
    fn sample(&self, k: usize, rng: &mut dyn RngCore) -> f64 {
        let (m, s) = (self.mu[k], self.sigma[k]);
        for _ in 0..100 {
            let z: f64 = rng.sample(StandardNormal);
            let x = m + s * z;
            if (0.0..=1.0).contains(&x) {
                return x;
            }
        }
        // Inverse CDF by bisection: slow, exact, and practically never run.
        let (lo, hi) = (ndtr(-m / s), ndtr((1.0 - m) / s));
        let target = lo + rng.random::<f64>() * (hi - lo);
        let (mut left, mut right) = (0.0, 1.0);
        for _ in 0..64 {
            let mid = 0.5 * (left + right);
            if ndtr((mid - m) / s) < target {
                left = mid;
            } else {
                right = mid;
            }
        }
        0.5 * (left + right)
    }
}

/// Categorical kernels: each observation's kernel gives its own category
/// `(α + 1) / (αC + 1)` and every other `α / (αC + 1)`, where `C` is the
/// number of choices and `α` the prior weight shared out over the `n + 1`
/// kernels (Optuna's convention); the prior's kernel is uniform.
#[derive(Debug, Clone)]
pub(crate) struct CategoricalKernels {
    choices: usize,
    /// The kernel's own category as `f64`; `-1` for the prior's (none).
    center: Vec<f64>,
    /// Log-probability of the own category.
    log_center: Vec<f64>,
    /// Log-probability of each other category.
    log_other: Vec<f64>,
}

impl CategoricalKernels {
    fn build(column: ArrayView1<'_, f64>, choices: usize, ctx: &BuildContext<'_>) -> Self {
        let c = choices as f64;
        let n = column.len() as f64;
        let alpha = ctx.prior_weight / (n + 1.0);
        let norm = alpha * c + 1.0;
        let uniform = -c.ln();
        let mut center = Vec::with_capacity(ctx.components.len());
        let mut log_center = Vec::with_capacity(ctx.components.len());
        let mut log_other = Vec::with_capacity(ctx.components.len());
        for comp in ctx.components {
            match *comp {
                Component::Observation(i) => {
                    center.push(column[i].round());
                    log_center.push(((alpha + 1.0) / norm).ln());
                    log_other.push((alpha / norm).ln());
                }
                Component::Prior => {
                    center.push(-1.0);
                    log_center.push(uniform);
                    log_other.push(uniform);
                }
            }
        }
        Self {
            choices,
            center,
            log_center,
            log_other,
        }
    }

    /// Number of categories.
    pub(crate) fn choices(&self) -> usize {
        self.choices
    }

    /// `acc[k] += ln P_k(category)`; branch-free so it vectorises.
    #[inline]
    pub(crate) fn add_log_prob(&self, category: usize, acc: &mut [f64]) {
        let c = category as f64;
        for (((a, &m), &on), &off) in acc
            .iter_mut()
            .zip(&self.center)
            .zip(&self.log_center)
            .zip(&self.log_other)
        {
            *a += if m == c { on } else { off };
        }
    }

    /// `out[k] = ln P_k(category)`.
    pub(crate) fn fill_log_prob(&self, category: usize, out: &mut [f64]) {
        out.fill(0.0);
        self.add_log_prob(category, out);
    }

    /// Draw a category index from kernel `k`: its own category with the
    /// excess probability `P_center - P_other`, else uniformly.
    fn sample(&self, k: usize, rng: &mut dyn RngCore) -> f64 {
        let excess = self.log_center[k].exp() - self.log_other[k].exp();
        if self.center[k] >= 0.0 && rng.random::<f64>() < excess {
            return self.center[k];
        }
        rng.random_range(0..self.choices) as f64
    }
}

#[cfg(test)]
mod tests;
