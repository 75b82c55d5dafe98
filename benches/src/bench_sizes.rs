//! The history sizes a criterion bench measures.
//!
//! `cargo test --all-targets` (CI) runs every bench once, in a debug build,
//! to check it still works; building a 10,000-trial history there takes
//! minutes and measures nothing. So a debug build checks the smallest size
//! (or a twentieth of one size) only, and `cargo bench` (release) measures
//! them all.

/// `full` in a release build; its first (smallest) size in a debug build.
pub fn sizes(full: &[usize]) -> Vec<usize> {
    if cfg!(debug_assertions) {
        full.iter().take(1).copied().collect()
    } else {
        full.to_vec()
    }
}

/// `full` in a release build; a twentieth of it (at least 1) in a debug
/// build, for a bench with one size, such as a whole study's trials.
pub fn scaled(full: usize) -> usize {
    if cfg!(debug_assertions) {
        (full / 20).max(1)
    } else {
        full
    }
}
