//! The `auto` searcher's settings: plain serde fields, validated once.

use crate::hyperband::{HyperbandSettings, ValidHyperbandSettings};
use crate::settings::invalid;
use hyperspace_engine::{Bound, Number, SearchError};
use serde::Deserialize;

/// Settings of the `auto` searcher. The defaults are the rules measured in
/// `benches/README.md`; the thresholds are here to be moved, not to be
/// tuned per study.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoSettings {
    /// Hyperband's settings, when trials take a budget (epochs, samples):
    /// given, every trial is proposed by `hyperband` (with a budget);
    /// `None` (the default): trials have no budget.
    pub hyperband: Option<HyperbandSettings>,
    /// The GP proposes while the trial number is below this (and the
    /// space qualifies); from here on a cheaper searcher takes over,
    /// warm-started from the history.
    pub gp_trials: usize,
    /// The GP proposes only for spaces of at most this many parameters.
    pub gp_max_params: usize,
}

impl Default for AutoSettings {
    fn default() -> Self {
        Self {
            hyperband: None,
            gp_trials: 200,
            gp_max_params: 20,
        }
    }
}

/// [`AutoSettings`] that passed [`AutoSettings::validate`].
#[derive(Debug, Clone)]
pub struct ValidAutoSettings {
    pub(super) hyperband: Option<ValidHyperbandSettings>,
    pub(super) gp_trials: u64,
    pub(super) gp_max_params: usize,
}

impl AutoSettings {
    /// Checks every setting; the error names the one at fault.
    pub fn validate(self) -> Result<ValidAutoSettings, SearchError> {
        let invalid = invalid("auto");
        let int = Number::Int;
        Bound::Between(int(0), int(1_000_000))
            .check("gp_trials", self.gp_trials)
            .map_err(&invalid)?;
        Bound::Between(int(1), int(1_000))
            .check("gp_max_params", self.gp_max_params)
            .map_err(&invalid)?;
        let hyperband = self
            .hyperband
            .map(HyperbandSettings::validate)
            .transpose()?;
        Ok(ValidAutoSettings {
            hyperband,
            gp_trials: self.gp_trials as u64,
            gp_max_params: self.gp_max_params,
        })
    }
}
