//! Random search: the baseline every other searcher must beat.

mod algorithm;
mod settings;

pub use algorithm::RandomSearcher;
pub use settings::{RandomSettings, Sampler};
