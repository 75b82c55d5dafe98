//! Sampled fantasies of pending evaluations: joint draws of the latent
//! function at points still being evaluated, each conditioning the model.
//!
//! Averaging an improvement-based acquisition over such draws is the
//! Monte-Carlo form of the batch (q-) expected improvement of the new
//! point together with the pending ones (Ginsbourger et al. 2010; Wilson
//! et al., NeurIPS 2018): a point near a pending one gains little, since in
//! every draw the pending point already took most of what it could
//! improve, while a point in a region the batch does not cover keeps its
//! own chance. The kriging believer conditions on the posterior mean
//! alone, which makes the pending region look solved but never rewards
//! leaving it.
//!
//! Conditioning is linear in the fantasised values, so the model is
//! conditioned once, on the posterior means (the believer), and each draw
//! only shifts its mean by `k(x)ᵀ K⁻¹ [0; δ]` (`δ` the draw minus the
//! means); the variance is the believer's for every draw.

use super::kernel::{covariance_with_gradient, cross_covariance};
use super::linalg::Cholesky;
use super::model::GaussianProcess;
use crate::SurrogateError;
use ndarray::{concatenate, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

/// The model conditioned on pending points, with `samples` joint draws of
/// the function there (see the module notes).
#[derive(Debug, Clone)]
pub struct Fantasies {
    believer: GaussianProcess,
    /// `K⁻¹ [0; δ_k]` for each draw `k` (columns), standardized units.
    shifts: Array2<f64>,
    /// Each draw's lowest fantasised loss, in the observations' units.
    lowest: Vec<f64>,
}

/// Means under each draw and the common variance at many points.
#[derive(Debug, Clone, PartialEq)]
pub struct FantasyPrediction {
    /// `rows × samples`: the posterior mean at each point under each draw.
    pub means: Array2<f64>,
    /// The posterior variance at each point (the same under every draw).
    pub variance: Array1<f64>,
}

/// One point under each draw, with gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct FantasyPointPrediction {
    /// The posterior mean under each draw.
    pub means: Array1<f64>,
    /// `d × samples`: `∂mean_k/∂x`.
    pub mean_gradients: Array2<f64>,
    /// The posterior variance.
    pub variance: f64,
    /// `∂variance/∂x`.
    pub variance_gradient: Array1<f64>,
}

impl GaussianProcess {
    /// `samples` joint draws of the function at the rows of `pending`,
    /// from `rng`, and the model conditioned on each (see [`Fantasies`]).
    pub fn fantasize(
        &self,
        pending: ArrayView2<'_, f64>,
        samples: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Fantasies, SurrogateError> {
        let m = pending.nrows();
        let (mean, mut cov) = self.joint_standardized(pending);
        let (_, _, y_mean, y_scale) = self.parts();
        let believed = mean.mapv(|v| y_mean + y_scale * v);
        let believer = self.condition_on(pending, believed.view())?;
        // Symmetrise (the product above is symmetric only to rounding).
        let sym = (&cov + &cov.t()) * 0.5;
        cov.assign(&sym);
        let root = Cholesky::factor(&cov)?;
        let z = Array2::from_shape_fn((m, samples), |_| StandardNormal.sample(&mut *rng));
        let delta = root.l().dot(&z); // m × samples
        let lowest = (0..samples)
            .map(|k| {
                delta
                    .column(k)
                    .iter()
                    .zip(&mean)
                    .map(|(d, mu)| y_mean + y_scale * (mu + d))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let n = believer.len() - m;
        let padded = concatenate(Axis(0), &[Array2::zeros((n, samples)).view(), delta.view()])
            .map_err(|_| SurrogateError::NoObservations)?;
        let (_, chol, _, _) = believer.parts();
        let mut shifts = padded;
        chol.solve_lower_in_place(shifts.view_mut());
        chol.solve_upper_in_place(shifts.view_mut());
        Ok(Fantasies {
            believer,
            shifts,
            lowest,
        })
    }
}

impl Fantasies {
    /// The model conditioned on the pending points' posterior means.
    pub fn believer(&self) -> &GaussianProcess {
        &self.believer
    }

    /// The number of draws.
    pub fn samples(&self) -> usize {
        self.lowest.len()
    }

    /// Draw `k`'s lowest fantasised loss.
    pub fn lowest(&self) -> &[f64] {
        &self.lowest
    }

    /// Each draw's posterior mean, and the variance, at each row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> FantasyPrediction {
        let base = self.believer.predict(x);
        let (inputs, _, _, y_scale) = self.believer.parts();
        let cross = cross_covariance(inputs, self.believer.hyperparameters(), x);
        let mut means = cross.t().dot(&self.shifts) * y_scale;
        for (mut row, mu) in means.outer_iter_mut().zip(&base.mean) {
            row += *mu;
        }
        FantasyPrediction {
            means,
            variance: base.variance,
        }
    }

    /// Each draw's posterior mean at `x`, the variance, and their gradients.
    pub fn predict_with_gradient(&self, x: ArrayView1<'_, f64>) -> FantasyPointPrediction {
        let base = self.believer.predict_with_gradient(x);
        let (inputs, _, _, y_scale) = self.believer.parts();
        let (k, dk) = covariance_with_gradient(inputs, self.believer.hyperparameters(), x);
        let means = self.shifts.t().dot(&k) * y_scale + base.mean;
        let mut mean_gradients = dk.t().dot(&self.shifts) * y_scale;
        for mut col in mean_gradients.columns_mut() {
            col += &base.mean_gradient;
        }
        FantasyPointPrediction {
            means,
            mean_gradients,
            variance: base.variance,
            variance_gradient: base.variance_gradient,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::{Hyperparameters, InputKind};
    use ndarray::array;
    use rand::SeedableRng;

    /// `sin(6x₀) + x₁` at 9 points of the unit square.
    fn gp() -> GaussianProcess {
        let x = crate::gp::tests::grid_3x3();
        let y = x
            .rows()
            .into_iter()
            .map(|r| (6.0 * r[0]).sin() + r[1])
            .collect();
        let hyper = Hyperparameters::new(array![0.4, 0.6], 1.0, 1e-6);
        let kinds = [InputKind::Numeric, InputKind::Numeric];
        GaussianProcess::with_hyperparameters(x.view(), Array1::from_vec(y).view(), &kinds, hyper)
            .unwrap()
    }

    #[test]
    fn draws_follow_the_posterior_and_condition_the_mean() {
        let gp = gp();
        let pending = array![[0.25, 0.75]];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let f = gp.fantasize(pending.view(), 4000, &mut rng).unwrap();
        let post = gp.predict(pending.view());
        // With one pending point a draw's lowest loss is the draw: their
        // mean and spread are the posterior's (4000 draws: ~2% and ~3%).
        let draws = f.lowest();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        let sd = post.variance[0].sqrt();
        assert!(
            (mean - post.mean[0]).abs() < 0.05 * sd,
            "{mean} vs {}",
            post.mean[0]
        );
        assert!(
            (var.sqrt() / sd - 1.0).abs() < 0.05,
            "{} vs {sd}",
            var.sqrt()
        );
        // Each draw's model passes through the draw (noise 1e-6).
        let at = f.predict(pending.view());
        for (m, d) in at.means.row(0).iter().zip(draws) {
            assert!((m - d).abs() < 1e-3 * sd, "{m} vs {d}");
        }
        assert!(at.variance[0] < 1e-4 * post.variance[0]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let gp = gp();
        let pending = array![[0.25, 0.75], [0.8, 0.1]];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let f = gp.fantasize(pending.view(), 5, &mut rng).unwrap();
        let x = array![0.4, 0.3];
        let p = f.predict_with_gradient(x.view());
        let h = 1e-6;
        for j in 0..2 {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[j] += h;
            down[j] -= h;
            let (a, b) = (
                f.predict(up.insert_axis(Axis(0)).view()),
                f.predict(down.insert_axis(Axis(0)).view()),
            );
            for k in 0..5 {
                let fd = (a.means[[0, k]] - b.means[[0, k]]) / (2.0 * h);
                assert!(
                    (fd - p.mean_gradients[[j, k]]).abs() < 1e-5,
                    "mean {k} dim {j}"
                );
            }
            let fd = (a.variance[0] - b.variance[0]) / (2.0 * h);
            assert!(
                (fd - p.variance_gradient[j]).abs() < 1e-5,
                "variance dim {j}"
            );
        }
    }
}
