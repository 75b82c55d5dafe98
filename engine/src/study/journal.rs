//! Results that storage has not taken yet. A worker whose storage is down
//! (a PostgreSQL restart, a network outage, a lock held too long, a full
//! disk) keeps each finished trial's result in memory and in a local
//! journal, one JSON line per result, written and flushed to disk before
//! anything else; it records them once the storage is back. A worker killed
//! while waiting loses nothing either: the next run, or `hyperspace
//! recover-results`, records what its journal holds.
//!
//! Each process writes its own file (`<host>-<pid>.jsonl` in the journal
//! folder), so no two processes ever rewrite the same file. Recording is
//! idempotent: a result recorded twice (by its worker and by a recovery)
//! is taken once.

use super::{Outcome, Study};
use crate::TellError;
use crate::{Error, Metadata, Params, Result, Trial, TrialId, TrialState};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

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
        if !result.params.is_empty() {
            unless_finished(self.record_params(id, result.params.clone()))?;
        }
        if result.meta != Metadata::default() {
            unless_finished(self.set_metadata(id, result.meta.clone()))?;
        }
        for (key, value) in &result.user_attrs {
            unless_finished(self.set_user_attr(id, key, value.clone()))?;
        }
        for (step, value) in &result.reports {
            unless_finished(self.report(id, *step, *value))?;
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
#[derive(Debug, Clone)]
pub struct ResultJournal {
    dir: PathBuf,
    file: PathBuf,
}

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
        ResultJournal {
            dir: dir.to_path_buf(),
            file: dir.join(format!("{host}-{}.jsonl", std::process::id())),
        }
    }

    /// This process's file.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// Adds a result, flushed to disk before returning.
    pub fn append(&self, result: &PendingResult) -> Result<()> {
        let line = serde_json::to_string(result).map_err(|e| self.error(&e))?;
        std::fs::create_dir_all(&self.dir).map_err(|e| self.error(&e))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .map_err(|e| self.error(&e))?;
        // A line of its own even after a torn write (a full disk, a kill):
        // blank lines are skipped when read.
        file.write_all(format!("\n{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| self.error(&e))
    }

    /// The results in this process's file.
    pub fn pending(&self) -> Result<Vec<PendingResult>> {
        Ok(read_lines(&self.file)?.0)
    }

    /// Drops the results of `trial` from this process's file (they are
    /// recorded); removes the file once it is empty.
    pub fn remove(&self, trial: TrialId) -> Result<()> {
        let (kept, _) = read_lines(&self.file)?;
        let kept: Vec<_> = kept.into_iter().filter(|r| r.trial != trial).collect();
        if kept.is_empty() {
            return match std::fs::remove_file(&self.file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.error(&e)),
                _ => Ok(()),
            };
        }
        self.rewrite(&self.file, &kept)
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

/// The results in a journal file (none if there is no file), and the lines
/// that could not be read.
fn read_lines(path: &Path) -> Result<(Vec<PendingResult>, Vec<String>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::Journal {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    let mut results = Vec::new();
    let mut bad = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(r) => results.push(r),
            Err(e) => bad.push(format!("unreadable line ({e}): {line}")),
        }
    }
    Ok((results, bad))
}
