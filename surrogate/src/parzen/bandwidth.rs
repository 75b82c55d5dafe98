//! Kernel widths for numeric (continuous and discrete) dimensions.

use super::clip_grid::clipped_gaps;
use super::settings::Bandwidth;

/// The prior kernel's centre: the middle of the unit interval.
pub(crate) const PRIOR_MU: f64 = 0.5;
/// The prior kernel's width: the whole interval, so it is nearly flat
/// (Gaussian with σ = 1 truncated to `[0, 1]` varies by a factor e^(1/8)).
pub(crate) const PRIOR_SIGMA: f64 = 1.0;
/// Scott's rule constant for a unit-range variable, as Optuna uses it.
const SCOTT_SCALE: f64 = 0.2;
/// The magic clip never lets a kernel be narrower than 1/100 of the interval.
const MAGIC_CLIP_MAX_DIVISOR: f64 = 100.0;

/// What a bandwidth rule needs to know besides the kernel centres.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandwidthContext {
    /// The rule.
    pub rule: Bandwidth,
    /// Whether the ends of the interval count as neighbours (magic clip).
    pub consider_endpoints: bool,
    /// Whether the prior kernel is part of the mixture (and so of the
    /// order by centre).
    pub with_prior: bool,
    /// Whether the prior's centre counts as a neighbour (magic clip), as in
    /// Hyperopt; Optuna 5 leaves it out.
    pub prior_is_neighbour: bool,
    /// Number of dimensions modelled jointly (Scott's rule).
    pub joint_dimensions: usize,
}

/// Observation indices in increasing order of centre, with [`PRIOR_SOURCE`]
/// where the prior's centre falls (if it was included).
pub(crate) type SortedCentres = Vec<usize>;

/// Stands for the prior's centre in [`SortedCentres`].
pub(crate) const PRIOR_SOURCE: usize = usize::MAX;

/// Sort the centres (all in `[0, 1]`) once per dimension and fit; the
/// bandwidth rule and the evaluation layout both use the order.
///
/// The sort runs on plain integer keys, several times faster than sorting
/// pairs through a float comparison closure: the centre quantised to 40 bits
/// with the index in the 23 bits below (centres closer than `1e-12` may come
/// out in index order, which moves no gap by more than that), or, past 8
/// million observations, exact bits and index in a `u128`.
pub(crate) fn sorted_centres(mus: &[f64], with_prior: bool) -> SortedCentres {
    sort_centres(mus, with_prior, (mus.len() as u64) < PRIOR_INDEX)
}

/// Bits of the packed key that hold the index.
pub(super) const INDEX_BITS: u32 = 23;
/// The prior's index in packed keys; observations must stay below it.
pub(super) const PRIOR_INDEX: u64 = (1 << INDEX_BITS) - 1;

/// The packed key of centre `m` in `[0, 1]` and index `index`.
pub(super) fn packed_key(m: f64, index: u64) -> u64 {
    // Through `i64` (the value is below 2^41): one hardware conversion,
    // where `u64` takes a longer sequence on x86-64 without AVX-512.
    ((((m * (1u64 << 40) as f64) + 0.5) as i64) as u64) << INDEX_BITS | index
}

/// The packed keys of `mus` (and of the prior's centre, if `with_prior`),
/// sorted, into `out`; fewer than [`PRIOR_INDEX`] centres.
pub(super) fn sorted_packed_keys(mus: &[f64], with_prior: bool, out: &mut Vec<u64>) {
    out.clear();
    out.extend(
        mus.iter()
            .enumerate()
            .map(|(i, &m)| packed_key(m, i as u64)),
    );
    if with_prior {
        out.push(packed_key(PRIOR_MU, PRIOR_INDEX));
    }
    out.sort_unstable();
}

/// [`sorted_centres`] with the key layout chosen by the caller.
fn sort_centres(mus: &[f64], with_prior: bool, packed: bool) -> SortedCentres {
    let n = mus.len();
    let source = |index: u64| match usize::try_from(index) {
        Ok(i) if i < n => i,
        _ => PRIOR_SOURCE,
    };
    if packed {
        let mut keys: Vec<u64> = Vec::with_capacity(n + 1);
        sorted_packed_keys(mus, with_prior, &mut keys);
        // In place: `u64` and `usize` share a layout.
        return keys.into_iter().map(|k| source(k & PRIOR_INDEX)).collect();
    }
    // `+ 0.0` turns -0.0 into +0.0, whose bits sort first.
    let key = |m: f64, index: u64| (u128::from((m + 0.0).to_bits()) << 64) | u128::from(index);
    let mut keys: Vec<u128> = Vec::with_capacity(n + 1);
    keys.extend(mus.iter().enumerate().map(|(i, &m)| key(m, i as u64)));
    if with_prior {
        keys.push(key(PRIOR_MU, u64::MAX));
    }
    keys.sort_unstable();
    keys.into_iter().map(|k| source(k as u64)).collect()
}

/// Width of each observation's kernel, for centres `mus` in `[0, 1]`;
/// `sorted` is [`sorted_centres`] of them if the caller has it already (if
/// not, the magic clip finds the gaps it needs on a grid, without sorting
/// them all).
pub(crate) fn bandwidths(
    mus: &[f64],
    sorted: Option<&[usize]>,
    ctx: &BandwidthContext,
) -> Vec<f64> {
    let mut out = Vec::new();
    bandwidths_into(mus, sorted, ctx, &mut out);
    out
}

/// [`bandwidths`] into `out` (its contents replaced): a refit keeps the
/// buffer of the previous widths instead of allocating one per column.
pub(crate) fn bandwidths_into(
    mus: &[f64],
    sorted: Option<&[usize]>,
    ctx: &BandwidthContext,
    out: &mut Vec<f64>,
) {
    let n = mus.len();
    match ctx.rule {
        Bandwidth::Scott => {
            let exponent = -1.0 / (ctx.joint_dimensions as f64 + 4.0);
            let sigma = SCOTT_SCALE * (n.max(1) as f64).powf(exponent);
            out.clear();
            out.resize(n, sigma.min(PRIOR_SIGMA));
        }
        Bandwidth::MagicClip => {
            let min_sigma = magic_clip_min_sigma(n);
            let neighbour_prior = ctx.with_prior && ctx.prior_is_neighbour;
            match sorted {
                // An order without the prior (as `super::memo` passes when
                // the prior is no neighbour) needs no filtering either.
                Some(s) if neighbour_prior || !ctx.with_prior || !s.contains(&PRIOR_SOURCE) => {
                    neighbour_gaps_into(mus, s, ctx.consider_endpoints, out)
                }
                Some(s) => {
                    let order: Vec<usize> =
                        s.iter().copied().filter(|&i| i != PRIOR_SOURCE).collect();
                    neighbour_gaps_into(mus, &order, ctx.consider_endpoints, out)
                }
                None => {
                    let clipped =
                        clipped_gaps(mus, neighbour_prior, ctx.consider_endpoints, min_sigma);
                    match clipped {
                        Some(gaps) => *out = gaps,
                        None => {
                            let order = sorted_centres(mus, neighbour_prior);
                            neighbour_gaps_into(mus, &order, ctx.consider_endpoints, out)
                        }
                    }
                }
            }
            for s in out.iter_mut() {
                *s = clipped_width(*s, min_sigma);
            }
        }
    }
}

/// The magic clip's least kernel width for `n` observations: one kernel per
/// observation plus the prior, as Optuna counts, and never under 1/100 of
/// the interval (so it stops changing from 98 observations on).
pub(super) fn magic_clip_min_sigma(n: usize) -> f64 {
    let kernels = (n + 1) as f64;
    1.0 / MAGIC_CLIP_MAX_DIVISOR.min(1.0 + kernels)
}

/// A kernel's width under the magic clip from its neighbour gap: at least
/// `min_sigma`, at most the prior's width.
#[inline]
pub(super) fn clipped_width(gap: f64, min_sigma: f64) -> f64 {
    gap.max(min_sigma).min(PRIOR_SIGMA)
}

/// The neighbour gap of a kernel centred at `here` between `before` and
/// `after` (the interval's ends where it has no neighbour): the larger of
/// the two, except that without `consider_endpoints` the outermost kernels
/// (`first`, `last`, not both) take the gap on their inner side only.
#[inline]
pub(super) fn neighbour_gap(
    (before, here, after): (f64, f64, f64),
    first: bool,
    last: bool,
    consider_endpoints: bool,
) -> f64 {
    // One of the two ends, not a lone kernel (which is both).
    let outermost = first != last;
    match (outermost && !consider_endpoints, first) {
        (true, true) => after - here,
        (true, false) => here - before,
        (false, _) => (here - before).max(after - here),
    }
}

/// [`neighbour_gaps_into`] into a new vector.
#[cfg(test)]
pub(super) fn neighbour_gaps(mus: &[f64], order: &[usize], consider_endpoints: bool) -> Vec<f64> {
    let mut out = Vec::new();
    neighbour_gaps_into(mus, order, consider_endpoints, &mut out);
    out
}

/// For each observation, the larger of the gaps to its neighbours in
/// `order` (centres `mus`, the prior's at [`PRIOR_MU`]), where the interval's
/// ends are neighbours too, into `out` (its contents replaced). Without
/// `consider_endpoints`, the outermost kernels use the gap on their inner
/// side only.
fn neighbour_gaps_into(mus: &[f64], order: &[usize], consider_endpoints: bool, out: &mut Vec<f64>) {
    let m = order.len();
    let centre = |source: usize| mus.get(source).copied().unwrap_or(PRIOR_MU);
    out.clear();
    out.resize(mus.len(), 0.0);
    // Walk [0.0, centres..., 1.0] with a window of three.
    let mut before = 0.0;
    let mut here = order.first().map_or(1.0, |&s| centre(s));
    for (i, &source) in order.iter().enumerate() {
        let after = order.get(i + 1).map_or(1.0, |&s| centre(s));
        let gap = neighbour_gap(
            (before, here, after),
            i == 0,
            i + 1 == m,
            consider_endpoints,
        );
        if let Some(o) = out.get_mut(source) {
            *o = gap;
        }
        (before, here) = (here, after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaps(mus: &[f64], with_prior: bool, consider_endpoints: bool) -> Vec<f64> {
        neighbour_gaps(mus, &sorted_centres(mus, with_prior), consider_endpoints)
    }

    /// Both key layouts give the same order (the `u128` one is used only
    /// past 8 million observations).
    #[test]
    fn packed_and_wide_keys_sort_alike() {
        let mus: Vec<f64> = (0..500)
            .map(|i| ((i * 7919) % 503) as f64 / 502.0)
            .collect();
        for with_prior in [false, true] {
            let packed = sort_centres(&mus, with_prior, true);
            let wide = sort_centres(&mus, with_prior, false);
            assert_eq!(packed, wide);
            let centre = |s: usize| mus.get(s).copied().unwrap_or(PRIOR_MU);
            assert!(packed.windows(2).all(|w| centre(w[0]) <= centre(w[1])));
        }
    }

    #[test]
    fn centres_sort_by_value_with_the_prior_in_place() {
        let sorted = sorted_centres(&[0.7, -0.0, 0.2, 1.0, 0.5], true);
        assert_eq!(sorted, [1, 2, 4, PRIOR_SOURCE, 0, 3]);
        let wide = sort_centres(&[0.7, -0.0, 0.2, 1.0, 0.5], true, false);
        assert_eq!(wide, sorted);
    }

    fn ctx(rule: Bandwidth, consider_endpoints: bool) -> BandwidthContext {
        BandwidthContext {
            rule,
            consider_endpoints,
            with_prior: true,
            prior_is_neighbour: true,
            joint_dimensions: 1,
        }
    }

    /// Worked by hand: centres 0.1, 0.2, 0.9 and the prior at 0.5 sort to
    /// [0 | 0.1 0.2 0.5 0.9 | 1]; gaps are max(0.1, 0.1), max(0.1, 0.3),
    /// max(0.4, 0.1); without endpoints the outermost use their inner gap
    /// (0.1 and 0.4). The clip floor is 1/min(100, 5) = 0.2.
    #[test]
    fn magic_clip_uses_neighbour_gaps_and_clips() {
        let mus = [0.2, 0.9, 0.1];
        let raw = gaps(&mus, true, true);
        let want = [0.3, 0.4, 0.1];
        for (g, w) in raw.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{raw:?}");
        }
        let inner = gaps(&mus, true, false);
        let want = [0.3, 0.4, 0.1];
        for (g, w) in inner.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{inner:?}");
        }
        let clipped = bandwidths(&mus, None, &ctx(Bandwidth::MagicClip, true));
        assert_eq!(clipped.len(), 3);
        assert!((clipped[0] - 0.3).abs() < 1e-12);
        assert!((clipped[1] - 0.4).abs() < 1e-12);
        assert!((clipped[2] - 0.2).abs() < 1e-12);
    }

    /// Without the prior's centre as a neighbour (Optuna 5), centres 0.1,
    /// 0.2, 0.9 sort to [0 | 0.1 0.2 0.9 | 1]: gaps max(0.1, 0.1),
    /// max(0.1, 0.7), max(0.7, 0.1), clipped below at 0.2; the same whether
    /// the caller passes the order (with the prior in it) or not.
    #[test]
    fn magic_clip_can_leave_the_prior_out_of_the_neighbours() {
        let mus = [0.2, 0.9, 0.1];
        let optuna = BandwidthContext {
            prior_is_neighbour: false,
            ..ctx(Bandwidth::MagicClip, false)
        };
        let order = sorted_centres(&mus, true);
        for sorted in [None, Some(order.as_slice())] {
            let s = bandwidths(&mus, sorted, &optuna);
            let want = [0.7, 0.7, 0.2];
            for (g, w) in s.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{sorted:?}: {s:?}");
            }
        }
        // With the prior as a neighbour, 0.2 and 0.9 are cut at 0.5.
        let with = bandwidths(&mus, None, &ctx(Bandwidth::MagicClip, false));
        assert!((with[0] - 0.3).abs() < 1e-12 && (with[1] - 0.4).abs() < 1e-12);
    }

    /// With endpoints considered, an outermost kernel may take the stretch to
    /// the interval's end as its width; without, only the gap to its inner
    /// neighbour.
    #[test]
    fn endpoints_change_the_outermost_kernels() {
        let mus = [0.02, 0.95];
        let with = gaps(&mus, true, true);
        let without = gaps(&mus, true, false);
        // Sorted [0 | 0.02 0.5 0.95 | 1]; with: max(0.02, 0.48), max(0.45, 0.05).
        assert!((with[0] - 0.48).abs() < 1e-12 && (with[1] - 0.45).abs() < 1e-12);
        // Without: inner gaps only, the same here because the prior is farther
        // than the ends; it differs when an end is the larger gap.
        let far = [0.4, 0.45];
        let with = gaps(&far, false, true);
        let without_far = gaps(&far, false, false);
        assert!((with[0] - 0.4).abs() < 1e-12 && (with[1] - 0.55).abs() < 1e-12);
        assert!((without_far[0] - 0.05).abs() < 1e-12);
        assert!((without_far[1] - 0.05).abs() < 1e-12);
        assert!((without[0] - 0.48).abs() < 1e-12);
    }

    #[test]
    fn scott_shrinks_with_n_and_dimension() {
        let one = bandwidths(&[0.5], None, &ctx(Bandwidth::Scott, false))[0];
        assert!((one - 0.2).abs() < 1e-15);
        let many = bandwidths(&[0.5; 1000], None, &ctx(Bandwidth::Scott, false))[0];
        assert!((many - 0.2 * 1000f64.powf(-0.2)).abs() < 1e-15);
        let joint = BandwidthContext {
            joint_dimensions: 10,
            ..ctx(Bandwidth::Scott, false)
        };
        let wide = bandwidths(&[0.5; 1000], None, &joint)[0];
        assert!(wide > many);
    }

    #[test]
    fn widths_never_exceed_the_interval() {
        let s = bandwidths(&[0.5], None, &ctx(Bandwidth::MagicClip, true));
        assert!(s[0] <= 1.0);
        assert!(bandwidths(&[], None, &ctx(Bandwidth::MagicClip, true)).is_empty());
    }
}
