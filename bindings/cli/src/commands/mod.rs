//! One module per group of subcommands; each turns its raw arguments into a
//! checked config, then acts.

pub mod artifacts;
pub mod ask;
pub mod check;
pub mod export_artifacts;
pub mod import;
pub mod importance;
pub mod lineage;
pub mod plot;
pub mod queue;
pub mod recover;
pub mod study;
pub mod trials;
