//! Pointing a study at other recorded metrics (see `crate::retarget` for
//! how past trials are read afterwards).

use super::objectives::{check_objectives, pruner_refused};
use super::Study;
use crate::{Error, Objective, ObjectiveChange, Registry, Result, StudyError};

impl Study {
    /// Makes the study optimize `objectives` (each a named metric its trials
    /// record, with a direction) from now on. Past trials that recorded
    /// those metrics count at once; the others stay in storage and are left
    /// out of the model. The objectives replaced are kept, with the time,
    /// in [`Study::objective_history`].
    ///
    /// `registry` names the searchers that handle several objectives, for
    /// the error when the study's searcher handles one.
    pub fn retarget(&mut self, objectives: Vec<Objective>, registry: &Registry) -> Result<()> {
        let name = self.record.config.name.clone();
        if objectives.iter().any(|o| o.name.is_none()) {
            return Err(StudyError::RetargetUnnamed { study: name }.into());
        }
        let wanted = self.record.config.clone().objectives(objectives);
        wanted.validate()?;
        check_objectives(&wanted, self.searcher.as_ref(), registry)?;
        if wanted.is_multi_objective() {
            if let Some(pruner) = &wanted.pruner {
                return Err(pruner_refused(&wanted, &pruner.name));
            }
        }
        let check = |stored: &crate::StudyConfig| {
            if stored.objectives == wanted.objectives {
                return Err(Error::from(StudyError::RetargetUnchanged {
                    study: stored.name.clone(),
                    objectives: wanted.objectives_text(),
                }));
            }
            Ok(())
        };
        let stored = self.storage.retarget_study(
            self.record.id,
            &wanted.objectives,
            &crate::now(),
            &check,
        )?;
        self.record.config = stored;
        self.reload_objectives()
    }

    /// The objectives the study optimized before each retarget, oldest
    /// first, with when each was replaced.
    pub fn objective_history(&self) -> Result<Vec<ObjectiveChange>> {
        self.storage.objective_history(self.record.id)
    }

    /// Reads the trials again under the study's objectives as stored now.
    pub(super) fn reload_objectives(&mut self) -> Result<()> {
        let history = self.objective_history()?;
        self.history
            .read_under(&self.record.config.objectives, history);
        self.history.reload(
            self.storage.as_ref(),
            self.record.id,
            &self.record.config.space,
        )
    }
}
