//! What can keep importances from being computed.

use hyperspace_surrogate::SurrogateError;
use thiserror::Error;

/// Why [`param_importances`](super::param_importances) could not answer.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ImportanceError {
    /// An evaluator setting is out of range.
    #[error("importance setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong and what would work.
        reason: String,
    },
    /// A parameter asked for is not in the study's space.
    #[error("the study has no parameter '{name}'; its parameters: {known}")]
    UnknownParam {
        /// The name asked for.
        name: String,
        /// The parameters the space has.
        known: String,
    },
    /// Too few complete trials with a finite value to tell anything.
    #[error("parameter importance needs at least {needed} complete trials with a finite value, the study has {found}; run more trials first")]
    NotEnoughTrials {
        /// Trials usable.
        found: usize,
        /// Trials needed.
        needed: usize,
    },
    /// The space has no parameter to rank.
    #[error("the study's space has no parameters to rank")]
    NoParams,
    /// The numerical model refused its input (a bug if it happens: the
    /// inputs are built to its contract).
    #[error("importance model: {0}")]
    Model(#[from] SurrogateError),
}
