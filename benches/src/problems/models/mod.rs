//! Real model tuning with linfa on datasets that ship in `linfa-datasets`:
//! the objective is a deterministic k-fold cross-validation error.

mod cv;
mod elasticnet;
mod svm;
mod tree;

pub use elasticnet::ElasticNetDiabetes;
pub use svm::SvmDiabetes;
pub use tree::TreeWinequality;
