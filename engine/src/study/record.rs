//! Writing to a study's trials: attributes, metadata, the final outcome,
//! re-queueing, and queueing new configurations (reports during the run
//! are in `report`).

use super::driver::Study;
use super::Outcome;
use crate::storage::TrialUpdate;
use crate::{Error, Metadata, NewTrial, Params, Result, Trial, TrialId, TrialState};

impl Study {
    /// Refuses a trial of another study (ids are unique per storage, so a
    /// caller holding two studies could otherwise write into the wrong one).
    pub(super) fn check_mine(&self, trial: &Trial) -> Result<()> {
        if trial.study != self.record.id {
            return Err(Error::WrongStudy { id: trial.id });
        }
        Ok(())
    }

    /// Sets a user attribute on a trial.
    pub fn set_user_attr(&self, id: TrialId, key: &str, value: serde_json::Value) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.storage.update_trial(
            id,
            &TrialUpdate::UserAttr {
                key: key.to_string(),
                value,
            },
        )
    }

    /// Adds reproducibility metadata to a trial (code and data versions, the
    /// command line, ...).
    pub fn set_metadata(&self, id: TrialId, meta: Metadata) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.storage.update_trial(id, &TrialUpdate::Meta(meta))
    }

    /// Finishes a trial. A NaN or infinite value is refused, unless the
    /// outcome says to record it as a failure. Values the trial was handed
    /// and that are not recorded yet ([`Outcome::params`]) are written with
    /// the result, in one write.
    pub fn tell(&mut self, id: TrialId, outcome: Outcome) -> Result<Trial> {
        // A trial this study's history holds is its own: it is not read
        // back first (one read fewer per trial), as `Finish` itself refuses
        // a trial that has finished. Limits on metrics judge what the trial
        // reported, so they read it.
        let limits = !self.record.config.constraints.is_empty();
        let before = if limits || !self.history.holds(id) {
            let trial = self.storage.trial(id)?;
            self.check_mine(&trial)?;
            Some(trial)
        } else {
            None
        };
        let mut outcome = outcome.settle();
        self.check_outcome(id, &outcome)?;
        self.label_values(&mut outcome);
        if let Some(before) = &before {
            self.judge_limits(before, &mut outcome)
                .map_err(|reason| Error::InvalidTell { id, reason })?;
        }
        let (params, proposer) = if outcome.params.is_empty() {
            (outcome.params, None)
        } else {
            let params = self.handed_params(outcome.params)?;
            (params, self.proposers.get(&id).cloned())
        };
        let update = TrialUpdate::Finish {
            params,
            proposer,
            state: outcome.state,
            values: outcome.values,
            constraints: outcome.constraints,
            metrics: outcome.metrics,
            message: outcome.message,
            finished: crate::now(),
        };
        let trial = self.storage.update_trial(id, &update)?;
        self.relative.remove(&id);
        self.proposers.remove(&id);
        self.leases.release(id);
        if trial.meta.late_result.is_some() {
            // The result is recorded: a failure to withdraw the copy must
            // not look like a failed tell (the copy, at worst, runs as a
            // re-run; recording the result again withdraws it then).
            let _ = self.withdraw_copies(&trial);
        }
        Ok(trial)
    }

    /// Records each named objective's value as a metric too, so the result
    /// says what it measured: a study retargeted while this process still
    /// held the old objectives never reads these values as the new ones
    /// (see `crate::retarget`).
    fn label_values(&self, outcome: &mut Outcome) {
        if outcome.state != TrialState::Complete {
            return;
        }
        for (objective, value) in self.record.config.objectives.iter().zip(&outcome.values) {
            // A value that is not finite is refused as a value, by the
            // rules for values, not as a metric.
            if let (Some(name), true) = (&objective.name, value.is_finite()) {
                outcome.metrics.entry(name.clone()).or_insert(*value);
            }
        }
    }

    /// Gives a complete trial told without constraint values the values of
    /// the study's limits on metrics (`mem_gb<=4`), read from its result's
    /// metrics, else the last value it reported of each: so a Python
    /// `tell(..., metrics=...)` is judged as the CLI runner judges printed
    /// metrics. A limit it cannot read refuses the tell; nothing is stored.
    fn judge_limits(
        &self,
        trial: &Trial,
        outcome: &mut Outcome,
    ) -> std::result::Result<(), crate::TellError> {
        let limits = &self.record.config.constraints;
        if limits.is_empty()
            || outcome.state != TrialState::Complete
            || !outcome.constraints.is_empty()
        {
            return Ok(());
        }
        let mut metrics = outcome.metrics.clone();
        for (name, series) in &trial.intermediate_metrics {
            if let Some((_, last)) = series.iter().next_back() {
                metrics.entry(name.clone()).or_insert(*last);
            }
        }
        outcome.constraints = crate::constraint_values(limits, &metrics)?;
        Ok(())
    }

    /// Puts a running trial back in the queue (its worker is stopping).
    pub fn requeue(&mut self, id: TrialId) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.relative.remove(&id);
        self.proposers.remove(&id);
        self.leases.release(id);
        self.storage.update_trial(id, &TrialUpdate::Requeue)
    }

    /// Queues a configuration; `ask` serves queued trials before asking the
    /// searcher. Parameters may be partial: the searcher fills in the rest.
    pub fn enqueue(&self, params: Params) -> Result<Trial> {
        self.enqueue_trial(NewTrial {
            params,
            ..NewTrial::default()
        })
    }

    /// Queues a trial with a budget, parent and attributes.
    pub fn enqueue_trial(&self, mut new: NewTrial) -> Result<Trial> {
        let space = &self.record.config.space;
        if !space.is_empty() {
            new.params = space.check_partial(&new.params)?;
        }
        new.state = Some(TrialState::Waiting);
        self.storage.create_trial(self.record.id, &new)
    }
}
