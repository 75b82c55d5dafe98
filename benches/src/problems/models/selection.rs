//! Model selection with real models: elastic net or support-vector
//! regression on the diabetes data, each family with its own parameters
//! (issue 17's tree-shaped problem with real linfa models).
//!
//! `family = choice(elasticnet{alpha, l1_ratio}, svm{C, width})`, the
//! branches being `elasticnet-diabetes` and `svm-diabetes` as they are
//! (same folds, same spaces, same 5-fold CV `1 - R^2`). The elastic net is
//! broad and easy (its best, 0.4956, is reached by any small penalty near
//! the lasso); the SVR is better (0.4818) but only in a band of `C` and
//! kernel width, most of its random draws scoring far worse: a searcher
//! that ranks families by their average settles for the elastic net, a
//! regret of 0.0138. The reference optimum is the SVR's.

use super::{ElasticNetDiabetes, SvmDiabetes};
use crate::problem::{choice, Family, Optimum, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};

const NAME: &str = "linfa-model-selection";

/// Elastic net or SVR on diabetes (`linfa-model-selection`).
#[derive(Debug)]
pub struct LinfaModelSelection {
    elasticnet: ElasticNetDiabetes,
    svm: SvmDiabetes,
    space: Space,
    optimum: Optimum,
}

impl LinfaModelSelection {
    /// Loads the data (once per family) and cuts the folds.
    pub fn new() -> Result<Self> {
        let elasticnet = ElasticNetDiabetes::new()?;
        let svm = SvmDiabetes::new()?;
        let space = Space::parse(
            "family=choice(elasticnet{alpha=log(1e-5,10) l1_ratio=float(0,1)}, \
                           svm{C=log(1e-2,1e3) width=log(1e-3,10)})",
        )?;
        let best = svm.optimum();
        let mut point = Params::new();
        point.insert("family".into(), Value::from("svm"));
        point.extend(best.point.clone());
        let optimum = Optimum {
            value: best.value,
            point,
            kind: best.kind,
        };
        Ok(Self {
            elasticnet,
            svm,
            space,
            optimum,
        })
    }
}

impl Problem for LinfaModelSelection {
    fn name(&self) -> &str {
        NAME
    }
    /// A real model (an SVR fit per fold) is what sets its cost, so it
    /// groups with the model problems (`-p model`), out of the cheap
    /// `conditional` group.
    fn family(&self) -> Family {
        Family::Model
    }
    fn source(&self) -> &str {
        "made for this suite from two real models: linfa's elastic net or epsilon-SVR on diabetes, 5-fold CV 1-R^2; the SVR holds the optimum"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        match choice(NAME, p, "family")? {
            "elasticnet" => self.elasticnet.value(p),
            "svm" => self.svm.value(p),
            other => Err(BenchError::Model {
                problem: NAME.into(),
                reason: format!("unknown family '{other}'"),
            }),
        }
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
