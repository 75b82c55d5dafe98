//! What defines a study: its name, objectives, space, searcher, pruner and
//! seed.

use crate::StudyError;
use crate::{Direction, MetricConstraint, Objective, Result, Space};
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
///
/// Configurations stored before studies had several objectives (one
/// `direction` and an optional `objective` metric name) read as a study
/// with that one objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredConfig")]
pub struct StudyConfig {
    /// Unique in its storage.
    pub name: String,
    /// What it optimizes: one objective, or several (a multi-objective
    /// study, whose best trials are a Pareto front). Never empty once
    /// validated.
    pub objectives: Vec<Objective>,
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
    /// Proposals that do not depend on the timing of parallel workers
    /// (`None`: each proposal sees whatever has finished when it is made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproducible: Option<Reproducible>,
    /// Limits on metrics the trials record (`mem_gb<=4`), which a runner
    /// turns into each trial's constraint values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<MetricConstraint>,
}

/// The searcher a study gets when none is named: `auto`, which picks per
/// study and phase (GP, TPE, CMA-ES or Hyperband) and ranks first on the
/// quality suite (`benches/README.md`, "Results: auto"). Registered by
/// `hyperspace-searchers`; the CLI and Python take their default from here.
pub const DEFAULT_SEARCHER: &str = "auto";

impl StudyConfig {
    /// A minimizing, define-by-run study named `name`, searched by
    /// [`DEFAULT_SEARCHER`], with a fresh seed.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            objectives: vec![Objective::new(Direction::Minimize)],
            space: Space::empty(),
            searcher: SearcherSpec::named(DEFAULT_SEARCHER),
            pruner: None,
            seed: crate::seed::fresh_seed(),
            reproducible: None,
            constraints: Vec::new(),
        }
    }

    /// Makes it a study of one objective with this direction (the metric
    /// name, if any, kept).
    pub fn direction(mut self, direction: Direction) -> Self {
        let name = self.objectives.first().and_then(|o| o.name.clone());
        self.objectives = vec![Objective { name, direction }];
        self
    }

    /// Sets the objectives (one or more).
    pub fn objectives(mut self, objectives: Vec<Objective>) -> Self {
        self.objectives = objectives;
        self
    }

    /// Sets the metric the first objective reads (for commands that print
    /// several).
    pub fn objective_name(mut self, name: Option<String>) -> Self {
        match self.objectives.first_mut() {
            Some(first) => first.name = name,
            None => self.objectives.push(Objective {
                name,
                direction: Direction::Minimize,
            }),
        }
        self
    }

    /// The direction of the first objective (the only one, for most
    /// studies): what single-objective searchers and pruners optimize.
    pub fn primary_direction(&self) -> Direction {
        self.objectives
            .first()
            .map_or(Direction::Minimize, |o| o.direction)
    }

    /// The metric name of the first objective, if it has one.
    pub fn primary_metric(&self) -> Option<&str> {
        self.objectives.first().and_then(|o| o.name.as_deref())
    }

    /// The direction of each objective, in order.
    pub fn directions(&self) -> Vec<Direction> {
        self.objectives.iter().map(|o| o.direction).collect()
    }

    /// The objectives for people: the direction alone for a study of one
    /// (`minimize`), `name:direction` for each of several, comma-separated.
    pub fn objectives_text(&self) -> String {
        if self.is_multi_objective() {
            let parts: Vec<String> = self.objectives.iter().map(|o| o.to_string()).collect();
            parts.join(",")
        } else {
            self.primary_direction().to_string()
        }
    }

    /// Whether the study has more than one objective.
    pub fn is_multi_objective(&self) -> bool {
        self.objectives.len() > 1
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

    /// Checks the name and the objectives.
    pub fn validate(&self) -> Result<()> {
        self.validate_objectives()?;
        let name = self.name.trim();
        if name.is_empty() {
            return Err(StudyError::EmptyName.into());
        }
        if name.len() != self.name.len() || self.name.chars().any(char::is_control) {
            return Err(StudyError::UnprintableName {
                name: self.name.clone(),
            }
            .into());
        }
        Ok(())
    }

    fn validate_objectives(&self) -> Result<()> {
        if self.objectives.is_empty() {
            return Err(StudyError::NoObjective {
                study: self.name.clone(),
            }
            .into());
        }
        if self.is_multi_objective() {
            let mut seen = std::collections::HashSet::new();
            for o in &self.objectives {
                if let Some(name) = &o.name {
                    if !seen.insert(name.as_str()) {
                        return Err(StudyError::RepeatedObjective {
                            study: self.name.clone(),
                            objective: name.clone(),
                        }
                        .into());
                    }
                }
            }
        }
        Ok(())
    }
}

/// A configuration as stored by any release: `objectives`, or (before
/// studies had several) one `direction` with an optional `objective`
/// metric name.
#[derive(Deserialize)]
struct StoredConfig {
    name: String,
    #[serde(default)]
    objectives: Option<Vec<Objective>>,
    #[serde(default)]
    direction: Direction,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    space: Space,
    searcher: SearcherSpec,
    #[serde(default)]
    pruner: Option<PrunerSpec>,
    seed: u64,
    #[serde(default)]
    reproducible: Option<Reproducible>,
    #[serde(default)]
    constraints: Vec<MetricConstraint>,
}

impl From<StoredConfig> for StudyConfig {
    fn from(stored: StoredConfig) -> Self {
        let objectives = match stored.objectives {
            Some(objectives) if !objectives.is_empty() => objectives,
            _ => vec![Objective {
                name: stored.objective,
                direction: stored.direction,
            }],
        };
        StudyConfig {
            name: stored.name,
            objectives,
            space: stored.space,
            searcher: stored.searcher,
            pruner: stored.pruner,
            seed: stored.seed,
            reproducible: stored.reproducible,
            constraints: stored.constraints,
        }
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

    /// A configuration stored before studies had several objectives (one
    /// `direction`, maybe an `objective` metric) reads as that one
    /// objective, and is written back in the new form, which reads back
    /// the same.
    #[test]
    fn configs_with_one_direction_read_as_one_objective() {
        let old = r#"{"name":"s","direction":"maximize","objective":"acc","space":{},"searcher":{"name":"tpe"},"seed":3}"#;
        let config: StudyConfig = serde_json::from_str(old).unwrap();
        assert_eq!(
            config.objectives,
            [Objective::named("acc", Direction::Maximize)]
        );
        assert_eq!(config.primary_direction(), Direction::Maximize);
        assert_eq!(config.primary_metric(), Some("acc"));
        assert!(!config.is_multi_objective());
        let text = serde_json::to_string(&config).unwrap();
        assert!(
            text.contains(r#""objectives":[{"name":"acc","direction":"maximize"}]"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<StudyConfig>(&text).unwrap(), config);

        let bare = r#"{"name":"s","space":{},"searcher":{"name":"tpe"},"seed":3}"#;
        let config: StudyConfig = serde_json::from_str(bare).unwrap();
        assert_eq!(config.objectives, [Objective::new(Direction::Minimize)]);
    }

    #[test]
    fn several_objectives_round_trip_and_are_validated() {
        let config = StudyConfig::new("mo").objectives(vec![
            Objective::named("err", Direction::Minimize),
            Objective::named("size", Direction::Maximize),
        ]);
        config.validate().unwrap();
        assert!(config.is_multi_objective());
        assert_eq!(
            config.directions(),
            [Direction::Minimize, Direction::Maximize]
        );
        let back: StudyConfig =
            serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
        assert_eq!(back, config);

        let twice = config.clone().objectives(vec![
            Objective::named("err", Direction::Minimize),
            Objective::named("err", Direction::Maximize),
        ]);
        let err = twice.validate().unwrap_err().to_string();
        assert!(err.contains("'err' twice"), "{err}");
        let none = config.objectives(vec![]);
        assert!(none
            .validate()
            .unwrap_err()
            .to_string()
            .contains("at least one objective"));
    }
}
