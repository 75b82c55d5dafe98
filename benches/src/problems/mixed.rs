//! A mixed problem: two floats, an integer on a log scale, and a
//! categorical "shape" that swaps the whole landscape.
//!
//! Made for this suite. Each shape has its own best integer, so a searcher
//! that models the parameters independently of the shape is misled:
//!
//! | shape | landscape in `(x1, x2)`                    | best `n` | minimum |
//! |-------|--------------------------------------------|----------|---------|
//! | bowl  | `0.5 + ((x1-1)^2 + (x2+1)^2) / 10`         | 8        | 0.5     |
//! | ridge | `((1-x1)^2 + 10 (x2-x1^2)^2) / 10`         | 100      | **0**   |
//! | wave  | `0.25 + Rastrigin(x1, x2) / 10`            | 3        | 0.25    |
//!
//! plus `0.2 ln(n / best n)^2`. The global minimum is 0 at
//! `shape = ridge, x1 = x2 = 1, n = 100`.

use crate::problem::{choice, float, int, params, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};
use std::f64::consts::PI;

/// The mixed problem (`mixed`).
#[derive(Debug, Clone)]
pub struct Mixed {
    space: Space,
    optimum: Optimum,
}

const NAME: &str = "mixed";

impl Mixed {
    /// The problem.
    pub fn new() -> Result<Self> {
        let space = Space::parse(
            "x1=float(-5,5) x2=float(-5,5) n=int(1,1000,log) shape=choice(bowl,ridge,wave)",
        )?;
        let mut point = params([("x1", 1.0), ("x2", 1.0)]);
        point.insert("n".into(), Value::Int(100));
        point.insert("shape".into(), Value::from("ridge"));
        Ok(Self {
            space,
            optimum: Optimum {
                value: 0.0,
                point,
                kind: OptimumKind::Known,
            },
        })
    }
}

impl Problem for Mixed {
    fn name(&self) -> &str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Mixed
    }
    fn source(&self) -> &str {
        "made for this suite: a categorical that swaps bowl / Rosenbrock ridge / Rastrigin, each with its own best log-scale integer"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        let x1 = float(NAME, p, "x1")?;
        let x2 = float(NAME, p, "x2")?;
        let n = int(NAME, p, "n")? as f64;
        let (landscape, best_n) = match choice(NAME, p, "shape")? {
            "bowl" => (0.5 + ((x1 - 1.0).powi(2) + (x2 + 1.0).powi(2)) / 10.0, 8.0),
            "ridge" => (
                ((1.0 - x1).powi(2) + 10.0 * (x2 - x1 * x1).powi(2)) / 10.0,
                100.0,
            ),
            "wave" => {
                let rastrigin: f64 = [x1, x2]
                    .iter()
                    .map(|v| v * v - 10.0 * (2.0 * PI * v).cos() + 10.0)
                    .sum();
                (0.25 + rastrigin / 10.0, 3.0)
            }
            other => {
                return Err(BenchError::MissingParam {
                    problem: NAME.into(),
                    param: format!("shape (got '{other}')"),
                })
            }
        };
        Ok(landscape + 0.2 * (n / best_n).ln().powi(2))
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
