//! Fitting the hyperparameters: maximise log marginal likelihood plus log
//! prior with argmin's L-BFGS in raw (log) coordinates, from a warm start
//! or from a few seeded starting points.

use super::hyper::{Hyperparameters, LengthscalePrior, Priors};
use super::kernel::Inputs;
use super::likelihood::{evaluate, NoiseSpec};
use crate::SurrogateError;
use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rand::{Rng, RngCore};
use std::cell::{Cell, RefCell};

/// How the observation noise is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoiseModel {
    /// Fitted, never below `min_noise` (in units of the standardized
    /// outputs' variance).
    #[default]
    Learned,
    /// Held at `min_noise`: for deterministic objectives.
    Fixed,
}

/// Settings of a hyperparameter fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    /// L-BFGS runs on a cold fit: one from the prior's typical values, the
    /// others from seeded random points. A warm start runs once.
    pub restarts: usize,
    /// Iterations per L-BFGS run.
    pub max_iterations: u64,
    /// Stop when the gradient's norm falls below this.
    pub gradient_tolerance: f64,
    /// Noise floor (learned noise) or the noise (fixed), relative to the
    /// outputs' variance.
    pub min_noise: f64,
    /// Learned or fixed noise.
    pub noise: NoiseModel,
    /// The lengthscale prior.
    pub lengthscale_prior: LengthscalePrior,
    /// Hyperparameters are fitted on at most this many observations (a
    /// random subset that stays the same as observations are appended; the
    /// posterior always uses all of them): the fit costs `O(n³)` per step,
    /// so this bounds its time on long histories.
    pub max_fit_points: usize,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            restarts: 3,
            max_iterations: 100,
            gradient_tolerance: 1e-2,
            min_noise: 1e-8,
            noise: NoiseModel::Learned,
            lengthscale_prior: LengthscalePrior::DimensionScaled,
            max_fit_points: 300,
        }
    }
}

/// Fit settings that passed validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidFitSettings(pub(crate) FitSettings);

impl ValidFitSettings {
    /// The settings.
    pub fn get(&self) -> &FitSettings {
        &self.0
    }
}

impl FitSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidFitSettings, SurrogateError> {
        let bad = |name: &'static str, reason: String| {
            Err(SurrogateError::InvalidSetting { name, reason })
        };
        if self.restarts == 0 {
            return bad("restarts", "must be at least 1".into());
        }
        if self.max_iterations == 0 {
            return bad("max_iterations", "must be at least 1".into());
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return bad(
                "gradient_tolerance",
                format!(
                    "must be a finite number > 0, got {}",
                    self.gradient_tolerance
                ),
            );
        }
        if !(self.min_noise.is_finite() && self.min_noise > 0.0 && self.min_noise < 1.0) {
            return bad(
                "min_noise",
                format!("must be in (0, 1) (a share of the outputs' variance), got {}; the default 1e-8 suits deterministic objectives", self.min_noise),
            );
        }
        if self.max_fit_points < 2 {
            return bad("max_fit_points", "must be at least 2".into());
        }
        Ok(ValidFitSettings(self))
    }
}

/// Where a fit's L-BFGS runs start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FitStart<'a> {
    /// From the prior's typical values and `restarts − 1` seeded random
    /// points.
    Cold,
    /// Once, from earlier hyperparameters (a running study's previous fit).
    Warm(&'a Hyperparameters),
}

/// How a fit went.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// `ln p(y | θ)` at the fitted hyperparameters, on the observations
    /// the fit used.
    pub log_likelihood: f64,
    /// Likelihood evaluations, over all runs.
    pub evaluations: usize,
    /// L-BFGS runs that finished.
    pub runs: usize,
    /// Whether it started from previous hyperparameters.
    pub warm_started: bool,
    /// Observations the fit used.
    pub fit_points: usize,
}

/// The last point evaluated, its cost and gradient.
type Cached = Option<(Array1<f64>, f64, Array1<f64>)>;

/// The argmin problem: minus the log posterior, with the last evaluation
/// cached (argmin asks for the cost and the gradient separately).
struct Objective<'a> {
    inputs: &'a Inputs,
    y: &'a [f64],
    noise: NoiseSpec,
    priors: Priors,
    cache: RefCell<Cached>,
    evaluations: Cell<usize>,
}

impl Objective<'_> {
    fn eval(&self, p: &Array1<f64>) -> Result<(f64, Array1<f64>), ArgminError> {
        if let Some((q, v, g)) = self.cache.borrow().as_ref() {
            if q == p {
                return Ok((*v, g.clone()));
            }
        }
        if p.iter().any(|v| !v.is_finite()) {
            return Err(ArgminError::msg("non-finite hyperparameters"));
        }
        // Outside the box the objective is flat (its value at the nearest
        // point of the box), so L-BFGS never meets an overflow.
        let (q, clamped) = clamp_raw(p, self.noise.floor);
        self.evaluations.set(self.evaluations.get() + 1);
        let e = evaluate(
            self.inputs,
            self.y,
            q.view(),
            self.noise,
            &self.priors,
            true,
        )?;
        let mut g = -e.gradient;
        for (gi, c) in g.iter_mut().zip(&clamped) {
            if *c {
                *gi = 0.0;
            }
        }
        if !g.iter().all(|v| v.is_finite()) {
            return Err(ArgminError::msg("non-finite gradient"));
        }
        let v = -e.log_posterior;
        *self.cache.borrow_mut() = Some((p.clone(), v, g.clone()));
        Ok((v, g))
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, ArgminError> {
        Ok(self.eval(p)?.0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, ArgminError> {
        Ok(self.eval(p)?.1)
    }
}

/// The box raw coordinates are held in: `ℓ` and `s` within `[1e-3, 1e3]`
/// (in the unit cube and for standardized outputs, beyond both ends nothing
/// changes), the noise between `1.001 floor` and `floor + 10`.
pub(crate) fn clamp_raw(p: &Array1<f64>, floor: f64) -> (Array1<f64>, Vec<bool>) {
    let d = p.len() - 2;
    let (lo, hi) = (1e-3f64.ln(), 1e3f64.ln());
    let mut q = p.clone();
    let mut clamped = vec![false; p.len()];
    for (i, v) in q.iter_mut().enumerate() {
        let (a, b) = if i <= d {
            (lo, hi)
        } else {
            ((1e-3 * floor).ln(), 10f64.ln())
        };
        if *v < a || *v > b {
            *v = v.clamp(a, b);
            clamped[i] = true;
        }
    }
    (q, clamped)
}

/// Runs L-BFGS from `start`; the best point seen and its objective.
fn run_lbfgs(
    objective: Objective<'_>,
    start: Array1<f64>,
    settings: &FitSettings,
) -> (Option<(Array1<f64>, f64)>, usize) {
    // The start's cost sets the scale of the cost tolerance (it is cached,
    // so L-BFGS's own first evaluation is free).
    let Ok((cost0, _)) = objective.eval(&start) else {
        return (None, objective.evaluations.get());
    };
    let linesearch = MoreThuenteLineSearch::new();
    let solver = match LBFGS::new(linesearch, 7)
        .with_tolerance_grad(settings.gradient_tolerance)
        .and_then(|s| s.with_tolerance_cost(1e-10 * cost0.abs().max(1.0)))
    {
        Ok(s) => s,
        Err(_) => return (None, 0),
    };
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(start).max_iters(settings.max_iterations))
        .timer(false)
        .ctrlc(false)
        .run();
    match result {
        Ok(mut res) => {
            let evaluations = res
                .problem
                .problem
                .as_ref()
                .map(|o| o.evaluations.get())
                .unwrap_or(0);
            let cost = res.state.get_best_cost();
            let best = res.state.take_best_param();
            (
                best.filter(|_| cost.is_finite()).map(|p| (p, cost)),
                evaluations,
            )
        }
        Err(_) => (None, 0),
    }
}

/// A random starting point: lengthscales log-uniform in `[0.05, 2]`.
fn random_start(dims: usize, rng: &mut dyn RngCore) -> Hyperparameters {
    let (lo, hi) = (0.05f64.ln(), 2.0f64.ln());
    let ls = Array1::from_iter((0..dims).map(|_| (lo + (hi - lo) * rng.random::<f64>()).exp()));
    Hyperparameters::new(ls, 1.0, 1e-2)
}

/// The typical lengthscale under a prior: its mode.
fn typical_lengthscale(prior: LengthscalePrior, dims: usize) -> f64 {
    match prior {
        LengthscalePrior::DimensionScaled => {
            (std::f64::consts::SQRT_2 + 0.5 * (dims.max(1) as f64).ln() - 3.0).exp()
        }
        LengthscalePrior::Unit => 1.0,
    }
}

/// Fits hyperparameters to standardized targets `y` at `inputs`.
pub(crate) fn fit_hyperparameters(
    inputs: &Inputs,
    y: &[f64],
    settings: &ValidFitSettings,
    start: FitStart<'_>,
    rng: &mut dyn RngCore,
) -> Result<(Hyperparameters, FitReport), SurrogateError> {
    let s = &settings.0;
    let d = inputs.dims();
    let noise = NoiseSpec {
        floor: s.min_noise,
        fixed: s.noise == NoiseModel::Fixed,
    };
    let priors = Priors {
        lengthscale: s.lengthscale_prior,
        dims: d,
    };
    let usable = |h: &&Hyperparameters| {
        h.dims() == d && h.lengthscales.iter().all(|l| l.is_finite() && *l > 0.0)
    };
    let warm = match start {
        FitStart::Cold => None,
        FitStart::Warm(h) => Some(h).filter(usable),
    };
    let starts: Vec<Hyperparameters> = match warm {
        Some(h) => vec![h.clone()],
        None => {
            let mut v = vec![Hyperparameters::initial(
                d,
                typical_lengthscale(s.lengthscale_prior, d),
            )];
            for _ in 1..s.restarts {
                v.push(random_start(d, rng));
            }
            v
        }
    };
    let mut best: Option<(Array1<f64>, f64)> = None;
    let mut evaluations = 0;
    let mut runs = 0;
    for start in &starts {
        let objective = Objective {
            inputs,
            y,
            noise,
            priors,
            cache: RefCell::new(None),
            evaluations: Cell::new(0),
        };
        let (found, evals) = run_lbfgs(
            objective,
            clamp_raw(&start.to_raw(noise.floor), noise.floor).0,
            s,
        );
        evaluations += evals;
        if let Some((p, cost)) = found {
            runs += 1;
            let better = match &best {
                Some((_, c)) => cost < *c,
                None => true,
            };
            if better {
                best = Some((p, cost));
            }
        }
    }
    let raw = match best {
        Some((p, _)) => clamp_raw(&p, noise.floor).0,
        // Every run failed: keep the first start if its matrix factors.
        None => clamp_raw(&starts[0].to_raw(noise.floor), noise.floor).0,
    };
    let final_eval = evaluate(inputs, y, raw.view(), noise, &priors, false)?;
    let hyper = Hyperparameters::from_raw(raw.view(), noise.floor, noise.fixed);
    Ok((
        hyper,
        FitReport {
            log_likelihood: final_eval.log_likelihood,
            evaluations: evaluations + 1,
            runs,
            warm_started: warm.is_some(),
            fit_points: inputs.len(),
        },
    ))
}
