//! The Hyperband searcher's settings: plain serde fields, validated once
//! into the rung budgets and bracket sizes.

use hyperspace_engine::SearchError;
use serde::Deserialize;

/// How new configurations (those that are not promotions) are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NewConfigSampler {
    /// Uniformly at random (Hyperband, ASHA).
    #[default]
    Random,
    /// TPE on the trials of the highest rung with enough of them (BOHB).
    Tpe,
}

/// Settings of the `hyperband` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HyperbandSettings {
    /// The smallest budget a trial may get: the first rung is
    /// `max_budget / η^k` for the largest `k` that stays at or above it.
    pub min_budget: f64,
    /// The largest budget (the last rung). When both ends are whole
    /// numbers, every rung is rounded to a whole number.
    pub max_budget: f64,
    /// η: rungs are this many times apart, and each keeps the best `1 / η`.
    pub reduction_factor: f64,
    /// Only the `brackets` most aggressive brackets (1: plain successive
    /// halving from `min_budget`); all of them when unset (the last one
    /// starts at `max_budget`, i.e. random search at the full budget).
    pub brackets: Option<usize>,
    /// How new configurations are drawn.
    pub sampler: NewConfigSampler,
}

impl Default for HyperbandSettings {
    fn default() -> Self {
        Self {
            min_budget: 1.0,
            max_budget: 81.0,
            reduction_factor: 3.0,
            brackets: None,
            sampler: NewConfigSampler::Random,
        }
    }
}

/// The most rungs a study gets, however wide `max_budget / min_budget`.
const MAX_RUNGS: usize = 64;

/// Settings that passed validation, with the rungs worked out.
#[derive(Debug, Clone)]
pub struct ValidHyperbandSettings {
    pub(crate) settings: HyperbandSettings,
    /// The rungs' budgets, increasing; the last is `max_budget`.
    pub(crate) rungs: Vec<f64>,
    /// Cumulative bracket sizes (Hyperband's `n_s`), most aggressive first.
    pub(crate) cumulative: Vec<u64>,
}

impl HyperbandSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidHyperbandSettings, SearchError> {
        let invalid = |reason: String| SearchError::InvalidSettings {
            searcher: "hyperband".into(),
            reason,
        };
        let (min, max, eta) = (self.min_budget, self.max_budget, self.reduction_factor);
        if !(min.is_finite() && min > 0.0) {
            return Err(invalid(format!("min_budget must be positive, got {min}")));
        }
        if !(max.is_finite() && max > min) {
            return Err(invalid(format!(
                "max_budget ({max}) must be above min_budget ({min})"
            )));
        }
        if !(eta.is_finite() && eta >= 2.0) {
            return Err(invalid(format!(
                "reduction_factor must be at least 2, got {eta}"
            )));
        }
        // Rungs downward from the full budget, max / η^k while not below
        // min, so every step is a full factor η (Hyperband's own layout;
        // min is then a floor, not necessarily a rung).
        let mut rungs = vec![max];
        while rungs.len() < MAX_RUNGS {
            let next = rungs[rungs.len() - 1] / eta;
            if next < min * (1.0 - 1e-9) {
                break;
            }
            rungs.push(next);
        }
        rungs.reverse();
        // Whole-number ends mean whole-number budgets (epochs, samples).
        if min.fract() == 0.0 && max.fract() == 0.0 {
            for r in &mut rungs {
                *r = r.round().max(min);
            }
            rungs.dedup();
        }
        let all = rungs.len();
        let count = match self.brackets {
            Some(0) => return Err(invalid("brackets must be at least 1".into())),
            Some(b) => b.min(all),
            None => all,
        };
        // Bracket s starts at rung s and has s_max − s halvings ahead:
        // n_s = ceil((s_max + 1) / (s_max − s + 1) · η^(s_max − s)).
        let s_max = (rungs.len() - 1) as f64;
        let mut total = 0u64;
        let cumulative = (0..count)
            .map(|s| {
                let halvings = s_max - s as f64;
                let size = ((s_max + 1.0) / (halvings + 1.0) * eta.powf(halvings)).ceil();
                total = total.saturating_add(size.min(1e15) as u64);
                total
            })
            .collect();
        Ok(ValidHyperbandSettings {
            settings: self,
            rungs,
            cumulative,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_and_brackets_follow_hyperband() {
        let v = HyperbandSettings::default().validate().unwrap();
        assert_eq!(v.rungs, [1.0, 3.0, 9.0, 27.0, 81.0]);
        // s_max = 4: n = 81, 34, 15, 8, 5 (the last bracket starts at
        // max_budget: random search at the full budget).
        assert_eq!(v.cumulative, [81, 115, 130, 138, 143]);
        let uneven = HyperbandSettings {
            min_budget: 2.0,
            max_budget: 50.0,
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        // 50, 16.7, 5.6 (then 1.85 < 2): whole numbers, each step η.
        assert_eq!(uneven.rungs, [6.0, 17.0, 50.0]);
        let fractional = HyperbandSettings {
            min_budget: 0.5,
            max_budget: 10.0,
            reduction_factor: 2.0,
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(fractional.rungs, [0.625, 1.25, 2.5, 5.0, 10.0]);
        let one = HyperbandSettings {
            brackets: Some(1),
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(one.cumulative.len(), 1);
    }

    #[test]
    fn bad_settings_are_named() {
        for (settings, needle) in [
            (
                HyperbandSettings {
                    min_budget: 0.0,
                    ..HyperbandSettings::default()
                },
                "min_budget",
            ),
            (
                HyperbandSettings {
                    max_budget: 1.0,
                    ..HyperbandSettings::default()
                },
                "max_budget",
            ),
            (
                HyperbandSettings {
                    reduction_factor: 1.5,
                    ..HyperbandSettings::default()
                },
                "reduction_factor",
            ),
            (
                HyperbandSettings {
                    brackets: Some(0),
                    ..HyperbandSettings::default()
                },
                "brackets",
            ),
        ] {
            let err = settings.validate().unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
