use thiserror::Error;

/// Everything that can go wrong in the numerical models.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SurrogateError {
    /// A quasi-random sequence was asked for more dimensions than it has.
    #[error("a Sobol sequence has at most {max} dimensions, {asked} were asked for; use random sampling for spaces this large")]
    TooManyDimensions {
        /// Dimensions requested.
        asked: usize,
        /// Dimensions supported.
        max: usize,
    },
}
