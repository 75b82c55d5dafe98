//! Exclusive hypervolume contributions: how much volume each point alone
//! dominates, i.e. what the set would lose without it. SMS-EMOA discards
//! the point of least contribution; hypervolume-based TPE and reports rank
//! points by it.

use super::hypervolume::{box_volume, inside_reference, volume};
use super::points::{lex_cmp, Objectives};
use super::sort::first_front;
use crate::SurrogateError;

/// The exclusive hypervolume contribution of each point: `HV(S) − HV(S
/// without that point)`, with the same reference-point rules and errors as
/// [`hypervolume`](super::hypervolume).
///
/// Dominated points, points outside the reference box and every copy of a
/// repeated point contribute 0 (removing one copy loses nothing).
///
/// Cost: O(N log N) for 2 objectives (neighbours on the sorted front); for
/// more, one hypervolume of the front limited by each front point (the WFG
/// exclusive-volume identity), O(K² log K) for a front of K points with 3
/// objectives.
///
/// ```
/// use hyperspace_surrogate::pareto::hypervolume_contributions;
/// let points = [[1.0, 2.0], [2.0, 1.0], [2.5, 2.5]];
/// assert_eq!(hypervolume_contributions(&points, &[3.0, 3.0]).unwrap(), vec![1.0, 1.0, 0.0]);
/// ```
pub fn hypervolume_contributions<P: AsRef<[f64]>>(
    points: &[P],
    reference: &[f64],
) -> Result<Vec<f64>, SurrogateError> {
    let (inside, original) = inside_reference(points, reference)?;
    let mut contributions = vec![0.0; points.len()];
    // Only front points can contribute, and of a repeated front point no
    // copy does. `distinct`: one copy of each front vector, in lex order;
    // `unique`: the front points with no copy.
    let front = first_front(&inside);
    let mut distinct: Vec<usize> = Vec::with_capacity(front.len());
    let mut repeated = vec![false; front.len()];
    for (k, &i) in front.iter().enumerate() {
        match k.checked_sub(1).map(|j| (j, front[j])) {
            Some((j, prev)) if lex_cmp(inside.row(prev), inside.row(i)).is_eq() => {
                repeated[k] = true;
                repeated[j] = true;
            }
            _ => distinct.push(i),
        }
    }
    let unique: Vec<usize> = front
        .iter()
        .zip(&repeated)
        .filter(|(_, &r)| !r)
        .map(|(&i, _)| i)
        .collect();
    let values: Vec<(usize, f64)> = if reference.len() == 2 {
        contributions_2d(
            &inside,
            &distinct,
            &repeated_set(&front, &repeated),
            reference,
        )
    } else {
        unique
            .iter()
            .map(|&i| (i, exclusive(&inside, i, reference)))
            .collect()
    };
    for (i, v) in values {
        contributions[original[i]] = v;
    }
    Ok(contributions)
}

/// Which indices of `front` are repeated, by point index.
fn repeated_set(front: &[usize], repeated: &[bool]) -> Vec<usize> {
    let mut out: Vec<usize> = front
        .iter()
        .zip(repeated)
        .filter(|(_, &r)| r)
        .map(|(&i, _)| i)
        .collect();
    out.sort_unstable();
    out
}

/// 2-D: on the front sorted by the first objective, a point `p`'s
/// exclusive region is the rectangle between its neighbours, less what the
/// points dominated by `p` alone cover of it. Those are exactly the points
/// inside the rectangle, and each lies in one rectangle at most, found by
/// binary search: O(N log N) in all.
fn contributions_2d(
    set: &Objectives,
    distinct: &[usize],
    repeated: &[usize],
    reference: &[f64],
) -> Vec<(usize, f64)> {
    let corner = |k: usize| {
        let right = distinct.get(k + 1).map_or(reference[0], |&j| set.row(j)[0]);
        let above = k
            .checked_sub(1)
            .map_or(reference[1], |j| set.row(distinct[j])[1]);
        [right, above]
    };
    // Points strictly inside each rectangle, row-major.
    let mut inside: Vec<Vec<f64>> = vec![Vec::new(); distinct.len()];
    for q in (0..set.len()).map(|i| set.row(i)) {
        // The front point with the largest first objective <= q's.
        let k = distinct.partition_point(|&j| set.row(j)[0] <= q[0]);
        let Some(k) = k.checked_sub(1) else { continue };
        let p = set.row(distinct[k]);
        let [right, above] = corner(k);
        if q[0] < right && q[1] < above && lex_cmp(p, q).is_ne() {
            inside[k].extend_from_slice(q);
        }
    }
    distinct
        .iter()
        .enumerate()
        .filter(|(_, i)| repeated.binary_search(i).is_err())
        .map(|(k, &i)| {
            let p = set.row(i);
            let c = corner(k);
            let covered = volume(&inside[k], &c);
            (i, (box_volume(p, &c) - covered).max(0.0))
        })
        .collect()
}

/// Any dimension: `vol(p) − HV(Pareto front of {max(p, q) : q ≠ p})`.
fn exclusive(set: &Objectives, i: usize, reference: &[f64]) -> f64 {
    let p = set.row(i);
    let m = reference.len();
    let mut limited = Vec::with_capacity(set.len() * m);
    for j in (0..set.len()).filter(|&j| j != i) {
        limited.extend(p.iter().zip(set.row(j)).map(|(a, b)| a.max(*b)));
    }
    let limited = Objectives::from_flat(m, limited);
    let front: Vec<f64> = first_front(&limited)
        .into_iter()
        .flat_map(|j| limited.row(j).iter().copied())
        .collect();
    (box_volume(p, reference) - volume(&front, reference)).max(0.0)
}
