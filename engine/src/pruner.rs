//! The interface between a study and the rules that stop a running trial
//! early from its intermediate values and those of the study's other
//! trials.
//!
//! A pruner only answers "should this trial stop now?"; whoever runs the
//! trial acts on it (the CLI stops the command and records the trial as
//! pruned, the Python API raises `TrialPruned` in the objective). Searchers
//! then rank pruned trials by how far they got.
//!
//! The concrete pruners (median, successive halving, Hyperband) live in
//! `hyperspace-searchers`, behind the [`Registry`](crate::Registry) like the
//! searchers; this crate knows only the trait and [`NopPruner`]. A study
//! names its pruner in its [`StudyConfig`](crate::StudyConfig) and builds it
//! once, when it is opened.

use crate::{Direction, Trial};
use std::fmt::Debug;

/// A rule that stops unpromising trials early.
///
/// [`Pruner::name`] and [`Pruner::should_prune`] are required;
/// [`Pruner::settings`] defaults to `null`. `should_prune` is called after each
/// intermediate value a trial reports (from
/// [`Study::should_prune`](crate::Study::should_prune)), with the study's
/// fresh history; it must not keep state between calls that the history
/// does not hold, so that every worker of a study judges alike.
pub trait Pruner: Send + Sync + Debug {
    /// The pruner's name, as the registry knows it.
    fn name(&self) -> &str;

    /// Whether `trial` (running, with the intermediate values reported so
    /// far) should stop now, given every trial of its study (`trials` may
    /// include `trial` itself; pruners skip it).
    fn should_prune(&self, trial: &Trial, trials: &[Trial], direction: Direction) -> bool;

    /// Every setting the pruner runs with, defaults filled in, as JSON
    /// (what the Python package shows, so it need not repeat the
    /// defaults); `null` by default.
    fn settings(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

/// Never prunes: the pruner of a study that names none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NopPruner;

impl Pruner for NopPruner {
    fn name(&self) -> &str {
        "none"
    }

    fn should_prune(&self, _: &Trial, _: &[Trial], _: Direction) -> bool {
        false
    }
}
