//! The median-stopping rule (Golovin et al. 2017, "Google Vizier", section
//! 3.2.2; Optuna's `MedianPruner`): stop a trial whose best value so far is
//! worse than the median of what the complete trials reported at the same
//! step.

use crate::settings::invalid_pruner;
use hyperspace_engine::{Bound, Direction, Number, Pruner, Result, Trial, TrialState};
use serde::{Deserialize, Serialize};

/// Settings of [`MedianPruner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MedianSettings {
    /// Complete trials needed before anything is pruned.
    pub n_startup_trials: usize,
    /// Steps of each trial that are never pruned.
    pub n_warmup_steps: u64,
    /// After the warm-up, judge a trial at its first report in each run of
    /// `interval_steps` steps.
    pub interval_steps: u64,
    /// Complete trials that must have reported at the step.
    pub n_min_trials: usize,
}

impl Default for MedianSettings {
    fn default() -> Self {
        Self {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

/// The median-stopping rule.
#[derive(Debug, Clone)]
pub struct MedianPruner {
    settings: MedianSettings,
}

impl MedianPruner {
    /// A median pruner; `interval_steps` must be at least 1.
    pub fn new(settings: MedianSettings) -> Result<Self> {
        Bound::AtLeast(Number::Int(1))
            .check("interval_steps", settings.interval_steps)
            .map_err(invalid_pruner("median"))?;
        Ok(Self { settings })
    }
}

impl Pruner for MedianPruner {
    fn name(&self) -> &str {
        "median"
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(self.settings).unwrap_or_default()
    }

    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool {
        let s = &self.settings;
        let mut steps = trial.intermediate.keys().rev();
        let Some(&step) = steps.next() else {
            return false;
        };
        if step < s.n_warmup_steps {
            return false;
        }
        // Judged at the first report in each interval after the warm-up
        // (as Optuna does), so reports that skip steps are judged too.
        let interval_start =
            (step - s.n_warmup_steps) / s.interval_steps * s.interval_steps + s.n_warmup_steps;
        if steps.next().is_some_and(|&before| before >= interval_start) {
            return false;
        }
        let complete = trials
            .iter()
            .filter(|t| t.id != trial.id && t.state == TrialState::Complete);
        if complete.clone().count() < s.n_startup_trials {
            return false;
        }
        let mut others: Vec<f64> = complete
            .filter_map(|t| t.intermediate.get(&step).copied())
            .map(|v| direction.to_loss(v))
            .collect();
        if others.is_empty() || others.len() < s.n_min_trials {
            return false;
        }
        let best = trial
            .intermediate
            .range(..=step)
            .map(|(_, v)| direction.to_loss(*v))
            .fold(f64::INFINITY, f64::min);
        others.sort_by(f64::total_cmp);
        let n = others.len();
        let median = if n % 2 == 1 {
            others[n / 2]
        } else {
            0.5 * (others[n / 2 - 1] + others[n / 2])
        };
        best > median
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::trial;
    use super::*;

    fn pruner(n_startup_trials: usize, n_warmup_steps: u64, interval_steps: u64) -> MedianPruner {
        MedianPruner::new(MedianSettings {
            n_startup_trials,
            n_warmup_steps,
            interval_steps,
            n_min_trials: 1,
        })
        .unwrap()
    }

    /// Three complete trials reported 1, 2, 3 at step 4 (median 2).
    fn finished() -> Vec<Trial> {
        (1..=3)
            .map(|i| trial(i, TrialState::Complete, &[(0, 10.0), (4, i as f64)]))
            .collect()
    }

    #[test]
    fn stops_a_trial_worse_than_the_median_at_its_step() {
        let done = finished();
        let p = pruner(3, 0, 1);
        let worse = trial(9, TrialState::Running, &[(0, 9.0), (4, 2.5)]);
        let better = trial(9, TrialState::Running, &[(0, 9.0), (4, 1.5)]);
        assert!(p.should_prune(&worse, &done, Direction::Minimize));
        assert!(!p.should_prune(&better, &done, Direction::Minimize));
        // Its best so far counts, not its last value.
        let recovered = trial(9, TrialState::Running, &[(0, 1.0), (4, 2.5)]);
        assert!(!p.should_prune(&recovered, &done, Direction::Minimize));
        // Maximizing, 2.5 beats the median of 2.
        assert!(!p.should_prune(&worse, &done, Direction::Maximize));
    }

    #[test]
    fn waits_for_start_up_trials_warm_up_and_interval() {
        let done = finished();
        let worse = trial(9, TrialState::Running, &[(0, 9.0), (4, 2.5)]);
        assert!(!pruner(4, 0, 1).should_prune(&worse, &done, Direction::Minimize));
        assert!(!pruner(3, 5, 1).should_prune(&worse, &done, Direction::Minimize));
        // Intervals of 2 after a warm-up of 1: [1, 3), [3, 5), ...; a trial
        // is judged at its first report in each.
        let p = pruner(3, 1, 2);
        let at = |steps: &[(u64, f64)]| trial(9, TrialState::Running, steps);
        assert!(p.should_prune(&at(&[(0, 9.0), (4, 2.5)]), &done, Direction::Minimize));
        assert!(!p.should_prune(&at(&[(3, 9.0), (4, 2.5)]), &done, Direction::Minimize));
        assert!(pruner(3, 2, 2).should_prune(&worse, &done, Direction::Minimize));
        // No one else reported at its step: nothing to compare with.
        let elsewhere = trial(9, TrialState::Running, &[(5, 100.0)]);
        assert!(!pruner(3, 0, 1).should_prune(&elsewhere, &done, Direction::Minimize));
    }

    #[test]
    fn a_zero_interval_is_refused() {
        let err = MedianPruner::new(MedianSettings {
            interval_steps: 0,
            ..MedianSettings::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("interval_steps"), "{err}");
    }
}
