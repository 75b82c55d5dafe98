//! A conditional problem shaped like choosing a model class and its
//! hyper-parameters: each option of `model` brings its own sub-parameters,
//! and a shared `x` matters for all.
//!
//! Made for this suite. Validation "error" per branch (all plus
//! `0.1 (x - 0.3)^2`):
//!
//! | model  | sub-parameters                         | error                                                  | best |
//! |--------|----------------------------------------|--------------------------------------------------------|------|
//! | linear | `alpha` log [1e-4, 1], `l1` [0, 1]       | `0.30 + 0.05 (log10 alpha + 2)^2 + 0.1 (l1 - 0.3)^2`   | 0.30 |
//! | tree   | `depth` int [1, 16], `leaf` int [1, 64] log | `0.20 + 0.004 (depth - 9)^2 + 0.02 ln(leaf / 6)^2`  | **0.20** |
//! | knn    | `k` int [1, 100] log, `weights` uniform/distance | `0.25 + 0.03 ln(k / 15)^2 + 0.02 [distance]`  | 0.25 |
//!
//! The global minimum is 0.20 at `model = tree, depth = 9, leaf = 6, x = 0.3`.

use crate::problem::{choice, float, int, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};

/// The conditional problem (`conditional`).
#[derive(Debug, Clone)]
pub struct Conditional {
    space: Space,
    optimum: Optimum,
}

const NAME: &str = "conditional";

impl Conditional {
    /// The problem.
    pub fn new() -> Result<Self> {
        let space = Space::parse(
            "x=float(0,1) model=choice(\
               linear{alpha=log(1e-4,1) l1=float(0,1)}, \
               tree{depth=int(1,16) leaf=int(1,64,log)}, \
               knn{k=int(1,100,log) weights=choice(uniform,distance)})",
        )?;
        let point: Params = [
            ("x", Value::Float(0.3)),
            ("model", Value::from("tree")),
            ("depth", Value::Int(9)),
            ("leaf", Value::Int(6)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Self {
            space,
            optimum: Optimum {
                value: 0.2,
                point,
                kind: OptimumKind::Known,
            },
        })
    }
}

impl Problem for Conditional {
    fn name(&self) -> &str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Conditional
    }
    fn source(&self) -> &str {
        "made for this suite: model = linear | tree | knn, each with its own sub-parameters"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        let shared = 0.1 * (float(NAME, p, "x")? - 0.3).powi(2);
        let branch = match choice(NAME, p, "model")? {
            "linear" => {
                let alpha = float(NAME, p, "alpha")?;
                let l1 = float(NAME, p, "l1")?;
                0.30 + 0.05 * (alpha.log10() + 2.0).powi(2) + 0.1 * (l1 - 0.3).powi(2)
            }
            "tree" => {
                let depth = int(NAME, p, "depth")? as f64;
                let leaf = int(NAME, p, "leaf")? as f64;
                0.20 + 0.004 * (depth - 9.0).powi(2) + 0.02 * (leaf / 6.0).ln().powi(2)
            }
            "knn" => {
                let k = int(NAME, p, "k")? as f64;
                let distance = match choice(NAME, p, "weights")? {
                    "distance" => 0.02,
                    _ => 0.0,
                };
                0.25 + 0.03 * (k / 15.0).ln().powi(2) + distance
            }
            other => {
                return Err(BenchError::MissingParam {
                    problem: NAME.into(),
                    param: format!("model (got '{other}')"),
                })
            }
        };
        Ok(shared + branch)
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
