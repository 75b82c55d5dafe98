//! Deterministic k-fold cross-validation: rows shuffled once with a fixed
//! seed, then cut into `k` contiguous folds.

use linfa::Dataset;
use ndarray::{Array1, Array2, Axis, Ix1};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The number of folds every model problem uses.
pub(crate) const FOLDS: usize = 5;

/// The seed of the one shuffle of the rows.
const SHUFFLE_SEED: u64 = 20_240_601;

/// A dataset with one target per row.
pub(crate) type Data<T> = Dataset<f64, T, Ix1>;

/// Train / validation pairs, built once.
#[derive(Debug)]
pub(crate) struct Folds<T> {
    pub(crate) splits: Vec<(Data<T>, Data<T>)>,
}

impl<T: Clone> Folds<T> {
    /// Splits `records` / `targets` into `FOLDS` folds.
    pub(crate) fn new(records: &Array2<f64>, targets: &Array1<T>) -> Self {
        let n = records.nrows();
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(SHUFFLE_SEED));
        let splits = (0..FOLDS)
            .map(|f| {
                let (lo, hi) = (f * n / FOLDS, (f + 1) * n / FOLDS);
                let valid: Vec<usize> = order[lo..hi].to_vec();
                let train: Vec<usize> = order[..lo].iter().chain(&order[hi..]).copied().collect();
                let pick = |rows: &[usize]| {
                    Dataset::new(
                        records.select(Axis(0), rows),
                        rows.iter()
                            .map(|&i| targets[i].clone())
                            .collect::<Array1<T>>(),
                    )
                };
                (pick(&train), pick(&valid))
            })
            .collect();
        Self { splits }
    }
}

/// `1 - R^2` of predictions against targets, pooled over folds: the sum of
/// squared errors over the total sum of squares around the mean.
pub(crate) fn relative_squared_error(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let mean = pairs.iter().map(|(y, _)| y).sum::<f64>() / n;
    let sse: f64 = pairs.iter().map(|(y, p)| (y - p).powi(2)).sum();
    let sst: f64 = pairs.iter().map(|(y, _)| (y - mean).powi(2)).sum();
    sse / sst
}
