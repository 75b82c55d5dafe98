//! Which observations a model uses when there are too many for all of
//! them: hyperparameters are fitted on a uniform random subset, and past a
//! larger size the posterior itself is conditioned on a subset of data
//! (the best observations plus a uniform random share of the rest).
//! Both picks stay put as observations are appended (a new row displaces
//! at most one), so warm starts stay close and a model's factorisation can
//! usually be reused or extended.

use ndarray::ArrayView1;

/// `k` of the row indices `0..n`, sorted: those with the smallest keys
/// under a fixed hash of the index. The pick is a uniform random sample,
/// yet stable as rows are appended (a new row displaces at most one), so a
/// warm start from the previous fit stays close.
pub(super) fn subset(n: usize, k: usize) -> Vec<usize> {
    let mut keyed: Vec<(u64, usize)> = (0..n).map(|i| (splitmix64(i as u64), i)).collect();
    if k < n {
        keyed.select_nth_unstable(k);
        keyed.truncate(k);
    }
    let mut idx: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    idx.sort_unstable();
    idx
}

/// SplitMix64's output function (Steele, Lea & Flood 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The rows a posterior restricted to `k` of `y.len()` observations is
/// conditioned on (subset of data; Rasmussen & Williams 2006, §8.3.3),
/// sorted: the `k / 4` lowest values of `y` (ties broken by index), so the
/// model stays exact where the search exploits, then as many rows as fill
/// `k` from the rest in the stable random order of [`subset`]. All rows
/// when `k ≥ y.len()`. NaN values rank last.
pub fn posterior_subset(y: ArrayView1<'_, f64>, k: usize) -> Vec<usize> {
    let n = y.len();
    if k >= n {
        return (0..n).collect();
    }
    let n_best = k / 4;
    let mut by_value: Vec<usize> = (0..n).collect();
    let key = |i: &usize| if y[*i].is_nan() { f64::INFINITY } else { y[*i] };
    if n_best > 0 {
        by_value
            .select_nth_unstable_by(n_best - 1, |a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
    }
    let mut chosen = vec![false; n];
    for &i in &by_value[..n_best] {
        chosen[i] = true;
    }
    let mut keyed: Vec<(u64, usize)> = (0..n)
        .filter(|i| !chosen[*i])
        .map(|i| (splitmix64(i as u64), i))
        .collect();
    let rest = k - n_best;
    if rest < keyed.len() {
        keyed.select_nth_unstable(rest);
        keyed.truncate(rest);
    }
    for (_, i) in keyed {
        chosen[i] = true;
    }
    (0..n).filter(|i| chosen[*i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn the_posterior_subset_keeps_the_best_and_stays_put_as_rows_arrive() {
        let y = Array1::from_iter((0..500).map(|i| ((i * 7919) % 500) as f64));
        let rows = posterior_subset(y.view(), 100);
        assert_eq!(rows.len(), 100);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        // The 25 best values (0..25) are all in.
        let best: Vec<usize> = (0..500).filter(|i| y[*i] < 25.0).collect();
        assert!(best.iter().all(|i| rows.contains(i)));
        // A new worst row displaces at most one old row.
        let mut grown = y.to_vec();
        grown.push(1e9);
        let after = posterior_subset(Array1::from(grown).view(), 100);
        let kept = rows.iter().filter(|i| after.contains(i)).count();
        assert!(kept >= 99, "{kept}");
        // Everything when the budget covers it; NaN ranks last.
        assert_eq!(posterior_subset(y.view(), 500).len(), 500);
        let nan = Array1::from(vec![f64::NAN, 3.0, f64::NAN, 0.5, 2.0, 4.0, 5.0, 6.0]);
        let picked = posterior_subset(nan.view(), 4);
        assert_eq!(picked.len(), 4);
        assert!(picked.contains(&3), "{picked:?}");
    }
}
