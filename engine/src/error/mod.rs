//! The engine's errors: one enum, with the data a person needs to act.

use crate::{ParamError, TrialId, TrialState};
use thiserror::Error;

mod artifacts;
mod config;
mod optuna;
mod settings;
mod study;
mod tell;

pub use artifacts::ArtifactError;
pub use config::{ConfigError, SpaceChangeError};
pub use optuna::OptunaError;
pub use settings::{Bound, SettingsError};
pub use study::StudyError;
pub use tell::TellError;

/// Everything that can go wrong in the engine.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter's definition is invalid.
    #[error("parameter '{param}': {reason}")]
    InvalidParam {
        /// The parameter's name (with its branch path when nested).
        param: String,
        /// What is wrong (the message says how to fix it).
        reason: ParamError,
    },
    /// Two parameters of one space share a name.
    #[error("parameter '{param}' is defined twice; every parameter of a space, in every branch, needs its own name")]
    DuplicateParam {
        /// The repeated name.
        param: String,
    },
    /// The compact space syntax could not be read.
    #[error("cannot read space at column {column} of `{input}`: {reason}")]
    SpaceSyntax {
        /// The text given.
        input: String,
        /// 1-based column of the problem.
        column: usize,
        /// What was expected.
        reason: String,
    },
    /// A space is larger than hyperspace accepts: deeper, wider or longer
    /// than one of the limits in `hyperspace_engine::limits`, which keep
    /// every stored space readable by every process.
    #[error("the space is too large: {what} is {found}, the limit is {limit}")]
    SpaceLimit {
        /// What was measured (`the nesting depth of branches`, ...).
        what: String,
        /// The most that is accepted.
        limit: usize,
        /// What the space has.
        found: usize,
    },
    /// A trial's artifact directory cannot be found or used.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// An Optuna storage to import from cannot be read.
    #[error(transparent)]
    Optuna(#[from] OptunaError),
    /// A space file could not be read.
    #[error("cannot read space file {path}: {reason}")]
    SpaceFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A study's space cannot change the way it was asked to.
    #[error("cannot change the space of study '{study}': parameter '{param}' {reason}")]
    SpaceEvolution {
        /// The study.
        study: String,
        /// The parameter.
        param: String,
        /// Why, and what to do (`force` to override).
        reason: SpaceChangeError,
    },
    /// No pruner of that name in the registry.
    #[error("unknown pruner '{name}'; known pruners: {known}")]
    UnknownPruner {
        /// The name asked for.
        name: String,
        /// The names registered.
        known: String,
    },
    /// A pruner's settings are invalid.
    #[error("pruner '{pruner}': {error}")]
    InvalidPruner {
        /// The pruner.
        pruner: String,
        /// Which setting, and the rule it breaks.
        #[source]
        error: SettingsError,
    },
    /// A configuration does not fit its space.
    #[error("invalid configuration: parameter '{param}': {reason}")]
    InvalidConfig {
        /// The parameter.
        param: String,
        /// Why.
        reason: ConfigError,
    },
    /// A study's settings (name, searcher, ...) are invalid.
    #[error("invalid study settings: {0}")]
    InvalidStudy(#[from] StudyError),
    /// No study of that name.
    #[error("no study named '{name}' in {storage}; create it first, or list the studies there")]
    StudyNotFound {
        /// The name asked for.
        name: String,
        /// The storage looked in.
        storage: String,
    },
    /// A study of that name exists already.
    #[error("a study named '{name}' already exists in {storage}; open it, or pick another name")]
    StudyExists {
        /// The name.
        name: String,
        /// The storage.
        storage: String,
    },
    /// A study's stored configuration cannot be read.
    #[error("study '{name}' in {storage} cannot be read ({reason}); `hyperspace check` lists damaged records, `hyperspace study delete {name}` removes it")]
    DamagedStudy {
        /// The study.
        name: String,
        /// The storage.
        storage: String,
        /// What is wrong.
        reason: String,
    },
    /// No trial with that id.
    #[error("no trial {id} in this storage")]
    TrialNotFound {
        /// The id asked for.
        id: TrialId,
    },
    /// A finished trial cannot change.
    #[error(
        "trial {id} is already {state}; finished trials cannot change (re-run it to try again)"
    )]
    TrialFinished {
        /// The trial.
        id: TrialId,
        /// Its final state.
        state: TrialState,
    },
    /// A trial belongs to another study.
    #[error("trial {id} belongs to another study")]
    WrongStudy {
        /// The trial.
        id: TrialId,
    },
    /// An objective or reported value is NaN or infinite.
    #[error("trial {id}: {what} is {value}, not a finite number; tell the trial as failed instead (or let non-finite values fail it)")]
    NonFiniteValue {
        /// The trial.
        id: TrialId,
        /// Which value.
        what: String,
        /// The value.
        value: f64,
    },
    /// A trial cannot finish the way it was asked to.
    #[error("trial {id}: {reason}")]
    InvalidTell {
        /// The trial.
        id: TrialId,
        /// Why.
        reason: TellError,
    },
    /// The searcher failed or its settings are wrong.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The storage URL could not be understood.
    #[error("cannot use storage '{url}': {reason}")]
    StorageUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The database file is not a hyperspace database, or is damaged.
    #[error("{path} is not a usable hyperspace database ({reason}); point --storage at another file, or restore this one from a backup")]
    CorruptDatabase {
        /// The file.
        path: String,
        /// What the database said.
        reason: String,
    },
    /// Another process held the database for longer than the busy timeout.
    #[error("{path} is locked by another process (waited {waited_ms} ms); retry, or raise the busy timeout")]
    DatabaseLocked {
        /// The file.
        path: String,
        /// How long this process waited.
        waited_ms: u64,
    },
    /// The database was written by a newer hyperspace.
    #[error("{path} has schema version {found}, this hyperspace knows up to {known}; upgrade hyperspace")]
    SchemaTooNew {
        /// The file.
        path: String,
        /// Version in the file.
        found: i64,
        /// Newest version known here.
        known: i64,
    },
    /// Another trial of the study holds this claim key (a grid point given
    /// out already); the caller should propose something else.
    #[error("claim '{key}' is held by another trial of the study")]
    ClaimTaken {
        /// The key.
        key: String,
    },
    /// The storage cannot be reached for now: the server is down or
    /// restarting, the connection was lost, or the disk is full. Trying
    /// again later may succeed; a worker keeps its results and retries.
    #[error("{storage} is unavailable for now ({reason}); retry when it is back")]
    StorageUnavailable {
        /// Where (never a password).
        storage: String,
        /// What was seen.
        reason: String,
    },
    /// Another worker created the trial with the number a proposal was made
    /// for; the caller proposes again for the next number.
    #[error("trial number {expected} was taken by another worker (the next is {next})")]
    NumberTaken {
        /// The number the proposal was made for.
        expected: u64,
        /// The number the storage would give now.
        next: u64,
    },
    /// The local journal of results not yet recorded cannot be written or
    /// read.
    #[error("cannot use the journal of unrecorded results {path}: {reason}")]
    Journal {
        /// The journal file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Any other storage failure.
    #[error("storage error: {0}")]
    Storage(String),
    /// A reproducible study cannot propose trial `trial` yet: an earlier
    /// trial it depends on is not settled. Returned at once by the `try_`
    /// asks (the caller waits and asks again); the blocking asks wait.
    #[error("study '{study}' (reproducible, lag {lag}): trial {trial} is proposed once trial {waiting_for} {what}")]
    NotReady {
        /// The study.
        study: String,
        /// Its lag.
        lag: u32,
        /// The trial number to be proposed.
        trial: u64,
        /// The trial waited for.
        waiting_for: u64,
        /// What it still has to do (`has finished`, `has its parameters`).
        what: String,
    },
    /// A question about the single best trial was asked of a study with
    /// several objectives, which has a front of them instead.
    #[error("study '{study}' has {objectives} objectives, so it has no single best trial; use best_trials (the Pareto front) instead")]
    SeveralObjectives {
        /// The study.
        study: String,
        /// How many objectives it has.
        objectives: usize,
    },
    /// A plug-in (searcher or pruner) that handles one objective was named
    /// for a study with several.
    #[error("study '{study}' has {objectives} objectives, and {what}; {hint}")]
    NotMultiObjective {
        /// The study.
        study: String,
        /// How many objectives it has.
        objectives: usize,
        /// What refused (`searcher 'tpe' optimizes one objective`).
        what: String,
        /// What to use instead.
        hint: String,
    },
    /// Every finished trial of a study breaks a constraint, so it has no
    /// best trial (and an empty front).
    #[error("study '{study}' has no feasible trial: all {infeasible} finished trials with a result break a constraint (a constraint value above 0)")]
    NoFeasibleTrial {
        /// The study.
        study: String,
        /// How many finished trials break a constraint.
        infeasible: usize,
    },
    /// A reproducible study waited too long for an earlier trial.
    #[error("study '{study}' (reproducible, lag {lag}): gave up after {waited_s:.1} s waiting until trial {waiting_for} {what}, before proposing trial {trial}; trial k is proposed only once every trial below k - {lag} has finished (is trial {waiting_for}'s worker alive? a worker that asks for more than {lag} trials before telling any waits for itself: raise the lag, or the wait timeout)")]
    WaitTimeout {
        /// The study.
        study: String,
        /// Its lag.
        lag: u32,
        /// The trial number to be proposed.
        trial: u64,
        /// The trial waited for.
        waiting_for: u64,
        /// What it still had to do.
        what: String,
        /// How long this process waited, in seconds.
        waited_s: f64,
    },
}

impl Error {
    /// Whether trying again later may succeed without anyone changing
    /// anything: the storage is unreachable or locked for now. Workers wait
    /// out such errors instead of giving up their results.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::StorageUnavailable { .. } | Error::DatabaseLocked { .. }
        )
    }
}

/// What a [`Searcher`](crate::Searcher) can fail with.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SearchError {
    /// No searcher of that name in the registry.
    #[error("unknown searcher '{name}'; known searchers: {known}")]
    UnknownSearcher {
        /// The name asked for.
        name: String,
        /// The names registered.
        known: String,
    },
    /// The searcher's settings are invalid.
    #[error("searcher '{searcher}': {error}")]
    InvalidSettings {
        /// The searcher.
        searcher: String,
        /// Which setting, and the rule it breaks.
        #[source]
        error: SettingsError,
    },
    /// The searcher has nothing more to propose (an exhausted grid).
    #[error("searcher '{searcher}' has nothing left to propose: {reason}")]
    Exhausted {
        /// The searcher.
        searcher: String,
        /// Why.
        reason: String,
    },
    /// The searcher cannot handle this space.
    #[error("searcher '{searcher}' cannot search this space: {reason}")]
    Unsupported {
        /// The searcher.
        searcher: String,
        /// Why.
        reason: String,
    },
    /// Any other failure inside a searcher.
    #[error("searcher '{searcher}' failed: {reason}")]
    Failed {
        /// The searcher.
        searcher: String,
        /// Why.
        reason: String,
    },
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
