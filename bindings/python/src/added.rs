//! What Optuna users bring with them, across the boundary: finished trials
//! made elsewhere (`study.add_trials`, `hs.copy_study`, `hs.import_optuna`),
//! a study's own user attributes, and the storage-level calls
//! (`hs.get_all_study_names`, `hs.delete_study`). The rules are the
//! engine's (`Study::add_trials`); this file only reads the JSON the Python
//! layer (`hyperspace/_admin.py`) writes.

use crate::errors::{bad_json, IntoPy};
use crate::params::param_of;
use crate::study::{json, CoreStudy};
use hyperspace_engine::{
    open_storage, AddedTrial, Error, Outcome, Params, StudyListing, TrialState, Value,
};
use indexmap::IndexMap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One finished trial as `hyperspace/_admin.py` writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrial {
    #[serde(default)]
    distributions: IndexMap<String, serde_json::Value>,
    #[serde(default)]
    params: IndexMap<String, serde_json::Value>,
    state: String,
    #[serde(default)]
    values: Vec<f64>,
    #[serde(default)]
    constraints: Vec<f64>,
    #[serde(default)]
    metrics: IndexMap<String, f64>,
    #[serde(default)]
    intermediate: BTreeMap<u64, f64>,
    #[serde(default)]
    intermediate_metrics: BTreeMap<String, BTreeMap<u64, f64>>,
    #[serde(default)]
    user_attrs: IndexMap<String, serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    started: Option<String>,
    #[serde(default)]
    finished: Option<String>,
}

impl RawTrial {
    fn read(self) -> PyResult<AddedTrial> {
        let mut distributions = IndexMap::new();
        for (name, definition) in self.distributions {
            let param = param_of(&name, definition).map_err(plain)?;
            distributions.insert(name, param);
        }
        let mut params = Params::new();
        for (name, v) in self.params {
            let value = Value::from_json(&v).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "parameter '{name}': a value must be a number, string, bool or None, got {v}"
                ))
            })?;
            params.insert(name, value);
        }
        let state = TrialState::parse(&self.state).map_err(plain)?;
        let outcome = match state {
            TrialState::Pruned => Outcome::pruned(),
            TrialState::Failed => {
                Outcome::failed(self.message.clone().unwrap_or_else(|| "failed".into()))
            }
            _ => Outcome::complete_values(self.values),
        };
        let outcome = outcome.constraints(self.constraints).metrics(self.metrics);
        let outcome = match (state, self.message) {
            (TrialState::Complete | TrialState::Pruned, Some(m)) => outcome.message(m),
            _ => outcome,
        };
        let mut added = AddedTrial::new(distributions, params, outcome);
        if !matches!(
            state,
            TrialState::Complete | TrialState::Pruned | TrialState::Failed
        ) {
            return Err(PyValueError::new_err(format!(
                "an added trial is finished: complete, pruned or failed, not {state}"
            )));
        }
        added.intermediate = self.intermediate;
        added.intermediate_metrics = self.intermediate_metrics;
        added.user_attrs = self.user_attrs;
        added.started = self.started;
        added.finished = self.finished;
        Ok(added)
    }
}

fn plain(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Adds finished trials (a JSON array of them) to the study; all are
/// checked before any is stored. Returns the stored trials as JSON.
#[pyfunction]
pub(crate) fn add_trials(py: Python<'_>, study: &CoreStudy, trials_json: &str) -> PyResult<String> {
    let raw: Vec<RawTrial> =
        serde_json::from_str(trials_json).map_err(|e| bad_json("the added trials", e))?;
    let added = raw
        .into_iter()
        .map(RawTrial::read)
        .collect::<PyResult<Vec<_>>>()?;
    study.with(py, move |s| json(&s.add_trials(added)?))
}

/// The study's user attributes, as a JSON object.
#[pyfunction]
pub(crate) fn study_user_attrs(py: Python<'_>, study: &CoreStudy) -> PyResult<String> {
    study.with(py, |s| json(&s.user_attrs()?))
}

/// Sets one user attribute of the study (its value as JSON).
#[pyfunction]
pub(crate) fn set_study_user_attr(
    py: Python<'_>,
    study: &CoreStudy,
    key: &str,
    value_json: &str,
) -> PyResult<()> {
    let value: serde_json::Value =
        serde_json::from_str(value_json).map_err(|e| bad_json("attribute value", e))?;
    study.with(py, |s| s.set_study_user_attr(key, value))
}

/// Every readable study in the storage, in order of creation, as a JSON
/// array of `{name, config, created, user_attrs}`; damaged ones as
/// `{name, created, damaged}`.
#[pyfunction]
pub(crate) fn list_studies(py: Python<'_>, storage_url: &str) -> PyResult<String> {
    let url = storage_url.to_string();
    py.detach(move || -> Result<String, Error> {
        let storage = open_storage(url.as_str())?;
        let mut out = Vec::new();
        for listing in storage.list_studies()? {
            out.push(match listing {
                StudyListing::Readable(record) => serde_json::json!({
                    "name": record.config.name,
                    "config": record.config,
                    "created": record.created,
                    "user_attrs": storage.study_attrs(record.id)?,
                }),
                StudyListing::Damaged {
                    name,
                    created,
                    reason,
                    ..
                } => serde_json::json!({"name": name, "created": created, "damaged": reason}),
            });
        }
        json(&out)
    })
    .py_err(py)
}

/// Deletes study `name` and its trials; `StudyNotFoundError` if missing.
#[pyfunction]
pub(crate) fn delete_study(py: Python<'_>, storage_url: &str, name: &str) -> PyResult<()> {
    let (url, name) = (storage_url.to_string(), name.to_string());
    py.detach(move || -> Result<(), Error> {
        let storage = open_storage(url.as_str())?;
        let id = storage
            .list_studies()?
            .into_iter()
            .find(|l| l.name() == name)
            .map(|l| l.id())
            .ok_or_else(|| Error::StudyNotFound {
                name: name.clone(),
                storage: storage.describe(),
            })?;
        storage.delete_study(id)
    })
    .py_err(py)
}
