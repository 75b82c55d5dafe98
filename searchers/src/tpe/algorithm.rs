//! The TPE proposal: split (`super::split`), fit two densities per parameter group,
//! pick the candidate with the best density ratio.

use super::dimension::dimension;
use super::settings::{GroupModel, StartupSampler, TrialWeights};
use super::split::{split, Side, Split};
use super::ValidTpeSettings;
use crate::encode::{coordinate, value, Absent, EncodedHistory};
use crate::{RandomSearcher, RandomSettings, Sampler};
use hyperspace_engine::{
    Condition, Param, Params, Proposal, SearchContext, SearchError, Searcher, Space, Value,
};
use hyperspace_surrogate::parzen::{default_weights, Dimension, ParzenEstimator};
use ndarray::{Array1, Array2};
use rand::RngCore;

/// The TPE searcher. Proposals depend on the history only: the one cache it
/// keeps (trials' coordinates) is rebuilt from the history when missing.
#[derive(Debug, Clone)]
pub struct TpeSearcher {
    settings: ValidTpeSettings,
    encoded: EncodedHistory,
}

impl TpeSearcher {
    /// A TPE searcher with validated settings.
    pub fn new(settings: ValidTpeSettings) -> Self {
        Self {
            settings,
            encoded: EncodedHistory::new(Absent::Nan),
        }
    }

    fn startup(&self) -> RandomSearcher {
        let sampler = match self.settings.settings.startup {
            StartupSampler::Uniform => Sampler::Uniform,
            StartupSampler::Sobol => Sampler::Sobol,
        };
        RandomSearcher::new(RandomSettings { sampler })
    }

    /// Fits the good and bad densities and returns the coordinates of the
    /// best of `n_ei_candidates` candidates drawn from the good one.
    fn best_candidate(
        &self,
        good: Observations,
        bad: Observations,
        dims: &[Dimension],
        rng: &mut dyn RngCore,
    ) -> Result<Vec<f64>, SearchError> {
        let good = self.fit(good, dims)?;
        let bad = self.fit(bad, dims)?;
        let candidates = good.sample(rng, self.settings.settings.n_ei_candidates);
        let mut score = good.log_pdf(candidates.view());
        score -= &bad.log_pdf(candidates.view());
        let best = score
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(bi, bs), (i, &s)| {
                if s > bs {
                    (i, s)
                } else {
                    (bi, bs)
                }
            })
            .0;
        Ok(candidates.row(best).to_vec())
    }

    /// A Parzen density of some observations: weighed as the split said
    /// (the good trials of several objectives), else older ones weighing
    /// less when `decay_old` says so.
    fn fit(&self, obs: Observations, dims: &[Dimension]) -> Result<ParzenEstimator, SearchError> {
        let n = obs.rows;
        let observations = Array2::from_shape_vec((n, dims.len()), obs.data).map_err(failed)?;
        let weights = match (obs.weights, self.settings.settings.decay_old) {
            (Some(w), _) => Array1::from(w),
            (None, TrialWeights::DecayOld) => default_weights(n),
            (None, TrialWeights::Equal) => Array1::ones(n),
        };
        ParzenEstimator::fit(
            observations.view(),
            weights.view(),
            dims,
            &self.settings.parzen,
        )
        .map_err(failed)
    }

    /// Samples one group of entries (by index into `space`) jointly.
    fn sample_group(
        &self,
        space: &Space,
        members: &[usize],
        ctx: &SearchContext<'_>,
        split: &Split,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Value>, SearchError> {
        let dims: Vec<Dimension> = members
            .iter()
            .map(|&i| dimension(&space.entries()[i].param))
            .collect();
        let mut good = Observations::new(members.len(), split.good_weights.is_some());
        let mut bad = Observations::new(members.len(), false);
        for (i, (t, side)) in ctx.trials.iter().zip(&split.sides).enumerate() {
            let target = match side {
                Side::Good => &mut good,
                Side::Bad => &mut bad,
                Side::Out => continue,
            };
            if let Some(row) = self.encoded.row(t) {
                target.push_selected(row, members, split.weight(i));
            }
        }
        let best = self.best_candidate(good, bad, &dims, rng)?;
        Ok(members
            .iter()
            .zip(best)
            .map(|(&i, x)| value(&space.entries()[i].param, x))
            .collect())
    }
}

/// Observations of one group, row-major, trials in age order, with the
/// split's weight of each when it gives them.
struct Observations {
    data: Vec<f64>,
    rows: usize,
    width: usize,
    weights: Option<Vec<f64>>,
}

impl Observations {
    fn new(width: usize, weighed: bool) -> Self {
        Self {
            data: Vec::new(),
            rows: 0,
            width,
            weights: weighed.then(Vec::new),
        }
    }

    /// Adds the coordinates of `members` from a full encoded row, if the
    /// trial has them all (absent parameters are NaN).
    fn push_selected(&mut self, row: &[f64], members: &[usize], weight: f64) {
        if members.iter().all(|&i| !row[i].is_nan()) {
            self.data.extend(members.iter().map(|&i| row[i]));
            self.rows += 1;
            if let Some(w) = &mut self.weights {
                w.push(weight);
            }
        }
    }

    fn push(&mut self, x: f64, weight: f64) {
        debug_assert_eq!(self.width, 1);
        self.data.push(x);
        self.rows += 1;
        if let Some(w) = &mut self.weights {
            w.push(weight);
        }
    }
}

pub(super) fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed {
        searcher: "tpe".into(),
        reason: e.to_string(),
    }
}

/// Groups of entries that share a condition, in the order of their first
/// entry (so a parent's group comes before its children's).
fn groups(space: &Space) -> Vec<(Option<Condition>, Vec<usize>)> {
    let mut out: Vec<(Option<Condition>, Vec<usize>)> = Vec::new();
    for (i, e) in space.entries().iter().enumerate() {
        match out.iter_mut().find(|(c, _)| *c == e.condition) {
            Some((_, members)) => members.push(i),
            None => out.push((e.condition, vec![i])),
        }
    }
    out
}

impl Searcher for TpeSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let Some(split) = split(ctx, &self.settings.settings)? else {
            return self.startup().sample_relative(ctx, space, rng);
        };
        self.encoded.update(space, ctx.trials);
        let mut params = Params::with_capacity(space.len());
        for (_, members) in groups(space) {
            if !space.is_active(members[0], &params) {
                continue;
            }
            let values = match self.settings.settings.multivariate {
                GroupModel::Joint => self.sample_group(space, &members, ctx, &split, rng)?,
                GroupModel::Independent => {
                    let mut values = Vec::with_capacity(members.len());
                    for &m in &members {
                        values.extend(self.sample_group(space, &[m], ctx, &split, rng)?);
                    }
                    values
                }
            };
            for (&i, v) in members.iter().zip(values) {
                params.insert(space.entries()[i].name.clone(), v);
            }
        }
        Ok(Proposal::new(params))
    }

    fn sample_independent(
        &mut self,
        ctx: &SearchContext<'_>,
        name: &str,
        param: &Param,
        rng: &mut dyn RngCore,
    ) -> Result<Value, SearchError> {
        let Some(split) = split(ctx, &self.settings.settings)? else {
            return self.startup().sample_independent(ctx, name, param, rng);
        };
        let mut good = Observations::new(1, split.good_weights.is_some());
        let mut bad = Observations::new(1, false);
        for (i, (t, side)) in ctx.trials.iter().zip(&split.sides).enumerate() {
            let x = t.params.get(name).and_then(|v| coordinate(param, v));
            match (side, x) {
                (Side::Good, Some(x)) => good.push(x, split.weight(i)),
                (Side::Bad, Some(x)) => bad.push(x, 1.0),
                _ => {}
            }
        }
        let best = self.best_candidate(good, bad, &[dimension(param)], rng)?;
        Ok(value(param, best[0]))
    }

    /// Yes: several objectives are ranked by Pareto front (see
    /// `super::split`).
    fn supports_multi_objective(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_conditions_in_order() {
        let space = Space::parse(
            "a=float(0,1) m=choice(x{p=int(0,3) q=int(0,3)}, y{r=int(0,3)}) b=float(0,1)",
        )
        .unwrap();
        let g: Vec<Vec<&str>> = groups(&space)
            .into_iter()
            .map(|(_, m)| {
                m.iter()
                    .map(|&i| space.entries()[i].name.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(g, [vec!["a", "m", "b"], vec!["p", "q"], vec!["r"]]);
    }
}
