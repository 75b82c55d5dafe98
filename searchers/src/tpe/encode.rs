//! Between configurations and the coordinates Parzen estimators work on:
//! unit coordinates for numbers (log scales in log space), indices for
//! categories.

use hyperspace_engine::{Entry, Param, Value};
use hyperspace_surrogate::parzen::Dimension;

/// The estimator's kind of dimension for a parameter.
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

/// The coordinate of a value, or `None` if the value does not fit.
pub(crate) fn coordinate(param: &Param, value: &Value) -> Option<f64> {
    match param {
        Param::Categorical(c) => c.index_of(value).map(|i| i as f64),
        other => other.to_unit(value),
    }
}

/// The value at a coordinate.
pub(crate) fn value(param: &Param, x: f64) -> Value {
    match param {
        Param::Categorical(c) => {
            let i = (x.max(0.0) as usize).min(c.choices().len() - 1);
            c.choices()[i].clone()
        }
        other => other.from_unit(x),
    }
}

/// The coordinates of one trial's values for `entries`, if it has them all.
pub(crate) fn row(
    entries: &[&Entry],
    params: &hyperspace_engine::Params,
    out: &mut Vec<f64>,
) -> bool {
    let start = out.len();
    for e in entries {
        match params.get(&e.name).and_then(|v| coordinate(&e.param, v)) {
            Some(x) => out.push(x),
            None => {
                out.truncate(start);
                return false;
            }
        }
    }
    true
}
