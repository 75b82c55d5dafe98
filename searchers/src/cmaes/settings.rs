//! The `cmaes` searcher's settings: plain serde fields, validated once.

use crate::settings::invalid;
use hyperspace_engine::{Bound, Number, SearchError};
use hyperspace_surrogate::cmaes::Stopping;
use serde::Deserialize;

/// What happens when a run stalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Restart {
    /// Keep going (the step size may have collapsed: proposals repeat).
    None,
    /// IPOP: restart from a random mean with the population doubled
    /// (Auger and Hansen 2005).
    Ipop,
}

/// Settings of the `cmaes` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CmaesSettings {
    /// λ, the points per generation of the first run; `None`: Hansen's
    /// default 4 + ⌊3 ln n⌋ for n numeric parameters.
    pub population_size: Option<usize>,
    /// The initial step size, in units of each parameter's range (the unit
    /// cube); Optuna's default is a sixth of the range.
    pub sigma0: f64,
    /// What to do when a run stalls.
    pub restart: Restart,
    /// The population's growth factor at each IPOP restart.
    pub popsize_factor: usize,
    /// Keep at least this probability of changing each integer or stepped
    /// parameter (the margin of Hamano et al. 2022); `None`: 1/(n λ), the
    /// paper's default; `0` turns the margin off.
    pub margin: Option<f64>,
    /// The first this many trials of the study (by number) are not
    /// generations of the run: they were proposed by another searcher, and
    /// the run starts from the best of them (mean and spread of the best
    /// 10%). Set it to the number of trials the study had when it switched
    /// to `cmaes`.
    pub warm_start_trials: u64,
    /// Stall when every parameter's standard deviation (unit cube) is below
    /// this.
    pub tol_x: f64,
    /// Stall when the best losses of recent generations differ by less
    /// than this.
    pub tol_fun: f64,
}

impl Default for CmaesSettings {
    fn default() -> Self {
        let stop = Stopping::default();
        Self {
            population_size: None,
            sigma0: 1.0 / 6.0,
            restart: Restart::Ipop,
            popsize_factor: 2,
            margin: None,
            warm_start_trials: 0,
            tol_x: stop.tol_x,
            tol_fun: stop.tol_fun,
        }
    }
}

/// [`CmaesSettings`] that passed [`CmaesSettings::validate`].
#[derive(Debug, Clone)]
pub struct ValidCmaesSettings(pub(super) CmaesSettings);

impl ValidCmaesSettings {
    /// The settings as validated.
    pub fn get(&self) -> &CmaesSettings {
        &self.0
    }

    /// The first run's λ for `n` numeric parameters.
    pub(super) fn population(&self, n: usize) -> usize {
        self.0
            .population_size
            .unwrap_or(4 + (3.0 * (n.max(1) as f64).ln()).floor() as usize)
    }

    /// The stall thresholds.
    pub(super) fn stopping(&self) -> Stopping {
        Stopping {
            tol_x: self.0.tol_x,
            tol_fun: self.0.tol_fun,
            ..Stopping::default()
        }
    }
}

impl CmaesSettings {
    /// Checks every setting; the error names the one at fault.
    pub fn validate(self) -> Result<ValidCmaesSettings, SearchError> {
        let invalid = invalid("cmaes");
        let (int, float) = (Number::Int, Number::Float);
        if let Some(p) = self.population_size {
            Bound::Between(int(2), int(100_000))
                .check("population_size", p)
                .map_err(&invalid)?;
        }
        // A fraction of each parameter's range.
        Bound::AboveAtMost(float(0.0), float(1.0))
            .check("sigma0", self.sigma0)
            .map_err(&invalid)?;
        Bound::Between(int(2), int(16))
            .check("popsize_factor", self.popsize_factor)
            .map_err(&invalid)?;
        if let Some(m) = self.margin {
            Bound::AtLeastBelow(float(0.0), float(0.5))
                .check("margin", m)
                .map_err(&invalid)?;
        }
        for (name, tol) in [("tol_x", self.tol_x), ("tol_fun", self.tol_fun)] {
            Bound::AtLeast(float(0.0))
                .check(name, tol)
                .map_err(&invalid)?;
        }
        Ok(ValidCmaesSettings(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_setting_is_named() {
        let d = CmaesSettings::default;
        let bad = [
            (
                CmaesSettings {
                    population_size: Some(1),
                    ..d()
                },
                "population_size",
            ),
            (CmaesSettings { sigma0: 0.0, ..d() }, "sigma0"),
            (
                CmaesSettings {
                    sigma0: f64::NAN,
                    ..d()
                },
                "sigma0",
            ),
            (
                CmaesSettings {
                    popsize_factor: 1,
                    ..d()
                },
                "popsize_factor",
            ),
            (
                CmaesSettings {
                    margin: Some(0.5),
                    ..d()
                },
                "margin",
            ),
            (CmaesSettings { tol_x: -1.0, ..d() }, "tol_x"),
            (
                CmaesSettings {
                    tol_fun: f64::INFINITY,
                    ..d()
                },
                "tol_fun",
            ),
        ];
        for (settings, name) in bad {
            let err = settings.validate().unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
        let valid = d().validate().unwrap();
        assert_eq!(valid.population(10), 10);
        assert_eq!(valid.population(1), 4);
    }
}
