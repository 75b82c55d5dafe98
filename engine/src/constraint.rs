//! Constraints read from a trial's metrics (`mem_gb<=4`): for commands that
//! print numbers, not constraint values. `name<=c` is the constraint value
//! `metric - c`, `name>=c` is `c - metric`; either is kept when `<= 0`, as
//! for constraint values told directly.

use crate::TellError;
use indexmap::IndexMap;
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

/// The constraint values of `limits` read from a trial's `metrics`: the
/// one home of the rule the CLI runner and `Study::tell` share. A limit
/// whose metric is missing or not finite is an error naming it, never a
/// silent "feasible".
pub fn constraint_values(
    limits: &[MetricConstraint],
    metrics: &IndexMap<String, f64>,
) -> Result<Vec<f64>, TellError> {
    limits
        .iter()
        .map(|limit| match metrics.get(&limit.metric) {
            Some(v) if v.is_finite() => Ok(limit.value(*v)),
            found => Err(TellError::ConstraintMetric {
                constraint: limit.to_string(),
                metric: limit.metric.clone(),
                found: found.copied(),
                recorded: metrics.keys().cloned().collect(),
            }),
        })
        .collect()
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

    #[test]
    fn values_come_from_metrics_and_a_missing_one_is_named() {
        let limits = [at("mem_gb<=4"), at("acc>=0.9")];
        let metrics: IndexMap<String, f64> =
            [("mem_gb".to_string(), 5.0), ("acc".to_string(), 0.95)].into();
        let values = constraint_values(&limits, &metrics).unwrap();
        assert_eq!(values[0], 1.0);
        assert!((values[1] + 0.05).abs() < 1e-12);
        let partial: IndexMap<String, f64> = [("acc".to_string(), 0.95)].into();
        let err = constraint_values(&limits, &partial)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mem_gb<=4") && err.contains("no metric 'mem_gb'") && err.contains("acc"),
            "{err}"
        );
        let nan: IndexMap<String, f64> =
            [("mem_gb".to_string(), f64::NAN), ("acc".to_string(), 1.0)].into();
        let err = constraint_values(&limits, &nan).unwrap_err().to_string();
        assert!(err.contains("'mem_gb' is NaN"), "{err}");
    }

    fn at(text: &str) -> MetricConstraint {
        MetricConstraint::parse(text).unwrap()
    }
}
