//! The global part of the search: a quasi-random sweep of the whole space,
//! and the starts picked from it for local search. The sweep finds the
//! basins; the roulette spreads the local searches over several of them
//! instead of refining one twice.

use super::space::{decode, Dimension};
use crate::sobol::{SobolSequence, MAX_DIMENSIONS};
use ndarray::{Array1, Array2, ArrayView2};
use rand::{Rng, RngCore};

/// `m` candidates on the domains of `dims`, one per row: a scrambled Sobol
/// design seeded from `rng` (uniform draws beyond the dimensions Sobol
/// supports), each point mapped onto the domains and conditions.
pub(super) fn candidates(dims: &[Dimension], m: usize, rng: &mut dyn RngCore) -> Array2<f64> {
    let d = dims.len();
    let mut candidates = Array2::<f64>::zeros((m, d));
    let mut u = vec![0.0; d];
    let sobol = if (1..=MAX_DIMENSIONS).contains(&d) {
        SobolSequence::new(d, rng.next_u64()).ok()
    } else {
        None
    };
    for (i, mut row) in candidates.outer_iter_mut().enumerate() {
        match &sobol {
            Some(seq) => {
                for (j, uj) in u.iter_mut().enumerate() {
                    *uj = seq.coordinate(i as u64, j);
                }
            }
            None => u.iter_mut().for_each(|v| *v = rng.random::<f64>()),
        }
        if let Some(out) = row.as_slice_mut() {
            decode(dims, &u, out);
        }
    }
    candidates
}

/// The starts of the local searches: the best candidate (`best_i`), then up
/// to `local_searches − 1 − warm starts` more drawn without replacement
/// with weights `exp(a − a_max)`, then the caller's `warm_starts`.
pub(super) fn starts(
    candidates: &Array2<f64>,
    values: &Array1<f64>,
    best_i: usize,
    local_searches: usize,
    warm_starts: ArrayView2<'_, f64>,
    rng: &mut dyn RngCore,
) -> Vec<Array1<f64>> {
    let mut starts: Vec<Array1<f64>> = vec![candidates.row(best_i).to_owned()];
    let n_roulette = local_searches
        .saturating_sub(1 + warm_starts.nrows())
        .min(candidates.nrows().saturating_sub(1));
    let vmax = values[best_i];
    let mut weights: Vec<f64> = values
        .iter()
        .map(|v| if v.is_finite() { (v - vmax).exp() } else { 0.0 })
        .collect();
    weights[best_i] = 0.0;
    for _ in 0..n_roulette {
        let total: f64 = weights.iter().sum();
        if total.is_nan() || total <= 0.0 {
            break;
        }
        let mut r = rng.random::<f64>() * total;
        let mut pick = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                pick = i;
                break;
            }
            r -= w;
        }
        weights[pick] = 0.0;
        starts.push(candidates.row(pick).to_owned());
    }
    for row in warm_starts.outer_iter() {
        starts.push(row.to_owned());
    }
    starts
}
