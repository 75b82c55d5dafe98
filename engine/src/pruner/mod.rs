//! Pruners: rules that stop a running trial early from its intermediate
//! values and those of the study's other trials.
//!
//! A pruner only answers "should this trial stop now?"; whoever runs the
//! trial acts on it (the CLI stops the command and records the trial as
//! pruned, the Python API raises `TrialPruned` in the objective). Searchers
//! then rank pruned trials by how far they got.

mod halving;
mod hyperband;
mod median;

pub use halving::{SuccessiveHalvingPruner, SuccessiveHalvingSettings};
pub use hyperband::{HyperbandPruner, HyperbandSettings};
pub use median::{MedianPruner, MedianSettings};

use crate::{Direction, Error, Result, Trial};
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// A rule that stops unpromising trials early.
pub trait Pruner: Send + Sync + Debug {
    /// The pruner's name, as [`build_pruner`] knows it.
    fn name(&self) -> &str;

    /// Whether `trial` (running, with the intermediate values reported so
    /// far) should stop now, given every trial of its study (`trials` may
    /// include `trial` itself; pruners skip it).
    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool;
}

/// Never prunes.
#[derive(Debug, Clone, Copy, Default)]
pub struct NopPruner;

impl Pruner for NopPruner {
    fn name(&self) -> &str {
        "none"
    }

    fn should_prune(&self, _: &Trial, _: &[Trial], _: Direction) -> bool {
        false
    }
}

/// The names [`build_pruner`] knows.
pub const PRUNERS: [&str; 4] = ["median", "successive_halving", "hyperband", "none"];

/// A pruner by name (`median`, `successive_halving`, `hyperband` or `none`) with its
/// settings as JSON (`null` or `{}` for the defaults; unknown keys are
/// refused).
pub fn build_pruner(name: &str, settings: &serde_json::Value) -> Result<Box<dyn Pruner>> {
    match name {
        "median" => Ok(Box::new(MedianPruner::new(parse(name, settings)?)?)),
        "successive_halving" | "asha" => Ok(Box::new(SuccessiveHalvingPruner::new(parse(
            name, settings,
        )?)?)),
        "hyperband" => Ok(Box::new(HyperbandPruner::new(parse(name, settings)?)?)),
        "none" => Ok(Box::new(NopPruner)),
        other => Err(Error::InvalidPruner {
            pruner: other.to_string(),
            reason: format!(
                "no pruner of that name; known pruners: {}",
                PRUNERS.join(", ")
            ),
        }),
    }
}

/// Reads settings of type `T`, `null` meaning the defaults.
fn parse<T: DeserializeOwned + Default>(name: &str, settings: &serde_json::Value) -> Result<T> {
    if settings.is_null() {
        return Ok(T::default());
    }
    T::deserialize(settings).map_err(|e| Error::InvalidPruner {
        pruner: name.to_string(),
        reason: e.to_string(),
    })
}

/// `value` as a loss (lower is better) under `direction`.
fn loss(direction: Direction, value: f64) -> f64 {
    direction.to_loss(value)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::{Metadata, StudyId, Trial, TrialId, TrialState};

    /// A trial with these intermediate values (step, value).
    pub fn trial(id: i64, state: TrialState, values: &[(u64, f64)]) -> Trial {
        Trial {
            id: TrialId(id),
            study: StudyId(1),
            number: id as u64,
            state,
            params: Default::default(),
            value: if state == TrialState::Complete {
                values.last().map(|v| v.1)
            } else {
                None
            },
            metrics: Default::default(),
            intermediate: values.iter().copied().collect(),
            budget: None,
            parent: None,
            user_attrs: Default::default(),
            meta: Metadata::default(),
            message: None,
            change: id as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruners_are_built_by_name_and_bad_settings_are_named() {
        for name in PRUNERS {
            assert_eq!(
                build_pruner(name, &serde_json::Value::Null).unwrap().name(),
                name
            );
        }
        let unknown = build_pruner("hyperband!", &serde_json::Value::Null).unwrap_err();
        assert!(
            unknown.to_string().contains("known pruners: median"),
            "{unknown}"
        );
        let typo = build_pruner("median", &serde_json::json!({"n_startup": 3})).unwrap_err();
        assert!(typo.to_string().contains("n_startup"), "{typo}");
        let bad = build_pruner(
            "successive_halving",
            &serde_json::json!({"reduction_factor": 1}),
        )
        .unwrap_err();
        assert!(bad.to_string().contains("reduction_factor"), "{bad}");
    }
}
