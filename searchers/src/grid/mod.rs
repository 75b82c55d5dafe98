//! Grid search: every combination, each given out exactly once.

mod algorithm;
mod settings;

pub use algorithm::GridSearcher;
pub use settings::{GridSettings, ValidGridSettings};
