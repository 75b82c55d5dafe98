//! `CoreStudy`: one engine [`Study`] behind a mutex, shared by every Python
//! thread that holds it. Every call releases the GIL while it waits for the
//! mutex and while the engine searches or touches storage, so threads
//! evaluating objectives (or a Python searcher) are never blocked by it.
//!
//! Trials and studies cross the boundary as JSON text: the Python layer
//! (`hyperspace/study.py`) turns them into dicts and objects with one
//! `json.loads`, which is faster than building them item by item here.
//! The hot calls of define-by-run (`suggest`, `record`, the params of
//! `report` and `tell`) take and give typed objects instead ([`params`]).

use crate::errors::{bad_json, clear_searcher_exception, IntoPy};
use crate::opening::OpenOptions;
use crate::optimize::PyRunner;
use crate::params::{self, params_from_py, CoreParam};
use crate::proposal::{proposal_of, EntrySpecs};
use crate::searcher::registry;
use hyperspace_engine::execute::{journal_dir, log_dir, Asking, Executor, StopHandle, StopReason};
use hyperspace_engine::{
    describe_kept, Error, NewTrial, Outcome, Params, Report, ResultJournal, Space, Study, TrialId,
    TrialState, Value,
};
use indexmap::IndexMap;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

thread_local! {
    /// Whether this thread is inside an engine call (which may call back
    /// into a Python searcher).
    static IN_ENGINE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread as inside an engine call until dropped (also on panic).
struct Busy;

impl Busy {
    fn enter() -> Self {
        IN_ENGINE.with(|b| b.set(true));
        Busy
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        IN_ENGINE.with(|b| b.set(false));
    }
}

/// A study of the engine, for the Python layer.
#[pyclass(frozen, module = "hyperspace._core")]
pub(crate) struct CoreStudy {
    /// `None` only while being dropped. Shared with the executor's
    /// workers while `optimize` runs.
    study: Option<Arc<Mutex<Study>>>,
    /// The process that opened it.
    pid: u32,
    /// Stops the `optimize` running now, if one is.
    running: Mutex<Option<StopHandle>>,
    /// The settings an existing study kept although others were given
    /// when it was opened, as one phrase (`None`: none).
    kept_settings: Option<String>,
    /// What every trial's joint proposal repeats, as Python objects.
    specs: EntrySpecs,
}

impl Drop for CoreStudy {
    /// In a forked child the study holds the parent's SQLite connection,
    /// which must not be closed (or used) here: it is leaked instead. The
    /// Python layer opens a fresh study in the child.
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            std::mem::forget(self.study.take());
        }
    }
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Storage(format!("cannot encode: {e}")))
}

/// `value`'s JSON form as a value, for [`params::json_to_py`].
fn json_value<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Storage(format!("cannot encode: {e}")))
}

pub(crate) fn parse_params(py_json: &str) -> PyResult<Params> {
    let raw: IndexMap<String, serde_json::Value> =
        serde_json::from_str(py_json).map_err(|e| bad_json("params", e))?;
    raw.into_iter()
        .map(|(name, v)| match Value::from_json(&v) {
            Some(value) => Ok((name, value)),
            None => Err(PyValueError::new_err(format!(
                "parameter '{name}': a value must be a number, string, bool or None, got {v}"
            ))),
        })
        .collect()
}

fn parse_space(text: &str) -> Result<Space, Error> {
    Space::parse(text)
}

impl CoreStudy {
    fn new(study: Study) -> Self {
        Self {
            study: Some(Arc::new(Mutex::new(study))),
            pid: std::process::id(),
            running: Mutex::new(None),
            kept_settings: None,
            specs: EntrySpecs::default(),
        }
    }

    /// Locks the study; call with the GIL released.
    fn lock(&self) -> Result<MutexGuard<'_, Study>, Error> {
        let mutex = self
            .study
            .as_ref()
            .ok_or_else(|| Error::Storage("the study is closed".into()))?;
        // A panic while locked left the study as it was before the call.
        Ok(mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Runs `f` on the locked study with the GIL released.
    pub(crate) fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Study) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        if IN_ENGINE.with(Cell::get) {
            // A Python searcher calling a study from inside a suggestion
            // would wait for the lock its own thread holds.
            return Err(PyRuntimeError::new_err(
                "a searcher cannot call a study while the engine is asking it for a suggestion; \
                 use the trials and space it is given",
            ));
        }
        clear_searcher_exception();
        py.detach(|| {
            let _busy = Busy::enter();
            let mut study = self.lock()?;
            f(&mut study)
        })
        .py_err(py)
    }
}

#[pymethods]
impl CoreStudy {
    /// Opens a study as `options_json` says: one JSON object that the
    /// Python layer builds (see [`OpenOptions`] for its fields), `mode`
    /// `open` (create if missing), `create` (fail if it exists) or `load`
    /// (fail if missing; the settings of a new study are ignored).
    #[staticmethod]
    fn open(py: Python<'_>, options_json: &str) -> PyResult<CoreStudy> {
        let options = OpenOptions::parse(py, options_json)?;
        let wait_timeout = options.wait_timeout;
        let registry = registry();
        clear_searcher_exception();
        let (mut study, kept) = py.detach(|| options.open(&registry)).py_err(py)?;
        if let Some(timeout) = wait_timeout {
            study.set_wait_timeout(timeout);
        }
        let mut core = CoreStudy::new(study);
        core.kept_settings = (!kept.is_empty()).then(|| describe_kept(&kept));
        Ok(core)
    }

    /// The searcher, searcher settings or seed an existing study kept
    /// although the opener gave others, as one phrase (`None`: none). The
    /// Python layer warns with it.
    #[getter]
    fn kept_settings(&self) -> Option<String> {
        self.kept_settings.clone()
    }

    /// The study's configuration as JSON (name, direction, space, searcher,
    /// seed).
    fn config_json(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| json(s.config()))
    }

    /// A description of the storage (`sqlite file runs.db`).
    fn storage_description(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.storage().describe()))
    }

    /// The process id that opened this study.
    #[getter]
    fn pid(&self) -> u32 {
        self.pid
    }

    /// A define-and-run trial over the study's space, or over `space` (JSON
    /// or compact text), which the study's space becomes or grows to.
    #[pyo3(signature = (space=None))]
    fn ask(&self, py: Python<'_>, space: Option<&str>) -> PyResult<String> {
        self.with(py, |s| {
            let trial = match space {
                Some(text) => s.ask_in(&parse_space(text)?)?,
                None => s.ask()?,
            };
            json(&trial)
        })
    }

    /// A define-by-run trial: queued, or new with no parameters yet.
    /// With `proposal`, the searcher's joint proposal is made at once too
    /// (as Optuna does when a trial starts) and returned as for `suggest`,
    /// so that every suggestion it covers is answered without the engine.
    /// The trial comes as the dict its JSON form reads as.
    #[pyo3(signature = (proposal=false))]
    fn ask_open<'py>(
        &self,
        py: Python<'py>,
        proposal: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyDict>>)> {
        let (trial, proposed) = self.with(py, |s| {
            let trial = s.ask_open()?;
            // A searcher that fails here fails again at the trial's first
            // suggestion, which raises it with the trial in the caller's
            // hands (so it can be told), instead of losing the trial here.
            let proposed = if proposal && s.propose_handed(&trial).is_ok() {
                s.proposed(trial.id).map(|p| proposal_of(s, p))
            } else {
                None
            };
            Ok((json_value(&trial)?, proposed))
        })?;
        let proposed = proposed.map(|p| self.specs.entries(py, &p)).transpose()?;
        Ok((params::json_to_py(py, &trial)?, proposed))
    }

    /// `n` define-and-run trials chosen together (the engine's
    /// `ask_batch`: each proposed with the earlier ones pending, queued
    /// trials first), over the study's space or `space`, as JSON texts.
    #[pyo3(signature = (n, space=None))]
    fn ask_batch(&self, py: Python<'_>, n: usize, space: Option<&str>) -> PyResult<Vec<String>> {
        self.with(py, |s| {
            if let Some(text) = space {
                let space = parse_space(text)?;
                if &space != s.space() {
                    s.extend_space(&space, false)?;
                }
            }
            s.ask_batch(n)?.iter().map(json).collect()
        })
    }

    /// `n` define-by-run trials started together (the engine's
    /// `ask_open_batch`), each with its joint proposal as `ask_open` gives
    /// it with `proposal`.
    fn ask_open_batch<'py>(
        &self,
        py: Python<'py>,
        n: usize,
    ) -> PyResult<Vec<(String, Option<Bound<'py, PyDict>>)>> {
        let taken = self.with(py, |s| {
            let trials = s.ask_open_batch(n)?;
            trials
                .iter()
                .map(|t| Ok((json(t)?, s.proposed(t.id).map(|p| proposal_of(s, p)))))
                .collect::<Result<Vec<_>, Error>>()
        })?;
        taken
            .into_iter()
            .map(|(text, proposed)| {
                Ok((
                    text,
                    proposed.map(|p| self.specs.entries(py, &p)).transpose()?,
                ))
            })
            .collect()
    }

    /// The value of one parameter of a running trial, not yet recorded:
    /// the caller records it with `record`, `report` or `tell`, with the
    /// trial's other new values.
    /// With `proposal`, also the searcher's joint proposal for the trial as
    /// a dict of entries (see [`crate::proposal`]): the values later
    /// suggestions of those parameters get, without asking again.
    #[pyo3(signature = (trial_id, name, param, proposal=false))]
    fn suggest<'py>(
        &self,
        py: Python<'py>,
        trial_id: i64,
        name: &str,
        param: &CoreParam,
        proposal: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyDict>>)> {
        let (value, proposed) = self.with(py, |s| {
            let id = TrialId(trial_id);
            let value = s.decide(id, name, &param.param)?;
            // None until the engine has made the joint proposal (a queued
            // trial's own values need none), so that a later call asks again.
            let proposed = match s.proposed(id) {
                Some(params) if proposal => Some(proposal_of(s, params)),
                _ => None,
            };
            Ok((value, proposed))
        })?;
        let proposed = proposed.map(|p| self.specs.entries(py, &p)).transpose()?;
        Ok((params::to_py(py, &value)?, proposed))
    }

    /// Records values `suggest` gave (a dict) on a running trial, in one
    /// write.
    fn record(&self, py: Python<'_>, trial_id: i64, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = params_from_py(params)?;
        self.with(py, |s| s.record_params(TrialId(trial_id), params).map(drop))
    }

    /// Finishes a trial. `state` is `complete`, `pruned` or `failed`.
    /// `params`: values `suggest` gave that are not recorded yet, recorded
    /// with the result in the same write. Returns the trial as stored, as
    /// the dict its JSON form reads as.
    #[pyo3(signature = (trial_id, state, value=None, metrics=None, message=None, fail_if_not_finite=false, params=None))]
    #[allow(clippy::too_many_arguments)]
    fn tell<'py>(
        &self,
        py: Python<'py>,
        trial_id: i64,
        state: &str,
        value: Option<f64>,
        metrics: Option<Vec<(String, f64)>>,
        message: Option<String>,
        fail_if_not_finite: bool,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = params.map(params_from_py).transpose()?;
        // A pruned trial's value is its last intermediate value (the
        // engine's rule), so a value given with `pruned` is not used.
        let mut outcome = match (TrialState::parse(state), value) {
            (Ok(TrialState::Complete), Some(v)) => Outcome::complete(v),
            (Ok(TrialState::Complete), None) => {
                return Err(PyValueError::new_err(
                    "a complete trial needs a value; tell it as failed or pruned otherwise",
                ))
            }
            (Ok(TrialState::Pruned), _) => Outcome::pruned(),
            (Ok(TrialState::Failed), _) => Outcome::failed(message.clone().unwrap_or_default()),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "state must be 'complete', 'pruned' or 'failed', got '{state}'"
                )))
            }
        };
        if let Some(m) = metrics {
            outcome = outcome.metrics(m);
        }
        if let Some(m) = message {
            outcome = outcome.message(m);
        }
        if fail_if_not_finite {
            outcome = outcome.fail_if_not_finite();
        }
        if let Some(params) = params {
            // Written with the result: one storage write for the trial.
            outcome = outcome.params(params);
        }
        let (told, params) = self.with(py, |s| {
            let mut told = s.tell(TrialId(trial_id), outcome)?;
            // The parameters cross without JSON (`params::trial_to_py`).
            let params = std::mem::take(&mut told.params);
            Ok((json_value(&told)?, params))
        })?;
        params::trial_to_py(py, &told, &params)
    }

    /// Runs trials on the engine's executor: `run_trial(trial_json)` runs
    /// one and answers `(kind, value, message, params)`;
    /// `on_event(kind, payload)` hears of recorded results and warnings;
    /// `unrecorded(trial_id)` gives the values a running trial was handed
    /// and has not recorded (before it is given up). Returns why the run stopped
    /// early, if it did, as `(kind, words)` (`StopReason::kind` and its
    /// display); raises what the Python side raised, or
    /// `StorageUnavailableError` when results could not be recorded.
    #[pyo3(signature = (run_trial, on_event, unrecorded, n_trials=None, timeout=None, n_jobs=1, define_and_run=false, max_failures=None, storage_url=None, patience=None))]
    #[allow(clippy::too_many_arguments)]
    fn optimize(
        &self,
        py: Python<'_>,
        run_trial: Py<PyAny>,
        on_event: Py<PyAny>,
        unrecorded: Py<PyAny>,
        n_trials: Option<usize>,
        timeout: Option<f64>,
        n_jobs: usize,
        define_and_run: bool,
        max_failures: Option<usize>,
        storage_url: Option<&str>,
        patience: Option<f64>,
    ) -> PyResult<Option<(&'static str, String)>> {
        let seconds = |what: &str, s: Option<f64>| match s {
            Some(s) if !(s.is_finite() && s > 0.0) => Err(PyValueError::new_err(format!(
                "{what} must be a positive number of seconds, got {s}"
            ))),
            other => Ok(other.map(Duration::from_secs_f64)),
        };
        let timeout = seconds("timeout", timeout)?;
        let patience = seconds("storage_patience", patience)?;
        let study = self
            .study
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the study is closed"))?;
        let (name, lease) = {
            let s = py.detach(|| self.lock().map(|s| (s.name().to_string(), s.lease())));
            s.py_err(py)?
        };
        // Results wait for a storage shared with other processes in the
        // journal the CLI uses too (`hyperspace recover-results` finds it).
        let journal = match (storage_url, lease) {
            (Some(url), Some(_)) => {
                Some(ResultJournal::new(&journal_dir(&log_dir(None, url, &name))))
            }
            _ => None,
        };
        let mut executor = Executor::new()
            .trials(n_trials)
            .timeout(timeout)
            .jobs(n_jobs)
            .asking(if define_and_run {
                Asking::Space
            } else {
                Asking::Open
            })
            .max_failures(max_failures)
            .recover_after(lease)
            .journal(journal);
        if let Some(patience) = patience {
            executor = executor.patience(patience);
        }
        let stop = executor.stop_handle();
        let runner = Arc::new(PyRunner {
            run_trial,
            on_event,
            unrecorded,
            study: name,
            threaded: n_jobs > 1,
            interrupts: Default::default(),
            unpolled_ctrl_c: Default::default(),
            error: Mutex::new(None),
            stop: stop.clone(),
        });
        *self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(stop);
        let report = py.detach(|| executor.run(study, runner.clone()));
        *self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        if let Some(e) = runner.take_error() {
            return Err(e);
        }
        if let Some(e) = report.error {
            return Err(crate::errors::to_py(py, e));
        }
        if let Some(unrecorded) = &report.unrecorded {
            let how = "`hyperspace recover-results --storage STORAGE --study STUDY` (or the next run of the study) records them";
            return Err(crate::errors::exception(
                py,
                "StorageUnavailableError",
                &unrecorded.describe(how),
            ));
        }
        Ok(report.stop.map(|r| (r.kind(), r.to_string())))
    }

    /// Sets the lease of the trials asked from now on, in seconds (`None`:
    /// no lease, no heartbeats).
    #[pyo3(signature = (seconds))]
    fn set_lease(&self, py: Python<'_>, seconds: Option<f64>) -> PyResult<()> {
        let lease = match seconds {
            Some(s) if !(s.is_finite() && s > 0.0) => {
                return Err(PyValueError::new_err(format!(
                    "a lease must be a positive number of seconds or None, got {s}"
                )))
            }
            other => other.map(Duration::from_secs_f64),
        };
        self.with(py, |s| {
            s.set_lease(lease);
            Ok(())
        })
    }

    /// Stops the running `optimize` after its running trials (from the
    /// objective or a callback). Raises if none is running.
    fn stop(&self) -> PyResult<()> {
        let running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match running.as_ref() {
            Some(handle) => {
                handle.stop(StopReason::Asked("study.stop() was called".into()));
                Ok(())
            }
            None => Err(PyRuntimeError::new_err(
                "study.stop() stops a running optimize(); call it from the objective or a callback",
            )),
        }
    }

    /// Records what a trial measured at `step` (the objective's value,
    /// named metrics, or both), with `params` (values `suggest` gave that
    /// are not recorded yet) in the same write. Returns the warning to
    /// show when part of it was a repeated step (the first value is kept).
    #[pyo3(signature = (trial_id, step, value=None, params=None, metrics=None))]
    fn report(
        &self,
        py: Python<'_>,
        trial_id: i64,
        step: u64,
        value: Option<f64>,
        params: Option<&Bound<'_, PyDict>>,
        metrics: Option<Vec<(String, f64)>>,
    ) -> PyResult<Option<String>> {
        let params = params.map(params_from_py).transpose()?;
        let report = Report {
            step,
            value,
            metrics: metrics.unwrap_or_default().into_iter().collect(),
        };
        self.with(py, |s| {
            let params = params.unwrap_or_default();
            Ok(s.report_with_params(TrialId(trial_id), report, params)?
                .warning())
        })
    }

    /// Sets a user attribute (its value as JSON).
    fn set_user_attr(&self, py: Python<'_>, trial_id: i64, key: &str, value: &str) -> PyResult<()> {
        let value: serde_json::Value =
            serde_json::from_str(value).map_err(|e| bad_json("attribute value", e))?;
        self.with(py, |s| {
            s.set_user_attr(TrialId(trial_id), key, value).map(drop)
        })
    }

    /// Queues a trial; params may be partial. Returns the trial as JSON.
    #[pyo3(signature = (params, budget=None, parent=None, user_attrs=None))]
    fn enqueue(
        &self,
        py: Python<'_>,
        params: &str,
        budget: Option<f64>,
        parent: Option<i64>,
        user_attrs: Option<&str>,
    ) -> PyResult<String> {
        let params = parse_params(params)?;
        let user_attrs: IndexMap<String, serde_json::Value> = match user_attrs {
            Some(text) => serde_json::from_str(text).map_err(|e| bad_json("user_attrs", e))?,
            None => IndexMap::new(),
        };
        self.with(py, |s| {
            let new = NewTrial {
                params,
                budget,
                parent: parent.map(TrialId),
                user_attrs,
                ..NewTrial::default()
            };
            json(&s.enqueue_trial(new)?)
        })
    }

    /// Puts a running trial back in the queue.
    fn requeue(&self, py: Python<'_>, trial_id: i64) -> PyResult<String> {
        self.with(py, |s| json(&s.requeue(TrialId(trial_id))?))
    }

    /// Gives up a running trial whose process is gone: fails it with
    /// `message` and queues a copy of its configuration, once however many
    /// processes do it. Returns the copy as JSON (`None`: another process
    /// gave it up first, or its result came in).
    fn abandon(&self, py: Python<'_>, trial_id: i64, message: &str) -> PyResult<Option<String>> {
        self.with(py, |s| {
            s.abandon(TrialId(trial_id), message)?
                .map(|t| json(&t))
                .transpose()
        })
    }

    /// Takes over a running trial another process of this study handed
    /// out (a restored driver): its lease is kept from now on. Returns it
    /// as JSON; a trial no longer running raises `TrialFinishedError`.
    fn take_over(&self, py: Python<'_>, trial_id: i64) -> PyResult<String> {
        self.with(py, |s| json(&s.take_over(TrialId(trial_id))?))
    }

    /// One trial of this study by id, as JSON.
    fn trial(&self, py: Python<'_>, trial_id: i64) -> PyResult<String> {
        self.with(py, |s| {
            let trial = s.storage().trial(TrialId(trial_id))?;
            if trial.study != s.id() {
                return Err(Error::WrongStudy { id: trial.id });
            }
            json(&trial)
        })
    }

    /// Every trial, as a JSON array, by number.
    fn trials(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| json(&s.trials()?))
    }

    /// The number of trials.
    fn n_trials(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |s| Ok(s.trials()?.len()))
    }

    /// The best complete trial as JSON, or `None`.
    fn best_trial(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |s| s.best_trial()?.map(|t| json(&t)).transpose())
    }

    /// Whether the study's pruner (built once, when it was opened or set)
    /// stops `trial_id` at its last reported step.
    fn should_prune(&self, py: Python<'_>, trial_id: i64) -> PyResult<bool> {
        self.with(py, |s| s.should_prune(TrialId(trial_id)))
    }

    /// Sets the pruner of this session (`None`: never prune); the stored
    /// configuration keeps its own.
    #[pyo3(signature = (name, settings_json="null"))]
    fn set_pruner(&self, py: Python<'_>, name: Option<&str>, settings_json: &str) -> PyResult<()> {
        let settings = crate::pruner::settings_of(settings_json)?;
        let pruner = name
            .map(|n| registry().build_pruner(n, &settings))
            .transpose()
            .py_err(py)?;
        self.with(py, |s| {
            s.set_pruner(pruner);
            Ok(())
        })
    }

    /// The session's pruner as JSON `{"name": ..., "settings": {...}}`
    /// (every setting, defaults filled in), or `None`.
    fn pruner_json(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |s| {
            Ok(s.pruner().map(|p| {
                serde_json::json!({"name": p.name(), "settings": p.settings()}).to_string()
            }))
        })
    }

    /// Finishes a trial of a study with several objectives (or with
    /// constraints): one value per objective, and constraint values
    /// (`c <= 0` kept). `state` is `complete` or `failed`.
    #[pyo3(signature = (trial_id, state, values, constraints=None, metrics=None, message=None))]
    #[allow(clippy::too_many_arguments)]
    fn tell_values(
        &self,
        py: Python<'_>,
        trial_id: i64,
        state: &str,
        values: Vec<f64>,
        constraints: Option<Vec<f64>>,
        metrics: Option<Vec<(String, f64)>>,
        message: Option<String>,
    ) -> PyResult<String> {
        let mut outcome = match TrialState::parse(state) {
            Ok(TrialState::Complete) => Outcome::complete_values(values),
            Ok(TrialState::Failed) => Outcome::failed(message.clone().unwrap_or_default()),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "tell_values finishes a trial as 'complete' or 'failed', not '{state}'"
                )))
            }
        };
        if let Some(c) = constraints {
            outcome = outcome.constraints(c);
        }
        if let Some(m) = metrics {
            outcome = outcome.metrics(m);
        }
        if let Some(m) = message {
            outcome = outcome.message(m);
        }
        self.with(py, |s| json(&s.tell(TrialId(trial_id), outcome)?))
    }

    /// The Pareto front (the complete, feasible, non-dominated trials) as
    /// a JSON array.
    fn best_trials(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| json(&s.best_trials()?))
    }
}
