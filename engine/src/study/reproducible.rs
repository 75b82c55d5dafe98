//! Reproducible studies: what the searcher sees of the history when it
//! proposes trial `k`, so that the proposal is the same in every run
//! whatever the timing of the workers.
//!
//! With lag `L`, trial `k` sees the trials numbered below `k - L` as they
//! ended (complete, pruned or failed: they must all have ended), the
//! trials `k - L .. k - 1` as pending with their parameters (whatever has
//! happened to them since), and no later trial. Until every trial below
//! `k - L` has ended, and every pending one has the parameters it is shown
//! with, trial `k` is not proposed: the `try_` asks return
//! [`Error::NotReady`] and the others wait for it, polling storage, up to
//! the study's wait timeout.
//!
//! Which parameters a pending trial is shown with must not depend on
//! timing either. A define-and-run trial gets its whole configuration in
//! one write, so it is shown whole. A define-by-run trial gets its values
//! one suggestion at a time; it is shown with the parameters of the joint
//! space read off the trials below `k - L` (the part of the space the
//! proposal for `k` models jointly, `joint_space`), and waited for until it
//! has those its own values make active, or has ended.

use super::joint_space::{has_active, joint_space};
use super::Study;
use crate::{Error, Result, Space, Trial, TrialState};
use std::time::{Duration, Instant};

/// How long a reproducible study waits for earlier trials by default
/// before it gives up asking. Long: a trial waited for may train for
/// hours, and a dead worker's trial is failed by lease recovery anyway.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The first and the longest pause between two looks at storage while
/// waiting.
const POLL_FIRST: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(50);

/// [`Error::NotReady`] turned into the [`Error::WaitTimeout`] of a caller
/// that waited `waited` for it; other errors as they are.
pub(crate) fn gave_up(error: Error, waited: Duration) -> Error {
    match error {
        Error::NotReady {
            study,
            lag,
            trial,
            waiting_for,
            what,
        } => Error::WaitTimeout {
            study,
            lag,
            trial,
            waiting_for,
            what,
            waited_s: waited.as_secs_f64(),
        },
        other => other,
    }
}

/// Which trials ask: decides how pending trials are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Asking {
    /// Define-and-run: a trial's configuration is written whole.
    Space,
    /// Define-by-run: values arrive one suggestion at a time.
    ByRun,
}

/// An earlier trial the proposal waits for.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Blocker {
    number: u64,
    what: &'static str,
}

/// What trial `number` of a study with lag `lag` may see of `trials` (the
/// whole history, by number), or the trial it must wait for.
pub(super) fn lagged_view(
    trials: &[Trial],
    number: u64,
    lag: u32,
    space: &Space,
    asking: Asking,
) -> std::result::Result<Vec<Trial>, Blocker> {
    let end = usize::try_from(number).map_or(trials.len(), |n| n.min(trials.len()));
    let settled = settled_view(trials, number, lag)?;
    let window = &trials[settled.len()..end];
    let shared = match asking {
        Asking::Space => None,
        Asking::ByRun => Some(joint_space(settled, space)),
    };
    let mut view = settled.to_vec();
    for trial in window {
        let params = match &shared {
            None if trial.params.is_empty() && !trial.state.is_finished() => {
                return Err(Blocker {
                    number: trial.number,
                    what: "has its parameters",
                })
            }
            None => trial.params.clone(),
            Some(joint) => {
                if !has_active(joint, &trial.params) && !trial.state.is_finished() {
                    return Err(Blocker {
                        number: trial.number,
                        what: "has its parameters",
                    });
                }
                trial
                    .params
                    .iter()
                    .filter(|(name, _)| joint.get(name).is_some())
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect()
            }
        };
        view.push(as_pending(trial, params));
    }
    Ok(view)
}

/// The trials numbered below `number - lag` (`trials` is the whole
/// history, by number), all ended, or the first that has not: what trial
/// `number` may know the results of.
fn settled_view(trials: &[Trial], number: u64, lag: u32) -> std::result::Result<&[Trial], Blocker> {
    let cutoff = number.saturating_sub(u64::from(lag));
    let end = usize::try_from(cutoff).map_or(trials.len(), |c| c.min(trials.len()));
    let settled = &trials[..end];
    match settled.iter().find(|t| !t.state.is_finished()) {
        Some(t) => Err(Blocker {
            number: t.number,
            what: "has finished",
        }),
        None => Ok(settled),
    }
}

/// The first trial of the window `number - lag .. number` that a
/// define-by-run study whose searcher chooses budgets must wait for: one
/// that has not ended and has neither a budget nor parameters, because it
/// was opened but its budget and the trial it continues (a Hyperband
/// promotion) are not written yet. They are written in a second step,
/// which another process may not have reached, and the proposal for
/// `number` must not depend on whether it has.
fn budget_pending(trials: &[Trial], number: u64, lag: u32) -> Option<Blocker> {
    let end = usize::try_from(number).map_or(trials.len(), |n| n.min(trials.len()));
    let start = usize::try_from(number.saturating_sub(u64::from(lag))).map_or(end, |c| c.min(end));
    trials[start..end]
        .iter()
        .find(|t| !t.state.is_finished() && t.budget.is_none() && t.params.is_empty())
        .map(|t| Blocker {
            number: t.number,
            what: "has its budget",
        })
}

/// What the pruner may see when it judges trial `number` (`trials` the
/// whole history, by number): the trial itself, as it is now, and the
/// trials below `number - lag` that have ended, which are all of them
/// (trial `number` was handed out only once they had). Not the trials that
/// happen to be running or to have ended meanwhile, so that whether the
/// trial is pruned at a step depends only on its own reports and those
/// settled results. It never waits: the pruner is asked while the trial's
/// worker holds the study, which the trials waited for may need.
pub(super) fn pruning_view(trials: &[Trial], number: u64, lag: u32) -> Vec<Trial> {
    let cutoff = number.saturating_sub(u64::from(lag));
    trials
        .iter()
        .filter(|t| (t.number < cutoff && t.state.is_finished()) || t.number == number)
        .cloned()
        .collect()
}

/// `trial` as a pending trial with `params`: running, with no value,
/// metrics, intermediate values or message, whatever it has now.
fn as_pending(trial: &Trial, params: crate::Params) -> Trial {
    Trial {
        state: TrialState::Running,
        params,
        value: None,
        values: Vec::new(),
        constraints: Vec::new(),
        metrics: Default::default(),
        intermediate: Default::default(),
        intermediate_metrics: Default::default(),
        message: None,
        ..trial.clone()
    }
}

impl Study {
    /// How long the blocking asks of a reproducible study wait for earlier
    /// trials before they fail with [`Error::WaitTimeout`].
    pub fn wait_timeout(&self) -> Duration {
        self.wait_timeout
    }

    /// Sets [`Study::wait_timeout`] (default [`DEFAULT_WAIT_TIMEOUT`]).
    pub fn set_wait_timeout(&mut self, timeout: Duration) {
        self.wait_timeout = timeout;
    }

    /// The history trial `number` may see, if the study is reproducible
    /// (`None`: it is not, and the proposal sees the whole history), from
    /// the history as last refreshed; [`Error::NotReady`] if an earlier
    /// trial is not settled yet.
    pub(super) fn lagged(&self, number: u64, asking: Asking) -> Result<Option<Vec<Trial>>> {
        let Some(setting) = self.record.config.reproducible else {
            return Ok(None);
        };
        let (trials, space) = (self.history.trials(), &self.record.config.space);
        let budgets = asking == Asking::ByRun && self.searcher.chooses_budgets();
        let blocker = match lagged_view(trials, number, setting.lag, space, asking) {
            Ok(view) => match budgets.then(|| budget_pending(trials, number, setting.lag)) {
                Some(Some(blocker)) => blocker,
                _ => return Ok(Some(view)),
            },
            Err(blocker) => blocker,
        };
        Err(self.not_ready(setting.lag, number, blocker))
    }

    /// The trials the pruner judges trial `number` against (see
    /// [`pruning_view`]), from the history as last refreshed; `None` if
    /// the study is not reproducible (the pruner sees every trial).
    pub(super) fn pruning_trials(&self, number: u64) -> Option<Vec<Trial>> {
        let setting = self.record.config.reproducible?;
        Some(pruning_view(self.history.trials(), number, setting.lag))
    }

    /// [`Error::NotReady`]: trial `number` waits for `blocker`.
    fn not_ready(&self, lag: u32, number: u64, blocker: Blocker) -> Error {
        Error::NotReady {
            study: self.record.config.name.clone(),
            lag,
            trial: number,
            waiting_for: blocker.number,
            what: blocker.what.to_string(),
        }
    }

    /// Runs `attempt` until it is not [`Error::NotReady`], polling storage
    /// (each attempt refreshes), up to the wait timeout.
    pub(super) fn waiting<T>(
        &mut self,
        mut attempt: impl FnMut(&mut Study) -> Result<T>,
    ) -> Result<T> {
        let start = Instant::now();
        let mut pause = POLL_FIRST;
        loop {
            match attempt(self) {
                Err(e @ Error::NotReady { .. }) => {
                    let waited = start.elapsed();
                    if waited >= self.wait_timeout {
                        return Err(gave_up(e, waited));
                    }
                    std::thread::sleep(pause.min(self.wait_timeout - waited));
                    pause = (pause * 2).min(POLL_MAX);
                }
                other => return other,
            }
        }
    }

    /// Builds the searcher anew, in a reproducible study (see
    /// `Study::rebuild`).
    pub(super) fn fresh_searcher(&mut self) -> Result<()> {
        if let Some(registry) = &self.rebuild {
            let spec = &self.record.config.searcher;
            self.searcher = registry.build(&spec.name, &spec.settings)?;
        }
        Ok(())
    }

    /// Puts a trial this worker claimed or created back in the queue when
    /// it cannot be proposed yet, so that it is not held while the worker
    /// waits (any worker takes it again later); returns `error`.
    pub(super) fn put_back(&self, id: crate::TrialId, error: Error) -> Error {
        if matches!(error, Error::NotReady { .. }) {
            if let Err(e) = self.storage.update_trial(id, &crate::TrialUpdate::Requeue) {
                return e;
            }
            return error;
        }
        self.fail_after(id, error)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::{Params, Value};

    /// A trial numbered `number` in `state`, valued `number` when finished
    /// (not when failed). Also the joint space's tests' trial.
    pub(in crate::study) fn trial(number: u64, state: TrialState, params: &[(&str, f64)]) -> Trial {
        let mut t = Trial {
            id: crate::TrialId(number as i64),
            study: crate::StudyId(1),
            number,
            state,
            params: Params::new(),
            value: None,
            values: Vec::new(),
            constraints: Vec::new(),
            metrics: Default::default(),
            intermediate: Default::default(),
            intermediate_metrics: Default::default(),
            budget: None,
            parent: None,
            user_attrs: Default::default(),
            meta: crate::Metadata::default(),
            message: None,
            change: number,
        };
        t.params = params
            .iter()
            .map(|(n, v)| (n.to_string(), Value::from(*v)))
            .collect::<Params>();
        t.value = t.state.is_finished().then_some(number as f64);
        if state == TrialState::Failed {
            t.value = None;
        }
        t
    }

    fn space() -> Space {
        Space::parse("x=float(0,1) y=float(0,1)").unwrap()
    }

    #[test]
    fn trial_k_waits_for_every_trial_below_k_minus_lag() {
        use TrialState::*;
        let trials = vec![
            trial(0, Complete, &[("x", 0.1), ("y", 0.1)]),
            trial(1, Running, &[("x", 0.2), ("y", 0.2)]),
            trial(2, Complete, &[("x", 0.3), ("y", 0.3)]),
        ];
        // Trial 3 with lag 1 needs trials 0 and 1 ended: 1 is running.
        let blocked = lagged_view(&trials, 3, 1, &space(), Asking::Space).unwrap_err();
        assert_eq!(blocked.number, 1);
        assert_eq!(blocked.what, "has finished");
        // With lag 0, trial 2 needs every earlier trial.
        let blocked = lagged_view(&trials, 2, 0, &space(), Asking::Space).unwrap_err();
        assert_eq!(blocked.number, 1);
        // Trial 3 with lag 2 needs only trial 0; 1 and 2 are pending, the
        // finished trial 2 shown as pending without its value.
        let view = lagged_view(&trials, 3, 2, &space(), Asking::Space).unwrap();
        assert_eq!(view.len(), 3);
        assert_eq!((view[0].state, view[0].value), (Complete, Some(0.0)));
        assert_eq!((view[2].state, view[2].value), (Running, None));
        assert_eq!(view[2].params, trials[2].params);
        let view = lagged_view(&trials, 1, 3, &space(), Asking::Space).unwrap();
        assert_eq!(view.len(), 1, "trials at and after k are not shown");
    }

    #[test]
    fn a_pending_trial_without_its_configuration_is_waited_for() {
        use TrialState::*;
        let trials = vec![trial(0, Complete, &[("x", 0.1)]), trial(1, Running, &[])];
        let blocked = lagged_view(&trials, 2, 1, &space(), Asking::Space).unwrap_err();
        assert_eq!((blocked.number, blocked.what), (1, "has its parameters"));
        // A trial that ended without parameters is shown as it is.
        let failed = vec![trial(0, Complete, &[("x", 0.1)]), trial(1, Failed, &[])];
        let view = lagged_view(&failed, 2, 1, &space(), Asking::Space).unwrap();
        assert!(view[1].params.is_empty());
    }

    #[test]
    fn define_by_run_pending_trials_show_only_the_shared_parameters() {
        use TrialState::*;
        let done = [("x", 0.1), ("y", 0.1)];
        // Trial 1 has only x (y not suggested yet): shared is {x, y}, so
        // trial 2 waits for it.
        let trials = vec![trial(0, Complete, &done), trial(1, Running, &[("x", 0.5)])];
        let blocked = lagged_view(&trials, 2, 1, &space(), Asking::ByRun).unwrap_err();
        assert_eq!(blocked.number, 1);
        // Once it has both (and a later, independent one), it shows those two.
        let trials = vec![
            trial(0, Complete, &done),
            trial(1, Running, &[("x", 0.5), ("y", 0.5), ("z", 0.5)]),
        ];
        let view = lagged_view(&trials, 2, 1, &space(), Asking::ByRun).unwrap();
        let names: Vec<_> = view[1].params.keys().cloned().collect();
        assert_eq!(names, ["x", "y"]);
        // With no settled trial with a value, nothing is shared: pending
        // trials show no parameters, whatever they have.
        let view = lagged_view(&trials, 2, 2, &space(), Asking::ByRun).unwrap();
        assert!(view.iter().all(|t| t.params.is_empty()));
    }

    #[test]
    fn the_pruner_sees_the_trial_and_the_settled_trials_only() {
        use TrialState::*;
        let mut trials = vec![
            trial(0, Complete, &[("x", 0.1)]),
            trial(1, Pruned, &[("x", 0.2)]),
            trial(2, Complete, &[("x", 0.3)]),
            trial(3, Running, &[("x", 0.4)]),
            trial(4, Running, &[("x", 0.5)]),
        ];
        trials[4].intermediate.insert(0, 1.5);
        // Trial 4 with lag 2 is judged against 0 and 1, not the finished 2.
        let view = pruning_view(&trials, 4, 2);
        let numbers: Vec<_> = view.iter().map(|t| t.number).collect();
        assert_eq!(numbers, [0, 1, 4]);
        assert_eq!(view[2].intermediate, trials[4].intermediate);
        // With lag 0, the running trial 3 is left out: no waiting.
        let numbers: Vec<_> = pruning_view(&trials, 4, 0)
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(numbers, [0, 1, 2, 4]);
    }

    #[test]
    fn an_opened_trial_without_its_budget_is_waited_for() {
        use TrialState::*;
        let mut trials = vec![
            trial(0, Complete, &[("x", 0.1)]),
            trial(1, Running, &[]),
            trial(2, Failed, &[]),
        ];
        let blocked = budget_pending(&trials, 3, 2).unwrap();
        assert_eq!((blocked.number, blocked.what), (1, "has its budget"));
        // Outside the window, or once it has a budget, it is not.
        assert!(budget_pending(&trials, 3, 1).is_none());
        trials[1].budget = Some(1.0);
        assert!(budget_pending(&trials, 3, 2).is_none());
    }

    #[test]
    fn the_joint_space_skips_failed_trials_and_keeps_space_order() {
        use TrialState::*;
        let trials = vec![
            trial(0, Complete, &[("y", 0.1), ("x", 0.1)]),
            trial(1, Failed, &[("x", 0.1)]),
            trial(2, Pruned, &[("x", 0.1), ("y", 0.2)]),
        ];
        assert_eq!(joint_space(&trials, &space()).names(), ["x", "y"]);
        assert!(joint_space(&trials[1..2], &space()).is_empty());
    }
}
