//! `Study.optimize` on the engine's executor: the loop (budget, timeout,
//! threads, recovery, results kept through storage outages, failure limit,
//! stop) is the engine's, the same as the CLI's; this adapter calls the
//! Python side for each trial and each recorded result.
//!
//! The Python side (`hyperspace/_optimize.py`) owns what is Python's: how
//! an objective's return value or exception becomes an outcome (`catch`,
//! `TrialPruned`, `KeyboardInterrupt`), the callbacks and the progress bar.

use crate::params::params_from_py;
use hyperspace_engine::execute::{
    Event, Interrupt, StopHandle, StopReason, TrialContext, TrialRunner,
};
use hyperspace_engine::{Outcome, Params, PendingResult, Trial};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The value of a complete trial as the Python side gives it.
#[derive(FromPyObject)]
enum Answer {
    /// One objective, no constraints.
    One(f64),
    /// One value per objective, and the constraints if any.
    Several(Vec<f64>, Option<Vec<f64>>),
}

/// Runs trials by calling back into Python.
pub(crate) struct PyRunner {
    /// `run_trial(trial_json) -> (kind, value, message, params)`: `value`
    /// a float, or `(values, constraints)` (a list, and a list or `None`)
    /// for a study with several objectives or a trial with constraints;
    /// `params` the values the objective was handed that are not recorded
    /// yet (a dict, or `None`): they go in with the result.
    pub run_trial: Py<PyAny>,
    /// `unrecorded(trial_id) -> dict | None`: those values of a trial
    /// still running.
    pub unrecorded: Py<PyAny>,
    /// `on_event(kind, payload)`: `recorded` with the trial as JSON,
    /// `warning` or `interrupted` with a message.
    pub on_event: Py<PyAny>,
    pub study: String,
    /// Whether worker threads run the trials (the calling thread watches).
    pub threaded: bool,
    /// How many times Ctrl-C was seen while the engine waited.
    pub interrupts: AtomicUsize,
    /// Ctrl-Cs raised inside Python code this adapter ran for an event,
    /// not yet counted.
    pub unpolled_ctrl_c: AtomicUsize,
    /// The first exception the Python side raised out of a callback (or a
    /// signal handler): the run stops and `optimize` raises it.
    pub error: Mutex<Option<PyErr>>,
    /// Stops the run.
    pub stop: StopHandle,
}

impl PyRunner {
    /// Keeps an exception to raise once the run has stopped.
    fn keep(&self, err: PyErr) {
        self.stop.stop(StopReason::Asked(format!("raised: {err}")));
        self.error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert(err);
    }

    /// Takes the exception to raise, if any.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// The result to record for how the Python side said the trial ended.
    fn ending(
        &self,
        trial: &Trial,
        ctx: &TrialContext<'_>,
        kind: &str,
        value: Option<Answer>,
        message: Option<String>,
    ) -> PendingResult {
        let result =
            |outcome| PendingResult::finished(&self.study, trial.id, trial.number, outcome);
        match kind {
            "complete" => match value {
                Some(Answer::One(v)) => result(Outcome::complete(v).fail_if_not_finite()),
                Some(Answer::Several(values, constraints)) => result(
                    Outcome::complete_values(values)
                        .constraints(constraints.unwrap_or_default())
                        .fail_if_not_finite(),
                ),
                None => result(Outcome::failed("the objective returned no value")),
            },
            "pruned" => result(Outcome::pruned()),
            // An exception `catch` does not cover: the trial fails, the
            // run stops, and `optimize` raises it.
            "raised" => {
                ctx.stop(StopReason::Asked("the objective raised".into()));
                result(Outcome::failed(message.unwrap_or_default()))
            }
            // Ctrl-C inside the objective: the trial goes back to the queue.
            "interrupted" => {
                ctx.stop(StopReason::Interrupted);
                let mut requeue = PendingResult::requeue(&self.study, trial.id, trial.number);
                requeue.meta.started = trial.meta.started.clone();
                requeue
            }
            // The process running it elsewhere (a Dask worker, a process
            // pool's) died: fail the trial and queue a copy, once, as the
            // lease would once it ran out; nothing else is recorded.
            "lost" => lost(&self.study, trial, ctx, message.unwrap_or_default()),
            _ => result(Outcome::failed(message.unwrap_or_default())),
        }
    }

    fn tell_python(&self, kind: &str, payload: String) -> PyResult<()> {
        Python::attach(|py| self.on_event.call1(py, (kind, payload)).map(drop))
    }
}

impl TrialRunner for PyRunner {
    fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult {
        let result =
            |outcome| PendingResult::finished(&self.study, trial.id, trial.number, outcome);
        let text = match serde_json::to_string(trial) {
            Ok(text) => text,
            Err(e) => return result(Outcome::failed(format!("cannot encode the trial: {e}"))),
        };
        let called = Python::attach(|py| {
            self.run_trial.call1(py, (text,)).and_then(|r| {
                let (kind, value, message, params) = r.extract::<(
                    String,
                    Option<Answer>,
                    Option<String>,
                    Option<Bound<'_, PyDict>>,
                )>(py)?;
                let params = params.map(|p| params_from_py(&p)).transpose()?;
                Ok((kind, value, message, params.unwrap_or_default()))
            })
        });
        let (kind, value, message, params) = match called {
            Ok(answer) => answer,
            // Ctrl-C between the objective's end and its answer: as if in it.
            Err(e) if Python::attach(|py| e.is_instance_of::<PyKeyboardInterrupt>(py)) => {
                self.keep(e);
                let params = self.unrecorded(trial);
                ("interrupted".to_string(), None, None, params)
            }
            Err(e) => {
                let message = e.to_string();
                self.keep(e);
                return result(Outcome::failed(message));
            }
        };
        let mut pending = self.ending(trial, ctx, &kind, value, message);
        pending.params = params;
        pending
    }

    fn unrecorded(&self, trial: &Trial) -> Params {
        // A value that cannot be read back is left out: the trial is
        // given up all the same.
        Python::attach(|py| {
            let got = self.unrecorded.call1(py, (trial.id.0,))?;
            match got.bind(py).cast::<PyDict>() {
                Ok(dict) => params_from_py(dict),
                Err(_) => Ok(Params::new()),
            }
        })
        .unwrap_or_default()
    }

    fn event(&self, event: Event) {
        let told = match event {
            Event::Recorded { trial, .. } => match serde_json::to_string(&trial) {
                Ok(text) => self.tell_python("recorded", text),
                Err(_) => Ok(()),
            },
            Event::Warning(text) => self.tell_python("warning", text),
            Event::Refused { result, error } => self.tell_python(
                "warning",
                format!(
                    "cannot record the result of trial {}: {error}; it was {}",
                    result.number,
                    serde_json::to_string(&result).unwrap_or_default()
                ),
            ),
            Event::Adopting(n) => self.tell_python(
                "warning",
                format!("recording {n} result(s) earlier workers of study '{}' could not record", self.study),
            ),
            Event::StorageDown {
                error,
                journal,
                patience,
            } => self.tell_python(
                "warning",
                format!(
                    "storage unavailable ({error}); results are kept{} and recorded when it is back; giving up after {patience:?}",
                    journal.map(|j| format!(" (journal {})", j.display())).unwrap_or_default()
                ),
            ),
            Event::StorageBack(after) => self.tell_python(
                "warning",
                format!("storage is back after {:.1}s", after.as_secs_f64()),
            ),
            Event::Stopping(StopReason::Exhausted(why)) => self.tell_python(
                "warning",
                format!("stopping: the searcher has nothing left ({why})"),
            ),
            Event::Stopping(StopReason::Failures(n)) => self.tell_python(
                "warning",
                format!("stopping: {n} trials in a row failed (max_failures)"),
            ),
            Event::Stopping(StopReason::Interrupted) if self.threaded => self.tell_python(
                "interrupted",
                "stopping after the running trials finish (Ctrl-C again to re-queue them and stop now)".into(),
            ),
            _ => Ok(()),
        };
        match told {
            Ok(()) => {}
            // Ctrl-C landed while this thread ran Python code (the calling
            // thread, saying it is stopping): counted as if polled.
            Err(e) if Python::attach(|py| e.is_instance_of::<PyKeyboardInterrupt>(py)) => {
                self.unpolled_ctrl_c.fetch_add(1, Ordering::SeqCst);
            }
            // A callback raised: the run stops, and `optimize` raises it.
            Err(e) => self.keep(e),
        }
    }

    fn interrupt(&self) -> Interrupt {
        let mut ctrl_c = self.unpolled_ctrl_c.swap(0, Ordering::SeqCst);
        let mut raised = None;
        match Python::attach(|py| py.check_signals()) {
            Ok(()) => {}
            Err(e) if Python::attach(|py| e.is_instance_of::<PyKeyboardInterrupt>(py)) => {
                ctrl_c += 1;
                raised = Some(e);
            }
            // A signal handler of the user's raised: stop at once.
            Err(e) => {
                self.keep(e);
                return Interrupt::Abandon;
            }
        }
        if ctrl_c == 0 {
            return match self.interrupts.load(Ordering::SeqCst) {
                0 => Interrupt::None,
                _ => Interrupt::Stop,
            };
        }
        let seen = self.interrupts.fetch_add(ctrl_c, Ordering::SeqCst) + ctrl_c;
        if !self.threaded || seen >= 2 {
            // Nothing runs on this thread now: stop at once.
            self.keep(raised.unwrap_or_else(|| PyKeyboardInterrupt::new_err(())));
            Interrupt::Abandon
        } else {
            // The first Ctrl-C lets the running trials finish.
            Interrupt::Stop
        }
    }
}

/// The result of a trial whose remote process died: the trial is failed
/// and a copy queued now ([`Study::abandon`], the lease's own rule, so of
/// two processes giving it up only one queues the copy); the result
/// returned only puts the trial back in the queue if that could not be
/// done, and changes nothing once it was.
///
/// [`Study::abandon`]: hyperspace_engine::Study::abandon
fn lost(study: &str, trial: &Trial, ctx: &TrialContext<'_>, why: String) -> PendingResult {
    let message = format!("its worker process died ({why}); re-queued");
    let abandoned = ctx.study().abandon(trial.id, &message);
    let mut requeue = PendingResult::requeue(study, trial.id, trial.number);
    if abandoned.is_err() {
        // Storage refused now: the same trial goes back to the queue when
        // the result is recorded (the lease does it if that fails too).
        requeue.meta.started = trial.meta.started.clone();
    }
    requeue
}
