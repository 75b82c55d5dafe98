//! Define-and-run asks: a queued trial first, else the searcher's proposal
//! for the number the trial will get, created with its configuration in one
//! write.

use super::driver::{claims_taken, context, CLAIM_RETRIES};
use super::reproducible::Asking;
use super::Study;
use crate::seed::{trial_rng, trial_seed};
use crate::storage::TrialUpdate;
use crate::StudyError;
use crate::{
    Error, Metadata, NewTrial, Params, Proposal, Result, Space, Trial, TrialId, TrialState,
};
use std::time::Duration;

/// How many times a proposal is made again because another worker took
/// the trial number (or the claim) it was made for, before the trial takes
/// a number first and the proposal is made for it.
const NUMBER_RETRIES: u32 = 16;

impl Study {
    /// Asks for a new trial over the study's space (define-and-run): a
    /// queued trial if there is one, else the searcher's proposal. The trial
    /// is running and holds a value for every active parameter. A
    /// reproducible study waits until the trials the proposal depends on
    /// have ended (up to [`Study::wait_timeout`]).
    pub fn ask(&mut self) -> Result<Trial> {
        self.waiting(Study::try_ask)
    }

    /// [`Study::ask`] that does not wait: a reproducible study that cannot
    /// propose yet returns [`Error::NotReady`] at once, holding no trial
    /// (for a caller that must not block while others use the study, such
    /// as the executor's workers; it asks again a little later).
    pub fn try_ask(&mut self) -> Result<Trial> {
        if self.record.config.space.is_empty() {
            return Err(StudyError::NoSpace {
                study: self.name().to_string(),
            }
            .into());
        }
        let space = self.record.config.space.clone();
        let trial = self.ask_space(&space)?;
        self.leases.hold(trial.id, &self.storage);
        Ok(trial)
    }

    /// Takes the oldest queued trial, if any, with the searcher filling in
    /// the parameters it does not fix; never asks the searcher for a new
    /// one (a worker that only drains the queue).
    pub fn ask_queued(&mut self) -> Result<Option<Trial>> {
        self.waiting(Study::try_ask_queued)
    }

    /// [`Study::ask_queued`] that does not wait (see [`Study::try_ask`]).
    pub fn try_ask_queued(&mut self) -> Result<Option<Trial>> {
        let Some(queued) = self.claim_queued()? else {
            return Ok(None);
        };
        let space = self.record.config.space.clone();
        let trial = self.complete_queued(queued, &space)?;
        self.leases.hold(trial.id, &self.storage);
        Ok(Some(trial))
    }

    /// Asks for a new trial over `space`, which becomes (or grows) the
    /// study's space.
    pub fn ask_in(&mut self, space: &Space) -> Result<Trial> {
        if space != &self.record.config.space {
            self.extend_space(space, false)?;
        }
        self.ask()
    }

    fn ask_space(&mut self, space: &Space) -> Result<Trial> {
        if let Some(queued) = self.claim_queued()? {
            return self.complete_queued(queued, space);
        }
        // Propose for the number the trial will get, then create it with its
        // configuration in one write, which the storage refuses if another
        // worker took that number (or the proposal's claim key) first. So a
        // searcher with nothing to propose (an exhausted grid) leaves no
        // trial behind, a lost connection leaves no trial without a
        // configuration, and each trial's proposal is the one its number's
        // random stream gives.
        let (mut numbers_lost, mut claims_lost) = (0, 0);
        while numbers_lost < NUMBER_RETRIES && claims_lost < CLAIM_RETRIES {
            self.refresh()?;
            let expected = self.history.trials().last().map_or(0, |t| t.number + 1);
            let proposal = self.propose_from_history(space, expected)?;
            let params = self.checked(space, &proposal)?;
            let mut new = NewTrial {
                params,
                budget: proposal.budget,
                parent: proposal.parent,
                claim: proposal.claim,
                expect_number: Some(expected),
                ..self.new_running()
            };
            new.meta.proposer = proposal.proposer;
            match self.storage.create_trial(self.record.id, &new) {
                Err(Error::ClaimTaken { .. }) => claims_lost += 1,
                Err(Error::NumberTaken { .. }) => {
                    numbers_lost += 1;
                    // Step aside a little, longer each time and differently
                    // per process, so that the same workers do not collide
                    // again.
                    std::thread::sleep(backoff(numbers_lost));
                }
                other => return other,
            }
        }
        // Many workers asking at once keep taking the number: take one
        // first, then propose for it (a searcher that runs out meanwhile
        // leaves a failed trial that says so).
        let trial = self
            .storage
            .create_trial(self.record.id, &self.new_running())?;
        for _ in 0..CLAIM_RETRIES {
            let proposal = match self.propose(space, trial.number) {
                Ok(p) => p,
                Err(e) => return Err(self.put_back(trial.id, e)),
            };
            let params = match self.checked(space, &proposal) {
                Ok(params) => params,
                Err(e) => return Err(self.fail_after(trial.id, e)),
            };
            let update = TrialUpdate::SetParams {
                params,
                budget: proposal.budget,
                parent: proposal.parent,
                claim: proposal.claim,
                proposer: proposal.proposer,
            };
            match self.storage.update_trial(trial.id, &update) {
                Err(Error::ClaimTaken { .. }) => continue,
                other => return other,
            }
        }
        Err(self.fail_after(trial.id, claims_taken()))
    }

    /// The proposal's configuration, checked against the space.
    fn checked(&self, space: &Space, proposal: &Proposal) -> Result<Params> {
        space.check_config(&proposal.params).map_err(|e| {
            Error::Search(crate::SearchError::Failed {
                searcher: self.record.config.searcher.name.clone(),
                reason: format!("proposed an invalid configuration: {e}"),
            })
        })
    }

    /// Marks a trial failed after the searcher could not fill it, so it is
    /// not left running, and returns the original error.
    pub(super) fn fail_after(&self, id: TrialId, error: Error) -> Error {
        let update = TrialUpdate::Finish {
            params: Default::default(),
            proposer: None,
            state: TrialState::Failed,
            values: Vec::new(),
            constraints: Vec::new(),
            metrics: Default::default(),
            message: Some(format!("no configuration: {error}")),
            finished: crate::now(),
        };
        // The original error is what the caller needs; a failure to record
        // the failure would surface on the next storage call anyway.
        let _ = self.storage.update_trial(id, &update);
        error
    }

    /// The searcher's proposal for trial `number`, from the history as
    /// storage holds it now.
    pub(super) fn propose(&mut self, space: &Space, number: u64) -> Result<Proposal> {
        self.refresh()?;
        self.propose_from_history(space, number)
    }

    /// The searcher's proposal from the history as last refreshed (as
    /// trial `number` may see it, in a reproducible study).
    fn propose_from_history(&mut self, space: &Space, number: u64) -> Result<Proposal> {
        let lagged = self.lagged(number, Asking::Space)?;
        self.fresh_searcher()?;
        let trials = lagged.as_deref().unwrap_or(self.history.trials());
        let ctx = context(&self.record, trials, number);
        let mut rng = trial_rng(self.record.config.seed, number);
        let proposal = self.searcher.sample_relative(&ctx, space, &mut rng)?;
        Ok(self.named(proposal))
    }

    /// The proposal with its proposer named: the searcher's own answer,
    /// else the study's searcher.
    pub(super) fn named(&self, mut proposal: Proposal) -> Proposal {
        if proposal.proposer.is_none() {
            proposal.proposer = Some(self.record.config.searcher.name.clone());
        }
        proposal
    }

    pub(super) fn claim_queued(&mut self) -> Result<Option<Trial>> {
        let meta = self.metadata(None);
        let Some(trial) = self.storage.claim_waiting(self.record.id, &meta)? else {
            return Ok(None);
        };
        let seed = Metadata {
            seed: Some(trial_seed(self.record.config.seed, trial.number)),
            ..Metadata::default()
        };
        Ok(Some(
            self.storage
                .update_trial(trial.id, &TrialUpdate::Meta(seed))?,
        ))
    }

    /// A queued trial may fix only some parameters: the searcher fills in
    /// the rest.
    pub(super) fn complete_queued(&mut self, trial: Trial, space: &Space) -> Result<Trial> {
        let fixed = match space.check_partial(&trial.params) {
            Ok(p) => p,
            Err(e) => return Err(self.fail_after(trial.id, e)),
        };
        if let Ok(params) = space.check_config(&fixed) {
            // A reproducible study hands out even a fully fixed trial only
            // once the trials below it by more than the lag have ended, as
            // the rest: its pruner judges it against them.
            let settled = self
                .refresh()
                .and_then(|()| self.lagged(trial.number, Asking::Space));
            if let Err(e) = settled {
                return Err(self.put_back(trial.id, e));
            }
            return self.storage.update_trial(
                trial.id,
                &TrialUpdate::SetParams {
                    params,
                    budget: None,
                    parent: None,
                    claim: None,
                    proposer: None,
                },
            );
        }
        let proposal = match self.propose(space, trial.number) {
            Ok(p) => p,
            Err(e) => return Err(self.put_back(trial.id, e)),
        };
        let mut params = fixed;
        let mut rng = trial_rng(self.record.config.seed, trial.number);
        for (i, entry) in space.entries().iter().enumerate() {
            if params.contains_key(&entry.name) || !space.is_active(i, &params) {
                continue;
            }
            let value = match proposal.params.get(&entry.name) {
                Some(v) => v.clone(),
                None => entry.param.from_unit(rand::Rng::random::<f64>(&mut rng)),
            };
            params.insert(entry.name.clone(), value);
        }
        let params = match space.check_config(&params) {
            Ok(p) => p,
            Err(e) => return Err(self.fail_after(trial.id, e)),
        };
        self.storage.update_trial(
            trial.id,
            &TrialUpdate::SetParams {
                params,
                budget: None,
                parent: None,
                claim: None,
                proposer: proposal.proposer,
            },
        )
    }
}

/// A pause of up to `2^min(lost, 6)` ms after a trial number was lost to
/// another worker, spread by process and thread (a hash, not a random
/// draw: nothing depends on it but timing).
fn backoff(lost: u32) -> Duration {
    let who = u64::from(std::process::id()) ^ thread_hash();
    let spread = trial_seed(who, u64::from(lost)) % 1000;
    Duration::from_micros((1000u64 << lost.min(6)) * spread / 1000)
}

fn thread_hash() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish()
}
