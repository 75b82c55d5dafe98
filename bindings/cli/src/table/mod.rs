//! Trials as rows: the fields a trial has, and how rows are printed.

mod fields;
mod render;

pub use fields::{duration, Cell, Field, Kind, Known};
pub use render::{csv_line, write_aligned, write_rows};
