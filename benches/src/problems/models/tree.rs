//! A classification tree on the red wine quality data (1,599 wines, 11
//! physico-chemical features, quality 3..8; Cortez et al. 2009, "Modeling
//! wine preferences by data mining from physicochemical properties", as
//! shipped by `linfa-datasets`).
//!
//! The tree is the suite's own deterministic CART (`cart.rs`; linfa-trees
//! 0.8 gives different errors from one call to the next). Space: `depth`
//! int `[1, 20]`, `min_split` (the fewest samples a node needs to be split)
//! int `[2, 256]` on a log scale, `criterion` gini / entropy. Objective:
//! 5-fold CV misclassification rate.
//!
//! The space is finite (20 x 255 x 2 = 10,200 points), so the reference
//! optimum is exact: every point was evaluated once by
//! `benches/tests/reference.rs` (ignored; run it with `--ignored`).

use super::cart::{Criterion, Tree, TreeSettings};
use super::cv::Folds;
use crate::problem::{choice, int, Family, Optimum, OptimumKind, Problem};
use crate::{BenchError, Result};
use hyperspace_engine::{Params, Space, Value};

const NAME: &str = "tree-winequality";

/// The exact optimum, 580 wrong of 1,599, attained at this point only.
const REF_VALUE: f64 = 580.0 / 1599.0;
const REF_DEPTH: i64 = 16;
const REF_MIN_SPLIT: i64 = 2;
const REF_CRITERION: &str = "entropy";

/// A classification tree on winequality (`tree-winequality`).
#[derive(Debug)]
pub struct TreeWinequality {
    folds: Folds<usize>,
    classes: usize,
    space: Space,
    optimum: Optimum,
}

impl TreeWinequality {
    /// Loads the data and cuts the folds.
    pub fn new() -> Result<Self> {
        let data = linfa_datasets::winequality();
        let targets = data.targets().to_owned();
        let classes = targets.iter().max().map_or(1, |m| m + 1);
        let folds = Folds::new(data.records(), &targets);
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
            classes,
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
        "a deterministic CART on red winequality (Cortez et al. 2009, from linfa-datasets), 5-fold CV error rate; exact optimum by enumeration"
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, p: &Params) -> Result<f64> {
        let depth = int(NAME, p, "depth")?;
        let min_split = int(NAME, p, "min_split")?;
        let criterion = match choice(NAME, p, "criterion")? {
            "entropy" => Criterion::Entropy,
            "gini" => Criterion::Gini,
            other => {
                return Err(BenchError::MissingParam {
                    problem: NAME.into(),
                    param: format!("criterion (got '{other}')"),
                })
            }
        };
        let settings = TreeSettings {
            max_depth: depth.max(1) as usize,
            min_split: min_split.max(2) as usize,
            criterion,
        };
        let (mut wrong, mut total) = (0usize, 0usize);
        for (train, valid) in &self.folds.splits {
            let y: Vec<usize> = train.targets().iter().copied().collect();
            let tree = Tree::fit(train.records().view(), &y, self.classes, settings);
            for (row, truth) in valid.records().rows().into_iter().zip(valid.targets()) {
                wrong += usize::from(tree.predict(row) != *truth);
                total += 1;
            }
        }
        Ok(wrong as f64 / total as f64)
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}
