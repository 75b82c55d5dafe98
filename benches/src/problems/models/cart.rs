//! A small, deterministic CART classification tree.
//!
//! Written for the suite because `linfa-trees` 0.8 is not deterministic: it
//! keeps class weights in `std` hash maps, whose iteration order changes from
//! map to map, so tied leaves and equal-scoring splits are resolved at random
//! and the cross-validation error at one configuration changed between calls
//! (0.3909 and 0.3971 on winequality). Here every tie is broken by order:
//! the lowest class wins a tied leaf, the first feature and threshold win a
//! tied split.

use ndarray::{ArrayView1, ArrayView2};

/// How a split's quality is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    /// Gini impurity, `1 - sum p^2`.
    Gini,
    /// Entropy, `-sum p log2 p`.
    Entropy,
}

impl Criterion {
    fn impurity(self, counts: &[f64], total: f64) -> f64 {
        match self {
            Criterion::Gini => 1.0 - counts.iter().map(|c| (c / total).powi(2)).sum::<f64>(),
            Criterion::Entropy => -counts
                .iter()
                .filter(|c| **c > 0.0)
                .map(|c| {
                    let p = c / total;
                    p * p.log2()
                })
                .sum::<f64>(),
        }
    }
}

/// The tree's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreeSettings {
    /// The deepest a leaf may be (the root is at depth 0).
    pub(crate) max_depth: usize,
    /// Nodes with fewer samples are not split.
    pub(crate) min_split: usize,
    /// The split criterion.
    pub(crate) criterion: Criterion,
}

#[derive(Debug)]
enum Node {
    Leaf(usize),
    Split {
        feature: usize,
        threshold: f64,
        left: Box<Node>,
        right: Box<Node>,
    },
}

/// A fitted tree.
#[derive(Debug)]
pub(crate) struct Tree {
    root: Node,
}

impl Tree {
    /// Fits a tree to `x` (rows are samples) and classes `y` in
    /// `0..classes`.
    pub(crate) fn fit(x: ArrayView2<f64>, y: &[usize], classes: usize, s: TreeSettings) -> Tree {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        Tree {
            root: grow(&x, y, classes, &s, rows, 0),
        }
    }

    /// The class predicted for one sample.
    pub(crate) fn predict(&self, sample: ArrayView1<f64>) -> usize {
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(class) => return *class,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    node = if sample[*feature] < *threshold {
                        left
                    } else {
                        right
                    }
                }
            }
        }
    }
}

fn counts_of(y: &[usize], classes: usize, rows: &[usize]) -> Vec<f64> {
    let mut counts = vec![0.0; classes];
    for &r in rows {
        counts[y[r]] += 1.0;
    }
    counts
}

/// The most frequent class; the lowest on a tie.
fn modal(counts: &[f64]) -> usize {
    let mut best = 0;
    for (c, n) in counts.iter().enumerate() {
        if *n > counts[best] {
            best = c;
        }
    }
    best
}

fn grow(
    x: &ArrayView2<f64>,
    y: &[usize],
    classes: usize,
    s: &TreeSettings,
    rows: Vec<usize>,
    depth: usize,
) -> Node {
    let counts = counts_of(y, classes, &rows);
    let n = rows.len() as f64;
    let parent = s.criterion.impurity(&counts, n);
    if rows.len() < s.min_split || depth >= s.max_depth || parent <= 0.0 {
        return Node::Leaf(modal(&counts));
    }
    // (score, feature, threshold) of the best split so far.
    let mut best: Option<(f64, usize, f64)> = None;
    let mut sorted = rows.clone();
    for feature in 0..x.ncols() {
        sorted.sort_by(|&a, &b| x[[a, feature]].total_cmp(&x[[b, feature]]).then(a.cmp(&b)));
        let mut left = vec![0.0; classes];
        let mut right = counts.clone();
        for i in 0..sorted.len() - 1 {
            let r = sorted[i];
            left[y[r]] += 1.0;
            right[y[r]] -= 1.0;
            let (here, next) = (x[[r, feature]], x[[sorted[i + 1], feature]]);
            if here == next {
                continue;
            }
            let nl = (i + 1) as f64;
            let nr = n - nl;
            let score =
                (nl * s.criterion.impurity(&left, nl) + nr * s.criterion.impurity(&right, nr)) / n;
            if best.is_none_or(|(b, _, _)| score < b) {
                best = Some((score, feature, (here + next) / 2.0));
            }
        }
    }
    match best {
        Some((score, feature, threshold)) if score < parent - 1e-12 => {
            let (l, r): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&row| x[[row, feature]] < threshold);
            Node::Split {
                feature,
                threshold,
                left: Box::new(grow(x, y, classes, s, l, depth + 1)),
                right: Box::new(grow(x, y, classes, s, r, depth + 1)),
            }
        }
        _ => Node::Leaf(modal(&counts)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn settings(max_depth: usize, min_split: usize) -> TreeSettings {
        TreeSettings {
            max_depth,
            min_split,
            criterion: Criterion::Gini,
        }
    }

    #[test]
    fn splits_at_the_midpoint_and_breaks_ties_by_order() {
        let x = array![[1.0, 9.0], [2.0, 9.0], [3.0, 9.0], [4.0, 9.0]];
        let y = [0, 0, 1, 1];
        let tree = Tree::fit(x.view(), &y, 2, settings(3, 2));
        assert_eq!(tree.predict(array![2.49, 0.0].view()), 0);
        assert_eq!(tree.predict(array![2.5, 0.0].view()), 1);
        // Too few samples to split: one leaf, the tie goes to class 0.
        let leaf = Tree::fit(x.view(), &y, 2, settings(3, 5));
        assert_eq!(leaf.predict(array![4.0, 0.0].view()), 0);
    }

    #[test]
    fn impurities_by_hand() {
        assert_eq!(Criterion::Gini.impurity(&[2.0, 2.0], 4.0), 0.5);
        assert_eq!(Criterion::Entropy.impurity(&[2.0, 2.0, 0.0], 4.0), 1.0);
        assert_eq!(Criterion::Entropy.impurity(&[0.0, 3.0], 3.0), 0.0);
    }
}
