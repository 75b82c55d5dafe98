//! The one trial loop. An [`Executor`] runs a study's trials, several at
//! once if asked, through a [`TrialRunner`] that only knows how to run one
//! trial: the CLI's runs a command, Python's calls the objective. What
//! every client must do the same way lives here: the trial budget and the
//! timeout, parallel workers, recovery of other workers' abandoned trials,
//! results kept (in memory and in a journal) and retried while storage is
//! down, a limit on failures in a row, stopping on request or Ctrl-C, and
//! the events a client shows or calls back on.
//!
//! The study sits behind a mutex shared with the runner (a define-by-run
//! objective asks it for parameters while the loop waits). Lock order:
//! the recorder before the study; the loop's own counters are taken alone.
//!
//! ```
//! use hyperspace_engine::execute::{Executor, TrialContext, TrialRunner};
//! use hyperspace_engine::{open_storage, Outcome, PendingResult, Study, StudyConfig, Space, Trial};
//! use std::sync::{Arc, Mutex};
//! # use hyperspace_engine::{Proposal, Registry, SearchContext, Searcher, SearchError};
//! # #[derive(Debug)] struct Centre;
//! # impl Searcher for Centre {
//! #     fn sample_relative(&mut self, _: &SearchContext<'_>, space: &Space, _: &mut dyn rand::RngCore)
//! #         -> Result<Proposal, SearchError> {
//! #         Ok(Proposal::new(space.entries().iter().map(|e| (e.name.clone(), e.param.from_unit(0.5))).collect()))
//! #     }
//! # }
//! # let mut registry = Registry::new();
//! # registry.register("centre", |_| Ok(Box::new(Centre)));
//!
//! struct Square;
//! impl TrialRunner for Square {
//!     fn run(&self, trial: &Trial, _: &TrialContext<'_>) -> PendingResult {
//!         let x = trial.params["x"].as_f64().unwrap_or(0.0);
//!         PendingResult::finished("demo", trial.id, trial.number, Outcome::complete(x * x))
//!     }
//! }
//!
//! let config = StudyConfig::new("demo")
//!     .space(Space::parse("x=float(-5,5)").unwrap())
//!     .searcher("centre", serde_json::Value::Null);
//! let study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
//! let study = Arc::new(Mutex::new(study));
//! let report = Executor::new().trials(Some(3)).run(study.clone(), Arc::new(Square));
//! assert_eq!(report.ran, 3);
//! assert!(report.error.is_none());
//! ```

mod log_dir;
mod next;
mod recorder;
mod worker;

pub use log_dir::{folder_name, journal_dir, log_dir, study_log_dir};
pub use next::Asking;
pub use recorder::Unrecorded;

use crate::{Error, Params, PendingResult, ResultJournal, Study, Trial, TrialId};
use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a run waits for a storage that is down before it gives up on
/// it by default (its results stay in the journal).
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(3600);

/// How many trials in a row may fail before a run stops, by default: a
/// broken objective is found after a few trials, not after all of them.
pub const DEFAULT_MAX_FAILURES: usize = 10;

/// Runs one trial for the [`Executor`].
pub trait TrialRunner: Send + Sync + 'static {
    /// Runs `trial` to its end and says how it ended (with the metadata
    /// and attributes to record). Called on a worker thread: the calling
    /// thread when the run has one job. Intermediate values go through
    /// [`TrialContext::report`], which also says when to prune.
    fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult;

    /// Something happened that a client may show or call back on. Called
    /// with no lock held (the runner may use the study), from any worker.
    fn event(&self, event: Event) {
        let _ = event;
    }

    /// Whether trials start one at a time: while a worker's trial starts
    /// (until [`TrialContext::started`]), the others do not ask, so a
    /// trial that cannot start (a missing program) stops the run before
    /// more are asked.
    fn starts_one_at_a_time(&self) -> bool {
        false
    }

    /// Whether the user asked to stop (Ctrl-C); polled on the calling
    /// thread between trials and while it waits.
    fn interrupt(&self) -> Interrupt {
        Interrupt::None
    }

    /// The parameter values of a running `trial` that its objective was
    /// handed but that are not recorded yet (a runner that writes them
    /// once per trial, with its result). Called before a trial is given
    /// up while it still runs (a second Ctrl-C), so that the copy queued
    /// in its place has them; with no lock held. Default: none.
    fn unrecorded(&self, trial: &Trial) -> Params {
        let _ = trial;
        Params::new()
    }
}

/// What the user asked with Ctrl-C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Nothing.
    None,
    /// Start no new trial; let the running ones end (the runner may stop
    /// them itself) and record their results.
    Stop,
    /// Return now: the running trials are failed and re-queued as
    /// abandoned (their late results are still recorded, once), and
    /// results still waiting for storage stay in the journal.
    Abandon,
}

/// Why a run stopped before its budget of trials.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// [`StopHandle::stop`] (a callback, the objective, the runner).
    Asked(String),
    /// Ctrl-C.
    Interrupted,
    /// The run's time was up.
    Timeout,
    /// Only the queue was asked, and it is empty.
    QueueEmpty,
    /// The searcher has nothing left to propose.
    Exhausted(String),
    /// The study holds the most trials it may.
    StudyFull,
    /// This many trials in a row failed.
    Failures(usize),
    /// Storage stayed down past the run's patience.
    StorageGone,
    /// An error that is not the storage's being down for now.
    Error(String),
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Asked(why) => write!(f, "{why}"),
            StopReason::Interrupted => write!(f, "interrupted"),
            StopReason::Timeout => write!(f, "the time is up"),
            StopReason::QueueEmpty => write!(f, "the queue is empty"),
            StopReason::Exhausted(why) => write!(f, "the searcher has nothing left: {why}"),
            StopReason::StudyFull => write!(f, "the study holds its maximum of trials"),
            StopReason::Failures(n) => write!(f, "{n} trials in a row failed"),
            StopReason::StorageGone => write!(f, "the storage stayed unavailable"),
            StopReason::Error(e) => write!(f, "{e}"),
        }
    }
}

impl StopReason {
    /// A stable name for the kind of stop, for callers in other languages
    /// that act on it (the Python binding raises `KeyboardInterrupt` on
    /// `"interrupted"`, and a remote task's deadline does not end the whole
    /// run): matching the display words would tie them to the wording.
    pub fn kind(&self) -> &'static str {
        match self {
            StopReason::Asked(_) => "asked",
            StopReason::Interrupted => "interrupted",
            StopReason::Timeout => "timeout",
            StopReason::QueueEmpty => "queue_empty",
            StopReason::Exhausted(_) => "exhausted",
            StopReason::StudyFull => "study_full",
            StopReason::Failures(_) => "failures",
            StopReason::StorageGone => "storage_gone",
            StopReason::Error(_) => "error",
        }
    }
}

/// Stops a run from outside its loop (a callback, `study.stop()`): no new
/// trial starts; the running ones end and are recorded. The first reason
/// given is kept.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<Mutex<Option<StopReason>>>);

impl StopHandle {
    /// A handle for a run not stopped yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the run, for `reason`; false if it was stopping already (for
    /// the reason first given).
    pub fn stop(&self, reason: StopReason) -> bool {
        let mut stopped = lock(&self.0);
        if stopped.is_some() {
            return false;
        }
        *stopped = Some(reason);
        true
    }

    /// Why the run is stopping, if it is.
    pub fn reason(&self) -> Option<StopReason> {
        lock(&self.0).clone()
    }

    /// Whether the run is stopping.
    pub fn is_stopped(&self) -> bool {
        lock(&self.0).is_some()
    }
}

/// What happened during a run, for the client to show or call back on.
// A few events per trial: their size does not matter, plain fields read
// better than boxes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    /// A trial was handed to the runner.
    Started(Trial),
    /// A result was recorded; `trial` is as stored (it may differ from the
    /// result: the trial told its own, or it was recovered meanwhile).
    Recorded {
        /// The result as the runner (or an earlier worker) gave it.
        result: PendingResult,
        /// The trial as stored after it.
        trial: Trial,
        /// Whether an earlier worker left it in its journal.
        adopted: bool,
    },
    /// Storage refused a result for good (its trial or study is gone); it
    /// is shown whole so it is not lost silently.
    Refused {
        /// The result.
        result: PendingResult,
        /// Why.
        error: String,
    },
    /// Another worker's trial, silent past its lease, was failed and a
    /// copy queued.
    Requeued {
        /// The abandoned trial's number.
        original: u64,
        /// The queued copy.
        copy: Trial,
    },
    /// Results earlier workers could not record are being recorded.
    Adopting(usize),
    /// Storage is down: results are kept until it is back.
    StorageDown {
        /// What failed.
        error: String,
        /// The journal keeping them on disk, if the run has one.
        journal: Option<PathBuf>,
        /// How long the run waits.
        patience: Duration,
    },
    /// Storage is back after this long.
    StorageBack(Duration),
    /// The run starts no new trial, for this reason.
    Stopping(StopReason),
    /// Something worth saying that changes nothing.
    Warning(String),
}

/// How a run went.
#[derive(Debug)]
pub struct RunReport {
    /// Trials this run ran whose results are recorded.
    pub ran: usize,
    /// How many of them failed.
    pub failed: usize,
    /// Why it stopped before its budget, if it did.
    pub stop: Option<StopReason>,
    /// The error that stopped it, if one did (not a storage outage: those
    /// are waited out, and end in `unrecorded`).
    pub error: Option<Error>,
    /// Results it could not record.
    pub unrecorded: Option<Unrecorded>,
}

impl RunReport {
    /// Whether Ctrl-C stopped the run.
    pub fn interrupted(&self) -> bool {
        self.stop == Some(StopReason::Interrupted)
    }
}

/// What a report during a run led to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reporting {
    /// The study's pruner stops the trial now.
    pub prune: bool,
    /// The note to show when part of the report was a repeated step (the
    /// first value is kept; see [`crate::Reported::warning`]).
    pub warning: Option<String>,
}

/// What a runner may do while its trial runs.
pub struct TrialContext<'a> {
    core: &'a worker::Core,
    emit: &'a dyn Fn(Event),
    trial: TrialId,
    /// Reports storage could not take when they came: they go with the
    /// result.
    reports: RefCell<Vec<crate::Report>>,
    /// Held while the trial starts, when trials start one at a time.
    starting: RefCell<Option<MutexGuard<'a, ()>>>,
}

impl fmt::Debug for TrialContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrialContext")
            .field("trial", &self.trial)
            .finish_non_exhaustive()
    }
}

impl TrialContext<'_> {
    /// Records an intermediate value of the trial and says whether the
    /// study's pruner stops it now. While storage is down the value is kept and
    /// recorded with the result; a value storage refuses (the trial told
    /// its own result already) is not worth stopping for.
    pub fn report(&self, step: u64, value: f64) -> bool {
        self.report_metrics(crate::Report::value(step, value)).prune
    }

    /// Records what the trial measured at one step (the objective's value,
    /// other named metrics, or both; see [`crate::Study::report_metrics`])
    /// and says whether the study's pruner stops it now, and whether part
    /// of the report was a repeated step, ignored. While storage is down
    /// the report is kept and recorded with the result.
    pub fn report_metrics(&self, report: crate::Report) -> Reporting {
        match self.core.report(self.trial, &report, self.emit) {
            Ok(reporting) => reporting,
            Err(()) => {
                self.reports.borrow_mut().push(report);
                Reporting::default()
            }
        }
    }

    /// Says the trial has started: other workers may ask for theirs.
    pub fn started(&self) {
        self.starting.borrow_mut().take();
    }

    /// The study, locked: hold it briefly (other workers wait for it).
    pub fn study(&self) -> MutexGuard<'_, Study> {
        lock(&self.core.study)
    }

    /// Stops the run after the running trials (the trial cannot go on,
    /// the command cannot start, the user pressed Ctrl-C).
    pub fn stop(&self, reason: StopReason) {
        if self.core.stop.stop(reason.clone()) {
            (self.emit)(Event::Stopping(reason));
        }
    }

    /// Whether the run is stopping.
    pub fn is_stopping(&self) -> bool {
        self.core.stop.is_stopped()
    }
}

/// Runs a study's trials. Settings are chosen with the builder methods;
/// [`Executor::run`] runs them.
#[derive(Debug, Clone)]
pub struct Executor {
    trials: Option<usize>,
    timeout: Option<Duration>,
    jobs: usize,
    asking: Asking,
    max_study_trials: Option<usize>,
    max_failures: Option<usize>,
    recover_after: Option<Duration>,
    patience: Duration,
    journal: Option<ResultJournal>,
    stop: StopHandle,
}

impl Default for Executor {
    fn default() -> Self {
        Executor {
            trials: None,
            timeout: None,
            jobs: 1,
            asking: Asking::Space,
            max_study_trials: None,
            max_failures: Some(DEFAULT_MAX_FAILURES),
            recover_after: None,
            patience: DEFAULT_PATIENCE,
            journal: None,
            stop: StopHandle::new(),
        }
    }
}

impl Executor {
    /// One job, no budget (until stopped), at most
    /// [`DEFAULT_MAX_FAILURES`] failures in a row, no recovery, no journal.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many trials to run (`None`: until stopped or out of work).
    pub fn trials(mut self, n: Option<usize>) -> Self {
        self.trials = n;
        self
    }

    /// Start no trial after this long.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many trials run at once (at least one).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Which trials to take.
    pub fn asking(mut self, asking: Asking) -> Self {
        self.asking = asking;
        self
    }

    /// Start no trial once the study holds this many started trials.
    pub fn max_study_trials(mut self, max: Option<usize>) -> Self {
        self.max_study_trials = max;
        self
    }

    /// Stop after this many trials in a row failed (`None`: never).
    pub fn max_failures(mut self, max: Option<usize>) -> Self {
        self.max_failures = max.filter(|&m| m > 0);
        self
    }

    /// Look for other workers' trials silent for longer than this (and
    /// than their own lease), fail them and queue a copy: at the start and
    /// every half of it. `None`: never.
    pub fn recover_after(mut self, silence: Option<Duration>) -> Self {
        self.recover_after = silence;
        self
    }

    /// How long to wait for a storage that is down before giving up.
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// Where results wait for storage on disk; results earlier workers of
    /// the study left there are recorded first.
    pub fn journal(mut self, journal: Option<ResultJournal>) -> Self {
        self.journal = journal;
        self
    }

    /// The handle that stops this run (to keep a clone before running).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Runs trials until the budget is spent, the time is up, the work
    /// runs out, or something stops it; returns how it went. Storage
    /// outages are waited out (up to the patience); no result is dropped.
    pub fn run<R: TrialRunner>(self, study: Arc<Mutex<Study>>, runner: Arc<R>) -> RunReport {
        worker::run(self, study, runner)
    }
}

/// Locks a mutex; a panic while it was held left the data as it was.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
