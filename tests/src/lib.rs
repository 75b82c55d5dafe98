//! End-to-end tests across the hyperspace crates live in `tests/`; the
//! `hs-test-worker` binary is a second process for the concurrency tests.
