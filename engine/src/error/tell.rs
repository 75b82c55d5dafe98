//! Why a trial cannot finish (or change state) the way it was asked to, as
//! data.

use crate::TrialState;

/// A tell (or another change of a trial's state) that breaks a rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TellError {
    /// The trial is queued: only a worker that ran it has its result.
    #[error("it is queued and has not run; its result can only come from a worker that ran it (ask for it first)")]
    Queued,
    /// The change needs the trial in another state.
    #[error("only a {from} trial can be {change}, this one is {state}")]
    WrongState {
        /// The state the change needs.
        from: TrialState,
        /// The change (`re-queued`, `failed as abandoned`, ...).
        change: String,
        /// The trial's state.
        state: TrialState,
    },
    /// A report that gives the objective's value twice, differently: as
    /// the value, and as the metric named like the objective.
    #[error("step {step} reports the objective's value twice, as {value} and as metric '{name}' = {named}; report it once")]
    ObjectiveReportedTwice {
        /// The step.
        step: u64,
        /// The objective's name.
        name: String,
        /// The value given as the value.
        value: f64,
        /// The value given under the objective's name.
        named: f64,
    },
    /// A complete trial told without a value.
    #[error("a complete trial needs an objective value")]
    NoValue,
    /// A state that does not end a trial (running, waiting).
    #[error("a trial cannot finish as {state}")]
    NotAnEnding {
        /// The state asked for.
        state: TrialState,
    },
    /// Not one value per objective.
    #[error("study '{study}' has {}, but {given} value{} {} told{}",
        if *objectives == 1 { "one objective".to_string() } else { format!("{objectives} objectives") },
        if *given == 1 { "" } else { "s" },
        if *given == 1 { "was" } else { "were" },
        if *objectives == 1 { "; give other values as metrics" } else { "" })]
    WrongCount {
        /// The study.
        study: String,
        /// Its number of objectives.
        objectives: usize,
        /// The values told.
        given: usize,
    },
    /// Pruning in a study with several objectives, whose trial's value
    /// would be one intermediate number, not a point.
    #[error("study '{study}' has {objectives} objectives, and trials of a study with several objectives cannot be pruned")]
    PrunedWithSeveralObjectives {
        /// The study.
        study: String,
        /// Its number of objectives.
        objectives: usize,
    },
    /// A pruned trial told with several values.
    #[error("a pruned trial has one value, not {given}")]
    PrunedWithSeveralValues {
        /// The values told.
        given: usize,
    },
    /// A journaled result whose trial number is not the trial's (the id of
    /// a deleted study's trial reused): never written onto another trial.
    #[error("the result is for trial number {result}, but this trial is number {trial}")]
    OtherTrialNumber {
        /// The number the result is for.
        result: u64,
        /// The trial's number.
        trial: u64,
    },
    /// A complete trial of a study with limits on metrics (`mem_gb<=4`)
    /// that does not record one of those metrics as a number: it cannot be
    /// judged feasible, so it is not kept as if it were.
    #[error("constraint {constraint}: {}; record it with the result (metrics) or report it during the run",
        match found {
            Some(v) => format!("metric '{metric}' is {v}"),
            None if recorded.is_empty() => format!("the trial recorded no metric '{metric}' (it recorded none)"),
            None => format!("the trial recorded no metric '{metric}' (it recorded {})", recorded.join(", ")),
        })]
    ConstraintMetric {
        /// The limit, as written.
        constraint: String,
        /// The metric it reads.
        metric: String,
        /// Its value when it was recorded but is not finite.
        found: Option<f64>,
        /// The metrics the trial did record.
        recorded: Vec<String>,
    },
}
