//! The built-in pruners (median, successive halving, Hyperband, none; the
//! table is in the crate's overview), each behind the engine's
//! [`Pruner`](hyperspace_engine::Pruner) trait, registered by [`register`]
//! into the same registry as the searchers.

mod halving;
mod hyperband;
mod median;

pub use halving::{SuccessiveHalvingPruner, SuccessiveHalvingSettings};
pub use hyperband::{HyperbandPruner, HyperbandPrunerSettings};
pub use median::{MedianPruner, MedianSettings};

use crate::settings::parse_pruner;
use hyperspace_engine::{NopPruner, Registry};

/// Registers every built-in pruner in `registry`.
pub fn register(registry: &mut Registry) {
    registry.register_pruner("median", |settings| {
        Ok(Box::new(MedianPruner::new(parse_pruner(
            "median", settings,
        )?)?))
    });
    for name in ["successive_halving", "asha"] {
        registry.register_pruner(name, |settings| {
            let parsed = parse_pruner("successive_halving", settings)?;
            Ok(Box::new(SuccessiveHalvingPruner::new(parsed)?))
        });
    }
    registry.register_pruner("hyperband", |settings| {
        let parsed = parse_pruner("hyperband", settings)?;
        Ok(Box::new(HyperbandPruner::new(parsed)?))
    });
    registry.register_pruner("none", |settings| {
        parse_pruner::<NoSettings>("none", settings)?;
        Ok(Box::new(NopPruner))
    });
}

/// The settings of `none`: there are none, and a key is a mistake.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoSettings {}

#[cfg(test)]
pub(crate) mod test_support {
    use hyperspace_engine::{Metadata, StudyId, Trial, TrialId, TrialState};

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
            values: Vec::new(),
            constraints: Vec::new(),
            metrics: Default::default(),
            intermediate: values.iter().copied().collect(),
            intermediate_metrics: Default::default(),
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
    use crate::builtin_registry;

    #[test]
    fn pruners_are_built_by_name_and_bad_settings_are_named() {
        let registry = builtin_registry();
        assert_eq!(
            registry.pruner_names(),
            ["asha", "hyperband", "median", "none", "successive_halving"]
        );
        for name in registry.pruner_names() {
            let pruner = registry
                .build_pruner(name, &serde_json::Value::Null)
                .unwrap();
            let expected = if name == "asha" {
                "successive_halving"
            } else {
                name
            };
            assert_eq!(pruner.name(), expected);
        }
        let unknown = registry
            .build_pruner("hyperband!", &serde_json::Value::Null)
            .unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("known pruners: asha, hyperband, median"),
            "{unknown}"
        );
        let typo = registry
            .build_pruner("median", &serde_json::json!({"n_startup": 3}))
            .unwrap_err();
        assert!(typo.to_string().contains("n_startup"), "{typo}");
        let bad = registry
            .build_pruner(
                "successive_halving",
                &serde_json::json!({"reduction_factor": 1}),
            )
            .unwrap_err();
        assert!(bad.to_string().contains("reduction_factor"), "{bad}");
        let none = registry
            .build_pruner("none", &serde_json::json!({"x": 1}))
            .unwrap_err();
        assert!(none.to_string().contains("'none'"), "{none}");
    }
}
