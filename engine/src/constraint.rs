//! Constraints read from a trial's metrics (`mem_gb<=4`): for commands that
//! print numbers, not constraint values. `name<=c` is the constraint value
//! `metric - c`, `name>=c` is `c - metric`; either is kept when `<= 0`, as
//! for constraint values told directly.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One limit on a metric the trial records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricConstraint {
    /// The metric it reads.
    pub metric: String,
    /// The limit.
    pub bound: f64,
    /// `true`: the metric must be at least `bound` (`>=`); else at most.
    #[serde(default)]
    pub at_least: bool,
}

impl MetricConstraint {
    /// Parses `NAME<=BOUND` or `NAME>=BOUND`.
    pub fn parse(text: &str) -> crate::Result<Self> {
        let bad = |why: &str| {
            crate::Error::from(crate::StudyError::BadConstraint {
                given: text.to_string(),
                why: why.to_string(),
            })
        };
        let (name, bound, at_least) = match (text.split_once("<="), text.split_once(">=")) {
            (Some((n, b)), None) => (n, b, false),
            (None, Some((n, b))) => (n, b, true),
            _ => return Err(bad("write NAME<=LIMIT or NAME>=LIMIT")),
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(bad("it names no metric"));
        }
        let bound: f64 = bound
            .trim()
            .parse()
            .map_err(|_| bad("its limit is not a number"))?;
        if !bound.is_finite() {
            return Err(bad("its limit is not a finite number"));
        }
        Ok(Self {
            metric: name.to_string(),
            bound,
            at_least,
        })
    }

    /// The constraint value (`<= 0` is kept) for the metric's value.
    pub fn value(&self, metric: f64) -> f64 {
        if self.at_least {
            self.bound - metric
        } else {
            metric - self.bound
        }
    }
}

impl fmt::Display for MetricConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.at_least { ">=" } else { "<=" };
        write!(f, "{}{op}{}", self.metric, self.bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_give_constraint_values() {
        let at_most = MetricConstraint::parse("mem_gb<=4").unwrap();
        assert_eq!((at_most.value(3.0), at_most.value(5.0)), (-1.0, 1.0));
        let at_least = MetricConstraint::parse(" acc >= 0.9").unwrap();
        assert_eq!(at_least.metric, "acc");
        assert!(at_least.value(0.95) < 0.0 && at_least.value(0.5) > 0.0);
        assert_eq!(at_most.to_string(), "mem_gb<=4");
        for bad in ["mem_gb", "<=4", "mem<=x", "mem<=inf", "a<=1>=2"] {
            assert!(MetricConstraint::parse(bad).is_err(), "{bad}");
        }
    }
}
