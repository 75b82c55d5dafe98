//! Greedy ensemble selection with replacement (Caruana, Niculescu-Mizil,
//! Crew and Ksikes, "Ensemble selection from libraries of models", ICML
//! 2004): start from nothing; in each round add the candidate (again, if
//! it is already in) whose addition scores best on the validation set;
//! finally keep the prefix of rounds that scored best.
//!
//! The first round picks the best single candidate, and keeping the best
//! prefix means later rounds can only improve on it: the ensemble's
//! validation score is never worse than the best single one's.

use super::metric::Metric;
use ndarray::Array2;

/// What greedy selection chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// How often each candidate was picked in the kept rounds.
    pub counts: Vec<usize>,
    /// The kept rounds (the sum of `counts`).
    pub rounds: usize,
    /// The ensemble's validation score.
    pub score: f64,
    /// The candidate that scores best alone (the first of equals).
    pub best_single: usize,
    /// Its validation score.
    pub best_single_score: f64,
}

/// Runs `size` rounds over `candidates` (predictions with equal shapes,
/// checked for `metric`, best-ranked first; not empty) against `targets`.
/// Ties go to the earlier candidate and to the shorter ensemble.
pub fn greedy(
    candidates: &[Array2<f64>],
    targets: &[f64],
    metric: Metric,
    size: usize,
) -> Selection {
    let shape = candidates.first().map_or((0, 0), |c| c.dim());
    let mut sum = Array2::<f64>::zeros(shape);
    let mut trial = Array2::<f64>::zeros(shape);
    let mut picks = Vec::with_capacity(size);
    let mut kept = (0, f64::NAN);
    let mut single = (0, f64::NAN);
    for round in 1..=size.max(1) {
        let mut best: Option<(usize, f64)> = None;
        for (i, candidate) in candidates.iter().enumerate() {
            trial.assign(&sum);
            trial += candidate;
            trial /= round as f64;
            let score = metric.score(trial.view(), targets);
            if best.is_none_or(|(_, b)| metric.better(score, b)) {
                best = Some((i, score));
            }
        }
        let Some((pick, score)) = best else { break };
        if round == 1 {
            single = (pick, score);
        }
        sum += &candidates[pick];
        picks.push(pick);
        if round == 1 || improves(metric, score, kept.1) {
            kept = (round, score);
        }
    }
    let mut counts = vec![0; candidates.len()];
    for &pick in &picks[..kept.0] {
        counts[pick] += 1;
    }
    Selection {
        counts,
        rounds: kept.0,
        score: kept.1,
        best_single: single.0,
        best_single_score: single.1,
    }
}

/// Whether `new` beats `old` by more than rounding: re-adding a member
/// already in changes the sum's last bits, which must not grow the
/// ensemble (nor make it look better than the best single trial).
fn improves(metric: Metric, new: f64, old: f64) -> bool {
    metric.better(new, old) && (new - old).abs() > 1e-12 * (1.0 + old.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn averaging_two_opposite_errors_beats_either() {
        let targets = [1.0, 2.0, 3.0];
        let high = arr2(&[[1.5], [2.5], [3.5]]);
        let low = arr2(&[[0.4], [1.4], [2.4]]);
        let far = arr2(&[[9.0], [9.0], [9.0]]);
        let s = greedy(&[far, high, low], &targets, Metric::Rmse, 10);
        assert_eq!(s.best_single, 1);
        assert!((s.best_single_score - 0.5).abs() < 1e-12);
        assert_eq!(s.counts[0], 0);
        assert!(s.counts[1] > 0 && s.counts[2] > 0);
        assert!(s.score < 0.1, "{}", s.score);
        assert_eq!(s.rounds, s.counts.iter().sum::<usize>());
    }

    #[test]
    fn never_worse_than_the_best_single() {
        // one candidate only: later rounds repeat it, the score stays
        let targets = [0.0, 1.0];
        let only = arr2(&[[0.3], [0.6]]);
        let s = greedy(&[only], &targets, Metric::Rmse, 5);
        assert_eq!(s.score, s.best_single_score);
        assert_eq!(s.rounds, 1);
        // a maximized metric: accuracy with probabilities
        let a = arr2(&[[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]);
        let b = arr2(&[[0.4, 0.6], [0.1, 0.9], [0.3, 0.7]]);
        let s = greedy(&[a, b], &[0.0, 1.0, 1.0], Metric::Accuracy, 7);
        assert!(s.score >= s.best_single_score);
    }
}
