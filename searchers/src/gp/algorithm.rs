//! The GP proposal: encode the history, fit, add fantasies for pending
//! trials, maximise the acquisition, decode.

use super::layout::Layout;
use super::multi;
use super::settings::{OutputTransform, PendingStrategy};
use super::ValidGpSettings;
use crate::branches::{below_floor, GP_FLOOR_SCALE};
use crate::encode::{Absent, EncodedHistory};
use crate::{RandomSearcher, RandomSettings, Sampler};
use hyperspace_engine::{Param, Proposal, SearchContext, SearchError, Searcher, Space, TrialState};
use hyperspace_surrogate::acquisition::{
    optimize_acquisition, optimize_fantasized_acquisition, optimize_penalized_acquisition,
    LocalPenalty,
};
use hyperspace_surrogate::gp::Hyperparameters;
use hyperspace_surrogate::sobol::MAX_DIMENSIONS;
use ndarray::{Array1, Array2, Axis};
use rand::RngCore;

/// The Gaussian-process searcher. Besides a cache of trials' coordinates it
/// keeps each output's last fit and model (`refit.rs`): to warm-start
/// the next fit or to skip it (see `refit_growth`), extending the last
/// factorisation by the trials that arrived since.
#[derive(Debug, Clone)]
pub struct GpSearcher {
    settings: ValidGpSettings,
    encoded: EncodedHistory,
    /// The one objective's model, by what it models, as the joint model's
    /// outputs are kept: a retarget to another metric resumes that
    /// metric's own fit, never extends the previous objective's.
    model: multi::OutputModels,
    /// The objective the last one-objective proposal modelled.
    modelled: multi::OutputKey,
    /// With several objectives or constraints: each output's model, by
    /// what it models (`multi.rs`).
    joint: multi::OutputModels,
}

/// Joint draws of the running trials under `pending: "fantasies"`: the
/// Monte-Carlo error of the batch acquisition falls as `1/√32`, and a draw
/// costs one dot product per candidate and training point (the variance's
/// triangular solve, shared by all draws, dominates).
const FANTASY_SAMPLES: usize = 32;

/// A surrogate or shape error as the GP searcher's failure (the one-
/// and multi-objective paths and `refit.rs` report alike).
pub(super) fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed {
        searcher: "gp".into(),
        reason: e.to_string(),
    }
}

impl GpSearcher {
    /// A GP searcher with validated settings.
    pub fn new(settings: ValidGpSettings) -> Self {
        Self {
            settings,
            encoded: EncodedHistory::new(Absent::InactiveValue),
            model: multi::OutputModels::default(),
            modelled: multi::OutputKey::Value(0),
            joint: multi::OutputModels::default(),
        }
    }

    /// The hyperparameters of the last fit, if any.
    pub fn last_fit(&self) -> Option<&Hyperparameters> {
        self.model.get(&self.modelled)?.last_fit()
    }
}

/// Rows (of the encoded trials) as a matrix.
pub(super) fn matrix(rows: &[&[f64]], d: usize) -> Result<Array2<f64>, SearchError> {
    let data: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Array2::from_shape_vec((rows.len(), d), data).map_err(failed)
}

/// `ln(1 + (y − min)/c)`, `c` the median excess over the minimum: linear
/// near the best losses, logarithmic in a heavy upper tail.
pub(super) fn log_warp(y: Vec<f64>) -> Array1<f64> {
    let min = y.iter().copied().fold(f64::INFINITY, f64::min);
    let mut excess: Vec<f64> = y.iter().map(|v| v - min).collect();
    let mut sorted = excess.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let c = if median > 0.0 {
        median
    } else {
        sorted.last().copied().filter(|v| *v > 0.0).unwrap_or(1.0)
    };
    excess.iter_mut().for_each(|v| *v = (*v / c).ln_1p());
    Array1::from(excess)
}

impl Searcher for GpSearcher {
    fn supports_multi_objective(&self) -> bool {
        true
    }

    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let settings = self.settings.settings.clone();
        let s = &settings;
        if space.is_empty() {
            return Ok(Proposal::default());
        }
        let complete: Vec<(usize, f64)> = ctx
            .trials
            .iter()
            .enumerate()
            .filter(|(_, t)| t.state == TrialState::Complete)
            .filter_map(|(i, t)| {
                let v = t.value?;
                (!v.is_nan()).then(|| (i, ctx.direction.to_loss(v)))
            })
            .collect();
        if complete.len() < s.n_startup_trials {
            // Sobol points exist up to MAX_DIMENSIONS coordinates.
            let sampler = if space.len() <= MAX_DIMENSIONS {
                Sampler::Sobol
            } else {
                Sampler::Uniform
            };
            return RandomSearcher::new(RandomSettings { sampler })
                .sample_relative(ctx, space, rng);
        }
        if multi::needs_joint(ctx) {
            self.encoded.update(space, ctx.trials);
            let found = multi::propose(
                &self.settings,
                &self.encoded,
                &mut self.joint,
                ctx,
                space,
                rng,
            )?;
            return match found {
                Some(p) => Ok(p),
                None => {
                    RandomSearcher::new(RandomSettings::default()).sample_relative(ctx, space, rng)
                }
            };
        }
        let layout = Layout::new(space);
        self.encoded.update(space, ctx.trials);
        let d = space.len();

        // Observations; infinite losses clipped to the finite range.
        let (lo, hi) = complete
            .iter()
            .map(|(_, l)| *l)
            .filter(|l| l.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| {
                (a.min(l), b.max(l))
            });
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
        let mut rows: Vec<&[f64]> = Vec::with_capacity(complete.len());
        let mut y = Vec::with_capacity(complete.len());
        for (i, loss) in &complete {
            if let Some(row) = self.encoded.row(&ctx.trials[*i]) {
                rows.push(row);
                y.push(loss.clamp(lo, hi));
            }
        }
        let x = matrix(&rows, d)?;
        let y = match s.output_transform {
            OutputTransform::Standardize => Array1::from(y),
            OutputTransform::Log => log_warp(y),
        };
        self.modelled = multi::objective_keys(ctx)
            .into_iter()
            .next()
            .unwrap_or(multi::OutputKey::Value(0));
        let gp = self.model.get_mut(self.modelled.clone()).model(
            &self.settings,
            x.view(),
            y.view(),
            &layout.kinds,
            rng,
        )?;
        let best_i = y
            .iter()
            .enumerate()
            .fold(0, |b, (i, v)| if *v < y[b] { i } else { b });
        let mut best = y[best_i];
        let incumbent = x.row(best_i).insert_axis(ndarray::Axis(0)).to_owned();

        // Fantasies for pending trials.
        let pending: Vec<&[f64]> = if s.pending == PendingStrategy::Ignore {
            Vec::new()
        } else {
            ctx.pending().filter_map(|t| self.encoded.row(t)).collect()
        };
        let xp = matrix(&pending, d)?;
        let yp = match s.pending {
            _ if pending.is_empty() => None,
            PendingStrategy::KrigingBeliever | PendingStrategy::BelieverPenalized => {
                Some(gp.predict(xp.view()).mean)
            }
            PendingStrategy::LiarBest => Some(Array1::from_elem(xp.nrows(), best)),
            PendingStrategy::LiarMean => {
                Some(Array1::from_elem(xp.nrows(), y.mean().unwrap_or(best)))
            }
            PendingStrategy::LiarWorst => Some(Array1::from_elem(xp.nrows(), hi.max(best))),
            PendingStrategy::Ignore
            | PendingStrategy::LocalPenalization
            | PendingStrategy::Fantasies => None,
        };
        let conditioned;
        let model = match yp {
            Some(yp) => {
                // A fantasy counts as an observation for the incumbent too:
                // else a point the model believes beats the best (the
                // incumbent itself, smoothed by noise, or a pending point)
                // keeps a sure improvement of `best − μ` after it is
                // fantasised, and is proposed again to every worker (issue 20).
                best = yp.iter().copied().fold(best, f64::min);
                conditioned = gp.condition_on(xp.view(), yp.view()).map_err(failed)?;
                &conditioned
            }
            None => gp,
        };
        let penalty = (!pending.is_empty()
            && matches!(
                s.pending,
                PendingStrategy::LocalPenalization | PendingStrategy::BelieverPenalized
            ))
        .then(|| {
            // The balls come from the observations' model (a fantasy has no
            // uncertainty), its Lipschitz estimate taken over the trials.
            let lipschitz =
                LocalPenalty::lipschitz(gp, x.view()).max(LocalPenalty::lipschitz(gp, xp.view()));
            LocalPenalty::new(gp, xp.view(), best, lipschitz, s.penalty_radius)
        });
        // A branch below its floor of the trials is searched next, whatever
        // the model says of it (its few random trials say little).
        let forced = floored_choices(space, ctx);
        let floored;
        let dims = if forced.is_empty() {
            &layout.dims
        } else {
            floored = layout.fixing(&forced);
            &floored
        };
        // The incumbent starts the search only if it is in the forced branch.
        let starts = if forced.iter().any(|&(i, k)| incumbent[[0, i]] != k) {
            incumbent.view().split_at(Axis(0), 0).0
        } else {
            incumbent.view()
        };
        let acq = self.settings.acquisition;
        let effort = &self.settings.optimizer;
        if s.pending == PendingStrategy::Fantasies && !pending.is_empty() {
            let fantasies = gp
                .fantasize(xp.view(), FANTASY_SAMPLES, rng)
                .map_err(failed)?;
            let optimum =
                optimize_fantasized_acquisition(&fantasies, acq, best, dims, starts, effort, rng)
                    .map_err(failed)?;
            return Ok(Proposal::new(layout.decode(space, &optimum.x.to_vec())));
        }
        let optimum = match &penalty {
            Some(p) => optimize_penalized_acquisition(model, acq, p, dims, starts, effort, rng),
            None => optimize_acquisition(model, acq, best, dims, starts, effort, rng),
        }
        .map_err(failed)?;
        let x_best = optimum.x.to_vec();
        Ok(Proposal::new(layout.decode(space, &x_best)))
    }
}

/// The branch choices below their floor of the trials (`crate::branches`):
/// (column, index of the choice that needs trials).
fn floored_choices(space: &Space, ctx: &SearchContext<'_>) -> Vec<(usize, f64)> {
    space
        .entries()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let Param::Categorical(c) = &e.param else {
                return None;
            };
            let choice = below_floor(ctx, &e.name, &e.param, GP_FLOOR_SCALE)?;
            Some((i, c.index_of(&choice)? as f64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GpSettings;
    use hyperspace_engine::{open_storage, Direction, Outcome, Study, StudyConfig};

    fn study(settings: serde_json::Value, space: &str, direction: Direction) -> Study {
        let config = StudyConfig::new("gp")
            .space(Space::parse(space).unwrap())
            .searcher("gp", settings)
            .direction(direction)
            .seed(3);
        Study::create(
            open_storage(":memory:").unwrap(),
            config,
            &crate::builtin_registry(),
        )
        .unwrap()
    }

    /// Runs `n` trials of `(x − 1)² + (y + 2)²`; the best value.
    fn minimise_quadratic(s: &mut Study, n: usize) -> f64 {
        for _ in 0..n {
            let t = s.ask().unwrap();
            let (x, y) = (
                t.params["x"].as_f64().unwrap(),
                t.params["y"].as_f64().unwrap(),
            );
            s.tell(
                t.id,
                Outcome::complete((x - 1.0).powi(2) + (y + 2.0).powi(2)),
            )
            .unwrap();
        }
        s.best_trial().unwrap().unwrap().value.unwrap()
    }

    #[test]
    fn a_retargeted_objective_is_modelled_from_its_own_fit() {
        // Review note: the one objective's kept fit was not keyed, so after
        // a retarget from metric a to metric b (same trials, no refit due)
        // b was modelled by extending a's fit.
        use hyperspace_engine::{Objective, SearchContext};
        use rand::SeedableRng;
        let mut s = study(
            serde_json::json!({"n_startup_trials": 5}),
            "x=float(0,1) y=float(0,1)",
            Direction::Minimize,
        );
        for _ in 0..20 {
            let t = s.ask().unwrap();
            let (x, y) = (
                t.params["x"].as_f64().unwrap(),
                t.params["y"].as_f64().unwrap(),
            );
            s.tell(t.id, Outcome::complete(x * x + y)).unwrap();
        }
        let space = Space::parse("x=float(0,1) y=float(0,1)").unwrap();
        let as_a: Vec<_> = s.trials().unwrap().to_vec();
        // Metric b: another function of the same points.
        let as_b: Vec<_> = as_a
            .iter()
            .map(|t| {
                let mut t = t.clone();
                let x = t.params["x"].as_f64().unwrap();
                let y = t.params["y"].as_f64().unwrap();
                t.value = Some((8.0 * x).sin() * (5.0 * y).cos());
                t.values = vec![t.value.unwrap()];
                t
            })
            .collect();
        let mut searcher = GpSearcher::new(
            GpSettings {
                n_startup_trials: 5,
                ..GpSettings::default()
            }
            .validate()
            .unwrap(),
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut fit = |metric: &str, trials: &[hyperspace_engine::Trial]| {
            let objectives = [Objective::named(metric, Direction::Minimize)];
            let ctx = SearchContext {
                space: &space,
                trials,
                direction: Direction::Minimize,
                objectives: &objectives,
                study_seed: 0,
                trial_number: trials.len() as u64,
            };
            searcher.sample_relative(&ctx, &space, &mut rng).unwrap();
            searcher.last_fit().cloned().unwrap()
        };
        let fit_a = fit("a", &as_a);
        let fit_b = fit("b", &as_b);
        assert_ne!(fit_a, fit_b, "b modelled with a's fit");
        // Back to a, still no new trial: a's own fit, kept.
        assert_eq!(fit("a", &as_a), fit_a);
    }

    #[test]
    fn finds_the_minimum_of_a_quadratic_quickly() {
        let mut s = study(
            serde_json::json!({}),
            "x=float(-5,5) y=float(-5,5)",
            Direction::Minimize,
        );
        let best = minimise_quadratic(&mut s, 25);
        assert!(best < 1e-3, "best {best}");
    }

    #[test]
    fn spaced_refits_and_a_posterior_subset_still_find_the_minimum() {
        // 40 trials on a model of at most 20, refitted every 25 % growth:
        // the factorisation is extended, reused or refactored in turn.
        let mut s = study(
            serde_json::json!({"max_model_points": 20, "refit_growth": 0.25}),
            "x=float(-5,5) y=float(-5,5)",
            Direction::Minimize,
        );
        let best = minimise_quadratic(&mut s, 40);
        assert!(best < 1e-2, "best {best}");
    }

    #[test]
    fn maximizes_too() {
        let mut s = study(
            serde_json::json!({"n_startup_trials": 5}),
            "x=float(0,1)",
            Direction::Maximize,
        );
        for _ in 0..15 {
            let t = s.ask().unwrap();
            let x = t.params["x"].as_f64().unwrap();
            s.tell(t.id, Outcome::complete(-(x - 0.3).powi(2))).unwrap();
        }
        let best = s.best_trial().unwrap().unwrap();
        assert!(
            (best.params["x"].as_f64().unwrap() - 0.3).abs() < 0.02,
            "{:?}",
            best.params
        );
    }

    #[test]
    fn handles_discrete_only_and_very_wide_spaces() {
        let wide: String = (0..300).map(|i| format!("x{i}=float(0,1) ")).collect();
        for (space, n) in [
            ("a=choice(p,q,r) b=choice(u,v)", 12),
            ("n=int(0,1000000) k=int(1,5) s=float(0,1,step=0.25)", 14),
            (wide.as_str(), 5),
        ] {
            let settings =
                serde_json::json!({"n_startup_trials": 3, "candidates": 64, "local_searches": 2});
            let mut s = study(settings, space, Direction::Minimize);
            for _ in 0..n {
                let t = s.ask().unwrap();
                let v: f64 = t.params.values().filter_map(|v| v.as_f64()).sum::<f64>()
                    + t.params
                        .values()
                        .filter(|v| v.as_str() == Some("q"))
                        .count() as f64;
                s.tell(t.id, Outcome::complete(v)).unwrap();
            }
        }
    }

    #[test]
    fn the_log_transform_is_monotone_and_zero_at_the_best() {
        let w = log_warp(vec![3.0, 1.0, 1e6, 2.0, 5.0]);
        assert_eq!(w[1], 0.0);
        assert!(w[1] < w[3] && w[3] < w[0] && w[0] < w[4] && w[4] < w[2]);
        // Linear near the best (c = median excess = 2): ln(1 + 1/2).
        assert!((w[3] - 1.5f64.ln()).abs() < 1e-12);
        assert!(w[2] < 15.0, "the tail is compressed: {w}");
        let flat = log_warp(vec![2.0, 2.0]);
        assert!(flat.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn bad_settings_are_rejected_with_the_setting_named() {
        for bad in [
            serde_json::json!({"n_startup_trials": 0}),
            serde_json::json!({"kappa": -1.0}),
            serde_json::json!({"candidates": 0}),
            serde_json::json!({"min_noise": 2.0}),
            serde_json::json!({"acquisition": "ei"}),
            serde_json::json!({"refit_growth": -0.1}),
            serde_json::json!({"max_model_points": 1}),
            serde_json::json!({"cost_tolerance": -1e-9}),
            serde_json::json!({"unknown": 1}),
        ] {
            let err = crate::builtin_registry().build("gp", &bad).unwrap_err();
            assert!(
                matches!(err, SearchError::InvalidSettings { .. }),
                "{bad}: {err}"
            );
        }
        assert!(GpSettings::default().validate().is_ok());
        let ok = serde_json::json!({"output_transform": "log", "pending": "liar_worst", "acquisition": "ucb", "cost_tolerance": 1e-11});
        assert!(crate::builtin_registry().build("gp", &ok).is_ok());
    }
}
