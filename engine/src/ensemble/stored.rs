//! An ensemble as kept in its study: under a name, in the study's user
//! attributes at the reserved key `hyperspace.ensemble.<name>` (the
//! `hyperspace.` prefix is the engine's, as for trials' `hyperspace.damaged`),
//! so that it needs no table of its own and travels with the study.

use super::combine::Combine;
use super::metric::Metric;
use crate::error::EnsembleError;
use crate::{Result, Study};
use serde::{Deserialize, Serialize};

/// The prefix of every stored ensemble's key among the study's attributes.
pub const ENSEMBLE_KEY_PREFIX: &str = "hyperspace.ensemble.";

/// The name an ensemble is stored under when none is given.
pub const DEFAULT_NAME: &str = "default";

/// A chosen ensemble: which trials, with what weights, how well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    /// The name it is stored under.
    pub name: String,
    /// The member trials' numbers, best-ranked first.
    pub members: Vec<u64>,
    /// Each member's weight (its picks over the rounds kept); they add up to 1.
    pub weights: Vec<f64>,
    /// The metric it was selected by.
    pub metric: Metric,
    /// How members' outputs are combined.
    pub combine: Combine,
    /// Its validation score.
    pub score: f64,
    /// The best single candidate's validation score.
    pub best_single_score: f64,
    /// That candidate's trial number.
    pub best_single: u64,
    /// The trials it was chosen from, best-ranked first.
    pub candidates: Vec<u64>,
    /// The rounds of selection run (`--size`).
    pub size: usize,
    /// The rounds kept (the best-scoring prefix; weights are picks / rounds).
    pub rounds: usize,
}

/// Checks an ensemble's name: not empty, printable, no path separators.
pub fn check_name(name: &str) -> std::result::Result<(), EnsembleError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(EnsembleError::Setting {
            name: "name".to_string(),
            given: format!("'{name}'"),
            reason: "use 1 to 100 letters, digits, '-', '_' or '.'".to_string(),
        })
    }
}

impl Study {
    /// Stores `ensemble` in the study under its name, replacing one of that name.
    pub fn save_ensemble(&self, ensemble: &Ensemble) -> Result<()> {
        check_name(&ensemble.name)?;
        let value = serde_json::to_value(ensemble)
            .map_err(|e| crate::Error::Storage(format!("cannot encode ensemble: {e}")))?;
        self.set_study_user_attr(&format!("{ENSEMBLE_KEY_PREFIX}{}", ensemble.name), value)
    }

    /// The names of the ensembles stored in the study.
    pub fn ensemble_names(&self) -> Result<Vec<String>> {
        Ok(self
            .user_attrs()?
            .keys()
            .filter_map(|k| k.strip_prefix(ENSEMBLE_KEY_PREFIX))
            .map(str::to_string)
            .collect())
    }

    /// The ensemble stored under `name`.
    pub fn ensemble(&self, name: &str) -> Result<Ensemble> {
        let attrs = self.user_attrs()?;
        let Some(value) = attrs.get(&format!("{ENSEMBLE_KEY_PREFIX}{name}")) else {
            let known: Vec<&str> = attrs
                .keys()
                .filter_map(|k| k.strip_prefix(ENSEMBLE_KEY_PREFIX))
                .collect();
            return Err(EnsembleError::UnknownEnsemble {
                study: self.name().to_string(),
                name: name.to_string(),
                known: if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                },
            }
            .into());
        };
        let damaged = |reason: String| EnsembleError::Damaged {
            study: self.name().to_string(),
            name: name.to_string(),
            reason,
        };
        let ensemble: Ensemble =
            serde_json::from_value(value.clone()).map_err(|e| damaged(e.to_string()))?;
        if ensemble.members.is_empty() || ensemble.members.len() != ensemble.weights.len() {
            return Err(damaged(format!(
                "{} members but {} weights",
                ensemble.members.len(),
                ensemble.weights.len()
            ))
            .into());
        }
        Ok(ensemble)
    }
}
