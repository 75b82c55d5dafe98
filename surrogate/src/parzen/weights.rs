//! Default per-observation weights.

use ndarray::Array1;

/// How many of the newest observations always weigh 1.
const FLAT_NEWEST: usize = 25;

/// Optuna-like default observation weights, for observations ordered oldest
/// first: the newest 25 weigh 1, and the older ones ramp linearly from `1/n`
/// (the oldest) up towards 1.
///
/// Down-weighting old observations lets the model follow a search that has
/// moved on, while every observation still counts a little, so a density fit
/// on many trials does not forget the regions already ruled out.
pub fn default_weights(n: usize) -> Array1<f64> {
    if n <= FLAT_NEWEST {
        return Array1::ones(n);
    }
    let ramp = n - FLAT_NEWEST;
    let start = 1.0 / n as f64;
    let step = if ramp > 1 {
        (1.0 - start) / (ramp - 1) as f64
    } else {
        0.0
    };
    Array1::from_shape_fn(n, |i| {
        if i < ramp {
            start + step * i as f64
        } else {
            1.0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_histories_weigh_one() {
        assert_eq!(default_weights(0).len(), 0);
        assert!(default_weights(25).iter().all(|&w| w == 1.0));
    }

    /// Optuna: `np.linspace(1/n, 1, n - 25)` followed by 25 ones.
    #[test]
    fn long_histories_ramp_up_to_the_newest() {
        let w = default_weights(100);
        assert_eq!(w.len(), 100);
        assert!((w[0] - 0.01).abs() < 1e-15);
        assert!((w[74] - 1.0).abs() < 1e-15);
        assert!(w.iter().skip(75).all(|&x| x == 1.0));
        assert!(w.windows(2).into_iter().all(|p| p[0] <= p[1]));
        // linspace(1/100, 1, 75)[1] = 0.01 + 0.99/74.
        assert!((w[1] - (0.01 + 0.99 / 74.0)).abs() < 1e-15);
        let one_ramp = default_weights(26);
        assert!((one_ramp[0] - 1.0 / 26.0).abs() < 1e-15);
    }
}
