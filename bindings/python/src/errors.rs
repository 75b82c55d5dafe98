//! Engine errors as Python exceptions.
//!
//! The exception classes are defined in Python (`hyperspace/errors.py`), so
//! that they can also derive from the built-in class a Python user expects
//! (`ValueError`, `LookupError`, ...). Each engine variant maps to one class,
//! and the data it carries becomes attributes of the exception (`param`,
//! `trial_id`, `state`, `study`, ...).

use hyperspace_engine::{Error, SearchError, SettingsError};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::cell::RefCell;

thread_local! {
    /// The exception a Python searcher raised, kept while the engine unwinds
    /// its `SearchError`, so the user sees their own exception as the cause.
    static SEARCHER_EXCEPTION: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Keeps the exception a Python searcher raised on this thread.
pub(crate) fn stash_searcher_exception(err: PyErr) {
    SEARCHER_EXCEPTION.with(|cell| *cell.borrow_mut() = Some(err));
}

fn take_searcher_exception() -> Option<PyErr> {
    SEARCHER_EXCEPTION.with(|cell| cell.borrow_mut().take())
}

/// Forgets a stashed exception (before an engine call, so a stale one from
/// an earlier call is never attached to a new error).
pub(crate) fn clear_searcher_exception() {
    SEARCHER_EXCEPTION.with(|cell| cell.borrow_mut().take());
}

/// The Python class name and attributes for an engine error.
fn classify(err: &Error) -> (&'static str, Vec<(&'static str, Attr)>) {
    use Attr::{Int, Str};
    match err {
        Error::InvalidParam { param, .. } => {
            ("InvalidParamError", vec![("param", Str(param.clone()))])
        }
        Error::DuplicateParam { param } => {
            ("InvalidParamError", vec![("param", Str(param.clone()))])
        }
        Error::SpaceSyntax { column, .. } => {
            ("SpaceSyntaxError", vec![("column", Int(*column as i64))])
        }
        Error::SpaceFile { path, .. } => ("SpaceSyntaxError", vec![("path", Str(path.clone()))]),
        Error::SpaceEvolution { study, param, .. } => (
            "SpaceChangeError",
            vec![("study", Str(study.clone())), ("param", Str(param.clone()))],
        ),
        Error::InvalidConfig { param, .. } => {
            ("InvalidConfigError", vec![("param", Str(param.clone()))])
        }
        Error::InvalidStudy(_) | Error::UnknownPruner { .. } => ("InvalidStudyError", vec![]),
        Error::InvalidPruner { pruner, error } => (
            "InvalidStudyError",
            vec![("pruner", Str(pruner.clone())), setting(error)],
        ),
        Error::SeveralObjectives { study, .. } | Error::NotMultiObjective { study, .. } => {
            ("InvalidStudyError", vec![("study", Str(study.clone()))])
        }
        Error::NoFeasibleTrial { study, .. } => {
            ("NoFeasibleTrialError", vec![("study", Str(study.clone()))])
        }
        Error::StudyNotFound { name, .. } => {
            ("StudyNotFoundError", vec![("study", Str(name.clone()))])
        }
        Error::StudyExists { name, .. } => ("StudyExistsError", vec![("study", Str(name.clone()))]),
        Error::TrialNotFound { id } => ("TrialNotFoundError", vec![("trial_id", Int(id.0))]),
        Error::TrialFinished { id, state } => (
            "TrialFinishedError",
            vec![("trial_id", Int(id.0)), ("state", Str(state.to_string()))],
        ),
        Error::WrongStudy { id } => ("WrongStudyError", vec![("trial_id", Int(id.0))]),
        Error::NonFiniteValue { id, .. } => ("NonFiniteValueError", vec![("trial_id", Int(id.0))]),
        Error::InvalidTell { id, .. } => ("InvalidTellError", vec![("trial_id", Int(id.0))]),
        Error::Search(search) => classify_search(search),
        Error::StorageUrl { url, .. } => ("StorageUrlError", vec![("url", Str(url.clone()))]),
        Error::CorruptDatabase { path, .. } => {
            ("CorruptDatabaseError", vec![("path", Str(path.clone()))])
        }
        Error::DatabaseLocked { path, .. } => {
            ("DatabaseLockedError", vec![("path", Str(path.clone()))])
        }
        Error::SchemaTooNew { path, .. } => {
            ("CorruptDatabaseError", vec![("path", Str(path.clone()))])
        }
        Error::SpaceLimit { limit, found, .. } => (
            "SpaceError",
            vec![("limit", Int(*limit as i64)), ("found", Int(*found as i64))],
        ),
        Error::DamagedStudy { name, .. } => {
            ("CorruptDatabaseError", vec![("study", Str(name.clone()))])
        }
        Error::StorageUnavailable { storage, .. } => (
            "StorageUnavailableError",
            vec![("storage", Str(storage.clone()))],
        ),
        Error::Artifact(_) => ("ArtifactError", vec![]),
        Error::Ensemble(_) => ("EnsembleError", vec![]),
        Error::ClaimTaken { .. }
        | Error::NumberTaken { .. }
        | Error::Journal { .. }
        | Error::Storage(_) => ("StorageError", vec![]),
        Error::WaitTimeout {
            trial, waiting_for, ..
        } => (
            "WaitTimeoutError",
            vec![
                ("trial_number", Int(*trial as i64)),
                ("waiting_for", Int(*waiting_for as i64)),
            ],
        ),
        _ => ("HyperspaceError", vec![]),
    }
}

fn classify_search(err: &SearchError) -> (&'static str, Vec<(&'static str, Attr)>) {
    let searcher = |s: &String| vec![("searcher", Attr::Str(s.clone()))];
    match err {
        SearchError::UnknownSearcher { name, .. } => ("UnknownSearcherError", searcher(name)),
        SearchError::InvalidSettings { searcher: s, error } => (
            "SearcherSettingsError",
            vec![("searcher", Attr::Str(s.clone())), setting(error)],
        ),
        SearchError::Exhausted { searcher: s, .. } => ("SearcherExhaustedError", searcher(s)),
        SearchError::Unsupported { searcher: s, .. } | SearchError::Failed { searcher: s, .. } => {
            ("SearcherError", searcher(s))
        }
        _ => ("SearcherError", vec![]),
    }
}

/// The `setting` attribute of a settings error: the name of the setting
/// at fault, or `None` when no single one is.
fn setting(error: &SettingsError) -> (&'static str, Attr) {
    (
        "setting",
        error
            .setting()
            .map_or(Attr::None, |name| Attr::Str(name.to_string())),
    )
}

enum Attr {
    Str(String),
    Int(i64),
    None,
}

/// The Python exception for an engine error. A searcher failure that began
/// as a Python exception carries it as `__cause__`.
pub(crate) fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let cause = match &err {
        Error::Search(_) => take_searcher_exception(),
        _ => None,
    };
    let message = err.to_string();
    let (class, attrs) = classify(&err);
    match build(py, class, &message, attrs) {
        Ok(e) => {
            if let Some(cause) = cause {
                e.set_cause(py, Some(cause));
            }
            e
        }
        // The errors module could not be imported (a broken install, or the
        // interpreter shutting down: a trial's finalizer recording its values
        // at exit): still an exception, never a panic. The import failure is
        // not attached as the cause, which would build both exceptions now,
        // and pyo3 panics doing that once the interpreter is finalizing.
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// An exception of the errors module's class `class`, with `message`.
pub(crate) fn exception(py: Python<'_>, class: &str, message: &str) -> PyErr {
    build(py, class, message, Vec::new()).unwrap_or_else(|import_failure| import_failure)
}

fn build(
    py: Python<'_>,
    class: &str,
    message: &str,
    attrs: Vec<(&'static str, Attr)>,
) -> PyResult<PyErr> {
    let cls = py.import("hyperspace.errors")?.getattr(class)?;
    let kwargs = PyDict::new(py);
    for (key, value) in attrs {
        match value {
            Attr::Str(s) => kwargs.set_item(key, s)?,
            Attr::Int(i) => kwargs.set_item(key, i)?,
            Attr::None => kwargs.set_item(key, py.None())?,
        }
    }
    let instance = cls.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// A malformed argument built by the Python layer (a bug there, or a
/// caller reaching into `hyperspace._core` directly).
pub(crate) fn bad_json(what: &str, err: serde_json::Error) -> PyErr {
    PyValueError::new_err(format!("{what} is not valid JSON: {err}"))
}

/// Runs an engine call's result through [`to_py`].
pub(crate) trait IntoPy<T> {
    /// The value, or the Python exception for the engine error.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
