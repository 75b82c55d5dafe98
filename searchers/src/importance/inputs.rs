//! A study's complete trials as the models' inputs: one loss per usable
//! trial and, per parameter, its unit coordinate in each trial where it is
//! active (or `None`).

use super::algorithm::ImportanceInput;
use super::errors::ImportanceError;
use hyperspace_engine::{Param, TrialState};

/// One parameter's column.
#[derive(Debug)]
pub(super) struct Column {
    pub name: String,
    pub param: Param,
    /// Per usable trial, the unit coordinate (categoricals at the centre of
    /// their choice's bin, `(i + 0.5) / k`), or `None` where inactive.
    pub coords: Vec<Option<f64>>,
}

impl Column {
    /// Which usable trials have this parameter.
    pub fn active(&self) -> Vec<bool> {
        self.coords.iter().map(Option::is_some).collect()
    }
}

/// The losses (smaller is better) and the columns of the parameters asked.
#[derive(Debug)]
pub(super) struct Inputs {
    pub losses: Vec<f64>,
    pub columns: Vec<Column>,
}

/// The fewest complete trials importance is computed from.
pub(super) const MIN_TRIALS: usize = 2;

pub(super) fn collect(input: &ImportanceInput<'_>) -> Result<Inputs, ImportanceError> {
    let space = input.space;
    let positions: Vec<usize> = match &input.params {
        None => (0..space.len()).collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                space
                    .position(n)
                    .ok_or_else(|| ImportanceError::UnknownParam {
                        name: n.clone(),
                        known: space.names().join(", "),
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    if positions.is_empty() {
        return Err(ImportanceError::NoParams);
    }
    let usable: Vec<_> = input
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (t, v)))
        .collect();
    if usable.len() < MIN_TRIALS {
        return Err(ImportanceError::NotEnoughTrials {
            found: usable.len(),
            needed: MIN_TRIALS,
        });
    }
    let losses = usable
        .iter()
        .map(|(_, v)| input.direction.to_loss(*v))
        .collect();
    let columns = positions
        .into_iter()
        .map(|i| {
            let entry = &space.entries()[i];
            let coords = usable
                .iter()
                .map(|(t, _)| {
                    if !space.is_active(i, &t.params) {
                        return None;
                    }
                    // A parameter added to the space later counts older
                    // trials as having had its default.
                    let value = t
                        .params
                        .get(&entry.name)
                        .cloned()
                        .or_else(|| entry.param.default_value())?;
                    entry.param.to_unit(&value)
                })
                .collect();
            Column {
                name: entry.name.clone(),
                param: entry.param.clone(),
                coords,
            }
        })
        .collect();
    Ok(Inputs { losses, columns })
}
