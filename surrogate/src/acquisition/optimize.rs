//! Maximising an acquisition function over a mixed, possibly conditional
//! space in the unit cube.
//!
//! 1. **Sweep**: a scrambled Sobol design of candidates, each coordinate
//!    mapped onto its dimension (continuous as is, discrete to one of its
//!    levels, categorical to a choice index; inactive dimensions to their
//!    fixed value), scored in batches.
//! 2. **Starts**: the best candidate, more drawn by roulette with weights
//!    `exp(a − a_max)`, and the caller's warm starts (the best trials).
//! 3. **Local search** from each start, alternating until nothing moves:
//!    L-BFGS (argmin) on the active continuous coordinates, through the
//!    unconstrained map `x = sin²(ℓ v)` (smooth, onto `[0, 1]`; `ℓ` is the
//!    coordinate's lengthscale, so every coordinate is about equally
//!    curved); then each active discrete coordinate
//!    in turn, trying every level (categorical, or at most 16 levels) or
//!    levels at distances 1, 2, 4, … and a few random ones (many levels).
//!    Discrete values are never relaxed: the model is only asked about
//!    points on their grid. Categorical parents of conditional dimensions
//!    keep the start's branch.

use super::functions::Acquisition;
use crate::gp::GaussianProcess;
use crate::sobol::{SobolSequence, MAX_DIMENSIONS};
use crate::SurrogateError;
use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::{Rng, RngCore};
use std::cell::RefCell;

/// Levels up to which a discrete coordinate is searched exhaustively.
const EXHAUSTIVE_LEVELS: usize = 16;
/// Random levels tried per step on a coordinate with many levels.
const RANDOM_LEVELS: usize = 4;
/// Rounds of continuous + discrete moves per start.
const MAX_ROUNDS: usize = 6;

/// The values one coordinate can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// Anywhere in `[0, 1]`.
    Continuous,
    /// One of these coordinates (sorted ascending), e.g. an integer's grid.
    Discrete(Vec<f64>),
    /// A choice index in `0..n`.
    Categorical(usize),
}

/// One coordinate of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// Its values.
    pub domain: Domain,
    /// Active only when coordinate `parent` (earlier, categorical, itself
    /// active) holds choice `choice`: `Some((parent, choice))`.
    pub condition: Option<(usize, usize)>,
    /// The value it holds while inactive (what the model was given for
    /// trials where it was inactive).
    pub inactive_value: f64,
}

impl Dimension {
    /// An unconditional dimension.
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            condition: None,
            inactive_value: 0.5,
        }
    }
}

/// Settings of the acquisition optimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerSettings {
    /// Quasi-random candidates in the sweep.
    pub candidates: usize,
    /// Local searches (best candidate, roulette picks and warm starts).
    pub local_searches: usize,
    /// L-BFGS iterations per continuous phase.
    pub max_iterations: u64,
    /// L-BFGS stops when the gradient's norm falls below this.
    pub gradient_tolerance: f64,
    /// Past this many points in the model, `candidates` and
    /// `local_searches` shrink by `(full_effort_points / n)²` (to at least
    /// 256 and 2): each candidate costs `O(n²)`, so this keeps a
    /// suggestion's cost about flat on long histories.
    pub full_effort_points: usize,
}

impl OptimizerSettings {
    /// Candidates and local searches for a model of `n` points.
    pub fn effort(&self, n: usize) -> (usize, usize) {
        if n <= self.full_effort_points {
            return (self.candidates, self.local_searches);
        }
        let f = (self.full_effort_points as f64 / n as f64).powi(2);
        let scale = |v: usize, floor: usize| ((v as f64 * f).round() as usize).max(floor.min(v));
        (scale(self.candidates, 256), scale(self.local_searches, 2))
    }
}

impl Default for OptimizerSettings {
    fn default() -> Self {
        Self {
            candidates: 2048,
            local_searches: 10,
            max_iterations: 100,
            gradient_tolerance: 1e-4,
            full_effort_points: 300,
        }
    }
}

/// Optimiser settings that passed validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidOptimizerSettings(OptimizerSettings);

impl ValidOptimizerSettings {
    /// The settings.
    pub fn get(&self) -> &OptimizerSettings {
        &self.0
    }
}

impl OptimizerSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidOptimizerSettings, SurrogateError> {
        let bad = |name: &'static str, reason: &str| {
            Err(SurrogateError::InvalidSetting {
                name,
                reason: reason.to_string(),
            })
        };
        if self.candidates == 0 {
            return bad("candidates", "must be at least 1");
        }
        if self.local_searches == 0 {
            return bad(
                "local_searches",
                "must be at least 1 (the best candidate is always refined)",
            );
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return bad("gradient_tolerance", "must be a finite number > 0");
        }
        if self.full_effort_points == 0 {
            return bad("full_effort_points", "must be at least 1");
        }
        Ok(ValidOptimizerSettings(self))
    }
}

/// The best point found and its acquisition value.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// Coordinates (inactive ones at their fixed value).
    pub x: Array1<f64>,
    /// Acquisition value there.
    pub value: f64,
}

/// What is maximised: an acquisition function of a GP's posterior.
struct Target<'a> {
    gp: &'a GaussianProcess,
    acquisition: Acquisition,
    best: f64,
    min_variance: f64,
}

impl Target<'_> {
    fn batch(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        let p = self.gp.predict(x);
        Array1::from_iter(p.mean.iter().zip(&p.variance).map(|(m, v)| {
            self.acquisition
                .value(*m, v.max(self.min_variance).sqrt(), self.best)
        }))
    }

    fn with_gradient(&self, x: ArrayView1<'_, f64>) -> (f64, Array1<f64>) {
        let p = self.gp.predict_with_gradient(x);
        let var = p.variance.max(self.min_variance);
        let sd = var.sqrt();
        let (a, da_dm, da_ds) = self.acquisition.evaluate(p.mean, sd, self.best);
        let var_grad = if p.variance > self.min_variance {
            p.variance_gradient
        } else {
            Array1::zeros(x.len())
        };
        let grad = p.mean_gradient * da_dm + var_grad * (da_ds / (2.0 * sd));
        (a, grad)
    }
}

/// Whether each coordinate is active at `x`.
fn activity(dims: &[Dimension], x: &[f64]) -> Vec<bool> {
    let mut active = vec![true; dims.len()];
    for (i, d) in dims.iter().enumerate() {
        if let Some((p, c)) = d.condition {
            active[i] = p < i && active[p] && x[p] == c as f64;
        }
    }
    active
}

/// Maps a point of the unit cube onto the domains, in order (so a parent's
/// choice is known before its children).
fn decode(dims: &[Dimension], u: &[f64], out: &mut [f64]) {
    let mut active = vec![true; dims.len()];
    for (i, d) in dims.iter().enumerate() {
        if let Some((p, c)) = d.condition {
            active[i] = p < i && active[p] && out[p] == c as f64;
        }
        out[i] = if !active[i] {
            d.inactive_value
        } else {
            let ui = u[i].clamp(0.0, 1.0);
            match &d.domain {
                Domain::Continuous => ui,
                Domain::Discrete(levels) => {
                    let k =
                        ((ui * levels.len() as f64) as usize).min(levels.len().saturating_sub(1));
                    levels.get(k).copied().unwrap_or(0.5)
                }
                Domain::Categorical(n) => {
                    ((ui * *n as f64) as usize).min(n.saturating_sub(1)) as f64
                }
            }
        };
    }
}

/// Index of the level nearest to `x`.
fn nearest_level(levels: &[f64], x: f64) -> usize {
    let i = levels.partition_point(|l| *l < x);
    if i == 0 {
        0
    } else if i >= levels.len() {
        levels.len() - 1
    } else if (x - levels[i - 1]).abs() <= (levels[i] - x).abs() {
        i - 1
    } else {
        i
    }
}

/// `x = sin²(θ)`: maps the line onto `[0, 1]` smoothly (no kinks to upset
/// L-BFGS's curvature pairs), with `dx/dθ = sin 2θ`, which vanishes exactly
/// at the bounds, so an optimum on a bound is a smooth stationary point.
fn wrap(theta: f64) -> (f64, f64) {
    let s = theta.sin();
    (s * s, (2.0 * theta).sin())
}

/// An angle with `sin²(θ) = x`, kept off the bounds by `1e-9` so the
/// search can leave them.
fn unwrap(x: f64) -> f64 {
    x.clamp(1e-9, 1.0 - 1e-9).sqrt().asin()
}

/// Maximises `acquisition` of `gp` (losses below `best` are improvements)
/// over `dims`. `warm_starts` (rows, valid points) are refined too.
pub fn optimize_acquisition(
    gp: &GaussianProcess,
    acquisition: Acquisition,
    best: f64,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    let s = &settings.0;
    let d = dims.len();
    if gp.dims() != d || (warm_starts.nrows() > 0 && warm_starts.ncols() != d) {
        return Err(SurrogateError::DimensionMismatch {
            columns: gp.dims(),
            dimensions: d,
        });
    }
    let target = Target {
        gp,
        acquisition,
        best,
        min_variance: 1e-18 * gp.prior_variance().max(f64::MIN_POSITIVE),
    };
    let (m, local_searches) = s.effort(gp.len());
    // 1. Sweep.
    let mut candidates = Array2::<f64>::zeros((m, d));
    let mut u = vec![0.0; d];
    let sobol = if (1..=MAX_DIMENSIONS).contains(&d) {
        SobolSequence::new(d, rng.next_u64()).ok()
    } else {
        None
    };
    for (i, mut row) in candidates.outer_iter_mut().enumerate() {
        match &sobol {
            Some(seq) => {
                for (j, uj) in u.iter_mut().enumerate() {
                    *uj = seq.coordinate(i as u64, j);
                }
            }
            None => u.iter_mut().for_each(|v| *v = rng.random::<f64>()),
        }
        if let Some(out) = row.as_slice_mut() {
            decode(dims, &u, out);
        }
    }
    let values = target.batch(candidates.view());
    let best_i = argmax(&values);

    // 2. Starts.
    let mut starts: Vec<Array1<f64>> = vec![candidates.row(best_i).to_owned()];
    let n_roulette = local_searches
        .saturating_sub(1 + warm_starts.nrows())
        .min(m.saturating_sub(1));
    let vmax = values[best_i];
    let mut weights: Vec<f64> = values
        .iter()
        .map(|v| if v.is_finite() { (v - vmax).exp() } else { 0.0 })
        .collect();
    weights[best_i] = 0.0;
    for _ in 0..n_roulette {
        let total: f64 = weights.iter().sum();
        if total.is_nan() || total <= 0.0 {
            break;
        }
        let mut r = rng.random::<f64>() * total;
        let mut pick = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                pick = i;
                break;
            }
            r -= w;
        }
        weights[pick] = 0.0;
        starts.push(candidates.row(pick).to_owned());
    }
    for row in warm_starts.outer_iter() {
        starts.push(row.to_owned());
    }

    // 3. Local search.
    let mut winner = Optimum {
        x: candidates.row(best_i).to_owned(),
        value: vmax,
    };
    for x0 in starts {
        let found = local_search(&target, dims, x0, s, rng);
        if found.value > winner.value || !winner.value.is_finite() {
            winner = found;
        }
    }
    Ok(winner)
}

fn argmax(v: &Array1<f64>) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] || (!v[best].is_finite() && x.is_finite()) {
            best = i;
        }
    }
    best
}

/// Alternates continuous and discrete moves from `x`.
fn local_search(
    target: &Target<'_>,
    dims: &[Dimension],
    mut x: Array1<f64>,
    s: &OptimizerSettings,
    rng: &mut dyn RngCore,
) -> Optimum {
    let mut value = target.batch(x.view().insert_axis(ndarray::Axis(0)))[0];
    let active = activity(dims, x.as_slice().unwrap_or(&[]));
    let is_parent: Vec<bool> = (0..dims.len())
        .map(|i| {
            dims.iter()
                .any(|d| d.condition.is_some_and(|(p, _)| p == i))
        })
        .collect();
    let continuous: Vec<usize> = (0..dims.len())
        .filter(|&i| active[i] && dims[i].domain == Domain::Continuous)
        .collect();
    let discrete: Vec<usize> = (0..dims.len())
        .filter(|&i| active[i] && !is_parent[i] && dims[i].domain != Domain::Continuous)
        .collect();
    for _ in 0..MAX_ROUNDS {
        if !continuous.is_empty() {
            if let Some((x2, v2)) = continuous_phase(target, &x, &continuous, s) {
                if v2 > value {
                    x = x2;
                    value = v2;
                }
            }
        }
        let mut moved = false;
        for &i in &discrete {
            let options = alternatives(&dims[i].domain, x[i], rng);
            if options.is_empty() {
                continue;
            }
            let mut batch = Array2::<f64>::zeros((options.len(), x.len()));
            for (mut row, o) in batch.outer_iter_mut().zip(&options) {
                row.assign(&x);
                row[i] = *o;
            }
            let vals = target.batch(batch.view());
            let k = argmax(&vals);
            if vals[k] > value {
                x[i] = options[k];
                value = vals[k];
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    Optimum { x, value }
}

/// Values to try for a discrete coordinate now at `current`.
fn alternatives(domain: &Domain, current: f64, rng: &mut dyn RngCore) -> Vec<f64> {
    match domain {
        Domain::Continuous => Vec::new(),
        Domain::Categorical(n) => (0..*n)
            .map(|c| c as f64)
            .filter(|c| *c != current)
            .collect(),
        Domain::Discrete(levels) if levels.len() <= EXHAUSTIVE_LEVELS => {
            levels.iter().copied().filter(|l| *l != current).collect()
        }
        Domain::Discrete(levels) => {
            let n = levels.len();
            let at = nearest_level(levels, current);
            let mut picks: Vec<usize> = Vec::new();
            let mut step = 1usize;
            while step < n {
                if at >= step {
                    picks.push(at - step);
                }
                if at + step < n {
                    picks.push(at + step);
                }
                step *= 2;
            }
            for _ in 0..RANDOM_LEVELS {
                picks.push(rng.random_range(0..n));
            }
            picks.sort_unstable();
            picks.dedup();
            picks.retain(|&k| k != at);
            picks.into_iter().map(|k| levels[k]).collect()
        }
    }
}

/// The last point evaluated, its cost and gradient.
type Cached = Option<(Array1<f64>, f64, Array1<f64>)>;

/// The argmin problem of a continuous phase: minus the acquisition over the
/// free coordinates `v`, `x_j = sin²(ℓ_j v_j)`.
struct Phase<'a, 'b> {
    target: &'a Target<'b>,
    base: &'a Array1<f64>,
    free: &'a [usize],
    scale: Vec<f64>,
    cache: RefCell<Cached>,
}

impl Phase<'_, '_> {
    fn point(&self, v: &Array1<f64>) -> (Array1<f64>, Vec<f64>) {
        let mut x = self.base.clone();
        let mut slope = Vec::with_capacity(self.free.len());
        for (k, &j) in self.free.iter().enumerate() {
            let (xj, sj) = wrap(self.scale[k] * v[k]);
            x[j] = xj;
            slope.push(sj * self.scale[k]);
        }
        (x, slope)
    }

    fn eval(&self, v: &Array1<f64>) -> Result<(f64, Array1<f64>), ArgminError> {
        if let Some((q, c, g)) = self.cache.borrow().as_ref() {
            if q == v {
                return Ok((*c, g.clone()));
            }
        }
        if v.iter().any(|t| !t.is_finite()) {
            return Err(ArgminError::msg("non-finite point"));
        }
        let (x, slope) = self.point(v);
        let (a, grad) = self.target.with_gradient(x.view());
        if !a.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(ArgminError::msg("non-finite acquisition"));
        }
        let g = Array1::from_iter(self.free.iter().zip(&slope).map(|(&j, s)| -grad[j] * s));
        *self.cache.borrow_mut() = Some((v.clone(), -a, g.clone()));
        Ok((-a, g))
    }
}

impl CostFunction for Phase<'_, '_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, ArgminError> {
        Ok(self.eval(p)?.0)
    }
}

impl Gradient for Phase<'_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, ArgminError> {
        Ok(self.eval(p)?.1)
    }
}

/// L-BFGS over the `free` coordinates from `x`; the best point and value.
fn continuous_phase(
    target: &Target<'_>,
    x: &Array1<f64>,
    free: &[usize],
    s: &OptimizerSettings,
) -> Option<(Array1<f64>, f64)> {
    let ls = &target.gp.hyperparameters().lengthscales;
    let scale: Vec<f64> = free.iter().map(|&j| ls[j].clamp(1e-4, 1e4)).collect();
    let v0 = Array1::from_iter(free.iter().zip(&scale).map(|(&j, l)| unwrap(x[j]) / l));
    let phase = Phase {
        target,
        base: x,
        free,
        scale,
        cache: RefCell::new(None),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(s.gradient_tolerance)
        .and_then(|l| l.with_tolerance_cost(1e-12))
        .ok()?;
    let mut res = Executor::new(phase, solver)
        .configure(|state| state.param(v0).max_iters(s.max_iterations))
        .timer(false)
        .ctrlc(false)
        .run()
        .ok()?;
    let cost = res.state.get_best_cost();
    let v = res.state.take_best_param()?;
    let phase = res.problem.problem.as_ref()?;
    let (x_best, _) = phase.point(&v);
    cost.is_finite().then_some((x_best, -cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_maps_the_line_onto_the_unit_interval_smoothly() {
        for x in [1e-9, 0.1, 0.5, 0.93, 1.0 - 1e-9] {
            assert!((wrap(unwrap(x)).0 - x).abs() < 1e-12);
        }
        for t in [-3.0, -0.4, 0.0, 0.7, 2.0, 9.0] {
            let (x, dx) = wrap(t);
            assert!((0.0..=1.0).contains(&x));
            let h = 1e-6;
            let fd = (wrap(t + h).0 - wrap(t - h).0) / (2.0 * h);
            assert!((fd - dx).abs() < 1e-8);
        }
    }

    #[test]
    fn decode_respects_conditions_and_domains() {
        let dims = vec![
            Dimension::new(Domain::Categorical(3)),
            Dimension {
                domain: Domain::Continuous,
                condition: Some((0, 1)),
                inactive_value: 0.5,
            },
            Dimension::new(Domain::Discrete(vec![0.125, 0.375, 0.625, 0.875])),
        ];
        let mut out = [0.0; 3];
        decode(&dims, &[0.5, 0.9, 0.3], &mut out);
        assert_eq!(out, [1.0, 0.9, 0.375]);
        decode(&dims, &[0.1, 0.9, 0.99], &mut out);
        assert_eq!(out, [0.0, 0.5, 0.875]);
        assert_eq!(activity(&dims, &out), [true, false, true]);
        assert_eq!(nearest_level(&[0.125, 0.375, 0.625], 0.3), 1);
    }

    fn mixed_gp() -> (GaussianProcess, f64) {
        use crate::gp::{Hyperparameters, InputKind};
        // f(x, c) = (x − 0.3 − 0.2c)² + 0.1c on x ∈ [0, 1], c ∈ {0, 1, 2}.
        let pts: Vec<(f64, f64)> = (0..7)
            .flat_map(|i| (0..3).map(move |c| (i as f64 / 6.0, c as f64)))
            .filter(|(x, c)| ((x * 6.0 + c) as usize) & 1 == 0)
            .collect();
        let x = Array2::from_shape_fn(
            (pts.len(), 2),
            |(i, j)| if j == 0 { pts[i].0 } else { pts[i].1 },
        );
        let y = Array1::from_iter(
            pts.iter()
                .map(|(x, c)| (x - 0.3 - 0.2 * c).powi(2) + 0.1 * c),
        );
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        let hyper = Hyperparameters::new(ndarray::array![0.3, 1.0], 1.0, 1e-6);
        let kinds = [InputKind::Numeric, InputKind::Categorical];
        (
            GaussianProcess::with_hyperparameters(x.view(), y.view(), &kinds, hyper).unwrap(),
            best,
        )
    }

    #[test]
    fn finds_the_maximum_of_a_dense_grid_on_a_mixed_space() {
        use rand::SeedableRng;
        let (gp, best) = mixed_gp();
        let dims = vec![
            Dimension::new(Domain::Continuous),
            Dimension::new(Domain::Categorical(3)),
        ];
        for acq in [
            Acquisition::LogEi,
            Acquisition::Ucb { kappa: 2.0 },
            Acquisition::LogPi,
        ] {
            let target = Target {
                gp: &gp,
                acquisition: acq,
                best,
                min_variance: 1e-18,
            };
            let grid = Array2::from_shape_fn((3 * 4001, 2), |(i, j)| {
                if j == 0 {
                    (i % 4001) as f64 / 4000.0
                } else {
                    (i / 4001) as f64
                }
            });
            let brute = target
                .batch(grid.view())
                .fold(f64::NEG_INFINITY, |m, v| m.max(*v));
            let settings = OptimizerSettings {
                candidates: 64,
                ..OptimizerSettings::default()
            }
            .validate()
            .unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let found = optimize_acquisition(
                &gp,
                acq,
                best,
                &dims,
                Array2::zeros((0, 2)).view(),
                &settings,
                &mut rng,
            )
            .unwrap();
            assert!(
                found.value >= brute - 1e-6 * brute.abs().max(1.0),
                "{acq:?}: {} < grid {brute}",
                found.value
            );
            assert!(
                found.x[1] == found.x[1].round() && (0.0..=2.0).contains(&found.x[1]),
                "{:?}",
                found.x
            );
            assert!((0.0..=1.0).contains(&found.x[0]));
        }
    }
}
