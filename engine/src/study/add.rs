//! Finished trials brought in from elsewhere: Optuna's `add_trial`, a copy
//! of another study, an import of an Optuna history. Each is checked by the
//! rules a trial that ran here follows (its parameters against the study's
//! space, its values against the study's objectives, its reports as
//! `report` takes them) and stored in one write, finished.

use super::driver::Study;
use super::Outcome;
use crate::storage::TrialUpdate;
use crate::{ConfigError, Error, Metadata, NewTrial, Param, Params, Result, Space, Trial};
use crate::{StudyId, TrialId, TrialState};
use indexmap::IndexMap;
use std::collections::BTreeMap;

/// A finished trial from elsewhere, as [`Study::add_trials`] takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedTrial {
    /// Each parameter's distribution (as Optuna's `create_trial` takes
    /// them). A parameter of the study's space may be left out here: the
    /// space's definition is used.
    pub distributions: IndexMap<String, Param>,
    /// The parameter values.
    pub params: Params,
    /// How it ended, with its values (one per objective), constraints,
    /// metrics and message.
    pub outcome: Outcome,
    /// Intermediate values, by step.
    pub intermediate: BTreeMap<u64, f64>,
    /// Other metrics reported by step (see
    /// [`Trial::intermediate_metrics`]).
    pub intermediate_metrics: BTreeMap<String, BTreeMap<u64, f64>>,
    /// User attributes.
    pub user_attrs: IndexMap<String, serde_json::Value>,
    /// When it started and finished (RFC 3339); now if not known.
    pub started: Option<String>,
    /// See `started`.
    pub finished: Option<String>,
}

impl AddedTrial {
    /// A trial that ended as `outcome`, with these parameters.
    pub fn new(distributions: IndexMap<String, Param>, params: Params, outcome: Outcome) -> Self {
        Self {
            distributions,
            params,
            outcome,
            intermediate: BTreeMap::new(),
            intermediate_metrics: BTreeMap::new(),
            user_attrs: IndexMap::new(),
            started: None,
            finished: None,
        }
    }
}

impl Study {
    /// Adds one finished trial; see [`Study::add_trials`].
    pub fn add_trial(&mut self, trial: AddedTrial) -> Result<Trial> {
        let mut added = self.add_trials(vec![trial])?;
        added
            .pop()
            .ok_or_else(|| Error::Storage("the added trial was not stored".into()))
    }

    /// Adds finished trials (complete, pruned or failed) made elsewhere,
    /// by number after the study's own. Their distributions join the
    /// study's space as a define-by-run suggestion's would (a name already
    /// there must keep its definition). Every trial is checked before
    /// anything is written, so one bad trial stores none of them; each is
    /// then stored in one write.
    pub fn add_trials(&mut self, trials: Vec<AddedTrial>) -> Result<Vec<Trial>> {
        let mut space = self.record.config.space.clone();
        let mut ready = Vec::with_capacity(trials.len());
        for added in trials {
            for (name, param) in &added.distributions {
                space = space.with_param(name, param)?;
            }
            ready.push(self.as_new_trial(&space, added)?);
        }
        if space != self.record.config.space {
            let grown = space.clone();
            self.record.config.space =
                self.storage.update_space(self.record.id, &|s: &Space| {
                    grown
                        .entries()
                        .iter()
                        .try_fold(s.clone(), |s, e| s.with_param(&e.name, &e.param))
                })?;
        }
        ready
            .iter()
            .map(|new| self.storage.create_trial(self.record.id, new))
            .collect()
    }

    /// The new trial `added` becomes, checked against `space` and the
    /// study's objectives by building it in memory.
    fn as_new_trial(&self, space: &Space, added: AddedTrial) -> Result<NewTrial> {
        let missing = added
            .distributions
            .keys()
            .find(|name| !added.params.contains_key(*name));
        if let Some(name) = missing {
            return Err(Error::InvalidConfig {
                param: name.clone(),
                reason: ConfigError::Missing,
            });
        }
        let mut params = Params::new();
        for (name, value) in &added.params {
            let param = match added.distributions.get(name) {
                Some(p) => p,
                None => match space.get(name) {
                    Some(entry) => &entry.param,
                    None => {
                        return Err(Error::InvalidConfig {
                            param: name.clone(),
                            reason: ConfigError::NotInSpace {
                                known: space.names().iter().map(|s| s.to_string()).collect(),
                            },
                        })
                    }
                },
            };
            let value = param.coerce(value).map_err(|reason| Error::InvalidConfig {
                param: name.clone(),
                reason: reason.into(),
            })?;
            params.insert(name.clone(), value);
        }
        let outcome = added.outcome.settle();
        if !outcome.state.is_finished() {
            return Err(Error::InvalidTell {
                id: TrialId(0),
                reason: crate::TellError::NotAnEnding {
                    state: outcome.state,
                },
            });
        }
        self.check_outcome(TrialId(0), &outcome)?;
        let now = crate::now();
        // One report per step, the objective's value and the metrics
        // together, as a run would have sent them.
        let mut steps: BTreeMap<u64, (Option<f64>, IndexMap<String, f64>)> = BTreeMap::new();
        for (&step, &v) in &added.intermediate {
            steps.entry(step).or_default().0 = Some(v);
        }
        for (name, series) in &added.intermediate_metrics {
            for (&step, &v) in series {
                steps.entry(step).or_default().1.insert(name.clone(), v);
            }
        }
        let mut updates: Vec<TrialUpdate> = steps
            .into_iter()
            .map(|(step, (value, metrics))| TrialUpdate::Report {
                step,
                value,
                metrics,
                params: Params::new(),
                proposer: None,
            })
            .collect();
        updates.push(TrialUpdate::Finish {
            params: Default::default(),
            proposer: None,
            state: outcome.state,
            values: outcome.values,
            constraints: outcome.constraints,
            metrics: outcome.metrics,
            message: outcome.message,
            finished: added.finished.unwrap_or_else(|| now.clone()),
        });
        let new = NewTrial {
            state: Some(TrialState::Running),
            params,
            user_attrs: added.user_attrs,
            meta: Metadata {
                started: Some(added.started.unwrap_or(now)),
                ..Metadata::default()
            },
            updates,
            ..NewTrial::default()
        };
        // Built once here, so a trial storage would refuse is refused
        // before anything is written.
        crate::storage::new_trial(&new, TrialId(0), StudyId(0), 0, 0)?;
        Ok(new)
    }
}
