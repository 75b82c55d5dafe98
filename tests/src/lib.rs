//! End-to-end tests across the hyperspace crates live in `tests/`; the
//! `hs-test-worker` binary is a second process for the concurrency tests,
//! and [`TestDatabase`] gives each PostgreSQL test a database of its own.

mod backends;
mod postgres_db;

pub use backends::{backends, Keep};
pub use postgres_db::TestDatabase;
