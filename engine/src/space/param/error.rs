//! What can be wrong with a parameter's definition, or with a value given
//! for it: one variant per rule, carrying the numbers involved, so that
//! callers (the CLI, Python) can tell the cases apart without reading the
//! message. The messages say what is wrong and how to fix it.

use crate::Value;

/// Why a parameter definition or a value for it was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// A float range with an infinite or NaN bound.
    #[error("low and high must be finite numbers, got {low} and {high}")]
    NonFiniteBounds {
        /// The lower bound given.
        low: f64,
        /// The upper bound given.
        high: f64,
    },
    /// `low > high` (`low == high` is a valid single-point range).
    #[error("low ({low}) must be at most high ({high})")]
    EmptyRange {
        /// The lower bound given.
        low: Number,
        /// The upper bound given.
        high: Number,
    },
    /// A float range whose width overflows: every draw would be a bound.
    #[error(
        "the range [{low}, {high}] is too wide: high - low overflows a 64-bit float; narrow it"
    )]
    RangeTooWide {
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// A log scale over a range that reaches zero or below.
    #[error("a log scale needs low {}, got low = {low}; use a linear scale or a positive low", if matches!(.low, Number::Int(_)) { ">= 1" } else { "> 0" })]
    LogNeedsPositiveLow {
        /// The lower bound given.
        low: Number,
    },
    /// A log-scaled float with a step.
    #[error("a log-scaled float cannot have a step; drop one of the two")]
    LogFloatWithStep,
    /// A log-scaled int with a step other than 1.
    #[error("a log-scaled int cannot have a step other than 1; drop one of the two")]
    LogIntWithStep,
    /// A step that is zero, negative or not finite.
    #[error("step must be a positive {}, got {step}", if matches!(.step, Number::Int(_)) { "integer" } else { "number" })]
    NonPositiveStep {
        /// The step given.
        step: Number,
    },
    /// A float step so small that the range has more levels than a float
    /// can count.
    #[error("step {step} is too small for the range [{low}, {high}]: it has more values than a float can count; use a larger step or no step")]
    StepTooSmall {
        /// The step given.
        step: f64,
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// A step that does not divide `high - low`.
    #[error("step {step} does not divide the range [{low}, {high}]; use high = {} or a step that divides {}", fitted_high(*.low, *.high, *.step), width(*.low, *.high))]
    StepDoesNotDivide {
        /// The step given.
        step: Number,
        /// The lower bound.
        low: Number,
        /// The upper bound given.
        high: Number,
    },
    /// A categorical parameter with no choice.
    #[error("a categorical parameter needs at least one choice")]
    NoChoices,
    /// More choices than the documented limit.
    #[error("{count} choices are more than the limit of {limit}")]
    TooManyChoices {
        /// How many were given.
        count: usize,
        /// The limit ([`crate::limits::MAX_CHOICES`]).
        limit: usize,
    },
    /// A float choice that is NaN or infinite.
    #[error("choice {choice} is not a finite number")]
    NonFiniteChoice {
        /// The choice.
        choice: f64,
    },
    /// The same choice twice.
    #[error("choice {choice} is listed twice")]
    DuplicateChoice {
        /// The repeated choice.
        choice: Value,
    },
    /// A default the parameter itself refuses.
    #[error("default {0}")]
    BadDefault(Box<ParamError>),
    /// A value for a float that is not a number.
    #[error("{value} is not a number")]
    NotANumber {
        /// The value given.
        value: Value,
    },
    /// A value for an int that is not an integer.
    #[error("{value} is not an integer")]
    NotAnInteger {
        /// The value given.
        value: Value,
    },
    /// A value outside the range.
    #[error("{value} is outside [{low}, {high}]")]
    OutOfRange {
        /// The value given.
        value: Number,
        /// The lower bound.
        low: Number,
        /// The upper bound.
        high: Number,
    },
    /// A value between two levels of the step grid.
    #[error("{value} is not on the grid {low} + k * {step}")]
    OffGrid {
        /// The value given.
        value: Number,
        /// The grid's origin.
        low: Number,
        /// The grid's step.
        step: Number,
    },
    /// A value that is none of the choices.
    #[error("{value} is not one of the choices [{}]", .choices.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    NotAChoice {
        /// The value given.
        value: Value,
        /// The choices.
        choices: Vec<Value>,
    },
    /// A space (or a branch's sub-space) that is not an object from
    /// parameter name to definition.
    #[error("a space must be an object from parameter name to definition, got {got}")]
    SpaceNotAnObject {
        /// What was given, shortened.
        got: String,
    },
    /// A choice or default that is an array or object, not a scalar.
    #[error("{what} {json} is not a JSON scalar")]
    NotAScalar {
        /// "choice" or "default".
        what: &'static str,
        /// The JSON given.
        json: String,
    },
    /// A branch for a value that is not one of the parameter's choices.
    #[error("has a branch for '{key}', which is not one of its choices [{}]", .choices.join(", "))]
    BranchForUnknownChoice {
        /// The branch's key.
        key: String,
        /// The choices, as text.
        choices: Vec<String>,
    },
    /// A name outside the allowed characters.
    #[error("a name needs letters, digits, '_', '-' or '.', starting with a letter or '_'")]
    BadName,
    /// A definition that does not read as a parameter (the reader's words).
    #[error("{0}")]
    Unreadable(String),
    /// A compact definition (`float(0, 1)`) that does not parse.
    #[error("cannot read `{text}`: {reason}")]
    CompactSyntax {
        /// The definition.
        text: String,
        /// The parser's words.
        reason: String,
    },
    /// `branches` that are not an object from a choice to a sub-space.
    #[error("`branches` must be an object from a choice to the sub-space it brings")]
    BranchesNotAnObject,
    /// `branches` on a parameter that is not categorical.
    #[error("only categorical parameters can have branches")]
    BranchesOnNonCategorical,
    /// A condition that names no earlier categorical choice.
    #[error("its condition names no earlier categorical choice")]
    ConditionWithoutChoice,
    /// A branch whose parent is missing or lacks the choice.
    #[error(
        "a branch for choice {choice} needs an earlier categorical '{parent}' with that choice"
    )]
    BranchWithoutParent {
        /// The choice the branch hangs on.
        choice: Value,
        /// The parent parameter named.
        parent: String,
    },
    /// Branches on a parameter suggested in a define-by-run trial.
    #[error("a define-by-run parameter cannot carry branches; suggest the sub-parameters after choosing")]
    BranchesInDefineByRun,
    /// A define-by-run parameter suggested with another distribution than
    /// the study already has for its name.
    #[error("was suggested as {suggested} but this study already has it as {existing}; use one definition per name")]
    Redefined {
        /// The new definition, described.
        suggested: String,
        /// The study's definition, described.
        existing: String,
    },
}

/// A bound, step or value of a numeric parameter: small and `Copy`, so that
/// an error carrying three of them stays small.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An int parameter's.
    Int(i64),
    /// A float parameter's.
    Float(f64),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::Int(i)
    }
}

impl From<f64> for Number {
    fn from(x: f64) -> Self {
        Number::Float(x)
    }
}

/// A count (a setting such as `n_startup_trials`); counts above `i64::MAX`
/// saturate, which no setting's bound is near.
impl From<usize> for Number {
    fn from(n: usize) -> Self {
        Number::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// See `From<usize>`.
impl From<u64> for Number {
    fn from(n: u64) -> Self {
        Number::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl Number {
    /// The number as a float (an int converted, rounding past 2^53).
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(x) => x,
        }
    }
}

/// The largest value of the step grid from `low` that is at most `high`:
/// the `high` that would be accepted.
pub(crate) fn fitted_high(low: Number, high: Number, step: Number) -> Number {
    match (low, high, step) {
        (Number::Int(low), Number::Int(high), Number::Int(step)) if step > 0 => {
            let step = step.unsigned_abs();
            // Between `low` and `high`, so it fits an `i64`.
            Number::Int(low.saturating_add_unsigned(high.abs_diff(low) / step * step))
        }
        _ => {
            let (low, high, step) = (low.as_f64(), high.as_f64(), step.as_f64());
            let fitted = low + ((high - low) / step).floor() * step;
            // To 15 significant digits, as a person would write it: `3 *
            // 0.3` is 0.8999999999999999, and the high to show is 0.9.
            let shown = format!("{fitted:.14e}").parse().unwrap_or(fitted);
            Number::Float(f64::min(shown, high))
        }
    }
}

/// `high - low`, which the step must divide (for ints as `u64`: the whole
/// `i64` range is wider than `i64::MAX`).
fn width(low: Number, high: Number) -> String {
    match (low, high) {
        (Number::Int(low), Number::Int(high)) => high.abs_diff(low).to_string(),
        _ => (high.as_f64() - low.as_f64()).to_string(),
    }
}
