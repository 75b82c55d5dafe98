//! Search spaces: parameters, conditional branches, the unit-interval map,
//! the JSON/TOML and compact forms, and how a study's space may grow.

mod compact;
mod evolution;
#[cfg(test)]
mod fuzz;
pub mod limits;
mod narrow;
mod param;
mod spec;
mod tree;

pub use evolution::SpaceChange;
pub use narrow::StepNarrowed;
pub use param::{CategoricalParam, FloatParam, IntParam, Number, Param, ParamError};
pub use tree::{Condition, Entry, Params, Space, SpaceBuilder};
