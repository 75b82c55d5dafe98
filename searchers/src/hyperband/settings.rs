//! The Hyperband searcher's settings: plain serde fields, validated once
//! into the rung budgets and bracket sizes (the shared bracket model of
//! `brackets.rs`, rungs counted down from `max_budget`).

use super::brackets::{BracketSettings, Brackets, RungLayout};
use crate::settings::invalid;
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

/// Settings that passed validation, with the brackets worked out.
#[derive(Debug, Clone)]
pub struct ValidHyperbandSettings {
    pub(crate) settings: HyperbandSettings,
    /// The rungs' budgets and the brackets, laid out down from
    /// `max_budget`.
    pub(crate) brackets: Brackets,
}

impl HyperbandSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidHyperbandSettings, SearchError> {
        let brackets = BracketSettings {
            min: self.min_budget,
            max: self.max_budget,
            reduction_factor: self.reduction_factor,
            brackets: self.brackets,
            layout: RungLayout::FromMax,
        }
        .validate()
        .map_err(|e| invalid("hyperband")(e.settings_error("min_budget", "max_budget")))?;
        Ok(ValidHyperbandSettings {
            settings: self,
            brackets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_and_brackets_follow_hyperband() {
        let v = HyperbandSettings::default().validate().unwrap();
        assert_eq!(v.brackets.rungs(), [1.0, 3.0, 9.0, 27.0, 81.0]);
        // s_max = 4: n = 81, 34, 15, 8, 5 (the last bracket starts at
        // max_budget: random search at the full budget).
        assert_eq!(v.brackets.cumulative(), [81, 115, 130, 138, 143]);
        let uneven = HyperbandSettings {
            min_budget: 2.0,
            max_budget: 50.0,
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        // 50, 16.7, 5.6 (then 1.85 < 2): whole numbers, each step η.
        assert_eq!(uneven.brackets.rungs(), [6.0, 17.0, 50.0]);
        let fractional = HyperbandSettings {
            min_budget: 0.5,
            max_budget: 10.0,
            reduction_factor: 2.0,
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(fractional.brackets.rungs(), [0.625, 1.25, 2.5, 5.0, 10.0]);
        let one = HyperbandSettings {
            brackets: Some(1),
            ..HyperbandSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(one.brackets.len(), 1);
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
