//! The GP searcher's settings: plain serde fields, validated once.

use crate::settings::{invalid, model_rule};
use hyperspace_engine::{Bound, Number, SearchError};
use hyperspace_surrogate::acquisition::{Acquisition, OptimizerSettings, ValidOptimizerSettings};
use hyperspace_surrogate::gp::{FitSettings, LengthscalePrior, NoiseModel, ValidFitSettings};
use serde::Deserialize;

/// The acquisition function, as written in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcquisitionKind {
    /// Log expected improvement.
    #[default]
    LogEi,
    /// Upper confidence bound `κσ − μ` (with `kappa`).
    Ucb,
    /// Log probability of improvement.
    LogPi,
}

/// How running trials enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStrategy {
    /// Their loss is the model's posterior mean there, and counts for the
    /// incumbent. Alone it lets a batch crowd a minimum the model is sure
    /// of (points ~1e-6 apart in unit space).
    KrigingBeliever,
    /// Their loss is the best loss so far (optimistic).
    LiarBest,
    /// Their loss is the mean loss so far.
    LiarMean,
    /// Their loss is the worst loss so far (pushes hardest elsewhere).
    LiarWorst,
    /// They are left out (parallel workers may propose the same point).
    Ignore,
    /// Local penalisation (González et al. 2016): no fantasy; the
    /// acquisition is penalised in a ball around each, whose radius is
    /// the model's distance to the best loss over a Lipschitz estimate, at
    /// least `penalty_radius`.
    LocalPenalization,
    /// The kriging believer's fantasies, and local penalisation around
    /// them on top, so a batch spreads at least `penalty_radius` apart:
    /// the default, as good as the believer alone at 8 trials in flight
    /// (searchers/README.md) with a batch that spreads.
    #[default]
    BelieverPenalized,
    /// Joint draws of the function at them (Monte-Carlo fantasies, 32
    /// seeded draws): the acquisition is averaged over the model
    /// conditioned on each draw, improvements counted below the draw's
    /// lowest loss too, which is the batch expected improvement of the
    /// new point with the running ones (as Optuna's `GPSampler`, q-log-EI).
    Fantasies,
}

/// Observation noise, as written in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseSetting {
    /// Fitted (at least `min_noise`).
    #[default]
    Learned,
    /// Held at `min_noise`: for deterministic objectives.
    Fixed,
}

/// How losses are transformed before the model sees them (it then
/// standardizes them to mean 0, variance 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputTransform {
    /// As they are.
    #[default]
    Standardize,
    /// `ln(1 + (y − min)/c)`, `c` the median excess over the best loss:
    /// linear near the best losses, logarithmic in the upper tail. For
    /// losses spanning orders of magnitude (Rosenbrock-like valleys): on
    /// the quality suite it cuts GP's median regret on `rosenbrock` from
    /// 1014 to 5.4 and on `mixed` from 1.07 to 0.60 at 50 trials, but
    /// costs on `ackley` and `levy`, so it is not the default.
    Log,
}

/// Lengthscale prior, as written in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorSetting {
    /// Log-normal, growing with the number of parameters (Hvarfner et al. 2024).
    #[default]
    DimensionScaled,
    /// Peaked at lengthscale 1 in any dimension (as Optuna).
    Unit,
}

/// Settings of the `gp` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GpSettings {
    /// Complete trials drawn quasi-randomly (Sobol) before the model is used.
    pub n_startup_trials: usize,
    /// The acquisition function.
    pub acquisition: AcquisitionKind,
    /// Exploration weight of `ucb`.
    pub kappa: f64,
    /// How running trials enter the model.
    pub pending: PendingStrategy,
    /// Smallest radius (unit-cube distance) of the ball penalised around
    /// a pending trial by `local_penalization` and `believer_penalized`.
    pub penalty_radius: f64,
    /// Learned or fixed observation noise.
    pub noise: NoiseSetting,
    /// Noise floor (or fixed noise), as a share of the losses' variance.
    /// Low (1e-8) so deterministic objectives are interpolated closely: on
    /// the quality suite (100 trials) it beats 1e-6 on every continuous
    /// problem, e.g. branin 2.1e-6 vs 1.5e-5, hartmann6 0.0043 vs 0.119;
    /// noisy objectives learn their noise above it.
    pub min_noise: f64,
    /// The lengthscale prior.
    pub lengthscale_prior: PriorSetting,
    /// Transform of the losses before modelling.
    pub output_transform: OutputTransform,
    /// L-BFGS runs of a cold hyperparameter fit.
    pub restarts: usize,
    /// Hyperparameters are fitted on at most this many trials (a random
    /// subset that stays put as trials are added; the model still uses
    /// every trial).
    pub max_fit_points: usize,
    /// Start each fit from the previous proposal's hyperparameters.
    pub warm_start: bool,
    /// Hyperparameters are refitted once `⌊refit_growth · n⌋` complete
    /// trials (at least one; 0: every proposal) arrived since the last fit
    /// on `n`: every trial below 40 at 0.05, every 10 at 200, so regret on
    /// the quality suite is kept (benches/README.md, "gp");
    /// in between, the last fit's are kept and its model extended by the
    /// new trials, `O(n²)` instead of a fit's many `O(n³)` steps. With
    /// several objectives or constraints each output keeps this pace on
    /// its own (hypervolume kept on ZDT1–3 and BNH, benches/README.md).
    pub refit_growth: f64,
    /// Past this many complete trials the model is conditioned on this
    /// many of them (the best quarter and a stable random share of the
    /// rest): a factorisation costs `O(n³)`, so this bounds a proposal's
    /// time on long histories.
    pub max_model_points: usize,
    /// Quasi-random candidates scored per proposal. Unset, the default:
    /// 1,024 for two objectives (with or without constraints), where
    /// halving the sweep kept the hypervolume of ZDT1-3, BNH and OSY;
    /// 2,048 otherwise (three objectives lost some on DTLZ2;
    /// benches/README.md, session 13).
    pub candidates: Option<usize>,
    /// Candidates refined by local search per proposal.
    pub local_searches: usize,
    /// A local search also stops once an L-BFGS step gains less than this
    /// share of `max(1, |acquisition|)` (SciPy's `factr`). Unset, the
    /// default: 1e-10 for two objectives, whose log-EHVI searches spent
    /// most of their steps on gains under 1e-6 nats (benches/README.md,
    /// "The multi-objective GP's ask"); 0 otherwise (stop on the gradient
    /// alone).
    pub cost_tolerance: Option<f64>,
}

impl Default for GpSettings {
    fn default() -> Self {
        Self {
            n_startup_trials: 10,
            acquisition: AcquisitionKind::LogEi,
            kappa: 2.0,
            pending: PendingStrategy::BelieverPenalized,
            penalty_radius: 0.02,
            noise: NoiseSetting::Learned,
            min_noise: 1e-8,
            lengthscale_prior: PriorSetting::DimensionScaled,
            output_transform: OutputTransform::Standardize,
            restarts: 3,
            max_fit_points: 300,
            warm_start: true,
            refit_growth: 0.05,
            max_model_points: 1000,
            candidates: None,
            local_searches: 10,
            cost_tolerance: None,
        }
    }
}

/// The two-objective model's `cost_tolerance` when the settings leave it unset:
/// it cut the two-objective ask by a sixth to a fifth with the
/// hypervolume of ZDT1-3 and BNH within seed noise (benches/README.md,
/// session 13; 1e-9 had lowered ZDT3's on 8 seeds of 10, session 11).
pub(crate) const TWO_OBJECTIVES_COST_TOLERANCE: f64 = 1e-10;

/// The two-objective model's sweep when the settings leave `candidates` unset:
/// half the one-objective model's 2,048 cut its ask by another fifth with
/// the hypervolume of ZDT1-3 and BNH within seed noise (benches/README.md,
/// session 13).
pub(crate) const TWO_OBJECTIVES_CANDIDATES: usize = 1024;

/// GP settings that passed validation.
#[derive(Debug, Clone)]
pub struct ValidGpSettings {
    pub(crate) settings: GpSettings,
    pub(crate) acquisition: Acquisition,
    pub(crate) fit: ValidFitSettings,
    pub(crate) optimizer: ValidOptimizerSettings,
    /// The optimiser of a two-objective model's acquisition (its own defaults of
    /// `candidates` and `cost_tolerance`).
    pub(crate) two_objectives_optimizer: ValidOptimizerSettings,
}

impl GpSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidGpSettings, SearchError> {
        let invalid = invalid("gp");
        Bound::AtLeast(Number::Int(1))
            .check("n_startup_trials", self.n_startup_trials)
            .map_err(&invalid)?;
        Bound::AtLeast(Number::Float(0.0))
            .check("kappa", self.kappa)
            .map_err(&invalid)?;
        Bound::AtLeast(Number::Float(0.0))
            .check("refit_growth", self.refit_growth)
            .map_err(&invalid)?;
        Bound::AtLeast(Number::Float(0.0))
            .check("penalty_radius", self.penalty_radius)
            .map_err(&invalid)?;
        Bound::AtLeast(Number::Int(2))
            .check("max_model_points", self.max_model_points)
            .map_err(&invalid)?;
        let acquisition = match self.acquisition {
            AcquisitionKind::LogEi => Acquisition::LogEi,
            AcquisitionKind::Ucb => Acquisition::Ucb { kappa: self.kappa },
            AcquisitionKind::LogPi => Acquisition::LogPi,
        };
        let fit = FitSettings {
            restarts: self.restarts,
            min_noise: self.min_noise,
            noise: match self.noise {
                NoiseSetting::Learned => NoiseModel::Learned,
                NoiseSetting::Fixed => NoiseModel::Fixed,
            },
            lengthscale_prior: match self.lengthscale_prior {
                PriorSetting::DimensionScaled => LengthscalePrior::DimensionScaled,
                PriorSetting::Unit => LengthscalePrior::Unit,
            },
            max_fit_points: self.max_fit_points,
            ..FitSettings::default()
        }
        .validate()
        .map_err(|e| invalid(model_rule(e)))?;
        let optimizer = |candidates: usize, cost_tolerance: f64| {
            OptimizerSettings {
                candidates: self.candidates.unwrap_or(candidates),
                local_searches: self.local_searches,
                cost_tolerance: self.cost_tolerance.unwrap_or(cost_tolerance),
                ..OptimizerSettings::default()
            }
            .validate()
            .map_err(|e| invalid(model_rule(e)))
        };
        let two_objectives_optimizer =
            optimizer(TWO_OBJECTIVES_CANDIDATES, TWO_OBJECTIVES_COST_TOLERANCE)?;
        let optimizer = optimizer(OptimizerSettings::default().candidates, 0.0)?;
        Ok(ValidGpSettings {
            settings: self,
            acquisition,
            fit,
            optimizer,
            two_objectives_optimizer,
        })
    }
}
