//! Where studies and trials live: one trait, several back-ends.
//!
//! Every back-end keeps the same promises (checked by one conformance suite,
//! `tests/storage_conformance.rs`): trial numbers are dense and never
//! repeat within a study; a waiting trial is claimed by exactly one caller;
//! a claim key is held by at most one trial of a study; finished trials never
//! change; every change bumps a monotonic counter, so a study can fetch only
//! the trials that changed since its last look.

mod memory;
mod postgres;
mod record;
mod sqlite;
mod update;

pub use self::postgres::PostgresStorage;
pub use memory::MemoryStorage;
pub use sqlite::SqliteStorage;
pub use update::TrialUpdate;

use crate::{Metadata, NewTrial, Result, Space, StudyConfig, StudyId, Trial, TrialId};
use std::fmt::Debug;
use std::sync::Arc;

/// A study as storage holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyRecord {
    /// Unique in the storage.
    pub id: StudyId,
    /// Its configuration (name, direction, space, searcher, seed).
    pub config: StudyConfig,
    /// When it was created (RFC 3339).
    pub created: String,
}

/// The storage interface every back-end implements.
///
/// All methods are safe to call from many threads, and (for the SQLite and
/// PostgreSQL back-ends) from many processes at once; each call is atomic.
pub trait Storage: Send + Sync + Debug {
    /// A short description for messages (`sqlite file runs.db`).
    fn describe(&self) -> String;

    /// Whether other processes see this storage (a file, a server), so that
    /// a trial can be abandoned by a worker and recovered by another.
    /// `true` unless a back-end says otherwise.
    fn is_shared(&self) -> bool {
        true
    }

    /// Creates a study; fails with `StudyExists` if the name is taken.
    fn create_study(&self, config: &StudyConfig) -> Result<StudyRecord>;

    /// The study of that name, if any.
    fn find_study(&self, name: &str) -> Result<Option<StudyRecord>>;

    /// Every study, in order of creation.
    fn studies(&self) -> Result<Vec<StudyRecord>>;

    /// Deletes a study and all its trials.
    fn delete_study(&self, id: StudyId) -> Result<()>;

    /// Replaces a study's space with `change(current)`, atomically (two
    /// workers adding parameters at once both keep theirs).
    fn update_space(&self, id: StudyId, change: &dyn Fn(&Space) -> Result<Space>) -> Result<Space>;

    /// Creates a trial with the next number of the study. Fails with
    /// `Error::ClaimTaken` if its claim key is held already.
    fn create_trial(&self, study: StudyId, new: &NewTrial) -> Result<Trial>;

    /// Takes the oldest waiting trial of the study and marks it running with
    /// `meta`; no two callers get the same one.
    fn claim_waiting(&self, study: StudyId, meta: &Metadata) -> Result<Option<Trial>>;

    /// Applies one change to a trial, atomically.
    fn update_trial(&self, id: TrialId, update: &TrialUpdate) -> Result<Trial>;

    /// One trial by id.
    fn trial(&self, id: TrialId) -> Result<Trial>;

    /// The study's trials whose change counter is above `since`, by number.
    /// `since = 0` gives them all.
    fn trials_since(&self, study: StudyId, since: u64) -> Result<Vec<Trial>>;
}

/// Opens the storage a URL names: `:memory:`, `sqlite:///path/runs.db`,
/// `sqlite://relative.db`, a plain file path, or
/// `postgres://user:password@host:port/database` (also `postgresql://`).
pub fn open_storage(url: &str) -> Result<Arc<dyn Storage>> {
    let url = url.trim();
    if url.is_empty() {
        return Err(crate::Error::StorageUrl {
            url: url.into(),
            reason: "empty; give a file path such as runs.db, or :memory:".into(),
        });
    }
    if url == ":memory:" || url == "memory://" {
        return Ok(Arc::new(MemoryStorage::new()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStorage::open(url)?));
    }
    let path = match url.strip_prefix("sqlite://") {
        Some(rest) => rest,
        None if url.contains("://") => {
            return Err(crate::Error::StorageUrl {
                url: self::postgres::redact(url),
                reason: "unknown scheme; use a file path, sqlite:///path, or :memory:".into(),
            })
        }
        None => url,
    };
    Ok(Arc::new(SqliteStorage::open(std::path::Path::new(path))?))
}
