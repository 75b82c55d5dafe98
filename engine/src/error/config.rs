//! Why a configuration (a trial's parameter values) or a change of a
//! study's space is refused, as data.

use crate::ParamError;

/// A parameter value that does not fit the study's space.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A name the space does not have.
    #[error("not in the space (known: {})", known.join(", "))]
    NotInSpace {
        /// The space's parameters.
        known: Vec<String>,
    },
    /// A value for a parameter of a branch its parents did not choose.
    #[error("is not active under the choices made for its parents; leave it out")]
    Inactive,
    /// A parameter without a value or a default.
    #[error("is missing and has no default")]
    Missing,
    /// A define-by-run value recorded for a parameter never suggested.
    #[error("was not suggested in this study; suggest it first")]
    NotSuggested,
    /// A value outside the parameter's range, or of the wrong kind.
    #[error("{0}")]
    Value(#[from] ParamError),
}

/// A change of a study's space that older trials could not be read under
/// (refused unless forced).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceChangeError {
    /// The parameter would be dropped.
    #[error("would be removed; older trials have values for it; pass force to change it anyway")]
    Removed,
    /// The parameter would be narrowed or change kind.
    #[error("would narrow or change kind ({old} -> {new}); older trials may hold values outside it; pass force to change it anyway")]
    Narrowed {
        /// The old definition.
        old: String,
        /// The new definition.
        new: String,
    },
    /// The parameter would move under another parent choice.
    #[error("would move to another branch; pass force to change it anyway")]
    MovedBranch,
    /// A new parameter without a default, which older trials have no value
    /// for.
    #[error("is new and has no default, so older trials cannot be read as having a value for it; give it a default (or pass force)")]
    NewWithoutDefault,
}
