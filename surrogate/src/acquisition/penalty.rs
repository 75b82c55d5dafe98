//! Local penalisation of an acquisition function around points already
//! chosen for a batch (González, Dai, Hennig & Lawrence, "Batch Bayesian
//! Optimization via Local Penalization", AISTATS 2016).
//!
//! If the loss `f` is `L`-Lipschitz and `M` is the best loss, no point
//! within `(f(xⱼ) − M)/L` of a pending point `xⱼ` can beat `M`: that ball
//! is excluded. With `f(xⱼ) ~ N(μⱼ, σⱼ²)` from the posterior, the chance
//! that `x` lies outside it is
//!
//! `φⱼ(x) = Φ((L‖x − xⱼ‖ − μⱼ + M) / σⱼ)`,
//!
//! and the batch's next point maximises `acquisition × Πⱼ φⱼ`. Our
//! acquisitions are on a log scale, so the penalty is added as
//! `Σⱼ ln φⱼ` (for `ucb`, which is not a log, it is subtracted all the
//! same: a heuristic). `L` is estimated as the largest norm of the posterior
//! mean's gradient over a set of points ([`LocalPenalty::lipschitz`]).
//!
//! Near a minimum the model is sure of, `μⱼ ≈ M` and the ball shrinks to
//! nothing: the plain method would let a batch crowd there. A floor
//! `min_radius` on each ball's radius (in unit-cube distance) keeps a
//! batch's points at least about that far apart.

use crate::acquisition::functions::log_cdf_with_derivative;
use crate::gp::GaussianProcess;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// The penalty of a batch's pending points: `Σⱼ ln φⱼ(x)` (module notes).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalPenalty {
    centres: Array2<f64>,
    /// `μⱼ − M`, floored at `L · min_radius`.
    gaps: Array1<f64>,
    sds: Array1<f64>,
    lipschitz: f64,
    best: f64,
}

impl LocalPenalty {
    /// Penalties around each row of `pending`, from `gp`'s posterior there,
    /// the best loss `best`, the Lipschitz constant `lipschitz` (> 0) and
    /// the smallest exclusion radius `min_radius` (unit-cube distance).
    pub fn new(
        gp: &GaussianProcess,
        pending: ArrayView2<'_, f64>,
        best: f64,
        lipschitz: f64,
        min_radius: f64,
    ) -> Self {
        let p = gp.predict(pending);
        // A floor on σ keeps the ratio finite where the model interpolates.
        let sd_floor = 1e-9 * gp.prior_variance().sqrt().max(f64::MIN_POSITIVE);
        let lipschitz = if lipschitz.is_finite() && lipschitz > 0.0 {
            lipschitz
        } else {
            f64::MIN_POSITIVE.sqrt()
        };
        let floor = lipschitz * min_radius.max(0.0);
        Self {
            centres: pending.to_owned(),
            gaps: p.mean.mapv(|m| (m - best).max(floor)),
            sds: p.variance.mapv(|v| v.sqrt().max(sd_floor)),
            lipschitz,
            best,
        }
    }

    /// The best loss `M` the balls are measured from.
    pub fn best(&self) -> f64 {
        self.best
    }

    /// The largest norm of `gp`'s posterior-mean gradient over the rows of
    /// `points`: González et al.'s estimate of the loss's Lipschitz constant.
    pub fn lipschitz(gp: &GaussianProcess, points: ArrayView2<'_, f64>) -> f64 {
        points
            .outer_iter()
            .map(|x| {
                let g = gp.mean_gradient(x);
                g.dot(&g).sqrt()
            })
            .fold(0.0, f64::max)
    }

    /// Pending points penalised.
    pub fn len(&self) -> usize {
        self.centres.nrows()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.centres.nrows() == 0
    }

    /// `Σⱼ ln φⱼ(x)`.
    pub fn log_value(&self, x: ArrayView1<'_, f64>) -> f64 {
        self.terms(x).iter().map(|t| t.0).sum()
    }

    /// `Σⱼ ln φⱼ(x)` and its gradient in `x`.
    pub fn log_value_with_gradient(&self, x: ArrayView1<'_, f64>) -> (f64, Array1<f64>) {
        let mut grad = Array1::zeros(x.len());
        let mut total = 0.0;
        for (lp, dlp, j, r) in self.terms(x) {
            total += lp;
            if r > 0.0 {
                // d/dx of (L r − gap)/σ is L (x − xⱼ) / (r σ).
                let scale = dlp * self.lipschitz / (r * self.sds[j]);
                grad.zip_mut_with(&(&x - &self.centres.row(j)), |g, d| *g += scale * d);
            }
        }
        (total, grad)
    }

    /// For each pending point `j`: `ln φⱼ(x)`, `d ln Φ/dz` there, `j` and
    /// the distance `‖x − xⱼ‖`.
    fn terms(&self, x: ArrayView1<'_, f64>) -> Vec<(f64, f64, usize, f64)> {
        self.centres
            .outer_iter()
            .enumerate()
            .map(|(j, c)| {
                let r = x
                    .iter()
                    .zip(c.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                let z = (self.lipschitz * r - self.gaps[j]) / self.sds[j];
                let (lp, dlp) = log_cdf_with_derivative(z);
                (lp, dlp, j, r)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::{Hyperparameters, InputKind};
    use ndarray::array;

    fn gp() -> GaussianProcess {
        let x = crate::gp::tests::grid_3x3();
        let y = x.map_axis(ndarray::Axis(1), |r| (r[0] - 0.4).powi(2) + r[1]);
        let hyper = Hyperparameters::new(array![0.5, 0.5], 1.0, 1e-6);
        GaussianProcess::with_hyperparameters(
            x.view(),
            y.view(),
            &[InputKind::Numeric, InputKind::Numeric],
            hyper,
        )
        .unwrap()
    }

    #[test]
    fn the_penalty_is_strongest_at_a_pending_point_and_fades_away() {
        let gp = gp();
        let at = ndarray::array![0.3, 0.8];
        assert_eq!(
            gp.mean_gradient(at.view()),
            gp.predict_with_gradient(at.view()).mean_gradient
        );
        let pending = array![[0.5, 0.5]];
        let lip = LocalPenalty::lipschitz(&gp, pending.view());
        assert!(lip > 0.5, "{lip}");
        let pen = LocalPenalty::new(&gp, pending.view(), 0.0, lip, 0.05);
        let at = |x: f64, y: f64| pen.log_value(array![x, y].view());
        assert!(at(0.5, 0.5) < -1.0, "{}", at(0.5, 0.5));
        assert!(at(0.5, 0.5) < at(0.55, 0.5));
        assert!(at(0.55, 0.5) < at(0.7, 0.5));
        assert!(at(0.0, 0.0) > -1e-3, "far away: {}", at(0.0, 0.0));
    }

    #[test]
    fn the_radius_floor_excludes_a_sure_minimum() {
        let gp = gp();
        // Pending at an observed point whose loss is the best: gap 0.
        let pending = array![[0.5, 0.0]];
        let best = gp.predict(pending.view()).mean[0];
        let plain = LocalPenalty::new(&gp, pending.view(), best, 1.0, 0.0);
        let floored = LocalPenalty::new(&gp, pending.view(), best, 1.0, 0.02);
        let near = array![0.51, 0.0];
        assert!(plain.log_value(near.view()) > -1e-3);
        assert!(floored.log_value(near.view()) < -10.0);
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let gp = gp();
        let pending = array![[0.5, 0.5], [0.2, 0.9]];
        let pen = LocalPenalty::new(&gp, pending.view(), 0.1, 1.3, 0.1);
        for x in [array![0.45, 0.6], array![0.3, 0.7], array![0.9, 0.1]] {
            let (_, g) = pen.log_value_with_gradient(x.view());
            for i in 0..2 {
                let h = 1e-6;
                let mut up = x.clone();
                up[i] += h;
                let mut down = x.clone();
                down[i] -= h;
                let fd = (pen.log_value(up.view()) - pen.log_value(down.view())) / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < 1e-4 * (1.0 + fd.abs()),
                    "{x} {i}: {} {fd}",
                    g[i]
                );
            }
        }
    }
}
