//! Crowding distance (Deb et al. 2002, NSGA-II): how much room a point of
//! a front has around it, so that selection within a front keeps it spread.

use super::points::{lex_cmp, Objectives};
use crate::SurrogateError;

/// Crowding distance of each point of one front (pass the front's points,
/// not the whole population): per objective, the gap between a point's two
/// neighbours in sorted order divided by the objective's range, summed over
/// objectives; the extreme points of any objective get `f64::INFINITY`.
///
/// - **Duplicates**: only the first occurrence (by index) of a repeated
///   vector is measured; later copies get 0, so selection prefers distinct
///   points (as pymoo does). Without this, two copies of an extreme point
///   would both be kept with infinite distance.
/// - **Infinities**: the range of an objective is taken over its finite
///   values; a gap that reaches an infinite neighbour is infinite.
/// - **NaN** is an error ([`SurrogateError::NanObjective`]).
/// - Fronts of one or two distinct points: every distinct point is
///   infinitely far from crowded.
///
/// ```
/// use hyperspace_surrogate::pareto::crowding_distance;
/// let front = [[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]];
/// let d = crowding_distance(&front).unwrap();
/// assert_eq!(d[0], f64::INFINITY);
/// assert!((d[1] - (2.0 / 4.0 + 3.0 / 4.0)).abs() < 1e-12);
/// assert!((d[2] - (3.0 / 4.0 + 2.0 / 4.0)).abs() < 1e-12);
/// ```
pub fn crowding_distance<P: AsRef<[f64]>>(front: &[P]) -> Result<Vec<f64>, SurrogateError> {
    let set = Objectives::new(front)?;
    let mut distance = vec![0.0; set.len()];
    // Distinct points: the first of each run of equal vectors in lex order
    // (ties in lex order are by index, so it is the first occurrence).
    let mut distinct: Vec<usize> = Vec::with_capacity(set.len());
    for i in set.lex_order() {
        let repeat = distinct
            .last()
            .is_some_and(|&j| lex_cmp(set.row(j), set.row(i)).is_eq());
        if !repeat {
            distinct.push(i);
        }
    }
    if distinct.len() <= 2 {
        for &i in &distinct {
            distance[i] = f64::INFINITY;
        }
        return Ok(distance);
    }
    let mut order = distinct;
    for k in 0..set.dims() {
        let value = |i: usize| set.row(i)[k];
        order.sort_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
        let finite = order.iter().map(|&i| value(i)).filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let range = hi - lo;
        if let (Some(&first), Some(&last)) = (order.first(), order.last()) {
            distance[first] = f64::INFINITY;
            distance[last] = f64::INFINITY;
        }
        for w in order.windows(3) {
            let gap = value(w[2]) - value(w[0]);
            // NaN: both neighbours are the same infinity, so is the point.
            distance[w[1]] += if gap == 0.0 || gap.is_nan() {
                0.0
            } else if range > 0.0 {
                gap / range
            } else {
                // Only an infinite neighbour can open a gap when the finite
                // values do not spread.
                f64::INFINITY
            };
        }
    }
    Ok(distance)
}
