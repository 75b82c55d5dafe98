//! Trials as rows: the fields a trial has (from `hyperspace-query`, shared
//! with the dashboard and the Python package), and how rows are printed.

mod render;

pub use hyperspace_query::{duration, Field, Known};
pub use render::{csv_line, write_aligned, write_rows};
