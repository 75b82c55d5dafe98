//! How the space maps onto the GP: one column per parameter of the (flat)
//! space, as the shared encoding (`crate::encode`) writes trials — a unit
//! coordinate for numbers, a choice index for categoricals, the
//! parameter's inactive value where it is inactive — and, per column, the
//! domain the acquisition optimiser searches and the kernel's input kind.

use crate::encode::{inactive_value, value};
use hyperspace_engine::{Param, Params, Space, Value};
use hyperspace_surrogate::acquisition::{Dimension, Domain};
use hyperspace_surrogate::gp::InputKind;

/// Discrete parameters with more values than this are searched as
/// continuous coordinates (and snapped to their grid when proposed).
const MAX_LEVELS: u64 = 4096;

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
            let (domain, kind) = match &e.param {
                Param::Categorical(c) => (
                    Domain::Categorical(c.choices().len()),
                    InputKind::Categorical,
                ),
                other => (numeric_domain(other), InputKind::Numeric),
            };
            dims.push(Dimension {
                domain,
                condition: e.condition.map(|c| (c.parent, c.choice)),
                inactive_value: inactive_value(&e.param),
            });
            kinds.push(kind);
        }
        Self { dims, kinds }
    }

    /// The dimensions with each categorical column of `fixed` (column,
    /// choice index) held at that choice.
    pub(crate) fn fixing(&self, fixed: &[(usize, f64)]) -> Vec<Dimension> {
        let mut dims = self.dims.clone();
        for &(i, k) in fixed {
            if let Some(d) = dims.get_mut(i) {
                d.domain = Domain::Discrete(vec![k]);
            }
        }
        dims
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Absent, EncodedHistory, INACTIVE_NUMERIC};

    #[test]
    fn rows_and_decoding_round_trip_on_a_conditional_mixed_space() {
        let text = "x=float(-5,10) n=int(1,64,log) drop=float(0,0.5,step=0.1) \
                    model=choice(svm{C=log(1e-3,1e3)}, tree{depth=int(1,6)})";
        let space = Space::parse(text).unwrap();
        let layout = Layout::new(&space);
        assert!(matches!(layout.dims[1].domain, Domain::Discrete(ref l) if l.len() == 64));
        assert!(matches!(layout.dims[2].domain, Domain::Discrete(ref l) if l.len() == 6));
        assert_eq!(layout.kinds[3], InputKind::Categorical);
        assert_eq!(layout.dims[3].inactive_value, 2.0, "one past the choices");
        let mut p = Params::new();
        p.insert("x".into(), Value::Float(2.5));
        p.insert("n".into(), Value::Int(17));
        p.insert("drop".into(), Value::Float(0.3));
        p.insert("model".into(), Value::from("tree"));
        p.insert("depth".into(), Value::Int(4));
        let trial = crate::encode::tests::trial_with(text, p.clone());
        let mut history = EncodedHistory::new(Absent::InactiveValue);
        history.update(&space, std::slice::from_ref(&trial));
        let row = history.row(&trial).unwrap();
        assert_eq!(row[3], 1.0);
        assert_eq!(row[4], INACTIVE_NUMERIC, "C is inactive");
        let back = layout.decode(&space, row);
        assert_eq!(back, space.check_config(&p).unwrap());
    }
}
