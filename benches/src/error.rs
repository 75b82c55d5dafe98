//! The suite's errors: one enum, with what a person needs to act.

use thiserror::Error;

/// Everything that can go wrong in the searcher-quality suite.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BenchError {
    /// A problem name that is not in the catalog.
    #[error("no problem named '{name}'; known problems: {known}")]
    UnknownProblem {
        /// The name asked for.
        name: String,
        /// The catalog's names and groups.
        known: String,
    },
    /// A searcher given as `name` or `name:{json settings}` that cannot be read.
    #[error(
        "cannot read searcher `{spec}`: {reason}; write `name` or `name:{{\"setting\":value}}`"
    )]
    SearcherSpec {
        /// The text given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A suite setting out of range.
    #[error("invalid suite setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting (`seeds`, `budget`, ...).
        setting: &'static str,
        /// What is wrong and what to give instead.
        reason: String,
    },
    /// A configuration lacks a parameter the problem needs (a searcher
    /// proposed outside the problem's space).
    #[error("problem '{problem}': parameter '{param}' is missing or has the wrong type")]
    MissingParam {
        /// The problem.
        problem: String,
        /// The parameter.
        param: String,
    },
    /// A model-tuning problem could not fit or score its model.
    #[error("problem '{problem}': {reason}")]
    Model {
        /// The problem.
        problem: String,
        /// What the model library said.
        reason: String,
    },
    /// The engine refused something (unknown searcher, invalid proposal, ...).
    #[error("searcher '{searcher}' on problem '{problem}' (seed {seed}): {source}")]
    Run {
        /// The searcher's label.
        searcher: String,
        /// The problem.
        problem: String,
        /// The seed index.
        seed: usize,
        /// The engine's error.
        #[source]
        source: Box<hyperspace_engine::Error>,
    },
    /// A run that did not produce a curve (its searcher failed or cannot
    /// search the space).
    #[error("searcher '{searcher}' on problem '{problem}' (seed {seed}) stopped: {reason}")]
    Stopped {
        /// The searcher's label.
        searcher: String,
        /// The problem.
        problem: String,
        /// The seed index.
        seed: usize,
        /// What stopped it.
        reason: String,
    },
    /// The engine refused something outside of a run.
    #[error(transparent)]
    Engine(Box<hyperspace_engine::Error>),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// The system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A results file is not valid suite JSON.
    #[error("{path} is not a results file of hyperspace-bench: {source}")]
    Results {
        /// The file.
        path: String,
        /// What the JSON reader said.
        #[source]
        source: serde_json::Error,
    },
    /// A plot could not be drawn.
    #[error("cannot draw the plot {path}: {reason}")]
    Plot {
        /// The file.
        path: String,
        /// What the plotting library said.
        reason: String,
    },
    /// Result files that have nothing in common to compare.
    #[error("cannot compare: {0}")]
    Compare(String),
}

impl From<hyperspace_engine::Error> for BenchError {
    fn from(e: hyperspace_engine::Error) -> Self {
        BenchError::Engine(Box::new(e))
    }
}

/// The suite's result type.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;
