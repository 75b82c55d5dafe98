//! The loop itself: each worker takes a slot, asks for a trial, hands it
//! to the runner and records the result; the calling thread runs the only
//! worker, or watches several and the user's Ctrl-C.

use super::next::{next_trial, Next};
use super::recorder::Recorder;
use super::{
    lock, Event, Executor, Interrupt, Reporting, RunReport, StopHandle, StopReason, TrialContext,
};
use super::{Asking, TrialRunner};
use crate::{Error, Params, PendingEnding, PendingResult, Study, Trial, TrialId, TrialState};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a waiting thread looks again (storage back, Ctrl-C, a worker
/// done).
const POLL: Duration = Duration::from_millis(50);

/// How often a worker of a reproducible study asks again while an earlier
/// trial its proposal depends on is not settled: short, since the wait
/// costs wall time.
const NOT_READY_POLL: Duration = Duration::from_millis(5);

/// What a worker's ask gave.
enum Asked {
    /// A trial to run.
    Trial(Box<Trial>),
    /// A reproducible study cannot propose yet ([`Error::NotReady`]).
    NotReady(Error),
    /// Nothing (the slot is given back, the reason noted).
    Nothing,
}

/// The parts of a run that a [`TrialContext`] reaches, free of the
/// runner's type.
pub(super) struct Core {
    pub study: Arc<Mutex<Study>>,
    pub recorder: Mutex<Recorder>,
    pub stop: StopHandle,
}

impl Core {
    /// Records a report; `Err` when storage could not take it now (keep
    /// it for the result), else whether to prune and what was repeated.
    pub fn report(
        &self,
        trial: TrialId,
        report: &crate::Report,
        emit: &dyn Fn(Event),
    ) -> Result<Reporting, ()> {
        if !lock(&self.recorder).may_call_storage() {
            return Err(());
        }
        let mut warning = None;
        let result = {
            let mut study = lock(&self.study);
            match study.report_metrics(trial, report.clone()) {
                Ok(reported) => {
                    warning = reported.warning();
                    if study.has_pruner() {
                        study.should_prune(trial)
                    } else {
                        Ok(false)
                    }
                }
                Err(e) if e.is_transient() => Err(e),
                Err(_) => Ok(false),
            }
        };
        match result {
            Ok(prune) => Ok(Reporting { prune, warning }),
            Err(e) if e.is_transient() => {
                let events = {
                    let mut recorder = lock(&self.recorder);
                    recorder.failed(&e);
                    recorder.take_events()
                };
                events.into_iter().for_each(emit);
                Err(())
            }
            // The pruner could not decide (the trial told its own result
            // meanwhile): let it run.
            Err(_) => Ok(Reporting {
                prune: false,
                warning,
            }),
        }
    }
}

/// The loop's own counters; locked alone, never while waiting for another
/// lock.
struct Slots {
    launched: usize,
    running: HashMap<TrialId, Trial>,
    failures_in_a_row: usize,
    ran: usize,
    failed: usize,
    error: Option<Error>,
    last_recovery: Option<Instant>,
}

/// What a worker does next.
enum Slot {
    Ask,
    Wait,
    Done,
}

struct Shared<R> {
    core: Core,
    runner: Arc<R>,
    trials: Option<usize>,
    deadline: Option<Instant>,
    asking: Asking,
    max_study_trials: Option<usize>,
    max_failures: Option<usize>,
    recover_after: Option<Duration>,
    slots: Mutex<Slots>,
    /// Held by the worker whose trial is starting (see
    /// [`TrialRunner::starts_one_at_a_time`]).
    start_gate: Mutex<()>,
}

pub(super) fn run<R: TrialRunner>(
    plan: Executor,
    study: Arc<Mutex<Study>>,
    runner: Arc<R>,
) -> RunReport {
    let name = lock(&study).name().to_string();
    let mut recorder = Recorder::new(plan.journal, plan.patience);
    if let Err(e) = recorder.adopt(&name) {
        recorder.warn(e.to_string());
    }
    let shared = Arc::new(Shared {
        core: Core {
            study,
            recorder: Mutex::new(recorder),
            stop: plan.stop,
        },
        runner,
        trials: plan.trials,
        deadline: plan.timeout.map(|t| Instant::now() + t),
        asking: plan.asking,
        max_study_trials: plan.max_study_trials,
        max_failures: plan.max_failures,
        recover_after: plan.recover_after,
        slots: Mutex::new(Slots {
            launched: 0,
            running: HashMap::new(),
            failures_in_a_row: 0,
            ran: 0,
            failed: 0,
            error: None,
            last_recovery: None,
        }),
        start_gate: Mutex::new(()),
    });
    // Results earlier workers could not record go in first, before their
    // trials could be taken for abandoned.
    shared.flush();
    let abandoned = if plan.jobs == 1 {
        shared.work(true)
    } else {
        let workers: Vec<_> = (0..plan.jobs)
            .map(|i| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("hyperspace-worker-{i}"))
                    .spawn(move || {
                        shared.work(false);
                    })
            })
            .collect();
        let mut abandoned = false;
        for spawned in &workers {
            if let Err(e) = spawned {
                let reason = format!("cannot start a worker thread: {e}");
                shared.core.stop.stop(StopReason::Error(reason));
            }
        }
        // Watch the user and the workers; the workers wait for nothing
        // from here, so none is left behind when this returns early.
        while workers
            .iter()
            .any(|w| w.as_ref().is_ok_and(|h| !h.is_finished()))
        {
            if shared.poll_interrupt() {
                shared.abandon_running();
                abandoned = true;
                break;
            }
            std::thread::sleep(POLL);
        }
        if !abandoned {
            for handle in workers.into_iter().flatten() {
                let _ = handle.join();
            }
        }
        abandoned
    };
    if !abandoned {
        shared.drain();
    }
    shared.report()
}

impl<R: TrialRunner> Shared<R> {
    fn emit(&self, events: Vec<Event>) {
        for event in events {
            self.runner.event(event);
        }
    }

    fn stop(&self, reason: StopReason) {
        if self.core.stop.stop(reason.clone()) {
            self.runner.event(Event::Stopping(reason));
        }
    }

    /// One worker's loop; `watches_user` on the calling thread. Returns
    /// whether the user asked to return at once.
    fn work(&self, watches_user: bool) -> bool {
        let mut not_ready_since: Option<Instant> = None;
        loop {
            if watches_user && self.poll_interrupt() {
                return true;
            }
            self.flush();
            self.recover_if_due();
            let gate = self
                .runner
                .starts_one_at_a_time()
                .then(|| lock(&self.start_gate));
            match self.take_slot() {
                Slot::Ask => {}
                Slot::Wait => {
                    drop(gate);
                    std::thread::sleep(POLL);
                    continue;
                }
                Slot::Done => return false,
            }
            match self.ask() {
                Asked::Trial(trial) => {
                    not_ready_since = None;
                    self.run_one(*trial, gate);
                }
                Asked::NotReady(e) => {
                    drop(gate);
                    let waited = not_ready_since.get_or_insert_with(Instant::now).elapsed();
                    if waited >= lock(&self.core.study).wait_timeout() {
                        let e = crate::study::gave_up(e, waited);
                        self.stop(StopReason::Error(e.to_string()));
                        lock(&self.slots).error.get_or_insert(e);
                        return false;
                    }
                    std::thread::sleep(NOT_READY_POLL);
                }
                Asked::Nothing => {}
            }
        }
    }

    /// Asks the runner whether the user pressed Ctrl-C; true when the run
    /// must return now.
    fn poll_interrupt(&self) -> bool {
        match self.runner.interrupt() {
            Interrupt::None => false,
            Interrupt::Stop => {
                self.stop(StopReason::Interrupted);
                false
            }
            Interrupt::Abandon => {
                self.stop(StopReason::Interrupted);
                true
            }
        }
    }

    fn take_slot(&self) -> Slot {
        let (down, gave_up) = {
            let recorder = lock(&self.core.recorder);
            (!recorder.may_call_storage(), recorder.gave_up())
        };
        if gave_up {
            self.stop(StopReason::StorageGone);
        }
        if self.core.stop.is_stopped() {
            return Slot::Done;
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.stop(StopReason::Timeout);
            return Slot::Done;
        }
        let mut slots = lock(&self.slots);
        if slots.error.is_some() || self.trials.is_some_and(|n| slots.launched >= n) {
            return Slot::Done;
        }
        if down {
            return Slot::Wait;
        }
        slots.launched += 1;
        Slot::Ask
    }

    /// The next trial, or none with the slot given back (and the reason
    /// noted, unless it is only that the study cannot propose yet).
    fn ask(&self) -> Asked {
        let asked = {
            let mut study = lock(&self.core.study);
            next_trial(&mut study, self.asking, self.max_study_trials)
        };
        let stop = match asked {
            Ok(Next::Trial(trial)) => {
                let events = {
                    let mut recorder = lock(&self.core.recorder);
                    recorder.succeeded();
                    recorder.take_events()
                };
                self.emit(events);
                lock(&self.slots).running.insert(trial.id, (*trial).clone());
                self.runner.event(Event::Started((*trial).clone()));
                return Asked::Trial(trial);
            }
            Err(e @ Error::NotReady { .. }) => {
                lock(&self.slots).launched -= 1;
                return Asked::NotReady(e);
            }
            Ok(Next::QueueEmpty) => Some(StopReason::QueueEmpty),
            Ok(Next::Exhausted(why)) => Some(StopReason::Exhausted(why)),
            Ok(Next::StudyFull) => Some(StopReason::StudyFull),
            Err(e) if e.is_transient() => {
                self.storage_failed(&e);
                None
            }
            Err(e) => {
                let reason = StopReason::Error(e.to_string());
                lock(&self.slots).error.get_or_insert(e);
                Some(reason)
            }
        };
        lock(&self.slots).launched -= 1;
        if let Some(reason) = stop {
            self.stop(reason);
        }
        Asked::Nothing
    }

    /// Notes that storage is down for now (the runner hears it once).
    fn storage_failed(&self, e: &Error) {
        let events = {
            let mut recorder = lock(&self.core.recorder);
            recorder.failed(e);
            recorder.take_events()
        };
        self.emit(events);
    }

    fn run_one<'a>(&'a self, trial: Trial, gate: Option<std::sync::MutexGuard<'a, ()>>) {
        let emit = |event: Event| self.runner.event(event);
        let ctx = TrialContext {
            core: &self.core,
            emit: &emit,
            trial: trial.id,
            reports: RefCell::new(Vec::new()),
            starting: RefCell::new(gate),
        };
        let ran = catch_unwind(AssertUnwindSafe(|| self.runner.run(&trial, &ctx)));
        let mut result = match ran {
            Ok(result) => result,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "?".into());
                let message = format!("the trial runner panicked: {what}");
                self.stop(StopReason::Error(message.clone()));
                let name = lock(&self.core.study).name().to_string();
                PendingResult::finished(
                    &name,
                    trial.id,
                    trial.number,
                    crate::Outcome::failed(message),
                )
            }
        };
        drop(ctx.starting.into_inner());
        for report in ctx.reports.into_inner() {
            result.keep_report(&report);
        }
        let events = {
            let mut recorder = lock(&self.core.recorder);
            recorder.push(result);
            recorder.take_events()
        };
        lock(&self.slots).running.remove(&trial.id);
        self.emit(events);
        self.flush();
    }

    /// Records the waiting results, if storage may be called.
    fn flush(&self) {
        let (recorded, events) = {
            let mut recorder = lock(&self.core.recorder);
            if recorder.is_empty() || !recorder.may_call_storage() {
                (Vec::new(), recorder.take_events())
            } else {
                let recorded = {
                    let mut study = lock(&self.core.study);
                    recorder.flush(&mut study)
                };
                (recorded, recorder.take_events())
            }
        };
        self.emit(events);
        for (pending, trial) in recorded {
            let ran =
                !pending.adopted && matches!(pending.result.ending, PendingEnding::Finish { .. });
            if ran {
                let mut slots = lock(&self.slots);
                slots.ran += 1;
                if trial.state == TrialState::Failed {
                    slots.failed += 1;
                    slots.failures_in_a_row += 1;
                } else {
                    slots.failures_in_a_row = 0;
                }
                let in_a_row = slots.failures_in_a_row;
                drop(slots);
                if self.max_failures.is_some_and(|max| in_a_row >= max) {
                    self.stop(StopReason::Failures(in_a_row));
                }
            }
            self.runner.event(Event::Recorded {
                result: pending.result,
                trial,
                adopted: pending.adopted,
            });
        }
    }

    /// Fails and re-queues other workers' silent trials, when it is time.
    fn recover_if_due(&self) {
        let Some(silence) = self.recover_after else {
            return;
        };
        if self.core.stop.is_stopped() || !lock(&self.core.recorder).may_call_storage() {
            return;
        }
        {
            let mut slots = lock(&self.slots);
            if slots
                .last_recovery
                .is_some_and(|at| at.elapsed() < silence / 2)
            {
                return;
            }
            slots.last_recovery = Some(Instant::now());
        }
        let recovered = {
            let mut study = lock(&self.core.study);
            study.recover_stale(silence).and_then(|copies| {
                let trials = study.trials()?;
                Ok(copies
                    .into_iter()
                    .map(|copy| {
                        let original = trials
                            .iter()
                            .find(|t| Some(t.id) == copy.parent)
                            .map_or(0, |t| t.number);
                        (original, copy)
                    })
                    .collect::<Vec<_>>())
            })
        };
        match recovered {
            Ok(copies) => {
                for (original, copy) in copies {
                    self.runner.event(Event::Requeued { original, copy });
                }
            }
            Err(e) if e.is_transient() => self.storage_failed(&e),
            Err(e) => {
                let reason = StopReason::Error(e.to_string());
                lock(&self.slots).error.get_or_insert(e);
                self.stop(reason);
            }
        }
    }

    /// After the workers: records what waits, until storage takes it, the
    /// patience runs out, or Ctrl-C asks to stop while storage is down.
    fn drain(&self) {
        loop {
            self.flush();
            {
                let recorder = lock(&self.core.recorder);
                let interrupted = self.core.stop.reason() == Some(StopReason::Interrupted);
                if recorder.is_empty() || (interrupted && recorder.storage_down()) {
                    return;
                }
                if recorder.gave_up() {
                    drop(recorder);
                    self.stop(StopReason::StorageGone);
                    return;
                }
            }
            if self.poll_interrupt() {
                return;
            }
            std::thread::sleep(POLL);
        }
    }

    /// The user will not wait: the running trials are failed and queued
    /// again (their runners' late results are still recorded, once).
    fn abandon_running(&self) {
        let running: Vec<Trial> = lock(&self.slots).running.values().cloned().collect();
        let unrecorded: Vec<Params> = running.iter().map(|t| self.runner.unrecorded(t)).collect();
        let mut study = lock(&self.core.study);
        for (trial, params) in running.into_iter().zip(unrecorded) {
            let message = "its run was interrupted (Ctrl-C) before it ended; re-queued";
            // The copy queued in its place takes the values it was handed.
            // Should they not go in, the trial is given up all the same.
            if !params.is_empty() {
                let _ = study.record_params(trial.id, params);
            }
            if let Err(e) = study.abandon(trial.id, message) {
                drop(study);
                self.runner.event(Event::Warning(format!(
                    "trial #{} stays running: {e}; it is re-queued once its lease runs out",
                    trial.number
                )));
                study = lock(&self.core.study);
            }
        }
    }

    fn report(&self) -> RunReport {
        let mut slots = lock(&self.slots);
        let recorder = lock(&self.core.recorder);
        RunReport {
            ran: slots.ran,
            failed: slots.failed,
            stop: self.core.stop.reason(),
            error: slots.error.take(),
            unrecorded: recorder.unrecorded(),
        }
    }
}
