//! The TPE proposal: rank, split, fit two densities per parameter group,
//! pick the candidate with the best density ratio.

use super::encode::{dimension, row, value};
use super::settings::StartupSampler;
use super::ValidTpeSettings;
use crate::{RandomSearcher, RandomSettings, Sampler};
use hyperspace_engine::{
    Condition, Entry, Param, Params, Proposal, SearchContext, SearchError, Searcher, Space, Trial,
    TrialState, Value,
};
use hyperspace_surrogate::parzen::{default_weights, ParzenEstimator};
use ndarray::{Array1, Array2};
use rand::RngCore;

/// The TPE searcher. It keeps no state between proposals: everything comes
/// from the history, so a rebuilt searcher proposes the same.
#[derive(Debug, Clone)]
pub struct TpeSearcher {
    settings: ValidTpeSettings,
}

/// The history split for one proposal: good trials and the rest (with
/// running trials counted as bad when the constant liar is on).
struct Split<'a> {
    good: Vec<&'a Trial>,
    bad: Vec<&'a Trial>,
}

impl TpeSearcher {
    /// A TPE searcher with validated settings.
    pub fn new(settings: ValidTpeSettings) -> Self {
        Self { settings }
    }

    fn startup(&self) -> RandomSearcher {
        let sampler = match self.settings.settings.startup {
            StartupSampler::Uniform => Sampler::Uniform,
            StartupSampler::Sobol => Sampler::Sobol,
        };
        RandomSearcher::new(RandomSettings { sampler })
    }

    /// Ranks finished trials (complete ones by loss, then pruned ones by how
    /// far they got and their last value; failed ones are left out) and
    /// splits them. `None` while still in the start-up phase.
    fn split<'a>(&self, ctx: &SearchContext<'a>) -> Option<Split<'a>> {
        let s = &self.settings.settings;
        let mut ranked: Vec<(&Trial, (u8, f64, f64))> = ctx
            .scored()
            .map(|(t, loss)| {
                let key = match t.state {
                    TrialState::Pruned => {
                        let step = t
                            .last_intermediate()
                            .map(|(step, _)| step as f64)
                            .unwrap_or(0.0);
                        (1, -step, loss)
                    }
                    _ => (0, 0.0, loss),
                };
                (t, key)
            })
            .collect();
        if ranked.len() < s.n_startup_trials.max(1) {
            return None;
        }
        ranked.sort_by(|a, b| {
            let (x, y) = (a.1, b.1);
            x.0.cmp(&y.0)
                .then(x.1.total_cmp(&y.1))
                .then(x.2.total_cmp(&y.2))
                .then(a.0.number.cmp(&b.0.number))
        });
        let n = ranked.len();
        let n_good = ((s.gamma * n as f64).ceil() as usize).clamp(1, s.max_good.min(n));
        let good = ranked[..n_good].iter().map(|(t, _)| *t).collect();
        let mut bad: Vec<&Trial> = ranked[n_good..].iter().map(|(t, _)| *t).collect();
        if s.constant_liar {
            bad.extend(ctx.pending());
        }
        Some(Split { good, bad })
    }

    /// Fits the good and bad densities over `entries` and returns the values
    /// of the best of `n_ei_candidates` candidates drawn from the good one.
    fn sample_group(
        &self,
        entries: &[&Entry],
        split: &Split<'_>,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Value>, SearchError> {
        let dims: Vec<_> = entries.iter().map(|e| dimension(&e.param)).collect();
        let good = self.fit(entries, &split.good, &dims)?;
        let bad = self.fit(entries, &split.bad, &dims)?;
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
        Ok(entries
            .iter()
            .zip(candidates.row(best))
            .map(|(e, &x)| value(&e.param, x))
            .collect())
    }

    /// A Parzen density of the trials that have every one of `entries`,
    /// older trials weighing less when `decay_old` is on.
    fn fit(
        &self,
        entries: &[&Entry],
        trials: &[&Trial],
        dims: &[hyperspace_surrogate::parzen::Dimension],
    ) -> Result<ParzenEstimator, SearchError> {
        let mut by_age: Vec<&Trial> = trials.to_vec();
        by_age.sort_by_key(|t| t.number);
        let mut data = Vec::with_capacity(by_age.len() * entries.len());
        let mut n = 0;
        for t in by_age {
            if row(entries, &t.params, &mut data) {
                n += 1;
            }
        }
        let observations = Array2::from_shape_vec((n, entries.len()), data).map_err(failed)?;
        let weights = if self.settings.settings.decay_old {
            default_weights(n)
        } else {
            Array1::ones(n)
        };
        ParzenEstimator::fit(
            observations.view(),
            weights.view(),
            dims,
            &self.settings.parzen,
        )
        .map_err(failed)
    }
}

fn failed(e: impl std::fmt::Display) -> SearchError {
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
        let Some(split) = self.split(ctx) else {
            return self.startup().sample_relative(ctx, space, rng);
        };
        let mut params = Params::with_capacity(space.len());
        for (_, members) in groups(space) {
            if !space.is_active(members[0], &params) {
                continue;
            }
            let entries: Vec<&Entry> = members.iter().map(|&i| &space.entries()[i]).collect();
            let values = if self.settings.settings.multivariate {
                self.sample_group(&entries, &split, rng)?
            } else {
                let mut values = Vec::with_capacity(entries.len());
                for e in &entries {
                    values.extend(self.sample_group(std::slice::from_ref(e), &split, rng)?);
                }
                values
            };
            for (e, v) in entries.iter().zip(values) {
                params.insert(e.name.clone(), v);
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
        let Some(split) = self.split(ctx) else {
            return self.startup().sample_independent(ctx, name, param, rng);
        };
        let entry = Entry {
            name: name.to_string(),
            param: param.clone(),
            condition: None,
        };
        let mut values = self.sample_group(&[&entry], &split, rng)?;
        values.pop().ok_or_else(|| failed("no value sampled"))
    }
}
