//! Parameter importance: which parameters of a study moved its objective.
//!
//! [`param_importances`] turns a study's complete trials into unit
//! coordinates and asks one of two evaluators:
//!
//! - [`Evaluator::Fanova`] (the default): a random forest fitted to the
//!   objective, and each parameter's main-effect share of the forest's
//!   variance (fANOVA, Hutter et al. 2014) — how much the objective varies
//!   with the parameter over the whole space.
//! - [`Evaluator::PedAnova`]: how far the values the best trials took
//!   depart from those all trials took (PED-ANOVA, Watanabe et al. 2023) —
//!   which parameters it took to reach the top quantile.
//!
//! Both return `{name: importance}` summing to 1, most important first, the
//! same numbers Optuna's evaluators report on the same trials (checked side
//! by side in `benches/compare/importance.py`).
//!
//! Conditional parameters are judged on the trials where they are active:
//! parameters active in exactly the same trials share one model, fitted to
//! those trials over every parameter active in all of them, and a
//! parameter's share is scaled by the fraction of trials it was active in
//! (a branch taken by a tenth of the trials explains at most that tenth).
//! The all-trials model sees only the parameters every trial has, as
//! Optuna's does, so it may credit some of a branch's variance to them.
//!
//! ```
//! use hyperspace_engine::{open_storage, Direction, Outcome, Space, Study, StudyConfig};
//! use hyperspace_searchers::{param_importances, Evaluator, ImportanceInput};
//! let space = Space::parse("x=float(0,1) y=float(0,1)").unwrap();
//! let config = StudyConfig::new("demo").space(space.clone()).searcher("random", serde_json::json!({}));
//! let registry = hyperspace_searchers::builtin_registry();
//! let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
//! for _ in 0..64 {
//!     let t = study.ask().unwrap();
//!     let x = t.params["x"].as_f64().unwrap();
//!     study.tell(t.id, Outcome::complete(10.0 * x + 0.01 * t.params["y"].as_f64().unwrap())).unwrap();
//! }
//! let input = ImportanceInput::new(study.trials().unwrap(), &space, Direction::Minimize);
//! let importances = param_importances(&input, &Evaluator::default().validate().unwrap(), 0).unwrap();
//! assert_eq!(importances.keys().next().unwrap(), "x");
//! assert!((importances.values().sum::<f64>() - 1.0).abs() < 1e-9);
//! ```

mod algorithm;
mod errors;
mod inputs;
mod settings;

pub use algorithm::{param_importances, ImportanceInput};
pub use errors::ImportanceError;
pub use settings::{Evaluator, FanovaSettings, PedAnovaRegion, PedAnovaSettings, ValidEvaluator};

#[cfg(test)]
mod tests;
