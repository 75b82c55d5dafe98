//! A decision tree on the red wine quality data (1,599 wines, 11
//! physico-chemical features, quality 3..8; Cortez et al. 2009, "Modeling
//! wine preferences by data mining from physicochemical properties", as
//! shipped by `linfa-datasets`).
//!
//! Space: `depth` int `[1, 20]`, `min_split` (the minimum weight of a node
//! to split, every sample weighing 1) int `[2, 256]` on a log scale,
//! `criterion` gini / entropy. Objective: 5-fold CV misclassification rate.
//!
//! The space is finite (20 x 255 x 2 = 10,200 points), so the reference
//! optimum is exact: every point was evaluated once by
//! `benches/tests/reference.rs` (ignored; run it with `--ignored`).

use super::cv::Folds;
use crate::problem::{choice, int, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};
use linfa::prelude::*;
use linfa_trees::{DecisionTree, SplitQuality};

const NAME: &str = "tree-winequality";

const REF_VALUE: f64 = f64::NAN;
const REF_DEPTH: i64 = 10;
const REF_MIN_SPLIT: i64 = 2;
const REF_CRITERION: &str = "gini";

/// A decision tree on winequality (`tree-winequality`).
#[derive(Debug)]
pub struct TreeWinequality {
    folds: Folds<usize>,
    space: Space,
    optimum: Optimum,
}

impl TreeWinequality {
    /// Loads the data and cuts the folds.
    pub fn new() -> Result<Self> {
        let data = linfa_datasets::winequality();
        let folds = Folds::new(data.records(), &data.targets().to_owned());
        let space = Space::parse(
            "depth=int(1,20) min_split=int(2,256,log) criterion=choice(gini,entropy)",
        )?;
        let point: Params = [
            ("depth", Value::Int(REF_DEPTH)),
            ("min_split", Value::Int(REF_MIN_SPLIT)),
            ("criterion", Value::from(REF_CRITERION)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(Self {
            folds,
            space,
            optimum: Optimum {
                value: REF_VALUE,
                point,
                kind: OptimumKind::Reference,
            },
        })
    }
}

impl Problem for TreeWinequality {
    fn name(&self) -> &str {
        NAME
    }
    fn family(&self) -> Family {
        Family::Model
    }
    fn source(&self) -> &str {
        "linfa-trees on red winequality (Cortez et al. 2009), 5-fold CV error rate; exact optimum by enumeration"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        let depth = int(NAME, p, "depth")?;
        let min_split = int(NAME, p, "min_split")?;
        let quality = match choice(NAME, p, "criterion")? {
            "entropy" => SplitQuality::Entropy,
            _ => SplitQuality::Gini,
        };
        let (mut wrong, mut total) = (0usize, 0usize);
        for (train, valid) in &self.folds.splits {
            let model = DecisionTree::params()
                .split_quality(quality)
                .max_depth(Some(depth.max(1) as usize))
                .min_weight_split(min_split as f32)
                .fit(train)
                .map_err(|e| BenchError::Model {
                    problem: NAME.into(),
                    reason: e.to_string(),
                })?;
            let predicted = model.predict(valid);
            wrong += predicted
                .iter()
                .zip(valid.targets().iter())
                .filter(|(p, t)| p != t)
                .count();
            total += predicted.len();
        }
        Ok(wrong as f64 / total as f64)
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
