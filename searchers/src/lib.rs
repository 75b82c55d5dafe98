//! The built-in searchers of hyperspace, each behind the engine's
//! [`Searcher`](hyperspace_engine::Searcher) trait, the built-in pruners,
//! each behind its [`Pruner`](hyperspace_engine::Pruner) trait, and the
//! registry that builds both by name.
//!
//! | name     | what it does |
//! |----------|--------------|
//! | `random` | independent uniform draws, or a scrambled Sobol design (`{"sampler": "sobol"}`) |
//! | `grid`   | every combination of discrete values and `points` values of each continuous parameter, each given out once |
//! | `tpe`    | tree-structured Parzen estimator: models good and bad trials, proposes where their ratio is best |
//! | `gp`     | Gaussian-process Bayesian optimisation: fits a GP to the losses, proposes where log expected improvement is highest |
//! | `cmaes`  | CMA-ES with IPOP restarts: a Gaussian search distribution adapted generation by generation, rebuilt from the trials; integers with the margin, categoricals at random |
//! | `nsga2`  | NSGA-II for one or more objectives (and constraints): crossover and mutation of the best finished trials by non-dominated rank and crowding |
//! | `hyperband` | asynchronous Hyperband: chooses each trial's budget too, promoting the best of each rung to the next |
//! | `auto`   | picks one of the above per study and phase (GP for small numeric spaces and short runs, TPE for tree-shaped, wide or multi-objective ones, CMA-ES or TPE for long runs, Hyperband when trials take a budget) and records it as each trial's proposer (`auto:gp`) |
//!
//! | pruner | what it does |
//! |--------|--------------|
//! | `median` | stops a trial whose best value so far is worse than the median of the complete trials at its step |
//! | `successive_halving` (`asha`) | asynchronous successive halving: keeps the best `1 / η` at each rung |
//! | `hyperband` | Hyperband's brackets of successive halving, on the bracket model the `hyperband` searcher uses ([`Brackets`]) |
//! | `none` | never prunes |
//!
//! [`param_importances`] ranks a study's parameters by fANOVA or PED-ANOVA.
//!
//! A study names its pruner like its searcher
//! (`StudyConfig::pruner("median", json!({"n_warmup_steps": 5}))`); your
//! own registers with `registry.register_pruner(name, factory)`.
//!
//! ```
//! use hyperspace_engine::{open_storage, Outcome, Space, Study, StudyConfig};
//! let registry = hyperspace_searchers::builtin_registry();
//! let config = StudyConfig::new("demo")
//!     .space(Space::parse("x=float(-5,5)").unwrap())
//!     .searcher("random", serde_json::json!({"sampler": "sobol"}))
//!     .seed(7);
//! let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
//! for _ in 0..20 {
//!     let trial = study.ask().unwrap();
//!     let x = trial.params["x"].as_f64().unwrap();
//!     study.tell(trial.id, Outcome::complete((x - 1.0).powi(2))).unwrap();
//! }
//! assert!(study.best_trial().unwrap().unwrap().value.unwrap() < 0.5);
//! ```
#![deny(missing_docs)]

mod auto;
mod branches;
mod cmaes;
mod encode;
mod gp;
mod grid;
mod hyperband;
mod importance;
mod nsga2;
mod pruners;
mod random;
mod settings;
mod tpe;

pub use auto::{AutoSearcher, AutoSettings, Delegate, ValidAutoSettings};
pub use cmaes::{CmaesSearcher, CmaesSettings, Restart, ValidCmaesSettings};
pub use gp::{
    AcquisitionKind, GpSearcher, GpSettings, NoiseSetting, OutputTransform, PendingStrategy,
    PriorSetting, ValidGpSettings,
};
pub use grid::{GridSearcher, GridSettings};
pub use hyperband::{
    BracketError, BracketSettings, Brackets, HyperbandSearcher, HyperbandSettings,
    NewConfigSampler, RungLayout, ValidHyperbandSettings,
};
pub use importance::{
    param_importances, Evaluator, FanovaSettings, ImportanceError, ImportanceInput, PedAnovaRegion,
    PedAnovaSettings, ValidEvaluator,
};
pub use nsga2::{Nsga2Searcher, Nsga2Settings, ValidNsga2Settings};
pub use pruners::{
    HyperbandPruner, HyperbandPrunerSettings, MedianPruner, MedianSettings,
    SuccessiveHalvingPruner, SuccessiveHalvingSettings,
};
pub use random::{RandomSearcher, RandomSettings, Sampler};
pub use tpe::{
    BandwidthRule, BranchKernels, Endpoints, GroupModel, PriorCentre, RunningTrials,
    StartupSampler, TpeSearcher, TpeSettings, TrialWeights, ValidTpeSettings,
};

use hyperspace_engine::Registry;

/// A registry with every built-in searcher and pruner.
pub fn builtin_registry() -> Registry {
    let mut registry = Registry::new();
    registry.register("random", |settings| {
        Ok(Box::new(RandomSearcher::new(settings::parse::<
            RandomSettings,
        >("random", settings)?)))
    });
    registry.register("grid", |settings| {
        let valid = settings::parse::<GridSettings>("grid", settings)?.validate()?;
        Ok(Box::new(GridSearcher::new(valid)))
    });
    registry.register("tpe", |settings| {
        let valid = settings::parse::<TpeSettings>("tpe", settings)?.validate()?;
        Ok(Box::new(TpeSearcher::new(valid)))
    });
    registry.register("gp", |settings| {
        let valid = settings::parse::<GpSettings>("gp", settings)?.validate()?;
        Ok(Box::new(GpSearcher::new(valid)))
    });
    registry.register("cmaes", |settings| {
        let valid = settings::parse::<CmaesSettings>("cmaes", settings)?.validate()?;
        Ok(Box::new(CmaesSearcher::new(valid)))
    });
    registry.register("nsga2", |settings| {
        let valid = settings::parse::<Nsga2Settings>("nsga2", settings)?.validate()?;
        Ok(Box::new(Nsga2Searcher::new(valid)))
    });
    registry.register("hyperband", |settings| {
        let valid = settings::parse::<HyperbandSettings>("hyperband", settings)?.validate()?;
        Ok(Box::new(HyperbandSearcher::new(valid)))
    });
    registry.register("auto", |settings| {
        let valid = settings::parse::<AutoSettings>("auto", settings)?.validate()?;
        Ok(Box::new(AutoSearcher::new(valid)))
    });
    pruners::register(&mut registry);
    registry
}
