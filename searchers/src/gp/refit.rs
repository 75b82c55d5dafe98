//! One output's model kept between proposals: the last hyperparameter fit,
//! how many observations it saw, and the last model of the observations.
//! The single-objective GP keeps one; the joint model (`multi.rs`) one per
//! objective and constraint, so every output refits on the same
//! `refit_growth` pace and in between extends its factorisation by the new
//! trials instead of running a fit's many `O(n³)` steps.

use super::ValidGpSettings;
use hyperspace_engine::SearchError;
use hyperspace_surrogate::gp::{
    posterior_subset, FitStart, GaussianProcess, Hyperparameters, InputKind,
};
use ndarray::{ArrayView1, ArrayView2, Axis};
use rand::RngCore;

/// An output's last fit and model (see the module notes).
#[derive(Debug, Clone, Default)]
pub(super) struct OutputModel {
    last_fit: Option<Hyperparameters>,
    /// Observations the last hyperparameter fit saw.
    fitted_on: usize,
    /// The last model of the observations (no fantasies).
    model: Option<GaussianProcess>,
}

fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed {
        searcher: "gp".into(),
        reason: e.to_string(),
    }
}

impl OutputModel {
    /// The model of observations `x`, `y` (inputs of `kinds`):
    /// hyperparameters refitted when the history grew by `refit_growth`
    /// since the last fit (or there is none), else kept, with the previous
    /// model's factorisation extended by the new rows; past
    /// `max_model_points` observations, conditioned on a subset of them
    /// ([`posterior_subset`]). Kept as the start of the next call.
    pub(super) fn model(
        &mut self,
        settings: &ValidGpSettings,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kinds: &[InputKind],
        rng: &mut dyn RngCore,
    ) -> Result<&GaussianProcess, SearchError> {
        let s = &settings.settings;
        let n = x.nrows();
        let (xm, ym) = if n > s.max_model_points {
            let rows = posterior_subset(y, s.max_model_points);
            (x.select(Axis(0), &rows), y.select(Axis(0), &rows))
        } else {
            (x.to_owned(), y.to_owned())
        };
        // Due after `⌊refit_growth · n_fit⌋` new trials, at least one.
        let interval = ((s.refit_growth * self.fitted_on as f64).floor() as usize).max(1);
        let due = n < self.fitted_on || n - self.fitted_on >= interval;
        let kept = self
            .last_fit
            .as_ref()
            .filter(|h| !due && h.dims() == kinds.len());
        let gp = match (kept, &self.model) {
            (Some(_), Some(model)) if model.kinds() == kinds => model.update(xm.view(), ym.view()),
            (Some(h), _) => {
                GaussianProcess::with_hyperparameters(xm.view(), ym.view(), kinds, h.clone())
            }
            (None, _) => {
                let start = match (&self.last_fit, s.warm_start) {
                    (Some(h), true) if h.dims() == kinds.len() => FitStart::Warm(h),
                    _ => FitStart::Cold,
                };
                let gp =
                    GaussianProcess::fit(xm.view(), ym.view(), kinds, &settings.fit, start, rng);
                if gp.is_ok() {
                    self.fitted_on = n;
                }
                gp
            }
        }
        .map_err(failed)?;
        self.last_fit = Some(gp.hyperparameters().clone());
        Ok(self.model.insert(gp))
    }

    /// The hyperparameters of the last fit, if any.
    pub(super) fn last_fit(&self) -> Option<&Hyperparameters> {
        self.last_fit.as_ref()
    }
}
