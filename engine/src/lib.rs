//! The hyperspace engine: search spaces, trials, studies, the [`Searcher`]
//! trait and the storage back-ends.
//!
//! A [`Space`] says what may vary; a [`Study`] asks a [`Searcher`] for
//! configurations, records each [`Trial`] in a [`Storage`], and hands the
//! searcher the whole history before every proposal. Concrete searchers live
//! in `hyperspace-searchers`; this crate knows none of them.
//!
//! ```
//! use hyperspace_engine::Space;
//! let space = Space::parse("lr=log(1e-5,1e-1) layers=int(1,8) opt=choice(adam,sgd)").unwrap();
//! assert_eq!(space.names(), ["lr", "layers", "opt"]);
//! ```
#![deny(missing_docs)]

pub mod artifacts;
mod constraint;
pub mod ensemble;
mod error;
pub mod execute;
mod objective;
pub mod optuna;
mod pruner;
mod registry;
mod retarget;
mod searcher;
mod seed;
mod space;
pub mod storage;
mod study;
mod study_config;
mod trial;
mod value;

pub use constraint::{constraint_values, MetricConstraint};
pub use error::{
    ArtifactError, Bound, ConfigError, EnsembleError, Error, OptunaError, Result, SearchError,
    SettingsError, SpaceChangeError, StudyError, TellError,
};
pub use objective::{dominates, is_feasible, pareto_front, total_violation, Objective};
pub use pruner::{NopPruner, Pruner};
pub use registry::{PrunerFactory, Registry, SearcherFactory};
pub use retarget::ObjectiveChange;
pub use searcher::{Proposal, SearchContext, Searcher};
pub use seed::{trial_rng, trial_seed, weighted_group};
pub use space::limits;
pub use space::{
    CategoricalParam, Condition, Entry, FloatParam, IntParam, Number, Param, ParamError, Params,
    Space, SpaceBuilder, SpaceChange, StepNarrowed,
};
#[cfg(feature = "postgres")]
pub use storage::PostgresStorage;
pub use storage::{
    check_storage, open_storage, Damage, IntoStorageUrl, MemoryStorage, SqliteStorage, Storage,
    StorageUrl, StudyListing, StudyRecord, TrialUpdate,
};
pub use study::{
    describe_kept, joint_space, kept_settings, AddedTrial, AskedSettings, KeptSetting, NonFinite,
    Outcome, PendingEnding, PendingResult, Report, Reported, ResultJournal, Series, Study,
    DEFAULT_LEASE, DEFAULT_WAIT_TIMEOUT, MAX_BATCH, OBJECTIVE_KEY,
};
pub use study_config::{
    PluginSpec, PrunerSpec, Reproducible, SearcherSpec, StudyConfig, DEFAULT_SEARCHER,
};
pub use trial::{Direction, Metadata, NewTrial, StudyId, Trial, TrialId, TrialState, DAMAGE_KEY};
pub use value::Value;

/// The current time as RFC 3339 with milliseconds, UTC.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
