//! What can go wrong with a trial's artifact directory.

use thiserror::Error;

/// An artifact store that cannot be found or used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The storage has no default artifact store (a PostgreSQL database
    /// shared by machines: only the user knows a folder they all reach).
    #[error("{storage} has no artifact folder of its own; pass --artifacts DIR (or set HYPERSPACE_ARTIFACTS) to a folder every worker reaches")]
    NoStore {
        /// The storage, described without secrets.
        storage: String,
    },
    /// A file or folder of the store could not be read or written.
    #[error("artifact {path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// What the operating system said.
        reason: String,
    },
    /// A file to log is not a regular file.
    #[error("cannot log {path} as an artifact: it is not a file")]
    NotAFile {
        /// The path given.
        path: String,
    },
    /// A trial's recorded artifacts are gone (deleted, or the store moved).
    #[error("trial {trial}'s artifacts are missing from {dir}: {missing}; it cannot be resumed from them (rerun without --resume to start again)")]
    Missing {
        /// The trial's id.
        trial: i64,
        /// Its artifact directory.
        dir: String,
        /// The recorded files not found there, comma-separated.
        missing: String,
    },
}
