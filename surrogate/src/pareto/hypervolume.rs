//! Exact hypervolume: the volume of objective space that a set of points
//! dominates, up to a reference point.
//!
//! One entry point, [`hypervolume`], picks the algorithm by dimension:
//!
//! - 1 objective: `r − min`.
//! - 2 objectives: sort by the first objective and sweep, O(N log N).
//! - 3 objectives: sweep along the third objective while a balanced tree
//!   keeps the 2-D front of the points seen so far and its area
//!   ([`Staircase`]), O(N log N) (the HV3D idea).
//! - 4 or more: WFG (While, Bradstreet & Barone 2012), see [`super::wfg`],
//!   which recurses down to the 3-D sweep.

use super::points::Objectives;
use super::staircase::Staircase;
use super::wfg;
use crate::SurrogateError;

/// The hypervolume of `points` (all objectives minimized) with respect to
/// `reference`: the Lebesgue measure of the union of the boxes
/// `[p, reference]`.
///
/// Points that do not strictly dominate the reference in every objective
/// (including those lying on it, and `+inf` values) add nothing and are
/// ignored; dominated points and duplicates are allowed and change nothing.
/// An empty set has volume 0.
///
/// Errors: points of different lengths, no objectives, a NaN value, a
/// reference of the wrong length or not finite, or a `-inf` value in a point
/// that counts (its volume would be infinite).
///
/// ```
/// use hyperspace_surrogate::pareto::hypervolume;
/// let points = [[1.0, 2.0], [2.0, 1.0], [2.5, 2.5]];
/// assert_eq!(hypervolume(&points, &[3.0, 3.0]).unwrap(), 3.0);
/// ```
pub fn hypervolume<P: AsRef<[f64]>>(
    points: &[P],
    reference: &[f64],
) -> Result<f64, SurrogateError> {
    let (inside, _) = inside_reference(points, reference)?;
    Ok(volume(inside.values(), reference))
}

/// Validates `points` and `reference` and keeps the points strictly inside
/// the reference box, returning them with their original indices.
pub(crate) fn inside_reference<P: AsRef<[f64]>>(
    points: &[P],
    reference: &[f64],
) -> Result<(Objectives, Vec<usize>), SurrogateError> {
    let set = Objectives::new(points)?;
    if reference.is_empty() {
        return Err(SurrogateError::NoObjectives);
    }
    if set.len() > 0 && set.dims() != reference.len() {
        return Err(SurrogateError::ReferenceDimensionMismatch {
            reference: reference.len(),
            objectives: set.dims(),
        });
    }
    if let Some((objective, &value)) = reference.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SurrogateError::NonFiniteReference { objective, value });
    }
    let m = reference.len();
    let mut values = Vec::new();
    let mut kept = Vec::new();
    for i in 0..set.len() {
        let p = set.row(i);
        if p.iter().zip(reference).all(|(v, r)| v < r) {
            if let Some(objective) = p.iter().position(|v| v.is_infinite()) {
                return Err(SurrogateError::UnboundedHypervolume {
                    point: i,
                    objective,
                });
            }
            values.extend_from_slice(p);
            kept.push(i);
        }
    }
    Ok((Objectives::from_flat(m, values), kept))
}

/// The volume dominated by `pts` (row-major, `reference.len()` columns,
/// every point finite and strictly inside the reference box).
pub(crate) fn volume(pts: &[f64], reference: &[f64]) -> f64 {
    match reference.len() {
        0 => 0.0,
        1 => pts.iter().map(|&v| reference[0] - v).fold(0.0, f64::max),
        2 => volume_2d(pts, reference),
        3 => volume_3d(pts, reference),
        _ => wfg::volume(pts, reference),
    }
}

/// The volume of one box `[p, reference]`.
pub(crate) fn box_volume(p: &[f64], reference: &[f64]) -> f64 {
    p.iter().zip(reference).map(|(v, r)| r - v).product()
}

/// Two objectives: visit points by increasing first objective; each one
/// below the lowest second objective so far adds a slab.
fn volume_2d(pts: &[f64], reference: &[f64]) -> f64 {
    let mut order: Vec<[f64; 2]> = pts.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    order.sort_unstable_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut lowest = reference[1];
    let mut area = 0.0;
    for [x, y] in order {
        if y < lowest {
            area += (reference[0] - x) * (lowest - y);
            lowest = y;
        }
    }
    area
}

/// Three objectives: sweep along the third; between consecutive values of
/// it the dominated cross-section is the area of the 2-D front so far.
fn volume_3d(pts: &[f64], reference: &[f64]) -> f64 {
    let mut order: Vec<[f64; 3]> = pts.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    order.sort_unstable_by(|a, b| a[2].total_cmp(&b[2]));
    let mut front = Staircase::new(reference[0], reference[1]);
    let mut total = 0.0;
    for (k, p) in order.iter().enumerate() {
        front.insert(p[0], p[1]);
        let next = order.get(k + 1).map_or(reference[2], |q| q[2]);
        total += front.area() * (next - p[2]);
    }
    total
}
