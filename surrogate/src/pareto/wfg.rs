//! WFG hypervolume for four or more objectives (While, Bradstreet & Barone
//! 2012), with the dimension-reducing order of its "slicing" variant.
//!
//! The volume of a set is the sum of each point's exclusive volume against
//! the points after it: `HV(S) = Σᵢ [vol(pᵢ) − HV(limit(pᵢ, {pⱼ : j > i}))]`,
//! where `limit` raises every later point to be no better than `pᵢ`
//! (coordinate-wise maximum). Visiting points by decreasing last objective
//! makes every limited point share `pᵢ`'s last coordinate, so both terms
//! are `(r_last − pᵢ_last)` times an `(M − 1)`-dimensional volume: the
//! recursion loses one dimension at each level and ends in the exact 3-D
//! sweep. Limited sets are reduced to their Pareto front before recursing,
//! which is what keeps them small.

use super::hypervolume::{box_volume, volume as any_volume};
use super::points::Objectives;
use super::sort::first_front;

/// The volume dominated by `pts` (row-major, `reference.len()`
/// columns, all finite and strictly inside the reference box). Exact for
/// `reference.len() >= 2` (the tests use that to check the sweeps); the
/// dispatcher calls it from 4 on.
pub(crate) fn volume(pts: &[f64], reference: &[f64]) -> f64 {
    let m = reference.len();
    let last = m - 1;
    let set = Objectives::from_flat(m, pts.to_vec());
    // Dominated points add nothing; drop them once here.
    let mut order = first_front(&set);
    order.sort_by(|&a, &b| set.row(b)[last].total_cmp(&set.row(a)[last]));
    let lower = &reference[..last];
    let mut limited = Vec::new();
    let mut total = 0.0;
    for (k, &i) in order.iter().enumerate() {
        let p = set.row(i);
        limited.clear();
        for &j in &order[k + 1..] {
            let q = set.row(j);
            limited.extend(p[..last].iter().zip(&q[..last]).map(|(a, b)| a.max(*b)));
        }
        let limited_set = Objectives::from_flat(last, std::mem::take(&mut limited));
        let front: Vec<f64> = first_front(&limited_set)
            .into_iter()
            .flat_map(|j| limited_set.row(j).iter().copied())
            .collect();
        // Rounding can leave a tiny negative where the exclusive part is empty.
        let exclusive = (box_volume(&p[..last], lower) - any_volume(&front, lower)).max(0.0);
        total += (reference[last] - p[last]) * exclusive;
        limited = limited_set.into_values();
    }
    total
}
