//! Hyperband (Li et al. 2018) as a pruner, the way Optuna's
//! `HyperbandPruner` runs it: several brackets of asynchronous successive
//! halving that differ in how early they start pruning, each trial in one
//! bracket and judged only against the trials of its bracket. Aggressive
//! brackets (pruning from `min_resource` on) find good configurations
//! cheaply when early values predict final ones; conservative brackets
//! (pruning only near `max_resource`) protect against the cases where they
//! do not. No one has to pick that trade-off in advance.

use super::halving::judge;
use crate::hyperband::{BracketSettings, Brackets, RungLayout};
use crate::settings::invalid_pruner;
use hyperspace_engine::{Direction, Pruner, Result, Trial};
use serde::{Deserialize, Serialize};

/// Settings of [`HyperbandPruner`] (Optuna's names: trials report whole
/// steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HyperbandPrunerSettings {
    /// The first rung's step in the most aggressive bracket.
    pub min_resource: u64,
    /// The step a trial that is never pruned reaches (its last report).
    pub max_resource: u64,
    /// Rungs are this many times apart and keep this share of the trials.
    pub reduction_factor: u64,
}

impl Default for HyperbandPrunerSettings {
    fn default() -> Self {
        Self {
            min_resource: 1,
            max_resource: 81,
            reduction_factor: 3,
        }
    }
}

/// Hyperband's brackets of successive halving.
#[derive(Debug, Clone)]
pub struct HyperbandPruner {
    settings: HyperbandPrunerSettings,
    /// The shared bracket model, rungs counted up from `min_resource`:
    /// bracket `s` judges at rungs `s, s + 1, ...` below `max_resource`.
    brackets: Brackets,
}

impl HyperbandPruner {
    /// Brackets for `floor(log_η(max / min)) + 1` early-stopping rates;
    /// `min_resource` ≥ 1, `max_resource` > `min_resource`, η ≥ 2.
    pub fn new(settings: HyperbandPrunerSettings) -> Result<Self> {
        let brackets = BracketSettings {
            min: settings.min_resource as f64,
            max: settings.max_resource as f64,
            reduction_factor: settings.reduction_factor as f64,
            brackets: None,
            layout: RungLayout::FromMin,
        }
        .validate()
        .map_err(|e| {
            invalid_pruner("hyperband")(e.settings_error("min_resource", "max_resource"))
        })?;
        Ok(Self { settings, brackets })
    }

    /// The bracket of trial number `number` (see [`Brackets::bracket_of`]).
    pub fn bracket_of(&self, number: u64) -> usize {
        self.brackets.bracket_of(number)
    }

    /// The number of brackets.
    pub fn n_brackets(&self) -> usize {
        self.brackets.len()
    }
}

impl Pruner for HyperbandPruner {
    fn name(&self) -> &str {
        "hyperband"
    }

    /// Successive halving within the trial's bracket, against the trials
    /// of that bracket only; nothing is judged at or past `max_resource`.
    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool {
        let bracket = self.bracket_of(trial.number);
        let same_bracket = trials
            .iter()
            .filter(|t| self.bracket_of(t.number) == bracket);
        let max = self.settings.max_resource;
        let rungs = |last: u64| {
            self.brackets.rungs()[bracket..]
                .iter()
                .map(|&r| r as u64)
                .take_while(|&r| r <= last && r < max)
                .collect()
        };
        judge(trial, same_bracket, direction, rungs, |n| {
            self.brackets.promoted(n)
        })
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(self.settings).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::trial;
    use super::*;
    use hyperspace_engine::TrialState;

    fn pruner(min_resource: u64, max_resource: u64, reduction_factor: u64) -> HyperbandPruner {
        HyperbandPruner::new(HyperbandPrunerSettings {
            min_resource,
            max_resource,
            reduction_factor,
        })
        .unwrap()
    }

    /// 1 to 81 with η = 3: rates 0..=4, Hyperband's sizes 81, 34, 15, 8, 5.
    #[test]
    fn brackets_follow_hyperbands_sizes() {
        let p = pruner(1, 81, 3);
        assert_eq!(p.n_brackets(), 5);
        assert_eq!(p.brackets.cumulative(), [81, 115, 130, 138, 143]);
        assert_eq!(pruner(1, 2, 3).n_brackets(), 1);
        // Huge ranges saturate instead of overflowing.
        assert_eq!(pruner(1, u64::MAX, 10).n_brackets(), 20);
        assert_eq!(pruner(2, 18, 3).n_brackets(), 3);
    }

    /// Trials are judged only against their own bracket: a bad value among
    /// good trials of other brackets is judged as if alone (kept, as the
    /// best of one), and pruned among good trials of its own bracket.
    #[test]
    fn trials_compete_within_their_bracket() {
        let p = pruner(1, 27, 3);
        let of =
            |b: usize| -> Vec<u64> { (0u64..).filter(|&n| p.bracket_of(n) == b).take(7).collect() };
        let aggressive = of(0);
        let other = of(1);
        let at_rung = |n: u64, v: f64, state| {
            let mut t = trial(n as i64, state, &[(0, 0.0), (1, v)]);
            t.number = n;
            t
        };
        let newcomer = at_rung(aggressive[6], 5.0, TrialState::Running);
        let others: Vec<Trial> = other
            .iter()
            .map(|&n| at_rung(n, 1.0, TrialState::Complete))
            .collect();
        assert!(!p.should_prune(&newcomer, &others, Direction::Minimize));
        let rivals: Vec<Trial> = aggressive[..6]
            .iter()
            .map(|&n| at_rung(n, 1.0, TrialState::Complete))
            .collect();
        assert!(p.should_prune(&newcomer, &rivals, Direction::Minimize));
        // Nothing is pruned at or past max_resource.
        let mut late = trial(
            aggressive[6] as i64,
            TrialState::Running,
            &[(26, 0.0), (27, 9.0)],
        );
        late.number = aggressive[6];
        let late_rivals: Vec<Trial> = aggressive[..6]
            .iter()
            .map(|&n| {
                let mut t = trial(n as i64, TrialState::Complete, &[(27, 1.0)]);
                t.number = n;
                t
            })
            .collect();
        assert!(!p.should_prune(&late, &late_rivals, Direction::Minimize));
    }

    #[test]
    fn bad_settings_are_named() {
        for (min, max, eta, needle) in [
            (0, 9, 3, "min_resource"),
            (9, 9, 3, "max_resource"),
            (1, 9, 1, "reduction_factor"),
        ] {
            let err = HyperbandPruner::new(HyperbandPrunerSettings {
                min_resource: min,
                max_resource: max,
                reduction_factor: eta,
            })
            .unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
