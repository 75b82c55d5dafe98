//! Retargeting: a study's objectives may change to other metrics its trials
//! recorded. Storage keeps each replaced set of objectives with the time it
//! was replaced (the study's objective history); trials keep what they were
//! told, and are read under the current objectives here, so every past
//! trial that recorded the new metrics counts at once, and the old values
//! stay in storage for anyone who asks.
//!
//! The rule that keeps a worker that has not yet seen a retarget from
//! recording a result against the wrong objective: a trial's values are
//! read under the current objectives only through metric *names*. A tell
//! records each named objective's value as a metric too (see
//! `Study::tell`), so a result is always labelled with what it measured.
//! Only trials that finished before the first retarget (which may have been
//! told by a release that did not label them) take their labels from the
//! first objectives by time.

use crate::{Objective, StudyConfig, Trial, TrialState};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One replaced set of objectives: what the study optimized until `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveChange {
    /// The objectives the study optimized before the change.
    pub objectives: Vec<Objective>,
    /// When they were replaced (RFC 3339, UTC).
    pub until: String,
}

/// The objective history as stored (a JSON array), read back.
pub(crate) fn read_history(stored: &str) -> crate::Result<Vec<ObjectiveChange>> {
    serde_json::from_str(stored).map_err(|e| {
        crate::Error::Storage(format!(
            "the study's stored objective history cannot be read: {e}"
        ))
    })
}

/// A retarget as every SQL back-end applies it inside its transaction:
/// `check` sees the stored configuration and may refuse; the objectives it
/// replaces are appended to the stored history text (returned, to be
/// written) and `config` gets `objectives`. Each back-end keeps only its SQL.
pub(crate) fn apply_retarget(
    config: &mut StudyConfig,
    history: &str,
    objectives: &[Objective],
    at: &str,
    check: &dyn Fn(&StudyConfig) -> crate::Result<()>,
) -> crate::Result<String> {
    check(config)?;
    let history = with_change(history, &config.objectives, at)?;
    config.objectives = objectives.to_vec();
    Ok(history)
}

/// The stored history `stored` with `old` appended, replaced at `until`.
fn with_change(stored: &str, old: &[Objective], until: &str) -> crate::Result<String> {
    let mut history = read_history(stored)?;
    history.push(ObjectiveChange {
        objectives: old.to_vec(),
        until: until.to_string(),
    });
    serde_json::to_string(&history).map_err(|e| {
        crate::Error::Storage(format!("cannot encode the objective history as JSON: {e}"))
    })
}

/// Rewrites `trial`'s result as it reads under `current` objectives, given
/// the study's objective `history` (nothing changes for a study never
/// retargeted). A finished trial that recorded every current objective's
/// metric gets those as its values; one that did not keeps its state but
/// loses its values, so searchers and `best` leave it out. A pruned trial
/// from before the last change is left out too (its value measured the old
/// objective).
pub(crate) fn read_under(trial: &mut Trial, current: &[Objective], history: &[ObjectiveChange]) {
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return;
    };
    let finished = trial.meta.finished.as_deref();
    match trial.state {
        TrialState::Complete => {}
        TrialState::Pruned if finished.is_none_or(|f| f < last.until.as_str()) => {
            leave_out(trial);
            return;
        }
        _ => return,
    }
    let mut recorded: IndexMap<&str, f64> = trial
        .metrics
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let before_first = finished.is_none_or(|f| f < first.until.as_str());
    if before_first && trial.values.len() == first.objectives.len() {
        for (objective, value) in first.objectives.iter().zip(&trial.values) {
            if let Some(name) = objective.name.as_deref() {
                recorded.entry(name).or_insert(*value);
            }
        }
    }
    let values: Option<Vec<f64>> = current
        .iter()
        .map(|o| o.name.as_deref().and_then(|n| recorded.get(n).copied()))
        .collect();
    match values {
        Some(values) => {
            trial.value = values.first().copied();
            trial.values = values;
        }
        None => leave_out(trial),
    }
}

fn leave_out(trial: &mut Trial) {
    trial.value = None;
    trial.values.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Direction, Metadata, Params, StudyId, TrialId};
    use std::collections::BTreeMap;

    fn trial(values: &[f64], metrics: &[(&str, f64)], finished: &str) -> Trial {
        Trial {
            id: TrialId(1),
            study: StudyId(1),
            number: 0,
            state: TrialState::Complete,
            params: Params::new(),
            value: values.first().copied(),
            values: values.to_vec(),
            constraints: Vec::new(),
            metrics: metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            intermediate: BTreeMap::new(),
            intermediate_metrics: Default::default(),
            budget: None,
            parent: None,
            user_attrs: IndexMap::new(),
            meta: Metadata {
                finished: Some(finished.to_string()),
                ..Metadata::default()
            },
            message: None,
            change: 0,
        }
    }

    fn history(old: &[Objective]) -> Vec<ObjectiveChange> {
        vec![ObjectiveChange {
            objectives: old.to_vec(),
            until: "2026-01-02T00:00:00.000Z".into(),
        }]
    }

    const BEFORE: &str = "2026-01-01T00:00:00.000Z";
    const AFTER: &str = "2026-01-03T00:00:00.000Z";

    #[test]
    fn a_study_never_retargeted_reads_trials_as_stored() {
        let mut t = trial(&[0.5], &[("auc", 0.9)], BEFORE);
        read_under(&mut t, &[Objective::named("auc", Direction::Maximize)], &[]);
        assert_eq!(t.values, [0.5]);
    }

    #[test]
    fn a_trial_that_recorded_the_new_metric_counts_with_it() {
        let old = [Objective::named("loss", Direction::Minimize)];
        let mut t = trial(&[0.5], &[("auc", 0.9)], BEFORE);
        let now = [Objective::named("auc", Direction::Maximize)];
        read_under(&mut t, &now, &history(&old));
        assert_eq!((t.value, t.values.as_slice()), (Some(0.9), &[0.9][..]));
        // Back to the old objective: its value, labelled by time, returns.
        let two = [
            Objective::named("auc", Direction::Maximize),
            Objective::named("loss", Direction::Minimize),
        ];
        let mut t = trial(&[0.5], &[("auc", 0.9)], BEFORE);
        read_under(&mut t, &two, &history(&old));
        assert_eq!(t.values, [0.9, 0.5]);
    }

    #[test]
    fn a_trial_without_the_new_metric_is_left_out() {
        let old = [Objective::named("loss", Direction::Minimize)];
        let mut t = trial(&[0.5], &[("acc", 0.7)], BEFORE);
        read_under(
            &mut t,
            &[Objective::named("auc", Direction::Maximize)],
            &history(&old),
        );
        assert_eq!(
            (t.value, t.values.len(), t.state),
            (None, 0, TrialState::Complete)
        );
    }

    #[test]
    fn values_told_after_the_retarget_count_only_through_their_metric_names() {
        // A worker that had not seen the retarget tells its old objective's
        // value: the value is not taken for the new objective.
        let old = [Objective::new(Direction::Minimize)];
        let mut t = trial(&[0.5], &[], AFTER);
        read_under(
            &mut t,
            &[Objective::named("auc", Direction::Maximize)],
            &history(&old),
        );
        assert!(t.values.is_empty());
        let mut t = trial(&[0.5], &[("loss", 0.5)], AFTER);
        read_under(
            &mut t,
            &[Objective::named("loss", Direction::Minimize)],
            &history(&old),
        );
        assert_eq!(t.values, [0.5]);
    }
}
