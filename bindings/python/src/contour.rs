//! The contour plot's surface for Python (`plot_contour`): the rule (each
//! grid node the inverse-distance mean of its nearest trials) is
//! `hyperspace_query::interpolate`'s, shared with the dashboard; this file
//! only crosses the boundary.

use hyperspace_query::interpolate::{grid, Sample};
use pyo3::prelude::*;

/// The values at the nodes `(xs[i], ys[j])` as rows by `j` (`None` where
/// there is nothing to interpolate from), given the trials as
/// `(x, y, value)` in the axes' unit coordinates.
#[pyfunction]
pub(crate) fn interpolate_grid(
    points: Vec<(f64, f64, f64)>,
    xs: Vec<f64>,
    ys: Vec<f64>,
) -> Vec<Vec<Option<f64>>> {
    let samples: Vec<Sample> = points
        .into_iter()
        .map(|(x, y, value)| Sample { x, y, value })
        .collect();
    grid(&samples, &xs, &ys)
}
