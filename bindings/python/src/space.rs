//! Space helpers for the Python layer, so that it translates instead of
//! re-implementing engine rules: a uniform draw from a space is the
//! engine's (the random searcher's), not a second copy in Python.

use crate::errors::IntoPy;
use hyperspace_engine::{trial_rng, Space};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A configuration drawn uniformly from `space` (JSON or compact text),
/// every active parameter on its unit interval (log-uniform on log
/// scales), as JSON. The same seed gives the same configuration.
#[pyfunction]
pub(crate) fn sample_space(py: Python<'_>, space: &str, seed: u64) -> PyResult<String> {
    let space = Space::parse(space).py_err(py)?;
    // The engine's portable stream: the same numbers on every platform.
    let mut rng = trial_rng(seed, 0);
    let params = space.sample_uniform(&mut rng);
    serde_json::to_string(&params).map_err(|e| PyValueError::new_err(format!("cannot encode: {e}")))
}

/// What the engine narrowed when reading `space` (JSON or compact text):
/// one warning per parameter whose step does not divide its range.
#[pyfunction]
pub(crate) fn space_notes(py: Python<'_>, space: &str) -> PyResult<Vec<String>> {
    let space = Space::parse(space).py_err(py)?;
    Ok(space.notes().iter().map(ToString::to_string).collect())
}
