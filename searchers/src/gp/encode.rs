//! Between configurations and the GP's coordinates: each parameter of the
//! (flat) space is one column — a unit coordinate for numbers, a choice
//! index for categoricals, a fixed value where the parameter is inactive —
//! and a cache of each trial's row, so a proposal encodes only the trials
//! that changed since the last one.

use hyperspace_engine::{Param, Params, Space, Trial, TrialId, Value};
use hyperspace_surrogate::acquisition::{Dimension, Domain};
use hyperspace_surrogate::gp::InputKind;
use std::collections::HashMap;

/// Discrete parameters with more values than this are searched as
/// continuous coordinates (and snapped to their grid when proposed).
const MAX_LEVELS: u64 = 4096;

/// The coordinate an inactive numeric parameter holds.
const INACTIVE_NUMERIC: f64 = 0.5;

/// How the space maps onto the GP's inputs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) dims: Vec<Dimension>,
    pub(crate) kinds: Vec<InputKind>,
}

impl Layout {
    pub(crate) fn new(space: &Space) -> Self {
        let mut dims = Vec::with_capacity(space.len());
        let mut kinds = Vec::with_capacity(space.len());
        for e in space.entries() {
            let (domain, kind, inactive) = match &e.param {
                Param::Categorical(c) => {
                    let n = c.choices().len();
                    // Inactive: one more choice, unequal to every real one.
                    (Domain::Categorical(n), InputKind::Categorical, n as f64)
                }
                other => (numeric_domain(other), InputKind::Numeric, INACTIVE_NUMERIC),
            };
            dims.push(Dimension {
                domain,
                condition: e.condition.map(|c| (c.parent, c.choice)),
                inactive_value: inactive,
            });
            kinds.push(kind);
        }
        Self { dims, kinds }
    }

    /// A row for a configuration: absent (inactive) parameters and values
    /// that do not fit get the dimension's inactive value.
    pub(crate) fn row(&self, space: &Space, params: &Params) -> Vec<f64> {
        space
            .entries()
            .iter()
            .zip(&self.dims)
            .map(|(e, d)| {
                params
                    .get(&e.name)
                    .and_then(|v| coordinate(&e.param, v))
                    .unwrap_or(d.inactive_value)
            })
            .collect()
    }

    /// The configuration at `x`: the active parameters only.
    pub(crate) fn decode(&self, space: &Space, x: &[f64]) -> Params {
        let mut params = Params::with_capacity(space.len());
        for (i, e) in space.entries().iter().enumerate() {
            if space.is_active(i, &params) {
                params.insert(e.name.clone(), value(&e.param, x[i]));
            }
        }
        params
    }
}

/// The grid of a numeric parameter, if it has one small enough to list.
fn numeric_domain(param: &Param) -> Domain {
    match param {
        Param::Int(p) if p.log() => {
            let count = (p.high() - p.low()) / p.step() + 1;
            if count as u64 <= MAX_LEVELS {
                let mut levels: Vec<f64> = (0..count)
                    .filter_map(|k| param.to_unit(&Value::Int(p.low() + k * p.step())))
                    .collect();
                levels.sort_by(f64::total_cmp);
                levels.dedup();
                Domain::Discrete(levels)
            } else {
                Domain::Continuous
            }
        }
        other => match other.levels() {
            Some(n) if (n as u64) <= MAX_LEVELS && n > 0 => {
                Domain::Discrete((0..n).map(|k| (k as f64 + 0.5) / n as f64).collect())
            }
            _ => Domain::Continuous,
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
            let i = (x.round().max(0.0) as usize).min(c.choices().len() - 1);
            c.choices()[i].clone()
        }
        other => other.from_unit(x),
    }
}

/// Every trial's row over one space, kept per trial id with the change
/// counter it was read at.
#[derive(Debug, Clone, Default)]
pub(crate) struct EncodedHistory {
    space: Option<Space>,
    rows: HashMap<TrialId, (u64, Vec<f64>)>,
}

impl EncodedHistory {
    /// Brings the cache up to date with `trials`; a new space starts it afresh.
    pub(crate) fn update(&mut self, space: &Space, layout: &Layout, trials: &[Trial]) {
        if self.space.as_ref() != Some(space) {
            self.space = Some(space.clone());
            self.rows.clear();
        }
        for t in trials {
            if self
                .rows
                .get(&t.id)
                .is_some_and(|(change, _)| *change == t.change)
            {
                continue;
            }
            self.rows
                .insert(t.id, (t.change, layout.row(space, &t.params)));
        }
    }

    /// The row of a trial seen by the last update.
    pub(crate) fn row(&self, trial: &Trial) -> Option<&[f64]> {
        self.rows.get(&trial.id).map(|(_, row)| row.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_decoding_round_trip_on_a_conditional_mixed_space() {
        let space = Space::parse(
            "x=float(-5,10) n=int(1,64,log) drop=float(0,0.5,step=0.1) \
             model=choice(svm{C=log(1e-3,1e3)}, tree{depth=int(1,6)})",
        )
        .unwrap();
        let layout = Layout::new(&space);
        assert!(matches!(layout.dims[1].domain, Domain::Discrete(ref l) if l.len() == 64));
        assert!(matches!(layout.dims[2].domain, Domain::Discrete(ref l) if l.len() == 6));
        assert_eq!(layout.kinds[3], InputKind::Categorical);
        let mut p = Params::new();
        p.insert("x".into(), Value::Float(2.5));
        p.insert("n".into(), Value::Int(17));
        p.insert("drop".into(), Value::Float(0.3));
        p.insert("model".into(), Value::from("tree"));
        p.insert("depth".into(), Value::Int(4));
        let row = layout.row(&space, &p);
        assert_eq!(row[3], 1.0);
        assert_eq!(row[4], INACTIVE_NUMERIC, "C is inactive");
        let back = layout.decode(&space, &row);
        assert_eq!(back, space.check_config(&p).unwrap());
    }
}
