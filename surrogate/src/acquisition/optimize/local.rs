//! Local search from one start: continuous and discrete moves in turn, so
//! a mixed space is refined in both kinds of coordinate without relaxing
//! the discrete ones (the model is only asked about points on their grid).

use super::continuous::continuous_phase;
use super::driver::Optimum;
use super::settings::OptimizerSettings;
use super::space::{activity, nearest_level, Dimension, Domain};
use super::target::{argmax, Target};
use ndarray::{Array1, Array2};
use rand::{Rng, RngCore};

/// Levels up to which a discrete coordinate is searched exhaustively.
const EXHAUSTIVE_LEVELS: usize = 16;
/// Random levels tried per step on a coordinate with many levels.
const RANDOM_LEVELS: usize = 4;
/// Rounds of continuous + discrete moves per start.
const MAX_ROUNDS: usize = 6;

/// Alternates continuous and discrete moves from `x` until a round moves
/// no discrete coordinate. Only coordinates active at `x` move, and
/// categorical parents keep their choice, so the start's branch is kept.
pub(super) fn local_search(
    target: &Target<'_>,
    dims: &[Dimension],
    mut x: Array1<f64>,
    s: &OptimizerSettings,
    rng: &mut dyn RngCore,
) -> Optimum {
    let mut value = target.batch(x.view().insert_axis(ndarray::Axis(0)))[0];
    let active = activity(dims, x.as_slice().unwrap_or(&[]));
    let is_parent: Vec<bool> = (0..dims.len())
        .map(|i| {
            dims.iter()
                .any(|d| d.condition.is_some_and(|(p, _)| p == i))
        })
        .collect();
    let continuous: Vec<usize> = (0..dims.len())
        .filter(|&i| active[i] && dims[i].domain == Domain::Continuous)
        .collect();
    let discrete: Vec<usize> = (0..dims.len())
        .filter(|&i| active[i] && !is_parent[i] && dims[i].domain != Domain::Continuous)
        .collect();
    for _ in 0..MAX_ROUNDS {
        if !continuous.is_empty() {
            if let Some((x2, v2)) = continuous_phase(target, &x, &continuous, s) {
                if v2 > value {
                    x = x2;
                    value = v2;
                }
            }
        }
        let mut moved = false;
        for &i in &discrete {
            let options = alternatives(&dims[i].domain, x[i], rng);
            if options.is_empty() {
                continue;
            }
            let mut batch = Array2::<f64>::zeros((options.len(), x.len()));
            for (mut row, o) in batch.outer_iter_mut().zip(&options) {
                row.assign(&x);
                row[i] = *o;
            }
            let vals = target.batch(batch.view());
            let k = argmax(&vals);
            if vals[k] > value {
                x[i] = options[k];
                value = vals[k];
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    Optimum { x, value }
}

/// Values to try for a discrete coordinate now at `current`.
fn alternatives(domain: &Domain, current: f64, rng: &mut dyn RngCore) -> Vec<f64> {
    match domain {
        Domain::Continuous => Vec::new(),
        Domain::Categorical(n) => (0..*n)
            .map(|c| c as f64)
            .filter(|c| *c != current)
            .collect(),
        Domain::Discrete(levels) if levels.len() <= EXHAUSTIVE_LEVELS => {
            levels.iter().copied().filter(|l| *l != current).collect()
        }
        Domain::Discrete(levels) => {
            let n = levels.len();
            let at = nearest_level(levels, current);
            let mut picks: Vec<usize> = Vec::new();
            let mut step = 1usize;
            while step < n {
                if at >= step {
                    picks.push(at - step);
                }
                if at + step < n {
                    picks.push(at + step);
                }
                step *= 2;
            }
            for _ in 0..RANDOM_LEVELS {
                picks.push(rng.random_range(0..n));
            }
            picks.sort_unstable();
            picks.dedup();
            picks.retain(|&k| k != at);
            picks.into_iter().map(|k| levels[k]).collect()
        }
    }
}
