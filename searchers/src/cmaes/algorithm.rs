use super::generations::{replay, History, Modelled, Run};
use super::ValidCmaesSettings;
use hyperspace_engine::{Proposal, SearchContext, SearchError, Searcher, Space};
use rand::RngCore;

/// CMA-ES without state between proposals: each proposal replays the
/// study's trials into the current distribution (see the module docs for
/// the generation rule) and draws one point from it with the trial's own
/// random stream. Categorical and conditional parameters are drawn
/// uniformly.
#[derive(Debug, Clone)]
pub struct CmaesSearcher {
    settings: ValidCmaesSettings,
    /// The last replay, resumed when the history only grew: a pure saving
    /// (a fresh replay gives the same run), so workers need not share it.
    last: Option<Run>,
}

impl CmaesSearcher {
    /// A CMA-ES searcher with these settings.
    pub fn new(settings: ValidCmaesSettings) -> Self {
        Self {
            settings,
            last: None,
        }
    }
}

impl Searcher for CmaesSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let modelled = Modelled::of(space);
        if modelled.is_empty() {
            return Ok(Proposal::new(space.sample_uniform(rng)));
        }
        let history = History::read(ctx, &modelled, self.settings.get().warm_start_trials);
        let run = replay(
            &self.settings,
            &modelled,
            &history,
            ctx.study_seed,
            self.last.take(),
        )?;
        let x = run.state.sample(rng);
        let mut params = space.sample_uniform(rng);
        for ((name, param), u) in modelled.names.iter().zip(&modelled.params).zip(x) {
            params.insert(name.clone(), param.from_unit(u));
        }
        self.last = Some(run);
        Ok(Proposal::new(params))
    }
}
