//! What is wrong with a plug-in's settings (a searcher's or a pruner's), as
//! data: which setting, and which rule it breaks. The CLI and Python word
//! the message from it (`Display`) and Python exposes `setting` as an
//! attribute, so a caller can tell which field to fix without reading text.

use crate::Number;

/// A rule a plug-in's settings break.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The settings are not a JSON object of `setting: value`.
    #[error("the settings must be a JSON object of setting: value, got {found}")]
    NotAnObject {
        /// The JSON kind given (`an array`, `a string`, ...).
        found: String,
    },
    /// A key that is none of the plug-in's settings.
    #[error("unknown setting `{setting}`; the settings are: {}", known.join(", "))]
    Unknown {
        /// The key given.
        setting: String,
        /// The plug-in's settings.
        known: Vec<String>,
    },
    /// A value that cannot be read as its setting's type (or mode).
    #[error("{setting}: {reason}")]
    WrongType {
        /// The setting.
        setting: String,
        /// What was expected (the JSON reader's words).
        reason: String,
    },
    /// A number outside the range its setting accepts.
    #[error("{setting} must be {bound}, got {value}")]
    OutOfRange {
        /// The setting.
        setting: String,
        /// What it must be.
        bound: Bound,
        /// What was given.
        value: Number,
    },
    /// Two settings in the wrong order (a budget's maximum not above its
    /// minimum, ...).
    #[error("{upper} ({upper_value}) must be above {lower} ({lower_value})")]
    NotAbove {
        /// The setting that must be larger.
        upper: String,
        /// Its value.
        upper_value: Number,
        /// The setting that must be smaller.
        lower: String,
        /// Its value.
        lower_value: Number,
    },
    /// A rule of a model's own settings (the surrogate library's), in its
    /// words.
    #[error("{setting} {rule}")]
    Rule {
        /// The setting.
        setting: String,
        /// The rule it breaks (`must be at least 1`, ...).
        rule: String,
    },
    /// Settings refused for a reason no single setting carries: a plug-in
    /// written outside Rust (a Python searcher) refused them in its own
    /// words, or the JSON reader could not name the setting at fault.
    #[error("{reason}")]
    Refused {
        /// Why.
        reason: String,
    },
}

impl SettingsError {
    /// `setting` must be `bound`, and `value` is not.
    pub fn out_of_range(setting: &str, bound: Bound, value: impl Into<Number>) -> Self {
        SettingsError::OutOfRange {
            setting: setting.to_string(),
            bound,
            value: value.into(),
        }
    }

    /// The setting at fault, when one is (`None` for settings that are not
    /// an object, or a plug-in's own refusal).
    pub fn setting(&self) -> Option<&str> {
        match self {
            SettingsError::Unknown { setting, .. }
            | SettingsError::WrongType { setting, .. }
            | SettingsError::OutOfRange { setting, .. }
            | SettingsError::Rule { setting, .. } => Some(setting),
            SettingsError::NotAbove { upper, .. } => Some(upper),
            SettingsError::NotAnObject { .. } | SettingsError::Refused { .. } => None,
        }
    }
}

/// The values a numeric setting accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Bound {
    /// A finite number at least this.
    AtLeast(Number),
    /// A finite number above this.
    Above(Number),
    /// A finite number above `.0` and at most `.1` (a fraction such as
    /// TPE's `gamma`, in (0, 1]).
    AboveAtMost(Number, Number),
    /// A finite number from `.0` to `.1`, both included (a probability).
    Between(Number, Number),
    /// A finite number from `.0` included to `.1` excluded.
    AtLeastBelow(Number, Number),
}

impl Bound {
    /// Whether `x` is within the bound (NaN and infinities never are).
    pub fn holds(&self, x: f64) -> bool {
        let f = |n: &Number| n.as_f64();
        x.is_finite()
            && match self {
                Bound::AtLeast(low) => x >= f(low),
                Bound::Above(low) => x > f(low),
                Bound::AboveAtMost(low, high) => x > f(low) && x <= f(high),
                Bound::Between(low, high) => x >= f(low) && x <= f(high),
                Bound::AtLeastBelow(low, high) => x >= f(low) && x < f(high),
            }
    }

    /// Checks `value` of `setting` against the bound.
    pub fn check(self, setting: &str, value: impl Into<Number>) -> Result<(), SettingsError> {
        let value = value.into();
        if self.holds(value.as_f64()) {
            Ok(())
        } else {
            Err(SettingsError::out_of_range(setting, self, value))
        }
    }
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::AtLeast(low @ Number::Int(_)) => write!(f, "at least {low}"),
            Bound::AtLeast(low) => write!(f, "a finite number >= {low}"),
            Bound::Above(low) => write!(f, "a finite number > {low}"),
            Bound::AboveAtMost(low, high) => write!(f, "in ({low}, {high}]"),
            Bound::Between(low, high) => write!(f, "in [{low}, {high}]"),
            Bound::AtLeastBelow(low, high) => write!(f, "in [{low}, {high})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_and_word_themselves() {
        assert!(Bound::AtLeast(Number::Int(1)).holds(1.0));
        assert!(!Bound::AtLeast(Number::Int(1)).holds(0.0));
        assert!(!Bound::AtLeast(Number::Float(0.0)).holds(f64::INFINITY));
        assert!(!Bound::Above(Number::Float(0.0)).holds(0.0));
        let unit = Bound::AboveAtMost(Number::Float(0.0), Number::Float(1.0));
        assert!(unit.holds(1.0) && !unit.holds(0.0) && !unit.holds(f64::NAN));
        let err = Bound::AtLeast(Number::Int(1))
            .check("n_ei_candidates", 0usize)
            .unwrap_err();
        assert_eq!(err.to_string(), "n_ei_candidates must be at least 1, got 0");
        assert_eq!(err.setting(), Some("n_ei_candidates"));
        assert_eq!(
            unit.check("gamma", 1.5).unwrap_err().to_string(),
            "gamma must be in (0, 1], got 1.5"
        );
    }
}
