//! End-to-end tests of the `hyperspace` binary, on real SQLite files in
//! temporary folders.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abandoned;
mod artifacts;
mod ask_tell;
mod browser;
mod browser_views;
mod budgets;
mod constraints;
mod damaged;
mod dashboard;
mod dashboard_setup;
mod dashboard_views;
mod ensemble;
mod errors;
mod faults;
mod import;
mod importance;
mod interrupt;
mod lab;
mod lineage;
mod metrics;
mod multi_objective;
mod plot;
mod postgres;
mod proxy;
mod pruning;
mod query;
mod queue;
mod reproducible;
mod retarget;
mod run;
mod setup;
mod stdio;
