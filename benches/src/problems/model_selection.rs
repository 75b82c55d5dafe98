//! Model selection: three model families, each with its own parameters,
//! and the best family hides its optimum in a narrow diagonal valley.
//!
//! Made for this suite (issue 17's tree-shaped problem). A parameter
//! exists only in its family's branch, as when a define-by-run objective
//! suggests it inside an `if`. Validation "error" per family:
//!
//! | family | parameters | error | best |
//! |--------|------------|-------|------|
//! | svm    | `svm_c` log [1e-2, 1e3], `svm_gamma` log [1e-5, 10] | `0.10 + 0.25 (1 - exp(-(a + b + 1)^2 / 0.18)) + 0.004 (a - 2)^2`, `a = log10 C`, `b = log10 gamma` | **0.10** |
//! | forest | `forest_trees` int log [10, 1000], `forest_depth` int [1, 30], `forest_features` [0.05, 1] | `0.14 + 0.015 (log10 trees - 2.5)^2 + 0.0004 (depth - 12)^2 + 0.05 (features - 0.4)^2` | 0.14 |
//! | mlp    | `mlp_lr` log [1e-5, 0.1], `mlp_width` int log [8, 1024] | `0.12 + 0.03 (log10 lr + 3)^2 + 0.01 (log2 width - 7)^2` | 0.12 |
//!
//! The svm valley runs along `C gamma = 0.1` and is 0.3 wide (in decades)
//! across: most random svm draws score about 0.35, worse than any forest,
//! so the family that looks worst on average holds the optimum, and only
//! a searcher that models the svm parameters from the svm trials (and
//! their correlation) finds it. Forest and mlp are broad, easy bowls that
//! a searcher ignoring the tree structure settles for. The global minimum
//! is 0.10 at `family = svm, svm_c = 100, svm_gamma = 1e-3`.

use crate::problem::{choice, float, int, params, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};

/// The model-selection problem (`model-selection`).
#[derive(Debug, Clone)]
pub struct ModelSelection {
    space: Space,
    optimum: Optimum,
}

const NAME: &str = "model-selection";

impl ModelSelection {
    /// The problem.
    pub fn new() -> Result<Self> {
        let space = Space::parse(
            "family=choice(\
               svm{svm_c=log(1e-2,1e3) svm_gamma=log(1e-5,10)}, \
               forest{forest_trees=int(10,1000,log) forest_depth=int(1,30) \
                      forest_features=float(0.05,1)}, \
               mlp{mlp_lr=log(1e-5,0.1) mlp_width=int(8,1024,log)})",
        )?;
        let point = params([
            ("family", Value::from("svm")),
            ("svm_c", Value::Float(100.0)),
            ("svm_gamma", Value::Float(1e-3)),
        ]);
        let optimum = Optimum {
            value: 0.1,
            point,
            kind: OptimumKind::Known,
        };
        Ok(Self { space, optimum })
    }
}

impl Problem for ModelSelection {
    fn name(&self) -> &str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Conditional
    }
    fn source(&self) -> &str {
        "made for this suite: family = svm | forest | mlp, the best (svm) with a narrow diagonal valley"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        Ok(match choice(NAME, p, "family")? {
            "svm" => {
                let a = float(NAME, p, "svm_c")?.log10();
                let b = float(NAME, p, "svm_gamma")?.log10();
                let across = (a + b + 1.0).powi(2) / 0.18;
                0.10 + 0.25 * (1.0 - (-across).exp()) + 0.004 * (a - 2.0).powi(2)
            }
            "forest" => {
                let trees = int(NAME, p, "forest_trees")? as f64;
                let depth = int(NAME, p, "forest_depth")? as f64;
                let features = float(NAME, p, "forest_features")?;
                0.14 + 0.015 * (trees.log10() - 2.5).powi(2)
                    + 0.0004 * (depth - 12.0).powi(2)
                    + 0.05 * (features - 0.4).powi(2)
            }
            "mlp" => {
                let lr = float(NAME, p, "mlp_lr")?;
                let width = int(NAME, p, "mlp_width")? as f64;
                0.12 + 0.03 * (lr.log10() + 3.0).powi(2) + 0.01 * (width.log2() - 7.0).powi(2)
            }
            other => {
                return Err(BenchError::MissingParam {
                    problem: NAME.into(),
                    param: format!("family (got '{other}')"),
                })
            }
        })
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
