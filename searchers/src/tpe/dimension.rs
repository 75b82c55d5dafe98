//! How a parameter maps onto a Parzen estimator's dimension; the trials'
//! coordinates come from the shared encoding (`crate::encode`).

use hyperspace_engine::Param;
use hyperspace_surrogate::parzen::Dimension;

/// The estimator's kind of dimension for a parameter.
///
/// Linear ints and stepped floats are discrete however many values they
/// have: the estimator models more than [`Dimension::MAX_DISCRETE_LEVELS`]
/// levels as a continuous coordinate and snaps its samples to bin centres,
/// which `crate::encode::value` maps to the nearest valid value, so the
/// cost of a proposal does not depend on the width of the range.
pub(crate) fn dimension(param: &Param) -> Dimension {
    match param {
        Param::Categorical(c) => Dimension::Categorical {
            choices: c.choices().len(),
        },
        other => match other.levels() {
            Some(levels) => Dimension::Discrete { levels },
            // Continuous floats, and log ints (rounded on the way back).
            None => Dimension::Continuous,
        },
    }
}
