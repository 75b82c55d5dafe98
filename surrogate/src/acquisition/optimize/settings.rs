//! How hard the acquisition optimiser tries: validated once, like every
//! other setting.

use crate::SurrogateError;

/// Settings of the acquisition optimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerSettings {
    /// Quasi-random candidates in the sweep.
    pub candidates: usize,
    /// Local searches (best candidate, roulette picks and warm starts).
    pub local_searches: usize,
    /// L-BFGS iterations per continuous phase.
    pub max_iterations: u64,
    /// L-BFGS stops when the gradient's norm falls below this.
    pub gradient_tolerance: f64,
    /// L-BFGS also stops when an iteration improves the acquisition by
    /// less than this share of `max(1, |a|)` at its start (as SciPy's
    /// `factr`, which Optuna's sampler uses; default 0: only an absolute
    /// 1e-12). 1e-9 saved 40-50 % of the two-objective GP's local-search
    /// evaluations but lowered ZDT3's hypervolume on 8 of 10 seeds
    /// (benches/README.md, "The multi-objective GP's ask"), so it is off
    /// by default; the `gp` searcher's joint model sets 1e-10, which kept
    /// it (session 13).
    pub cost_tolerance: f64,
    /// Past this many points in the model, `candidates` and
    /// `local_searches` shrink by `(full_effort_points / n)²` (to at least
    /// 256 and 2): each candidate costs `O(n²)`, so this keeps a
    /// suggestion's cost about flat on long histories.
    pub full_effort_points: usize,
}

impl OptimizerSettings {
    /// Candidates and local searches for a model of `n` points.
    pub fn effort(&self, n: usize) -> (usize, usize) {
        if n <= self.full_effort_points {
            return (self.candidates, self.local_searches);
        }
        let f = (self.full_effort_points as f64 / n as f64).powi(2);
        let scale = |v: usize, floor: usize| ((v as f64 * f).round() as usize).max(floor.min(v));
        (scale(self.candidates, 256), scale(self.local_searches, 2))
    }
}

impl Default for OptimizerSettings {
    fn default() -> Self {
        Self {
            candidates: 2048,
            local_searches: 10,
            max_iterations: 100,
            gradient_tolerance: 1e-4,
            cost_tolerance: 0.0,
            full_effort_points: 300,
        }
    }
}

/// Optimiser settings that passed validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidOptimizerSettings(OptimizerSettings);

impl ValidOptimizerSettings {
    /// The settings.
    pub fn get(&self) -> &OptimizerSettings {
        &self.0
    }
}

impl OptimizerSettings {
    /// Checks every rule, naming the setting that breaks one.
    pub fn validate(self) -> Result<ValidOptimizerSettings, SurrogateError> {
        let bad = |name: &'static str, reason: &str| {
            Err(SurrogateError::InvalidSetting {
                name,
                reason: reason.to_string(),
            })
        };
        if self.candidates == 0 {
            return bad("candidates", "must be at least 1");
        }
        if self.local_searches == 0 {
            return bad(
                "local_searches",
                "must be at least 1 (the best candidate is always refined)",
            );
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return bad("gradient_tolerance", "must be a finite number > 0");
        }
        if !(self.cost_tolerance.is_finite() && self.cost_tolerance >= 0.0) {
            return bad("cost_tolerance", "must be a finite number >= 0");
        }
        if self.full_effort_points == 0 {
            return bad("full_effort_points", "must be at least 1");
        }
        Ok(ValidOptimizerSettings(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cost_tolerance_that_is_negative_or_not_finite_is_rejected_by_name() {
        for bad in [-1e-9, f64::NAN, f64::INFINITY] {
            let err = OptimizerSettings {
                cost_tolerance: bad,
                ..OptimizerSettings::default()
            }
            .validate()
            .unwrap_err();
            assert!(err.to_string().contains("cost_tolerance"), "{err}");
        }
        let zero = OptimizerSettings {
            cost_tolerance: 0.0,
            ..OptimizerSettings::default()
        };
        assert!(zero.validate().is_ok());
    }
}
