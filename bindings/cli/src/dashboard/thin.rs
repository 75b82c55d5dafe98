//! Thinning a series for the screen: a chart a few hundred pixels wide
//! cannot show 10,000 points, and shipping them costs the page its speed.
//!
//! The kept points are the lowest and the highest of each bucket of
//! consecutive points (the "min-max" decimation plotting tools use), so a
//! spike or a dip survives thinning; a monotone series keeps its ends.

/// The indices of the points of `ys` to draw, in order, at most `max`
/// of them (all of them when there are no more than `max`).
///
/// `ys` is in drawing order (by trial number, by step); missing values
/// (`NaN`) are never kept unless nothing else is in their bucket.
pub fn keep_indices(ys: &[f64], max: usize) -> Vec<usize> {
    if ys.len() <= max {
        return (0..ys.len()).collect();
    }
    let buckets = (max / 2).max(1);
    let mut kept = Vec::with_capacity(buckets * 2);
    for b in 0..buckets {
        let start = b * ys.len() / buckets;
        let end = ((b + 1) * ys.len() / buckets).max(start + 1);
        let (mut lo, mut hi) = (start, start);
        for i in start..end {
            if ys[i] < ys[lo] || ys[lo].is_nan() {
                lo = i;
            }
            if ys[i] > ys[hi] || ys[hi].is_nan() {
                hi = i;
            }
        }
        kept.push(lo.min(hi));
        if lo != hi {
            kept.push(lo.max(hi));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        assert_eq!(keep_indices(&[3.0, 1.0, 2.0], 10), vec![0, 1, 2]);
        assert!(keep_indices(&[], 10).is_empty());
    }

    #[test]
    fn long_series_are_cut_to_the_budget_in_order() {
        let ys: Vec<f64> = (0..10_000).map(|i| ((i as f64) * 0.37).sin()).collect();
        for max in [2, 3, 100, 501, 9_999] {
            let kept = keep_indices(&ys, max);
            assert!(kept.len() <= max, "{} > {max}", kept.len());
            assert!(kept.len() >= max / 2, "{} kept of {max}", kept.len());
            assert!(kept.windows(2).all(|w| w[0] < w[1]), "not in order");
        }
    }

    #[test]
    fn a_spike_survives() {
        let mut ys = vec![1.0; 50_000];
        ys[31_337] = 100.0;
        ys[12_345] = -5.0;
        let kept = keep_indices(&ys, 200);
        assert!(kept.contains(&31_337));
        assert!(kept.contains(&12_345));
    }

    #[test]
    fn missing_values_give_way_to_numbers() {
        let ys = [f64::NAN, 2.0, f64::NAN, f64::NAN, 1.0, f64::NAN];
        assert_eq!(keep_indices(&ys, 2), vec![1, 4]);
    }
}
