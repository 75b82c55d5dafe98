//! What can go wrong reading an Optuna storage.

use thiserror::Error;

/// An Optuna database that cannot be read as a study's history.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OptunaError {
    /// The source is not an Optuna SQLite database's URL or path.
    #[error("cannot read {source_text} as an Optuna storage: give its SQLite file (sqlite:///optuna.db or a path)")]
    NotSqlite {
        /// What was given.
        source_text: String,
    },
    /// No file at the path.
    #[error("no Optuna database at {path}")]
    NoFile {
        /// The path.
        path: String,
    },
    /// The database has no study of that name.
    #[error("no Optuna study '{study}' in {path} (it has: {available})")]
    NoStudy {
        /// The name asked for.
        study: String,
        /// The database.
        path: String,
        /// The studies it has, comma-separated, or `none`.
        available: String,
    },
    /// The database could not be read (not Optuna's schema, damaged).
    #[error("cannot read the Optuna database {path}: {reason}")]
    Read {
        /// The database.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// A stored record that does not read as Optuna writes it.
    #[error("Optuna trial #{trial}: {reason}")]
    BadRecord {
        /// The trial's number in the Optuna study.
        trial: i64,
        /// What is wrong.
        reason: String,
    },
}
