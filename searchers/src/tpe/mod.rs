//! TPE, the tree-structured Parzen estimator: `auto`'s choice for plain
//! choices, wide spaces and long runs, and the cheap searcher to name for
//! objectives that take microseconds.
//!
//! Each proposal splits the history into the best `gamma` share ("good")
//! and the rest ("bad"), fits a Parzen density to each, samples candidates
//! from the good density and keeps the one with the largest ratio of good
//! to bad density, which maximises expected improvement under TPE's model
//! (Bergstra et al., 2011). Conditional spaces are modelled as a tree, top
//! down: the branch choice from the whole history, and each group of
//! parameters that share a condition from the trials that had that branch,
//! ranked among themselves (`split::split_branch`). Define-by-run reaches
//! the same model: a parameter met alone is ranked among the trials that had
//! it, and drawn from its branch's joint density, the parameters of the
//! branch the trial has decided already held at their values (`partners`).
//! A branch's continuous parameters also get kernels sharing the good
//! trials' covariance (`correlated_branches`), so a narrow diagonal valley
//! inside a branch is followed. Each branch keeps a floor share of the
//! trials (`branches`), so a family whose random trials look bad is
//! still searched by its own model.

mod algorithm;
mod dimension;
mod partners;
mod settings;
mod split;

pub use algorithm::TpeSearcher;
pub use settings::{
    BandwidthRule, BranchKernels, Endpoints, GroupModel, PriorCentre, RunningTrials,
    StartupSampler, TpeSettings, TrialWeights, ValidTpeSettings,
};
