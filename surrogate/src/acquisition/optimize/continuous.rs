//! The continuous moves of a local search: L-BFGS (argmin) over the active
//! continuous coordinates, with the others held. The box `[0, 1]` is
//! removed by a smooth change of variable rather than handled by a bounded
//! solver, so argmin's plain L-BFGS applies and optima on a bound are
//! ordinary stationary points.

use super::settings::OptimizerSettings;
use super::target::Target;
use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use std::cell::RefCell;

/// `x = sin²(θ)`: maps the line onto `[0, 1]` smoothly (no kinks to upset
/// L-BFGS's curvature pairs), with `dx/dθ = sin 2θ`, which vanishes exactly
/// at the bounds, so an optimum on a bound is a smooth stationary point.
fn wrap(theta: f64) -> (f64, f64) {
    let s = theta.sin();
    (s * s, (2.0 * theta).sin())
}

/// An angle with `sin²(θ) = x`, kept off the bounds by `1e-9` so the
/// search can leave them.
fn unwrap(x: f64) -> f64 {
    x.clamp(1e-9, 1.0 - 1e-9).sqrt().asin()
}

/// The last point evaluated, its cost and gradient.
type Cached = Option<(Array1<f64>, f64, Array1<f64>)>;

/// The argmin problem of a continuous phase: minus the acquisition over the
/// free coordinates `v`, `x_j = sin²(ℓ_j v_j)`.
struct Phase<'a, 'b> {
    target: &'a Target<'b>,
    base: &'a Array1<f64>,
    free: &'a [usize],
    scale: Vec<f64>,
    /// argmin asks for the cost and the gradient of the same point
    /// separately; one posterior evaluation answers both.
    cache: RefCell<Cached>,
}

impl Phase<'_, '_> {
    fn point(&self, v: &Array1<f64>) -> (Array1<f64>, Vec<f64>) {
        let mut x = self.base.clone();
        let mut slope = Vec::with_capacity(self.free.len());
        for (k, &j) in self.free.iter().enumerate() {
            let (xj, sj) = wrap(self.scale[k] * v[k]);
            x[j] = xj;
            slope.push(sj * self.scale[k]);
        }
        (x, slope)
    }

    fn eval(&self, v: &Array1<f64>) -> Result<(f64, Array1<f64>), ArgminError> {
        if let Some((q, c, g)) = self.cache.borrow().as_ref() {
            if q == v {
                return Ok((*c, g.clone()));
            }
        }
        if v.iter().any(|t| !t.is_finite()) {
            return Err(ArgminError::msg("non-finite point"));
        }
        let (x, slope) = self.point(v);
        let (a, grad) = self.target.with_gradient(x.view());
        if !a.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Err(ArgminError::msg("non-finite acquisition"));
        }
        let g = Array1::from_iter(self.free.iter().zip(&slope).map(|(&j, s)| -grad[j] * s));
        *self.cache.borrow_mut() = Some((v.clone(), -a, g.clone()));
        Ok((-a, g))
    }
}

impl CostFunction for Phase<'_, '_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, ArgminError> {
        Ok(self.eval(p)?.0)
    }
}

impl Gradient for Phase<'_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> Result<Array1<f64>, ArgminError> {
        Ok(self.eval(p)?.1)
    }
}

/// L-BFGS over the `free` coordinates from `x`; the best point and value,
/// or `None` if the solver could not run or found nothing finite.
pub(super) fn continuous_phase(
    target: &Target<'_>,
    x: &Array1<f64>,
    free: &[usize],
    s: &OptimizerSettings,
) -> Option<(Array1<f64>, f64)> {
    let ls = &target.gp.hyperparameters().lengthscales;
    let scale: Vec<f64> = free.iter().map(|&j| ls[j].clamp(1e-4, 1e4)).collect();
    let v0 = Array1::from_iter(free.iter().zip(&scale).map(|(&j, l)| unwrap(x[j]) / l));
    let phase = Phase {
        target,
        base: x,
        free,
        scale,
        cache: RefCell::new(None),
    };
    // The start's value (kept in the cache, so L-BFGS's first call is free)
    // scales the cost tolerance.
    let start = phase.eval(&v0).ok()?.0;
    let tolerance_cost = (s.cost_tolerance * start.abs().max(1.0)).max(1e-12);
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(s.gradient_tolerance)
        .and_then(|l| l.with_tolerance_cost(tolerance_cost))
        .ok()?;
    let mut res = Executor::new(phase, solver)
        .configure(|state| state.param(v0).max_iters(s.max_iterations))
        .timer(false)
        .ctrlc(false)
        .run()
        .ok()?;
    let cost = res.state.get_best_cost();
    let v = res.state.take_best_param()?;
    let phase = res.problem.problem.as_ref()?;
    let (x_best, _) = phase.point(&v);
    cost.is_finite().then_some((x_best, -cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_maps_the_line_onto_the_unit_interval_smoothly() {
        for x in [1e-9, 0.1, 0.5, 0.93, 1.0 - 1e-9] {
            assert!((wrap(unwrap(x)).0 - x).abs() < 1e-12);
        }
        for t in [-3.0, -0.4, 0.0, 0.7, 2.0, 9.0] {
            let (x, dx) = wrap(t);
            assert!((0.0..=1.0).contains(&x));
            let h = 1e-6;
            let fd = (wrap(t + h).0 - wrap(t - h).0) / (2.0 * h);
            assert!((fd - dx).abs() < 1e-8);
        }
    }
}
