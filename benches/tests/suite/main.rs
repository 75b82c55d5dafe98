//! The suite's tests: one integration-test crate, one module per concern.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ensemble;
mod problems;
mod quick;
mod reference;
mod runner;
mod stats;
