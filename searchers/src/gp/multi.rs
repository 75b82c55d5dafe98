//! The GP proposal for studies with several objectives or with constraints:
//! one GP per objective and one per constraint value, the same kernel and
//! fit as the single-objective model, and a joint acquisition
//! ([`JointAcquisition`]):
//!
//! - several objectives: log expected hypervolume improvement (exact, see
//!   `Ehvi`) over the front of the complete **feasible** trials, with the
//!   reference point at the front's nadir plus 10 % of its range;
//! - one objective: log EI below the best feasible loss;
//! - either way, plus `Σ_c ln Φ(−μ_c/σ_c)`, the log probability that every
//!   constraint `c ≤ 0` holds; while no trial is feasible, that
//!   probability alone is maximized.
//!
//! Objective GPs learn from every complete trial, feasible or not (an
//! infeasible trial's objectives are still true measurements). Pending
//! trials enter every model with their posterior mean (kriging believer)
//! and, if the means look feasible, the front too, unless `pending` is
//! `ignore`; the local-penalisation and constant-liar strategies are
//! treated as the believer here.

use super::algorithm::{failed, log_warp, matrix};
use super::layout::Layout;
use super::refit::OutputModel;
use super::settings::{OutputTransform, PendingStrategy};
use super::ValidGpSettings;
use crate::encode::EncodedHistory;
use hyperspace_engine::{is_feasible, Proposal, SearchContext, SearchError, Space, Trial};
use hyperspace_surrogate::acquisition::{
    optimize_joint_acquisition, reference_point, Ehvi, Goal, JointAcquisition,
};
use hyperspace_surrogate::gp::{GaussianProcess, InputKind};
use ndarray::{Array1, Array2, Axis};
use rand::RngCore;

/// Whether a study needs the joint model: several objectives, or a trial
/// told with constraints.
pub(super) fn needs_joint(ctx: &SearchContext<'_>) -> bool {
    ctx.directions().len() > 1 || ctx.trials.iter().any(|t| !t.constraints.is_empty())
}

/// Each value clipped to the finite range of the column (infinities to its
/// ends; all-infinite columns to 0).
fn clip(values: Vec<f64>) -> Vec<f64> {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
    values.into_iter().map(|v| v.clamp(lo, hi)).collect()
}

/// What an output of the joint model models: the key its kept fit and
/// model are found by, so a retargeted study (`Study::retarget`, which
/// may reorder or replace the objectives) refits or extends each output
/// from its own last fit, never from the objective that used to sit at
/// its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OutputKey {
    /// An objective read from this metric.
    Metric(String),
    /// The objective at this index of the told values, without a metric
    /// name (a study that was never retargeted).
    Value(usize),
    /// Constraint value `c` (constraints are told by position).
    Constraint(usize),
}

/// Each output's last fit and model ([`OutputModel`]), by what it models.
/// Outputs no longer in the study keep theirs (a study retargeted back
/// resumes from them): at most one per metric or constraint ever modelled.
#[derive(Debug, Clone, Default)]
pub(super) struct OutputModels(Vec<(OutputKey, OutputModel)>);

impl OutputModels {
    /// The kept model of `key`, if it was ever modelled.
    pub(super) fn get(&self, key: &OutputKey) -> Option<&OutputModel> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, m)| m)
    }

    /// The kept model of `key` (a new, empty one the first time).
    pub(super) fn get_mut(&mut self, key: OutputKey) -> &mut OutputModel {
        let i = match self.0.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.0.push((key, OutputModel::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
}

/// The key of each objective of `ctx`, in the order of the told values.
pub(super) fn objective_keys(ctx: &SearchContext<'_>) -> Vec<OutputKey> {
    if ctx.objectives.is_empty() {
        return vec![OutputKey::Value(0)];
    }
    ctx.objectives
        .iter()
        .enumerate()
        .map(|(j, o)| match &o.name {
            Some(name) => OutputKey::Metric(name.clone()),
            None => OutputKey::Value(j),
        })
        .collect()
}

/// One model per objective (its key and its values at the rows of `x`),
/// then one per constraint with at least one value among `scored`, each
/// from its kept fit in `outputs` on the `refit_growth` pace.
fn output_models<'y>(
    settings: &ValidGpSettings,
    scored: &[(&Trial, Vec<f64>, &[f64])],
    x: &Array2<f64>,
    objectives: impl ExactSizeIterator<Item = (OutputKey, &'y Array1<f64>)>,
    outputs: &mut OutputModels,
    kinds: &[InputKind],
    rng: &mut dyn RngCore,
) -> Result<Vec<GaussianProcess>, SearchError> {
    let n_constraints = scored
        .iter()
        .map(|s| s.0.constraints.len())
        .max()
        .unwrap_or(0);
    let mut models = Vec::with_capacity(objectives.len() + n_constraints);
    for (key, y) in objectives {
        let output = outputs.get_mut(key);
        models.push(
            output
                .model(settings, x.view(), y.view(), kinds, rng)?
                .clone(),
        );
    }
    for c in 0..n_constraints {
        // Trials told with this constraint (NaN ones left out).
        let (idx, vals): (Vec<usize>, Vec<f64>) = scored
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.0.constraints
                    .get(c)
                    .filter(|v| !v.is_nan())
                    .map(|v| (i, *v))
            })
            .unzip();
        if idx.is_empty() {
            // Not modelled this time; its last fit is kept for the next.
            continue;
        }
        let y = Array1::from(clip(vals));
        let xc = x.select(Axis(0), &idx);
        let output = outputs.get_mut(OutputKey::Constraint(c));
        models.push(
            output
                .model(settings, xc.view(), y.view(), kinds, rng)?
                .clone(),
        );
    }
    Ok(models)
}

/// The joint proposal (see the module notes). `outputs` keeps each
/// output's last fit and model between proposals, by what it models
/// ([`OutputKey`]), so a constraint skipped for want of values, or an
/// objective moved by a retarget, shifts no other output's; each refits on
/// the single-objective model's `refit_growth` pace. `None` when no
/// complete trial can be modelled yet.
pub(super) fn propose(
    settings: &ValidGpSettings,
    encoded: &EncodedHistory,
    outputs: &mut OutputModels,
    ctx: &SearchContext<'_>,
    space: &Space,
    rng: &mut dyn RngCore,
) -> Result<Option<Proposal>, SearchError> {
    let layout = Layout::new(space);
    let d = space.len();
    let m = ctx.directions().len();
    let scored: Vec<(&Trial, Vec<f64>, &[f64])> = ctx
        .scored_all()
        .filter_map(|(t, losses)| encoded.row(t).map(|row| (t, losses, row)))
        .collect();
    if scored.is_empty() {
        return Ok(None);
    }
    let rows: Vec<&[f64]> = scored.iter().map(|s| s.2).collect();
    let x = matrix(&rows, d)?;
    let transform = |col: Vec<f64>| match settings.settings.output_transform {
        OutputTransform::Standardize => Array1::from(clip(col)),
        OutputTransform::Log => log_warp(clip(col)),
    };
    let objective_y: Vec<Array1<f64>> = (0..m)
        .map(|j| transform(scored.iter().map(|s| s.1[j]).collect()))
        .collect();
    let mut models = output_models(
        settings,
        &scored,
        &x,
        objective_keys(ctx).into_iter().zip(&objective_y),
        outputs,
        &layout.kinds,
        rng,
    )?;

    // The front: complete feasible trials, in the models' units.
    let mut front: Vec<Vec<f64>> = scored
        .iter()
        .enumerate()
        .filter(|(_, s)| is_feasible(s.0))
        .map(|(i, _)| objective_y.iter().map(|y| y[i]).collect())
        .collect();
    let spread: Vec<f64> = objective_y
        .iter()
        .map(|y| {
            y.fold(f64::NEG_INFINITY, |a, v| a.max(*v)) - y.fold(f64::INFINITY, |a, v| a.min(*v))
        })
        .collect();

    // Pending trials: every model conditioned on its own mean there.
    let pending: Vec<&[f64]> = if settings.settings.pending == PendingStrategy::Ignore {
        Vec::new()
    } else {
        ctx.pending().filter_map(|t| encoded.row(t)).collect()
    };
    if !pending.is_empty() {
        let xp = matrix(&pending, d)?;
        let means: Vec<Array1<f64>> = models.iter().map(|g| g.predict(xp.view()).mean).collect();
        for i in 0..xp.nrows() {
            if means[m..].iter().all(|c| c[i] <= 0.0) {
                front.push(means[..m].iter().map(|mu| mu[i]).collect());
            }
        }
        models = models
            .iter()
            .zip(&means)
            .map(|(g, mu)| g.condition_on(xp.view(), mu.view()))
            .collect::<Result<_, _>>()
            .map_err(failed)?;
    }

    let goal = if front.is_empty() && models.len() > m {
        Goal::Feasibility
    } else if m == 1 {
        let best = front.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        Goal::Improvement { best }
    } else {
        let reference = reference_point(&front, &spread)
            .ok_or_else(|| failed("no feasible trial for the reference point"))?;
        Goal::Hypervolume(Ehvi::new(&front, &reference).map_err(failed)?)
    };
    // Warm starts: the feasible trial best in the first objective, or the
    // least violating one.
    let start = scored
        .iter()
        .enumerate()
        .min_by(|(i, a), (j, b)| {
            let key = |k: usize, t: &Trial| {
                let v = hyperspace_engine::total_violation(&t.constraints);
                (v, objective_y[0][k])
            };
            let (ka, kb) = (key(*i, a.0), key(*j, b.0));
            ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let starts = x.row(start).insert_axis(Axis(0)).to_owned();
    let (objectives, constraints) = models.split_at(m);
    let joint = JointAcquisition::new(
        objectives.iter().collect(),
        constraints.iter().collect(),
        goal,
    )
    .map_err(failed)?;
    let optimum = optimize_joint_acquisition(
        &joint,
        &layout.dims,
        starts.view(),
        // Two objectives: the lighter search measured to keep their
        // hypervolume; three or one (with constraints): the full one.
        if m == 2 {
            &settings.two_objectives_optimizer
        } else {
            &settings.optimizer
        },
        rng,
    )
    .map_err(failed)?;
    Ok(Some(Proposal::new(
        layout.decode(space, &optimum.x.to_vec()),
    )))
}

#[cfg(test)]
#[path = "multi_tests.rs"]
mod tests;
