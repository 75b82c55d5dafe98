//! Steps that do not divide their range: the parsers narrow `high` to the
//! last value of the step grid and say so, as Optuna does, so a ported
//! script with `suggest_int("n", 0, 10, step=3)` runs (over 0, 3, 6, 9)
//! instead of stopping. The typed constructors ([`FloatParam::new`],
//! [`IntParam::new`]) stay strict: code that builds a parameter itself
//! gets the exact range it asked for or an error.
//!
//! [`FloatParam::new`]: super::FloatParam::new
//! [`IntParam::new`]: super::IntParam::new

use super::param::{fitted_high, Number};

/// A parameter whose `high` was narrowed to fit its step: the warning the
/// CLI prints and Python raises with `warnings.warn`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepNarrowed {
    /// The parameter's name (with its branch path, as errors show it).
    pub param: String,
    /// The lower bound.
    pub low: Number,
    /// The upper bound given.
    pub high: Number,
    /// The step given.
    pub step: Number,
    /// The upper bound used: the last value of the grid from `low`.
    pub fitted: Number,
}

impl StepNarrowed {
    /// The note for `param`, its `high` narrowed to fit `step`.
    pub(crate) fn new(param: &str, low: Number, high: Number, step: Number) -> Self {
        Self {
            param: param.to_string(),
            low,
            high,
            step,
            fitted: fitted_high(low, high, step),
        }
    }
}

impl std::fmt::Display for StepNarrowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "parameter '{}': step {} does not divide the range [{}, {}]; high is narrowed to {}",
            self.param, self.step, self.low, self.high, self.fitted
        )
    }
}

/// What parsing a space noticed and fixed. Notes describe how a space was
/// written, not what it is, so two spaces with other notes are still equal.
#[derive(Debug, Clone, Default)]
pub(crate) struct Notes(pub(crate) Vec<StepNarrowed>);

impl PartialEq for Notes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::{Param, Space, Value};

    /// Issue 16: as Optuna, a step that does not divide the range narrows
    /// `high` to the last value of the grid and says so, in every form a
    /// space is written, inside branches too.
    #[test]
    fn issue_16_a_step_that_does_not_divide_narrows_high_with_a_note() {
        let space =
            Space::parse("n=int(0,10,step=3) x=float(0,1,step=0.3) ok=int(0,9,step=3)").unwrap();
        match &space.get("n").unwrap().param {
            Param::Int(p) => assert_eq!((p.low(), p.high(), p.step()), (0, 9, 3)),
            other => panic!("{other:?}"),
        }
        match &space.get("x").unwrap().param {
            Param::Float(p) => assert!((p.high() - 0.9).abs() < 1e-12, "{}", p.high()),
            other => panic!("{other:?}"),
        }
        let notes: Vec<String> = space.notes().iter().map(ToString::to_string).collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(
            notes[0],
            "parameter 'n': step 3 does not divide the range [0, 10]; high is narrowed to 9"
        );
        assert!(notes[1].starts_with("parameter 'x': step 0.3"), "{notes:?}");
        assert!(notes[1].contains("narrowed to 0.9"), "{notes:?}");
        // Every grid value is on the step and inside the given range.
        let grid = space.get("n").unwrap().param.grid_values(10);
        assert_eq!(grid, [0, 3, 6, 9].map(Value::Int));

        let nested = Space::from_json(&serde_json::json!({
            "m": {"type": "categorical", "choices": ["a"], "branches": {"a": {"k": "int(-5, 5, step=4)"}}}
        }))
        .unwrap();
        assert_eq!(nested.notes().len(), 1);
        assert!(
            nested.notes()[0].to_string().contains("narrowed to 3"),
            "{}",
            nested.notes()[0]
        );
        // Notes say how a space was written, not what it is.
        assert_eq!(
            space,
            Space::parse("n=int(0,9,step=3) x=float(0,0.9,step=0.3) ok=int(0,9,step=3)").unwrap()
        );
        assert!(Space::parse("n=int(0,9,step=3)")
            .unwrap()
            .notes()
            .is_empty());
    }
}
