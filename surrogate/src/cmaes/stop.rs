//! When a CMA-ES run has stalled and should restart (IPOP): Hansen's
//! TolX, TolFun (with TolFunHist) and ConditionCov tests, on the unit cube.

use super::CmaState;

/// Thresholds of the stall tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// Every coordinate's standard deviation below this (unit-cube units).
    pub tol_x: f64,
    /// The spread of recent best losses and of this generation's losses
    /// below this.
    pub tol_fun: f64,
    /// The condition number of C above this.
    pub max_condition: f64,
}

impl Default for Stopping {
    fn default() -> Self {
        Self {
            tol_x: 1e-6,
            tol_fun: 1e-10,
            max_condition: 1e14,
        }
    }
}

/// The history the TolFun test needs: the best loss of recent generations.
#[derive(Debug, Clone, Default)]
pub struct StallTest {
    best: Vec<f64>,
}

impl StallTest {
    /// A fresh test (at a restart).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a told generation's losses and says whether the run, now in
    /// `state`, has stalled under `limits`.
    pub fn stalled(&mut self, state: &CmaState, losses: &[f64], limits: &Stopping) -> bool {
        let n = state.mean().len() as f64;
        let window = 10 + (30.0 * n / state.population() as f64).ceil() as usize;
        let best = losses.iter().cloned().fold(f64::INFINITY, f64::min);
        self.best.push(best);
        if self.best.len() > window {
            self.best.remove(0);
        }
        let spread = |v: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            });
            hi - lo
        };
        let flat = self.best.len() >= window
            && spread(&mut self.best.iter().cloned().chain(losses.iter().cloned()))
                < limits.tol_fun;
        let tiny = state.coordinate_std().iter().all(|s| *s < limits.tol_x);
        flat || tiny || state.condition() > limits.max_condition
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmaes::Coordinate;

    #[test]
    fn a_flat_objective_stalls_after_the_window_and_not_before() {
        let state = CmaState::new(vec![0.5; 2], 0.3, vec![Coordinate::Continuous; 2], 6).unwrap();
        let mut test = StallTest::new();
        let window = 10 + 10; // 10 + ⌈30·2/6⌉
        for g in 0..window {
            let stalled = test.stalled(&state, &[1.0, 1.0], &Stopping::default());
            assert_eq!(stalled, g + 1 >= window, "generation {g}");
        }
    }

    #[test]
    fn a_tiny_step_stalls() {
        let state = CmaState::new(vec![0.5; 2], 1e-9, vec![Coordinate::Continuous; 2], 6).unwrap();
        assert!(StallTest::new().stalled(&state, &[1.0, 2.0], &Stopping::default()));
        let state = CmaState::new(vec![0.5; 2], 0.3, vec![Coordinate::Continuous; 2], 6).unwrap();
        assert!(!StallTest::new().stalled(&state, &[1.0, 2.0], &Stopping::default()));
    }
}
