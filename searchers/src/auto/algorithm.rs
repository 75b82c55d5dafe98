//! The `auto` searcher: asks the rules which searcher the trial is for,
//! builds that searcher once, and passes the call on.

use super::rules::{choose, Delegate};
use super::settings::ValidAutoSettings;
use crate::{
    CmaesSearcher, CmaesSettings, GpSearcher, GpSettings, HyperbandSearcher, TpeSearcher,
    TpeSettings,
};
use hyperspace_engine::{
    Param, Proposal, SearchContext, SearchError, Searcher, Space, Trial, TrialState, Value,
};
use rand::RngCore;
use std::cell::RefCell;
use std::collections::HashMap;

/// Picks a searcher per study and per phase (see the rules in
/// [`Delegate`]'s module) and records it as the trial's proposer,
/// `"auto:<delegate>"`.
///
/// The delegates keep no state of their own between proposals that the
/// trials do not hold, so building each once and reusing it changes
/// nothing but the cost.
#[derive(Debug)]
pub struct AutoSearcher {
    settings: ValidAutoSettings,
    built: HashMap<Delegate, Box<dyn Searcher>>,
    /// The last choice and what it was made for. One ask consults the
    /// rules several times (the tree question, the joint proposal, each
    /// parameter drawn alone, the proposer's name), and the rules scan the
    /// history with a hash lookup per trial and parameter (and infer a
    /// define-by-run tree); as the default searcher, `auto` must not make a
    /// long study's every ask pay that more than once. Checking that the
    /// situation is unchanged costs a plain pass over the trials' states
    /// and a comparison of the space.
    last: RefCell<Option<Memo>>,
}

/// A choice with what it was made for.
#[derive(Debug)]
struct Memo {
    situation: Situation,
    space: Space,
    which: Delegate,
}

/// What the rules' answer depends on that can change between two calls,
/// besides the space (compared whole: a define-by-run study grows it, or
/// redefines a parameter): the trial, the history's length, how many of it
/// are complete or pruned and how many have a value (a running trial that
/// ends; a retargeted study's values), and the objectives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Situation {
    trial_number: u64,
    trials: usize,
    finished: usize,
    valued: usize,
    objectives: usize,
}

impl Situation {
    fn of(ctx: &SearchContext<'_>) -> Self {
        let ended = |t: &&Trial| matches!(t.state, TrialState::Complete | TrialState::Pruned);
        Self {
            trial_number: ctx.trial_number,
            trials: ctx.trials.len(),
            finished: ctx.trials.iter().filter(ended).count(),
            valued: ctx
                .trials
                .iter()
                .filter(|t| t.finished_value().is_some())
                .count(),
            objectives: ctx.objectives.len(),
        }
    }
}

impl AutoSearcher {
    /// An `auto` searcher with validated settings.
    pub fn new(settings: ValidAutoSettings) -> Self {
        Self {
            settings,
            built: HashMap::new(),
            last: RefCell::new(None),
        }
    }

    /// The rules' choice for this trial, from the last call when nothing
    /// it depends on changed since.
    fn choice(&self, ctx: &SearchContext<'_>) -> Delegate {
        let situation = Situation::of(ctx);
        if let Some(memo) = self.last.borrow().as_ref() {
            if memo.situation == situation && memo.space == *ctx.space {
                return memo.which;
            }
        }
        let which = choose(&self.settings, ctx);
        *self.last.borrow_mut() = Some(Memo {
            situation,
            space: ctx.space.clone(),
            which,
        });
        which
    }

    /// The delegate for this trial, built on first use.
    fn delegate(
        &mut self,
        ctx: &SearchContext<'_>,
    ) -> Result<(Delegate, &mut Box<dyn Searcher>), SearchError> {
        let which = self.choice(ctx);
        if !self.built.contains_key(&which) {
            let searcher = self.build(which)?;
            self.built.insert(which, searcher);
        }
        match self.built.get_mut(&which) {
            Some(searcher) => Ok((which, searcher)),
            None => Err(SearchError::Failed {
                searcher: "auto".into(),
                reason: format!("the {} delegate was not built", which.name()),
            }),
        }
    }

    fn build(&self, which: Delegate) -> Result<Box<dyn Searcher>, SearchError> {
        Ok(match which {
            Delegate::Tpe => Box::new(TpeSearcher::new(TpeSettings::default().validate()?)),
            Delegate::Gp => Box::new(GpSearcher::new(GpSettings::default().validate()?)),
            Delegate::Cmaes => {
                let settings = CmaesSettings {
                    warm_start_trials: self.settings.gp_trials,
                    ..CmaesSettings::default()
                };
                Box::new(CmaesSearcher::new(settings.validate()?))
            }
            Delegate::Hyperband => match &self.settings.hyperband {
                Some(settings) => Box::new(HyperbandSearcher::new(settings.clone())),
                None => {
                    return Err(SearchError::Failed {
                        searcher: "auto".into(),
                        reason: "hyperband chosen without its settings".into(),
                    })
                }
            },
        })
    }
}

/// `auto:<delegate>`, or `auto:<what the delegate named>` when the delegate
/// names a proposer itself.
fn proposer(which: Delegate, named: Option<String>) -> String {
    format!("auto:{}", named.as_deref().unwrap_or(which.name()))
}

impl Searcher for AutoSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let (which, searcher) = self.delegate(ctx)?;
        let mut proposal = searcher.sample_relative(ctx, space, rng)?;
        proposal.proposer = Some(proposer(which, proposal.proposer.take()));
        Ok(proposal)
    }

    fn sample_independent(
        &mut self,
        ctx: &SearchContext<'_>,
        name: &str,
        param: &Param,
        rng: &mut dyn RngCore,
    ) -> Result<Value, SearchError> {
        let (_, searcher) = self.delegate(ctx)?;
        searcher.sample_independent(ctx, name, param, rng)
    }

    fn chooses_budgets(&self) -> bool {
        self.settings.hyperband.is_some()
    }

    fn supports_multi_objective(&self) -> bool {
        // Several objectives go to the GP, then TPE (rules.rs), which both
        // handle them; Hyperband is asked itself.
        self.settings.hyperband.is_none()
    }

    /// As the delegate of the trial: every delegate but TPE takes the tree.
    fn models_inferred_tree(&self, ctx: &SearchContext<'_>) -> bool {
        self.choice(ctx) != Delegate::Tpe
    }

    fn independent_proposer(&self, ctx: &SearchContext<'_>) -> Option<String> {
        Some(proposer(self.choice(ctx), None))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::auto::settings::AutoSettings;
    use hyperspace_engine::Direction;

    fn ctx<'a>(space: &'a Space, trial_number: u64) -> SearchContext<'a> {
        SearchContext {
            space,
            trials: &[],
            direction: Direction::Minimize,
            objectives: &[],
            study_seed: 1,
            trial_number,
        }
    }

    /// The memo answers only for the situation it was made in: a
    /// parameter redefined within one trial (same number of parameters)
    /// or another trial asks the rules again.
    #[test]
    fn the_kept_choice_follows_the_space_and_the_trial() {
        let auto = AutoSearcher::new(AutoSettings::default().validate().unwrap());
        let numbers = Space::parse("x=float(0,1)").unwrap();
        let choice = Space::parse("x=choice(a,b)").unwrap();
        let gp = Some("auto:gp".to_string());
        let tpe = Some("auto:tpe".to_string());
        assert_eq!(auto.independent_proposer(&ctx(&numbers, 3)), gp);
        assert_eq!(auto.independent_proposer(&ctx(&numbers, 3)), gp);
        assert_eq!(auto.independent_proposer(&ctx(&choice, 3)), tpe);
        assert_eq!(auto.independent_proposer(&ctx(&numbers, 3)), gp);
        // Past `gp_trials` (200) a numeric space goes to CMA-ES.
        assert_eq!(
            auto.independent_proposer(&ctx(&numbers, 500)),
            Some("auto:cmaes".to_string())
        );
    }
}
