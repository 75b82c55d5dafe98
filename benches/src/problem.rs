//! What a benchmark problem is: a space, an objective, and a known (or
//! recorded) optimum.
//!
//! A problem states only what it can compute; the runner drives the study.
//! Regret is always measured on the noiseless value ([`Problem::value`]); a
//! noisy problem shows the searcher something else
//! ([`Problem::evaluate`]).

use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// The kind of a problem; also a group name on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// A classic continuous test function on a box.
    Continuous,
    /// Continuous, integer (log scale) and categorical parameters together.
    Mixed,
    /// A choice whose options carry their own sub-parameters.
    Conditional,
    /// Another problem observed through noise.
    Noisy,
    /// Tuning a real model by cross-validation.
    Model,
}

impl Family {
    /// Every family, in catalog order.
    pub const ALL: [Family; 5] = [
        Family::Continuous,
        Family::Mixed,
        Family::Conditional,
        Family::Noisy,
        Family::Model,
    ];

    /// The lowercase name (`continuous`, `model`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Continuous => "continuous",
            Family::Mixed => "mixed",
            Family::Conditional => "conditional",
            Family::Noisy => "noisy",
            Family::Model => "model",
        }
    }
}

/// How an optimum is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimumKind {
    /// Known analytically or from the literature.
    Known,
    /// The best value a long, exhaustive run found, recorded once.
    Reference,
}

/// The best value of a problem and a point that attains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The minimum of [`Problem::value`].
    pub value: f64,
    /// A configuration whose value is `value` (up to the digits recorded).
    pub point: Params,
    /// Whether it is known or a recorded reference.
    pub kind: OptimumKind,
}

/// One evaluation: what the searcher is told, and the noiseless truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// The value told to the study.
    pub observed: f64,
    /// The noiseless value, from which regret is measured.
    pub truth: f64,
}

/// A minimization problem of the suite.
///
/// Required: everything but [`Problem::evaluate`], which by default observes
/// the noiseless value. Problems must be deterministic: the same params (and
/// the same `noise` stream) give the same numbers.
pub trait Problem: Send + Sync + Debug {
    /// The catalog name (`branin`, `noisy-hartmann6`, ...).
    fn name(&self) -> &str;
    /// Its family.
    fn family(&self) -> Family;
    /// One line saying what it is and where it comes from.
    fn source(&self) -> &str;
    /// The space searched.
    fn space(&self) -> &Space;
    /// The noiseless objective, to minimize.
    fn value(&self, params: &Params) -> Result<f64>;
    /// The optimum.
    fn optimum(&self) -> &Optimum;
    /// What the searcher observes; `noise` is a stream keyed by the study
    /// seed and the trial, the same for every searcher.
    fn evaluate(&self, params: &Params, noise: &mut dyn RngCore) -> Result<Evaluation> {
        let _ = noise;
        let truth = self.value(params)?;
        Ok(Evaluation {
            observed: truth,
            truth,
        })
    }
    /// The number of parameters (in every branch).
    fn dims(&self) -> usize {
        self.space().len()
    }
}

/// A float parameter of `params`.
pub(crate) fn float(problem: &str, params: &Params, name: &str) -> Result<f64> {
    params
        .get(name)
        .and_then(Value::as_f64)
        .ok_or_else(|| missing(problem, name))
}

/// An integer parameter of `params`.
pub(crate) fn int(problem: &str, params: &Params, name: &str) -> Result<i64> {
    params
        .get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| missing(problem, name))
}

/// A string (categorical) parameter of `params`.
pub(crate) fn choice<'a>(problem: &str, params: &'a Params, name: &str) -> Result<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(problem, name))
}

pub(crate) fn missing(problem: &str, name: &str) -> BenchError {
    BenchError::MissingParam {
        problem: problem.to_string(),
        param: name.to_string(),
    }
}

/// Builds a `Params` from name/value pairs.
pub fn params<V: Into<Value>>(pairs: impl IntoIterator<Item = (&'static str, V)>) -> Params {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect()
}
