//! A study's objectives at work: results checked against them, the best
//! trial (one objective) or the Pareto front (several), and the plug-ins
//! a study with several objectives refuses.

use super::{Outcome, Study};
use crate::objective::{is_feasible, pareto_front};
use crate::TellError;
use crate::{Error, Registry, Result, Searcher, StudyConfig, Trial, TrialId, TrialState};

impl Study {
    /// The best complete, feasible trial (the first of equals), if any.
    ///
    /// A study with several objectives has no single best trial: it
    /// answers [`Error::SeveralObjectives`] (use [`Study::best_trials`]).
    /// A study whose finished trials all break a constraint answers
    /// [`Error::NoFeasibleTrial`].
    pub fn best_trial(&mut self) -> Result<Option<Trial>> {
        let config = self.record.config.clone();
        if config.is_multi_objective() {
            return Err(Error::SeveralObjectives {
                study: config.name,
                objectives: config.objectives.len(),
            });
        }
        let trials = self.trials()?;
        let best = config
            .primary_direction()
            .best(trials.iter().filter(|t| is_feasible(t)))
            .cloned();
        match best {
            None => no_feasible(&config, trials).map(|()| None),
            found => Ok(found),
        }
    }

    /// The Pareto front: the complete, feasible trials no other such trial
    /// dominates, in trial order (for one objective, the trials that share
    /// the best value). Empty if no trial is complete;
    /// [`Error::NoFeasibleTrial`] if every finished one breaks a
    /// constraint.
    pub fn best_trials(&mut self) -> Result<Vec<Trial>> {
        let config = self.record.config.clone();
        let directions = config.directions();
        let trials = self.trials()?;
        let front: Vec<Trial> = pareto_front(trials, &directions)
            .into_iter()
            .cloned()
            .collect();
        if front.is_empty() {
            no_feasible(&config, trials)?;
        }
        Ok(front)
    }

    /// Refuses a result that does not fit the study's objectives: a
    /// complete trial needs one value per objective, and a study with
    /// several objectives has no pruned trials (its value would be one
    /// intermediate number, not a point).
    pub(super) fn check_outcome(&self, id: TrialId, outcome: &Outcome) -> Result<()> {
        let expected = self.record.config.objectives.len();
        let given = outcome.values.len();
        let study = || self.record.config.name.clone();
        let reason = match outcome.state {
            TrialState::Complete if given != expected => TellError::WrongCount {
                study: study(),
                objectives: expected,
                given,
            },
            TrialState::Pruned if expected > 1 => TellError::PrunedWithSeveralObjectives {
                study: study(),
                objectives: expected,
            },
            TrialState::Pruned if given > 1 => TellError::PrunedWithSeveralValues { given },
            _ => return Ok(()),
        };
        Err(Error::InvalidTell { id, reason })
    }
}

/// `Ok` if some finished trial with a result keeps its constraints (or
/// none has a result yet), else [`Error::NoFeasibleTrial`].
fn no_feasible(config: &StudyConfig, trials: &[Trial]) -> Result<()> {
    let scored = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && !t.values.is_empty());
    let (mut feasible, mut infeasible) = (0, 0);
    for t in scored {
        if is_feasible(t) {
            feasible += 1;
        } else {
            infeasible += 1;
        }
    }
    if feasible == 0 && infeasible > 0 {
        return Err(Error::NoFeasibleTrial {
            study: config.name.clone(),
            infeasible,
        });
    }
    Ok(())
}

/// Refuses a searcher that handles one objective for a study with several,
/// naming the registered searchers that handle them.
pub(super) fn check_objectives(
    config: &StudyConfig,
    searcher: &dyn Searcher,
    registry: &Registry,
) -> Result<()> {
    if !config.is_multi_objective() || searcher.supports_multi_objective() {
        return Ok(());
    }
    let able: Vec<&str> = registry
        .names()
        .into_iter()
        .filter(|name| {
            registry
                .build(name, &serde_json::Value::Null)
                .is_ok_and(|s| s.supports_multi_objective())
        })
        .collect();
    Err(Error::NotMultiObjective {
        study: config.name.clone(),
        objectives: config.objectives.len(),
        what: format!(
            "searcher '{}' optimizes one objective",
            config.searcher.name
        ),
        hint: format!(
            "use a searcher that handles several: {}",
            if able.is_empty() {
                "none is registered".to_string()
            } else {
                able.join(", ")
            }
        ),
    })
}

/// The error for a pruner named for a study with several objectives.
pub(super) fn pruner_refused(config: &StudyConfig, pruner: &str) -> Error {
    Error::NotMultiObjective {
        study: config.name.clone(),
        objectives: config.objectives.len(),
        what: format!("pruner '{pruner}' judges one objective"),
        hint: "pruning is not supported for several objectives (as in Optuna): run it without a pruner".into(),
    }
}
