//! Every storage back-end, each empty, for the suites that run against all
//! of them.

// Test support: a panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::TestDatabase;
use hyperspace_engine::{open_storage, Storage};
use std::sync::Arc;

/// What keeps a back-end's data alive while a test runs (dropped after the
/// storage itself).
#[allow(dead_code)] // held only for its Drop
#[derive(Debug)]
pub enum Keep {
    /// In memory: nothing to keep.
    Nothing,
    /// A SQLite file's folder.
    Dir(tempfile::TempDir),
    /// A PostgreSQL database.
    Database(TestDatabase),
}

/// Every back-end, each empty; PostgreSQL only when `HYPERSPACE_TEST_POSTGRES`
/// names a server (otherwise the test says it skipped it).
pub fn backends() -> Vec<(&'static str, Arc<dyn Storage>, Keep)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = open_storage(dir.path().join("conformance.db").to_str().unwrap()).unwrap();
    let mut all = vec![
        ("memory", open_storage(":memory:").unwrap(), Keep::Nothing),
        ("sqlite", sqlite, Keep::Dir(dir)),
    ];
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if let Some(db) = TestDatabase::create(&test) {
        all.push((
            "postgres",
            open_storage(db.url()).unwrap(),
            Keep::Database(db),
        ));
    }
    all
}
