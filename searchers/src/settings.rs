//! Reading a searcher's JSON settings: unknown keys are errors, `null` means
//! the defaults.

use hyperspace_engine::SearchError;
use serde::de::DeserializeOwned;

/// Parses `settings` as `T`, naming the searcher in the error.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    searcher: &str,
    settings: &serde_json::Value,
) -> Result<T, SearchError> {
    if settings.is_null() {
        return Ok(T::default());
    }
    T::deserialize(settings).map_err(|e| SearchError::InvalidSettings {
        searcher: searcher.to_string(),
        reason: e.to_string(),
    })
}
