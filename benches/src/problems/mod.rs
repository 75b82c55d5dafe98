//! The problems of the suite, one module per family.

mod catalog;
mod conditional;
pub mod continuous;
mod functions;
mod mixed;
mod model_selection;
mod models;
mod noisy;

pub use catalog::{catalog_entry, problem, select, CatalogEntry, CATALOG};
pub use conditional::Conditional;
pub use continuous::Continuous;
pub use functions::{ackley, branin, hartmann3, hartmann6, levy, rosenbrock, styblinski_tang};
pub use mixed::Mixed;
pub use model_selection::ModelSelection;
pub use models::{ElasticNetDiabetes, LinfaModelSelection, SvmDiabetes, TreeWinequality};
pub use noisy::Noisy;
