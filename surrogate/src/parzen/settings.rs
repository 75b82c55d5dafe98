//! How a Parzen estimator is built: bandwidth rule, prior, joint or
//! per-dimension modelling. Validated once into [`ValidParzenSettings`],
//! which is the only form [`super::ParzenEstimator::fit`] accepts.

use crate::SurrogateError;

/// How wide each observation's kernel is.
///
/// All widths are in unit-interval coordinates and never exceed 1, the width
/// of the whole interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Bandwidth {
    /// Each kernel is as wide as the larger gap to its neighbouring
    /// observations (the interval's ends count as neighbours, and the
    /// prior's centre too with [`ParzenSettings::prior_is_neighbour`]),
    /// clipped below at `1 / min(100, n + 2)` so that a cluster
    /// of observations cannot collapse into spikes. Adapts to local density;
    /// the rule of Hyperopt's TPE and of Optuna 5's in both modes.
    #[default]
    MagicClip,
    /// One width for every kernel, `0.2 · n^(-1/(d + 4))` (Scott's rule for a
    /// unit-range variable, with `d` the number of dimensions modelled
    /// jointly: all of them in multivariate mode, one otherwise). Smooth in
    /// `n` and cheap; the rule of older Optuna versions' multivariate TPE.
    Scott,
}

/// Unchecked settings of a [`super::ParzenEstimator`]; call
/// [`ParzenSettings::validate`] to use them.
///
/// The default is Optuna 5's univariate TPE: magic-clip bandwidths, a prior of
/// weight 1, dimensions modelled independently, endpoints not widening the
/// outermost kernels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParzenSettings {
    /// Rule for the kernels' widths.
    pub bandwidth: Bandwidth,
    /// Weight of the prior component (a wide kernel centred on the interval,
    /// uniform over categories), in the same units as the observation
    /// weights. It keeps the density positive everywhere, so a TPE ratio is
    /// always defined, and it dominates while there are few observations.
    /// Must be finite and non-negative; 0 drops the prior (unless there are
    /// no observations, when the prior is all there is).
    pub prior_weight: f64,
    /// Model dimensions jointly: each observation is one product kernel
    /// across all dimensions, so correlations between parameters are kept.
    /// Otherwise each dimension is its own mixture and the density is their
    /// product.
    pub multivariate: bool,
    /// With [`Bandwidth::MagicClip`]: let the interval's ends count as
    /// neighbours of the outermost kernels. Off (as in Optuna) the outermost
    /// kernels take the gap to their inner neighbour only, so a lone
    /// observation near an end does not get a kernel as wide as that empty
    /// stretch.
    pub consider_endpoints: bool,
    /// With [`Bandwidth::MagicClip`]: let the prior's centre (the middle of
    /// the interval) count as a neighbour of the observations, as Hyperopt
    /// does. Off (as in Optuna 5) a kernel's width depends on the other
    /// observations and the interval's ends only, so a few good
    /// observations on one side of the middle keep wide kernels.
    pub prior_is_neighbour: bool,
}

impl Default for ParzenSettings {
    fn default() -> Self {
        Self {
            bandwidth: Bandwidth::MagicClip,
            prior_weight: 1.0,
            multivariate: false,
            consider_endpoints: false,
            prior_is_neighbour: false,
        }
    }
}

impl ParzenSettings {
    /// Older Optuna versions' multivariate TPE: Scott bandwidth, dimensions modelled
    /// jointly, prior of weight 1.
    pub fn multivariate() -> Self {
        Self {
            bandwidth: Bandwidth::Scott,
            multivariate: true,
            ..Self::default()
        }
    }

    /// Check the settings once, so fitting never has to.
    pub fn validate(self) -> Result<ValidParzenSettings, SurrogateError> {
        if !self.prior_weight.is_finite() || self.prior_weight < 0.0 {
            return Err(SurrogateError::InvalidPriorWeight {
                value: self.prior_weight,
            });
        }
        Ok(ValidParzenSettings(self))
    }
}

/// Settings that passed [`ParzenSettings::validate`]; read them through
/// [`ValidParzenSettings::settings`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidParzenSettings(ParzenSettings);

impl ValidParzenSettings {
    /// The validated settings.
    pub fn settings(&self) -> &ParzenSettings {
        &self.0
    }
}

impl Default for ValidParzenSettings {
    /// The defaults are valid by construction.
    fn default() -> Self {
        Self(ParzenSettings::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_presets_validate() {
        assert!(ParzenSettings::default().validate().is_ok());
        let m = ParzenSettings::multivariate().validate().unwrap();
        assert!(m.settings().multivariate);
        assert_eq!(m.settings().bandwidth, Bandwidth::Scott);
        assert_eq!(
            ValidParzenSettings::default().settings(),
            &ParzenSettings::default()
        );
    }

    #[test]
    fn prior_weight_must_be_finite_and_non_negative() {
        for bad in [-0.5, f64::NAN, f64::INFINITY] {
            let s = ParzenSettings {
                prior_weight: bad,
                ..ParzenSettings::default()
            };
            let err = s.validate().unwrap_err();
            assert!(matches!(err, SurrogateError::InvalidPriorWeight { .. }));
            assert!(err.to_string().contains("prior_weight"));
        }
        let zero = ParzenSettings {
            prior_weight: 0.0,
            ..ParzenSettings::default()
        };
        assert!(zero.validate().is_ok());
    }
}
