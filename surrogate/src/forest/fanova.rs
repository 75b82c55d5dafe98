//! fANOVA main effects (Hutter, Hoos & Leyton-Brown, "An Efficient Approach
//! for Assessing Hyperparameter Importance", ICML 2014) over a forest.
//!
//! A tree is constant on each leaf's box, so under the uniform measure of
//! the unit cube its mean, its variance and the marginal of one feature are
//! finite sums over leaves. For feature `j`, the thresholds the tree uses on
//! `j` cut `[0, 1]` into cells; each leaf covers a run of cells, and the
//! marginal prediction on a cell is the sum, over the leaves covering it, of
//! the leaf's value times the volume of its box in the other features. The
//! variance of that marginal over the cells, divided by the tree's total
//! variance, is `j`'s share; a forest's share is the mean over its trees.

use super::tree::{Node, RandomForest, RegressionTree};

/// Each feature's main-effect share of the forest's variance: the mean over
/// trees of `Var(marginal of j) / Var(tree)`. Trees that are constant
/// (nothing to explain) are left out of the mean; when every tree is, all
/// shares are 0. Shares do not sum to 1: interactions hold the rest.
pub fn fanova(forest: &RandomForest) -> Vec<f64> {
    let n_features = forest.trees().first().map_or(0, |t| t.n_features());
    let mut total = vec![0.0; n_features];
    let mut counted = 0usize;
    for tree in forest.trees() {
        if let Some(shares) = tree_variance_shares(tree) {
            for (t, s) in total.iter_mut().zip(shares) {
                *t += s;
            }
            counted += 1;
        }
    }
    if counted > 0 {
        total.iter_mut().for_each(|t| *t /= counted as f64);
    }
    total
}

/// One leaf: its prediction and its box, `(low, high)` per feature.
struct Leaf {
    value: f64,
    bounds: Vec<(f64, f64)>,
}

impl Leaf {
    fn volume(&self) -> f64 {
        self.bounds.iter().map(|(lo, hi)| hi - lo).product()
    }
}

/// The main-effect share of each feature in one tree, or `None` when the
/// tree predicts one value everywhere.
pub fn tree_variance_shares(tree: &RegressionTree) -> Option<Vec<f64>> {
    let d = tree.n_features();
    let leaves = leaves(tree);
    let volumes: Vec<f64> = leaves.iter().map(Leaf::volume).collect();
    let mean: f64 = leaves.iter().zip(&volumes).map(|(l, v)| l.value * v).sum();
    let variance: f64 = leaves
        .iter()
        .zip(&volumes)
        .map(|(l, v)| v * (l.value - mean).powi(2))
        .sum();
    if variance <= 1e-14 * mean.abs().max(1.0).powi(2) {
        return None;
    }
    let mut cuts: Vec<Vec<f64>> = vec![vec![0.0, 1.0]; d];
    for node in &tree.nodes {
        if let Node::Split {
            feature, threshold, ..
        } = *node
        {
            cuts[feature].push(threshold);
        }
    }
    let mut shares = Vec::with_capacity(d);
    let mut marginal = Vec::new();
    for (j, edges) in cuts.iter_mut().enumerate() {
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        let n_cells = edges.len() - 1;
        if n_cells == 1 {
            // The tree never splits on j: its marginal is flat.
            shares.push(0.0);
            continue;
        }
        // Difference array over cells: a leaf adds its weight to a run.
        marginal.clear();
        marginal.resize(n_cells + 1, 0.0);
        for (leaf, volume) in leaves.iter().zip(&volumes) {
            let (lo, hi) = leaf.bounds[j];
            if hi <= lo {
                continue; // an empty box weighs nothing
            }
            let weight = leaf.value * volume / (hi - lo);
            marginal[edges.partition_point(|&e| e < lo)] += weight;
            marginal[edges.partition_point(|&e| e < hi)] -= weight;
        }
        let mut running = 0.0;
        let mut effect = 0.0;
        for c in 0..n_cells {
            running += marginal[c];
            effect += (edges[c + 1] - edges[c]) * (running - mean).powi(2);
        }
        shares.push(effect / variance);
    }
    Some(shares)
}

/// Every leaf of the tree with its box.
fn leaves(tree: &RegressionTree) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut stack = vec![(0usize, vec![(0.0, 1.0); tree.n_features()])];
    while let Some((i, bounds)) = stack.pop() {
        match tree.nodes[i] {
            Node::Leaf { value } => out.push(Leaf { value, bounds }),
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                let mut lower = bounds.clone();
                lower[feature].1 = threshold;
                let mut upper = bounds;
                upper[feature].0 = threshold;
                stack.push((right, upper));
                stack.push((left, lower));
            }
        }
    }
    out
}
