//! The suite's tests: one integration-test crate, one module per concern.

mod common;
mod problems;
mod quick;
mod reference;
mod runner;
mod stats;
