//! `hs.import_optuna` from an Optuna SQLite database: the reading is the
//! engine's (`hyperspace_engine::optuna`, shared with `hyperspace import
//! optuna`); this file only crosses the boundary. The Python layer reads
//! once ([`read_optuna`]), creates the study with the directions it found,
//! then hands that same read to it ([`OptunaRead::add_to`]).

use crate::errors::IntoPy;
use crate::study::{json, CoreStudy};
use hyperspace_engine::optuna::{self, OptunaStudy};
use hyperspace_engine::{Error, OptunaError};
use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::sync::Mutex;

/// One read of an Optuna study, until its trials are added to a study.
#[pyclass(frozen, module = "hyperspace._core")]
pub(crate) struct OptunaRead {
    read: Mutex<Option<OptunaStudy>>,
}

/// Reads Optuna study `study_name` from `source` (`sqlite:///file.db` or a
/// path). A missing file raises `FileNotFoundError`, a missing study or
/// a non-SQLite URL `ValueError` (as Optuna users expect), other
/// failures the `hyperspace` exception for them.
#[pyfunction]
pub(crate) fn read_optuna(py: Python<'_>, source: &str, study_name: &str) -> PyResult<OptunaRead> {
    let source = source.to_string();
    let name = study_name.to_string();
    let read = py.detach(move || optuna::read_sqlite(&optuna::sqlite_path(&source)?, &name));
    match read {
        Ok(study) => Ok(OptunaRead {
            read: Mutex::new(Some(study)),
        }),
        Err(Error::Optuna(e @ OptunaError::NoFile { .. })) => {
            Err(PyFileNotFoundError::new_err(e.to_string()))
        }
        Err(Error::Optuna(e @ (OptunaError::NoStudy { .. } | OptunaError::NotSqlite { .. }))) => {
            Err(PyValueError::new_err(e.to_string()))
        }
        Err(e) => Err(e).py_err(py),
    }
}

#[pymethods]
impl OptunaRead {
    /// The study's facts as JSON: `directions`, `user_attrs`, `unfinished`
    /// (running or waiting trials, left out) and `n_trials`.
    fn summary_json(&self) -> PyResult<String> {
        self.on(|s| {
            serde_json::json!({
                "directions": s.directions.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "user_attrs": s.user_attrs,
                "unfinished": s.unfinished,
                "n_trials": s.trials.len(),
            })
            .to_string()
        })
    }

    /// Adds the finished trials to `study` (all checked before any is
    /// stored); the stored trials as JSON. Once only: the read is used up.
    fn add_to(&self, py: Python<'_>, study: &CoreStudy) -> PyResult<String> {
        let taken = self
            .read
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the Optuna read was poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("these Optuna trials were added already"))?;
        study.with(py, move |s| json(&s.add_trials(taken.trials)?))
    }
}

impl OptunaRead {
    fn on<T>(&self, f: impl FnOnce(&OptunaStudy) -> T) -> PyResult<T> {
        let guard = self
            .read
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the Optuna read was poisoned"))?;
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| PyRuntimeError::new_err("these Optuna trials were added already"))
    }
}
