//! TPE, the tree-structured Parzen estimator: the default searcher.
//!
//! Each proposal splits the history into the best `gamma` share ("good")
//! and the rest ("bad"), fits a Parzen density to each, samples candidates
//! from the good density and keeps the one with the largest ratio of good
//! to bad density, which maximises expected improvement under TPE's model
//! (Bergstra et al., 2011). Conditional spaces are modelled branch by
//! branch: each group of parameters that share a condition is modelled from
//! the trials that had that branch.

mod algorithm;
mod dimension;
mod settings;
mod split;

pub use algorithm::TpeSearcher;
pub use settings::{
    BandwidthRule, Endpoints, GroupModel, PriorCentre, RunningTrials, StartupSampler, TpeSettings,
    TrialWeights, ValidTpeSettings,
};
