//! Finding damaged records: studies whose configuration cannot be read, and
//! trials whose row cannot be read or holds a value their study's space does
//! not admit. Reading quarantines such trials so a study stays usable; this
//! is where a person finds out which ones, to repair or delete them.

use super::{Storage, StudyListing};
use crate::{Error, Result, StudyId, TrialId};
use std::fmt;

/// One damaged record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Damage {
    /// A study whose stored configuration cannot be read.
    Study {
        /// Its id.
        id: StudyId,
        /// Its name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A trial whose row cannot be read, or whose parameters the study's
    /// space does not admit.
    Trial {
        /// The study's name.
        study: String,
        /// The trial's id.
        id: TrialId,
        /// Its number in the study.
        number: u64,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Study { id, name, reason } => {
                write!(f, "study '{name}' (id {}): {reason}", id.0)
            }
            Damage::Trial {
                study,
                id,
                number,
                reason,
            } => write!(f, "study '{study}': trial #{number} (id {id}): {reason}"),
        }
    }
}

/// Every damaged record of `storage`, or of study `study` only. Reads each
/// study's trials once; writes nothing.
pub fn check_storage(storage: &dyn Storage, study: Option<&str>) -> Result<Vec<Damage>> {
    let listed = storage.list_studies()?;
    if let Some(name) = study {
        if !listed.iter().any(|s| s.name() == name) {
            return Err(Error::StudyNotFound {
                name: name.to_string(),
                storage: storage.describe(),
            });
        }
    }
    let mut found = Vec::new();
    for listing in listed {
        if study.is_some_and(|name| name != listing.name()) {
            continue;
        }
        let record = match listing {
            StudyListing::Readable(record) => record,
            StudyListing::Damaged {
                id, name, reason, ..
            } => {
                found.push(Damage::Study { id, name, reason });
                continue;
            }
        };
        for trial in storage.trials_since(record.id, 0)? {
            let reason = match trial.damage() {
                Some(reason) => Some(reason.to_string()),
                None => record.config.space.invalid_value(&trial.params),
            };
            if let Some(reason) = reason {
                found.push(Damage::Trial {
                    study: record.config.name.clone(),
                    id: trial.id,
                    number: trial.number,
                    reason,
                });
            }
        }
    }
    Ok(found)
}
