//! Evaluator settings, validated once.

use super::errors::ImportanceError;
use serde::{Deserialize, Serialize};

/// fANOVA's forest; the defaults are Optuna's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FanovaSettings {
    /// Trees in the forest.
    pub n_trees: usize,
    /// Deepest a tree may grow.
    pub max_depth: usize,
}

impl Default for FanovaSettings {
    fn default() -> Self {
        Self {
            n_trees: 64,
            max_depth: 64,
        }
    }
}

/// What the top trials' densities are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PedAnovaRegion {
    /// The values all trials took: what mattered during this study
    /// (Optuna's `evaluate_on_local=True`).
    #[default]
    Local,
    /// The uniform distribution over the space: what matters in the space.
    SearchSpace,
}

/// PED-ANOVA; the defaults are Optuna's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PedAnovaSettings {
    /// The share of trials, best first, that count as "top".
    pub baseline_quantile: f64,
    /// What the top trials are compared with.
    pub region: PedAnovaRegion,
    /// Cells a continuous range is binned into.
    pub n_steps: usize,
    /// Weight of each density's prior component.
    pub prior_weight: f64,
}

impl Default for PedAnovaSettings {
    fn default() -> Self {
        Self {
            baseline_quantile: 0.1,
            region: PedAnovaRegion::Local,
            n_steps: 50,
            prior_weight: 1.0,
        }
    }
}

/// Which importance to compute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "evaluator", rename_all = "kebab-case")]
pub enum Evaluator {
    /// fANOVA on a random forest (the default).
    Fanova(FanovaSettings),
    /// PED-ANOVA on the top quantile.
    PedAnova(PedAnovaSettings),
}

impl Default for Evaluator {
    fn default() -> Self {
        Evaluator::Fanova(FanovaSettings::default())
    }
}

/// An [`Evaluator`] whose settings passed [`Evaluator::validate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidEvaluator(pub(super) Evaluator);

impl ValidEvaluator {
    /// The checked evaluator.
    pub fn get(&self) -> &Evaluator {
        &self.0
    }
}

impl Evaluator {
    /// Checks the settings once; only a valid evaluator computes.
    pub fn validate(self) -> Result<ValidEvaluator, ImportanceError> {
        let bad =
            |setting, reason: String| Err(ImportanceError::InvalidSetting { setting, reason });
        match &self {
            Evaluator::Fanova(f) => {
                if f.n_trees == 0 {
                    return bad("n_trees", "must be at least 1 (64 is usual)".into());
                }
                if f.max_depth == 0 {
                    return bad("max_depth", "must be at least 1 (64 is usual)".into());
                }
            }
            Evaluator::PedAnova(p) => {
                if !(p.baseline_quantile > 0.0 && p.baseline_quantile <= 1.0) {
                    return bad(
                        "baseline_quantile",
                        format!(
                            "must be in (0, 1], got {}; 0.1 ranks what it took to reach the best tenth",
                            p.baseline_quantile
                        ),
                    );
                }
                if p.n_steps < 2 {
                    return bad(
                        "n_steps",
                        format!("must be at least 2 (50 is usual), got {}", p.n_steps),
                    );
                }
                if !(p.prior_weight.is_finite() && p.prior_weight >= 0.0) {
                    return bad(
                        "prior_weight",
                        format!(
                            "must be a finite number >= 0 (1.0 is usual), got {}",
                            p.prior_weight
                        ),
                    );
                }
            }
        }
        Ok(ValidEvaluator(self))
    }
}
