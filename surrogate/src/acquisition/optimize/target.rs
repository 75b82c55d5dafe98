//! What is maximised: an acquisition function of a GP's posterior, scored
//! in batches for the sweep and the discrete moves, one point with its
//! gradient for L-BFGS. Either one GP's acquisition (with a batch's
//! penalty) or a [`JointAcquisition`] over several GPs.

use crate::acquisition::{Acquisition, JointAcquisition, LocalPenalty};
use crate::gp::GaussianProcess;
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
