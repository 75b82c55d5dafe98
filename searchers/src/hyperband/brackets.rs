//! Hyperband's bracket model (Li et al. 2018), the one both Hyperbands use:
//! the `hyperband` searcher (which hands out budgets) and the `hyperband`
//! pruner (which judges the steps trials report).
//!
//! From the smallest budget `min`, the largest `max` and the reduction
//! factor η it works out, once:
//! - the **rungs**: `s_max + 1` budgets a full factor η apart, where
//!   `s_max = ⌊log_η(max / min)⌋`, laid out from one end or the other
//!   ([`RungLayout`]);
//! - the **brackets**: bracket `s` starts at rung `s`, so it has
//!   `s_max − s` halvings ahead and gets Hyperband's share of the trials,
//!   `n_s = ⌈(s_max + 1) / (s_max − s + 1) · η^(s_max − s)⌉`; a trial's
//!   bracket is a fixed draw from its number weighted by those shares, so
//!   every worker agrees on it without talking;
//! - the **promotion size**: of `n` trials at a rung, the best `⌊n / η⌋`
//!   go on.

use hyperspace_engine::{Bound, Number, SettingsError};
/// The most rungs a study gets, however wide `max / min`.
const MAX_RUNGS: usize = 64;

/// Relative slack when comparing budgets, so that `0.9 / 3 / 3` still
/// reaches a `min` of `0.1`.
const TOLERANCE: f64 = 1e-9;

/// Where the rungs sit between the smallest and the largest budget (they
/// coincide when `max / min` is a power of η).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RungLayout {
    /// `min · η^k`, counted up from the smallest budget: the steps at which
    /// the pruner judges the values trials report (as Optuna's
    /// `HyperbandPruner`); `max` is then a ceiling, not necessarily a rung.
    FromMin,
    /// `max / η^k`, counted down from the full budget, as in the paper: the
    /// budgets the searcher hands out, the last always `max`; `min` is a
    /// floor. When both ends are whole numbers every budget is rounded to
    /// a whole number (epochs, samples).
    FromMax,
}

/// The settings every Hyperband is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BracketSettings {
    /// The smallest budget (`min_budget` of the searcher, `min_resource` of
    /// the pruner).
    pub min: f64,
    /// The largest budget (`max_budget`, `max_resource`).
    pub max: f64,
    /// η: rungs are this many times apart, each keeps the best `1 / η`.
    pub reduction_factor: f64,
    /// Only the this many most aggressive brackets; `None`: all.
    pub brackets: Option<usize>,
    /// Where the rungs sit.
    pub layout: RungLayout,
}

/// A rule [`BracketSettings`] break; [`BracketError::reason`] words it with
/// the caller's own names for the two ends.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum BracketError {
    /// `min` is not a positive number.
    Min {
        /// What was given.
        min: f64,
    },
    /// `max` is not above `min`.
    Max {
        /// The smallest budget given.
        min: f64,
        /// The largest budget given.
        max: f64,
    },
    /// η is below 2.
    ReductionFactor {
        /// What was given.
        eta: f64,
    },
    /// Zero brackets asked for.
    Brackets,
}

impl BracketError {
    /// The settings error, naming the settings `min_name` and `max_name`
    /// (the searcher's `min_budget`, the pruner's `min_resource`, ...).
    pub fn settings_error(&self, min_name: &str, max_name: &str) -> SettingsError {
        match *self {
            Self::Min { min } => {
                SettingsError::out_of_range(min_name, Bound::Above(Number::Float(0.0)), min)
            }
            Self::Max { min, max } => SettingsError::NotAbove {
                upper: max_name.to_string(),
                upper_value: Number::Float(max),
                lower: min_name.to_string(),
                lower_value: Number::Float(min),
            },
            Self::ReductionFactor { eta } => SettingsError::out_of_range(
                "reduction_factor",
                Bound::AtLeast(Number::Float(2.0)),
                eta,
            ),
            Self::Brackets => SettingsError::out_of_range(
                "brackets",
                Bound::AtLeast(Number::Int(1)),
                Number::Int(0),
            ),
        }
    }
}

/// Validated brackets: the rungs' budgets and the brackets' shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Brackets {
    settings: BracketSettings,
    /// The rungs' budgets, increasing.
    rungs: Vec<f64>,
    /// Running totals of the brackets' shares (`n_s`), most aggressive
    /// first.
    cumulative: Vec<u64>,
}

impl BracketSettings {
    /// Checks every rule and works out the rungs and brackets.
    pub fn validate(self) -> Result<Brackets, BracketError> {
        let (min, max, eta) = (self.min, self.max, self.reduction_factor);
        if !(min.is_finite() && min > 0.0) {
            return Err(BracketError::Min { min });
        }
        if !(max.is_finite() && max > min) {
            return Err(BracketError::Max { min, max });
        }
        if !(eta.is_finite() && eta >= 2.0) {
            return Err(BracketError::ReductionFactor { eta });
        }
        if self.brackets == Some(0) {
            return Err(BracketError::Brackets);
        }
        let rungs = self.rungs();
        let s_max = rungs.len() - 1;
        let count = self.brackets.map_or(s_max + 1, |b| b.min(s_max + 1));
        let mut total = 0u64;
        let cumulative = (0..count)
            .map(|s| {
                total = total.saturating_add(bracket_size(s_max, s_max - s, eta));
                total
            })
            .collect();
        Ok(Brackets {
            settings: self,
            rungs,
            cumulative,
        })
    }

    /// The rungs: as many as `max / η^k` stays at or above `min`, placed by
    /// the layout.
    fn rungs(&self) -> Vec<f64> {
        let (min, max, eta) = (self.min, self.max, self.reduction_factor);
        let mut down = vec![max];
        while down.len() < MAX_RUNGS {
            let next = down[down.len() - 1] / eta;
            if next < min * (1.0 - TOLERANCE) {
                break;
            }
            down.push(next);
        }
        match self.layout {
            RungLayout::FromMin => std::iter::successors(Some(min), |r| Some(r * eta))
                .take(down.len())
                .collect(),
            RungLayout::FromMax => {
                down.reverse();
                if min.fract() == 0.0 && max.fract() == 0.0 {
                    for r in &mut down {
                        *r = r.round().max(min);
                    }
                    down.dedup();
                }
                down
            }
        }
    }
}

/// Hyperband's share of the bracket with `halvings` halvings ahead, out of
/// `s_max + 1` rungs: exact in integers when η is whole (as it nearly
/// always is), saturating rather than overflowing.
fn bracket_size(s_max: usize, halvings: usize, eta: f64) -> u64 {
    let (rungs, ahead) = (s_max as u64 + 1, halvings as u64 + 1);
    if eta.fract() == 0.0 && eta <= u64::MAX as f64 {
        let power = (eta as u64).saturating_pow(halvings as u32);
        return rungs.saturating_mul(power).div_ceil(ahead);
    }
    let size = (rungs as f64 / ahead as f64 * eta.powi(halvings as i32)).ceil();
    size.min(1e15) as u64
}

impl Brackets {
    /// The settings these brackets were made from.
    pub fn settings(&self) -> &BracketSettings {
        &self.settings
    }

    /// The rungs' budgets, increasing.
    pub fn rungs(&self) -> &[f64] {
        &self.rungs
    }

    /// The number of brackets; bracket `s` starts at rung `s`.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// Always false: validated brackets have at least one.
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }

    /// The running totals of the brackets' shares, most aggressive first.
    pub fn cumulative(&self) -> &[u64] {
        &self.cumulative
    }

    /// The bracket of trial number `number`: a fixed pseudo-random draw
    /// weighted by the brackets' shares, so every worker agrees on it and
    /// consecutive trials spread over the brackets.
    pub fn bracket_of(&self, number: u64) -> usize {
        hyperspace_engine::weighted_group(number, &self.cumulative)
    }

    /// How many of `n` trials at a rung go on: the best `⌊n / η⌋`.
    pub fn promoted(&self, n: usize) -> usize {
        (n as f64 / self.settings.reduction_factor).floor() as usize
    }
}

#[cfg(test)]
#[path = "brackets_tests.rs"]
mod tests;
