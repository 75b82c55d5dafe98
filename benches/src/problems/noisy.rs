//! Noisy variants: another problem observed through Gaussian noise.
//!
//! The searcher is told `value + N(0, sigma^2)`; regret is measured on the
//! noiseless value. The noise comes from the stream the runner hands in,
//! keyed by the study seed and the trial number, so every searcher meets
//! the same noise at the same trial.

use crate::problem::{Evaluation, Family, Optimum, Problem};
use crate::Result;
use hyperspace_engine::{Params, Space};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

/// `inner` observed with Gaussian noise of standard deviation `sigma`.
#[derive(Debug)]
pub struct Noisy {
    name: String,
    source: String,
    inner: Box<dyn Problem>,
    sigma: f64,
}

impl Noisy {
    /// Wraps `inner`; the name becomes `noisy-<inner>`.
    pub fn new(inner: Box<dyn Problem>, sigma: f64) -> Self {
        Self {
            name: format!("noisy-{}", inner.name()),
            source: format!("{} + N(0, {sigma}^2) observation noise", inner.name()),
            inner,
            sigma,
        }
    }

    /// The noise's standard deviation.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Problem for Noisy {
    fn name(&self) -> &str {
        &self.name
    }
    fn family(&self) -> Family {
        Family::Noisy
    }
    fn source(&self) -> &str {
        &self.source
    }
    fn space(&self) -> &Space {
        self.inner.space()
    }
    fn value(&self, params: &Params) -> Result<f64> {
        self.inner.value(params)
    }
    fn optimum(&self) -> &Optimum {
        self.inner.optimum()
    }
    fn evaluate(&self, params: &Params, noise: &mut dyn RngCore) -> Result<Evaluation> {
        let truth = self.inner.value(params)?;
        let z: f64 = StandardNormal.sample(noise);
        Ok(Evaluation {
            observed: truth + self.sigma * z,
            truth,
        })
    }
}
