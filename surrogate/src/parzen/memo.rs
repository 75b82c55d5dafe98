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
    bandwidths_into, clipped_width, magic_clip_min_sigma, neighbour_gap, packed_key,
    sorted_packed_keys, BandwidthContext, PRIOR_INDEX, PRIOR_MU, PRIOR_SOURCE,
};
use super::joint::{Growth, JointLayout};
use super::kernels::{BuildContext, GaussianKernels};
use super::settings::Bandwidth;
use std::sync::atomic::{AtomicU64, Ordering};

/// Serials of fits made with a memo, unique in the process (see
/// [`FitMemo::serial`]); 0 is none.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// What a previous fit leaves for the next one (see the module docs). Start
/// with `FitMemo::default()` and pass the same memo to every refit of one
/// model; a memo handed observations of another shape or kind simply starts
/// over, so a stale one costs time, never correctness. Hand each estimator
/// back with [`ParzenEstimator::recycle`](super::ParzenEstimator::recycle)
/// before the next fit: the memo lends an estimator its per-column kernel
/// arrays rather than copying them (a copy of every kernel per fit was the
/// largest single cost of a refit), and a column whose arrays did not come
/// back is fitted afresh.
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
    /// Scratch: the keys of new rows, merged into the previous ones.
    added_keys: Vec<u64>,
    /// Scratch: rows whose constants must be computed, and their inputs
    /// and outputs.
    changed: Refresh,
    /// The buffers of the last estimator fitted with this memo, handed
    /// back by [`ParzenEstimator::recycle`](super::ParzenEstimator::recycle)
    /// for the next fit to write into instead of allocating.
    kernels: Vec<GaussianKernels>,
    layout: Option<JointLayout>,
    /// Whether `layout` is the last fit's (laid out for the kernels the
    /// columns hold now), not only buffers.
    layout_is_last: bool,
    /// The serial of the last fit made with this memo, unique in the
    /// process (0: none yet). The estimator of that fit carries it, so that
    /// its kernel arrays go back to the columns that lent them only when
    /// they are those columns' (not another memo's, nor an older fit's).
    serial: u64,
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
    /// While the four arrays above are lent to an estimator
    /// ([`Self::lend`]): the number of observation rows they hold. A lent
    /// column that does not come back is fitted afresh.
    lent: Option<usize>,
    /// Whether the last fit grew this column in place ([`Self::grow`]), and
    /// then the rows whose kernel it changed (the added ones among them):
    /// what the joint layout of the last fit must change to be this one's.
    grown: bool,
    changed: Vec<usize>,
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
    /// Whether every previous row, all of them kept, has its centre (`old`,
    /// by previous row) unchanged at its new row in `new`, bit for bit.
    /// With every row kept, the rows between two added ones are previous
    /// rows in order, so this compares whole slices (a pass that
    /// vectorises, where looking each row up in `map` and branching per
    /// row took about 3 % of a 40-float TPE study's samples).
    fn centres_kept(&self, old: &[f64], new: &[f64]) -> bool {
        // The bits' differences OR-ed together: zero when all are the same.
        // (A compare per pair needs 64-bit lanes, which the x86-64
        // baseline's packed compares lack; XOR and OR have them.)
        let same = |a: &[f64], b: Option<&[f64]>| {
            b.is_some_and(|b| {
                a.len() == b.len()
                    && (a.iter().zip(b)).fold(0, |diff, (x, y)| diff | (x.to_bits() ^ y.to_bits()))
                        == 0
            })
        };
        // `from`: the first new row of the stretch; `at`: its previous row.
        let (mut from, mut at) = (0, 0);
        for &added in &self.added {
            let Some(len) = added.checked_sub(from) else {
                return false;
            };
            if !same(old.get(at..at + len).unwrap_or(&[]), new.get(from..added)) {
                return false;
            }
            (from, at) = (added + 1, at + len);
        }
        let rest = old.get(at..).unwrap_or(&[]);
        self.all_kept && at + rest.len() == old.len() && same(rest, new.get(from..))
    }

    /// The new rows that continue no previous one, increasing.
    pub(crate) fn added(&self) -> &[usize] {
        &self.added
    }

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
        match (self.shifted(), self.all_kept, self.added.as_slice()) {
            (false, _, _) => {}
            // The usual shift: one row came in at `at`, every previous row
            // is still there, so those from `at` on move up by one. An
            // add, where looking each key's row up in `map` is a gather.
            (true, true, &[at]) => {
                // On the low 32 bits, which hold the whole index: x86-64's
                // baseline has packed compares of 32-bit lanes, not 64.
                let (at, old) = (at as u32, self.map.len() as u32);
                const INDEX: u32 = PRIOR_INDEX as u32;
                for k in keys.iter_mut() {
                    // The prior's index is past the previous rows: it keeps it.
                    let row = (*k as u32) & INDEX;
                    *k += u64::from((row >= at) & (row < old));
                }
            }
            (true, _, _) => {
                for k in keys.iter_mut() {
                    // The prior's index is past the map: it keeps it.
                    if let Some(&new) = self.map.get((*k & PRIOR_INDEX) as usize) {
                        *k = (*k & !PRIOR_INDEX) | new as u64;
                    }
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
        self.serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
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

    /// Whether every previous row is still there (`rows`) with the centre
    /// column `d` holds for it, bit for bit, in `centres` (the column's new
    /// centres): then those are coordinates an earlier fit checked, and the
    /// column can grow in place.
    pub(crate) fn centres_kept(&self, d: usize, rows: &RowMap, centres: &[f64]) -> bool {
        let column = self.columns.get(d).and_then(Option::as_ref);
        rows.all_kept
            && column
                .is_some_and(|c| c.mu.len() == rows.map.len() && rows.centres_kept(&c.mu, centres))
    }

    /// The serial of the fit being made (or last made) with this memo.
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    /// Records the ids of the fit just made.
    pub(crate) fn finish(&mut self, ids: &[u64]) {
        self.ids.clear();
        self.ids.extend_from_slice(ids);
    }

    /// The kernels of continuous column `d` (centres `mus`) as the
    /// estimator holds them, one per component of `ctx`: the column's
    /// arrays themselves, lent until the estimator is recycled, when the
    /// components are every row in order (then the prior, or not): no copy
    /// of them per fit. Otherwise a copy, into buffers kept from the last
    /// estimator.
    pub(crate) fn kernels(
        &mut self,
        d: usize,
        rows: Option<&RowMap>,
        mus: &[f64],
        kept: Option<bool>,
        ctx: &BuildContext<'_>,
    ) -> GaussianKernels {
        let reuse = self.kernels.pop();
        let column = self.column(d, rows, mus, kept, &ctx.bandwidth);
        if let Some(lent) = column.lend(ctx) {
            self.kernels.extend(reuse);
            return lent;
        }
        GaussianKernels::from_memo(column, ctx, reuse)
    }

    /// The kernels of continuous column `d` (centres `mus`, the fit's
    /// bandwidth context) per observation row, reusing what the previous
    /// fit left; kept as the memo for the next fit.
    fn column(
        &mut self,
        d: usize,
        rows: Option<&RowMap>,
        mus: &[f64],
        kept: Option<bool>,
        ctx: &BandwidthContext,
    ) -> &mut ColumnMemo {
        // A column whose arrays were not given back is fitted afresh.
        let mut previous = self.columns[d]
            .take()
            .filter(|c| c.with_prior == ctx.with_prior && c.lent.is_none());
        let n = mus.len();
        if let (Some(mut column), Some(rows)) = (previous.take(), rows) {
            if column.grow(rows, mus, kept, ctx, &mut self.changed) {
                return self.columns[d].insert(column);
            }
            previous = Some(column);
        }
        let mut next = self.spare.pop().unwrap_or_default();
        next.lent = None;
        next.grown = false;
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
                    let added = &mut self.added_keys;
                    merge_keys(prev, rows, &self.old_of, mus, added, &mut next.keys);
                }
            }
            _ => sorted_packed_keys(mus, ctx.with_prior, &mut next.keys),
        }
        match ctx.rule {
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
                bandwidths_into(mus, Some(&self.order), ctx, &mut next.sigma)
            }
            Bandwidth::Scott => bandwidths_into(mus, None, ctx, &mut next.sigma),
        }
        next.neg_half_precision.clear();
        next.neg_half_precision.resize(n, 0.0);
        next.log_constant.clear();
        next.log_constant.resize(n, 0.0);
        self.changed.rows.clear();
        match previous.as_ref() {
            None => self.changed.rows.extend(0..n),
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
                        _ => self.changed.rows.push(new),
                    }
                }
            }
        }
        next.refresh_constants(&mut self.changed);
        if let Some(p) = previous {
            self.spare.push(p);
        }
        self.columns[d].insert(next)
    }

    /// Keeps an estimator's buffers for the next fit: its continuous
    /// kernels (with their dimension) go back to the columns that lent
    /// them when the estimator is this memo's last fit (`serial`), and are
    /// kept as buffers to copy into otherwise.
    pub(crate) fn keep_buffers(
        &mut self,
        serial: u64,
        kernels: impl Iterator<Item = (usize, GaussianKernels)>,
        layout: Option<JointLayout>,
    ) {
        self.kernels.clear();
        let ours = serial != 0 && serial == self.serial;
        for (d, k) in kernels {
            let lender = (self.columns.get_mut(d).and_then(Option::as_mut)).filter(|_| ours);
            let unclaimed = match lender {
                Some(column) => column.take_back(k),
                None => Some(k),
            };
            self.kernels.extend(unclaimed);
        }
        self.layout_is_last = ours && layout.is_some();
        self.layout = layout;
    }

    /// The layout kept from the last estimator, if any, and when it is the
    /// last fit's and every continuous column grew in place by `rows`, how
    /// this fit's kernels differ from it.
    pub(crate) fn layout_buffers(
        &mut self,
        rows: Option<&RowMap>,
    ) -> (Option<JointLayout>, Option<Growth>) {
        let layout = self.layout.take();
        let is_last = std::mem::take(&mut self.layout_is_last);
        let growth = rows.filter(|r| is_last && r.all_kept).and_then(|rows| {
            let mut g = Growth {
                old_rows: rows.map.len(),
                added: rows.added.clone(),
                ..Growth::default()
            };
            for (d, column) in self.columns.iter().enumerate() {
                let Some(column) = column else { continue };
                if !column.grown {
                    return None;
                }
                g.rows.extend_from_slice(&column.changed);
                g.changed.push((d, g.rows.len()));
            }
            Some(g)
        });
        (layout, growth)
    }

    /// Forgets column `d` (it is not continuous in this fit).
    pub(crate) fn clear_column(&mut self, d: usize) {
        if let Some(c) = self.columns[d].take() {
            self.spare.push(c);
        }
    }
}

impl ColumnMemo {
    /// The column's four arrays, lent as the kernels of an estimator whose
    /// components (`ctx`) are every row in order, then the prior or
    /// nothing (the prior's kernel appended, popped again by
    /// [`Self::take_back`]); `None`, with nothing lent, for other
    /// components or a column lent already.
    fn lend(&mut self, ctx: &BuildContext<'_>) -> Option<GaussianKernels> {
        let n = self.mu.len();
        let components = ctx.components.len();
        if !ctx.all_observations || components > n + 1 || self.lent.is_some() {
            return None;
        }
        let mut arrays = [
            std::mem::take(&mut self.mu),
            std::mem::take(&mut self.sigma),
            std::mem::take(&mut self.neg_half_precision),
            std::mem::take(&mut self.log_constant),
        ];
        if components == n + 1 {
            for (a, p) in arrays.iter_mut().zip(GaussianKernels::prior_kernel()) {
                a.push(p);
            }
        }
        self.lent = Some(n);
        Some(GaussianKernels::from_parts(arrays))
    }

    /// Takes back the arrays [`Self::lend`] lent (`None`: taken), less the
    /// prior's kernel; kernels it did not lend come back as they are.
    fn take_back(&mut self, kernels: GaussianKernels) -> Option<GaussianKernels> {
        let Some(n) = self.lent else {
            return Some(kernels);
        };
        let mut arrays = kernels.into_parts();
        if arrays.iter().any(|a| a.len() < n) {
            // Not what was lent: the column stays lent (fitted afresh).
            return Some(GaussianKernels::from_parts(arrays));
        }
        arrays.iter_mut().for_each(|a| a.truncate(n));
        let [mu, sigma, h, c] = arrays;
        (self.mu, self.sigma) = (mu, sigma);
        (self.neg_half_precision, self.log_constant) = (h, c);
        self.lent = None;
        None
    }

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
        kept: Option<bool>,
        ctx: &BandwidthContext,
        changed: &mut Refresh,
    ) -> bool {
        let n = mus.len();
        let Some(clip) = Clip::of(ctx, n) else {
            return false;
        };
        if self.clip != Some(clip)
            || !rows.all_kept
            || rows.added.len() > MAX_INSERTED
            || rows.map.len() != self.mu.len()
            || !kept.unwrap_or_else(|| rows.centres_kept(&self.mu, mus))
        {
            return false;
        }
        rows.renumber_and_insert(&mut self.keys, mus);
        // The kept centres are the same (checked above): only the added
        // ones go in, each moving those after it (not a copy of them all).
        for &new in &rows.added {
            self.mu.insert(new, mus[new]);
        }
        // Placeholders for the added rows, in increasing order so that each
        // lands at its index; a NaN width differs from any computed below.
        for &new in &rows.added {
            self.sigma.insert(new, f64::NAN);
            self.neg_half_precision.insert(new, f64::NAN);
            self.log_constant.insert(new, f64::NAN);
        }
        changed.rows.clear();
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
                    changed.rows.push(row);
                }
            }
        }
        self.grown = true;
        self.changed.clear();
        self.changed.extend_from_slice(&changed.rows);
        self.refresh_constants(changed);
        true
    }

    /// Recomputes the density constants of the rows `changed` lists from
    /// their centre and width.
    fn refresh_constants(&mut self, changed: &mut Refresh) {
        let Refresh {
            rows,
            mu,
            sigma,
            neg_half_precision: h,
            log_constant: c,
        } = changed;
        if rows.is_empty() {
            return;
        }
        mu.clear();
        mu.extend(rows.iter().map(|&i| self.mu[i]));
        sigma.clear();
        sigma.extend(rows.iter().map(|&i| self.sigma[i]));
        GaussianKernels::density_constants_into(mu, sigma, h, c);
        for ((&i, &h), &c) in rows.iter().zip(h.iter()).zip(c.iter()) {
            self.neg_half_precision[i] = h;
            self.log_constant[i] = c;
        }
    }
}

/// The rows of a column whose density constants a refit recomputes, and
/// buffers for their centres, widths and constants, kept from one refit to
/// the next: a grown column recomputes a few rows' constants, and
/// allocating four arrays for them per column per fit cost more than the
/// arithmetic.
#[derive(Debug, Clone, Default)]
struct Refresh {
    rows: Vec<usize>,
    mu: Vec<f64>,
    sigma: Vec<f64>,
    neg_half_precision: Vec<f64>,
    log_constant: Vec<f64>,
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
/// `added` is scratch.
fn merge_keys(
    prev: &ColumnMemo,
    rows: &RowMap,
    old_of: &[usize],
    mus: &[f64],
    added: &mut Vec<u64>,
    out: &mut Vec<u64>,
) {
    added.clear();
    added.extend(
        old_of
            .iter()
            .enumerate()
            .filter(|&(_, &old)| old == usize::MAX)
            .map(|(new, _)| packed_key(mus[new], new as u64)),
    );
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
    let mut added = added.iter().copied().peekable();
    for k in kept {
        while let Some(a) = added.next_if(|&a| a < k) {
            out.push(a);
        }
        out.push(k);
    }
    out.extend(added);
}

#[cfg(test)]
mod tests {
    use super::RowMap;

    /// The check that every kept row's centre is unchanged compares stretches
    /// between added rows: a changed centre in any stretch, first or last row
    /// included, is found.
    #[test]
    fn a_changed_centre_is_found_in_any_stretch() {
        let old: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
        // Rows added at new indices 0, 4 and 12 (of 13).
        let added = [0, 4, 12];
        let mut new = old.clone();
        for &a in &added {
            new.insert(a, 0.55);
        }
        let map: Vec<usize> = (0..13).filter(|j| !added.contains(j)).collect();
        let rows = RowMap {
            map,
            added: added.to_vec(),
            all_kept: true,
        };
        assert!(rows.centres_kept(&old, &new));
        for j in (0..13).filter(|j| !added.contains(j)) {
            let mut moved = new.clone();
            moved[j] = f64::from_bits(moved[j].to_bits() + 1);
            assert!(!rows.centres_kept(&old, &moved), "row {j}");
        }
        assert!(!rows.centres_kept(&old, &new[..12]));
    }
}
