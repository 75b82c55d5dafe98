//! Hypervolume subset selection: which `k` of a set of points keep the
//! most hypervolume. Exact selection is NP-hard beyond two objectives, so
//! this is the greedy one: add, each time, the point whose box adds the most
//! volume to what is already chosen. Hypervolume is monotone and
//! submodular in the set, so greedy keeps at least `1 − 1/e` of the best
//! subset's volume (Nemhauser et al. 1978); multi-objective TPE uses it to
//! pick the good trials of a front that straddles its split.

use super::hypervolume::{box_volume, inside_reference, volume};
use super::points::Objectives;
use super::sort::first_front;
use crate::SurrogateError;

/// Indices of `k` points (all objectives minimized) chosen greedily to keep
/// as much hypervolume (with respect to `reference`) as possible, in the
/// order they were chosen; every index when `k >= points.len()`.
///
/// Each step adds the point whose exclusive volume over the points chosen
/// so far is largest; ties (duplicates, points outside the reference box,
/// which add nothing) go to the lower index. Same errors as
/// [`hypervolume`](super::hypervolume).
///
/// ```
/// use hyperspace_surrogate::pareto::hypervolume_subset;
/// let points = [[0.0, 3.0], [1.0, 1.0], [3.0, 0.0], [1.1, 1.1]];
/// // The knee point first: it alone covers 9 of the 16 units.
/// assert_eq!(hypervolume_subset(&points, 2, &[4.0, 4.0]).unwrap(), vec![1, 0]);
/// ```
pub fn hypervolume_subset<P: AsRef<[f64]>>(
    points: &[P],
    k: usize,
    reference: &[f64],
) -> Result<Vec<usize>, SurrogateError> {
    let (inside, original) = inside_reference(points, reference)?;
    let n = points.len();
    if k >= n {
        return Ok((0..n).collect());
    }
    let m = reference.len();
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    let mut taken = vec![false; n];
    // Gains only shrink as the chosen set grows (submodularity), so a stale
    // gain is an upper bound: a candidate whose fresh gain still beats every
    // other bound is the best (lazy greedy, Minoux 1978).
    let mut bounds: Vec<f64> = (0..inside.len())
        .map(|i| box_volume(inside.row(i), reference))
        .collect();
    let mut limited = Vec::new();
    while chosen.len() < k {
        let Some(best) = best_bound(&bounds, &taken, &original) else {
            break;
        };
        let p = inside.row(best);
        limited.clear();
        for &j in &chosen {
            limited.extend(p.iter().zip(inside.row(j)).map(|(a, b)| a.max(*b)));
        }
        let limited_set = Objectives::from_flat(m, std::mem::take(&mut limited));
        let front: Vec<f64> = first_front(&limited_set)
            .into_iter()
            .flat_map(|j| limited_set.row(j).iter().copied())
            .collect();
        limited = limited_set.into_values();
        let gain = (box_volume(p, reference) - volume(&front, reference)).max(0.0);
        let still_best = (0..inside.len())
            .filter(|&j| j != best && !taken[original[j]])
            .all(|j| bounds[j] < gain || (bounds[j] == gain && original[best] < original[j]));
        bounds[best] = gain;
        if still_best {
            chosen.push(best);
            taken[original[best]] = true;
        }
    }
    let mut out: Vec<usize> = chosen.into_iter().map(|i| original[i]).collect();
    // Points outside the reference box add nothing: the lowest indices fill
    // what is left.
    out.extend((0..n).filter(|&i| !taken[i]).take(k - out.len()));
    Ok(out)
}

/// The untaken point (index into the inside set) of largest bound, the
/// lower original index on ties.
fn best_bound(bounds: &[f64], taken: &[bool], original: &[usize]) -> Option<usize> {
    (0..bounds.len())
        .filter(|&i| !taken[original[i]])
        .min_by(|&a, &b| {
            bounds[b]
                .total_cmp(&bounds[a])
                .then(original[a].cmp(&original[b]))
        })
}
