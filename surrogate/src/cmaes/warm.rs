//! A starting distribution from earlier results (WS-CMA-ES, Nomura et al.,
//! AAAI 2021, in its simplest form): the mean and covariance of the best
//! fraction of known points, widened by a small prior so the first
//! generations can still leave their neighbourhood.

use super::{CmaState, Coordinate};
use crate::SurrogateError;
use linfa_linalg::eigh::Eigh;
use ndarray::Array2;

/// The fraction of the known points that shapes the start.
const TOP: f64 = 0.1;
/// The prior's standard deviation, added to every coordinate (unit cube).
const PRIOR_STD: f64 = 0.1;

impl CmaState {
    /// A distribution centred on the best `10%` (at least 2) of `known`
    /// points (losses: smaller is better), with their covariance plus
    /// `0.1²·I`; σ is the covariance's geometric mean standard deviation
    /// and C the rest. `None` if fewer than 2 points are known.
    pub fn warm_start(
        known: &[(Vec<f64>, f64)],
        kinds: Vec<Coordinate>,
        population: usize,
    ) -> Result<Option<Self>, SurrogateError> {
        let n = kinds.len();
        if known.len() < 2 {
            return Ok(None);
        }
        if let Some((x, _)) = known.iter().find(|(x, _)| x.len() != n) {
            return Err(SurrogateError::DimensionMismatch {
                columns: x.len(),
                dimensions: n,
            });
        }
        let mut order: Vec<usize> = (0..known.len()).collect();
        order.sort_by(|&i, &j| known[i].1.total_cmp(&known[j].1));
        let k = ((known.len() as f64 * TOP).ceil() as usize).max(2);
        let best = &order[..k];
        let mean: Vec<f64> = (0..n)
            .map(|j| best.iter().map(|&i| known[i].0[j]).sum::<f64>() / k as f64)
            .collect();
        let mut cov = Array2::eye(n) * PRIOR_STD * PRIOR_STD;
        for &i in best {
            for a in 0..n {
                for b in 0..n {
                    cov[[a, b]] += (known[i].0[a] - mean[a]) * (known[i].0[b] - mean[b]) / k as f64;
                }
            }
        }
        let (values, _) = cov.eigh().map_err(|e| SurrogateError::InvalidCma {
            reason: format!("eigendecomposition of the warm-start covariance failed: {e}"),
        })?;
        let log_det: f64 = values.iter().map(|v: &f64| v.max(1e-300).ln()).sum();
        let sigma = (log_det / (2.0 * n as f64)).exp();
        let c = cov / (sigma * sigma);
        Self::with_covariance(mean, sigma, c, kinds, population).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_best_points_with_their_spread() {
        // 20 points on a line; the best two are x = 0.7 and 0.72.
        let known: Vec<(Vec<f64>, f64)> = (0..20)
            .map(|i| {
                let x = i as f64 * 0.02 + 0.52;
                (vec![x, 0.5], (x - 0.71).abs())
            })
            .collect();
        let cma = CmaState::warm_start(&known, vec![Coordinate::Continuous; 2], 6)
            .unwrap()
            .unwrap();
        assert!((cma.mean()[0] - 0.71).abs() < 1e-9, "{:?}", cma.mean());
        // Spread: √(0.01² + 0.1²) in x, 0.1 in the other coordinate.
        let std = cma.coordinate_std();
        assert!((std[0] - (1e-4f64 + 0.01).sqrt()).abs() < 1e-9, "{std:?}");
        assert!((std[1] - 0.1).abs() < 1e-9, "{std:?}");
        assert!(
            CmaState::warm_start(&known[..1], vec![Coordinate::Continuous; 2], 6)
                .unwrap()
                .is_none()
        );
    }
}
