//! Results that storage has not taken yet. A worker whose storage is down
//! (a PostgreSQL restart, a network outage, a lock held too long, a full
//! disk) keeps each finished trial's result in memory and in a local
//! journal, one JSON line per result, written before anything else; it
//! records them once the storage is back. A worker killed while waiting
//! loses nothing either: the next run, or `hyperspace recover-results`,
//! records what its journal holds.
//!
//! Two kinds of crash, two costs. A killed process (kill -9, an OOM kill,
//! a panic) loses nothing that was written: the kernel holds the file's
//! pages. So every result is written before storage is asked to take it.
//! Only a crash of the machine loses what was not synced, and that is
//! paid for where it buys something: [`ResultJournal::sync`] once a result
//! has to wait for storage (the executor's recorder calls it when a record
//! fails, and for each result written while storage is down). A result
//! whose record is in flight when the machine dies is as exposed as a
//! running trial, and its lease recovers it the same way; a SQLite
//! storage does not sync its own commits either (`synchronous=NORMAL`).
//!
//! Each process writes its own file (`<host>-<pid>.jsonl` in the journal
//! folder), so no two processes ever rewrite the same file. Recording is
//! idempotent: a result recorded twice (by its worker and by a recovery)
//! is taken once. That is why a recorded result is only marked, by a line
//! `{"recorded":<trial id>}` after it that is not synced: a mark lost in a
//! crash costs a second record, never a result.

use super::{Outcome, Study};
use crate::TellError;
use crate::{Error, Metadata, Params, Result, Trial, TrialId, TrialState};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// One finished trial's result, as its worker would have recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingResult {
    /// The study's name (a journal folder may hold results of several).
    pub study: String,
    /// The trial.
    pub trial: TrialId,
    /// Its number, for messages.
    pub number: u64,
    /// How it ended.
    pub ending: PendingEnding,
    /// Metadata to merge before it finishes (exit code, timings, ...).
    #[serde(default)]
    pub meta: Metadata,
    /// User attributes to set before it finishes.
    #[serde(default)]
    pub user_attrs: IndexMap<String, serde_json::Value>,
    /// Intermediate values storage did not take while they came in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reports: BTreeMap<u64, f64>,
    /// Other metrics' values storage did not take while they came in, by
    /// name, then step.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metric_reports: BTreeMap<String, BTreeMap<u64, f64>>,
    /// Parameter values the trial was handed but had not recorded (a
    /// define-by-run client writes them once per trial, with its result;
    /// see [`Study::decide`]).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: Params,
}

/// How a pending trial ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PendingEnding {
    /// It finished: complete, pruned or failed.
    Finish {
        /// The final state.
        state: TrialState,
        /// The (first) objective value (finite; a non-finite one was made
        /// a failure before it got here).
        value: Option<f64>,
        /// Every objective value, when the study has several (journals
        /// written before that have only `value`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        values: Vec<f64>,
        /// Constraint values, if any.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        constraints: Vec<f64>,
        /// Other metrics.
        #[serde(default)]
        metrics: IndexMap<String, f64>,
        /// Why it failed, if it did.
        #[serde(default)]
        message: Option<String>,
    },
    /// Its worker stopped (Ctrl-C): back to the queue.
    Requeue,
}

impl PendingResult {
    /// Keeps a report storage did not take, for the result; a step already
    /// kept keeps its first value, as storage would.
    pub fn keep_report(&mut self, report: &crate::Report) {
        if let Some(v) = report.value {
            self.reports.entry(report.step).or_insert(v);
        }
        for (name, v) in &report.metrics {
            self.metric_reports
                .entry(name.clone())
                .or_default()
                .entry(report.step)
                .or_insert(*v);
        }
    }

    /// The reports kept, one per step, in step order.
    fn step_reports(&self) -> Vec<crate::Report> {
        let empty = |step| crate::Report {
            step,
            ..crate::Report::default()
        };
        let mut steps: BTreeMap<u64, crate::Report> = BTreeMap::new();
        for (&step, &v) in &self.reports {
            steps.entry(step).or_insert_with(|| empty(step)).value = Some(v);
        }
        for (name, series) in &self.metric_reports {
            for (&step, &v) in series {
                steps
                    .entry(step)
                    .or_insert_with(|| empty(step))
                    .metrics
                    .insert(name.clone(), v);
            }
        }
        steps.into_values().collect()
    }

    /// The result `outcome` of trial `trial` (numbered `number`) of study
    /// `study`.
    pub fn finished(study: &str, trial: TrialId, number: u64, outcome: Outcome) -> Self {
        let outcome = outcome.settle();
        PendingResult {
            study: study.to_string(),
            trial,
            number,
            ending: PendingEnding::Finish {
                state: outcome.state,
                value: outcome.values.first().copied(),
                values: if outcome.values.len() > 1 {
                    outcome.values
                } else {
                    Vec::new()
                },
                constraints: outcome.constraints,
                metrics: outcome.metrics,
                message: outcome.message,
            },
            meta: Metadata::default(),
            user_attrs: IndexMap::new(),
            reports: BTreeMap::new(),
            metric_reports: BTreeMap::new(),
            params: Params::new(),
        }
    }

    /// A trial to put back in the queue.
    pub fn requeue(study: &str, trial: TrialId, number: u64) -> Self {
        PendingResult {
            ending: PendingEnding::Requeue,
            ..Self::finished(study, trial, number, Outcome::pruned())
        }
    }
}

impl Study {
    /// Records a result: its metadata and user attributes, then the ending.
    /// A trial finished already (the command told its own result, an
    /// earlier attempt went through but its answer was lost) stays as it
    /// is, and is returned as stored.
    pub fn record_result(&mut self, result: &PendingResult) -> Result<Trial> {
        let id = result.trial;
        let stored = self.storage().trial(id)?;
        if stored.number != result.number {
            // Not the trial the result is for (ids of a deleted study's
            // trials can be reused): never write it onto another.
            return Err(Error::InvalidTell {
                id,
                reason: TellError::OtherTrialNumber {
                    result: result.number,
                    trial: stored.number,
                },
            });
        }
        if matches!(result.ending, PendingEnding::Requeue)
            && (stored.state != TrialState::Running || stored.meta.started != result.meta.started)
        {
            // Only the run of it this result is about goes back to the
            // queue: replayed after another worker took it up again, it
            // would put that run back too.
            return Ok(stored);
        }
        // A result's values go in with its ending (one write, see
        // `Outcome::params`); a trial put back in the queue gets them first,
        // so the copy that runs again has them.
        if !result.params.is_empty() && matches!(result.ending, PendingEnding::Requeue) {
            unless_finished(self.record_params(id, result.params.clone()))?;
        }
        if result.meta != Metadata::default() {
            unless_finished(self.set_metadata(id, result.meta.clone()))?;
        }
        for (key, value) in &result.user_attrs {
            unless_finished(self.set_user_attr(id, key, value.clone()))?;
        }
        for report in result.step_reports() {
            unless_finished(self.report_metrics(id, report).map(|r| r.trial))?;
        }
        let recorded = match &result.ending {
            PendingEnding::Finish {
                state,
                value,
                values,
                constraints,
                metrics,
                message,
            } => {
                let outcome = Outcome {
                    state: *state,
                    values: if values.is_empty() {
                        value.iter().copied().collect()
                    } else {
                        values.clone()
                    },
                    constraints: constraints.clone(),
                    metrics: metrics.clone(),
                    message: message.clone(),
                    non_finite: super::NonFinite::Fail,
                    params: result.params.clone(),
                };
                self.tell(id, outcome)
            }
            PendingEnding::Requeue => self.requeue(id),
        };
        match recorded {
            Err(Error::TrialFinished { .. }) => {
                let trial = self.storage().trial(id)?;
                if trial.meta.late_result.is_some() {
                    let _ = self.withdraw_copies(&trial);
                }
                Ok(trial)
            }
            other => other,
        }
    }
}

fn unless_finished(result: Result<Trial>) -> Result<()> {
    match result {
        Ok(_) | Err(Error::TrialFinished { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// This process's journal file in a journal folder, and the others'.
///
/// The file stays open across trials: a result costs one write (and an
/// `fdatasync` when it has to wait), and recording it costs one small
/// unsynced "recorded" line
/// (lost in a crash, it only means an idempotent second record). Once every
/// result in the file is recorded the file is truncated, not removed, so the
/// next result does not create (and sync) a new file.
#[derive(Debug, Clone)]
pub struct ResultJournal {
    dir: PathBuf,
    file: PathBuf,
    open: Shared,
}

/// A journal file as the journals of this process share it (not open until
/// first used).
type Shared = Arc<Mutex<Option<OpenFile>>>;

/// The file of a journal, open, and what it holds that is not recorded.
#[derive(Debug)]
struct OpenFile {
    file: std::fs::File,
    /// Trials with results in the file and no "recorded" line after them.
    unrecorded: HashSet<TrialId>,
}

impl OpenFile {
    /// Opens (creating) the file at `path`, and notes what it holds already
    /// (this process's earlier journal, or that of an earlier process that
    /// had the same pid), so that it is never truncated while that waits.
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let unrecorded = parse(&std::fs::read_to_string(path)?)
            .0
            .iter()
            .map(|r| r.trial)
            .collect();
        Ok(OpenFile { file, unrecorded })
    }

    /// Whether this is still the file at `path`: an adopting process renames
    /// it away, after which results go to a new file of that name.
    #[cfg(unix)]
    fn is_at(&self, path: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (self.file.metadata(), std::fs::metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }

    /// Without inode numbers, the file is opened again for each use.
    #[cfg(not(unix))]
    fn is_at(&self, _path: &Path) -> bool {
        false
    }
}

/// The open journal files of this process, by path: every [`ResultJournal`]
/// of a folder shares one, so that none truncates the file while another
/// still has unrecorded results in it.
fn shared(path: &Path) -> Shared {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Shared>>> = OnceLock::new();
    let mut open = OPEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    open.entry(path.to_path_buf()).or_default().clone()
}

/// The line saying that the results of a trial written above it are
/// recorded.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    recorded: TrialId,
}

/// How a "recorded" line starts: one cut short is skipped without a warning
/// (its results are recorded again, which takes them once).
const RECORDED_PREFIX: &str = "{\"recorded\"";

impl ResultJournal {
    /// The journal of this process in folder `dir` (created on first
    /// write).
    pub fn new(dir: &Path) -> Self {
        let host = gethostname::gethostname()
            .into_string()
            .unwrap_or_else(|_| "host".into());
        let host: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let file = dir.join(format!("{host}-{}.jsonl", std::process::id()));
        ResultJournal {
            dir: dir.to_path_buf(),
            open: shared(&file),
            file,
        }
    }

    /// This process's file.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// Adds a result, flushed to disk before returning.
    pub fn append(&self, result: &PendingResult) -> Result<()> {
        self.write(result)?;
        self.sync()
    }

    /// Adds a result without flushing it to disk: it survives this
    /// process's death, not the machine's (see [`ResultJournal::sync`]).
    pub fn write(&self, result: &PendingResult) -> Result<()> {
        let line = serde_json::to_string(result).map_err(|e| self.error(&e))?;
        let mut slot = self.lock();
        let open = self.opened(&mut slot)?;
        // A line of its own even after a torn write (a full disk, a kill):
        // blank lines are skipped when read.
        let written = open.file.write_all(format!("\n{line}\n").as_bytes());
        match written {
            Ok(()) => {
                open.unrecorded.insert(result.trial);
                Ok(())
            }
            Err(e) => {
                // Opened afresh next time, and what it holds read again.
                *slot = None;
                Err(self.error(&e))
            }
        }
    }

    /// Flushes what was written to disk (`fdatasync`), so that it survives
    /// a crash of the machine too; nothing to do if nothing was written.
    pub fn sync(&self) -> Result<()> {
        let mut slot = self.lock();
        let Some(open) = slot.as_mut() else {
            return Ok(());
        };
        open.file.sync_data().map_err(|e| {
            *slot = None;
            self.error(&e)
        })
    }

    /// The results in this process's file.
    pub fn pending(&self) -> Result<Vec<PendingResult>> {
        Ok(read_lines(&self.file)?.0)
    }

    /// Notes that the results of `trial` in this process's file are
    /// recorded; empties the file once all of them are.
    pub fn remove(&self, trial: TrialId) -> Result<()> {
        let mut slot = self.lock();
        if !self.file.exists() {
            // Taken by an adopter (which records it), or never written.
            *slot = None;
            return Ok(());
        }
        let open = self.opened(&mut slot)?;
        if !open.unrecorded.remove(&trial) {
            return Ok(());
        }
        let done = if open.unrecorded.is_empty() {
            open.file.set_len(0)
        } else {
            let mark =
                serde_json::to_string(&Recorded { recorded: trial }).map_err(|e| self.error(&e))?;
            open.file.write_all(format!("\n{mark}\n").as_bytes())
        };
        done.map_err(|e| {
            *slot = None;
            self.error(&e)
        })
    }

    /// Closes this process's file and removes it if nothing in it waits to
    /// be recorded (a run that ends leaves no empty file); a file holding
    /// unrecorded results stays for the next run. Best effort: a file
    /// that cannot be removed is only an empty file.
    pub fn release(&self) {
        let mut slot = self.lock();
        let empty = slot
            .as_ref()
            .is_some_and(|open| open.unrecorded.is_empty() && open.is_at(&self.file));
        if empty {
            *slot = None;
            let _ = std::fs::remove_file(&self.file);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<OpenFile>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The file, opened if it is not open yet or is no longer the one at
    /// its path.
    fn opened<'a>(&self, slot: &'a mut Option<OpenFile>) -> Result<&'a mut OpenFile> {
        if !slot.as_ref().is_some_and(|o| o.is_at(&self.file)) {
            std::fs::create_dir_all(&self.dir).map_err(|e| self.error(&e))?;
            *slot = Some(OpenFile::open(&self.file).map_err(|e| self.error(&e))?);
        }
        slot.as_mut()
            .ok_or_else(|| self.error(&"the journal file is not open"))
    }

    /// Replaces the file at `path` with `results`, one per line, atomically
    /// (a temporary file flushed to disk, then renamed over it).
    fn rewrite(&self, path: &Path, results: &[PendingResult]) -> Result<()> {
        let mut text = String::new();
        for r in results {
            text.push_str(&serde_json::to_string(r).map_err(|e| self.error(&e))?);
            text.push('\n');
        }
        let tmp = path.with_extension("jsonl.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| self.error(&e))
    }

    /// Moves the results of `study` that other processes' files hold (dead
    /// workers, earlier runs) into this process's file, and returns every
    /// result this file then holds for `study`. Unreadable lines (a worker
    /// killed mid-write) are returned as warnings; nothing else is dropped.
    pub fn adopt(&self, study: &str) -> Result<(Vec<PendingResult>, Vec<String>)> {
        let mut warnings = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Vec::new(), warnings))
            }
            Err(e) => return Err(self.error(&e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| self.error(&e))?.path();
            if path == self.file || !(is_journal(&path) || is_orphaned_adoption(&path)) {
                continue;
            }
            // Take the file out of its owner's hands first: a live owner
            // that writes again starts a new file, and records its own
            // results anyway (recording twice takes them once).
            let original = path.with_extension("jsonl");
            let taken = path.with_extension(format!("adopting-{}", std::process::id()));
            if std::fs::rename(&path, &taken).is_err() {
                continue; // another process adopted it first
            }
            let (results, bad) = read_lines(&taken)?;
            warnings.extend(
                bad.into_iter()
                    .map(|l| format!("{}: {l}", original.display())),
            );
            let (mine, others): (Vec<_>, Vec<_>) =
                results.into_iter().partition(|r| r.study == study);
            for r in &mine {
                self.append(r)?;
            }
            if !others.is_empty() {
                // Other studies' results go back, for their own runs.
                self.rewrite(&original, &others)?;
            }
            std::fs::remove_file(&taken).map_err(|e| self.error(&e))?;
        }
        let all = self.pending()?;
        Ok((
            all.into_iter().filter(|r| r.study == study).collect(),
            warnings,
        ))
    }

    fn error(&self, e: &dyn std::fmt::Display) -> Error {
        Error::Journal {
            path: self.file.display().to_string(),
            reason: e.to_string(),
        }
    }
}

fn is_journal(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "jsonl")
}

/// A file an adopting process took and did not finish with (it died):
/// `<name>.adopting-<pid>` whose process is gone. Read through `/proc`,
/// so only on Linux; elsewhere such a file is left for a person to rename.
fn is_orphaned_adoption(path: &Path) -> bool {
    let Some(pid) = path
        .extension()
        .and_then(|x| x.to_str())
        .and_then(|x| x.strip_prefix("adopting-"))
        .and_then(|p| p.parse::<u32>().ok())
    else {
        return false;
    };
    pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// The results in a journal file that are not recorded yet (none if there
/// is no file), and the lines that could not be read.
fn read_lines(path: &Path) -> Result<(Vec<PendingResult>, Vec<String>)> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Vec::new(), Vec::new())),
        Err(e) => Err(Error::Journal {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// The results in the text of a journal file without a "recorded" line
/// after them, in order, and the lines that could not be read. Files
/// written before "recorded" lines existed hold results only.
fn parse(text: &str) -> (Vec<PendingResult>, Vec<String>) {
    let mut results: Vec<Option<PendingResult>> = Vec::new();
    let mut at: HashMap<TrialId, Vec<usize>> = HashMap::new();
    let mut bad = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(Recorded { recorded }) = serde_json::from_str(line) {
            for i in at.remove(&recorded).unwrap_or_default() {
                results[i] = None;
            }
            continue;
        }
        if line.starts_with(RECORDED_PREFIX) {
            continue;
        }
        match serde_json::from_str::<PendingResult>(line) {
            Ok(r) => {
                at.entry(r.trial).or_default().push(results.len());
                results.push(Some(r));
            }
            Err(e) => bad.push(format!("unreadable line ({e}): {line}")),
        }
    }
    (results.into_iter().flatten().collect(), bad)
}
