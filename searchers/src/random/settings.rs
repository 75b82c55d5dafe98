use serde::Deserialize;

/// How random points are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    /// Independent uniform draws on the unit interval of each parameter.
    #[default]
    Uniform,
    /// A scrambled Sobol sequence indexed by trial number: covers the space
    /// more evenly than independent draws, with the same reproducibility.
    Sobol,
}

/// Settings of the `random` searcher.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomSettings {
    /// Uniform or Sobol.
    #[serde(default)]
    pub sampler: Sampler,
}
