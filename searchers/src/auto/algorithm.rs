//! The `auto` searcher: asks the rules which searcher the trial is for,
//! builds that searcher once, and passes the call on.

use super::rules::{choose, Delegate};
use super::settings::ValidAutoSettings;
use crate::{
    CmaesSearcher, CmaesSettings, GpSearcher, GpSettings, HyperbandSearcher, TpeSearcher,
    TpeSettings,
};
use hyperspace_engine::{
    Param, Proposal, SearchContext, SearchError, Searcher, Space, TrialState, Value,
};
use rand::RngCore;
use std::cell::Cell;
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
    /// parameter drawn alone, the proposer's name), and a rule may scan
    /// the whole history; as the default searcher, `auto` must not make a
    /// long study's every ask pay that more than once.
    last: Cell<Option<(Situation, Delegate)>>,
}

/// What the rules' answer depends on that can change between two calls:
/// the trial, the history's length and how many of it are complete or
/// pruned (a running trial that ends: the rules read only those), the
/// space (a define-by-run study grows it) and the objectives (a study can
/// be retargeted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Situation {
    trial_number: u64,
    trials: usize,
    finished: usize,
    params: usize,
    objectives: usize,
}

impl Situation {
    fn of(ctx: &SearchContext<'_>) -> Self {
        Self {
            trial_number: ctx.trial_number,
            trials: ctx.trials.len(),
            finished: ctx
                .trials
                .iter()
                .filter(|t| matches!(t.state, TrialState::Complete | TrialState::Pruned))
                .count(),
            params: ctx.space.len(),
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
            last: Cell::new(None),
        }
    }

    /// The rules' choice for this trial, from the last call when nothing
    /// it depends on changed since.
    fn choice(&self, ctx: &SearchContext<'_>) -> Delegate {
        let now = Situation::of(ctx);
        if let Some((then, which)) = self.last.get() {
            if then == now {
                return which;
            }
        }
        let which = choose(&self.settings, ctx);
        self.last.set(Some((now, which)));
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
