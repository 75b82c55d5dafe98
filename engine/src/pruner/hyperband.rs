//! Hyperband (Li et al. 2018) as a pruner, the way Optuna's
//! `HyperbandPruner` runs it: several brackets of asynchronous successive
//! halving that differ in how early they start pruning, each trial in one
//! bracket and judged only against the trials of its bracket. Aggressive
//! brackets (pruning from `min_resource` on) find good configurations
//! cheaply when early values predict final ones; conservative brackets
//! (pruning only near `max_resource`) protect against the cases where they
//! do not. No one has to pick that trade-off in advance.

use super::halving::{SuccessiveHalvingPruner, SuccessiveHalvingSettings};
use super::Pruner;
use crate::{Direction, Error, Result, Trial};
use serde::Deserialize;

/// Settings of [`HyperbandPruner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HyperbandSettings {
    /// The first rung's step in the most aggressive bracket.
    pub min_resource: u64,
    /// The step a trial that is never pruned reaches (its last report).
    pub max_resource: u64,
    /// Rungs are this many times apart and keep this share of the trials.
    pub reduction_factor: u64,
}

impl Default for HyperbandSettings {
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
    settings: HyperbandSettings,
    /// One successive-halving pruner per bracket, most aggressive first.
    brackets: Vec<SuccessiveHalvingPruner>,
    /// Cumulative share of trials per bracket, out of `total`.
    cumulative: Vec<u64>,
}

impl HyperbandPruner {
    /// Brackets for `floor(log_η(max / min)) + 1` early-stopping rates;
    /// `min_resource` ≥ 1, `max_resource` > `min_resource`, η ≥ 2.
    pub fn new(settings: HyperbandSettings) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidPruner {
            pruner: "hyperband".into(),
            reason,
        };
        let HyperbandSettings {
            min_resource,
            max_resource,
            reduction_factor: eta,
        } = settings;
        if min_resource == 0 {
            return Err(invalid("min_resource must be at least 1".into()));
        }
        if max_resource <= min_resource {
            return Err(invalid(format!(
                "max_resource ({max_resource}) must be above min_resource ({min_resource})"
            )));
        }
        if eta < 2 {
            return Err(invalid("reduction_factor must be at least 2".into()));
        }
        // s_max = floor(log_η(max / min)), counted exactly in integers.
        let mut s_max = 0u32;
        let mut reach = min_resource;
        while let Some(next) = reach.checked_mul(eta).filter(|&n| n <= max_resource) {
            reach = next;
            s_max += 1;
        }
        let mut brackets = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for rate in 0..=s_max {
            brackets.push(SuccessiveHalvingPruner::new(SuccessiveHalvingSettings {
                min_resource,
                reduction_factor: eta,
                min_early_stopping_rate: rate,
            })?);
            // Hyperband's bracket sizes: n_s = ceil((s_max + 1) / (s + 1) · η^s)
            // configurations for the bracket with s = s_max − rate rungs.
            let s = s_max - rate;
            let size = (u64::from(s_max) + 1)
                .saturating_mul(eta.saturating_pow(s))
                .div_ceil(u64::from(s) + 1);
            total = total.saturating_add(size);
            cumulative.push(total);
        }
        Ok(Self {
            settings,
            brackets,
            cumulative,
        })
    }

    /// The bracket of trial number `number`: a fixed pseudo-random draw
    /// weighted by the brackets' sizes, so every worker agrees on it and
    /// consecutive trials spread over the brackets.
    pub fn bracket_of(&self, number: u64) -> usize {
        crate::weighted_group(number, &self.cumulative)
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

    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool {
        let bracket = self.bracket_of(trial.number);
        let same_bracket = trials
            .iter()
            .filter(|t| self.bracket_of(t.number) == bracket);
        self.brackets[bracket].judge(
            trial,
            same_bracket,
            direction,
            Some(self.settings.max_resource),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::trial;
    use super::*;
    use crate::TrialState;

    fn pruner(min_resource: u64, max_resource: u64, reduction_factor: u64) -> HyperbandPruner {
        HyperbandPruner::new(HyperbandSettings {
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
        assert_eq!(p.cumulative, [81, 115, 130, 138, 143]);
        // Over many trials each bracket gets its share.
        let mut counts = [0usize; 5];
        for n in 0..14_300 {
            counts[p.bracket_of(n)] += 1;
        }
        for (count, size) in counts.iter().zip([81, 34, 15, 8, 5]) {
            let expected = 100 * size;
            assert!(count.abs_diff(expected) < expected / 5 + 30, "{counts:?}");
        }
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
            let err = HyperbandPruner::new(HyperbandSettings {
                min_resource: min,
                max_resource: max,
                reduction_factor: eta,
            })
            .unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
