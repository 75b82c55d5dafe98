//! Whether a running trial should stop: the study's pruner (the one its
//! configuration names, or a session's override) judged on the fresh
//! history (in a reproducible study, on the trials settled before the
//! trial was proposed).

use super::driver::Study;
use super::objectives::pruner_refused;
use crate::{Error, Pruner, Registry, Result, StudyConfig, TrialId};

impl Study {
    /// Whether the study's pruner stops trial `id` now, judged on the
    /// study's fresh history (with the intermediate values reported so
    /// far). Without a pruner: never, and without reading the storage.
    pub fn should_prune(&mut self, id: TrialId) -> Result<bool> {
        let Some(pruner) = self.pruner.take() else {
            return Ok(false);
        };
        let answer = self.should_prune_with(id, pruner.as_ref());
        self.pruner = Some(pruner);
        answer
    }

    /// Whether the study has a pruner (one its configuration names, or a
    /// session's override): callers that pay for reporting can skip
    /// asking when it has none.
    pub fn has_pruner(&self) -> bool {
        self.pruner.is_some()
    }

    /// The pruner [`Study::should_prune`] asks, if any.
    pub fn pruner(&self) -> Option<&dyn Pruner> {
        self.pruner.as_deref()
    }

    /// Replaces the pruner for this session only (the stored configuration
    /// keeps its own; `None`: never prune). This is how a run names a
    /// pruner for a study that exists already (`hyperspace run --pruner`,
    /// Python's `pruner=` when opening a study).
    pub fn set_pruner(&mut self, pruner: Option<Box<dyn Pruner>>) {
        self.pruner = pruner;
    }

    /// Whether `pruner` (rather than the study's own) stops trial `id` now,
    /// judged like [`Study::should_prune`].
    pub fn should_prune_with(&mut self, id: TrialId, pruner: &dyn Pruner) -> Result<bool> {
        if self.record.config.is_multi_objective() {
            return Err(pruner_refused(&self.record.config, pruner.name()));
        }
        let direction = self.record.config.primary_direction();
        // A reproducible study judges against the settled trials only, so
        // it prunes the same trials at the same steps in every run.
        let settled = match self.record.config.reproducible {
            None => None,
            Some(_) => {
                self.refresh()?;
                let trial = self.history.get(id);
                let number = trial.ok_or(Error::TrialNotFound { id })?.number;
                self.pruning_trials(number)
            }
        };
        let trials = match &settled {
            Some(view) => view.as_slice(),
            None => self.trials()?,
        };
        let trial = trials
            .iter()
            .find(|t| t.id == id)
            .ok_or(Error::TrialNotFound { id })?;
        Ok(pruner.should_prune(trial, trials, direction))
    }
}

/// The pruner `config` names, built (and so validated) by `registry`;
/// refused for a study with several objectives.
pub(super) fn build_pruner(
    config: &StudyConfig,
    registry: &Registry,
) -> Result<Option<Box<dyn Pruner>>> {
    if let (Some(spec), true) = (&config.pruner, config.is_multi_objective()) {
        return Err(pruner_refused(config, &spec.name));
    }
    config
        .pruner
        .as_ref()
        .map(|spec| registry.build_pruner(&spec.name, &spec.settings))
        .transpose()
}
