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

    /// Fails every running trial whose last heartbeat is older than
    /// `silence`, and queues a copy of each. Trials that never sent a
    /// heartbeat (their client does not send any) are left alone: silence
    /// says nothing about them. Returns the queued copies.
    pub fn recover_stale(&mut self, silence: Duration) -> Result<Vec<Trial>> {
        let now = Utc::now();
        let limit = chrono::Duration::from_std(silence)
            .map_err(|e| Error::InvalidStudy(format!("silence {silence:?} is too long: {e}")))?;
        let stale: Vec<Trial> = self
            .trials()?
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .filter(|t| last_sign_of_life(t).is_some_and(|at| now - at > limit))
            .cloned()
            .collect();
        let mut requeued = Vec::new();
        for trial in stale {
            let silent = last_sign_of_life(&trial)
                .map(|at| (now - at).num_seconds())
                .unwrap_or(0);
            let finish = TrialUpdate::Finish {
                state: TrialState::Failed,
                value: None,
                metrics: Default::default(),
                message: Some(format!(
                    "no sign of life from its worker (host {}, pid {}) for {silent} s; presumed dead and re-queued",
                    trial.meta.host.as_deref().unwrap_or("?"),
                    trial.meta.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                )),
                finished: crate::now(),
            };
            match self.storage().update_trial(trial.id, &finish) {
                // Another process recovered it first.
                Err(Error::TrialFinished { .. }) => continue,
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            let copy = NewTrial {
                params: trial.params.clone(),
                budget: trial.budget,
                parent: Some(trial.id),
                user_attrs: trial.user_attrs.clone(),
                ..NewTrial::default()
            };
            requeued.push(self.enqueue_trial(copy)?);
        }
        Ok(requeued)
    }
}

fn last_sign_of_life(trial: &Trial) -> Option<DateTime<Utc>> {
    let at = trial
        .meta
        .heartbeat
        .as_deref()
        .or(trial.meta.started.as_deref())?;
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
