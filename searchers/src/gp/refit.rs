//! One output's model kept between proposals: the last hyperparameter fit,
//! how many observations it saw, and the last model of the observations.
//! The single-objective GP keeps one; the joint model (`multi.rs`) one per
//! objective and constraint, so every output refits on the same
//! `refit_growth` pace and in between extends its factorisation by the new
//! trials instead of running a fit's many `O(n³)` steps.

use super::algorithm::failed;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::GpSettings;
    use ndarray::{Array1, Array2};
    use rand::SeedableRng;

    /// `n` points of a smooth 2-D function.
    fn data(n: usize) -> (Array2<f64>, Array1<f64>) {
        // Additive recurrences (golden-ratio steps): no repeated rows.
        let step = [0.618_034, 0.754_878];
        let x = Array2::from_shape_fn((n, 2), |(i, j)| ((i + 1) as f64 * step[j]).fract());
        let y = Array1::from_iter(
            x.outer_iter()
                .map(|r| (3.0 * r[0]).sin() + (r[1] - 0.4).powi(2)),
        );
        (x, y)
    }

    #[test]
    fn refits_on_the_refit_growth_pace_and_extends_the_model_in_between() {
        let settings = GpSettings {
            refit_growth: 0.25,
            ..GpSettings::default()
        }
        .validate()
        .unwrap();
        let kinds = [InputKind::Numeric; 2];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut output = OutputModel::default();
        let (x20, y20) = data(20);
        let first = output
            .model(&settings, x20.view(), y20.view(), &kinds, &mut rng)
            .unwrap()
            .hyperparameters()
            .clone();
        assert_eq!(output.fitted_on, 20);
        let (x, y) = data(24);
        // 4 new trials < ⌊0.25 · 20⌋ = 5: the fit is kept, the model grows.
        let kept = output
            .model(&settings, x.view(), y.view(), &kinds, &mut rng)
            .unwrap();
        assert_eq!(kept.len(), 24);
        assert_eq!(kept.hyperparameters(), &first);
        assert_eq!(output.fitted_on, 20);
        // The kept model is the one a fresh factorisation gives.
        let fresh =
            GaussianProcess::with_hyperparameters(x.view(), y.view(), &kinds, first.clone())
                .unwrap();
        let probe = Array2::from_shape_fn((5, 2), |(i, j)| (i + j) as f64 / 6.0);
        let (a, b) = (
            output.model.as_ref().unwrap().predict(probe.view()),
            fresh.predict(probe.view()),
        );
        for (u, v) in a.mean.iter().zip(&b.mean) {
            assert!((u - v).abs() < 1e-9, "{u} vs {v}");
        }
        // Five new trials are due: refitted on all 25.
        let (x, y) = data(25);
        output
            .model(&settings, x.view(), y.view(), &kinds, &mut rng)
            .unwrap();
        assert_eq!(output.fitted_on, 25);
    }
}
