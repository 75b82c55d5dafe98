//! The settings of a random forest, validated once before fitting.

use crate::SurrogateError;

/// How a [`RandomForest`](super::RandomForest) is grown. The defaults are
/// those of Optuna's fANOVA evaluator (64 trees, depth at most 64, leaves of
/// one sample, every feature tried at every split), so importances compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestSettings {
    /// Number of trees, each on its own bootstrap sample.
    pub n_trees: usize,
    /// Deepest a tree may grow (the root is depth 0).
    pub max_depth: usize,
    /// Fewest samples a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest samples each side of a split keeps.
    pub min_samples_leaf: usize,
}

impl Default for ForestSettings {
    fn default() -> Self {
        Self {
            n_trees: 64,
            max_depth: 64,
            min_samples_split: 2,
            min_samples_leaf: 1,
        }
    }
}

/// Settings that passed [`ForestSettings::validate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidForestSettings(pub(super) ForestSettings);

impl ValidForestSettings {
    /// The checked settings.
    pub fn get(&self) -> &ForestSettings {
        &self.0
    }
}

impl ForestSettings {
    /// Checks every setting once; only valid settings can grow a forest.
    pub fn validate(self) -> Result<ValidForestSettings, SurrogateError> {
        let bad = |name, reason: &str| {
            Err(SurrogateError::InvalidSetting {
                name,
                reason: reason.to_string(),
            })
        };
        if self.n_trees == 0 {
            return bad("n_trees", "must be at least 1 (64 is usual)");
        }
        if self.max_depth == 0 {
            return bad("max_depth", "must be at least 1 (64 is usual)");
        }
        if self.min_samples_split < 2 {
            return bad("min_samples_split", "must be at least 2");
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf", "must be at least 1");
        }
        Ok(ValidForestSettings(self))
    }
}
