//! Trials whose worker died: a worker that is killed (power loss, OOM
//! killer, `kill -9`) cannot mark its trial failed, so the trial would stay
//! `running` forever. Workers send heartbeats; any process may then find
//! running trials silent for too long, fail them with a message that says
//! why, and queue a copy (linked as its child) so the configuration is still
//! evaluated. Nothing is lost and nothing runs twice: failing a trial is
//! atomic, so of two processes recovering at once only one re-queues it.

use super::Study;
use crate::storage::TrialUpdate;
use crate::{Error, Metadata, NewTrial, Result, Trial, TrialId, TrialState};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;

impl Study {
    /// Records a sign of life for a running trial.
    pub fn heartbeat(&self, id: TrialId) -> Result<Trial> {
        let meta = Metadata {
            heartbeat: Some(crate::now()),
            ..Metadata::default()
        };
        self.set_metadata(id, meta)
    }

    /// Takes over a running trial of this study that another process handed
    /// out: a driver restored after its predecessor was killed picks up the
    /// trials that one was running (Ray Tune's `Tuner.restore`). Records a
    /// sign of life now, with this study's lease, and keeps the lease from
    /// here on as for a trial this study asked; its tell works as usual.
    /// A trial that is no longer running (told, or given up as abandoned) is
    /// refused with [`Error::TrialFinished`]: an abandoned one still takes
    /// its late result, but its copy is queued and must not run beside it.
    pub fn take_over(&mut self, id: TrialId) -> Result<Trial> {
        let trial = self.storage().trial(id)?;
        self.check_mine(&trial)?;
        if trial.state != TrialState::Running {
            return Err(Error::TrialFinished {
                id,
                state: trial.state,
            });
        }
        let mut meta = Metadata {
            heartbeat: Some(crate::now()),
            ..Metadata::default()
        };
        self.leases.stamp(&mut meta);
        let trial = self.storage().update_trial(id, &TrialUpdate::Meta(meta))?;
        // Given up by another process between the read and the heartbeat
        // (an abandoned trial still takes metadata): its copy is queued.
        if trial.state != TrialState::Running {
            return Err(Error::TrialFinished {
                id,
                state: trial.state,
            });
        }
        self.leases.hold(id, &self.storage);
        Ok(trial)
    }

    /// Fails every running trial whose worker has been silent for longer
    /// than both the trial's lease and `silence`, and queues a copy of each
    /// that had a configuration.
    /// Trials that never sent a heartbeat (their client holds no lease: a
    /// `hyperspace suggest` trial) are left alone: silence says nothing
    /// about them. Returns the queued copies.
    ///
    /// An abandoned trial still takes its worker's late result (see
    /// [`Study::tell`]); its copy is then withdrawn if it has not started.
    pub fn recover_stale(&mut self, silence: Duration) -> Result<Vec<Trial>> {
        let now = Utc::now();
        let stale: Vec<(Trial, i64)> = self
            .trials()?
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .filter_map(|t| {
                let quiet = now - last_heartbeat(t)?;
                // Whichever is longer: the worker's own promise, or the
                // caller's patience.
                let lease = lease_of(t).map_or(silence, |own| own.max(silence));
                let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
                (quiet > lease).then(|| (t.clone(), quiet.num_seconds()))
            })
            .collect();
        let mut requeued = Vec::new();
        for (trial, silent) in stale {
            let message =
                format!(
                "no sign of life from its worker (host {}, pid {}) for {silent} s; presumed dead{}",
                trial.meta.host.as_deref().unwrap_or("?"),
                trial.meta.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                if trial.params.is_empty() { "" } else { " and re-queued" },
            );
            requeued.extend(self.abandon(trial.id, &message)?);
        }
        requeued.extend(self.queue_missing_copies()?);
        Ok(requeued)
    }

    /// Gives up a running trial whose worker is gone (or will not wait for
    /// it): fails it with `message` and queues a copy of its configuration.
    /// The trial still takes its worker's late result, once, which then
    /// withdraws the copy if no one has started it. Returns the copy;
    /// `None` if another process gave it up first, its result came in, or
    /// it had no configuration yet (the searcher proposes anew anyway).
    pub fn abandon(&mut self, id: TrialId, message: &str) -> Result<Option<Trial>> {
        let abandon = TrialUpdate::Abandon {
            message: message.to_string(),
            at: crate::now(),
        };
        // As stored: a define-by-run trial got its parameters after its ask.
        let trial = match self.storage().update_trial(id, &abandon) {
            Err(Error::TrialFinished { .. } | Error::InvalidTell { .. }) => return Ok(None),
            Err(e) => return Err(e),
            Ok(trial) => trial,
        };
        // Whoever holds it stops sending its heartbeats (if this study
        // does).
        self.leases.release(id);
        if trial.params.is_empty() {
            return Ok(None);
        }
        self.queue_copy(&trial)
    }

    /// Queues the copy of an abandoned trial, once: the copy's claim key
    /// names the original, so of two processes queueing it only one does.
    fn queue_copy(&mut self, trial: &Trial) -> Result<Option<Trial>> {
        let copy = NewTrial {
            params: trial.params.clone(),
            budget: trial.budget,
            parent: Some(trial.id),
            user_attrs: trial.user_attrs.clone(),
            meta: Metadata {
                recovers: Some(trial.id),
                ..Metadata::default()
            },
            claim: Some(format!("recovers:{}", trial.id)),
            ..NewTrial::default()
        };
        let copy = match self.enqueue_trial(copy) {
            Ok(copy) => copy,
            Err(Error::ClaimTaken { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        // Its worker may have told the result between the abandon and the
        // copy, finding no copy to withdraw: look again.
        let now = self.storage().trial(trial.id)?;
        if now.meta.late_result.is_some() {
            self.withdraw_copies(&now)?;
            return Ok(None);
        }
        Ok(Some(copy))
    }

    /// Abandoned trials whose copy was never queued (storage failed between
    /// failing the trial and queueing its copy): queues them now.
    fn queue_missing_copies(&mut self) -> Result<Vec<Trial>> {
        let trials = self.trials()?;
        let copied: HashSet<TrialId> = trials.iter().filter_map(|t| t.meta.recovers).collect();
        let orphans: Vec<Trial> = trials
            .iter()
            .filter(|t| {
                t.state == TrialState::Failed
                    && t.meta.abandoned.is_some()
                    && t.meta.late_result.is_none()
                    && !t.params.is_empty()
                    && !copied.contains(&t.id)
            })
            .cloned()
            .collect();
        let mut queued = Vec::new();
        for orphan in orphans {
            queued.extend(self.queue_copy(&orphan)?);
        }
        Ok(queued)
    }

    /// After an abandoned trial's late result: withdraws the copy queued
    /// for it, unless a worker has started it already (then it runs, linked
    /// to the original as its parent).
    pub(super) fn withdraw_copies(&mut self, original: &Trial) -> Result<()> {
        let copies: Vec<TrialId> = self
            .trials()?
            .iter()
            .filter(|t| t.meta.recovers == Some(original.id) && t.state == TrialState::Waiting)
            .map(|t| t.id)
            .collect();
        for id in copies {
            let withdraw = TrialUpdate::Withdraw {
                message: format!(
                    "withdrawn before it ran: trial #{} it re-ran was presumed dead, but its result arrived",
                    original.number
                ),
                at: crate::now(),
            };
            match self.storage().update_trial(id, &withdraw) {
                // A worker took it meanwhile: it runs, as a re-run.
                Ok(_) | Err(Error::TrialFinished { .. } | Error::InvalidTell { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The lease the trial's worker declared, if any (and if it makes sense).
fn lease_of(trial: &Trial) -> Option<Duration> {
    trial
        .meta
        .lease_secs
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// The last heartbeat of a trial's worker; `None` if it never sent one.
fn last_heartbeat(trial: &Trial) -> Option<DateTime<Utc>> {
    let at = trial.meta.heartbeat.as_deref()?;
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
