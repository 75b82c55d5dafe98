use super::{RandomSettings, Sampler};
use hyperspace_engine::{Params, Proposal, SearchContext, SearchError, Searcher, Space};
use hyperspace_surrogate::sobol::SobolSequence;
use rand::RngCore;

/// Proposes points uniformly (or quasi-uniformly) at random, ignoring the
/// history. Point `i` of the Sobol design goes to trial number `i`, so
/// parallel workers share one design without talking to each other.
#[derive(Debug, Clone, Default)]
pub struct RandomSearcher {
    settings: RandomSettings,
}

impl RandomSearcher {
    /// A random searcher with these settings.
    pub fn new(settings: RandomSettings) -> Self {
        Self { settings }
    }
}

impl Searcher for RandomSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let sobol = match self.settings.sampler {
            Sampler::Uniform => return Ok(Proposal::new(space.sample_uniform(rng))),
            Sampler::Sobol => SobolSequence::new(space.len(), ctx.study_seed).map_err(|e| {
                SearchError::Unsupported {
                    searcher: "random".into(),
                    reason: e.to_string(),
                }
            })?,
        };
        let mut params = Params::with_capacity(space.len());
        for (i, entry) in space.entries().iter().enumerate() {
            if space.is_active(i, &params) {
                let u = sobol.coordinate(ctx.trial_number, i);
                params.insert(entry.name.clone(), entry.param.from_unit(u));
            }
        }
        Ok(Proposal::new(params))
    }

    /// Random search ignores results, so any number of objectives is fine.
    /// Random draws are independent whatever the tree: reading it off the
    /// history would cost a scan of the finished trials per trial and
    /// change nothing of the distribution.
    fn models_inferred_tree(&self, _ctx: &SearchContext<'_>) -> bool {
        false
    }

    fn supports_multi_objective(&self) -> bool {
        true
    }
}
