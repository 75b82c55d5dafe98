//! The interface between a study and the strategies that propose
//! configurations (the registry that builds them by name is in
//! `registry.rs`).
//!
//! A study drives; a searcher only proposes. It sees a read-only
//! [`SearchContext`] (the space, every trial, the direction) and never the
//! study or its storage. State that must survive a restart or be shared by
//! workers lives in the trials, so a searcher rebuilt from the history
//! proposes as well as one that kept running.

use crate::{
    Direction, Objective, Param, Params, SearchError, Space, Trial, TrialId, TrialState, Value,
};
use rand::{Rng, RngCore};
use std::fmt::Debug;

/// What a searcher may look at.
#[derive(Debug, Clone, Copy)]
pub struct SearchContext<'a> {
    /// The study's whole space (for define-by-run studies, every parameter
    /// met so far).
    pub space: &'a Space,
    /// Every trial of the study, by number: finished, running (pending) and
    /// waiting. Older trials are read with the defaults of parameters added
    /// after them.
    pub trials: &'a [Trial],
    /// Whether smaller or larger values are better (of the first
    /// objective, for a study with several).
    pub direction: Direction,
    /// Every objective of the study, in the order of [`Trial::values`].
    /// Empty in a hand-built context means one objective, `direction`
    /// (see [`SearchContext::directions`]).
    pub objectives: &'a [Objective],
    /// The study's seed (for sequences that must be shared across trials).
    pub study_seed: u64,
    /// The number of the trial being proposed for.
    pub trial_number: u64,
}

impl<'a> SearchContext<'a> {
    /// Finished trials with a value, as (trial, loss) where smaller loss is
    /// better whatever the direction. Pruned trials count with their last
    /// value; failed ones do not count.
    pub fn scored(&self) -> impl Iterator<Item = (&'a Trial, f64)> + 'a {
        let direction = self.direction;
        self.trials
            .iter()
            .filter_map(move |t| t.finished_value().map(|v| (t, direction.to_loss(v))))
    }

    /// The direction of each objective, in the order of [`Trial::values`]
    /// (`[direction]` when `objectives` is empty).
    pub fn directions(&self) -> Vec<Direction> {
        if self.objectives.is_empty() {
            vec![self.direction]
        } else {
            self.objectives.iter().map(|o| o.direction).collect()
        }
    }

    /// Complete trials with one value per objective, as (trial, losses)
    /// where smaller is better in every objective, whatever the
    /// directions: what a multi-objective searcher ranks. Pruned and failed
    /// trials, and trials with a NaN value, do not count; constraints are
    /// left to the caller ([`Trial::constraints`]).
    pub fn scored_all(&self) -> impl Iterator<Item = (&'a Trial, Vec<f64>)> + 'a {
        let directions = self.directions();
        self.trials.iter().filter_map(move |t| {
            let usable = t.state == TrialState::Complete
                && t.values.len() == directions.len()
                && t.values.iter().all(|v| !v.is_nan());
            usable.then(|| {
                let losses = t.values.iter().zip(&directions);
                (t, losses.map(|(v, d)| d.to_loss(*v)).collect())
            })
        })
    }

    /// Trials handed out but not finished, other than the one being proposed.
    pub fn pending(&self) -> impl Iterator<Item = &'a Trial> + 'a {
        let me = self.trial_number;
        self.trials
            .iter()
            .filter(move |t| !t.state.is_finished() && t.number != me && !t.params.is_empty())
    }
}

/// A searcher's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proposal {
    /// Values for the active parameters of the space.
    pub params: Params,
    /// A budget, for multi-fidelity searchers.
    pub budget: Option<f64>,
    /// The trial this one continues (a promotion in Hyperband).
    pub parent: Option<TrialId>,
    /// A key no other trial of the study may hold; if another worker took it
    /// first, the study asks again with a fresh history.
    pub claim: Option<String>,
    /// Which searcher proposed it, when that is not the study's searcher
    /// itself: a searcher that delegates (`auto`) names its delegate
    /// (`"auto:gp"`). `None`: the study records its searcher's name. Kept
    /// in the trial's [`Metadata::proposer`](crate::Metadata::proposer).
    pub proposer: Option<String>,
}

impl Proposal {
    /// A proposal of just these parameters.
    pub fn new(params: Params) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }

    /// The proposal, recorded as proposed by `name` (see
    /// [`Proposal::proposer`]).
    pub fn proposed_by(mut self, name: impl Into<String>) -> Self {
        self.proposer = Some(name.into());
        self
    }
}

/// A strategy that proposes configurations from the whole history.
///
/// Required: [`Searcher::sample_relative`]. Provided:
/// [`Searcher::sample_independent`] (uniform) and
/// [`Searcher::chooses_budgets`] (no).
///
/// For each new trial the study calls `sample_relative` once, with the part
/// of the space it can model jointly (the whole space of a define-and-run
/// study; for define-by-run, the parameters every finished trial shares), and
/// then `sample_independent` for each parameter the trial meets that the
/// relative proposal did not cover. All randomness comes from `rng`, which
/// the study derives from its seed and the trial number.
pub trait Searcher: Send + Debug {
    /// Proposes values for every active parameter of `space`, jointly.
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError>;

    /// Proposes one parameter met for the first time in a define-by-run
    /// trial. The default draws uniformly on the unit interval.
    fn sample_independent(
        &mut self,
        _ctx: &SearchContext<'_>,
        _name: &str,
        param: &Param,
        rng: &mut dyn RngCore,
    ) -> Result<Value, SearchError> {
        Ok(param.from_unit(rng.random::<f64>()))
    }

    /// Whether proposals carry a budget (multi-fidelity searchers such as
    /// Hyperband). A define-by-run trial then asks for one even before any
    /// parameter can be modelled jointly, with an empty space.
    fn chooses_budgets(&self) -> bool {
        false
    }

    /// Whether proposals can run out ([`SearchError::Exhausted`], as a
    /// grid does). A define-by-run trial then asks the searcher before the
    /// trial is created, so an exhausted searcher ends a run cleanly
    /// instead of leaving a failed trial with no parameters.
    fn may_run_out(&self) -> bool {
        false
    }

    /// Whether the searcher handles a study with several objectives
    /// (default: no; a study with several objectives refuses a searcher
    /// that does not). One that says yes must not rely on
    /// [`SearchContext::direction`] or [`Trial::value`] alone: a trial's
    /// result is [`Trial::values`].
    fn supports_multi_objective(&self) -> bool {
        false
    }

    /// Whether a define-by-run trial's joint proposal covers the tree the
    /// study infers from the history ([`joint_space`](crate::joint_space):
    /// branch parameters under the choice that brings them), or only the
    /// parameters every finished trial has, the rest then drawn one by one
    /// by [`Searcher::sample_independent`]. Default: the tree, as every
    /// searcher handles conditional spaces; a searcher whose own
    /// define-by-run path models branches better (TPE, measured), or that
    /// gains nothing from the tree (random), says no.
    fn models_inferred_tree(&self, _ctx: &SearchContext<'_>) -> bool {
        true
    }

    /// The name a define-by-run trial records as its proposer
    /// ([`Proposal::proposer`]) when nothing could be proposed jointly, so
    /// that every parameter came from [`Searcher::sample_independent`].
    /// Default: `None`, the study's searcher name; a searcher that
    /// delegates names the delegate that will draw them.
    fn independent_proposer(&self, _ctx: &SearchContext<'_>) -> Option<String> {
        None
    }
}
