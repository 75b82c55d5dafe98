//! The TPE proposal: split (`super::split`), fit two densities per parameter group,
//! pick the candidate with the best density ratio.

use super::dimension::dimension;
use super::partners::branch_of;
use super::settings::{BranchKernels, GroupModel, StartupSampler, TrialWeights};
use super::split::{split, split_branch, Side, Split};
use super::ValidTpeSettings;
use crate::branches::{below_floor, TPE_FLOOR_SCALE};
use crate::encode::{coordinate, value, Absent, EncodedHistory};
use crate::{RandomSearcher, RandomSettings, Sampler};
use hyperspace_engine::{
    Condition, Param, Params, Proposal, SearchContext, SearchError, Searcher, Space, Trial, Value,
};
use hyperspace_surrogate::parzen::{
    default_weights, log_even_mixture, CorrelatedKde, Dimension, FitMemo, ParzenEstimator,
};
use ndarray::{Array1, ArrayView2, Axis, ShapeBuilder};
use rand::RngCore;

/// The TPE searcher. Proposals depend on the history only: the caches it
/// keeps (trials' coordinates, and what the last fit of the top-level
/// group's bad density can lend the next) are rebuilt from the history
/// when missing, and give the same proposals as without them.
#[derive(Debug, Clone)]
pub struct TpeSearcher {
    settings: ValidTpeSettings,
    encoded: EncodedHistory,
    /// The memos of the good and bad densities of the top-level group of
    /// these parameters (by name).
    memos: (Vec<String>, Memos),
}

impl TpeSearcher {
    /// A TPE searcher with validated settings.
    pub fn new(settings: ValidTpeSettings) -> Self {
        Self {
            settings,
            encoded: EncodedHistory::new(Absent::Nan),
            memos: Default::default(),
        }
    }

    fn startup(&self) -> RandomSearcher {
        let sampler = match self.settings.settings.startup {
            StartupSampler::Uniform => Sampler::Uniform,
            StartupSampler::Sobol => Sampler::Sobol,
        };
        RandomSearcher::new(RandomSettings { sampler })
    }

    /// Fits the good and bad densities and returns the coordinates of the
    /// best of `n_ei_candidates` candidates drawn from the good one.
    /// With `memos`, both densities are refitted from what their last fits
    /// left (the same densities, faster: most of the history is unchanged).
    fn best_candidate(
        &self,
        good: &Observations,
        bad: &Observations,
        dims: &[Dimension],
        given: Given<'_>,
        memos: Option<&mut Memos>,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<f64>, SearchError> {
        let fixed = given.fixed;
        let (mut good_memo, mut bad_memo) = match memos {
            Some(m) => (Some(&mut m.good), Some(&mut m.bad)),
            None => (None, None),
        };
        let correlated = if given.branch && self.correlated_branches(dims) {
            let observations = good.view(dims.len()).map_err(failed)?;
            CorrelatedKde::fit(observations, self.weights(good).view(), CORRELATED_FLOOR)
                .map_err(failed)?
        } else {
            None
        };
        let good = self.fit(good, dims, good_memo.as_deref_mut())?;
        let bad = self.fit(bad, dims, bad_memo.as_deref_mut())?;
        // With correlated kernels the good density is an even mixture of
        // both kinds, and half the candidates come from each.
        let n_cand = self.settings.settings.n_ei_candidates;
        let mut candidates = match &correlated {
            None => good.sample(rng, n_cand),
            Some(c) => {
                let half = n_cand / 2;
                let mut axes = good.sample(rng, n_cand - half);
                let along = c.sample_given(fixed, rng, half).map_err(failed)?;
                axes.append(Axis(0), along.view()).map_err(failed)?;
                axes
            }
        };
        // Coordinates decided already stay as they are: the ratio then
        // scores the others given them.
        for &(column, x) in fixed {
            candidates.column_mut(column).fill(x);
        }
        let mut score = good.log_pdf(candidates.view());
        if let Some(c) = &correlated {
            log_even_mixture(score.view_mut(), c.log_pdf(candidates.view()).view());
        }
        score -= &bad.log_pdf(candidates.view());
        // The memos keep the estimators' buffers for the next fits.
        for (estimator, memo) in [(good, good_memo), (bad, bad_memo)] {
            if let Some(memo) = memo {
                estimator.recycle(memo);
            }
        }
        let best = score
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(bi, bs), (i, &s)| {
                if s > bs {
                    (i, s)
                } else {
                    (bi, bs)
                }
            })
            .0;
        Ok(candidates.row(best).to_vec())
    }

    /// Whether a branch's group of `dims` gets correlated kernels too: two
    /// or more continuous dimensions (the shared covariance has no meaning
    /// for levels or categories), unless the settings turn them off.
    fn correlated_branches(&self, dims: &[Dimension]) -> bool {
        self.settings.settings.correlated_branches == BranchKernels::Correlated
            && dims.len() >= 2
            && dims.iter().all(|d| *d == Dimension::Continuous)
    }

    /// The weight of each observation: as the split said (the good trials
    /// of several objectives), else older ones weighing less when
    /// `decay_old` says so.
    fn weights(&self, obs: &Observations) -> Array1<f64> {
        let n = obs.rows;
        match (&obs.weights, self.settings.settings.decay_old) {
            (Some(w), _) => Array1::from(w.clone()),
            (None, TrialWeights::DecayOld) => default_weights(n),
            (None, TrialWeights::Equal) => Array1::ones(n),
        }
    }

    /// A Parzen density of some observations: weighed as the split said
    /// (the good trials of several objectives), else older ones weighing
    /// less when `decay_old` says so.
    fn fit(
        &self,
        obs: &Observations,
        dims: &[Dimension],
        memo: Option<&mut FitMemo>,
    ) -> Result<ParzenEstimator, SearchError> {
        let observations = obs.view(dims.len()).map_err(failed)?;
        let weights = self.weights(obs);
        let (view, parzen) = (observations.view(), &self.settings.parzen);
        match memo {
            Some(memo) => {
                ParzenEstimator::fit_with_memo(view, weights.view(), dims, parzen, &obs.ids, memo)
            }
            None => ParzenEstimator::fit(view, weights.view(), dims, parzen),
        }
        .map_err(failed)
    }

    /// Samples one group of entries (by index into `space`) jointly: all
    /// at once, or (`Draw::InTurn`) one after another, each given those
    /// drawn before it.
    // One more than clippy's limit: the memos belong to this call's group,
    // and a struct of the call's arguments would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn sample_group(
        &self,
        space: &Space,
        members: &[usize],
        ctx: &SearchContext<'_>,
        split: &Split,
        draw: Draw,
        memos: Option<&mut Memos>,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<Value>, SearchError> {
        let dims: Vec<Dimension> = members
            .iter()
            .map(|&i| dimension(&space.entries()[i].param))
            .collect();
        // The rows of each side that have every member, then their
        // coordinates gathered column by column. Members that follow each
        // other in the space (the top-level group, usually) are a slice.
        let span = (members.first())
            .filter(|_| members.windows(2).all(|w| w[1] == w[0] + 1))
            .map(|&first| (first, members.len()))
            .filter(|&(first, len)| first + len <= space.len());
        let (mut good_rows, mut bad_rows) = (Vec::new(), Vec::with_capacity(ctx.trials.len()));
        let mut bad_stamps = Vec::with_capacity(ctx.trials.len());
        // By position (`row_at`, the update's copy of each trial's number
        // and id): the trials themselves are not read again.
        for (i, side) in split.sides.iter().enumerate().take(ctx.trials.len()) {
            let (target, stamps) = match side {
                Side::Good => (&mut good_rows, None),
                Side::Bad => (&mut bad_rows, Some(&mut bad_stamps)),
                Side::Out => continue,
            };
            if let Some((row, whole, stamp, number)) = self.encoded.row_at(i) {
                // A fold, not `all`: no early exit, so it vectorises.
                let complete = whole
                    || match span {
                        Some((first, len)) => !row[first..first + len]
                            .iter()
                            .fold(false, |nan, v| nan | v.is_nan()),
                        None => members.iter().all(|&m| !row[m].is_nan()),
                    };
                if complete {
                    target.push((row, split.weight(i), number));
                    stamps.into_iter().for_each(|s| s.push(stamp));
                }
            }
        }
        // The big buffers come from (and go back to) the group's memos, so
        // that an ask allocates none of them anew.
        let mut memos = memos;
        let mut last = memos.as_mut().map(|m| std::mem::take(&mut m.last_bad));
        let mut buffer = || {
            memos
                .as_mut()
                .and_then(|m| m.spare.pop())
                .unwrap_or_default()
        };
        let weighed = split.good_weights.is_some();
        let good = Observations::gather(&good_rows, members, weighed, buffer());
        // The bad side is most of the history and the last ask's bad side
        // with a trial or two more: its unchanged rows are copied from the
        // last ask's columns (contiguous runs) instead of read again, one
        // scattered row at a time.
        let (bad, left) = match &mut last {
            Some(last) => Observations::regather(&bad_rows, &bad_stamps, members, last, buffer()),
            None => (
                Observations::gather(&bad_rows, members, false, buffer()),
                Vec::new(),
            ),
        };
        let best = match draw {
            Draw::AtOnce => {
                let group_memos = memos.as_deref_mut();
                self.best_candidate(&good, &bad, &dims, Given::TOP, group_memos, rng)?
            }
            Draw::InTurn => {
                let mut chosen: Vec<f64> = Vec::with_capacity(members.len());
                for k in 0..members.len() {
                    let fixed: Vec<(usize, f64)> = chosen.iter().copied().enumerate().collect();
                    let given = Given::branch(&fixed);
                    let best = self.best_candidate(&good, &bad, &dims, given, None, rng)?;
                    chosen.push(best[k]);
                }
                chosen
            }
        };
        if let Some(m) = memos {
            m.spare.push(good.data);
            let unused = last.map(|l| l.data).into_iter().chain([left]);
            m.spare.extend(unused.filter(|b| b.capacity() > 0));
            m.last_bad = Gathered {
                data: bad.data,
                stride: bad.stride,
                keys: bad.ids.into_iter().zip(bad_stamps).collect(),
            };
        }
        Ok(members
            .iter()
            .zip(best)
            .map(|(&i, x)| value(&space.entries()[i].param, x))
            .collect())
    }
}

/// What a draw of a group starts from: the coordinates decided already
/// (kept by every candidate), and whether the group is a branch's (which
/// may get correlated kernels: [`TpeSearcher::correlated_branches`]).
#[derive(Debug, Clone, Copy)]
struct Given<'a> {
    fixed: &'a [(usize, f64)],
    branch: bool,
}

impl<'a> Given<'a> {
    /// The top-level group: nothing decided, not a branch.
    const TOP: Given<'static> = Given {
        fixed: &[],
        branch: false,
    };

    /// A branch's group, `fixed` decided.
    fn branch(fixed: &'a [(usize, f64)]) -> Self {
        Self {
            fixed,
            branch: true,
        }
    }
}

/// What the last fits of a group's two densities leave for the next.
#[derive(Debug, Clone, Default)]
struct Memos {
    good: FitMemo,
    bad: FitMemo,
    /// Buffers of the last ask's observations, for the next.
    spare: Vec<Vec<f64>>,
    /// The last ask's bad observations.
    last_bad: Gathered,
}

/// Observations gathered by an ask, for the next to copy from: their
/// columns (as [`Observations::data`]) and each row's trial number and
/// stamp ([`EncodedHistory::row_stamped`]).
#[derive(Debug, Clone, Default)]
struct Gathered {
    data: Vec<f64>,
    stride: usize,
    keys: Vec<(u64, u64)>,
}

/// How a group's parameters are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Draw {
    /// All at once from the joint density: the top-level group.
    AtOnce,
    /// In space order, each from the whole group's density given the
    /// values of those before it: a branch's group, drawn as define-by-run
    /// draws it (`super::partners`: a trial decides one parameter at a
    /// time), so both ways of writing a space give the same search.
    InTurn,
}

/// Observations of one group, column-major (each coordinate's values
/// contiguous, as the fits read them; column `c` starts at `c * stride`,
/// with room after its `rows` values for a few more), trials in age order,
/// with the split's weight of each when it gives them, and each trial's
/// number.
struct Observations {
    data: Vec<f64>,
    rows: usize,
    stride: usize,
    weights: Option<Vec<f64>>,
    ids: Vec<u64>,
}

/// The column stride for `n` rows: room for the next asks' rows, so that
/// the bad side's columns grow in place ([`Observations::regather`]).
fn stride_for(n: usize) -> usize {
    n + n / 8 + 16
}

impl Observations {
    /// The observations as an `n × dims` matrix.
    fn view(&self, dims: usize) -> Result<ArrayView2<'_, f64>, ndarray::ShapeError> {
        ArrayView2::from_shape((self.rows, dims).strides((1, self.stride)), &self.data)
    }

    /// Coordinates `members` of `rows` (full rows, each with its weight and
    /// trial number), written column by column into `data` (a buffer to
    /// reuse: its contents are replaced).
    fn gather(
        rows: &[(&[f64], f64, u64)],
        members: &[usize],
        weighed: bool,
        mut data: Vec<f64>,
    ) -> Self {
        let (n, stride) = (rows.len(), stride_for(rows.len()));
        data.clear();
        data.resize(stride * members.len(), 0.0);
        // Row by row, each row read once; the writes go to one place per
        // column, which stays in cache from one row to the next.
        for (r, (row, _, _)) in rows.iter().enumerate() {
            for (c, &m) in members.iter().enumerate() {
                data[c * stride + r] = row[m];
            }
        }
        Self {
            data,
            rows: n,
            stride,
            weights: weighed.then(|| rows.iter().map(|r| r.1).collect()),
            ids: rows.iter().map(|r| r.2).collect(),
        }
    }

    /// [`Self::gather`] (unweighed) of `rows` stamped `stamps`, taking the
    /// rows `last` holds under the same trial number and stamp from its
    /// columns, in runs: the same observations, reading only the rows
    /// `last` does not hold. When no row left and the columns have room,
    /// they grow in place (`last`'s buffer taken: the runs after an added
    /// row move up, the rows before it stay); otherwise they are copied
    /// into `data`. Returns the buffer not used (`data` or `last`'s).
    fn regather(
        rows: &[(&[f64], f64, u64)],
        stamps: &[u64],
        members: &[usize],
        last: &mut Gathered,
        data: Vec<f64>,
    ) -> (Self, Vec<f64>) {
        let (n, old_n) = (rows.len(), last.keys.len());
        if old_n == 0
            || stamps.len() != n
            || last.stride < old_n
            || last.data.len() != last.stride * members.len()
        {
            return (Self::gather(rows, members, false, data), Vec::new());
        }
        // Runs of rows: (first row, length, first row in `last` if copied).
        let mut runs: Vec<(usize, usize, Option<usize>)> = Vec::new();
        let mut j = 0;
        for (r, (row, &stamp)) in rows.iter().zip(stamps).enumerate() {
            let key = (row.2, stamp);
            while j < old_n && last.keys[j].0 < key.0 {
                j += 1;
            }
            let from = (j < old_n && last.keys[j] == key).then_some(j);
            match (runs.last_mut(), from) {
                (Some((_, len, Some(s))), Some(f)) if *s + *len == f => *len += 1,
                (Some((_, len, None)), None) => *len += 1,
                _ => runs.push((r, 1, from)),
            }
            j += usize::from(from.is_some());
        }
        let read = |column: &mut [f64], r: usize, m: usize| {
            for (x, row) in column.iter_mut().zip(&rows[r..]) {
                *x = row.0[m];
            }
        };
        let ids = rows.iter().map(|r| r.2).collect();
        // In place: every kept run moves up or stays, so the last run
        // first never overwrites a run still to move.
        let in_place =
            n <= last.stride && runs.iter().all(|&(r, _, from)| from.is_none_or(|s| s <= r));
        if in_place {
            let stride = last.stride;
            let mut grown = std::mem::take(&mut last.data);
            for (column, &m) in grown.chunks_exact_mut(stride).zip(members) {
                for &(r, len, from) in runs.iter().rev() {
                    match from {
                        Some(s) if s != r => column.copy_within(s..s + len, r),
                        Some(_) => {}
                        None => read(&mut column[r..r + len], r, m),
                    }
                }
            }
            let observations = Self {
                data: grown,
                rows: n,
                stride,
                weights: None,
                ids,
            };
            return (observations, data);
        }
        // Column by column, each the runs in order: appended, not written
        // over a zeroed buffer (one pass over the columns less).
        let (mut data, stride) = (data, stride_for(n));
        data.clear();
        data.reserve(stride * members.len());
        for (old, &m) in last.data.chunks_exact(last.stride).zip(members) {
            for &(r, len, from) in &runs {
                match from {
                    Some(s) => data.extend_from_slice(&old[s..s + len]),
                    None => data.extend(rows[r..r + len].iter().map(|row| row.0[m])),
                }
            }
            data.resize(data.len() + stride - n, 0.0);
        }
        let observations = Self {
            data,
            rows: n,
            stride,
            weights: None,
            ids,
        };
        (observations, Vec::new())
    }
}

/// The correlated kernels' least width across any direction (unit
/// coordinates): without it, good trials lined up just beside a valley
/// give kernels too thin to step across into it. Measured on
/// `model-selection` (100 seeds, 100 trials, seeds finding the svm valley,
/// define-and-run / define-by-run): 0.01 31 / 33, 0.03 50 / 52, 0.045
/// 68 / 61, 0.06 67 / 64, 0.08 65 / 70, 0.12 64 / 56 (random 50).
const CORRELATED_FLOOR: f64 = 0.06;

pub(super) fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed {
        searcher: "tpe".into(),
        reason: e.to_string(),
    }
}

/// Groups of entries that share a condition, in the order of their first
/// entry (so a parent's group comes before its children's).
fn groups(space: &Space) -> Vec<(Option<Condition>, Vec<usize>)> {
    let mut out: Vec<(Option<Condition>, Vec<usize>)> = Vec::new();
    for (i, e) in space.entries().iter().enumerate() {
        match out.iter_mut().find(|(c, _)| *c == e.condition) {
            Some((_, members)) => members.push(i),
            None => out.push((e.condition, vec![i])),
        }
    }
    out
}

impl Searcher for TpeSearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        let Some(split) = split(ctx, &self.settings.settings)? else {
            return self.startup().sample_relative(ctx, space, rng);
        };
        self.encoded.update(space, ctx.trials);
        let mut params = Params::with_capacity(space.len());
        let mut memo = std::mem::take(&mut self.memos);
        for (condition, members) in groups(space) {
            if !space.is_active(members[0], &params) {
                continue;
            }
            // A branch's parameters are modelled from the trials that took
            // the branch, ranked among themselves (`split_branch`).
            let branch;
            let split = match condition {
                None => &split,
                Some(_) => {
                    let first = members[0];
                    let active =
                        |t: &Trial| self.encoded.row(t).is_some_and(|r| !r[first].is_nan());
                    branch = split_branch(ctx, &self.settings.settings, &active)?;
                    branch.as_ref().unwrap_or(&split)
                }
            };
            let draw = match condition {
                None => Draw::AtOnce,
                Some(_) => Draw::InTurn,
            };
            let values = match self.settings.settings.multivariate {
                GroupModel::Joint => {
                    // The top-level group's bad density is refitted from
                    // the last one's (the same parameters, one trial more).
                    let memo = (draw == Draw::AtOnce).then(|| {
                        let names = members.iter().map(|&i| &space.entries()[i].name);
                        if !names.clone().eq(memo.0.iter()) {
                            memo = (names.cloned().collect(), Memos::default());
                        }
                        &mut memo.1
                    });
                    self.sample_group(space, &members, ctx, split, draw, memo, rng)?
                }
                GroupModel::Independent => {
                    let mut values = Vec::with_capacity(members.len());
                    for &m in &members {
                        let one = self.sample_group(space, &[m], ctx, split, draw, None, rng)?;
                        values.extend(one);
                    }
                    values
                }
            };
            for (&i, v) in members.iter().zip(values) {
                let entry = &space.entries()[i];
                let v = below_floor(ctx, &entry.name, &entry.param, TPE_FLOOR_SCALE).unwrap_or(v);
                params.insert(entry.name.clone(), v);
            }
        }
        self.memos = memo;
        Ok(Proposal::new(params))
    }

    fn sample_independent(
        &mut self,
        ctx: &SearchContext<'_>,
        name: &str,
        param: &Param,
        rng: &mut dyn RngCore,
    ) -> Result<Value, SearchError> {
        if split(ctx, &self.settings.settings)?.is_none() {
            return self.startup().sample_independent(ctx, name, param, rng);
        }
        // Ranked among the trials that had the parameter, as a branch of
        // a define-and-run space is: define-by-run reaches the same model.
        let active = |t: &Trial| t.params.contains_key(name);
        let Some(split) = split_branch(ctx, &self.settings.settings, &active)? else {
            // No finished trial had it yet: nothing to model.
            return self.startup().sample_independent(ctx, name, param, rng);
        };
        let (partners, undecided) = match self.settings.settings.multivariate {
            GroupModel::Joint => branch_of(ctx, name),
            GroupModel::Independent => (Vec::new(), Vec::new()),
        };
        let width = 1 + partners.len() + undecided.len();
        let mut dims = vec![dimension(param)];
        dims.extend(partners.iter().map(|p| dimension(p.param)));
        dims.extend(undecided.iter().map(|u| dimension(u.param)));
        // Each trial's row of the parameter and its partners, if it has
        // them all, by side.
        let mut rows: Vec<(Side, Vec<f64>, f64, u64)> = Vec::new();
        for (i, (t, side)) in ctx.trials.iter().zip(&split.sides).enumerate() {
            if *side == Side::Out {
                continue;
            }
            let mut row = Vec::with_capacity(width);
            row.extend(t.params.get(name).and_then(|v| coordinate(param, v)));
            for p in &partners {
                row.extend(t.params.get(p.name).and_then(|v| coordinate(p.param, v)));
            }
            for u in &undecided {
                row.extend(t.params.get(u.name).and_then(|v| coordinate(u.param, v)));
            }
            if row.len() == width {
                rows.push((*side, row, split.weight(i), t.number));
            }
        }
        let on = |wanted: Side| -> Vec<(&[f64], f64, u64)> {
            let of_side = rows.iter().filter(|r| r.0 == wanted);
            of_side.map(|r| (r.1.as_slice(), r.2, r.3)).collect()
        };
        let all: Vec<usize> = (0..width).collect();
        let weighed = split.good_weights.is_some();
        let good = Observations::gather(&on(Side::Good), &all, weighed, Vec::new());
        let bad = Observations::gather(&on(Side::Bad), &all, false, Vec::new());
        let fixed: Vec<(usize, f64)> = partners
            .iter()
            .enumerate()
            .map(|(k, p)| (k + 1, p.coordinate))
            .collect();
        let given = Given::branch(&fixed);
        let best = self.best_candidate(&good, &bad, &dims, given, None, rng)?;
        Ok(value(param, best[0]))
    }

    /// Yes: several objectives are ranked by Pareto front (see
    /// `super::split`).
    fn supports_multi_objective(&self) -> bool {
        true
    }

    /// No: define-by-run, TPE draws each branch parameter given its branch
    /// (`sample_independent`) and keeps its branch floor there; on
    /// `model-selection` that found the svm valley in 13 of 20 seeds
    /// against 6 of 20 given the inferred tree (`benches/README.md`, "Side
    /// by side with Optuna, Hyperopt and scikit-optimize").
    fn models_inferred_tree(&self, _ctx: &SearchContext<'_>) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_conditions_in_order() {
        let space = Space::parse(
            "a=float(0,1) m=choice(x{p=int(0,3) q=int(0,3)}, y{r=int(0,3)}) b=float(0,1)",
        )
        .unwrap();
        let g: Vec<Vec<&str>> = groups(&space)
            .into_iter()
            .map(|(_, m)| {
                m.iter()
                    .map(|&i| space.entries()[i].name.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(g, [vec!["a", "m", "b"], vec!["p", "q"], vec!["r"]]);
    }

    fn borrow(owned: &[(Vec<f64>, f64, u64)]) -> Vec<(&[f64], f64, u64)> {
        owned
            .iter()
            .map(|(r, w, n)| (r.as_slice(), *w, *n))
            .collect()
    }

    /// The observations' columns (the rows in use only).
    fn columns(o: &Observations, dims: usize) -> Vec<Vec<f64>> {
        let view = o.view(dims).unwrap();
        view.columns().into_iter().map(|c| c.to_vec()).collect()
    }

    /// `regather` gives what `gather` gives: rows kept (in runs), added at
    /// the end and between kept ones, dropped, and kept under a trial number
    /// whose stamp changed (a row encoded again: its new values are read);
    /// in place when no row left and the columns have room (the buffer
    /// handed in comes back unused), copied otherwise.
    #[test]
    fn regather_equals_gather() {
        let row = |number: u64, stamp: u64| -> Vec<f64> {
            (0..5)
                .map(|c| (number * 10 + c) as f64 + stamp as f64 / 1000.0)
                .collect()
        };
        let members = [1, 2, 4];
        let side = |keys: &[(u64, u64)]| -> Vec<(Vec<f64>, f64, u64)> {
            keys.iter().map(|&(n, s)| (row(n, s), 1.0, n)).collect()
        };

        let last_keys: Vec<(u64, u64)> = [0, 1, 2, 4, 5, 6, 8].iter().map(|&n| (n, n)).collect();
        let last_rows = side(&last_keys);
        let first = Observations::gather(&borrow(&last_rows), &members, false, Vec::new());
        let last = || Gathered {
            data: first.data.clone(),
            stride: first.stride,
            keys: last_keys.clone(),
        };
        let keep = |n: u64| -> Vec<(u64, u64)> { (n..n + 1).map(|n| (n, n)).collect() };
        // 1 dropped, 3 added between, 5 changed (a new stamp), 9 and 10
        // added: copied. The same without the drop: in place. And 30 rows
        // added at the end, more than the columns have room for: copied.
        let dropped = [
            (0, 0),
            (2, 2),
            (3, 3),
            (4, 4),
            (5, 50),
            (6, 6),
            (8, 8),
            (9, 9),
            (10, 10),
        ];
        let mut kept = vec![(0, 0), (1, 1)];
        kept.extend(&dropped[1..]);
        let mut many = last_keys.clone();
        many.extend((9..39).flat_map(keep));
        for (keys, in_place) in [(&dropped[..], false), (&kept[..], true), (&many[..], false)] {
            let owned = side(keys);
            let rows = borrow(&owned);
            let stamps: Vec<u64> = keys.iter().map(|k| k.1).collect();
            let expected = Observations::gather(&rows, &members, false, Vec::new());
            let mut from = last();
            let (got, left) =
                Observations::regather(&rows, &stamps, &members, &mut from, vec![7.0; 3]);
            assert_eq!(columns(&got, 3), columns(&expected, 3), "{keys:?}");
            assert_eq!((got.rows, &got.ids), (expected.rows, &expected.ids));
            assert!(got.weights.is_none());
            assert_eq!(left.len() == 3, in_place, "{keys:?}");
            assert_eq!(from.data.is_empty(), in_place);
        }
        // Nothing to copy from, or nothing kept: still the same.
        let owned = side(&dropped);
        let rows = borrow(&owned);
        let stamps: Vec<u64> = dropped.iter().map(|k| k.1).collect();
        let expected = Observations::gather(&rows, &members, false, Vec::new());
        let mut empty = Gathered::default();
        let (got, _) = Observations::regather(&rows, &stamps, &members, &mut empty, Vec::new());
        assert_eq!(columns(&got, 3), columns(&expected, 3));
        let (none, _) = Observations::regather(&[], &[], &members, &mut last(), Vec::new());
        assert_eq!((none.rows, columns(&none, 3)), (0, vec![vec![]; 3]));
    }
}
