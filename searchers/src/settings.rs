//! Reading a plug-in's JSON settings: unknown keys are errors, `null` means
//! the defaults.

use hyperspace_engine::{Error, SearchError};
use serde::de::DeserializeOwned;

/// Parses `settings` as `T`, `null` meaning the defaults.
fn read<T: DeserializeOwned + Default>(settings: &serde_json::Value) -> serde_json::Result<T> {
    if settings.is_null() {
        return Ok(T::default());
    }
    T::deserialize(settings)
}

/// Parses a searcher's `settings` as `T`, naming the searcher in the error.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    searcher: &str,
    settings: &serde_json::Value,
) -> Result<T, SearchError> {
    read(settings).map_err(|e| SearchError::InvalidSettings {
        searcher: searcher.to_string(),
        reason: e.to_string(),
    })
}

/// Parses a pruner's `settings` as `T`, naming the pruner in the error.
pub(crate) fn parse_pruner<T: DeserializeOwned + Default>(
    pruner: &str,
    settings: &serde_json::Value,
) -> Result<T, Error> {
    read(settings).map_err(|e| Error::InvalidPruner {
        pruner: pruner.to_string(),
        reason: e.to_string(),
    })
}
