//! TPE's settings: plain serde fields, validated once.

use hyperspace_engine::SearchError;
use hyperspace_surrogate::parzen::{Bandwidth, ParzenSettings, ValidParzenSettings};
use serde::Deserialize;

/// How TPE draws its start-up trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartupSampler {
    /// Independent uniform draws (as Optuna and Hyperopt do).
    #[default]
    Uniform,
    /// A scrambled Sobol design, covering the space more evenly.
    Sobol,
}

/// The bandwidth rule, as written in settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandwidthRule {
    /// Gaps to neighbouring observations, clipped below.
    MagicClip,
    /// Scott's rule.
    Scott,
}

/// Settings of the `tpe` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TpeSettings {
    /// Trials drawn at random before the model is used.
    pub n_startup_trials: usize,
    /// Candidates drawn from the good density per proposal.
    pub n_ei_candidates: usize,
    /// Share of finished trials counted as good: `min(ceil(gamma * n), max_good)`.
    ///
    /// 0.15 by default (Optuna uses 0.1). Measured on the quality suite
    /// (100 seeds at budgets of 50, 100, 200 and 300 trials, against the same
    /// searcher with 0.1): significantly lower regret on branin at every
    /// budget and on ackley, rosenbrock, mixed and conditional at some,
    /// never worse on them; the one loss is styblinski-tang-10 at 200 and
    /// 300 trials. From `max_good / gamma` trials on (167), both give 25.
    pub gamma: f64,
    /// Upper bound on the number of good trials.
    pub max_good: usize,
    /// Model the parameters of a group jointly (keeps correlations) rather
    /// than one by one.
    pub multivariate: bool,
    /// Weight of the prior component of each density.
    pub prior_weight: f64,
    /// Kernel width rule; magic clip by default (measured on the quality
    /// suite: it beats Scott's rule on 6 of 7 continuous problems, also in
    /// multivariate mode).
    pub bandwidth: Option<BandwidthRule>,
    /// Let the interval ends widen the outermost kernels (magic clip only).
    pub consider_endpoints: bool,
    /// Let the middle of each interval (the prior's centre) narrow the
    /// kernels next to it (magic clip only), as Hyperopt does. Off by
    /// default, as in Optuna 5: with 100 seeds × 100 trials it had the lower
    /// median regret on 6 of 7 continuous problems (hartmann6 0.154 vs 0.189,
    /// styblinski-tang 100 vs 108, p = 0.004), because early on, with few
    /// good trials, their kernels stay wide instead of being cut at the
    /// middle.
    pub prior_is_neighbour: bool,
    /// Give older trials less weight (the newest 25 weigh 1, older ones
    /// ramp down), as Optuna does.
    pub decay_old: bool,
    /// Count running trials as bad, so parallel workers spread out.
    pub constant_liar: bool,
    /// How start-up trials are drawn.
    pub startup: StartupSampler,
}

impl Default for TpeSettings {
    fn default() -> Self {
        Self {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            gamma: 0.15,
            max_good: 25,
            multivariate: true,
            prior_weight: 1.0,
            bandwidth: None,
            consider_endpoints: false,
            prior_is_neighbour: false,
            decay_old: true,
            constant_liar: true,
            startup: StartupSampler::Uniform,
        }
    }
}

/// TPE settings that passed validation.
#[derive(Debug, Clone)]
pub struct ValidTpeSettings {
    pub(crate) settings: TpeSettings,
    pub(crate) parzen: ValidParzenSettings,
}

impl TpeSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidTpeSettings, SearchError> {
        let invalid = |reason: String| SearchError::InvalidSettings {
            searcher: "tpe".into(),
            reason,
        };
        if self.n_ei_candidates == 0 {
            return Err(invalid("n_ei_candidates must be at least 1".into()));
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(invalid(format!(
                "gamma must be in (0, 1], got {}",
                self.gamma
            )));
        }
        if self.max_good == 0 {
            return Err(invalid("max_good must be at least 1".into()));
        }
        let bandwidth = match self.bandwidth {
            Some(BandwidthRule::Scott) => Bandwidth::Scott,
            Some(BandwidthRule::MagicClip) | None => Bandwidth::MagicClip,
        };
        let parzen = ParzenSettings {
            bandwidth,
            prior_weight: self.prior_weight,
            multivariate: self.multivariate,
            consider_endpoints: self.consider_endpoints,
            prior_is_neighbour: self.prior_is_neighbour,
        }
        .validate()
        .map_err(|e| invalid(e.to_string()))?;
        Ok(ValidTpeSettings {
            settings: self,
            parzen,
        })
    }
}
