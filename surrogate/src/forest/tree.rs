//! CART regression trees (squared error, axis-aligned splits at midpoints
//! between neighbouring values) and the bagged forest of them.
//!
//! Each tree sorts its bootstrap sample once per feature, then keeps every
//! node's samples as one contiguous range of each sorted order: a split
//! partitions those ranges stably, so finding the best split of a node costs
//! one linear scan per feature and no sorting below the root.

use super::settings::ValidForestSettings;
use crate::SurrogateError;
use ndarray::{ArrayView1, ArrayView2};
use rand::Rng;

/// A node of a tree, in a flat vector; children are indices into it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Node {
    /// A leaf predicting `value` (the mean of its samples).
    Leaf {
        /// The prediction.
        value: f64,
    },
    /// Samples with `x[feature] <= threshold` go left, the rest right.
    Split {
        /// The column tested.
        feature: usize,
        /// The cut point.
        threshold: f64,
        /// Index of the left child.
        left: usize,
        /// Index of the right child.
        right: usize,
    },
}

/// One regression tree; its root is node 0.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionTree {
    pub(super) nodes: Vec<Node>,
    pub(super) n_features: usize,
}

impl RegressionTree {
    /// The prediction at `x` (one value per feature).
    pub fn predict(&self, x: ArrayView1<f64>) -> f64 {
        let mut i = 0;
        loop {
            match self.nodes[i] {
                Node::Leaf { value } => return value,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => i = if x[feature] <= threshold { left } else { right },
            }
        }
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }

    /// Number of features the tree was fitted on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
}

/// Bagged regression trees on points of the unit cube.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForest {
    trees: Vec<RegressionTree>,
}

impl RandomForest {
    /// Fits `settings.n_trees` trees, each to a bootstrap sample of the rows
    /// of `x` drawn from `rng`, so the same seed grows the same forest.
    ///
    /// Every coordinate of `x` must lie in `[0, 1]` (fANOVA integrates over
    /// the unit cube) and every target must be finite.
    pub fn fit(
        x: ArrayView2<f64>,
        y: ArrayView1<f64>,
        settings: &ValidForestSettings,
        rng: &mut impl Rng,
    ) -> Result<Self, SurrogateError> {
        check_inputs(x, y)?;
        let s = settings.get();
        let n = x.nrows();
        // Column-major copy: a split scan walks one feature at a time.
        let columns: Vec<Vec<f64>> = x.columns().into_iter().map(|c| c.to_vec()).collect();
        let targets = y.to_vec();
        let mut grower = Grower::new(
            &columns,
            s.max_depth,
            s.min_samples_split,
            s.min_samples_leaf,
        );
        let trees = (0..s.n_trees)
            .map(|_| {
                let sample: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                grower.grow(&sample, &targets)
            })
            .collect();
        Ok(Self { trees })
    }

    /// The trees.
    pub fn trees(&self) -> &[RegressionTree] {
        &self.trees
    }

    /// The mean of the trees' predictions at `x`.
    pub fn predict(&self, x: ArrayView1<f64>) -> f64 {
        self.trees.iter().map(|t| t.predict(x)).sum::<f64>() / self.trees.len() as f64
    }
}

fn check_inputs(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<(), SurrogateError> {
    if x.nrows() == 0 {
        return Err(SurrogateError::NoObservations);
    }
    if x.nrows() != y.len() {
        return Err(SurrogateError::TargetCountMismatch {
            targets: y.len(),
            observations: x.nrows(),
        });
    }
    if x.ncols() == 0 {
        return Err(SurrogateError::NoDimensions);
    }
    for ((row, dimension), &value) in x.indexed_iter() {
        if !(0.0..=1.0).contains(&value) {
            return Err(SurrogateError::ObservationOutOfRange {
                row,
                dimension,
                value,
            });
        }
    }
    if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SurrogateError::NonFiniteTarget { index, value });
    }
    Ok(())
}

/// The best split found for a node.
struct Cut {
    feature: usize,
    threshold: f64,
    /// Sum of squares explained: `sumL²/nL + sumR²/nR`.
    score: f64,
}

/// Scratch space reused across the trees of one forest.
struct Grower<'a> {
    columns: &'a [Vec<f64>],
    max_depth: usize,
    min_split: usize,
    min_leaf: usize,
    /// Per feature, positions into the sample, sorted by that feature;
    /// each node owns the same range of every order.
    orders: Vec<Vec<usize>>,
    goes_left: Vec<bool>,
    buffer: Vec<usize>,
}

impl<'a> Grower<'a> {
    fn new(columns: &'a [Vec<f64>], max_depth: usize, min_split: usize, min_leaf: usize) -> Self {
        Self {
            columns,
            max_depth,
            min_split,
            min_leaf,
            orders: Vec::new(),
            goes_left: Vec::new(),
            buffer: Vec::new(),
        }
    }

    fn grow(&mut self, sample: &[usize], targets: &[f64]) -> RegressionTree {
        let n = sample.len();
        let ys: Vec<f64> = sample.iter().map(|&r| targets[r]).collect();
        self.orders = self
            .columns
            .iter()
            .map(|col| {
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| col[sample[a]].total_cmp(&col[sample[b]]));
                order
            })
            .collect();
        self.goes_left.resize(n, false);
        let mut nodes = Vec::new();
        self.node(sample, &ys, 0, n, 0, &mut nodes);
        RegressionTree {
            nodes,
            n_features: self.columns.len(),
        }
    }

    /// Grows the node over `start..end` of every order; returns its index.
    fn node(
        &mut self,
        sample: &[usize],
        ys: &[f64],
        start: usize,
        end: usize,
        depth: usize,
        nodes: &mut Vec<Node>,
    ) -> usize {
        let index = nodes.len();
        let count = (end - start) as f64;
        let sum: f64 = self.orders[0][start..end].iter().map(|&p| ys[p]).sum();
        let mean = sum / count;
        nodes.push(Node::Leaf { value: mean });
        if depth >= self.max_depth || end - start < self.min_split {
            return index;
        }
        let spread = self.orders[0][start..end]
            .iter()
            .map(|&p| (ys[p] - mean).powi(2))
            .sum::<f64>();
        if spread <= 1e-12 * count * (mean * mean).max(1e-300) {
            return index;
        }
        let Some(cut) = self.best_cut(sample, ys, start, end, sum) else {
            return index;
        };
        // Mark each position, then partition every order stably.
        let column = &self.columns[cut.feature];
        for &p in &self.orders[0][start..end] {
            self.goes_left[p] = column[sample[p]] <= cut.threshold;
        }
        let mut n_left = 0;
        for order in &mut self.orders {
            self.buffer.clear();
            let mut write = start;
            for i in start..end {
                let p = order[i];
                if self.goes_left[p] {
                    order[write] = p;
                    write += 1;
                } else {
                    self.buffer.push(p);
                }
            }
            order[write..end].copy_from_slice(&self.buffer);
            n_left = write - start;
        }
        let mid = start + n_left;
        let left = self.node(sample, ys, start, mid, depth + 1, nodes);
        let right = self.node(sample, ys, mid, end, depth + 1, nodes);
        nodes[index] = Node::Split {
            feature: cut.feature,
            threshold: cut.threshold,
            left,
            right,
        };
        index
    }

    /// The split that most reduces the squared error, if any separates
    /// distinct values with enough samples each side.
    fn best_cut(
        &self,
        sample: &[usize],
        ys: &[f64],
        start: usize,
        end: usize,
        sum: f64,
    ) -> Option<Cut> {
        let total = end - start;
        let parent = sum * sum / total as f64;
        let mut best: Option<Cut> = None;
        for (feature, order) in self.orders.iter().enumerate() {
            let column = &self.columns[feature];
            let range = &order[start..end];
            let mut left_sum = 0.0;
            for (k, pair) in range.windows(2).enumerate() {
                left_sum += ys[pair[0]];
                let n_left = k + 1;
                let n_right = total - n_left;
                if n_left < self.min_leaf {
                    continue;
                }
                if n_right < self.min_leaf {
                    break;
                }
                let (a, b) = (column[sample[pair[0]]], column[sample[pair[1]]]);
                if a >= b {
                    continue;
                }
                let right_sum = sum - left_sum;
                let score =
                    left_sum * left_sum / n_left as f64 + right_sum * right_sum / n_right as f64;
                // A gain below rounding noise is no split.
                if score <= parent + 1e-12 * parent.abs() {
                    continue;
                }
                if best.as_ref().is_none_or(|c| score > c.score) {
                    let mut threshold = 0.5 * (a + b);
                    // Midpoints of adjacent floats can round up to b.
                    if threshold >= b {
                        threshold = a;
                    }
                    best = Some(Cut {
                        feature,
                        threshold,
                        score,
                    });
                }
            }
        }
        best
    }
}
