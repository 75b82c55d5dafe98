//! Where studies and trials live: one trait, several back-ends.
//!
//! Every back-end keeps the same promises (checked by one conformance suite,
//! `tests/storage_conformance.rs`): trial numbers are dense and never
//! repeat within a study; a waiting trial is claimed by exactly one caller;
//! a claim key is held by at most one trial of a study; finished trials never
//! change; every change bumps the study's monotonic counter, so a study can
//! fetch only the trials that changed since its last look.

mod check;
mod fork;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod record;
mod sqlite;
mod update;
mod url;
pub use url::{sqlite_file, IntoStorageUrl, PostgresUrl, SqliteUrl, StorageUrl};

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStorage;
pub use check::{check_storage, Damage};
pub use fork::{after_fork, prepare_fork};
pub use memory::MemoryStorage;
pub(crate) use record::new_trial;
pub use record::StudyAttrs;
pub use sqlite::SqliteStorage;
pub use update::TrialUpdate;

use crate::{
    Metadata, NewTrial, Objective, ObjectiveChange, Result, Space, StudyConfig, StudyId, Trial,
    TrialId,
};
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

/// A study as listed: readable, or damaged. A damaged study's stored
/// configuration cannot be read (written by a build that accepted a space
/// past today's limits, or changed by hand); it is still listed, so that
/// one bad row never hides the others, and it can be deleted by id.
// Listings are few and short-lived: boxing the record would only make every
// caller's match noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum StudyListing {
    /// The study reads back.
    Readable(StudyRecord),
    /// The study's configuration cannot be read.
    Damaged {
        /// Its id, for [`Storage::delete_study`].
        id: StudyId,
        /// Its name.
        name: String,
        /// When it was created (RFC 3339).
        created: String,
        /// What is wrong.
        reason: String,
    },
}

impl StudyListing {
    /// The study's id.
    pub fn id(&self) -> StudyId {
        match self {
            StudyListing::Readable(r) => r.id,
            StudyListing::Damaged { id, .. } => *id,
        }
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        match self {
            StudyListing::Readable(r) => &r.config.name,
            StudyListing::Damaged { name, .. } => name,
        }
    }

    /// The record of a study found by name, or why it cannot be used.
    pub(crate) fn into_found(
        listing: Option<Self>,
        storage: String,
    ) -> Result<Option<StudyRecord>> {
        match listing {
            None => Ok(None),
            Some(StudyListing::Readable(record)) => Ok(Some(record)),
            Some(StudyListing::Damaged { name, reason, .. }) => Err(crate::Error::DamagedStudy {
                name,
                storage,
                reason,
            }),
        }
    }
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

    /// The artifact store this storage has of its own (see
    /// [`crate::artifacts`]): beside a SQLite file, a temporary folder for
    /// memory; `None` (the default) for a server, which has no folder that
    /// every client reaches.
    fn artifact_store(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// Creates a study; fails with `StudyExists` if the name is taken.
    fn create_study(&self, config: &StudyConfig) -> Result<StudyRecord>;

    /// The study of that name, if any; `DamagedStudy` if its configuration
    /// cannot be read.
    fn find_study(&self, name: &str) -> Result<Option<StudyRecord>>;

    /// Every study, in order of creation, the damaged ones included.
    fn list_studies(&self) -> Result<Vec<StudyListing>>;

    /// Every study that can be read, in order of creation (provided, from
    /// [`Storage::list_studies`], which also gives the damaged ones).
    fn studies(&self) -> Result<Vec<StudyRecord>> {
        Ok(self
            .list_studies()?
            .into_iter()
            .filter_map(|s| match s {
                StudyListing::Readable(record) => Some(record),
                StudyListing::Damaged { .. } => None,
            })
            .collect())
    }

    /// Deletes a study and all its trials.
    fn delete_study(&self, id: StudyId) -> Result<()>;

    /// The study's user attributes.
    fn study_attrs(&self, id: StudyId) -> Result<StudyAttrs>;

    /// Sets one user attribute of the study, atomically (two processes
    /// setting different keys at once both keep theirs).
    fn set_study_attr(&self, id: StudyId, key: &str, value: &serde_json::Value) -> Result<()>;

    /// The objectives the study optimized before each retarget, oldest
    /// first (empty for a study never retargeted).
    fn objective_history(&self, id: StudyId) -> Result<Vec<ObjectiveChange>>;

    /// Makes the study optimize `objectives` from now (`at`, RFC 3339),
    /// appending the objectives it replaces to its history, atomically;
    /// returns the configuration as stored. `check` sees the stored
    /// configuration first and may refuse the change.
    fn retarget_study(
        &self,
        id: StudyId,
        objectives: &[Objective],
        at: &str,
        check: &dyn Fn(&StudyConfig) -> Result<()>,
    ) -> Result<StudyConfig>;

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
    /// `since = 0` gives them all. A row that cannot be read comes back
    /// quarantined ([`Trial::damage`]), not as an error.
    fn trials_since(&self, study: StudyId, since: u64) -> Result<Vec<Trial>>;
}

/// Opens the storage a URL names: a [`StorageUrl`], or its text (parsed
/// here: a file path, `sqlite:///relative.db`, `sqlite:////abs/path.db`,
/// `:memory:`, or `postgresql://user:password@host:port/database`; see
/// [`StorageUrl`] for every form).
pub fn open_storage(url: impl IntoStorageUrl) -> Result<Arc<dyn Storage>> {
    match url.into_storage_url()? {
        StorageUrl::Memory => Ok(Arc::new(MemoryStorage::new())),
        StorageUrl::Sqlite(sqlite) => Ok(Arc::new(match sqlite.busy_timeout() {
            Some(timeout) => SqliteStorage::open_with_timeout(sqlite.path(), timeout)?,
            None => SqliteStorage::open(sqlite.path())?,
        })),
        #[cfg(feature = "postgres")]
        StorageUrl::Postgres(postgres) => Ok(Arc::new(PostgresStorage::open(postgres.as_str())?)),
        #[cfg(not(feature = "postgres"))]
        StorageUrl::Postgres(postgres) => Err(crate::Error::StorageUrl {
            url: postgres.to_string(),
            reason: "this build of hyperspace has no PostgreSQL support (the `postgres` cargo feature of hyperspace-engine is off)".into(),
        }),
    }
}

#[cfg(all(test, not(feature = "postgres")))]
mod without_postgres {
    #[test]
    fn a_postgres_url_says_the_build_lacks_it_and_hides_the_password() {
        let err = super::open_storage("postgres://ann:s3cret@db/runs").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no PostgreSQL support"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}

/// The JSON text columns of a study's row that are read on their own (the
/// SQL back-ends pick their statement by it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum StudyText {
    /// The study's user attributes.
    UserAttrs,
    /// The objectives it had before each retarget.
    ObjectiveHistory,
}
