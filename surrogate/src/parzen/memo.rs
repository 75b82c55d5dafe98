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
    bandwidths, clipped_width, magic_clip_min_sigma, neighbour_gap, packed_key, sorted_packed_keys,
    BandwidthContext, PRIOR_INDEX, PRIOR_MU, PRIOR_SOURCE,
};
use super::joint::JointLayout;
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
    /// The buffers of the last estimator fitted with this memo, handed
    /// back by [`ParzenEstimator::recycle`](super::ParzenEstimator::recycle)
    /// for the next fit to write into instead of allocating.
    kernels: Vec<GaussianKernels>,
    layout: Option<JointLayout>,
}

/// One continuous column of a fit.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnMemo {
    /// Whether the prior's centre was among the sorted keys.
    with_prior: bool,
    /// Packed keys (quantised centre, row index; the prior's index for the
    /// prior), sorted: exactly what a fresh fit sorts.
    keys: Vec<u64>,
    /// Under the magic clip, what the widths were clipped with (`None`
    /// under Scott's rule, whose widths all change with the count).
    clip: Option<Clip>,
    /// Per observation row: centre, width, `-1/(2σ²)` and log-constant.
    pub mu: Vec<f64>,
    pub sigma: Vec<f64>,
    pub neg_half_precision: Vec<f64>,
    pub log_constant: Vec<f64>,
}

/// The magic clip's settings for one fit: when the next fit has the same,
/// a kernel whose neighbours did not change keeps its width.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clip {
    min_sigma: f64,
    consider_endpoints: bool,
    prior_is_neighbour: bool,
}

impl Clip {
    fn of(ctx: &BandwidthContext, n: usize) -> Option<Self> {
        (ctx.rule == Bandwidth::MagicClip).then(|| Self {
            min_sigma: magic_clip_min_sigma(n),
            consider_endpoints: ctx.consider_endpoints,
            prior_is_neighbour: ctx.prior_is_neighbour,
        })
    }
}

/// Where each previous row went: `map[old] = new row` when the id is still
/// there, `usize::MAX` when not.
pub(crate) struct RowMap {
    map: Vec<usize>,
    /// The new rows that continue no previous one, increasing.
    added: Vec<usize>,
    /// Whether every previous row is still there.
    all_kept: bool,
}

impl RowMap {
    /// Whether a row came in before some previous one (which then has
    /// another index), rather than only at the end.
    fn shifted(&self) -> bool {
        self.added.first().is_some_and(|&a| a < self.map.len())
    }

    /// Renumbers sorted keys of the previous rows (all kept) to the new
    /// rows, then inserts the keys of the added rows (centres `mus`) where
    /// they sort: the array [`sorted_packed_keys`] gives, as renumbering
    /// keeps the order of rows (ids increase with both numberings) and a
    /// key's centre part does not change.
    fn renumber_and_insert(&self, keys: &mut Vec<u64>, mus: &[f64]) {
        // Rows kept in place (they only grew at the end) need no renumbering.
        if self.shifted() {
            for k in keys.iter_mut() {
                // The prior's index is past the map: it keeps it.
                if let Some(&new) = self.map.get((*k & PRIOR_INDEX) as usize) {
                    *k = (*k & !PRIOR_INDEX) | new as u64;
                }
            }
        }
        keys.reserve(self.added.len());
        for &new in &self.added {
            let key = packed_key(mus[new], new as u64);
            let at = keys.partition_point(|&k| k < key);
            keys.insert(at, key);
        }
    }
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
        let mut added = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ids.len() && j < ids.len() {
            match self.ids[i].cmp(&ids[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => {
                    added.push(j);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    map[i] = j;
                    i += 1;
                    j += 1;
                }
            }
        }
        added.extend(j..ids.len());
        let all_kept = map.iter().all(|&new| new != usize::MAX);
        Some(RowMap {
            map,
            added,
            all_kept,
        })
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
        let mut previous = self.columns[d]
            .take()
            .filter(|c| c.with_prior == ctx.with_prior);
        let n = mus.len();
        if let (Some(mut column), Some(rows)) = (previous.take(), rows) {
            if column.grow(rows, mus, ctx, &mut self.changed) {
                return self.columns[d].insert(column);
            }
            previous = Some(column);
        }
        let mut next = self.spare.pop().unwrap_or_default();
        next.with_prior = ctx.with_prior;
        next.clip = Clip::of(ctx, n);
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
                if all_kept && rows.added.len() <= MAX_INSERTED {
                    next.keys.clear();
                    next.keys.extend_from_slice(&prev.keys);
                    rows.renumber_and_insert(&mut next.keys, mus);
                } else {
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
        next.refresh_constants(&self.changed);
        if let Some(p) = previous {
            self.spare.push(p);
        }
        self.columns[d].insert(next)
    }

    /// Keeps an estimator's buffers for the next fit.
    pub(crate) fn keep_buffers(
        &mut self,
        kernels: impl Iterator<Item = GaussianKernels>,
        layout: Option<JointLayout>,
    ) {
        self.kernels.clear();
        self.kernels.extend(kernels);
        self.layout = layout;
    }

    /// Kernel buffers kept from the last estimator, if any are left.
    pub(crate) fn kernel_buffers(&mut self) -> Option<GaussianKernels> {
        self.kernels.pop()
    }

    /// The layout kept from the last estimator, if any.
    pub(crate) fn layout_buffers(&mut self) -> Option<JointLayout> {
        self.layout.take()
    }

    /// Forgets column `d` (it is not continuous in this fit).
    pub(crate) fn clear_column(&mut self, d: usize) {
        if let Some(c) = self.columns[d].take() {
            self.spare.push(c);
        }
    }
}

impl ColumnMemo {
    /// Refits in place when every previous row is still there with its
    /// centre and at most [`MAX_INSERTED`] rows came in, under the same
    /// magic clip: the keys renumbered and the new ones inserted where they
    /// sort, and only the new kernels and their neighbours in that order
    /// given new widths (a width depends on the two neighbouring centres
    /// alone), and new constants where their width changed. `false`, with
    /// `self` untouched, when that does not apply. `changed` is scratch.
    ///
    /// This is the usual step of a TPE history past the first hundred
    /// trials (the magic clip's least width no longer changes): a trial
    /// comes in at the end of the bad side, or one that was good moves to
    /// it. It skips most of the passes over every row of every column that
    /// a refit makes otherwise.
    fn grow(
        &mut self,
        rows: &RowMap,
        mus: &[f64],
        ctx: &BandwidthContext,
        changed: &mut Vec<usize>,
    ) -> bool {
        let n = mus.len();
        let Some(clip) = Clip::of(ctx, n) else {
            return false;
        };
        let same =
            |(&new, m): (&usize, &f64)| mus.get(new).is_some_and(|x| x.to_bits() == m.to_bits());
        if self.clip != Some(clip)
            || !rows.all_kept
            || rows.added.len() > MAX_INSERTED
            || rows.map.len() != self.mu.len()
            || !rows.map.iter().zip(&self.mu).all(same)
        {
            return false;
        }
        rows.renumber_and_insert(&mut self.keys, mus);
        if rows.shifted() {
            self.mu.clear();
        }
        let kept = self.mu.len();
        self.mu.extend_from_slice(&mus[kept..]);
        // Placeholders for the added rows, in increasing order so that each
        // lands at its index; a NaN width differs from any computed below.
        for &new in &rows.added {
            self.sigma.insert(new, f64::NAN);
            self.neg_half_precision.insert(new, f64::NAN);
            self.log_constant.insert(new, f64::NAN);
        }
        changed.clear();
        let order = Neighbours {
            keys: &self.keys,
            mus,
            prior: clip.prior_is_neighbour,
        };
        for &new in &rows.added {
            let key = packed_key(mus[new], new as u64);
            let at = self.keys.partition_point(|&k| k < key);
            let around = [order.before(at), Some(at), order.after(at)];
            for at in around.into_iter().flatten() {
                let Some(row) = order.row(at) else {
                    continue;
                };
                let width = clipped_width(order.gap(at, clip.consider_endpoints), clip.min_sigma);
                if width.to_bits() != self.sigma[row].to_bits() {
                    self.sigma[row] = width;
                    changed.push(row);
                }
            }
        }
        self.refresh_constants(changed);
        true
    }

    /// Recomputes the density constants of `rows` from their centre and
    /// width.
    fn refresh_constants(&mut self, rows: &[usize]) {
        if rows.is_empty() {
            return;
        }
        let mu: Vec<f64> = rows.iter().map(|&i| self.mu[i]).collect();
        let sigma: Vec<f64> = rows.iter().map(|&i| self.sigma[i]).collect();
        let (h, c) = GaussianKernels::density_constants(&mu, &sigma);
        for (k, &i) in rows.iter().enumerate() {
            self.neg_half_precision[i] = h[k];
            self.log_constant[i] = c[k];
        }
    }
}

/// The order by centre as the magic clip walks it: the sorted keys, less
/// the prior's unless it counts as a neighbour.
struct Neighbours<'a> {
    keys: &'a [u64],
    mus: &'a [f64],
    prior: bool,
}

impl Neighbours<'_> {
    /// The observation row of the key at `at` (`None`: the prior's).
    fn row(&self, at: usize) -> Option<usize> {
        let index = (self.keys[at] & PRIOR_INDEX) as usize;
        (index < self.mus.len()).then_some(index)
    }

    /// Whether the key at `at` is in the walk.
    fn walked(&self, at: usize) -> bool {
        self.prior || self.row(at).is_some()
    }

    fn before(&self, at: usize) -> Option<usize> {
        (0..at).rev().find(|&i| self.walked(i))
    }

    fn after(&self, at: usize) -> Option<usize> {
        (at + 1..self.keys.len()).find(|&i| self.walked(i))
    }

    fn centre(&self, at: usize) -> f64 {
        self.row(at).map_or(PRIOR_MU, |r| self.mus[r])
    }

    /// The neighbour gap of the key at `at`, as `bandwidths` finds it.
    fn gap(&self, at: usize, consider_endpoints: bool) -> f64 {
        let (before, after) = (self.before(at), self.after(at));
        let centres = (
            before.map_or(0.0, |i| self.centre(i)),
            self.centre(at),
            after.map_or(1.0, |i| self.centre(i)),
        );
        neighbour_gap(
            centres,
            before.is_none(),
            after.is_none(),
            consider_endpoints,
        )
    }
}

/// At most this many new rows are inserted into the sorted keys one by one
/// ([`RowMap::renumber_and_insert`]); more are merged ([`merge_keys`]).
const MAX_INSERTED: usize = 8;

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
