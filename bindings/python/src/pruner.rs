//! Pruners from Python: the classes in `pruners.py` only carry a name and
//! settings; the engine's registry checks them and fills in the defaults,
//! so the Python package repeats neither.

use crate::errors::{bad_json, IntoPy};
use crate::searcher::registry;
use pyo3::prelude::*;

/// Parses a pruner's settings, given as JSON.
pub(crate) fn settings_of(settings_json: &str) -> PyResult<serde_json::Value> {
    serde_json::from_str(settings_json).map_err(|e| bad_json("pruner settings", e))
}

/// Builds pruner `name` with `settings_json` (checking both) and returns
/// every setting it runs with, defaults filled in, as JSON.
#[pyfunction]
pub(crate) fn pruner_settings(py: Python<'_>, name: &str, settings_json: &str) -> PyResult<String> {
    let settings = settings_of(settings_json)?;
    let pruner = registry().build_pruner(name, &settings).py_err(py)?;
    Ok(pruner.settings().to_string())
}

/// The registered pruner names.
#[pyfunction]
pub(crate) fn pruner_names() -> Vec<String> {
    registry()
        .pruner_names()
        .into_iter()
        .map(str::to_string)
        .collect()
}
