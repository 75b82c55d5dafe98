//! Trials: one evaluated (or queued, or running) configuration and all that
//! is known about it.

use crate::{Error, Params, Result};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A trial's id, unique in its storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrialId(pub i64);

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A study's id, unique in its storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StudyId(pub i64);

/// The metadata key that marks a quarantined trial (see [`Trial::damage`]).
pub const DAMAGE_KEY: &str = "hyperspace.damaged";

/// Where a trial is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialState {
    /// Queued: fixed parameters, waiting for a worker.
    Waiting,
    /// Handed out, no result yet.
    Running,
    /// Finished with an objective value.
    Complete,
    /// Stopped early by a pruner; its value is its last intermediate value.
    Pruned,
    /// Failed: crashed, timed out, or gave no usable value.
    Failed,
}

impl TrialState {
    /// Whether the trial can no longer change.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TrialState::Complete | TrialState::Pruned | TrialState::Failed
        )
    }

    /// The lowercase name used in storage and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Waiting => "waiting",
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
        }
    }

    /// Parses a state name.
    pub fn parse(text: &str) -> Result<TrialState> {
        Ok(match text {
            "waiting" => TrialState::Waiting,
            "running" => TrialState::Running,
            "complete" => TrialState::Complete,
            "pruned" => TrialState::Pruned,
            "failed" => TrialState::Failed,
            other => {
                return Err(Error::Storage(format!(
                    "unknown trial state '{other}' (expected waiting, running, complete, pruned or failed)"
                )))
            }
        })
    }
}

impl fmt::Display for TrialState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether smaller or larger objective values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Smaller is better.
    #[default]
    Minimize,
    /// Larger is better.
    Maximize,
}

impl Direction {
    /// Whether `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }

    /// The best complete trial among `trials` (the first of equals), if any.
    pub fn best<'a>(self, trials: impl IntoIterator<Item = &'a Trial>) -> Option<&'a Trial> {
        trials
            .into_iter()
            .filter(|t| t.state == TrialState::Complete)
            .filter_map(|t| t.value.map(|v| (t, v)))
            .fold(None::<(&Trial, f64)>, |best, (t, v)| match best {
                Some((_, b)) if !self.better(v, b) => best,
                _ => Some((t, v)),
            })
            .map(|(t, _)| t)
    }

    /// The value as a loss: itself when minimizing, negated when maximizing.
    pub fn to_loss(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }

    /// Parses `minimize`/`min` or `maximize`/`max`.
    pub fn parse(text: &str) -> Result<Direction> {
        match text {
            "minimize" | "min" => Ok(Direction::Minimize),
            "maximize" | "max" => Ok(Direction::Maximize),
            other => Err(crate::StudyError::UnknownDirection {
                given: other.to_string(),
            }
            .into()),
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        })
    }
}

/// What is needed to reproduce a trial, and when it ran.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// The seed of the trial's random stream, derived from the study's seed
    /// and the trial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The machine that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The process that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// When it was handed out (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// The last sign of life from the worker running it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<String>,
    /// The trial's lease, in seconds: how long the worker holding it may
    /// go without a heartbeat before others presume it dead. Only trials
    /// with heartbeats have one; a trial without is never recovered
    /// automatically (a `hyperspace suggest` trial, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_secs: Option<f64>,
    /// When another process presumed its worker dead and failed it (RFC
    /// 3339). Such a trial still takes its worker's result if it arrives
    /// late: the result is never thrown away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandoned: Option<String>,
    /// When the result of a trial presumed dead arrived after all (RFC
    /// 3339); from then on it is finished for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_result: Option<String>,
    /// For a copy queued when a trial was presumed dead: that trial. The
    /// copy is withdrawn if the original's late result arrives before it
    /// starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovers: Option<TrialId>,
    /// The searcher that proposed the trial's parameters (`"tpe"`,
    /// `"auto:gp"`, ...): the study's searcher, or the one it delegated to.
    /// Unset for a trial whose parameters were all given (a queued trial
    /// fixing every one) and for trials recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<String>,
    /// The code's version (a git commit, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_version: Option<String>,
    /// The data's version, as the user names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_version: Option<String>,
    /// The files the trial left in its artifact directory, with sizes and
    /// content hashes (see [`crate::artifacts`]): recorded when it ends, so
    /// that a re-run can tell whether what it resumes from is still there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<crate::artifacts::Artifact>,
    /// Anything else worth keeping (command line, exit code, ...).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, serde_json::Value>,
}

/// A trial as storage holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Unique in the storage.
    pub id: TrialId,
    /// The study it belongs to.
    pub study: StudyId,
    /// Dense per study, from 0, in order of creation.
    pub number: u64,
    /// Where it is in its life.
    pub state: TrialState,
    /// Its configuration (for a define-by-run trial, what was suggested so far).
    pub params: Params,
    /// The first objective's value, once complete (or pruned with a last
    /// value): the study's one objective, for most studies.
    pub value: Option<f64>,
    /// One value per objective, once complete (`[value]` for a study of one
    /// objective; empty without a result).
    #[serde(default)]
    pub values: Vec<f64>,
    /// Constraint values the trial was told with; `c <= 0` each is
    /// feasible (see [`crate::is_feasible`]). Empty: no constraints.
    #[serde(default)]
    pub constraints: Vec<f64>,
    /// Other named metrics.
    pub metrics: IndexMap<String, f64>,
    /// Intermediate objective values by step: the series pruners read.
    pub intermediate: BTreeMap<u64, f64>,
    /// Other named metrics reported during the run (validation loss,
    /// accuracy, ...), by name, then step. Kept apart from `intermediate`
    /// so that pruners keep reading the objective's series alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intermediate_metrics: BTreeMap<String, BTreeMap<u64, f64>>,
    /// The budget (epochs, samples, ...) it was given, for multi-fidelity.
    pub budget: Option<f64>,
    /// The trial it continues or re-runs.
    pub parent: Option<TrialId>,
    /// Anything the user attached.
    pub user_attrs: IndexMap<String, serde_json::Value>,
    /// Reproducibility metadata.
    pub meta: Metadata,
    /// Why it failed, if it did.
    pub message: Option<String>,
    /// The storage's change counter at its last change.
    pub change: u64,
}

impl Trial {
    /// Why this trial is quarantined, if it is: its stored record cannot be
    /// read, or holds a value its study's space does not admit. Such a trial
    /// reads as failed, without a value, so the rest of its study stays
    /// usable; `hyperspace check` lists it.
    pub fn damage(&self) -> Option<&str> {
        self.meta.extra.get(DAMAGE_KEY).and_then(|v| v.as_str())
    }

    /// Marks the trial quarantined (see [`Trial::damage`]): failed, no value,
    /// with `reason` in its message. Nothing is written back; the record in
    /// storage stays as it was, for inspection.
    pub fn quarantine(&mut self, reason: String) {
        self.state = TrialState::Failed;
        self.value = None;
        self.values.clear();
        self.message = Some(format!("damaged record, quarantined: {reason}"));
        self.meta
            .extra
            .insert(DAMAGE_KEY.to_string(), serde_json::Value::String(reason));
    }

    /// The objective value of a finished trial that has one.
    pub fn finished_value(&self) -> Option<f64> {
        match self.state {
            TrialState::Complete | TrialState::Pruned => self.value,
            _ => None,
        }
    }

    /// The last intermediate value, by step.
    pub fn last_intermediate(&self) -> Option<(u64, f64)> {
        self.intermediate.iter().next_back().map(|(s, v)| (*s, *v))
    }
}

/// What a new trial starts with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewTrial {
    /// `Waiting` (queued) or `Running` (handed out).
    pub state: Option<TrialState>,
    /// Fixed parameters (all, some, or none).
    pub params: Params,
    /// Budget, for multi-fidelity searchers.
    pub budget: Option<f64>,
    /// The trial it continues.
    pub parent: Option<TrialId>,
    /// User attributes.
    pub user_attrs: IndexMap<String, serde_json::Value>,
    /// Metadata known at creation.
    pub meta: Metadata,
    /// A key no other trial of the study may hold (a grid point), so two
    /// workers never run the same point.
    pub claim: Option<String>,
    /// When set, the trial is created only if it gets this number, else
    /// storage answers `NumberTaken` and writes nothing: a proposal made
    /// for one number is never stored under another.
    pub expect_number: Option<u64>,
    /// When set, storage records `trial_seed(seed_base, number)` as the
    /// trial's seed, with the number it assigns, in the same write.
    pub seed_base: Option<u64>,
    /// Changes applied in order to the new trial before it is stored, in
    /// the same write: a finished trial brought in from elsewhere
    /// (`Study::add_trial`) arrives with its reports and its `Finish`, so
    /// it is never seen half-made, and follows the same rules as a trial
    /// that ran here.
    pub updates: Vec<crate::storage::TrialUpdate>,
}

impl NewTrial {
    /// The metadata of the trial numbered `number`, its seed derived.
    pub fn meta_for(&self, number: u64) -> Metadata {
        let mut meta = self.meta.clone();
        if let Some(base) = self.seed_base {
            meta.seed = Some(crate::seed::trial_seed(base, number));
        }
        meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: u64, state: TrialState, value: Option<f64>) -> Trial {
        Trial {
            id: TrialId(number as i64),
            study: StudyId(1),
            number,
            state,
            params: Params::new(),
            value,
            values: value.into_iter().collect(),
            constraints: Vec::new(),
            metrics: IndexMap::new(),
            intermediate: BTreeMap::new(),
            intermediate_metrics: BTreeMap::new(),
            budget: None,
            parent: None,
            user_attrs: IndexMap::new(),
            meta: Metadata::default(),
            message: None,
            change: 0,
        }
    }

    #[test]
    fn the_best_trial_is_the_first_complete_one_with_the_best_value() {
        let trials = [
            trial(0, TrialState::Complete, Some(2.0)),
            trial(1, TrialState::Pruned, Some(0.1)),
            trial(2, TrialState::Failed, Some(0.0)),
            trial(3, TrialState::Complete, Some(1.0)),
            trial(4, TrialState::Complete, Some(1.0)),
            trial(5, TrialState::Complete, Some(3.0)),
        ];
        let number = |d: Direction| d.best(&trials).map(|t| t.number);
        assert_eq!(number(Direction::Minimize), Some(3));
        assert_eq!(number(Direction::Maximize), Some(5));
        assert_eq!(Direction::Minimize.best(&trials[1..3]), None);
    }
}
