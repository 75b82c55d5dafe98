//! Non-dominated sorting: which points form the Pareto front, and the
//! fronts after it.
//!
//! The algorithm is efficient non-dominated sorting with binary search
//! (ENS-BS, Zhang et al. 2015): points are visited in lexicographic order,
//! so every point that dominates the current one has already been placed,
//! and the fronts holding a dominator of it form a prefix of the front list
//! (a dominator in front `k` is itself dominated by someone in front
//! `k − 1`, who then dominates the current point too). The point's front is
//! therefore found by binary search over the fronts. With one or two
//! objectives only a front's last-placed member can dominate a later point,
//! so each probe is O(1) and the sort is O(N log N) (Jensen 2003); with
//! more, a probe scans the front: O(M N²) at worst, far less on typical
//! sets, in O(N) memory (Deb's sort needs O(N²) domination lists).

use super::points::{dominates, Objectives};
use crate::SurrogateError;

/// Splits points (all objectives minimized) into non-domination fronts.
///
/// Front 0 is the Pareto front; front `k + 1` is the Pareto front of what
/// is left without fronts `0..=k`. Each front lists point indices in
/// increasing order; every index appears in exactly one front.
///
/// - **Duplicates** do not dominate each other, so equal points share a
///   front.
/// - **Infinities** are ordinary values (`+inf` worst, `-inf` best).
/// - **NaN** is an error ([`SurrogateError::NanObjective`]): a NaN value
///   cannot be ordered, so callers must leave such points out.
///
/// ```
/// use hyperspace_surrogate::pareto::non_dominated_fronts;
/// let points = [[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [1.0, 4.0], [4.0, 1.0]];
/// let fronts = non_dominated_fronts(&points).unwrap();
/// assert_eq!(fronts, vec![vec![0, 1, 3, 4], vec![2]]);
/// ```
pub fn non_dominated_fronts<P: AsRef<[f64]>>(
    points: &[P],
) -> Result<Vec<Vec<usize>>, SurrogateError> {
    let set = Objectives::new(points)?;
    let mut fronts = sorted_fronts(&set);
    for front in &mut fronts {
        front.sort_unstable();
    }
    Ok(fronts)
}

/// Indices (increasing) of the points no other point dominates: front 0 of
/// [`non_dominated_fronts`], with the same rules for duplicates and NaN,
/// without computing the later fronts.
///
/// ```
/// use hyperspace_surrogate::pareto::pareto_front_indices;
/// let points = vec![vec![1.0, 2.0, 3.0], vec![2.0, 2.0, 3.0], vec![3.0, 1.0, 3.0]];
/// assert_eq!(pareto_front_indices(&points).unwrap(), vec![0, 2]);
/// ```
pub fn pareto_front_indices<P: AsRef<[f64]>>(points: &[P]) -> Result<Vec<usize>, SurrogateError> {
    let set = Objectives::new(points)?;
    let mut front = first_front(&set);
    front.sort_unstable();
    Ok(front)
}

/// The fronts of `set`, each in lexicographic order of its points.
pub(crate) fn sorted_fronts(set: &Objectives) -> Vec<Vec<usize>> {
    let last_only = set.dims() <= 2;
    let mut fronts: Vec<Vec<usize>> = Vec::new();
    for i in set.lex_order() {
        let p = set.row(i);
        let dominated_by = |front: &Vec<usize>| {
            if last_only {
                front.last().is_some_and(|&j| dominates(set.row(j), p))
            } else {
                front.iter().rev().any(|&j| dominates(set.row(j), p))
            }
        };
        let k = fronts.partition_point(dominated_by);
        match fronts.get_mut(k) {
            Some(front) => front.push(i),
            None => fronts.push(vec![i]),
        }
    }
    fronts
}

/// The Pareto front of `set` in lexicographic order (duplicates included,
/// adjacent): each point is checked against the front so far only.
pub(crate) fn first_front(set: &Objectives) -> Vec<usize> {
    let last_only = set.dims() <= 2;
    let mut front: Vec<usize> = Vec::new();
    for i in set.lex_order() {
        let p = set.row(i);
        let dominated = if last_only {
            front.last().is_some_and(|&j| dominates(set.row(j), p))
        } else {
            front.iter().rev().any(|&j| dominates(set.row(j), p))
        };
        if !dominated {
            front.push(i);
        }
    }
    front
}
