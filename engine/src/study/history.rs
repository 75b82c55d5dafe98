//! A study's copy of its trials, kept current incrementally: each refresh
//! asks storage only for trials whose change counter moved past the last one
//! seen, so the cost of a refresh follows what changed, not how long the
//! history is.

use crate::{Result, Space, Storage, StudyId, Trial};

#[derive(Debug, Default)]
pub(crate) struct History {
    /// Trials by number (numbers are dense from 0).
    trials: Vec<Trial>,
    /// The highest change counter seen.
    seen: u64,
}

impl History {
    pub(crate) fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// Fetches what changed and fills in defaults of parameters the space
    /// gained after a trial ran.
    pub(crate) fn refresh(
        &mut self,
        storage: &dyn Storage,
        study: StudyId,
        space: &Space,
    ) -> Result<()> {
        let changed = storage.trials_since(study, self.seen)?;
        for mut trial in changed {
            self.seen = self.seen.max(trial.change);
            if !trial.params.is_empty() {
                space.fill_defaults(&mut trial.params);
            }
            let n = trial.number as usize;
            if n < self.trials.len() {
                self.trials[n] = trial;
            } else if n == self.trials.len() {
                self.trials.push(trial);
            } else {
                // A gap means this copy missed trials: start over.
                return self.reload(storage, study, space);
            }
        }
        Ok(())
    }

    /// Drops the copy and reads everything again (after the space changed).
    pub(crate) fn reload(
        &mut self,
        storage: &dyn Storage,
        study: StudyId,
        space: &Space,
    ) -> Result<()> {
        self.trials.clear();
        self.seen = 0;
        let all = storage.trials_since(study, 0)?;
        for mut trial in all {
            self.seen = self.seen.max(trial.change);
            if !trial.params.is_empty() {
                space.fill_defaults(&mut trial.params);
            }
            self.trials.push(trial);
        }
        Ok(())
    }
}
