//! Reading a plug-in's JSON settings: unknown keys are errors, `null` means
//! the defaults.

use hyperspace_engine::{Error, SearchError};
use serde::de::DeserializeOwned;

/// Parses `settings` as `T`, `null` meaning the defaults; the error names
/// the setting at fault (serde's own message does not for a value of the
/// wrong type, e.g. "invalid value: integer `-1`, expected usize").
fn read<T: DeserializeOwned + Default>(settings: &serde_json::Value) -> Result<T, String> {
    if settings.is_null() {
        return Ok(T::default());
    }
    T::deserialize(settings).map_err(|e| {
        let message = e.to_string();
        // Every field has a default, so a setting given alone fails only
        // if it is the one at fault.
        let culprit = settings.as_object().and_then(|fields| {
            fields.iter().map(|(key, _)| key).find(|key| {
                let alone: serde_json::Map<_, _> = fields
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                T::deserialize(serde_json::Value::Object(alone)).is_err()
            })
        });
        match culprit {
            Some(key) if !message.contains(&format!("`{key}`")) => format!("{key}: {message}"),
            _ => message,
        }
    })
}

/// Parses a searcher's `settings` as `T`, naming the searcher in the error.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    searcher: &str,
    settings: &serde_json::Value,
) -> Result<T, SearchError> {
    read(settings).map_err(|e| SearchError::InvalidSettings {
        searcher: searcher.to_string(),
        reason: e,
    })
}

/// Parses a pruner's `settings` as `T`, naming the pruner in the error.
pub(crate) fn parse_pruner<T: DeserializeOwned + Default>(
    pruner: &str,
    settings: &serde_json::Value,
) -> Result<T, Error> {
    read(settings).map_err(|e| Error::InvalidPruner {
        pruner: pruner.to_string(),
        reason: e,
    })
}

#[cfg(test)]
mod tests {
    use crate::MedianSettings;

    /// A value of the wrong type is named by its setting.
    #[test]
    fn the_setting_at_fault_is_named() {
        let err = super::parse_pruner::<MedianSettings>(
            "median",
            &serde_json::json!({"n_warmup_steps": 2, "n_startup_trials": -1}),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("pruner 'median': n_startup_trials: "),
            "{err}"
        );
        let unknown =
            super::parse_pruner::<MedianSettings>("median", &serde_json::json!({"warmup": 1}))
                .unwrap_err()
                .to_string();
        assert!(unknown.contains("unknown field `warmup`"), "{unknown}");
        assert!(!unknown.contains("warmup: "), "{unknown}");
    }
}
