//! A study's own user attributes (Optuna's `study.user_attrs`): notes about
//! the study as a whole (the dataset, the owner), kept in storage beside
//! its configuration.

use super::driver::Study;
use crate::storage::StudyAttrs;
use crate::Result;

impl Study {
    /// The study's user attributes, as stored now.
    pub fn user_attrs(&self) -> Result<StudyAttrs> {
        self.storage.study_attrs(self.record.id)
    }

    /// Sets one user attribute of the study.
    pub fn set_study_user_attr(&self, key: &str, value: serde_json::Value) -> Result<()> {
        self.storage.set_study_attr(self.record.id, key, &value)
    }
}
