//! Reports during a trial's run: the objective's intermediate value (the
//! series pruners read) and any other named metrics, per step.
//!
//! The rules, in one place:
//! - A metric named like the study's (first) objective *is* the
//!   objective's series, and so is one named [`OBJECTIVE_KEY`] (`value`)
//!   when the objective has no name; every other name is kept apart, per
//!   (trial, metric, step), in [`crate::Trial::intermediate_metrics`].
//! - Each series keeps the first value reported at a step (as Optuna
//!   does); a repeat is ignored and named in [`Reported::repeated`], so
//!   the caller can warn. A report replayed after a storage outage is
//!   therefore never counted twice.
//! - A trial put back in the queue (its worker stopped) starts a fresh
//!   attempt: its series are cleared (see
//!   [`crate::TrialUpdate::Requeue`]), so the earlier attempt's values
//!   neither block the retry's reports nor mix into its curve. A trial
//!   presumed dead is not re-run itself: a copy is queued as a new trial
//!   with empty series, while the original keeps its own and still takes
//!   its worker's late reports (by the same first-value rule).

use super::driver::Study;
use crate::storage::TrialUpdate;
use crate::{Error, Params, Result, TellError, Trial, TrialId};
use indexmap::IndexMap;
use std::fmt;

/// The metric name that stands for the objective's value in a report,
/// when the objective has no name of its own.
pub const OBJECTIVE_KEY: &str = "value";

/// What a trial measured at one step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The step (epoch, iteration).
    pub step: u64,
    /// The objective's intermediate value, if reported.
    pub value: Option<f64>,
    /// Other metrics, by name. One named like the study's first objective
    /// (or [`OBJECTIVE_KEY`], when it has no name) is taken as the
    /// objective's value.
    pub metrics: IndexMap<String, f64>,
}

impl Report {
    /// The objective's value alone at `step`.
    pub fn value(step: u64, value: f64) -> Self {
        Report {
            step,
            value: Some(value),
            metrics: IndexMap::new(),
        }
    }

    /// Named metrics at `step`.
    pub fn metrics<'a>(step: u64, metrics: impl IntoIterator<Item = (&'a str, f64)>) -> Self {
        Report {
            step,
            value: None,
            metrics: metrics
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

/// One series of a trial's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Series {
    /// The objective's intermediate values.
    Objective,
    /// Another metric, by name.
    Metric(String),
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Series::Objective => f.write_str("the objective's value"),
            Series::Metric(name) => write!(f, "metric '{name}'"),
        }
    }
}

/// What a report did.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// The trial as stored after the report.
    pub trial: Trial,
    /// The step reported.
    pub step: u64,
    /// The series that had a value at that step already: the first one
    /// was kept and the new one ignored.
    pub repeated: Vec<Series>,
}

impl Reported {
    /// The note a client shows when part of the report was ignored as a
    /// repeated step (Python warns with it, the CLI prints it).
    pub fn warning(&self) -> Option<String> {
        if self.repeated.is_empty() {
            return None;
        }
        let names: Vec<String> = self.repeated.iter().map(|s| s.to_string()).collect();
        Some(format!(
            "trial #{} already has {} at step {}; the first value is kept and this one ignored",
            self.trial.number,
            names.join(", "),
            self.step
        ))
    }
}

impl Study {
    /// Records an intermediate value of a running trial (the objective's
    /// series, which pruners read). See [`Study::report_metrics`].
    pub fn report(&self, id: TrialId, step: u64, value: f64) -> Result<Reported> {
        self.report_metrics(id, Report::value(step, value))
    }

    /// Records what a running trial measured at one step, in one write:
    /// the objective's value and other named metrics. A metric named like
    /// the study's first objective goes to the objective's series. Each
    /// series keeps the first value at a step; the repeats are named in
    /// the answer (see the module's rules).
    pub fn report_metrics(&self, id: TrialId, report: Report) -> Result<Reported> {
        self.write_report(id, report, Params::new(), None)
    }

    /// [`Study::report_metrics`] for a define-by-run trial, with the values
    /// [`Study::decide`] handed out that are not recorded yet: they go in
    /// the report's write, as a tell's go in its result's
    /// ([`crate::Outcome::params`]), so a trial's first report costs one
    /// write, not a [`Study::record_params`] and a report. Each must be a
    /// valid value of its parameter in the study's space; an invalid one,
    /// or a refused report, writes nothing of either.
    pub fn report_with_params(
        &mut self,
        id: TrialId,
        report: Report,
        params: Params,
    ) -> Result<Reported> {
        if params.is_empty() {
            return self.report_metrics(id, report);
        }
        let params = self.handed_params(params)?;
        let proposer = self.proposers.get(&id).cloned();
        self.write_report(id, report, params, proposer)
    }

    /// Writes one report, with `params` (checked already) and the searcher
    /// that proposed them, and says which of its series were repeats.
    fn write_report(
        &self,
        id: TrialId,
        report: Report,
        params: Params,
        proposer: Option<String>,
    ) -> Result<Reported> {
        let before = self.storage.trial(id)?;
        self.check_mine(&before)?;
        let Report {
            step,
            mut value,
            mut metrics,
        } = report;
        let name = self.objective_series_name();
        if let Some(v) = metrics.shift_remove(&name) {
            if let Some(given) = value.filter(|given| *given != v) {
                return Err(Error::InvalidTell {
                    id,
                    reason: TellError::ObjectiveReportedTwice {
                        step,
                        name,
                        value: given,
                        named: v,
                    },
                });
            }
            value = Some(v);
        }
        let update = TrialUpdate::Report {
            step,
            value,
            metrics: metrics.clone(),
            params,
            proposer,
        };
        let trial = self.storage.update_trial(id, &update)?;
        // A step present before the write was a repeat; so was one whose
        // stored value differs from the one sent (another process reported
        // the step between the read and the write).
        let mut repeated = Vec::new();
        if let Some(v) = value {
            if before.intermediate.contains_key(&step) || trial.intermediate.get(&step) != Some(&v)
            {
                repeated.push(Series::Objective);
            }
        }
        for (name, v) in &metrics {
            let had = |t: &Trial| {
                t.intermediate_metrics
                    .get(name)
                    .and_then(|s| s.get(&step).copied())
            };
            if had(&before).is_some() || had(&trial) != Some(*v) {
                repeated.push(Series::Metric(name.clone()));
            }
        }
        Ok(Reported {
            trial,
            step,
            repeated,
        })
    }

    /// The name under which a report's metric is the objective's value.
    fn objective_series_name(&self) -> String {
        self.record
            .config
            .objectives
            .first()
            .and_then(|o| o.name.clone())
            .unwrap_or_else(|| OBJECTIVE_KEY.to_string())
    }
}
