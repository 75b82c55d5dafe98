//! The changes a trial can go through, applied the same way by every
//! back-end: a back-end loads the trial, calls [`TrialUpdate::apply`] and
//! writes it back inside one transaction.

use crate::TellError;
use crate::{Error, Metadata, Params, Result, Trial, TrialState};
use indexmap::IndexMap;

/// One change to a trial.
#[derive(Debug, Clone, PartialEq)]
pub enum TrialUpdate {
    /// Adds parameters (a proposal, or one define-by-run suggestion), and
    /// optionally takes a claim key (a grid point).
    SetParams {
        /// Parameters to add or overwrite.
        params: Params,
        /// The budget to give it, if the searcher chose one.
        budget: Option<f64>,
        /// The trial it continues, if any.
        parent: Option<crate::TrialId>,
        /// The claim key to take.
        claim: Option<String>,
        /// The searcher that proposed them, kept in the trial's metadata
        /// ([`Metadata::proposer`]); `None` leaves it as it is.
        proposer: Option<String>,
    },
    /// Records what a trial measured at one step: the objective's
    /// intermediate value, other named metrics, or both, in one write.
    ///
    /// A series keeps the first value reported at a step (as Optuna does):
    /// a repeat is ignored, so a report replayed after a storage outage
    /// is never counted twice. [`crate::Study::report`] says when a repeat
    /// was ignored.
    ///
    /// Like [`TrialUpdate::Finish`], it carries the values a define-by-run
    /// trial was handed and that are not recorded yet, written in the same
    /// transaction: a trial's first report costs one write, not two, and
    /// is never stored without the values it was measured with.
    Report {
        /// The step (epoch, iteration).
        step: u64,
        /// The objective's value at that step (the series pruners read).
        value: Option<f64>,
        /// Other metrics at that step, by name.
        metrics: IndexMap<String, f64>,
        /// Parameters to add (or overwrite) with the report; empty: none.
        params: Params,
        /// The searcher that proposed them ([`Metadata::proposer`]); `None`
        /// leaves it as it is.
        proposer: Option<String>,
    },
    /// Finishes the trial, with the values it was handed and that are not
    /// recorded yet (a define-by-run trial's suggestions): they are written
    /// in the same transaction as the result, so one write finishes a
    /// trial, and a trial never finishes without the values it ran with.
    Finish {
        /// `Complete`, `Pruned` or `Failed`.
        state: TrialState,
        /// Parameters to add (or overwrite) as it finishes; empty: none.
        params: Params,
        /// The searcher that proposed them ([`Metadata::proposer`]); `None`
        /// leaves it as it is.
        proposer: Option<String>,
        /// One value per objective (empty: none, as for a failed trial or a
        /// pruned one that takes its last intermediate value).
        values: Vec<f64>,
        /// Constraint values (`c <= 0` is feasible); empty: none.
        constraints: Vec<f64>,
        /// Other metrics.
        metrics: IndexMap<String, f64>,
        /// Why it failed, if it did.
        message: Option<String>,
        /// When it finished (RFC 3339).
        finished: String,
    },
    /// Sets one user attribute.
    UserAttr {
        /// Attribute name.
        key: String,
        /// Attribute value.
        value: serde_json::Value,
    },
    /// Merges metadata: fields given here replace those stored (a
    /// non-empty artifact list replaces the stored one), `extra` entries
    /// are added.
    Meta(Metadata),
    /// Puts a running trial back in the queue (its worker stopped). Its
    /// reported series are cleared: whoever takes it up runs a fresh
    /// attempt from its first step, and the earlier attempt's values must
    /// neither block that attempt's reports (first value kept) nor mix
    /// into its curve, which pruners judge.
    Requeue,
    /// Fails a running trial whose worker went silent past its lease. The
    /// trial stays open to its worker's late reports and result.
    Abandon {
        /// Why it is presumed dead.
        message: String,
        /// When (RFC 3339).
        at: String,
    },
    /// Ends a queued trial that must not run after all (a re-queued copy
    /// whose original's late result arrived). Refused once it has started.
    Withdraw {
        /// Why.
        message: String,
        /// When (RFC 3339).
        at: String,
    },
}

impl TrialUpdate {
    /// A report of the objective's value alone at `step`.
    pub fn report(step: u64, value: f64) -> Self {
        TrialUpdate::Report {
            step,
            value: Some(value),
            metrics: IndexMap::new(),
            params: Params::new(),
            proposer: None,
        }
    }

    /// The claim key this update takes, if any.
    pub fn claim(&self) -> Option<&str> {
        match self {
            TrialUpdate::SetParams { claim, .. } => claim.as_deref(),
            _ => None,
        }
    }

    /// Applies the change, refusing to touch a finished trial and to record
    /// non-finite values.
    ///
    /// A trial failed as abandoned is the one exception to "finished trials
    /// never change": its worker may be alive after all (a long storage
    /// outage, a stalled machine), so its reports, metadata and result are
    /// still taken, and the result finishes it for good.
    pub fn apply(&self, trial: &mut Trial) -> Result<()> {
        if trial.state.is_finished() && !self.reaches_abandoned(trial) {
            return Err(Error::TrialFinished {
                id: trial.id,
                state: trial.state,
            });
        }
        match self {
            TrialUpdate::SetParams {
                params,
                budget,
                parent,
                proposer,
                ..
            } => {
                add_params(trial, params, proposer);
                trial.budget = budget.or(trial.budget);
                trial.parent = parent.or(trial.parent);
            }
            TrialUpdate::Report {
                step,
                value,
                metrics,
                params,
                proposer,
            } => {
                report(trial, *step, *value, metrics)?;
                add_params(trial, params, proposer);
            }
            TrialUpdate::Finish {
                state,
                params,
                proposer,
                values,
                constraints,
                metrics,
                message,
                finished,
            } => {
                if trial.state == TrialState::Waiting {
                    return Err(Error::InvalidTell {
                        id: trial.id,
                        reason: TellError::Queued,
                    });
                }
                let abandoned = self
                    .reaches_abandoned(trial)
                    .then(|| trial.meta.abandoned.clone())
                    .flatten();
                let message = match (&abandoned, message) {
                    (Some(at), Some(m)) => Some(format!(
                        "{m} (its result arrived after it was presumed dead at {at})"
                    )),
                    (Some(at), None) => Some(format!(
                        "its result arrived after it was presumed dead at {at}"
                    )),
                    (None, m) => m.clone(),
                };
                add_params(trial, params, proposer);
                finish(trial, *state, values, metrics, message)?;
                set_constraints(trial, *state, constraints)?;
                trial.meta.finished = Some(finished.clone());
                if abandoned.is_some() {
                    trial.meta.late_result = Some(finished.clone());
                }
            }
            TrialUpdate::Abandon { message, at } => {
                end_as_failed(trial, TrialState::Running, "abandoned", message, at)?;
                trial.meta.abandoned = Some(at.clone());
            }
            TrialUpdate::Withdraw { message, at } => {
                end_as_failed(trial, TrialState::Waiting, "withdrawn", message, at)?;
            }
            TrialUpdate::UserAttr { key, value } => {
                trial.user_attrs.insert(key.clone(), value.clone());
            }
            TrialUpdate::Meta(meta) => merge_meta(&mut trial.meta, meta),
            TrialUpdate::Requeue => {
                require_state(trial, TrialState::Running, "re-queued")?;
                trial.state = TrialState::Waiting;
                trial.intermediate.clear();
                trial.intermediate_metrics.clear();
            }
        }
        Ok(())
    }
}

impl TrialUpdate {
    /// Whether this change still applies to a trial failed as abandoned:
    /// what its worker sends (reports, metadata, the result, each with
    /// the values it was handed that a late report or tell carries), not
    /// parameters on their own or a place in the queue.
    fn reaches_abandoned(&self, trial: &Trial) -> bool {
        trial.state == TrialState::Failed
            && trial.meta.abandoned.is_some()
            && trial.meta.late_result.is_none()
            && matches!(
                self,
                TrialUpdate::Report { .. }
                    | TrialUpdate::Finish { .. }
                    | TrialUpdate::UserAttr { .. }
                    | TrialUpdate::Meta(_)
            )
    }
}

/// Adds (or overwrites) parameters, and names the searcher that proposed
/// them unless `proposer` is `None`.
fn add_params(trial: &mut Trial, params: &Params, proposer: &Option<String>) {
    if trial.params.is_empty() {
        // The usual first write of a trial's values: a copy of the map
        // keeps its hash table (no name hashed again).
        trial.params.clone_from(params);
    } else {
        for (k, v) in params {
            trial.params.insert(k.clone(), v.clone());
        }
    }
    if proposer.is_some() {
        trial.meta.proposer.clone_from(proposer);
    }
}

/// Records one step's values, each series keeping the value it already
/// has at that step; refuses the whole report if any value is not a
/// number (nothing of it is written then).
fn report(
    trial: &mut Trial,
    step: u64,
    value: Option<f64>,
    metrics: &IndexMap<String, f64>,
) -> Result<()> {
    let named = metrics.iter().map(|(k, v)| (Some(k.as_str()), *v));
    for (name, v) in value.map(|v| (None, v)).into_iter().chain(named) {
        if !v.is_finite() {
            return Err(Error::NonFiniteValue {
                id: trial.id,
                what: match name {
                    None => format!("the value reported at step {step}"),
                    Some(name) => format!("metric '{name}' reported at step {step}"),
                },
                value: v,
            });
        }
    }
    if let Some(v) = value {
        trial.intermediate.entry(step).or_insert(v);
    }
    for (name, v) in metrics {
        trial
            .intermediate_metrics
            .entry(name.clone())
            .or_default()
            .entry(step)
            .or_insert(*v);
    }
    Ok(())
}

/// Refuses a change that only a trial in state `from` can go through
/// (`what` names the change, for the message).
fn require_state(trial: &Trial, from: TrialState, what: &str) -> Result<()> {
    if trial.state == from {
        return Ok(());
    }
    Err(Error::InvalidTell {
        id: trial.id,
        reason: TellError::WrongState {
            from,
            change: what.to_string(),
            state: trial.state,
        },
    })
}

/// Fails a trial that is `from` (and only then) with `message`, as of `at`.
fn end_as_failed(
    trial: &mut Trial,
    from: TrialState,
    what: &str,
    message: &str,
    at: &str,
) -> Result<()> {
    require_state(trial, from, what)?;
    trial.state = TrialState::Failed;
    trial.message = Some(message.to_string());
    trial.meta.finished = Some(at.to_string());
    Ok(())
}

fn finish(
    trial: &mut Trial,
    state: TrialState,
    values: &[f64],
    metrics: &IndexMap<String, f64>,
    message: Option<String>,
) -> Result<()> {
    let id = trial.id;
    for (name, v) in metrics {
        if !v.is_finite() && state != TrialState::Failed {
            return Err(Error::NonFiniteValue {
                id,
                what: format!("metric '{name}'"),
                value: *v,
            });
        }
    }
    let values: Vec<f64> = match (state, values) {
        (TrialState::Complete, []) => {
            return Err(Error::InvalidTell {
                id,
                reason: TellError::NoValue,
            })
        }
        (TrialState::Pruned, []) => trial
            .last_intermediate()
            .map(|(_, v)| v)
            .into_iter()
            .collect(),
        (_, v) => v.to_vec(),
    };
    match state {
        // A failed trial keeps what it had only if all of it is a number.
        TrialState::Failed => {
            trial.values = if values.iter().all(|x| x.is_finite()) {
                values
            } else {
                Vec::new()
            };
        }
        TrialState::Complete | TrialState::Pruned => {
            if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFiniteValue {
                    id,
                    what: objective_name(i, values.len()),
                    value: *v,
                });
            }
            trial.values = values;
        }
        other => {
            return Err(Error::InvalidTell {
                id,
                reason: TellError::NotAnEnding { state: other },
            })
        }
    }
    trial.value = trial.values.first().copied();
    trial.state = state;
    trial
        .metrics
        .extend(metrics.iter().map(|(k, v)| (k.clone(), *v)));
    trial.message = message;
    Ok(())
}

/// How a message names value `i` of `n`.
fn objective_name(i: usize, n: usize) -> String {
    if n == 1 {
        "the objective value".into()
    } else {
        format!("objective value {} of {n}", i + 1)
    }
}

/// Records the constraint values a finishing trial was told with: numbers
/// each, except on a failed trial, which keeps none that are not.
fn set_constraints(trial: &mut Trial, state: TrialState, constraints: &[f64]) -> Result<()> {
    if let Some((i, c)) = constraints.iter().enumerate().find(|(_, c)| !c.is_finite()) {
        if state == TrialState::Failed {
            return Ok(());
        }
        return Err(Error::NonFiniteValue {
            id: trial.id,
            what: format!("constraint {} of {}", i + 1, constraints.len()),
            value: *c,
        });
    }
    trial.constraints = constraints.to_vec();
    Ok(())
}

fn merge_meta(into: &mut Metadata, from: &Metadata) {
    macro_rules! take {
        ($($field:ident),*) => { $( if from.$field.is_some() { into.$field = from.$field.clone(); } )* };
    }
    take!(
        seed,
        host,
        pid,
        started,
        finished,
        heartbeat,
        lease_secs,
        abandoned,
        late_result,
        recovers,
        proposer,
        code_version,
        data_version
    );
    if !from.artifacts.is_empty() {
        into.artifacts = from.artifacts.clone();
    }
    into.extra
        .extend(from.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
}
