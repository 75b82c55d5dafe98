//! A two-dimensional Pareto front kept sorted in a balanced tree, with the
//! area it dominates up to a reference corner updated on every insertion:
//! the sweep structure of the three-dimensional hypervolume (as in HV3D,
//! Beume et al. 2009 / Fonseca et al. 2006).

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// An `f64` key ordered by `total_cmp` (callers never store NaN or -0.0).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Mutually non-dominated points `(x, y)`, `y` strictly falling as `x`
/// rises, all strictly inside the corner `(rx, ry)`.
#[derive(Debug, Clone)]
pub(crate) struct Staircase {
    points: BTreeMap<Key, f64>,
    rx: f64,
    ry: f64,
    area: f64,
}

impl Staircase {
    pub(crate) fn new(rx: f64, ry: f64) -> Self {
        Self {
            points: BTreeMap::new(),
            rx,
            ry,
            area: 0.0,
        }
    }

    /// The area of `[x, rx] × [y, ry]` summed over the union of the points.
    pub(crate) fn area(&self) -> f64 {
        self.area
    }

    /// Adds `(x, y)` (strictly inside the corner) and returns the area it
    /// adds: 0 if a point already there dominates or equals it; otherwise
    /// the points it dominates leave. O(log N) amortised.
    pub(crate) fn insert(&mut self, x: f64, y: f64) -> f64 {
        if self.points.get(&Key(x)).is_some_and(|&y0| y0 <= y) {
            return 0.0;
        }
        let left = self.points.range(..Key(x)).next_back().map(|(_, &y0)| y0);
        if left.is_some_and(|y0| y0 <= y) {
            return 0.0;
        }
        // Walk right over the points (x' >= x, y' >= y) that the new one
        // dominates, adding the strips between the old staircase and y.
        let mut from_x = x;
        let mut height = left.unwrap_or(self.ry);
        let mut added = 0.0;
        let mut dominated = Vec::new();
        let mut end_x = self.rx;
        for (&Key(qx), &qy) in self.points.range(Key(x)..) {
            if qy < y {
                end_x = qx;
                break;
            }
            added += (qx - from_x) * (height - y);
            from_x = qx;
            height = qy;
            dominated.push(Key(qx));
        }
        added += (end_x - from_x) * (height - y);
        for key in dominated {
            self.points.remove(&key);
        }
        self.points.insert(Key(x), y);
        self.area += added;
        added
    }
}
