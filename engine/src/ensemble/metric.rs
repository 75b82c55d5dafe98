//! The metrics an ensemble is selected by, scored on a matrix of
//! predictions (one row per validation example) against one target column.
//!
//! Shapes are checked once ([`Metric::check`]); scoring then trusts them,
//! so the greedy loop that scores thousands of candidate ensembles does no
//! validation of its own.

use crate::error::EnsembleError;
use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[EPS, 1 - EPS]` for the log loss, as
/// scikit-learn does, so one confident mistake costs a lot but not infinity.
const EPS: f64 = 1e-15;

/// What an ensemble is selected to do well on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Root mean squared error of one regression column (lower is better).
    Rmse,
    /// Mean negative log-likelihood of the target class (lower is better):
    /// one column = probability of class 1 (targets 0/1), or one column per
    /// class (targets 0..k-1).
    Logloss,
    /// Share of rows whose predicted class is the target (higher is
    /// better): labels in one column, the probability of class 1 in one
    /// column, or one probability column per class (the largest wins).
    Accuracy,
    /// Area under the ROC curve of a binary problem (higher is better):
    /// targets 0/1, the score of class 1 in one column (or the second of
    /// two). Several classes are refused: there is no one AUC of them
    /// (one-vs-rest averages differ), so use logloss or accuracy there.
    Auc,
}

impl Metric {
    /// Parses `rmse`, `logloss`, `accuracy` or `auc`.
    pub fn parse(text: &str) -> Result<Metric, EnsembleError> {
        match text {
            "rmse" => Ok(Metric::Rmse),
            "logloss" => Ok(Metric::Logloss),
            "accuracy" => Ok(Metric::Accuracy),
            "auc" => Ok(Metric::Auc),
            other => Err(EnsembleError::UnknownMetric {
                given: other.to_string(),
            }),
        }
    }

    /// Its name, as parsed.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Rmse => "rmse",
            Metric::Logloss => "logloss",
            Metric::Accuracy => "accuracy",
            Metric::Auc => "auc",
        }
    }

    /// Whether larger scores are better.
    pub fn maximize(self) -> bool {
        matches!(self, Metric::Accuracy | Metric::Auc)
    }

    /// Whether score `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        if self.maximize() {
            a > b
        } else {
            a < b
        }
    }

    fn fail(self, reason: String) -> EnsembleError {
        EnsembleError::Metric {
            metric: self.as_str().to_string(),
            reason,
        }
    }

    /// Checks that `targets` and predictions with `columns` columns (from
    /// `file`) suit this metric; `probabilities` says whether the values
    /// must lie in [0, 1].
    pub(crate) fn check(
        self,
        targets: &[f64],
        columns: usize,
        file: &str,
        values: ArrayView2<'_, f64>,
    ) -> Result<(), EnsembleError> {
        let class_of = |row: usize, y: f64, classes: usize| -> Result<(), EnsembleError> {
            if y.fract() != 0.0 || y < 0.0 || y >= classes as f64 {
                return Err(self.fail(format!(
                    "target row {} is {y}; with {file}'s {columns} column(s) targets must be class numbers 0..{}",
                    row + 1,
                    classes - 1
                )));
            }
            Ok(())
        };
        let classes = columns.max(2);
        let probabilities = match self {
            Metric::Rmse => {
                if columns != 1 {
                    return Err(self.fail(format!(
                        "{file} has {columns} columns; rmse needs one regression column"
                    )));
                }
                return Ok(());
            }
            Metric::Logloss => true,
            Metric::Accuracy => columns == 1 && !is_labels(values),
            Metric::Auc => {
                if columns > 2 {
                    return Err(self.fail(format!(
                        "{file} has {columns} columns; auc is defined here for two classes only (use logloss or accuracy for several)"
                    )));
                }
                false
            }
        };
        if self == Metric::Accuracy && columns == 1 && !probabilities {
            // labels: any class number is fine for targets and predictions
            for (row, &y) in targets.iter().enumerate() {
                class_of(row, y, usize::MAX)?;
            }
            return Ok(());
        }
        for (row, &y) in targets.iter().enumerate() {
            class_of(row, y, classes)?;
        }
        if self == Metric::Auc {
            let positives = targets.iter().filter(|&&y| y == 1.0).count();
            if positives == 0 || positives == targets.len() {
                return Err(self
                    .fail("the targets hold one class only; auc needs both 0 and 1".to_string()));
            }
        }
        if probabilities {
            if let Some(((row, column), v)) = values
                .indexed_iter()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
            {
                return Err(self.fail(format!(
                    "{file} row {}, column {} is {v}; probabilities must lie in [0, 1]",
                    row + 1,
                    column + 1
                )));
            }
        }
        Ok(())
    }

    /// The score of `predictions` (checked by [`Metric::check`]) against
    /// `targets`.
    pub fn score(self, predictions: ArrayView2<'_, f64>, targets: &[f64]) -> f64 {
        let n = targets.len().max(1) as f64;
        let columns = predictions.ncols();
        let rows = predictions.rows().into_iter().zip(targets);
        match self {
            Metric::Rmse => {
                let sum: f64 = rows.map(|(p, y)| (p[0] - y).powi(2)).sum();
                (sum / n).sqrt()
            }
            Metric::Logloss => {
                let sum: f64 = rows
                    .map(|(p, &y)| {
                        let q = if columns == 1 {
                            if y == 1.0 {
                                p[0]
                            } else {
                                1.0 - p[0]
                            }
                        } else {
                            p[y as usize]
                        };
                        -q.clamp(EPS, 1.0 - EPS).ln()
                    })
                    .sum();
                sum / n
            }
            Metric::Accuracy => {
                let hits = rows.filter(|(p, &y)| predicted_class(*p) == y).count();
                hits as f64 / n
            }
            Metric::Auc => {
                let column = columns - 1;
                auc(predictions.column(column).iter().copied(), targets)
            }
        }
    }
}

/// Whether one column of predictions holds class labels (whole numbers)
/// rather than probabilities of class 1.
pub(crate) fn is_labels(values: ArrayView2<'_, f64>) -> bool {
    values.ncols() == 1 && values.iter().all(|v| v.fract() == 0.0 && *v >= 0.0)
}

/// The class a row predicts: its value thresholded at 0.5 for one
/// column, the first largest column otherwise.
fn predicted_class(row: ArrayView1<'_, f64>) -> f64 {
    if row.len() == 1 {
        return if row[0] >= 0.5 { 1.0 } else { 0.0 };
    }
    super::combine::first_largest(row) as f64
}

/// AUC as the Mann-Whitney statistic: the chance a random positive scores
/// above a random negative, ties counting half (ranks averaged over ties).
fn auc(scores: impl Iterator<Item = f64>, targets: &[f64]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = scores.zip(targets).map(|(s, &y)| (s, y == 1.0)).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        // ranks i+1 ..= j+1 share their average
        let rank = (i + j + 2) as f64 / 2.0;
        rank_sum += rank * pairs[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let positives = pairs.iter().filter(|p| p.1).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn rmse_and_logloss_match_hand_computed_values() {
        let p = arr2(&[[1.0], [3.0]]);
        // errors 1 and -1 -> rmse 1
        assert!((Metric::Rmse.score(p.view(), &[0.0, 4.0]) - 1.0).abs() < 1e-12);
        let probs = arr2(&[[0.8, 0.2], [0.4, 0.6]]);
        let expected = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((Metric::Logloss.score(probs.view(), &[0.0, 1.0]) - expected).abs() < 1e-12);
        let binary = arr2(&[[0.2], [0.6]]);
        assert!((Metric::Logloss.score(binary.view(), &[0.0, 1.0]) - expected).abs() < 1e-12);
    }

    #[test]
    fn accuracy_of_probabilities_and_labels() {
        let probs = arr2(&[[0.8, 0.2], [0.4, 0.6], [0.9, 0.1]]);
        assert!((Metric::Accuracy.score(probs.view(), &[0.0, 1.0, 1.0]) - 2.0 / 3.0).abs() < 1e-12);
        let one = arr2(&[[0.7], [0.2]]);
        assert!((Metric::Accuracy.score(one.view(), &[1.0, 0.0]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn auc_agrees_with_pair_counting() {
        // scikit-learn's roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75
        let p = arr2(&[[0.1], [0.4], [0.35], [0.8]]);
        assert!((Metric::Auc.score(p.view(), &[0.0, 0.0, 1.0, 1.0]) - 0.75).abs() < 1e-12);
        // a tie between a positive and a negative counts half
        let tied = arr2(&[[0.5], [0.5]]);
        assert!((Metric::Auc.score(tied.view(), &[0.0, 1.0]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn check_refuses_what_does_not_fit() {
        let three = arr2(&[[0.2, 0.3, 0.5]]);
        let err = Metric::Auc
            .check(&[1.0], 3, "p.csv", three.view())
            .unwrap_err();
        assert!(err.to_string().contains("two classes only"), "{err}");
        let two = arr2(&[[0.2, 0.8], [0.5, 0.5]]);
        assert!(Metric::Rmse
            .check(&[1.0, 1.0], 2, "p.csv", two.view())
            .is_err());
        assert!(Metric::Logloss
            .check(&[2.0, 0.0], 2, "p.csv", two.view())
            .is_err());
        assert!(Metric::Logloss
            .check(&[0.5, 0.0], 2, "p.csv", two.view())
            .is_err());
        assert!(Metric::Auc
            .check(&[1.0, 1.0], 2, "p.csv", two.view())
            .is_err());
        let over = arr2(&[[1.5], [0.2]]);
        assert!(Metric::Logloss
            .check(&[1.0, 0.0], 1, "p.csv", over.view())
            .is_err());
        let labels = arr2(&[[3.0], [1.0]]);
        Metric::Accuracy
            .check(&[3.0, 2.0], 1, "p.csv", labels.view())
            .unwrap();
        assert!(Metric::parse("f1").is_err());
        for m in [Metric::Rmse, Metric::Logloss, Metric::Accuracy, Metric::Auc] {
            assert_eq!(Metric::parse(m.as_str()).unwrap(), m);
        }
    }
}
