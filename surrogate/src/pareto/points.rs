//! Validated objective vectors, stored flat, and Pareto dominance.

use crate::SurrogateError;
use std::cmp::Ordering;

/// `n` points of `m` objectives each, row-major in one buffer.
///
/// Built once from the caller's rows so that every routine after it can
/// trust the shape: all rows have `m` values, none is NaN, and `-0.0` is
/// stored as `0.0` (so that the total order used for sorting agrees with
/// `<` on every value it sees).
#[derive(Debug, Clone)]
pub(crate) struct Objectives {
    m: usize,
    values: Vec<f64>,
}

impl Objectives {
    /// Checks the rows: equal lengths, at least one objective, no NaN.
    /// An empty slice gives an empty set with 0 objectives.
    pub(crate) fn new<P: AsRef<[f64]>>(points: &[P]) -> Result<Self, SurrogateError> {
        let Some(first) = points.first() else {
            return Ok(Self {
                m: 0,
                values: Vec::new(),
            });
        };
        let m = first.as_ref().len();
        if m == 0 {
            return Err(SurrogateError::NoObjectives);
        }
        let mut values = Vec::with_capacity(points.len() * m);
        for (point, row) in points.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != m {
                return Err(SurrogateError::ObjectiveCountMismatch {
                    point,
                    expected: m,
                    got: row.len(),
                });
            }
            if let Some(objective) = row.iter().position(|v| v.is_nan()) {
                return Err(SurrogateError::NanObjective { point, objective });
            }
            // `+ 0.0` turns -0.0 into 0.0 and leaves every other value alone.
            values.extend(row.iter().map(|v| v + 0.0));
        }
        Ok(Self { m, values })
    }

    /// A set from a row-major buffer already known to be NaN-free.
    pub(crate) fn from_flat(m: usize, values: Vec<f64>) -> Self {
        Self { m, values }
    }

    /// The row-major buffer, given back for reuse.
    pub(crate) fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// The row-major buffer.
    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of objectives (0 for an empty set).
    pub(crate) fn dims(&self) -> usize {
        self.m
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.values.len().checked_div(self.m).unwrap_or(0)
    }

    /// Point `i`.
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.m..(i + 1) * self.m]
    }

    /// Indices of all points in lexicographic order of their objective
    /// vectors (ties by index). A point can only be dominated by points
    /// before it in this order, which is what the sorts rely on.
    pub(crate) fn lex_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| lex_cmp(self.row(a), self.row(b)));
        order
    }
}

/// Lexicographic comparison of two NaN-free vectors of equal length.
pub(crate) fn lex_cmp(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Whether `a` Pareto-dominates `b` when every objective is minimized: `a`
/// is nowhere worse and somewhere strictly better.
///
/// Equal vectors do not dominate each other, so duplicates share a front.
/// A NaN compares false both ways, so a vector with a NaN neither dominates
/// nor is dominated (the sorting functions reject NaN instead). Vectors of
/// different lengths never dominate each other.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut strictly = false;
    for (x, y) in a.iter().zip(b) {
        if x > y || x.is_nan() || y.is_nan() {
            return false;
        }
        strictly |= x < y;
    }
    strictly
}
