//! Pareto math for several objectives, all minimized (callers negate
//! the ones they maximize): non-dominated sorting, crowding distance,
//! exact hypervolume, each point's exclusive contribution to it, and
//! greedy hypervolume subset selection.
//!
//! Points are plain rows (`&[Vec<f64>]`, `&[[f64; M]]`, …: any slice of
//! `AsRef<[f64]>`), one value per objective. Every function checks the rows
//! once (equal lengths, no NaN; see [`SurrogateError`](crate::SurrogateError))
//! and documents how it treats duplicates and infinities.
//!
//! ```
//! use hyperspace_surrogate::pareto::{hypervolume, pareto_front_indices};
//! let points = vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 3.0]];
//! assert_eq!(pareto_front_indices(&points).unwrap(), vec![0, 1]);
//! assert_eq!(hypervolume(&points, &[4.0, 4.0]).unwrap(), 3.0 + 2.0);
//! ```

mod contributions;
mod crowding;
mod hypervolume;
mod points;
mod sort;
mod staircase;
mod subset;
#[cfg(test)]
mod tests;
mod wfg;

pub use contributions::hypervolume_contributions;
pub use crowding::crowding_distance;
pub use hypervolume::hypervolume;
pub use points::dominates;
pub use sort::{non_dominated_fronts, pareto_front_indices};
pub use subset::hypervolume_subset;
