//! Refitting an estimator to observations that mostly did not change.
//!
//! A TPE searcher fits its "bad" density to nearly the whole history before
//! every proposal, and between two proposals that history gains a trial or
//! two. A fresh fit sorts (or buckets) every continuous column to find each
//! kernel's neighbours and computes every kernel's normaliser, which made the
//! fits most of a suggestion's time. A [`FitMemo`] keeps, per continuous
//! dimension, the previous fit's centres in sorted order and each kernel's
//! width and constants, by a caller-given observation id: the next fit merges
//! the few new centres into the sorted order (no sort), recomputes every
//! width from it (a linear pass), and recomputes the constants only of the
//! kernels whose centre or width changed.
//!
//! The result is the fresh fit's, bit for bit: the sorted order is the one
//! the fresh fit's keys give (ids must increase with the row, so they break
//! ties as row indices do), the widths come from the same gaps, and a
//! kernel's constants are a function of its centre and width alone, reused
//! only when both are bitwise the same.

use super::bandwidth::{
    bandwidths, packed_key, sorted_packed_keys, BandwidthContext, PRIOR_INDEX, PRIOR_SOURCE,
};
use super::kernels::GaussianKernels;
use super::settings::Bandwidth;

/// What a previous fit leaves for the next one (see the module docs). Start
/// with `FitMemo::default()` and pass the same memo to every refit of one
/// model; a memo handed observations of another shape or kind simply starts
/// over, so a stale one costs time, never correctness.
#[derive(Debug, Clone, Default)]
pub struct FitMemo {
    /// Ids of the previous fit's observation rows, increasing.
    ids: Vec<u64>,
    /// Per dimension, its continuous column's state (`None`: not memoised).
    columns: Vec<Option<ColumnMemo>>,
    /// Buffers of columns replaced, reused for the next ones.
    spare: Vec<ColumnMemo>,
    /// Scratch: per new row, the old row it continues (`usize::MAX`: none).
    old_of: Vec<usize>,
    /// Scratch: the sorted order handed to the bandwidth rule.
    order: Vec<usize>,
    /// Scratch: rows whose constants must be computed.
    changed: Vec<usize>,
}

/// One continuous column of a fit.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnMemo {
    /// Whether the prior's centre was among the sorted keys.
    with_prior: bool,
    /// Packed keys (quantised centre, row index; the prior's index for the
    /// prior), sorted: exactly what a fresh fit sorts.
    keys: Vec<u64>,
    /// Per observation row: centre, width, `-1/(2σ²)` and log-constant.
    pub mu: Vec<f64>,
    pub sigma: Vec<f64>,
    pub neg_half_precision: Vec<f64>,
    pub log_constant: Vec<f64>,
}

/// Where each previous row went: `map[old] = new row` when the id is still
/// there, `usize::MAX` when not.
pub(crate) struct RowMap {
    map: Vec<usize>,
}

impl FitMemo {
    /// Lines up the previous rows with `ids` (new rows) if both increase;
    /// `None` (start over) otherwise. Resizes the columns to `dims`.
    pub(crate) fn begin(&mut self, ids: &[u64], dims: usize) -> Option<RowMap> {
        if self.columns.len() != dims {
            self.columns = vec![None; dims];
        }
        let increasing = ids.windows(2).all(|w| w[0] < w[1]);
        if !increasing || ids.len() as u64 >= PRIOR_INDEX {
            self.ids.clear();
            self.columns.iter_mut().for_each(|c| *c = None);
            return None;
        }
        let mut map = vec![usize::MAX; self.ids.len()];
        let (mut i, mut j) = (0, 0);
        while i < self.ids.len() && j < ids.len() {
            match self.ids[i].cmp(&ids[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    map[i] = j;
                    i += 1;
                    j += 1;
                }
            }
        }
        Some(RowMap { map })
    }

    /// Records the ids of the fit just made.
    pub(crate) fn finish(&mut self, ids: &[u64]) {
        self.ids.clear();
        self.ids.extend_from_slice(ids);
    }

    /// The kernels of continuous column `d` (centres `mus`, the fit's
    /// bandwidth context) per observation row, reusing what the previous
    /// fit left; kept as the memo for the next fit.
    pub(crate) fn column(
        &mut self,
        d: usize,
        rows: Option<&RowMap>,
        mus: &[f64],
        ctx: &BandwidthContext,
    ) -> &ColumnMemo {
        let previous = self.columns[d]
            .take()
            .filter(|c| c.with_prior == ctx.with_prior);
        let mut next = self.spare.pop().unwrap_or_default();
        let n = mus.len();
        next.with_prior = ctx.with_prior;
        next.mu.clear();
        next.mu.extend_from_slice(mus);
        // Which old row each new row is, if its centre is unchanged too.
        self.old_of.clear();
        self.old_of.resize(n, usize::MAX);
        match (rows, &previous) {
            (Some(rows), Some(prev)) => {
                let mut all_kept = true;
                for ((old, &new), m) in rows.map.iter().enumerate().zip(&prev.mu) {
                    // `get`: a row that left (`usize::MAX`) has no centre.
                    match mus.get(new) {
                        Some(x) if x.to_bits() == m.to_bits() => self.old_of[new] = old,
                        _ => all_kept = false,
                    }
                }
                if !all_kept || !insert_keys(prev, rows, &self.old_of, mus, &mut next.keys) {
                    merge_keys(prev, rows, &self.old_of, mus, &mut next.keys);
                }
            }
            _ => sorted_packed_keys(mus, ctx.with_prior, &mut next.keys),
        }
        next.sigma = match ctx.rule {
            Bandwidth::MagicClip => {
                // The order by centre, with the prior only where the rule
                // counts it as a neighbour.
                let with_prior = ctx.prior_is_neighbour;
                self.order.clear();
                self.order.extend(next.keys.iter().filter_map(|&k| {
                    match (k & PRIOR_INDEX) as usize {
                        i if i < n => Some(i),
                        _ => with_prior.then_some(PRIOR_SOURCE),
                    }
                }));
                bandwidths(mus, Some(&self.order), ctx)
            }
            Bandwidth::Scott => bandwidths(mus, None, ctx),
        };
        next.neg_half_precision.clear();
        next.neg_half_precision.resize(n, 0.0);
        next.log_constant.clear();
        next.log_constant.resize(n, 0.0);
        self.changed.clear();
        match previous.as_ref() {
            None => self.changed.extend(0..n),
            Some(p) => {
                let kept = (next.neg_half_precision.iter_mut())
                    .zip(next.log_constant.iter_mut())
                    .zip(self.old_of.iter().zip(&next.sigma));
                for (new, ((h, c), (&old, s))) in kept.enumerate() {
                    // `get`: a new row (`usize::MAX`) has no old width.
                    match p.sigma.get(old) {
                        Some(was) if was.to_bits() == s.to_bits() => {
                            *h = p.neg_half_precision[old];
                            *c = p.log_constant[old];
                        }
                        _ => self.changed.push(new),
                    }
                }
            }
        }
        if !self.changed.is_empty() {
            let mu: Vec<f64> = self.changed.iter().map(|&i| mus[i]).collect();
            let sigma: Vec<f64> = self.changed.iter().map(|&i| next.sigma[i]).collect();
            let (h, c) = GaussianKernels::density_constants(&mu, &sigma);
            for (k, &i) in self.changed.iter().enumerate() {
                next.neg_half_precision[i] = h[k];
                next.log_constant[i] = c[k];
            }
        }
        if let Some(p) = previous {
            self.spare.push(p);
        }
        self.columns[d].insert(next)
    }

    /// Forgets column `d` (it is not continuous in this fit).
    pub(crate) fn clear_column(&mut self, d: usize) {
        if let Some(c) = self.columns[d].take() {
            self.spare.push(c);
        }
    }
}

/// At most this many new rows are inserted into the sorted keys one by one
/// ([`insert_keys`]); more are merged ([`merge_keys`]).
const MAX_INSERTED: usize = 8;

/// [`merge_keys`] for the usual step of a TPE history, where every previous
/// row stayed (same centre) and a few came in: the previous keys renumbered
/// in one branch-free pass, then each new key inserted where it sorts.
/// `false` (and `out` unspecified) when more than [`MAX_INSERTED`] rows are
/// new: merging is then cheaper.
fn insert_keys(
    prev: &ColumnMemo,
    rows: &RowMap,
    old_of: &[usize],
    mus: &[f64],
    out: &mut Vec<u64>,
) -> bool {
    let new_rows = old_of.len() - rows.map.len();
    if new_rows > MAX_INSERTED {
        return false;
    }
    out.clear();
    out.reserve(prev.keys.len() + new_rows);
    // Every previous row is kept (the caller checked), so `map[old]` is a
    // row index; the prior's key keeps its index.
    out.extend(prev.keys.iter().map(|&k| {
        let old = (k & PRIOR_INDEX) as usize;
        let new = rows.map.get(old).map_or(PRIOR_INDEX, |&j| j as u64);
        (k & !PRIOR_INDEX) | new
    }));
    let added = old_of
        .iter()
        .enumerate()
        .filter(|&(_, &old)| old == usize::MAX);
    for (new, _) in added {
        let key = packed_key(mus[new], new as u64);
        let at = out.partition_point(|&k| k < key);
        out.insert(at, key);
    }
    true
}

/// The previous sorted keys with the rows that stayed renumbered, those that
/// left dropped, and the new ones merged in, into `out`: the same array
/// [`sorted_packed_keys`] gives, since renumbering keeps the order of rows (ids
/// increase with both numberings) and a key's centre part does not change.
fn merge_keys(prev: &ColumnMemo, rows: &RowMap, old_of: &[usize], mus: &[f64], out: &mut Vec<u64>) {
    let mut added: Vec<u64> = old_of
        .iter()
        .enumerate()
        .filter(|&(_, &old)| old == usize::MAX)
        .map(|(new, _)| packed_key(mus[new], new as u64))
        .collect();
    added.sort_unstable();
    let kept = prev.keys.iter().filter_map(|&k| {
        let old = (k & PRIOR_INDEX) as usize;
        if k & PRIOR_INDEX == PRIOR_INDEX {
            return Some(k);
        }
        let new = rows.map.get(old).copied().filter(|&j| j != usize::MAX)?;
        (old_of[new] == old).then_some((k & !PRIOR_INDEX) | new as u64)
    });
    out.clear();
    let mut added = added.into_iter().peekable();
    for k in kept {
        while let Some(a) = added.next_if(|&a| a < k) {
            out.push(a);
        }
        out.push(k);
    }
    out.extend(added);
}
