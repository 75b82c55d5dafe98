//! What the searchers' integration tests share: a study in memory.

use hyperspace_engine::{open_storage, Study, StudyConfig};

/// A study of `config` in a fresh in-memory storage, with every built-in
/// searcher available.
pub fn in_memory(config: StudyConfig) -> Study {
    Study::create(
        open_storage(":memory:").expect("in-memory storage"),
        config,
        &hyperspace_searchers::builtin_registry(),
    )
    .expect("a valid study config")
}
