//! The `nsga2` searcher's settings: plain serde fields, validated once.

use crate::settings::invalid;
use hyperspace_engine::{Bound, Number, SearchError};
use serde::Deserialize;

/// Settings of the `nsga2` searcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Nsga2Settings {
    /// Parents are drawn from the best this many finished trials; until
    /// this many have finished, proposals are uniform at random.
    pub population_size: usize,
    /// Chance that a child is a crossover of two parents (else a copy of
    /// one, then mutated).
    pub crossover_prob: f64,
    /// Distribution index of simulated binary crossover: larger keeps
    /// children nearer their parents.
    pub crossover_eta: f64,
    /// Distribution index of polynomial mutation: larger mutates less far.
    pub mutation_eta: f64,
    /// Chance that each parameter is mutated; `None`: 1 / (number of
    /// parameters).
    pub mutation_prob: Option<f64>,
}

impl Default for Nsga2Settings {
    fn default() -> Self {
        Self {
            population_size: 50,
            crossover_prob: 0.9,
            crossover_eta: 20.0,
            mutation_eta: 20.0,
            mutation_prob: None,
        }
    }
}

/// [`Nsga2Settings`] that passed [`Nsga2Settings::validate`].
#[derive(Debug, Clone)]
pub struct ValidNsga2Settings(pub(super) Nsga2Settings);

impl ValidNsga2Settings {
    /// The settings as validated.
    pub fn get(&self) -> &Nsga2Settings {
        &self.0
    }
}

impl Nsga2Settings {
    /// Checks every setting; the error names the one at fault.
    pub fn validate(self) -> Result<ValidNsga2Settings, SearchError> {
        let invalid = invalid("nsga2");
        // Two parents at least.
        Bound::AtLeast(Number::Int(2))
            .check("population_size", self.population_size)
            .map_err(&invalid)?;
        let probability = Bound::Between(Number::Float(0.0), Number::Float(1.0));
        probability
            .check("crossover_prob", self.crossover_prob)
            .map_err(&invalid)?;
        if let Some(p) = self.mutation_prob {
            probability.check("mutation_prob", p).map_err(&invalid)?;
        }
        for (name, eta) in [
            ("crossover_eta", self.crossover_eta),
            ("mutation_eta", self.mutation_eta),
        ] {
            Bound::AtLeast(Number::Float(0.0))
                .check(name, eta)
                .map_err(&invalid)?;
        }
        Ok(ValidNsga2Settings(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_setting_is_named() {
        let bad = [
            (
                Nsga2Settings {
                    population_size: 1,
                    ..Default::default()
                },
                "population_size",
            ),
            (
                Nsga2Settings {
                    crossover_prob: 1.5,
                    ..Default::default()
                },
                "crossover_prob",
            ),
            (
                Nsga2Settings {
                    mutation_prob: Some(-0.1),
                    ..Default::default()
                },
                "mutation_prob",
            ),
            (
                Nsga2Settings {
                    crossover_eta: f64::NAN,
                    ..Default::default()
                },
                "crossover_eta",
            ),
            (
                Nsga2Settings {
                    mutation_eta: -1.0,
                    ..Default::default()
                },
                "mutation_eta",
            ),
        ];
        for (settings, name) in bad {
            let err = settings.validate().unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
        assert!(Nsga2Settings::default().validate().is_ok());
    }
}
