//! `auto`: the searcher that picks a searcher, per study and per phase,
//! from the space and the history, and records which one proposed each
//! trial (`"auto:gp"`, ...). The rules, and the measurements behind them,
//! are in `rules.rs`.

mod algorithm;
mod rules;
mod settings;

pub use algorithm::AutoSearcher;
pub use rules::Delegate;
pub use settings::{AutoSettings, ValidAutoSettings};
