//! The median-stopping rule behind `hyperspace.MedianPruner` (the engine has
//! no pruner yet; this one lives with the bindings until it does).
//!
//! A running trial is stopped at step `s` when its best intermediate value
//! up to `s` is worse than the median of the values other complete trials
//! reported at `s` — once enough trials are complete and the trial is past
//! its warm-up. Same rule as Optuna's `MedianPruner` (and Google Vizier's
//! median automated stopping rule, Golovin et al. 2017, section 3.2.2).

use hyperspace_engine::{Direction, Trial, TrialState};

/// The settings of the median rule, validated by the Python layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MedianRule {
    /// Complete trials needed before anything is pruned.
    pub(crate) n_startup_trials: usize,
    /// Steps of each trial that are never pruned.
    pub(crate) n_warmup_steps: u64,
    /// Prune only at every `interval_steps`-th step after the warm-up.
    pub(crate) interval_steps: u64,
    /// Complete trials that must have reported at the step.
    pub(crate) n_min_trials: usize,
}

impl MedianRule {
    /// Whether `trial` should stop now, given every trial of its study.
    pub(crate) fn should_prune(&self, trial: &Trial, all: &[Trial], direction: Direction) -> bool {
        let Some((step, _)) = trial.last_intermediate() else {
            return false;
        };
        if step < self.n_warmup_steps
            || !(step - self.n_warmup_steps).is_multiple_of(self.interval_steps.max(1))
        {
            return false;
        }
        let complete = all
            .iter()
            .filter(|t| t.id != trial.id && t.state == TrialState::Complete);
        if complete.clone().count() < self.n_startup_trials {
            return false;
        }
        let mut others: Vec<f64> = complete
            .filter_map(|t| t.intermediate.get(&step).copied())
            .map(|v| direction.to_loss(v))
            .collect();
        if others.is_empty() || others.len() < self.n_min_trials {
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
