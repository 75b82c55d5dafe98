use crate::settings::invalid;
use hyperspace_engine::{Bound, Number, SearchError};
use serde::Deserialize;

/// Settings of the `grid` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSettings {
    /// Values per continuous parameter (evenly spaced; log-spaced on a log
    /// scale). Discrete parameters always use all their values.
    #[serde(default = "default_points")]
    pub points: usize,
    /// Visit the grid in a random order (fixed by the study's seed), so a
    /// partial run covers the space evenly instead of one corner.
    #[serde(default)]
    pub shuffle: bool,
    /// The most grid points allowed, to catch a grid too large to finish.
    #[serde(default = "default_max_points")]
    pub max_points: u64,
}

fn default_points() -> usize {
    5
}

fn default_max_points() -> u64 {
    1_000_000
}

impl Default for GridSettings {
    fn default() -> Self {
        Self {
            points: default_points(),
            shuffle: false,
            max_points: default_max_points(),
        }
    }
}

/// Grid settings that passed validation.
#[derive(Debug, Clone)]
pub struct ValidGridSettings(pub(crate) GridSettings);

impl GridSettings {
    /// Checks the settings.
    pub fn validate(self) -> Result<ValidGridSettings, SearchError> {
        let invalid = invalid("grid");
        let at_least_one = Bound::AtLeast(Number::Int(1));
        at_least_one
            .check("points", self.points)
            .map_err(&invalid)?;
        at_least_one
            .check("max_points", self.max_points)
            .map_err(&invalid)?;
        Ok(ValidGridSettings(self))
    }
}
