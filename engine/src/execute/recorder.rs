//! Results on their way to storage. Each finished trial's result is kept in
//! memory and in the journal (flushed to disk) until storage takes it.
//! While storage is unreachable (a server restart, an outage, a lock held
//! too long, a full disk) the run waits, trying again with a growing pause,
//! and asks for no new trials; it gives up only after its patience, leaving
//! the results in the journal for the next run (or `hyperspace
//! recover-results`).

use super::Event;
use crate::{Error, PendingResult, ResultJournal, Study, Trial};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The first pause after storage failed; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// A result not yet recorded.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub result: PendingResult,
    /// Whether the journal holds it (else only this process does).
    pub journaled: bool,
    /// Whether an earlier worker left it in its journal.
    pub adopted: bool,
}

#[derive(Debug)]
struct Outage {
    since: Instant,
    retry_at: Instant,
    pause: Duration,
}

/// The results waiting for storage, and whether storage is down. Locked
/// before the study when both are needed.
#[derive(Debug)]
pub(super) struct Recorder {
    journal: Option<ResultJournal>,
    pending: VecDeque<Pending>,
    outage: Option<Outage>,
    patience: Duration,
    /// What happened, for the runner, sent once the locks are released.
    events: Vec<Event>,
}

/// A finished run leaves no empty journal file behind (the file is kept
/// open and emptied between trials, not removed, while the run goes on).
impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(journal) = &self.journal {
            journal.release();
        }
    }
}

impl Recorder {
    pub fn new(journal: Option<ResultJournal>, patience: Duration) -> Self {
        Recorder {
            journal,
            pending: VecDeque::new(),
            outage: None,
            patience,
            events: Vec::new(),
        }
    }

    /// The events noted since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Takes the results that earlier workers of `study` left in their
    /// journals; they are recorded with the run's own.
    pub fn adopt(&mut self, study: &str) -> crate::Result<usize> {
        let Some(journal) = &self.journal else {
            return Ok(0);
        };
        let (results, warnings) = journal.adopt(study)?;
        self.events.extend(
            warnings
                .into_iter()
                .map(|w| Event::Warning(format!("journal of unrecorded results: {w}"))),
        );
        let n = results.len();
        if n > 0 {
            self.events.push(Event::Adopting(n));
        }
        self.pending
            .extend(results.into_iter().map(|result| Pending {
                result,
                journaled: true,
                adopted: true,
            }));
        Ok(n)
    }

    /// Notes something worth saying that changes nothing.
    pub fn warn(&mut self, text: String) {
        self.events.push(Event::Warning(text));
    }

    /// Keeps a result until storage takes it: in the journal first (a
    /// failure to write it is said, and the result kept in memory). The
    /// write survives this process's death; it is synced to disk (to
    /// survive the machine's) only if it has to wait: storage is down now,
    /// or the record fails (see [`Recorder::flush`]).
    pub fn push(&mut self, result: PendingResult) {
        let must_wait = self.outage.is_some() || !self.pending.is_empty();
        let journaled = match &self.journal {
            Some(journal) => match journal.write(&result).and_then(|()| {
                if must_wait {
                    journal.sync()
                } else {
                    Ok(())
                }
            }) {
                Ok(()) => true,
                Err(e) => {
                    self.events.push(Event::Warning(format!(
                        "{e}; the result is kept in memory only"
                    )));
                    false
                }
            },
            None => false,
        };
        self.pending.push_back(Pending {
            result,
            journaled,
            adopted: false,
        });
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
    pub fn failed(&mut self, error: &Error) {
        let now = Instant::now();
        match &mut self.outage {
            Some(o) => {
                o.pause = (o.pause * 2).min(MAX_PAUSE);
                o.retry_at = now + o.pause;
            }
            None => {
                self.events.push(Event::StorageDown {
                    error: error.to_string(),
                    journal: self.journal_path(),
                    patience: self.patience,
                });
                self.outage = Some(Outage {
                    since: now,
                    retry_at: now + FIRST_PAUSE,
                    pause: FIRST_PAUSE,
                });
            }
        }
    }

    /// Notes that a storage call succeeded.
    pub fn succeeded(&mut self) {
        if let Some(o) = self.outage.take() {
            self.events.push(Event::StorageBack(o.since.elapsed()));
        }
    }

    /// Records the waiting results in order, until storage fails. Returns
    /// those recorded, with the trial as stored. A result storage refuses
    /// for good (its study deleted, say) is said and dropped.
    pub fn flush(&mut self, study: &mut Study) -> Vec<(Pending, Trial)> {
        let mut recorded = Vec::new();
        while let Some(next) = self.pending.front() {
            match study.record_result(&next.result) {
                Ok(trial) => {
                    self.succeeded();
                    let Some(done) = self.pending.pop_front() else {
                        break;
                    };
                    self.forget(&done);
                    recorded.push((done, trial));
                }
                // Only a refusal about this very result drops it; anything
                // else (too many connections, a read-only server, a
                // timeout) may pass, like an outage.
                Err(e) if !refuses_for_good(&e) => {
                    self.failed(&e);
                    self.sync_journal();
                    break;
                }
                Err(e) => {
                    let Some(refused) = self.pending.pop_front() else {
                        break;
                    };
                    self.forget(&refused);
                    self.events.push(Event::Refused {
                        result: refused.result,
                        error: e.to_string(),
                    });
                }
            }
        }
        recorded
    }

    /// The waiting results wait on disk: synced, to survive a crash of
    /// the machine while storage is down.
    fn sync_journal(&mut self) {
        if let Some(journal) = &self.journal {
            if let Err(e) = journal.sync() {
                self.events.push(Event::Warning(format!(
                    "{e}; results waiting for storage may not survive a crash of this machine"
                )));
            }
        }
    }

    fn forget(&mut self, done: &Pending) {
        // Still in the journal: recorded again later, which takes it once.
        if let Some(journal) = &self.journal {
            if let Err(e) = journal.remove(done.result.trial) {
                self.events.push(Event::Warning(e.to_string()));
            }
        }
    }

    fn journal_path(&self) -> Option<PathBuf> {
        self.journal.as_ref().map(|j| j.path().to_path_buf())
    }

    /// What is left when the run ends without recording everything.
    pub fn unrecorded(&self) -> Option<Unrecorded> {
        (!self.pending.is_empty()).then(|| Unrecorded {
            count: self.pending.len(),
            in_memory_only: self
                .pending
                .iter()
                .filter(|p| !p.journaled)
                .map(|p| p.result.clone())
                .collect(),
            journal: self.journal_path(),
            patience: self.patience,
        })
    }
}

/// Results a run could not record: storage stayed down past its patience
/// (or the run was interrupted while it was down).
#[derive(Debug, Clone)]
pub struct Unrecorded {
    /// How many.
    pub count: usize,
    /// Those the journal could not take either: shown whole, so they are
    /// not lost with the process.
    pub in_memory_only: Vec<PendingResult>,
    /// The journal file holding the others.
    pub journal: Option<PathBuf>,
    /// How long the run waited for storage.
    pub patience: Duration,
}

impl Unrecorded {
    /// A message saying what was not recorded, where it is kept, and
    /// `how_to_record` (a command that records it later).
    pub fn describe(&self, how_to_record: &str) -> String {
        let shown = if self.in_memory_only.is_empty() {
            String::new()
        } else {
            let texts: Vec<String> = self
                .in_memory_only
                .iter()
                .map(|r| serde_json::to_string(r).unwrap_or_default())
                .collect();
            format!(
                "; {} of them could not be written to the journal and are: {}",
                texts.len(),
                texts.join(" ")
            )
        };
        let kept = match &self.journal {
            Some(path) => format!("they are kept in {}, and {how_to_record}", path.display()),
            None => "they were kept in memory only".to_string(),
        };
        format!(
            "{} result(s) could not be recorded: the storage was unavailable for {:?}; {kept}{shown}",
            self.count, self.patience
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
            | Error::InvalidConfig { .. }
            | Error::InvalidParam { .. }
    )
}
