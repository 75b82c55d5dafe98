//! Acquisitions over several independent GPs: one per objective and one
//! per constraint `c ≤ 0`.
//!
//! The log acquisition is `ln a(x) + Σ_c ln P(c(x) ≤ 0)`, where
//! `P(c ≤ 0) = Φ(−μ_c/σ_c)` under constraint `c`'s GP (the probability of
//! feasibility; Gardner et al., "Bayesian Optimization with Inequality
//! Constraints", ICML 2014) and `a` is, by [`Goal`], the expected
//! improvement of the one objective over the best feasible loss, the
//! expected hypervolume improvement of the objectives over the feasible
//! front ([`Ehvi`]), or 1 while no trial is feasible (the probability of
//! feasibility alone is maximized, to find a first feasible point).

use super::ehvi::Ehvi;
use super::functions::{log_cdf_with_derivative, Acquisition};
use crate::gp::GaussianProcess;
use crate::SurrogateError;
use ndarray::{Array1, ArrayView1, ArrayView2};

/// What the objectives' part of a [`JointAcquisition`] rewards.
#[derive(Debug, Clone)]
pub enum Goal {
    /// Log expected improvement of the one objective below `best` (the
    /// best feasible loss).
    Improvement {
        /// The best feasible loss.
        best: f64,
    },
    /// Log expected hypervolume improvement over a front.
    Hypervolume(Ehvi),
    /// Nothing: only the probability of feasibility counts (no trial is
    /// feasible yet).
    Feasibility,
}

/// A log acquisition over independent GPs of the objectives and of the
/// constraints (see the module notes).
#[derive(Debug, Clone)]
pub struct JointAcquisition<'a> {
    lead: &'a GaussianProcess,
    objectives: Vec<&'a GaussianProcess>,
    constraints: Vec<&'a GaussianProcess>,
    goal: Goal,
}

/// Variance floor of a GP's predictions, so a standard deviation is never 0.
fn min_variance(gp: &GaussianProcess) -> f64 {
    1e-18 * gp.prior_variance().max(f64::MIN_POSITIVE)
}

impl<'a> JointAcquisition<'a> {
    /// Errors: no GP at all, GPs over different numbers of inputs, a goal
    /// that does not fit the objectives (improvement needs exactly one, a
    /// front as many objectives as GPs, feasibility a constraint).
    pub fn new(
        objectives: Vec<&'a GaussianProcess>,
        constraints: Vec<&'a GaussianProcess>,
        goal: Goal,
    ) -> Result<Self, SurrogateError> {
        let setting = |reason: &str| SurrogateError::InvalidSetting {
            name: "goal",
            reason: reason.to_string(),
        };
        let lead = *objectives
            .first()
            .or(constraints.first())
            .ok_or(SurrogateError::NoObjectives)?;
        if let Some(gp) = objectives
            .iter()
            .chain(&constraints)
            .find(|g| g.dims() != lead.dims())
        {
            return Err(SurrogateError::DimensionMismatch {
                columns: gp.dims(),
                dimensions: lead.dims(),
            });
        }
        match &goal {
            Goal::Improvement { .. } if objectives.len() != 1 => {
                return Err(setting(
                    "expected improvement needs exactly one objective GP",
                ))
            }
            Goal::Hypervolume(e) if e.objectives() != objectives.len() => {
                return Err(setting(&format!(
                    "the front has {} objectives but {} objective GPs were given",
                    e.objectives(),
                    objectives.len()
                )))
            }
            Goal::Feasibility if constraints.is_empty() => {
                return Err(setting(
                    "feasibility alone needs at least one constraint GP",
                ))
            }
            _ => {}
        }
        Ok(Self {
            lead,
            objectives,
            constraints,
            goal,
        })
    }

    /// The GP whose lengthscales and size set the optimizer's scales and
    /// effort: the first objective's (or constraint's).
    pub fn lead(&self) -> &'a GaussianProcess {
        self.lead
    }

    /// The log acquisition at each row of `x`.
    pub fn batch(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        let sd_of = |gp: &GaussianProcess| {
            let p = gp.predict(x);
            let floor = min_variance(gp);
            (p.mean, p.variance.mapv(|v| v.max(floor).sqrt()))
        };
        let objectives: Vec<_> = match self.goal {
            Goal::Feasibility => Vec::new(),
            _ => self.objectives.iter().map(|g| sd_of(g)).collect(),
        };
        let constraints: Vec<_> = self.constraints.iter().map(|g| sd_of(g)).collect();
        let mut a = match &self.goal {
            Goal::Improvement { best } => {
                let (m, s) = &objectives[0];
                Array1::from_iter(
                    m.iter()
                        .zip(s)
                        .map(|(m, s)| Acquisition::LogEi.value(*m, *s, *best)),
                )
            }
            Goal::Hypervolume(e) => {
                let means: Vec<_> = objectives.iter().map(|(m, _)| m.view()).collect();
                let sds: Vec<_> = objectives.iter().map(|(_, s)| s.view()).collect();
                Array1::from(e.log_values(&means, &sds))
            }
            Goal::Feasibility => Array1::zeros(x.nrows()),
        };
        for (m, s) in &constraints {
            a.iter_mut()
                .zip(m.iter().zip(s))
                .for_each(|(a, (m, s))| *a += log_cdf_with_derivative(-m / s).0);
        }
        a
    }

    /// The log acquisition at `x` and its gradient (a variance's part is
    /// zero where its floor holds it).
    pub fn with_gradient(&self, x: ArrayView1<'_, f64>) -> (f64, Array1<f64>) {
        let mut grad = Array1::zeros(x.len());
        // (mean, sd, d/dx mean, d/dx sd) of a GP at x.
        let point = |gp: &GaussianProcess| {
            let p = gp.predict_with_gradient(x);
            let floor = min_variance(gp);
            let sd = p.variance.max(floor).sqrt();
            let d_sd = if p.variance > floor {
                p.variance_gradient / (2.0 * sd)
            } else {
                Array1::zeros(x.len())
            };
            (p.mean, sd, p.mean_gradient, d_sd)
        };
        let mut value = 0.0;
        if !matches!(self.goal, Goal::Feasibility) {
            let preds: Vec<_> = self.objectives.iter().map(|g| point(g)).collect();
            let mean: Vec<f64> = preds.iter().map(|p| p.0).collect();
            let sd: Vec<f64> = preds.iter().map(|p| p.1).collect();
            let (a, d_mean, d_sd) = match &self.goal {
                Goal::Improvement { best } => {
                    let (a, dm, ds) = Acquisition::LogEi.evaluate(mean[0], sd[0], *best);
                    (a, vec![dm], vec![ds])
                }
                Goal::Hypervolume(e) => e.log_value_with_gradient(&mean, &sd),
                Goal::Feasibility => (0.0, Vec::new(), Vec::new()),
            };
            value += a;
            for (p, (dm, ds)) in preds.iter().zip(d_mean.iter().zip(&d_sd)) {
                grad.scaled_add(*dm, &p.2);
                grad.scaled_add(*ds, &p.3);
            }
        }
        for gp in &self.constraints {
            let (m, s, dm, ds) = point(gp);
            let z = -m / s;
            let (lp, dlp) = log_cdf_with_derivative(z);
            value += lp;
            // dz/dμ = −1/σ, dz/dσ = μ/σ².
            grad.scaled_add(-dlp / s, &dm);
            grad.scaled_add(dlp * m / (s * s), &ds);
        }
        (value, grad)
    }
}
