use super::select::{pool, standings, tournament};
use super::variation::{child, Operators};
use super::ValidNsga2Settings;
use hyperspace_engine::{total_violation, Proposal, SearchContext, SearchError, Searcher, Space};
use rand::RngCore;

/// NSGA-II without a generation loop: each proposal ranks every complete
/// trial (Deb's constrained domination, crowding distance), keeps the best
/// `population_size` as parents, picks two by binary tournaments and makes
/// one child by crossover and mutation. Nothing is kept between proposals,
/// so parallel workers and a restarted study share one population; running
/// trials are not modelled: each worker's proposal draws from its own
/// trial's random stream, so workers pick different parents.
#[derive(Debug, Clone)]
pub struct Nsga2Searcher {
    settings: ValidNsga2Settings,
}

impl Nsga2Searcher {
    /// An NSGA-II searcher with these settings.
    pub fn new(settings: ValidNsga2Settings) -> Self {
        Self { settings }
    }
}

impl Searcher for Nsga2Searcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let s = self.settings.get();
        let (trials, losses): (Vec<_>, Vec<_>) = ctx.scored_all().unzip();
        if trials.len() < s.population_size || space.is_empty() {
            return Ok(Proposal::new(space.sample_uniform(rng)));
        }
        let violations: Vec<f64> = trials
            .iter()
            .map(|t| total_violation(&t.constraints))
            .collect();
        let ranked = standings(&losses, &violations).map_err(|e| SearchError::Unsupported {
            searcher: "nsga2".into(),
            reason: e.to_string(),
        })?;
        let parents = pool(&ranked, s.population_size);
        let a = tournament(&parents, &ranked, rng);
        let b = tournament(&parents, &ranked, rng);
        let ops = Operators {
            crossover_prob: s.crossover_prob,
            crossover_eta: s.crossover_eta,
            mutation_eta: s.mutation_eta,
            mutation_prob: s.mutation_prob.unwrap_or(1.0 / space.len().max(1) as f64),
        };
        let params = child(space, &trials[a].params, &trials[b].params, &ops, rng);
        Ok(Proposal::new(params))
    }

    fn supports_multi_objective(&self) -> bool {
        true
    }
}
