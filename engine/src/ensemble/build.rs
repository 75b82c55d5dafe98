//! Building an ensemble from a study: rank its complete trials by the
//! objective, read the top ones' saved predictions and the targets, check
//! them against the metric, select greedily, and store the result.

use super::combine::{one_hot, Combine};
use super::files::{find, read_matrix, PREDICTIONS, TARGETS};
use super::metric::{is_labels, Metric};
use super::select::greedy;
use super::stored::{check_name, Ensemble, DEFAULT_NAME};
use crate::artifacts::{study_artifact_dir, trial_artifact_dir};
use crate::error::EnsembleError;
use crate::{Result, Study, Trial, TrialState};
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// The largest `top` and `size` accepted: enough for any library of models,
/// small enough that a typo does not start hours of work.
pub const MAX_TOP: usize = 10_000;

/// What to build: over how many trials, by which metric, in how many rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleSettings {
    /// The metric to select by.
    pub metric: Metric,
    /// How many of the best trials (by the study's objective) are candidates.
    pub top: usize,
    /// Rounds of greedy selection.
    pub size: usize,
    /// The name to store it under ([`DEFAULT_NAME`] when `None`).
    pub name: Option<String>,
}

impl EnsembleSettings {
    /// Settings for `metric` with the defaults: top 20, size 10.
    pub fn new(metric: Metric) -> Self {
        EnsembleSettings {
            metric,
            top: 20,
            size: 10,
            name: None,
        }
    }

    fn check(&self) -> std::result::Result<String, EnsembleError> {
        for (name, value) in [("top", self.top), ("size", self.size)] {
            if value == 0 || value > MAX_TOP {
                return Err(EnsembleError::Setting {
                    name: name.to_string(),
                    given: value.to_string(),
                    reason: format!("it must be between 1 and {MAX_TOP}"),
                });
            }
        }
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        check_name(&name)?;
        Ok(name)
    }
}

/// One candidate trial's predictions as read.
struct Candidate {
    number: u64,
    path: PathBuf,
    predictions: Array2<f64>,
}

impl Study {
    /// Builds an ensemble from `trials` (the study's, perhaps filtered by
    /// the caller) whose files are under the artifact store `root`, and
    /// stores it in the study.
    pub fn build_ensemble(
        &self,
        trials: &[Trial],
        root: &Path,
        settings: &EnsembleSettings,
    ) -> Result<Ensemble> {
        let name = settings.check()?;
        let objectives = self.config().objectives.len();
        if objectives > 1 {
            return Err(EnsembleError::MultiObjective {
                study: self.name().to_string(),
                objectives,
            }
            .into());
        }
        let ranked = rank(trials, self.config().primary_direction(), settings.top);
        if ranked.is_empty() {
            return Err(EnsembleError::NoCandidates {
                study: self.name().to_string(),
                filtered: String::new(),
            }
            .into());
        }
        let study_dir = study_artifact_dir(root, self.name());
        let (targets, targets_path) = read_targets(&ranked, root, self.name(), &study_dir)?;
        let mut candidates = Vec::with_capacity(ranked.len());
        for trial in &ranked {
            let dir = trial_artifact_dir(root, self.name(), trial.number);
            let path = find(&dir, PREDICTIONS).ok_or_else(|| EnsembleError::NoPredictions {
                trial: trial.number,
                dir: dir.display().to_string(),
            })?;
            let predictions = read_matrix(&path)?;
            if predictions.nrows() != targets.len() {
                return Err(EnsembleError::RowCount {
                    path: path.display().to_string(),
                    found: predictions.nrows(),
                    targets: targets_path.display().to_string(),
                    expected: targets.len(),
                }
                .into());
            }
            candidates.push(Candidate {
                number: trial.number,
                path,
                predictions,
            });
        }
        let combine = check_candidates(&candidates, &targets, settings.metric)?;
        let matrices = as_scored(&candidates, &targets, combine);
        let selection = greedy(&matrices, &targets, settings.metric, settings.size);
        let rounds = selection.rounds.max(1) as f64;
        let (members, weights): (Vec<u64>, Vec<f64>) = candidates
            .iter()
            .zip(&selection.counts)
            .filter(|(_, &n)| n > 0)
            .map(|(c, &n)| (c.number, n as f64 / rounds))
            .unzip();
        let ensemble = Ensemble {
            name,
            members,
            weights,
            metric: settings.metric,
            combine,
            score: selection.score,
            best_single_score: selection.best_single_score,
            best_single: candidates[selection.best_single].number,
            candidates: candidates.iter().map(|c| c.number).collect(),
            size: settings.size,
            rounds: selection.rounds,
        };
        self.save_ensemble(&ensemble)?;
        Ok(ensemble)
    }
}

/// The `top` complete trials with a value, best first by `direction`
/// (the earlier trial first among equals).
fn rank(trials: &[Trial], direction: crate::Direction, top: usize) -> Vec<&Trial> {
    let mut complete: Vec<(&Trial, f64)> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (t, v)))
        .collect();
    complete.sort_by(|a, b| {
        direction
            .to_loss(a.1)
            .total_cmp(&direction.to_loss(b.1))
            .then(a.0.number.cmp(&b.0.number))
    });
    complete.into_iter().take(top).map(|(t, _)| t).collect()
}

/// The validation targets: the study's `targets` file if there is one,
/// else each candidate's own, which must then all agree.
fn read_targets(
    ranked: &[&Trial],
    root: &Path,
    study: &str,
    study_dir: &Path,
) -> Result<(Vec<f64>, PathBuf)> {
    if let Some(path) = find(study_dir, TARGETS) {
        return Ok((target_column(&path)?, path));
    }
    let mut first: Option<(Vec<f64>, PathBuf)> = None;
    for trial in ranked {
        let dir = trial_artifact_dir(root, study, trial.number);
        let path = find(&dir, TARGETS).ok_or_else(|| EnsembleError::NoTargets {
            trial: trial.number,
            trial_dir: dir.display().to_string(),
            study_dir: study_dir.display().to_string(),
        })?;
        let column = target_column(&path)?;
        match &first {
            None => first = Some((column, path)),
            Some((seen, other)) if *seen != column => {
                return Err(EnsembleError::TargetsDiffer {
                    path: path.display().to_string(),
                    other: other.display().to_string(),
                }
                .into())
            }
            Some(_) => {}
        }
    }
    // `ranked` is not empty, so a first targets file was read or an error returned
    first.ok_or_else(|| {
        crate::Error::Storage("no candidate trials to read targets from".to_string())
    })
}

fn target_column(path: &Path) -> Result<Vec<f64>> {
    let m = read_matrix(path)?;
    if m.ncols() != 1 {
        return Err(EnsembleError::Read {
            path: path.display().to_string(),
            reason: format!("targets need one column; it has {}", m.ncols()),
        }
        .into());
    }
    Ok(m.column(0).to_vec())
}

/// Checks every candidate against the metric and the first candidate's
/// shape, and decides how members combine: a vote when accuracy is scored
/// on label columns, a mean otherwise.
fn check_candidates(
    candidates: &[Candidate],
    targets: &[f64],
    metric: Metric,
) -> std::result::Result<Combine, EnsembleError> {
    let Some(first) = candidates.first() else {
        return Ok(Combine::Mean);
    };
    for c in candidates {
        if c.predictions.ncols() != first.predictions.ncols() {
            return Err(EnsembleError::ColumnCount {
                path: c.path.display().to_string(),
                found: c.predictions.ncols(),
                other: first.path.display().to_string(),
                expected: first.predictions.ncols(),
            });
        }
    }
    let labels =
        metric == Metric::Accuracy && candidates.iter().all(|c| is_labels(c.predictions.view()));
    for c in candidates {
        let file = c.path.display().to_string();
        if labels {
            metric.check(targets, 1, &file, c.predictions.view())?;
        } else {
            // a whole-number column next to probability columns is read as
            // probabilities: check it as such
            let values = c.predictions.view();
            let as_probabilities = metric == Metric::Accuracy && values.ncols() == 1;
            if as_probabilities {
                if let Some(v) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                    return Err(EnsembleError::Metric {
                        metric: metric.as_str().to_string(),
                        reason: format!("{file} mixes labels and probabilities of class 1 with other members ({v} is neither); save one kind for every trial"),
                    });
                }
            }
            metric.check(targets, values.ncols(), &file, values)?;
        }
    }
    Ok(if labels { Combine::Vote } else { Combine::Mean })
}

/// The matrices greedy selection scores: the predictions themselves, or
/// for a vote each label column as one column per class.
fn as_scored(candidates: &[Candidate], targets: &[f64], combine: Combine) -> Vec<Array2<f64>> {
    match combine {
        Combine::Mean => candidates.iter().map(|c| c.predictions.clone()).collect(),
        Combine::Vote => {
            let largest = candidates
                .iter()
                .flat_map(|c| c.predictions.iter())
                .chain(targets)
                .fold(1.0f64, |m, v| m.max(*v));
            let classes = largest as usize + 1;
            candidates
                .iter()
                .map(|c| one_hot(c.predictions.view(), classes))
                .collect()
        }
    }
}
