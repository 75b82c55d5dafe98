//! Magic-clip neighbour gaps without sorting every centre.
//!
//! The magic clip gives each kernel the larger of the gaps to its two
//! neighbours, clipped below at `min_sigma`. With many observations almost
//! every gap is below the clip, so the exact gap does not matter, only that
//! it is small; and that shows without a sort: cut `[0, 1]` into cells at
//! most `min_sigma / 4` wide. A centre whose left and right cells both hold
//! a centre has both neighbours within `min_sigma / 2` (plus rounding), so
//! its width is the clip. Only the centres of the other cells, and their
//! neighbours, need an order, and that is the order of the packed keys
//! within a cell: cells are ranges of keys, so the centres come out in the
//! same order as a full sort would put them, and the gaps are the same
//! numbers.
//!
//! For ten thousand observations that is a counting pass over ~500 cells
//! and a couple of small sorts, instead of a sort of ten thousand keys.

use super::bandwidth::{packed_key, INDEX_BITS, PRIOR_INDEX, PRIOR_MU};

/// Bits of a packed key above the index that hold the quantised centre.
const CENTRE_BITS: u32 = 40;

/// For each observation (centres `mus` in `[0, 1]`, the prior's at
/// [`PRIOR_MU`] if `with_prior`), a raw magic-clip gap that clips to the
/// same width as the exact one: the exact gap where it may reach
/// `min_sigma`, and 0 where it is sure not to. `None` past the packed keys'
/// index range; the caller then sorts.
pub(crate) fn clipped_gaps(
    mus: &[f64],
    with_prior: bool,
    consider_endpoints: bool,
    min_sigma: f64,
) -> Option<Vec<f64>> {
    let n = mus.len();
    if n as u64 >= PRIOR_INDEX || min_sigma.is_nan() || min_sigma <= 0.0 {
        return None;
    }
    let mut keys: Vec<u64> = Vec::with_capacity(n + 1);
    keys.extend(
        mus.iter()
            .enumerate()
            .map(|(i, &m)| packed_key(m, i as u64)),
    );
    if with_prior {
        keys.push(packed_key(PRIOR_MU, PRIOR_INDEX));
    }
    let m = keys.len();

    // Cells of width 2^-bits <= min_sigma / 4 (at most 2^10 of them, as
    // min_sigma >= 1/100), plus one for centres at exactly 1.
    let mut bits = 0;
    while bits < CENTRE_BITS - 1 && 0.25 * min_sigma < (0.5f64).powi(bits as i32) {
        bits += 1;
    }
    let last = 1usize << bits;
    let shift = INDEX_BITS + CENTRE_BITS - bits;
    let cell = |k: u64| ((k >> shift) as usize).min(last);

    // Counting sort into cells, stable: `start[c]..start[c + 1]` is cell c.
    let mut start = vec![0usize; last + 2];
    for &k in &keys {
        start[cell(k) + 1] += 1;
    }
    for c in 1..start.len() {
        start[c] += start[c - 1];
    }
    let mut by_cell = vec![0u64; m];
    let mut next = start.clone();
    for &k in &keys {
        let slot = &mut next[cell(k)];
        by_cell[*slot] = k;
        *slot += 1;
    }
    let occupied = |c: usize| start[c + 1] > start[c];

    let centre = |k: u64| {
        mus.get((k & PRIOR_INDEX) as usize)
            .copied()
            .unwrap_or(PRIOR_MU)
    };
    let mut out = vec![0.0; n];
    // The largest key of the nearest occupied cell to the left.
    let mut previous: Option<u64> = None;
    for c in 0..=last {
        let (lo, hi) = (start[c], start[c + 1]);
        if lo == hi {
            continue;
        }
        let surrounded = c > 0 && c < last && occupied(c - 1) && occupied(c + 1);
        if surrounded {
            // Both neighbours lie within two cells, under min_sigma: the
            // gaps stay 0. The cell's largest key is the next one's left
            // neighbour.
            previous = by_cell[lo..hi].iter().copied().max();
            continue;
        }
        by_cell[lo..hi].sort_unstable();
        // The first key of the nearest occupied cell to the right.
        let following = (c + 1..=last)
            .find(|&d| occupied(d))
            .and_then(|d| by_cell[start[d]..start[d + 1]].iter().copied().min());
        for i in lo..hi {
            let here = centre(by_cell[i]);
            let before = if i > lo {
                Some(by_cell[i - 1])
            } else {
                previous
            };
            let after = if i + 1 < hi {
                Some(by_cell[i + 1])
            } else {
                following
            };
            let before_x = before.map_or(0.0, centre);
            let after_x = after.map_or(1.0, centre);
            // As in `neighbour_gaps`, to the last bit.
            let mut gap = (here - before_x).max(after_x - here);
            if !consider_endpoints && m >= 2 {
                if i == 0 {
                    gap = after_x - here;
                } else if i == m - 1 {
                    gap = here - before_x;
                }
            }
            if let Some(o) = out.get_mut((by_cell[i] & PRIOR_INDEX) as usize) {
                *o = gap;
            }
        }
        previous = Some(by_cell[hi - 1]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parzen::bandwidth::{neighbour_gaps, sorted_centres};

    fn clip(gaps: &[f64], min_sigma: f64) -> Vec<f64> {
        gaps.iter().map(|g| g.max(min_sigma)).collect()
    }

    /// The grid and the full sort give bit-identical clipped widths, for
    /// spread, clustered, tied, discrete and boundary centres, small and
    /// large samples, with and without the prior and the endpoints.
    #[test]
    fn grid_gaps_clip_like_the_sorted_ones() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut cases: Vec<Vec<f64>> = vec![vec![], vec![0.3], vec![0.0, 1.0], vec![0.5, 0.5]];
        for n in [3, 10, 50, 200, 1000, 5000] {
            let spread: Vec<f64> = (0..n).map(|_| uniform()).collect();
            let clustered: Vec<f64> = (0..n).map(|_| 0.7 + 0.001 * uniform()).collect();
            let near_ties: Vec<f64> = (0..n).map(|i| 0.25 + 1e-13 * (i % 7) as f64).collect();
            let discrete: Vec<f64> = (0..n)
                .map(|_| ((uniform() * 8.0).floor() + 0.5) / 8.0)
                .collect();
            let ends: Vec<f64> = (0..n).map(|i| [0.0, 1.0, uniform()][i % 3]).collect();
            let mixed: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        uniform()
                    } else {
                        0.1 * uniform()
                    }
                })
                .collect();
            cases.extend([spread, clustered, near_ties, discrete, ends, mixed]);
        }
        for mus in &cases {
            let min_sigma = 1.0 / 100f64.min(2.0 + mus.len() as f64);
            for with_prior in [false, true] {
                for consider_endpoints in [false, true] {
                    let order = sorted_centres(mus, with_prior);
                    let want = clip(&neighbour_gaps(mus, &order, consider_endpoints), min_sigma);
                    let got = clipped_gaps(mus, with_prior, consider_endpoints, min_sigma)
                        .expect("in range");
                    let got = clip(&got, min_sigma);
                    assert_eq!(
                        got.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                        "n = {}, prior {with_prior}, endpoints {consider_endpoints}",
                        mus.len()
                    );
                }
            }
        }
    }
}
