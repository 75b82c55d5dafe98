//! Leases: every running trial a study hands out is held by its worker,
//! which proves it is alive by sending heartbeats from a background thread
//! while the trial is open. Another process that sees a trial silent for
//! longer than its lease presumes the worker dead (see `recovery.rs`).
//!
//! The heartbeats come from a thread, not from the caller, so a trial whose
//! objective runs for hours between two calls into the study (a Python
//! training loop, a command run by the CLI) keeps its lease all the same.
//! A trial asked without a lease (`Study::set_lease(None)`) is never
//! recovered automatically.

use crate::storage::TrialUpdate;
use crate::{Error, Metadata, Storage, TrialId};
use std::collections::HashSet;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Heartbeats per lease: a live worker misses five in a row before its
/// trials count as abandoned.
const HEARTBEATS_PER_LEASE: u32 = 6;

/// The lease a study gives its trials by default on storage shared between
/// processes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The trials this study holds, and the thread that keeps their leases.
#[derive(Debug)]
pub(super) struct Leases {
    lease: Option<Duration>,
    held: Arc<Mutex<HashSet<TrialId>>>,
    /// Dropping it (with the study) ends the thread.
    thread: Option<Sender<()>>,
}

impl Leases {
    pub(super) fn new(lease: Option<Duration>) -> Self {
        Leases {
            lease,
            held: Arc::default(),
            thread: None,
        }
    }

    /// The lease given to new trials, if any.
    pub(super) fn lease(&self) -> Option<Duration> {
        self.lease
    }

    /// Changes the lease of trials asked from now on; the trials held so
    /// far keep their heartbeats at the new pace, or, with `None`, lose
    /// them.
    pub(super) fn set(&mut self, lease: Option<Duration>, storage: &Arc<dyn Storage>) {
        if lease != self.lease {
            self.thread = None;
        }
        self.lease = lease;
        if lease.is_none() {
            lock(&self.held).clear();
        } else if !lock(&self.held).is_empty() {
            self.start(storage);
        }
    }

    /// What a trial handed out now records: its first heartbeat and its
    /// lease.
    pub(super) fn stamp(&self, meta: &mut Metadata) {
        if let Some(lease) = self.lease {
            meta.heartbeat = Some(crate::now());
            meta.lease_secs = Some(lease.as_secs_f64());
        }
    }

    /// Starts keeping the lease of a trial just handed out.
    pub(super) fn hold(&mut self, id: TrialId, storage: &Arc<dyn Storage>) {
        if self.lease.is_none() {
            return;
        }
        lock(&self.held).insert(id);
        self.start(storage);
    }

    /// Stops keeping a trial's lease (it finished, or went back to the
    /// queue).
    pub(super) fn release(&mut self, id: TrialId) {
        lock(&self.held).remove(&id);
    }

    /// Starts the heartbeat thread at the lease's pace, unless it runs.
    fn start(&mut self, storage: &Arc<dyn Storage>) {
        if let (None, Some(lease)) = (&self.thread, self.lease) {
            self.thread = Some(spawn(storage.clone(), self.held.clone(), lease));
        }
    }
}

/// The set of held trials; it stays valid whatever panicked while holding it.
fn lock(held: &Mutex<HashSet<TrialId>>) -> MutexGuard<'_, HashSet<TrialId>> {
    held.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The heartbeat thread: every `lease / 6`, a heartbeat for each held
/// trial. A trial that finished meanwhile (told by another process, or
/// failed as abandoned and then told) is dropped from the set; a storage
/// that is down is tried again at the next beat.
fn spawn(
    storage: Arc<dyn Storage>,
    held: Arc<Mutex<HashSet<TrialId>>>,
    lease: Duration,
) -> Sender<()> {
    let (stop, stopped) = mpsc::channel::<()>();
    let every = (lease / HEARTBEATS_PER_LEASE).max(Duration::from_millis(10));
    // Without a thread (the process is out of them) the trials still have
    // their first heartbeat and lease: they are recovered if they outlive
    // it, which loses nothing, as their late results are still taken.
    let _ = std::thread::Builder::new()
        .name("hyperspace-heartbeat".into())
        .spawn(move || loop {
            match stopped.recv_timeout(every) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
            let ids: Vec<TrialId> = lock(&held).iter().copied().collect();
            for id in ids {
                // The lease goes with every beat: a new pace set while the
                // trial runs is its lease from then on.
                let beat = TrialUpdate::Meta(Metadata {
                    heartbeat: Some(crate::now()),
                    lease_secs: Some(lease.as_secs_f64()),
                    ..Metadata::default()
                });
                // Down for now, or any other failure: the next beat tries
                // again, and the lease is long enough to miss a few.
                if let Err(Error::TrialFinished { .. } | Error::TrialNotFound { .. }) =
                    storage.update_trial(id, &beat)
                {
                    lock(&held).remove(&id);
                }
            }
        });
    stop
}
