//! Hyperband as a searcher (Li et al. 2018), run asynchronously as in ASHA
//! (Li et al. 2020): the searcher chooses each trial's **budget** (epochs,
//! samples, ... — `{budget}` / `HYPERSPACE_BUDGET` in `hyperspace run`,
//! `trial.budget` in Python) as well as its parameters.
//!
//! Budgets come in rungs `min_budget · η^k` up to `max_budget`. A new
//! configuration starts at the first rung of its bracket (bracket `s`
//! starts at rung `s`; brackets are drawn from the trial number, weighted
//! by Hyperband's bracket sizes). On every ask the searcher first looks for
//! a promotion: a complete trial among the best `1 / η` of its rung and
//! bracket that has not been continued yet is proposed again, with the same
//! parameters, the next rung's budget, itself as parent, and a claim key so
//! two workers never promote the same trial. Only when there is none does a
//! new configuration start — drawn at random, or by TPE from the trials of
//! the highest rung that has enough of them (`"sampler": "tpe"`, as BOHB).
//! No worker waits for a rung to fill.
//!
//! The rungs and brackets come from `brackets.rs`, the one bracket model
//! that the `hyperband` pruner uses too.

mod algorithm;
mod brackets;
mod settings;

pub use algorithm::HyperbandSearcher;
pub use brackets::{BracketError, BracketSettings, Brackets, RungLayout};
pub use settings::{HyperbandSettings, NewConfigSampler, ValidHyperbandSettings};
