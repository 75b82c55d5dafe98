//! The asynchronous Hyperband proposal: promote when a rung allows it,
//! otherwise start a new configuration in the trial's bracket.

use super::settings::NewConfigSampler;
use super::ValidHyperbandSettings;
use crate::{RandomSearcher, RandomSettings, TpeSearcher, TpeSettings};
use hyperspace_engine::{
    Proposal, SearchContext, SearchError, Searcher, Space, Trial, TrialId, TrialState,
};
use rand::RngCore;
use std::collections::{HashMap, HashSet};

/// Trials a rung needs before TPE models new configurations from it.
const TPE_MIN_TRIALS: usize = 10;

/// The Hyperband searcher. It keeps no state: rungs, brackets and
/// promotions are all read from the history.
#[derive(Debug, Clone)]
pub struct HyperbandSearcher {
    settings: ValidHyperbandSettings,
}

impl HyperbandSearcher {
    /// A Hyperband searcher with validated settings.
    pub fn new(settings: ValidHyperbandSettings) -> Self {
        Self { settings }
    }

    /// The rung whose budget is `budget`, if any.
    fn rung_of(&self, budget: Option<f64>) -> Option<usize> {
        let b = budget?;
        self.settings
            .brackets
            .rungs()
            .iter()
            .position(|&r| (r - b).abs() <= 1e-9 * r.max(1.0))
    }

    /// The trial (by index) that may be promoted now, and the rung it goes
    /// to.
    ///
    /// Trials are grouped by bracket (the rung their first ancestor
    /// started at) and rung; in each group the complete trials are ranked
    /// and the best `⌊n / η⌋` may move up, unless they have been already
    /// (some trial names them as parent). Higher rungs are served first,
    /// so the trials closest to the full budget finish first.
    fn find_promotion(&self, ctx: &SearchContext<'_>) -> Option<(usize, usize)> {
        let by_id: HashMap<TrialId, &Trial> = ctx.trials.iter().map(|t| (t.id, t)).collect();
        let promoted: HashSet<TrialId> = ctx.trials.iter().filter_map(|t| t.parent).collect();
        // The first ancestor: a trial's bracket is the rung it started at.
        // (Re-queued copies of dead trials add links to the chain; a set of
        // visited trials guards against a cycle in a damaged history.)
        let start_rung = |t: &Trial| {
            let mut root = t;
            let mut seen = HashSet::new();
            while let Some(parent) = root.parent.and_then(|p| by_id.get(&p)) {
                if !seen.insert(root.id) {
                    break;
                }
                root = parent;
            }
            self.rung_of(root.budget)
        };
        // (bracket, rung) -> complete trials there, as (loss, index).
        let mut groups: HashMap<(usize, usize), Vec<(f64, usize)>> = HashMap::new();
        for (i, t) in ctx.trials.iter().enumerate() {
            if t.state != TrialState::Complete {
                continue;
            }
            let (Some(value), Some(rung), Some(bracket)) =
                (t.value, self.rung_of(t.budget), start_rung(t))
            else {
                continue;
            };
            if rung + 1 < self.settings.brackets.rungs().len() {
                groups
                    .entry((bracket, rung))
                    .or_default()
                    .push((ctx.direction.to_loss(value), i));
            }
        }
        let mut best: Option<(usize, usize, f64)> = None; // (rung, index, loss)
        for ((_, rung), mut members) in groups {
            members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let kept = self.settings.brackets.promoted(members.len());
            let candidate = members
                .iter()
                .take(kept)
                .find(|(_, i)| !promoted.contains(&ctx.trials[*i].id));
            if let Some(&(loss, i)) = candidate {
                let better = match best {
                    None => true,
                    Some((r, bi, bl)) => rung > r || (rung == r && (loss, i) < (bl, bi)),
                };
                if better {
                    best = Some((rung, i, loss));
                }
            }
        }
        best.map(|(rung, i, _)| (i, rung + 1))
    }

    /// A new configuration, by the configured sampler.
    fn new_config(
        &self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        if self.settings.settings.sampler == NewConfigSampler::Tpe {
            // The highest rung with enough complete trials: the most
            // faithful picture of the objective that is also rich enough.
            let mut complete = vec![0usize; self.settings.brackets.rungs().len()];
            for t in ctx
                .trials
                .iter()
                .filter(|t| t.state == TrialState::Complete)
            {
                if let Some(rung) = self.rung_of(t.budget) {
                    complete[rung] += 1;
                }
            }
            if let Some(rung) = complete.iter().rposition(|&n| n >= TPE_MIN_TRIALS) {
                let at_rung: Vec<Trial> = ctx
                    .trials
                    .iter()
                    .filter(|t| self.rung_of(t.budget) == Some(rung))
                    .cloned()
                    .collect();
                let sub = SearchContext {
                    trials: &at_rung,
                    ..*ctx
                };
                let tpe = TpeSettings {
                    n_startup_trials: TPE_MIN_TRIALS,
                    ..TpeSettings::default()
                }
                .validate()?;
                let proposal = TpeSearcher::new(tpe).sample_relative(&sub, space, rng)?;
                return Ok(Proposal::new(proposal.params));
            }
        }
        let proposal =
            RandomSearcher::new(RandomSettings::default()).sample_relative(ctx, space, rng)?;
        Ok(Proposal::new(proposal.params))
    }
}

impl Searcher for HyperbandSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        if let Some((index, rung)) = self.find_promotion(ctx) {
            let parent = &ctx.trials[index];
            return Ok(Proposal {
                params: parent.params.clone(),
                budget: Some(self.settings.brackets.rungs()[rung]),
                parent: Some(parent.id),
                claim: Some(format!("hyperband:promote:{}", parent.id.0)),
                proposer: None,
            });
        }
        // A fixed draw from the trial number, so every worker agrees.
        let bracket = self.settings.brackets.bracket_of(ctx.trial_number);
        let mut proposal = self.new_config(ctx, space, rng)?;
        proposal.budget = Some(self.settings.brackets.rungs()[bracket]);
        Ok(proposal)
    }

    fn chooses_budgets(&self) -> bool {
        true
    }
}
