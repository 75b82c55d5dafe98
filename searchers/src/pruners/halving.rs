//! Asynchronous successive halving (Li et al. 2020, "A system for massively
//! parallel hyperparameter tuning", ASHA): a trial continues past rung `k`
//! (step `min_resource · reduction_factor^(min_early_stopping_rate + k)`)
//! only if its value there is among the best `1 / reduction_factor` of the
//! trials that reached that rung so far. It is the building block of
//! Hyperband, and needs no synchronisation between workers.

use crate::settings::invalid_pruner;
use hyperspace_engine::{Bound, Direction, Number, Pruner, Result, Trial, TrialState};
use serde::{Deserialize, Serialize};

/// Settings of [`SuccessiveHalvingPruner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuccessiveHalvingSettings {
    /// The step of the first rung (with `min_early_stopping_rate` 0).
    pub min_resource: u64,
    /// Each rung is this many times further than the one before, and keeps
    /// this share (1 / `reduction_factor`) of the trials that reach it.
    pub reduction_factor: u64,
    /// Skips the first rungs: the first is at
    /// `min_resource · reduction_factor^min_early_stopping_rate`.
    pub min_early_stopping_rate: u32,
}

impl Default for SuccessiveHalvingSettings {
    fn default() -> Self {
        Self {
            min_resource: 1,
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        }
    }
}

/// Asynchronous successive halving.
#[derive(Debug, Clone)]
pub struct SuccessiveHalvingPruner {
    settings: SuccessiveHalvingSettings,
}

impl SuccessiveHalvingPruner {
    /// A successive-halving pruner; `min_resource` must be at least 1 and
    /// `reduction_factor` at least 2.
    pub fn new(settings: SuccessiveHalvingSettings) -> Result<Self> {
        let invalid = invalid_pruner("successive_halving");
        Bound::AtLeast(Number::Int(1))
            .check("min_resource", settings.min_resource)
            .map_err(&invalid)?;
        Bound::AtLeast(Number::Int(2))
            .check("reduction_factor", settings.reduction_factor)
            .map_err(&invalid)?;
        Ok(Self { settings })
    }

    /// The rungs' steps, in increasing order, up to `last` (inclusive).
    fn rungs_up_to(&self, last: u64) -> Vec<u64> {
        let s = &self.settings;
        let mut rung = s.min_resource;
        for _ in 0..s.min_early_stopping_rate {
            rung = rung.saturating_mul(s.reduction_factor);
        }
        let mut out = Vec::new();
        while rung <= last {
            out.push(rung);
            if rung == u64::MAX {
                break;
            }
            rung = rung.saturating_mul(s.reduction_factor);
        }
        out
    }
}

/// A trial's value at `rung`: its first report at or past that step.
fn value_at(trial: &Trial, rung: u64) -> Option<f64> {
    trial.intermediate.range(rung..).next().map(|(_, v)| *v)
}

impl Pruner for SuccessiveHalvingPruner {
    fn name(&self) -> &str {
        "successive_halving"
    }

    /// Judged once per rung, at the report that first reaches it, against
    /// every other trial (running, complete or pruned) that reached it too.
    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool {
        let eta = self.settings.reduction_factor;
        judge(
            trial,
            trials.iter(),
            direction,
            |last| self.rungs_up_to(last),
            |n| (n as u64 / eta) as usize,
        )
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(self.settings).unwrap_or_default()
    }
}

/// Successive halving's judgement of `trial` against `competitors`: at each
/// rung `rungs(last)` lists (the rungs up to the trial's last step) that its
/// last report reached for the first time, it continues only if its value
/// there is among the best `kept(n)` (at least one) of the `n` trials
/// that reached the rung. Shared by [`SuccessiveHalvingPruner`] and the Hyperband pruner's
/// brackets.
pub(super) fn judge<'a>(
    trial: &Trial,
    competitors: impl Iterator<Item = &'a Trial>,
    direction: Direction,
    rungs: impl FnOnce(u64) -> Vec<u64>,
    kept: impl Fn(usize) -> usize,
) -> bool {
    let mut steps = trial.intermediate.keys().rev();
    let Some(&last) = steps.next() else {
        return false;
    };
    let before = steps.next().copied();
    // Every rung this report reached for the first time is judged, in
    // order (a report that skips several rungs faces each of them, as in
    // Optuna).
    let rungs: Vec<u64> = rungs(last)
        .into_iter()
        .filter(|&r| before.is_none_or(|b| b < r))
        .collect();
    if rungs.is_empty() {
        return false;
    }
    let competitors: Vec<&Trial> = competitors
        .filter(|t| t.id != trial.id)
        .filter(|t| {
            matches!(
                t.state,
                TrialState::Running | TrialState::Complete | TrialState::Pruned
            )
        })
        .collect();
    rungs.into_iter().any(|rung| {
        let Some(own) = value_at(trial, rung).map(|v| direction.to_loss(v)) else {
            return false;
        };
        let mut values: Vec<f64> = competitors
            .iter()
            .filter_map(|t| value_at(t, rung))
            .map(|v| direction.to_loss(v))
            .collect();
        values.push(own);
        values.sort_by(f64::total_cmp);
        let kept = kept(values.len()).max(1);
        own > values[kept - 1]
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::trial;
    use super::*;

    fn pruner(min_resource: u64, reduction_factor: u64, rate: u32) -> SuccessiveHalvingPruner {
        SuccessiveHalvingPruner::new(SuccessiveHalvingSettings {
            min_resource,
            reduction_factor,
            min_early_stopping_rate: rate,
        })
        .unwrap()
    }

    #[test]
    fn rungs_grow_geometrically_from_the_first() {
        assert_eq!(pruner(1, 3, 0).rungs_up_to(30), [1, 3, 9, 27]);
        assert_eq!(pruner(2, 2, 1).rungs_up_to(16), [4, 8, 16]);
        assert!(pruner(5, 3, 0).rungs_up_to(4).is_empty());
    }

    /// Six trials reached rung 3 with values 1..6; with factor 3 the best
    /// 6 / 3 = 2 continue: a newcomer with 1.5 does, one with 2.5 does not.
    #[test]
    fn keeps_the_best_share_at_each_rung() {
        let p = pruner(1, 3, 0);
        let others: Vec<Trial> = (1..=6)
            .map(|i| {
                trial(
                    i,
                    TrialState::Complete,
                    &[(1, 0.0), (3, i as f64), (9, 0.0)],
                )
            })
            .collect();
        let good = trial(9, TrialState::Running, &[(1, 0.0), (3, 1.5)]);
        let bad = trial(9, TrialState::Running, &[(1, 0.0), (3, 2.5)]);
        assert!(!p.should_prune(&good, &others, Direction::Minimize));
        assert!(p.should_prune(&bad, &others, Direction::Minimize));
        // Maximizing, 2.5 is among the worst: but the best two are 6 and 5.
        assert!(p.should_prune(&bad, &others, Direction::Maximize));
        // Between rungs (step 5 after 3) it is not judged again.
        let later = trial(9, TrialState::Running, &[(1, 0.0), (3, 2.5), (5, 9.0)]);
        assert!(!p.should_prune(&later, &others, Direction::Minimize));
        // Failed trials are no competition.
        let failed: Vec<Trial> = (1..=6)
            .map(|i| trial(i, TrialState::Failed, &[(3, i as f64)]))
            .collect();
        assert!(!p.should_prune(&bad, &failed, Direction::Minimize));
    }

    /// A report that skips rungs faces each of them: best at rung 9, but
    /// behind everyone at rung 1 (its first report past step 1 is 5.0).
    #[test]
    fn a_report_that_skips_rungs_is_judged_at_each() {
        let p = pruner(1, 3, 0);
        let others: Vec<Trial> = (1..=6)
            .map(|i| trial(i, TrialState::Complete, &[(1, 0.0), (3, 0.0), (9, 10.0)]))
            .collect();
        let jumper = trial(9, TrialState::Running, &[(0, 0.0), (9, 5.0)]);
        assert!(p.should_prune(&jumper, &others, Direction::Minimize));
        let steady = trial(
            9,
            TrialState::Running,
            &[(0, 0.0), (1, 0.0), (3, 0.0), (9, 5.0)],
        );
        assert!(!p.should_prune(&steady, &others, Direction::Minimize));
    }

    #[test]
    fn fewer_trials_than_the_factor_keep_only_the_best() {
        let p = pruner(1, 3, 0);
        let one = vec![trial(1, TrialState::Running, &[(1, 2.0)])];
        assert!(!p.should_prune(
            &trial(9, TrialState::Running, &[(1, 1.0)]),
            &one,
            Direction::Minimize
        ));
        assert!(p.should_prune(
            &trial(9, TrialState::Running, &[(1, 3.0)]),
            &one,
            Direction::Minimize
        ));
        // Before the first rung nothing is judged.
        let early = pruner(5, 3, 0);
        assert!(!early.should_prune(
            &trial(9, TrialState::Running, &[(4, 3.0)]),
            &one,
            Direction::Minimize
        ));
    }
}
