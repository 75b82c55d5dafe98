//! Small helpers shared by the tests.

use hyperspace_engine::{Proposal, Registry, SearchContext, SearchError, Searcher, Space};
use rand::RngCore;

/// Compass (pattern) search: minimizes `f` from `x0` inside the box `lo..hi`,
/// halving the step until it is under `tol`. Returns the point and value.
pub fn pattern_search(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    step: f64,
    tol: f64,
) -> (Vec<f64>, f64) {
    let mut x = x0.to_vec();
    let mut fx = f(&x);
    let mut h = step;
    while h > tol {
        let mut improved = false;
        for i in 0..x.len() {
            for sign in [1.0, -1.0] {
                let mut y = x.clone();
                y[i] = (y[i] + sign * h * (hi[i] - lo[i])).clamp(lo[i], hi[i]);
                let fy = f(&y);
                if fy < fx {
                    x = y;
                    fx = fy;
                    improved = true;
                }
            }
        }
        if !improved {
            h /= 2.0;
        }
    }
    (x, fx)
}

/// A uniform random searcher, so the runner can be tested without the
/// built-in registry.
#[derive(Debug)]
pub struct Uniform;

impl Searcher for Uniform {
    fn sample_relative(
        &mut self,
        _ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let mut params = hyperspace_engine::Params::new();
        for (i, e) in space.entries().iter().enumerate() {
            if space.is_active(i, &params) {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                params.insert(e.name.clone(), e.param.from_unit(u));
            }
        }
        Ok(Proposal::new(params))
    }
}

/// A registry with only [`Uniform`], under the name `uniform`.
pub fn test_registry() -> Registry {
    let mut registry = Registry::new();
    registry.register("uniform", |_| Ok(Box::new(Uniform)));
    registry
}
