//! Between configurations and the coordinates Parzen estimators work on:
//! unit coordinates for numbers (log scales in log space), indices for
//! categories; and a cache of each trial's coordinates, so a proposal
//! encodes only the trials that changed since the last one.

use hyperspace_engine::{Param, Space, Trial, TrialId, Value};
use hyperspace_surrogate::parzen::Dimension;

/// The estimator's kind of dimension for a parameter.
///
/// Linear ints and stepped floats are discrete however many values they
/// have: the estimator models more than [`Dimension::MAX_DISCRETE_LEVELS`]
/// levels as a continuous coordinate and snaps its samples to bin centres,
/// which [`value`] maps to the nearest valid value, so the cost of a
/// proposal does not depend on the width of the range.
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

/// Every trial's coordinates over one space (NaN where a parameter is
/// absent), by trial number, with the change counter they were read at.
#[derive(Debug, Clone, Default)]
pub(crate) struct EncodedHistory {
    space: Option<Space>,
    rows: Vec<Option<(TrialId, u64, Vec<f64>)>>,
}

impl EncodedHistory {
    /// Brings the cache up to date with `trials` over `space`; a new space
    /// starts the cache afresh.
    pub(crate) fn update(&mut self, space: &Space, trials: &[Trial]) {
        if self.space.as_ref() != Some(space) {
            self.space = Some(space.clone());
            self.rows.clear();
        }
        for t in trials {
            let n = t.number as usize;
            if n >= self.rows.len() {
                self.rows.resize(n + 1, None);
            }
            if matches!(&self.rows[n], Some((id, change, _)) if *id == t.id && *change == t.change)
            {
                continue;
            }
            let row = space
                .entries()
                .iter()
                .map(|e| {
                    t.params
                        .get(&e.name)
                        .and_then(|v| coordinate(&e.param, v))
                        .unwrap_or(f64::NAN)
                })
                .collect();
            self.rows[n] = Some((t.id, t.change, row));
        }
    }

    /// The coordinates of a trial seen by the last update.
    pub(crate) fn row(&self, trial: &Trial) -> Option<&[f64]> {
        match self.rows.get(trial.number as usize) {
            Some(Some((id, _, row))) if *id == trial.id => Some(row.as_slice()),
            _ => None,
        }
    }
}
