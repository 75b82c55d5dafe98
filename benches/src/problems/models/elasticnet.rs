//! Elastic net on the diabetes data (442 patients, 10 standardized
//! features; Efron et al. 2004, "Least Angle Regression", as shipped by
//! `linfa-datasets`).
//!
//! Space: `alpha` (the penalty) log-uniform on `[1e-5, 10]`, `l1_ratio` on
//! `[0, 1]`. Objective: 5-fold CV `1 - R^2` (see `cv.rs`).
//!
//! The reference optimum was found once by a 101 x 101 grid over the space
//! (log-spaced alpha) refined by a pattern search around its best point;
//! `benches/tests/reference.rs` (ignored; run it with `--ignored`) repeats
//! that search.

use super::cv::{relative_squared_error, Folds};
use crate::problem::{float, params, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space};
use linfa::prelude::*;
use linfa_elasticnet::ElasticNet;

const NAME: &str = "elasticnet-diabetes";

/// The reference optimum (pure lasso wins: `l1_ratio` = 1 on its bound).
const REF_VALUE: f64 = 0.495_629_495_388_101_7;
const REF_ALPHA: f64 = 0.001103404619953648;
const REF_L1: f64 = 1.0;

/// Elastic net on diabetes (`elasticnet-diabetes`).
#[derive(Debug)]
pub struct ElasticNetDiabetes {
    folds: Folds<f64>,
    space: Space,
    optimum: Optimum,
}

impl ElasticNetDiabetes {
    /// Loads the data and cuts the folds.
    pub fn new() -> Result<Self> {
        let data = linfa_datasets::diabetes();
        let folds = Folds::new(data.records(), &data.targets().to_owned());
        let space = Space::parse("alpha=log(1e-5,10) l1_ratio=float(0,1)")?;
        Ok(Self {
            folds,
            space,
            optimum: Optimum {
                value: REF_VALUE,
                point: params([("alpha", REF_ALPHA), ("l1_ratio", REF_L1)]),
                kind: OptimumKind::Reference,
            },
        })
    }
}

impl Problem for ElasticNetDiabetes {
    fn name(&self) -> &str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Model
    }
    fn source(&self) -> &str {
        "linfa-elasticnet on diabetes (Efron et al. 2004), 5-fold CV 1-R^2; reference optimum from a grid + pattern search"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        let alpha = float(NAME, p, "alpha")?;
        let l1 = float(NAME, p, "l1_ratio")?;
        let mut pairs = Vec::new();
        for (train, valid) in &self.folds.splits {
            let model = ElasticNet::params()
                .penalty(alpha)
                .l1_ratio(l1)
                .fit(train)
                .map_err(|e| BenchError::Model {
                    problem: NAME.into(),
                    reason: e.to_string(),
                })?;
            let predicted = model.predict(valid);
            pairs.extend(
                valid
                    .targets()
                    .iter()
                    .copied()
                    .zip(predicted.iter().copied()),
            );
        }
        Ok(relative_squared_error(&pairs))
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
