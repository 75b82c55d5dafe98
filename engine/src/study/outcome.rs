//! What a finished trial reports: the `tell` side of ask/tell.

use crate::{Params, TrialState};
use indexmap::IndexMap;

/// How `tell` treats a NaN or infinite objective value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonFinite {
    /// Refuse it with an error; nothing is recorded.
    #[default]
    Reject,
    /// Record the trial as failed, with a message saying why.
    Fail,
}

/// The result of a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub(crate) state: TrialState,
    /// One per objective; empty for none.
    pub(crate) values: Vec<f64>,
    /// Constraint values (`c <= 0` is feasible); empty for none.
    pub(crate) constraints: Vec<f64>,
    pub(crate) metrics: IndexMap<String, f64>,
    pub(crate) message: Option<String>,
    pub(crate) non_finite: NonFinite,
    /// Values the trial was handed and that are not recorded yet (see
    /// [`Outcome::params`]).
    pub(crate) params: Params,
}

impl Outcome {
    /// A complete trial with its objective value.
    pub fn complete(value: f64) -> Self {
        Self::complete_values(vec![value])
    }

    /// A complete trial of a study with several objectives: one value per
    /// objective, in the study's order.
    pub fn complete_values(values: Vec<f64>) -> Self {
        Self {
            state: TrialState::Complete,
            values,
            constraints: Vec::new(),
            metrics: IndexMap::new(),
            message: None,
            non_finite: NonFinite::Reject,
            params: Params::new(),
        }
    }

    /// A pruned trial; its value is its last intermediate value.
    pub fn pruned() -> Self {
        Self {
            state: TrialState::Pruned,
            ..Self::complete(0.0)
        }
        .without_value()
    }

    /// A failed trial, with the reason.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            state: TrialState::Failed,
            message: Some(message.into()),
            ..Self::complete(0.0)
        }
        .without_value()
    }

    fn without_value(mut self) -> Self {
        self.values.clear();
        self
    }

    /// Sets the constraint values: each `c <= 0` is kept, `c > 0` broken.
    /// A trial that breaks one never counts as a best trial.
    pub fn constraints(mut self, constraints: Vec<f64>) -> Self {
        self.constraints = constraints;
        self
    }

    /// Adds a named metric.
    pub fn metric(mut self, name: &str, value: f64) -> Self {
        self.metrics.insert(name.to_string(), value);
        self
    }

    /// Adds several named metrics.
    pub fn metrics(mut self, metrics: impl IntoIterator<Item = (String, f64)>) -> Self {
        self.metrics.extend(metrics);
        self
    }

    /// Sets a message (why it failed, a note).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Values a define-by-run trial was handed ([`crate::Study::decide`])
    /// and that are not recorded yet: `tell` records them with the result,
    /// in the same write, instead of a [`crate::Study::record_params`]
    /// first (one storage write per trial instead of two). Each must be a
    /// valid value of its parameter in the study's space, as for
    /// `record_params`; an invalid one refuses the whole tell.
    pub fn params(mut self, params: Params) -> Self {
        self.params.extend(params);
        self
    }

    /// Records a NaN or infinite value as a failure instead of refusing it.
    pub fn fail_if_not_finite(mut self) -> Self {
        self.non_finite = NonFinite::Fail;
        self
    }

    /// Applies the non-finite policy: a non-finite value under `Fail`
    /// becomes a failed outcome that says why.
    pub(crate) fn settle(mut self) -> Self {
        let bad = self.values.iter().copied().find(|v| !v.is_finite());
        if let (Some(v), NonFinite::Fail) = (bad, self.non_finite) {
            self.state = TrialState::Failed;
            self.message
                .get_or_insert_with(|| format!("the objective value was {v}"));
            self.values.clear();
        }
        self
    }
}
