//! Define-by-run trials: a trial opened without parameters, each parameter
//! decided when the objective first asks for it. The study's joint
//! (relative) proposal is made once per trial, over the parameters every
//! finished trial shares; the rest are independent draws, each from its own
//! seeded stream, so the order of suggestions does not matter.

use super::driver::Study;
use super::driver::{claims_taken, context, CLAIM_RETRIES};
use super::joint_space::{joint_space, shared_only};
use super::reproducible::Asking;
use crate::seed::{trial_rng, trial_seed};
use crate::storage::TrialUpdate;
use crate::ConfigError;
use crate::{Error, NewTrial, Param, Params, Proposal, Result, Space, Trial, TrialId, Value};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::borrow::Cow;

impl Study {
    /// Starts a define-by-run trial: a queued one if there is one, else a new
    /// running trial with no parameters yet. Its parameters come from
    /// [`Study::suggest`]. A reproducible study first waits until the
    /// trials its proposals depend on are settled (up to
    /// [`Study::wait_timeout`]), so its suggestions never wait.
    pub fn ask_open(&mut self) -> Result<Trial> {
        self.waiting(Study::try_ask_open)
    }

    /// [`Study::ask_open`] that does not wait (see [`Study::try_ask`]).
    pub fn try_ask_open(&mut self) -> Result<Trial> {
        let trial = self.open_trial()?;
        self.leases.hold(trial.id, &self.storage);
        Ok(trial)
    }

    fn open_trial(&mut self) -> Result<Trial> {
        if let Some(queued) = self.claim_queued()? {
            if let Err(e) = self.lagged(queued.number, Asking::ByRun) {
                return Err(self.put_back(queued.id, e));
            }
            return Ok(queued);
        }
        // A searcher that may have nothing left is asked first: exhausted,
        // it ends the run here, with no trial created that could only fail
        // with no parameters at its first suggestion. Its answer is the
        // trial's proposal if the trial gets the number it was made for (a
        // grid's answer depends only on the trials it sees); if another
        // worker took that number meanwhile, it is asked again at the
        // trial's first suggestion.
        let mut probe = None;
        if self.searcher.may_run_out() && self.record.config.reproducible.is_none() {
            self.refresh()?;
            let next = self.history.trials().len() as u64;
            probe = Some((next, self.relative_proposal(next)?));
        }
        let trial = match self.record.config.reproducible {
            None => self
                .storage
                .create_trial(self.record.id, &self.new_running())?,
            Some(_) => self.create_settled()?,
        };
        // Kept as `claim_relative` would take it: a searcher that does not
        // choose budgets gives its parameters only.
        if let Some((number, proposal)) = probe {
            if number == trial.number && !self.searcher.chooses_budgets() {
                self.keep_relative(trial.id, proposal);
            }
        }
        if !self.searcher.chooses_budgets() {
            return Ok(trial);
        }
        // A multi-fidelity searcher decides the budget (and whether this is
        // a promotion) now, so the caller knows it before any suggestion.
        match self.claim_relative(trial.id, trial.number) {
            Ok(relative) => {
                self.keep_relative(trial.id, relative);
                self.storage.trial(trial.id)
            }
            Err(e) => Err(self.fail_after(trial.id, e)),
        }
    }

    /// A new running trial of a reproducible study, created only for a
    /// number whose proposal can be made now ([`Error::NotReady`] if not):
    /// the number it will get is checked first, and the storage refuses
    /// the trial if another worker took that number meanwhile (then the
    /// next number is checked).
    fn create_settled(&mut self) -> Result<Trial> {
        loop {
            self.refresh()?;
            let expected = self.history.trials().last().map_or(0, |t| t.number + 1);
            self.lagged(expected, Asking::ByRun)?;
            let new = NewTrial {
                expect_number: Some(expected),
                ..self.new_running()
            };
            match self.storage.create_trial(self.record.id, &new) {
                Err(Error::NumberTaken { .. }) => continue,
                other => return other,
            }
        }
    }

    /// The value of parameter `name` in a define-by-run trial: the value it
    /// already has (a queued trial, or a repeated call), else the searcher's.
    /// Parameters that every finished trial shares are proposed jointly, at
    /// the trial's first suggestion; others one by one. The value is
    /// recorded on the trial before it is returned.
    pub fn suggest(&mut self, id: TrialId, name: &str, param: &Param) -> Result<Value> {
        let value = self.decide(id, name, param)?;
        let mut params = Params::new();
        params.insert(name.to_string(), value.clone());
        self.record_params(id, params)?;
        Ok(value)
    }

    /// [`Study::suggest`] without recording the value: the caller records
    /// it later, together with the trial's other values, with its result
    /// ([`crate::Outcome::params`], in the tell's one write), with a
    /// report ([`Study::report_with_params`], in the report's one write)
    /// or on their own with [`Study::record_params`] (the Python binding
    /// does so for a trial dropped, or read back, before either). Until then
    /// the value is visible to no other worker; a process killed meanwhile
    /// leaves the trial running without it, to be failed or re-queued when
    /// its lease runs out.
    pub fn decide(&mut self, id: TrialId, name: &str, param: &Param) -> Result<Value> {
        let trial = self.running_trial(id)?;
        // The study's space first: one definition per name, also when this
        // trial has a value already (a queued one, or a repeated call).
        if self
            .record
            .config
            .space
            .get(name)
            .is_none_or(|e| !e.param.same_distribution(param))
        {
            let (n, p) = (name.to_string(), param.clone());
            self.record.config.space = self
                .storage
                .update_space(self.record.id, &|s: &Space| s.with_param(&n, &p))?;
        }
        if let Some(existing) = trial.params.get(name) {
            return param
                .coerce(existing)
                .map_err(|reason| Error::InvalidConfig {
                    param: name.to_string(),
                    reason: reason.into(),
                });
        }
        self.make_proposal(&trial)?;
        let value = match self.relative.get(&id).and_then(|r| r.get(name)) {
            Some(v) => v.clone(),
            None => {
                let lagged = self.waiting(|s| {
                    s.refresh()?;
                    s.lagged(trial.number, Asking::ByRun)
                })?;
                self.fresh_searcher()?;
                let trials = lagged.as_deref().unwrap_or(self.history.trials());
                let ctx = context(&self.record, trials, trial.number);
                let mut rng = param_rng(self.record.config.seed, trial.number, name);
                let value = self
                    .searcher
                    .sample_independent(&ctx, name, param, &mut rng)?;
                // Kept with the proposal until recorded: asked again, the
                // trial gets the same value, and it counts as pending.
                let decided = self.relative.entry(id).or_default();
                decided.insert(name.to_string(), value.clone());
                self.history.overlay_pending(id, decided);
                value
            }
        };
        Ok(value)
    }

    /// Records values of a running define-by-run trial in one write: those
    /// [`Study::decide`] gave. Each must be a valid value of its parameter
    /// in the study's space.
    pub fn record_params(&mut self, id: TrialId, params: Params) -> Result<Trial> {
        let trial = self.running_trial(id)?;
        if params.is_empty() {
            return Ok(trial);
        }
        let params = self.handed_params(params)?;
        self.storage.update_trial(
            id,
            &TrialUpdate::SetParams {
                params,
                budget: None,
                parent: None,
                claim: None,
                proposer: self.proposers.get(&id).cloned(),
            },
        )
    }

    /// Values [`Study::decide`] handed out, checked against the study's
    /// space and coerced to their parameters' types, for a write that
    /// records them ([`Study::record_params`], or a tell's).
    pub(super) fn handed_params(&mut self, mut params: Params) -> Result<Params> {
        // One pass, in place: the usual set of values is the study's own.
        if coerce_all(&self.record.config.space, &mut params)? {
            return Ok(params);
        }
        // Suggested by another process of the study (a remote task of an
        // executor): its definition is in storage's copy of the space,
        // read (not rewritten) here.
        if let Some(stored) = self.storage.find_study(&self.record.config.name)? {
            if stored.id == self.record.id {
                self.record.config.space = stored.config.space;
            }
        }
        if coerce_all(&self.record.config.space, &mut params)? {
            return Ok(params);
        }
        let unknown = params
            .keys()
            .find(|name| self.record.config.space.get(name).is_none());
        Err(Error::InvalidConfig {
            param: unknown.cloned().unwrap_or_default(),
            reason: ConfigError::NotSuggested,
        })
    }

    /// The searcher's joint proposal for an open define-by-run trial, once
    /// its first parameter was decided: the values its later suggestions of
    /// those parameters (with the study's definitions) will get.
    pub fn proposed(&self, id: TrialId) -> Option<&Params> {
        self.relative.get(&id)
    }

    /// Makes the searcher's joint proposal for an open define-by-run trial
    /// now, as its first suggestion would (the value of a parameter it
    /// covers is then known before it is suggested), and returns it. A
    /// client that answers suggestions itself asks for it with the trial,
    /// as Optuna samples relative parameters when a trial starts.
    pub fn propose_open(&mut self, id: TrialId) -> Result<&Params> {
        let trial = self.running_trial(id)?;
        self.make_proposal(&trial)
    }

    /// [`Study::propose_open`] for the trial [`Study::ask_open`] has just
    /// returned, without reading it back from storage (the caller holds
    /// the copy storage gave; one read fewer per trial).
    pub fn propose_handed(&mut self, trial: &Trial) -> Result<&Params> {
        self.check_open(trial)?;
        self.make_proposal(trial)
    }

    /// The joint proposal of `trial`, made unless it has one.
    fn make_proposal(&mut self, trial: &Trial) -> Result<&Params> {
        if !self.relative.contains_key(&trial.id) {
            // Only a fresh trial takes what else the searcher chose: a
            // queued or re-queued one keeps its budget and parent, and its
            // fixed values could not be a promotion's anyway.
            let fresh = trial.params.is_empty() && trial.budget.is_none() && trial.parent.is_none();
            let relative = if fresh {
                self.claim_relative(trial.id, trial.number)?
            } else {
                self.relative_proposal(trial.number)?
            };
            self.history.overlay_pending(trial.id, &relative.params);
            self.keep_relative(trial.id, relative);
        }
        Ok(self.relative.entry(trial.id).or_default())
    }

    /// Keeps the joint proposal of an open trial: its values for the
    /// suggestions to come, its proposer for the trial's record.
    fn keep_relative(&mut self, id: TrialId, proposal: Proposal) {
        if let Some(name) = proposal.proposer {
            self.proposers.insert(id, name);
        }
        self.relative.insert(id, proposal.params);
    }

    /// A trial of this study that has not finished.
    pub(super) fn running_trial(&self, id: TrialId) -> Result<Trial> {
        let trial = self.storage.trial(id)?;
        self.check_open(&trial)?;
        Ok(trial)
    }

    /// Refuses a trial of another study, or one that has finished.
    fn check_open(&self, trial: &Trial) -> Result<()> {
        self.check_mine(trial)?;
        if trial.state.is_finished() {
            return Err(Error::TrialFinished {
                id: trial.id,
                state: trial.state,
            });
        }
        Ok(())
    }

    /// The joint proposal for a fresh define-by-run trial. A searcher that
    /// chooses budgets also has its budget, the trial it continues and its
    /// claim key recorded on the trial at once (proposed anew, as `ask`
    /// does, while other workers hold the key). Other searchers' claims are
    /// dropped, as before: a grid point claimed by a trial that has none of
    /// its values yet would look free to the grid and taken to the storage.
    fn claim_relative(&mut self, id: TrialId, number: u64) -> Result<Proposal> {
        if !self.searcher.chooses_budgets() {
            return self.relative_proposal(number);
        }
        for _ in 0..CLAIM_RETRIES {
            let proposal = self.relative_proposal(number)?;
            if proposal.budget.is_none() && proposal.parent.is_none() && proposal.claim.is_none() {
                return Ok(proposal);
            }
            let update = TrialUpdate::SetParams {
                params: Params::new(),
                budget: proposal.budget,
                parent: proposal.parent,
                claim: proposal.claim.clone(),
                proposer: proposal.proposer.clone(),
            };
            match self.storage.update_trial(id, &update) {
                Err(Error::ClaimTaken { .. }) => continue,
                Err(e) => return Err(e),
                Ok(_) => return Ok(proposal),
            }
        }
        Err(claims_taken())
    }

    /// The searcher's joint proposal over the tree inferred from the
    /// history ([`joint_space`]), or, for a searcher that models branches
    /// its own way, over the parameters every finished trial has (Optuna's
    /// intersection search space).
    fn relative_proposal(&mut self, number: u64) -> Result<Proposal> {
        let lagged = self.waiting(|s| {
            s.refresh()?;
            s.lagged(number, Asking::ByRun)
        })?;
        self.fresh_searcher()?;
        let trials = lagged.as_deref().unwrap_or(self.history.trials());
        let ctx = context(&self.record, trials, number);
        let space = &self.record.config.space;
        let tree = self.searcher.models_inferred_tree(&ctx);
        let history = &self.history;
        let joint = if let Some(view) = &lagged {
            let cutoff = view.partition_point(|t| t.state.is_finished());
            let joint = joint_space(&view[..cutoff], space);
            // (The tree's roots, for a searcher that models no branches.)
            Cow::Owned(if tree { joint } else { shared_only(&joint) })
        } else if history.finished() == 0 {
            Cow::Owned(Space::empty())
        } else if !tree
            || space
                .entries()
                .iter()
                .all(|e| e.condition.is_some() || history.every_finished_has(&e.name))
        {
            // The shared parameters, from the history's counts: no scan of
            // the trials (with no branches, they are the whole tree).
            let shared = |name: &str| history.every_finished_has(name);
            Cow::Borrowed(self.shared_space.of(space, shared))
        } else {
            Cow::Owned(joint_space(history.trials(), space))
        };
        // With nothing shared there is nothing to model jointly; a searcher
        // that chooses budgets still proposes, over the empty space, to
        // give the trial its budget.
        let proposal = if joint.is_empty() && !self.searcher.chooses_budgets() {
            Proposal {
                proposer: self.searcher.independent_proposer(&ctx),
                ..Proposal::default()
            }
        } else {
            let mut rng = trial_rng(self.record.config.seed, number);
            self.searcher.sample_relative(&ctx, &joint, &mut rng)?
        };
        Ok(self.named(proposal))
    }
}

/// Coerces each of `params` to its definition in `space`, in place; false
/// when `space` lacks one of them (which, with the ones before it, is left
/// as it was or coerced: coercing again gives the same value), an error
/// when a value does not fit its definition.
fn coerce_all(space: &Space, params: &mut Params) -> Result<bool> {
    for (name, value) in params.iter_mut() {
        let Some(entry) = space.get(name) else {
            return Ok(false);
        };
        match entry.param.coerce(value) {
            Ok(coerced) => *value = coerced,
            Err(reason) => {
                return Err(Error::InvalidConfig {
                    param: name.clone(),
                    reason: reason.into(),
                })
            }
        }
    }
    Ok(true)
}

/// The stream of one define-by-run parameter's independent draw: derived
/// from the trial and the name, so the order of suggestions does not matter.
fn param_rng(study_seed: u64, number: u64, name: &str) -> ChaCha8Rng {
    // FNV-1a: stable across runs and platforms, unlike `DefaultHasher`.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ChaCha8Rng::seed_from_u64(trial_seed(trial_seed(study_seed, number), hash))
}
