//! Trial artifacts for Python (`trial.artifact_dir`, `study.log_artifact`):
//! the store, the directory mapping, hashing and recording are the
//! engine's (`hyperspace_engine::artifacts`); this file only crosses the
//! boundary.

use crate::errors::IntoPy;
use crate::study::CoreStudy;
use hyperspace_engine::artifacts;
use hyperspace_engine::{Error, TrialId};
use pyo3::prelude::*;
use std::path::Path;

/// The artifact store of the storage at `storage_url`: `explicit` if
/// given, else `HYPERSPACE_ARTIFACTS`, else the storage's own; absolute.
/// Raises `ArtifactError` for a PostgreSQL storage without one.
#[pyfunction]
#[pyo3(signature = (storage_url, explicit=None))]
pub(crate) fn artifact_root(
    py: Python<'_>,
    storage_url: &str,
    explicit: Option<&str>,
) -> PyResult<String> {
    let root = artifacts::artifact_root(explicit.map(Path::new), storage_url).py_err(py)?;
    let root = std::path::absolute(&root).unwrap_or(root);
    Ok(root.display().to_string())
}

/// The artifact directory of trial `number` of `study` under `root` (not
/// created).
#[pyfunction]
pub(crate) fn trial_artifact_dir(root: &str, study: &str, number: u64) -> String {
    artifacts::trial_artifact_dir(Path::new(root), study, number)
        .display()
        .to_string()
}

/// Copies the file `source` into `dir`; the artifact as JSON.
#[pyfunction]
pub(crate) fn copy_artifact(py: Python<'_>, dir: &str, source: &str) -> PyResult<String> {
    let artifact = py
        .detach(|| artifacts::copy_in(Path::new(dir), Path::new(source)))
        .py_err(py)?;
    serde_json::to_string(&artifact)
        .map_err(|e| Error::Storage(e.to_string()))
        .py_err(py)
}

/// Scans `dir` and records what it holds as the artifacts of the running
/// trial `trial_id`; the list as JSON. An empty directory records nothing.
#[pyfunction]
pub(crate) fn record_artifacts(
    py: Python<'_>,
    study: &CoreStudy,
    trial_id: i64,
    dir: &str,
) -> PyResult<String> {
    let dir = dir.to_string();
    study.with(py, move |s| {
        let found = s.record_artifacts(TrialId(trial_id), Path::new(&dir))?;
        serde_json::to_string(&found).map_err(|e| Error::Storage(e.to_string()))
    })
}
