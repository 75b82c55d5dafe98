//! What is maximised: an acquisition function of a GP's posterior, scored
//! in batches for the sweep and the discrete moves, one point with its
//! gradient for L-BFGS. Either one GP's acquisition (with a batch's
//! penalty) or a [`JointAcquisition`] over several GPs.

use crate::acquisition::{Acquisition, JointAcquisition, LocalPenalty};
use crate::gp::{Fantasies, GaussianProcess};
use ndarray::{Array1, ArrayView1, ArrayView2};

/// An acquisition function of a GP's posterior.
pub(super) struct Target<'a> {
    /// The GP whose lengthscales and size set the optimizer's scales.
    pub(super) gp: &'a GaussianProcess,
    /// Set: the joint acquisition is maximised and the fields below are unused.
    pub(super) joint: Option<&'a JointAcquisition<'a>>,
    pub(super) acquisition: Acquisition,
    /// The incumbent loss: losses below it are improvements.
    pub(super) best: f64,
    /// Variance floor, so the standard deviation is never zero.
    pub(super) min_variance: f64,
    /// Added to the acquisition: a batch's pending points penalised.
    pub(super) penalty: Option<&'a LocalPenalty>,
    /// Set: the acquisition is averaged over these draws of the pending
    /// points (improvements below `min(best, the draw's lowest)`).
    pub(super) fantasies: Option<&'a Fantasies>,
}

impl<'a> Target<'a> {
    /// `acquisition` of `gp` (improvements below `best`), plus `penalty`.
    pub(super) fn new(
        gp: &'a GaussianProcess,
        acquisition: Acquisition,
        best: f64,
        penalty: Option<&'a LocalPenalty>,
    ) -> Self {
        Self {
            gp,
            joint: None,
            acquisition,
            best,
            min_variance: 1e-18 * gp.prior_variance().max(f64::MIN_POSITIVE),
            penalty,
            fantasies: None,
        }
    }

    /// `acquisition` averaged over `fantasies`' draws (on the log scale of
    /// a log acquisition: `ln mean exp`).
    pub(super) fn fantasized(
        fantasies: &'a Fantasies,
        acquisition: Acquisition,
        best: f64,
    ) -> Self {
        Self {
            fantasies: Some(fantasies),
            ..Self::new(fantasies.believer(), acquisition, best, None)
        }
    }

    /// `joint`'s log acquisition.
    pub(super) fn joint(joint: &'a JointAcquisition<'a>) -> Self {
        Self {
            joint: Some(joint),
            ..Self::new(joint.lead(), Acquisition::LogEi, 0.0, None)
        }
    }

    /// The acquisition at each row of `x`.
    pub(super) fn batch(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        if let Some(j) = self.joint {
            return j.batch(x);
        }
        if let Some(f) = self.fantasies {
            let p = f.predict(x);
            return Array1::from_iter(p.means.outer_iter().zip(&p.variance).map(|(m, v)| {
                let sd = v.max(self.min_variance).sqrt();
                let values: Vec<f64> = m
                    .iter()
                    .zip(f.lowest())
                    .map(|(mk, low)| self.acquisition.value(*mk, sd, self.best.min(*low)))
                    .collect();
                self.average(&values).0
            }));
        }
        let p = self.gp.predict(x);
        let mut a = Array1::from_iter(p.mean.iter().zip(&p.variance).map(|(m, v)| {
            self.acquisition
                .value(*m, v.max(self.min_variance).sqrt(), self.best)
        }));
        if let Some(pen) = self.penalty {
            a.iter_mut()
                .zip(x.outer_iter())
                .for_each(|(a, row)| *a += pen.log_value(row));
        }
        a
    }

    /// The acquisition at `x` and its gradient (the variance's part is zero
    /// where the floor holds it).
    pub(super) fn with_gradient(&self, x: ArrayView1<'_, f64>) -> (f64, Array1<f64>) {
        if let Some(j) = self.joint {
            return j.with_gradient(x);
        }
        if let Some(f) = self.fantasies {
            return self.fantasized_with_gradient(f, x);
        }
        let p = self.gp.predict_with_gradient(x);
        let var = p.variance.max(self.min_variance);
        let sd = var.sqrt();
        let (a, da_dm, da_ds) = self.acquisition.evaluate(p.mean, sd, self.best);
        let var_grad = if p.variance > self.min_variance {
            p.variance_gradient
        } else {
            Array1::zeros(x.len())
        };
        let grad = p.mean_gradient * da_dm + var_grad * (da_ds / (2.0 * sd));
        match self.penalty {
            Some(pen) => {
                let (lp, dlp) = pen.log_value_with_gradient(x);
                (a + lp, grad + dlp)
            }
            None => (a, grad),
        }
    }
}

impl Target<'_> {
    /// The average of per-draw values and each draw's weight in its
    /// gradient: `ln mean exp` (softmax weights) for a log acquisition,
    /// the plain mean for UCB.
    fn average(&self, values: &[f64]) -> (f64, Vec<f64>) {
        let k = values.len().max(1) as f64;
        if matches!(self.acquisition, Acquisition::Ucb { .. }) {
            return (values.iter().sum::<f64>() / k, vec![1.0 / k; values.len()]);
        }
        let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !top.is_finite() {
            return (top, vec![1.0 / k; values.len()]);
        }
        let e: Vec<f64> = values.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        (
            top + (total / k).ln(),
            e.iter().map(|w| w / total).collect(),
        )
    }

    fn fantasized_with_gradient(
        &self,
        f: &Fantasies,
        x: ArrayView1<'_, f64>,
    ) -> (f64, Array1<f64>) {
        let p = f.predict_with_gradient(x);
        let var = p.variance.max(self.min_variance);
        let sd = var.sqrt();
        let var_grad = if p.variance > self.min_variance {
            p.variance_gradient
        } else {
            Array1::zeros(x.len())
        };
        let parts: Vec<(f64, f64, f64)> = p
            .means
            .iter()
            .zip(f.lowest())
            .map(|(m, low)| self.acquisition.evaluate(*m, sd, self.best.min(*low)))
            .collect();
        let values: Vec<f64> = parts.iter().map(|t| t.0).collect();
        let (value, weights) = self.average(&values);
        let mut grad = Array1::<f64>::zeros(x.len());
        for (k, ((_, da_dm, da_ds), w)) in parts.iter().zip(&weights).enumerate() {
            grad.scaled_add(w * da_dm, &p.mean_gradients.column(k));
            grad.scaled_add(w * da_ds / (2.0 * sd), &var_grad);
        }
        (value, grad)
    }
}

/// The index of the largest score, a finite one over any non-finite.
pub(super) fn argmax(v: &Array1<f64>) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] || (!v[best].is_finite() && x.is_finite()) {
            best = i;
        }
    }
    best
}
