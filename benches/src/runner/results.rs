//! What a suite run produces, as written to (and read from) its JSON file.

use super::SearcherChoice;
use crate::problem::{Family, OptimumKind, Problem};
use crate::summary::Summary;
use crate::{BenchError, Result};
use hyperspace_engine::Params;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The version of the results file layout.
pub const RESULTS_FORMAT: u32 = 1;

/// A problem as the results file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemInfo {
    /// Its catalog name.
    pub name: String,
    /// Its family.
    pub family: Family,
    /// The number of parameters.
    pub dims: usize,
    /// The optimum regret is measured from.
    pub optimum: f64,
    /// Whether the optimum is known or a recorded reference.
    pub optimum_kind: OptimumKind,
    /// Where it comes from.
    pub source: String,
}

impl ProblemInfo {
    /// Describes `problem`.
    pub fn of(problem: &dyn Problem) -> Self {
        Self {
            name: problem.name().to_string(),
            family: problem.family(),
            dims: problem.dims(),
            optimum: problem.optimum().value,
            optimum_kind: problem.optimum().kind,
            source: problem.source().to_string(),
        }
    }
}

/// Why a run stopped before its budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "message")]
pub enum RunStop {
    /// The searcher had nothing left to propose (an exhausted grid); the
    /// curve is carried flat to the budget.
    Exhausted(String),
    /// The searcher cannot search this space; the run has no curve.
    Unsupported(String),
    /// Anything else: a bug to look at; the run has no curve past it.
    Failed(String),
}

/// One searcher on one problem with one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The searcher's label.
    pub searcher: String,
    /// The problem's name.
    pub problem: String,
    /// The seed's index, `0..seeds`.
    pub seed_index: usize,
    /// The study seed, derived from the problem and the seed index (so every
    /// searcher meets the same seeds).
    pub study_seed: u64,
    /// Trials actually run.
    pub trials: usize,
    /// Simple regret of the incumbent (the trial with the best observed
    /// value, its noiseless value minus the optimum) after each trial;
    /// `budget` long unless the run failed.
    pub curve: Vec<f64>,
    /// The incumbent's observed value.
    pub best_observed: Option<f64>,
    /// The incumbent's noiseless value.
    pub best_value: Option<f64>,
    /// The incumbent's configuration.
    pub best_params: Option<Params>,
    /// Seconds spent asking and telling (the searcher and the study).
    pub search_seconds: f64,
    /// Seconds spent evaluating the objective.
    pub eval_seconds: f64,
    /// Why it stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<RunStop>,
}

impl RunRecord {
    /// Whether the run enters the statistics: it has a curve and did not
    /// fail (an exhausted grid counts, carried flat).
    pub fn counts(&self) -> bool {
        !self.curve.is_empty()
            && !matches!(
                self.stop,
                Some(RunStop::Failed(_) | RunStop::Unsupported(_))
            )
    }

    /// The regret after `fraction` of `budget` trials (carried flat past the
    /// last trial); `None` if the run has no curve.
    pub fn regret_at(&self, budget: usize, fraction: f64) -> Option<f64> {
        let i = budget_index(budget, fraction);
        self.curve
            .get(i.min(self.curve.len().checked_sub(1)?))
            .copied()
    }
}

/// The curve index after `fraction` of `budget` trials: trial
/// `ceil(fraction * budget)`, counted from 1.
pub fn budget_index(budget: usize, fraction: f64) -> usize {
    ((budget as f64 * fraction).ceil() as usize).clamp(1, budget.max(1)) - 1
}

/// Everything a suite run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteResults {
    /// [`RESULTS_FORMAT`].
    pub format: u32,
    /// The searchers, in report order.
    pub searchers: Vec<SearcherChoice>,
    /// The problems, in report order.
    pub problems: Vec<ProblemInfo>,
    /// Seeds per searcher and problem.
    pub seeds: usize,
    /// Trials per run.
    pub budget: usize,
    /// The baseline's label, if any.
    pub baseline: Option<String>,
    /// Wall-clock seconds of the whole suite.
    pub seconds: f64,
    /// Worker threads used.
    pub jobs: usize,
    /// Every run, by problem, then searcher, then seed.
    pub runs: Vec<RunRecord>,
    /// The statistics of the report.
    pub summary: Summary,
}

impl SuiteResults {
    /// The runs of `searcher` on `problem`, by seed.
    pub fn runs_of<'a>(
        &'a self,
        problem: &'a str,
        searcher: &'a str,
    ) -> impl Iterator<Item = &'a RunRecord> + 'a {
        self.runs
            .iter()
            .filter(move |r| r.problem == problem && r.searcher == searcher)
    }

    /// Writes the results as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| BenchError::Results {
            path: path.display().to_string(),
            source: e,
        })?;
        std::fs::write(path, text + "\n").map_err(|e| BenchError::Io {
            action: "write",
            path: path.display().to_string(),
            source: e,
        })
    }

    /// Reads a results file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| BenchError::Io {
            action: "read",
            path: path.display().to_string(),
            source: e,
        })?;
        serde_json::from_str(&text).map_err(|e| BenchError::Results {
            path: path.display().to_string(),
            source: e,
        })
    }
}
