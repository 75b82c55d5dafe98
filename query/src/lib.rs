//! Selecting and shaping trials, in one place for every client: the
//! `hyperspace trials` command, the dashboard and its HTML report, and the
//! Python package's `where=` arguments and plots.
//!
//! - [`Known`] and [`Field`]: the fields a trial has (built-ins,
//!   parameters, metrics, user attributes, metadata), read as [`Cell`]s.
//! - [`Filter`]: the small `--where` language
//!   (`lr < 0.01 and state = complete`), and [`parse_sort`] /
//!   [`sort_trials`] for `--sort value,-duration`.
//! - [`History`]: finished trials' values and the best so far.
//! - [`Lineage`]: a trial's parents, children and what changed between
//!   them; [`curve_with_ancestry`]: a continuation's learning curve joined
//!   to its parents'.
//! - [`interpolate`]: trial values spread onto a regular grid, for the
//!   contour plots of the dashboard and of Python.
//!
//! ```
//! use hyperspace_engine::{Space, Trial};
//! use hyperspace_query::{Filter, Known};
//!
//! let space = Space::default();
//! let trials: Vec<Trial> = Vec::new();
//! let known = Known::collect(&space, &trials);
//! let filter = Filter::parse("state = complete and value < 0.5", &known).unwrap();
//! assert!(trials.iter().all(|t| !filter.matches(t)));
//! ```

#![deny(missing_docs)]

mod fields;
mod filter;
pub mod interpolate;
mod lineage;
mod series;

pub use fields::{duration, fmt_num, Cell, Field, Kind, Known};
pub use filter::{describe_error, parse_sort, sort_trials, Filter, FilterError, Op, SortKey};
pub use lineage::{
    ancestry, children_of, curve_with_ancestry, parent_of, Changes, CurvePoint, Lineage, Link,
    ParamChange,
};
pub use series::History;

#[cfg(test)]
mod tests {
    /// A filter is built once and shared by the dashboard's request threads.
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::Filter>();
        check::<crate::Known>();
        check::<crate::SortKey>();
        check::<crate::History<'static>>();
        check::<crate::FilterError>();
        check::<crate::Lineage<'static>>();
        check::<crate::CurvePoint>();
    }
}
