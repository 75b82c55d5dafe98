//! The branch floor for the GP: a top-level choice that carries branches
//! keeps every option above its share of the trials (the rule TPE uses,
//! `crate::tpe::below_floor`), by fixing the choice for this proposal.
//!
//! Why: the GP compares branches by their trials' losses, so in model
//! selection the best family can look worst (a narrow optimum, its few
//! random trials far from it) and is never tried again, though within a
//! branch the GP finds such an optimum in a handful of trials. On
//! `model-selection` (define-by-run, 100 trials, 20 seeds) the floor takes
//! the seeds that find the svm valley from 9 to 20 (median regret 0.0200
//! to 2.65e-4); `conditional` stays at 3e-10 (`benches/README.md`,
//! "Define-by-run trees").

use crate::encode::coordinate;
use crate::tpe::below_floor;
use hyperspace_engine::{SearchContext, Space};
use hyperspace_surrogate::acquisition::{Dimension, Domain};

/// Fixes each top-level choice with branches whose least tried option is
/// below its floor to that option (its dimension's one level); returns
/// the fixed `(dimension, coordinate)` pairs.
pub(super) fn apply(
    ctx: &SearchContext<'_>,
    space: &Space,
    dims: &mut [Dimension],
) -> Vec<(usize, f64)> {
    let mut fixed = Vec::new();
    for (i, entry) in space.entries().iter().enumerate() {
        if entry.condition.is_some() {
            continue;
        }
        let Some(option) = below_floor(ctx, &entry.name, &entry.param) else {
            continue;
        };
        if let (Some(k), Some(dim)) = (coordinate(&entry.param, &option), dims.get_mut(i)) {
            dim.domain = Domain::Discrete(vec![k]);
            fixed.push((i, k));
        }
    }
    fixed
}

/// Whether an encoded trial takes every fixed option (a valid warm start).
pub(super) fn fits(row: ndarray::ArrayView1<'_, f64>, fixed: &[(usize, f64)]) -> bool {
    fixed.iter().all(|&(i, k)| row.get(i) == Some(&k))
}
