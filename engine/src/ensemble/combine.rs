//! Combining members' outputs with weights: the weighted mean of their
//! rows (regression values, probabilities), or for class labels a
//! weighted vote. Selection and `ensemble predict` both combine this way,
//! so an ensemble applied later behaves as it was scored.

use crate::error::EnsembleError;
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// How members' outputs are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// The weighted mean of each cell.
    Mean,
    /// One label column per member; each row takes the label with the
    /// largest total weight (the smallest such label on a tie).
    Vote,
}

impl Combine {
    /// Its name (`mean`, `vote`).
    pub fn as_str(self) -> &'static str {
        match self {
            Combine::Mean => "mean",
            Combine::Vote => "vote",
        }
    }
}

/// A label column as one column per class (1 where the row has that
/// label), so that summing members' columns counts their votes.
pub(crate) fn one_hot(labels: ArrayView2<'_, f64>, classes: usize) -> Array2<f64> {
    let mut out = Array2::zeros((labels.nrows(), classes));
    for (row, label) in labels.column(0).iter().enumerate() {
        out[[row, *label as usize]] = 1.0;
    }
    out
}

/// The label each row of vote totals gives (the first largest column).
pub(crate) fn winners(votes: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut out = Array2::zeros((votes.nrows(), 1));
    for (row, totals) in votes.rows().into_iter().enumerate() {
        out[[row, 0]] = first_largest(totals) as f64;
    }
    out
}

/// The index of the first largest value of `row` (0 for an empty row):
/// the class a row of probabilities or vote totals stands for.
pub(crate) fn first_largest(row: ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    for (j, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = j;
        }
    }
    best
}

fn refuse(reason: String) -> EnsembleError {
    EnsembleError::Combine { reason }
}

/// Combines `outputs` (one per member, equal shapes) with `weights` (one
/// per member, non-negative, not all zero).
pub fn combine(
    outputs: &[Array2<f64>],
    weights: &[f64],
    how: Combine,
) -> Result<Array2<f64>, EnsembleError> {
    let first = outputs
        .first()
        .ok_or_else(|| refuse("no outputs were given".to_string()))?;
    if outputs.len() != weights.len() {
        return Err(refuse(format!(
            "{} outputs but {} weights",
            outputs.len(),
            weights.len()
        )));
    }
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(refuse(format!(
            "weight {} is {w}; weights must be finite and not negative",
            i + 1
        )));
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(refuse("the weights add up to 0".to_string()));
    }
    if let Some((i, o)) = outputs
        .iter()
        .enumerate()
        .find(|(_, o)| o.shape() != first.shape())
    {
        return Err(refuse(format!(
            "output {} has shape {:?}, output 1 has {:?}",
            i + 1,
            o.shape(),
            first.shape()
        )));
    }
    match how {
        Combine::Mean => {
            let mut sum = Array2::zeros(first.raw_dim());
            for (o, w) in outputs.iter().zip(weights) {
                sum.scaled_add(*w / total, o);
            }
            Ok(sum)
        }
        Combine::Vote => {
            if first.ncols() != 1 {
                return Err(refuse(format!(
                    "a vote needs one label column per member; outputs have {}",
                    first.ncols()
                )));
            }
            let mut classes = 0usize;
            for (i, o) in outputs.iter().enumerate() {
                for (row, v) in o.iter().enumerate() {
                    if v.fract() != 0.0 || *v < 0.0 || *v > 1e6 {
                        return Err(refuse(format!(
                            "output {} row {} is {v}; labels must be class numbers 0, 1, 2, ...",
                            i + 1,
                            row + 1
                        )));
                    }
                    classes = classes.max(*v as usize + 1);
                }
            }
            let mut votes = Array2::zeros((first.nrows(), classes));
            for (o, w) in outputs.iter().zip(weights) {
                votes.scaled_add(*w, &one_hot(o.view(), classes));
            }
            Ok(winners(votes.view()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn weighted_mean_and_vote() {
        let a = arr2(&[[1.0], [0.0]]);
        let b = arr2(&[[3.0], [2.0]]);
        let mean = combine(&[a.clone(), b.clone()], &[0.75, 0.25], Combine::Mean).unwrap();
        assert_eq!(mean, arr2(&[[1.5], [0.5]]));
        let c = arr2(&[[3.0], [2.0]]);
        // b and c (weight 0.3 each) outvote a (0.4) on both rows
        let vote = combine(&[a.clone(), b.clone(), c], &[0.4, 0.3, 0.3], Combine::Vote).unwrap();
        assert_eq!(vote, arr2(&[[3.0], [2.0]]));
        // a tie goes to the smaller label
        let tie = combine(&[a, b], &[0.5, 0.5], Combine::Vote).unwrap();
        assert_eq!(tie, arr2(&[[1.0], [0.0]]));
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let a = arr2(&[[1.0], [0.0]]);
        let wide = arr2(&[[1.0, 2.0], [0.0, 1.0]]);
        assert!(combine(&[], &[], Combine::Mean).is_err());
        assert!(combine(std::slice::from_ref(&a), &[0.5, 0.5], Combine::Mean).is_err());
        assert!(combine(&[a.clone(), wide.clone()], &[0.5, 0.5], Combine::Mean).is_err());
        assert!(combine(std::slice::from_ref(&a), &[-1.0], Combine::Mean).is_err());
        assert!(combine(std::slice::from_ref(&a), &[0.0], Combine::Mean).is_err());
        assert!(combine(&[wide], &[1.0], Combine::Vote).is_err());
        let fraction = arr2(&[[0.5], [1.0]]);
        assert!(combine(&[fraction], &[1.0], Combine::Vote).is_err());
    }
}
