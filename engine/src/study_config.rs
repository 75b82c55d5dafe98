//! What defines a study: its name, direction, space, searcher, pruner and
//! seed.

use crate::{Direction, Error, Result, Space};
use serde::{Deserialize, Serialize};

/// A plug-in (searcher or pruner) by registry name, with its JSON settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSpec {
    /// The registry name (`random`, `grid`, `tpe`, ..., or `median`,
    /// `hyperband`, ...).
    pub name: String,
    /// Its settings; `null` or `{}` for the defaults.
    #[serde(default)]
    pub settings: serde_json::Value,
}

/// A searcher by registry name, with its JSON settings.
pub type SearcherSpec = PluginSpec;

/// A pruner by registry name, with its JSON settings.
pub type PrunerSpec = PluginSpec;

impl PluginSpec {
    /// A plug-in with default settings.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            settings: serde_json::Value::Null,
        }
    }
}

/// The reproducible setting of a study (see [`StudyConfig::reproducible`]):
/// the proposal for trial `k` depends only on the study's seed, `k` and
/// the results of the trials numbered below `k - lag`; trials `k - lag`
/// to `k - 1` count as pending, whatever has happened to them.
///
/// The lag is how many trials may be in flight without anyone waiting:
/// with `lag` workers of trials that take similar times, asking rarely
/// waits; a smaller lag lets the searcher see results sooner, at the cost
/// of more waiting. It is stored with the study, so every worker, on every
/// machine, makes the same proposal for the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reproducible {
    /// How many trials before `k` are given as pending (0: every earlier
    /// trial must have finished, as in a run of one job).
    pub lag: u32,
}

/// Everything that defines a study. Stored with it, so a study opened
/// later, from another process or machine, searches the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyConfig {
    /// Unique in its storage.
    pub name: String,
    /// Whether smaller or larger objective values are better.
    #[serde(default)]
    pub direction: Direction,
    /// The search space; empty for a define-by-run study, whose space grows
    /// as trials suggest parameters.
    #[serde(default)]
    pub space: Space,
    /// The searcher.
    pub searcher: SearcherSpec,
    /// The pruner [`Study::should_prune`](crate::Study::should_prune)
    /// asks; `None` (and studies stored before pruners were stored) never
    /// prunes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruner: Option<PrunerSpec>,
    /// The seed every trial's random stream derives from.
    pub seed: u64,
    /// The name of the metric that is the objective (for scripts that print
    /// several); `None` means the value told directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    /// Proposals that do not depend on the timing of parallel workers
    /// (`None`: each proposal sees whatever has finished when it is made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproducible: Option<Reproducible>,
}

impl StudyConfig {
    /// A minimizing, define-by-run study named `name`, searched by `tpe`
    /// (the default searcher of `hyperspace-searchers`), with a fresh seed.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            direction: Direction::Minimize,
            space: Space::empty(),
            searcher: SearcherSpec::named("tpe"),
            pruner: None,
            seed: crate::seed::fresh_seed(),
            objective: None,
            reproducible: None,
        }
    }

    /// Sets the direction.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Sets the space.
    pub fn space(mut self, space: Space) -> Self {
        self.space = space;
        self
    }

    /// Sets the searcher and its settings.
    pub fn searcher(mut self, name: &str, settings: serde_json::Value) -> Self {
        self.searcher = SearcherSpec {
            name: name.to_string(),
            settings,
        };
        self
    }

    /// Sets the pruner and its settings (checked when the study is
    /// created, by the registry it is created with).
    pub fn pruner(mut self, name: &str, settings: serde_json::Value) -> Self {
        self.pruner = Some(PrunerSpec {
            name: name.to_string(),
            settings,
        });
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Makes the study reproducible with lag `lag` (see [`Reproducible`]).
    pub fn reproducible(mut self, lag: u32) -> Self {
        self.reproducible = Some(Reproducible { lag });
        self
    }

    /// Checks the name.
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(Error::InvalidStudy("a study needs a non-empty name".into()));
        }
        if name.len() != self.name.len() || self.name.chars().any(char::is_control) {
            return Err(Error::InvalidStudy(format!(
                "study name {:?} has leading/trailing spaces or control characters",
                self.name
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A study stored before pruners were part of its configuration has
    /// no `pruner` field: it still loads, with no pruner, and one without
    /// a pruner is stored without the field.
    #[test]
    fn configs_without_a_pruner_load_and_round_trip() {
        let old =
            r#"{"name":"s","direction":"minimize","space":{},"searcher":{"name":"tpe"},"seed":3}"#;
        let config: StudyConfig = serde_json::from_str(old).unwrap();
        assert_eq!(config.pruner, None);
        assert!(!serde_json::to_string(&config).unwrap().contains("pruner"));
        let with = config.pruner("median", serde_json::json!({"n_warmup_steps": 2}));
        let back: StudyConfig =
            serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back, with);
        assert_eq!(back.pruner.unwrap().name, "median");
    }
}
