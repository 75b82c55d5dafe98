//! A contour's surface: trial values spread onto a regular grid (the
//! dashboard's contour view and Python's `plot_contour`).
//!
//! Each grid node takes the inverse-distance-weighted mean (power 2) of
//! its [`NEIGHBOURS`] nearest trials. Nearest only, because with every
//! trial weighing in, the far majority of a big study pulls each node
//! towards the study's mean and flattens the surface; inverse distance,
//! because it is exact at the trials, never leaves the range of the values
//! it mixes, and needs no fit that could fail on duplicates or collinear
//! points (a linear triangulation or a Gaussian process would). Distances
//! are taken in the axes' unit coordinates (log-scaled axes on a log scale,
//! categories spread evenly), so no parameter's units dominate.
//!
//! Cost: the trials are binned into square buckets first, and each node
//! looks only at the rings of buckets around it until no closer trial can
//! remain: about `O(trials + nodes × NEIGHBOURS)` for trials spread over
//! the plane, instead of `O(nodes × trials)` for a scan per node.

/// How many of the nearest trials make a node's value.
pub const NEIGHBOURS: usize = 8;

/// A trial on the grid's plane: unit coordinates and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Its position along the grid's x axis, as a share of the axis.
    pub x: f64,
    /// Its position along the grid's y axis, as a share of the axis.
    pub y: f64,
    /// Its value.
    pub value: f64,
}

/// The interpolated value at each node `(xs[i], ys[j])`, as rows by `j`:
/// `z[j][i]`. `None` everywhere when there are no samples.
pub fn grid(samples: &[Sample], xs: &[f64], ys: &[f64]) -> Vec<Vec<Option<f64>>> {
    let buckets = Buckets::new(samples);
    ys.iter()
        .map(|&y| xs.iter().map(|&x| buckets.at(x, y)).collect())
        .collect()
}

/// The samples binned into `side × side` square buckets over the unit
/// square (samples outside it go to the edge buckets).
struct Buckets<'a> {
    samples: &'a [Sample],
    side: usize,
    cells: Vec<Vec<usize>>,
}

impl<'a> Buckets<'a> {
    fn new(samples: &'a [Sample]) -> Buckets<'a> {
        // About two samples per bucket.
        let side = ((samples.len() as f64 / 2.0).sqrt().ceil() as usize).clamp(1, 512);
        let mut cells = vec![Vec::new(); side * side];
        for (i, s) in samples.iter().enumerate() {
            let (cx, cy) = (cell(s.x, side), cell(s.y, side));
            cells[cy * side + cx].push(i);
        }
        Buckets {
            samples,
            side,
            cells,
        }
    }

    /// The value at `(x, y)`: rings of buckets around its own, outwards,
    /// until the ring's nearest possible point is farther than the
    /// farthest of the nearest found.
    fn at(&self, x: f64, y: f64) -> Option<f64> {
        let side = self.side as i64;
        let (cx, cy) = (cell(x, self.side) as i64, cell(y, self.side) as i64);
        let width = 1.0 / self.side as f64;
        let mut near = Near::default();
        for ring in 0..=side {
            for dy in -ring..=ring {
                for dx in -ring..=ring {
                    if dx.abs().max(dy.abs()) != ring {
                        continue;
                    }
                    let (bx, by) = (cx + dx, cy + dy);
                    if bx < 0 || by < 0 || bx >= side || by >= side {
                        continue;
                    }
                    for &i in &self.cells[(by * side + bx) as usize] {
                        near.offer(&self.samples[i], x, y);
                    }
                }
            }
            // A sample `ring + 1` buckets away is at least `ring` bucket
            // widths from (x, y), wherever (x, y) is in its own bucket.
            let reach = ring as f64 * width;
            if near.full() && near.farthest() <= reach * reach {
                break;
            }
        }
        near.value()
    }
}

/// The bucket of a unit coordinate.
fn cell(u: f64, side: usize) -> usize {
    ((u * side as f64).floor().max(0.0) as usize).min(side - 1)
}

/// The nearest samples so far, as (squared distance, value), sorted.
#[derive(Default)]
struct Near(Vec<(f64, f64)>);

impl Near {
    fn offer(&mut self, s: &Sample, x: f64, y: f64) {
        let d2 = (s.x - x).powi(2) + (s.y - y).powi(2);
        if self.full() && d2 >= self.farthest() {
            return;
        }
        let place = self.0.partition_point(|n| n.0 <= d2);
        self.0.insert(place, (d2, s.value));
        self.0.truncate(NEIGHBOURS);
    }

    fn full(&self) -> bool {
        self.0.len() == NEIGHBOURS
    }

    fn farthest(&self) -> f64 {
        self.0.last().map_or(f64::INFINITY, |n| n.0)
    }

    /// The weighted mean of the nearest.
    fn value(&self) -> Option<f64> {
        weighted(&self.0)
    }
}

/// Inverse-distance weighting of the nearest, as (squared distance,
/// value).
fn weighted(near: &[(f64, f64)]) -> Option<f64> {
    if near.is_empty() {
        return None;
    }
    // On a trial (or several at the same place): their mean, exactly.
    let on: Vec<f64> = near
        .iter()
        .filter(|n| n.0 <= f64::EPSILON * f64::EPSILON)
        .map(|n| n.1)
        .collect();
    if !on.is_empty() {
        return Some(on.iter().sum::<f64>() / on.len() as f64);
    }
    // Weight 1/d² is 1/(squared distance).
    let (sum, weights) = near
        .iter()
        .fold((0.0, 0.0), |(s, w), &(d2, v)| (s + v / d2, w + 1.0 / d2));
    Some(sum / weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value at `(x, y)` by a scan over every sample: what [`grid`]
    /// computes faster through its buckets.
    fn at(samples: &[Sample], x: f64, y: f64) -> Option<f64> {
        let mut near = Near::default();
        for s in samples {
            near.offer(s, x, y);
        }
        near.value()
    }

    fn samples(f: impl Fn(f64, f64) -> f64, n: usize) -> Vec<Sample> {
        // A fixed low-discrepancy scatter (the additive recurrence with
        // the golden ratio's conjugates), so the test needs no RNG.
        (0..n)
            .map(|i| {
                let x = (i as f64 * 0.754_877_666_246_692_7).fract();
                let y = (i as f64 * 0.569_840_290_998_053_3).fract();
                Sample {
                    x,
                    y,
                    value: f(x, y),
                }
            })
            .collect()
    }

    #[test]
    fn exact_at_the_trials() {
        let s = samples(|x, y| x * 3.0 - y * y, 200);
        for p in s.iter().step_by(17) {
            assert_eq!(at(&s, p.x, p.y), Some(p.value));
        }
    }

    #[test]
    fn duplicates_average() {
        let s = [
            Sample {
                x: 0.5,
                y: 0.5,
                value: 1.0,
            },
            Sample {
                x: 0.5,
                y: 0.5,
                value: 3.0,
            },
            Sample {
                x: 0.0,
                y: 0.0,
                value: 100.0,
            },
        ];
        assert_eq!(at(&s, 0.5, 0.5), Some(2.0));
    }

    #[test]
    fn a_smooth_surface_is_recovered_between_the_trials() {
        let f = |x: f64, y: f64| 2.0 * x + y;
        let s = samples(f, 2_000);
        let xs: Vec<f64> = (0..20).map(|i| 0.05 + i as f64 * 0.045).collect();
        let z = grid(&s, &xs, &xs);
        assert_eq!((z.len(), z[0].len()), (20, 20));
        for (j, row) in z.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let want = f(xs[i], xs[j]);
                let got = v.unwrap();
                assert!((got - want).abs() < 0.05, "({i},{j}): {got} vs {want}");
            }
        }
    }

    #[test]
    fn never_leaves_the_range_of_the_values() {
        let s = samples(|x, y| (x * 9.0).sin() * (y * 7.0).cos(), 300);
        let (lo, hi) = s
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.value), b.max(p.value))
            });
        let xs: Vec<f64> = (0..=30).map(|i| i as f64 / 30.0).collect();
        for row in grid(&s, &xs, &xs) {
            for v in row {
                let v = v.unwrap();
                assert!(v >= lo && v <= hi, "{v} outside [{lo}, {hi}]");
            }
        }
    }

    #[test]
    fn the_buckets_find_what_a_scan_finds() {
        for n in [1, 5, 9, 100, 3_000] {
            let s = samples(|x, y| (x * 5.0).sin() + y * y, n);
            let xs: Vec<f64> = (0..=24).map(|i| i as f64 / 24.0 * 1.2 - 0.1).collect();
            let z = grid(&s, &xs, &xs);
            for (j, row) in z.iter().enumerate() {
                for (i, v) in row.iter().enumerate() {
                    let want = at(&s, xs[i], xs[j]).unwrap();
                    assert!((v.unwrap() - want).abs() < 1e-12, "n={n} ({i},{j})");
                }
            }
        }
    }

    #[test]
    fn no_trials_no_surface() {
        assert_eq!(grid(&[], &[0.0, 1.0], &[0.5]), vec![vec![None, None]]);
    }
}
