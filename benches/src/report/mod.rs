//! Showing results: the Markdown report, the convergence plots, and the
//! comparison of result files.

mod compare;
mod markdown;
mod plot;

pub use compare::compare;
pub use markdown::{format_number, markdown};
pub use plot::{plot_all, plot_problem};
