//! Ensembles for Python (`study.ensemble(...)`): ranking, reading the saved
//! predictions, greedy selection and storing are the engine's
//! (`hyperspace_engine::ensemble`); the `where=` filter is
//! `hyperspace-query`'s; this file only crosses the boundary.

use crate::errors::IntoPy;
use crate::select::chosen;
use crate::study::CoreStudy;
use hyperspace_engine::ensemble::{EnsembleSettings, Metric};
use hyperspace_engine::{EnsembleError, Error, Trial};
use hyperspace_query::Known;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// Builds an ensemble of the study's best trials (those `filter` keeps)
/// from the files under the artifact store `root`, stores it under `name`,
/// and returns it as JSON. A bad filter raises `ValueError`; anything the
/// engine refuses, `EnsembleError`.
#[pyfunction]
#[pyo3(signature = (study, root, metric, top=20, size=10, filter=None, name=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_ensemble(
    py: Python<'_>,
    study: &CoreStudy,
    root: &str,
    metric: &str,
    top: usize,
    size: usize,
    filter: Option<String>,
    name: Option<String>,
) -> PyResult<String> {
    let metric = Metric::parse(metric).map_err(Error::from).py_err(py)?;
    let settings = EnsembleSettings {
        metric,
        top,
        size,
        name,
    };
    let root = PathBuf::from(root);
    let result = study.with(py, move |s| {
        let space = s.space().clone();
        let trials = s.trials()?.to_vec();
        let known = Known::collect(&space, &trials);
        let kept: Vec<Trial> = match chosen(&trials, &known, filter.as_deref()) {
            Ok(kept) => kept.into_iter().cloned().collect(),
            Err(message) => return Ok(Err(message)),
        };
        if kept.is_empty() && filter.is_some() {
            return Err(EnsembleError::NoCandidates {
                study: s.name().to_string(),
                filtered: " that matches where=".to_string(),
            }
            .into());
        }
        let ensemble = s.build_ensemble(&kept, &root, &settings)?;
        serde_json::to_string(&ensemble)
            .map(Ok)
            .map_err(|e| Error::Storage(e.to_string()))
    })?;
    result.map_err(PyValueError::new_err)
}

/// The ensemble stored in the study under `name`, as JSON.
#[pyfunction]
pub(crate) fn stored_ensemble(py: Python<'_>, study: &CoreStudy, name: String) -> PyResult<String> {
    study.with(py, move |s| {
        let ensemble = s.ensemble(&name)?;
        serde_json::to_string(&ensemble).map_err(|e| Error::Storage(e.to_string()))
    })
}
