//! Results on their way to storage. Each finished command's result is kept
//! in memory and in the journal (flushed to disk) until storage takes it.
//! While storage is unreachable (a server restart, an outage, a lock held
//! too long, a full disk) the run waits, trying again with a growing pause,
//! and asks for no new trials; it gives up only after `--storage-patience`,
//! leaving the results in the journal for the next run or `hyperspace
//! recover-results`.

use super::progress::Progress;
use anyhow::{anyhow, Result};
use hyperspace_engine::{Error, PendingResult, ResultJournal, Study, Trial};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The first pause after storage failed; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// How a recorded result is announced.
#[derive(Debug, Clone)]
pub enum Note {
    /// A trial this run ran: its number and parameters as shown.
    Ran { params: String },
    /// Interrupted by Ctrl-C: re-queued or failed.
    Interrupted { what: &'static str },
    /// Its command could not be started; the run stops.
    NotStarted { reason: String },
    /// A result an earlier worker left in its journal.
    Adopted,
}

/// A result not yet recorded, and how to announce it once it is.
#[derive(Debug, Clone)]
pub struct Pending {
    pub result: PendingResult,
    pub note: Note,
    /// Whether the journal holds it (else only this process does).
    pub journaled: bool,
}

#[derive(Debug)]
struct Outage {
    since: Instant,
    retry_at: Instant,
    pause: Duration,
}

/// The results waiting for storage, and whether storage is down.
#[derive(Debug)]
pub struct Recorder {
    journal: ResultJournal,
    pending: VecDeque<Pending>,
    outage: Option<Outage>,
    patience: Duration,
}

/// Whether an error (from the engine, maybe wrapped) says storage is down
/// for now.
pub fn is_transient(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Error>().is_some_and(Error::is_transient)
}

impl Recorder {
    pub fn new(journal: ResultJournal, patience: Duration) -> Self {
        Recorder {
            journal,
            pending: VecDeque::new(),
            outage: None,
            patience,
        }
    }

    /// Takes the results that earlier workers of `study` left in their
    /// journals; they are recorded with the run's own.
    pub fn adopt(&mut self, study: &str, progress: &Progress) -> Result<usize> {
        let (results, warnings) = self.journal.adopt(study)?;
        for w in warnings {
            progress.println(&format!("warning: journal of unrecorded results: {w}"));
        }
        let n = results.len();
        if n > 0 {
            progress.println(&format!(
                "{n} result(s) of earlier workers of study '{study}' were not recorded; recording them now"
            ));
        }
        self.pending
            .extend(results.into_iter().map(|result| Pending {
                result,
                note: Note::Adopted,
                journaled: true,
            }));
        Ok(n)
    }

    /// Keeps a result until storage takes it: in the journal first (a
    /// failure to write it is said, and the result kept in memory).
    pub fn push(&mut self, mut pending: Pending, progress: &Progress) {
        pending.journaled = match self.journal.append(&pending.result) {
            Ok(()) => true,
            Err(e) => {
                progress.println(&format!("warning: {e}; the result is kept in memory only"));
                false
            }
        };
        self.pending.push_back(pending);
    }

    /// Whether storage may be called now: it is not known to be down, or
    /// the pause before the next try is over.
    pub fn may_call_storage(&self) -> bool {
        self.outage
            .as_ref()
            .is_none_or(|o| Instant::now() >= o.retry_at)
    }

    /// Whether results wait for storage.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether storage is down for now.
    pub fn storage_down(&self) -> bool {
        self.outage.is_some()
    }

    /// Whether storage has been down for longer than the patience.
    pub fn gave_up(&self) -> bool {
        self.outage
            .as_ref()
            .is_some_and(|o| o.since.elapsed() >= self.patience)
    }

    /// Notes that storage failed with a transient error: wait before the
    /// next call, a little longer each time.
    pub fn failed(&mut self, error: &dyn std::fmt::Display, progress: &Progress) {
        let now = Instant::now();
        match &mut self.outage {
            Some(o) => {
                o.pause = (o.pause * 2).min(MAX_PAUSE);
                o.retry_at = now + o.pause;
            }
            None => {
                progress.println(&format!(
                    "storage unavailable ({error}); results are kept (journal {}) and recorded when it is back; giving up after {:?}",
                    self.journal.path().display(),
                    self.patience
                ));
                self.outage = Some(Outage {
                    since: now,
                    retry_at: now + FIRST_PAUSE,
                    pause: FIRST_PAUSE,
                });
            }
        }
    }

    /// Notes that a storage call succeeded.
    pub fn succeeded(&mut self, progress: &Progress) {
        if let Some(o) = self.outage.take() {
            progress.println(&format!(
                "storage is back after {:.1}s",
                o.since.elapsed().as_secs_f64()
            ));
        }
    }

    /// Records the waiting results in order, until storage fails. Returns
    /// those recorded, with the trial as stored. A result storage refuses
    /// for good (its study deleted, say) is said and dropped.
    pub fn flush(&mut self, study: &mut Study, progress: &Progress) -> Vec<(Pending, Trial)> {
        let mut recorded = Vec::new();
        while let Some(next) = self.pending.front() {
            match study.record_result(&next.result) {
                Ok(trial) => {
                    self.succeeded(progress);
                    let Some(done) = self.pending.pop_front() else {
                        break;
                    };
                    self.forget(&done, progress);
                    recorded.push((done, trial));
                }
                // Only a refusal about this very result drops it; anything
                // else (too many connections, a read-only server, a
                // timeout) may pass, like an outage.
                Err(e) if !refuses_for_good(&e) => {
                    self.failed(&e, progress);
                    break;
                }
                Err(e) => {
                    let Some(refused) = self.pending.pop_front() else {
                        break;
                    };
                    progress.println(&format!(
                        "cannot record the result of trial #{} (id {}): {e}; it was {}",
                        refused.result.number,
                        refused.result.trial,
                        serde_json::to_string(&refused.result).unwrap_or_default()
                    ));
                    self.forget(&refused, progress);
                }
            }
        }
        recorded
    }

    fn forget(&self, done: &Pending, progress: &Progress) {
        // Still in the journal: recorded again later, which takes it once.
        if let Err(e) = self.journal.remove(done.result.trial) {
            progress.println(&format!("warning: {e}"));
        }
    }

    /// The error a run ends with when results could not be recorded;
    /// `flags` name the storage, study and log folder for the command that
    /// records them later. Results the journal could not take are shown
    /// whole, so that they are not lost with this process.
    pub fn unrecorded_error(&self, flags: &str) -> anyhow::Error {
        let in_memory: Vec<String> = self
            .pending
            .iter()
            .filter(|p| !p.journaled)
            .map(|p| serde_json::to_string(&p.result).unwrap_or_default())
            .collect();
        let shown = if in_memory.is_empty() {
            String::new()
        } else {
            format!(
                "; {} of them could not be written to the journal and are: {}",
                in_memory.len(),
                in_memory.join(" ")
            )
        };
        anyhow!(
            "{} result(s) could not be recorded: the storage was unavailable for {:?}; they are kept in {}, and `hyperspace recover-results {flags}` (or the next run of the study) records them{shown}",
            self.pending.len(),
            self.patience,
            self.journal.path().display(),
        )
    }
}

/// Whether storage refused this result itself (the trial is gone, belongs
/// elsewhere, or cannot take it), rather than failing for now.
fn refuses_for_good(e: &Error) -> bool {
    matches!(
        e,
        Error::TrialNotFound { .. }
            | Error::WrongStudy { .. }
            | Error::InvalidTell { .. }
            | Error::NonFiniteValue { .. }
    )
}
