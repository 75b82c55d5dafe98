//! Real model tuning on datasets that ship in `linfa-datasets` (linfa's
//! elastic net and SVM, the suite's own deterministic tree):
//! the objective is a deterministic k-fold cross-validation error.

mod cart;
mod cv;
mod elasticnet;
mod selection;
mod svm;
mod tree;

pub use elasticnet::ElasticNetDiabetes;
pub use selection::LinfaModelSelection;
pub use svm::SvmDiabetes;
pub use tree::TreeWinequality;
