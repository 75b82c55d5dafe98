//! The bracket model against what the two Hyperbands computed before they
//! shared it (the functions `pruner_before` and `searcher_before` are those
//! computations, kept here as the reference), and against the paper.

use super::*;
use proptest::prelude::*;

fn brackets(min: f64, max: f64, eta: f64, layout: RungLayout) -> Brackets {
    BracketSettings {
        min,
        max,
        reduction_factor: eta,
        brackets: None,
        layout,
    }
    .validate()
    .unwrap()
}

/// The pruner's rungs (`min · η^k` up to `max`) and bracket totals, in
/// integers, as `engine/src/pruner/hyperband.rs` computed them.
fn pruner_before(min: u64, max: u64, eta: u64) -> (Vec<u64>, Vec<u64>) {
    let mut s_max = 0u32;
    let mut reach = min;
    let mut rungs = vec![min];
    while let Some(next) = reach.checked_mul(eta).filter(|&n| n <= max) {
        reach = next;
        rungs.push(next);
        s_max += 1;
    }
    let mut cumulative = Vec::new();
    let mut total = 0u64;
    for rate in 0..=s_max {
        let s = s_max - rate;
        let size = (u64::from(s_max) + 1)
            .saturating_mul(eta.saturating_pow(s))
            .div_ceil(u64::from(s) + 1);
        total = total.saturating_add(size);
        cumulative.push(total);
    }
    (rungs, cumulative)
}

/// The searcher's rungs (`max / η^k` down to `min`, rounded for whole
/// ends) and bracket totals, in floats, as
/// `searchers/src/hyperband/settings.rs` computed them.
fn searcher_before(min: f64, max: f64, eta: f64, brackets: Option<usize>) -> (Vec<f64>, Vec<u64>) {
    let mut rungs = vec![max];
    while rungs.len() < 64 {
        let next = rungs[rungs.len() - 1] / eta;
        if next < min * (1.0 - 1e-9) {
            break;
        }
        rungs.push(next);
    }
    rungs.reverse();
    if min.fract() == 0.0 && max.fract() == 0.0 {
        for r in &mut rungs {
            *r = r.round().max(min);
        }
        rungs.dedup();
    }
    let count = brackets.map_or(rungs.len(), |b| b.min(rungs.len()));
    let s_max = (rungs.len() - 1) as f64;
    let mut total = 0u64;
    let cumulative = (0..count)
        .map(|s| {
            let halvings = s_max - s as f64;
            let size = ((s_max + 1.0) / (halvings + 1.0) * eta.powf(halvings)).ceil();
            total = total.saturating_add(size.min(1e15) as u64);
            total
        })
        .collect();
    (rungs, cumulative)
}

/// The paper's example, 1 to 81 with η = 3: five rungs (the same from
/// either end) and brackets of 81, 34, 15, 8 and 5 configurations.
#[test]
fn the_papers_example() {
    for layout in [RungLayout::FromMin, RungLayout::FromMax] {
        let b = brackets(1.0, 81.0, 3.0, layout);
        assert_eq!(b.rungs(), [1.0, 3.0, 9.0, 27.0, 81.0]);
        assert_eq!(b.cumulative(), [81, 115, 130, 138, 143]);
        assert_eq!(b.promoted(8), 2);
        assert_eq!(b.promoted(2), 0);
    }
    // Uneven ends: up from 2 (2, 6, 18) or down from 50 (50, 16.7, 5.6,
    // rounded).
    assert_eq!(
        brackets(2.0, 50.0, 3.0, RungLayout::FromMin).rungs(),
        [2.0, 6.0, 18.0]
    );
    assert_eq!(
        brackets(2.0, 50.0, 3.0, RungLayout::FromMax).rungs(),
        [6.0, 17.0, 50.0]
    );
}

/// Each bracket gets its share of the trials.
#[test]
fn trials_spread_over_the_brackets_by_their_shares() {
    let b = brackets(1.0, 81.0, 3.0, RungLayout::FromMin);
    let mut counts = [0usize; 5];
    for n in 0..14_300 {
        counts[b.bracket_of(n)] += 1;
    }
    for (count, size) in counts.iter().zip([81, 34, 15, 8, 5]) {
        let expected = 100 * size;
        assert!(count.abs_diff(expected) < expected / 5 + 30, "{counts:?}");
    }
}

#[test]
fn bad_settings_are_named_with_the_callers_names() {
    let check = |min: f64, max: f64, eta: f64, brackets: Option<usize>, needle: &str| {
        let err = BracketSettings {
            min,
            max,
            reduction_factor: eta,
            brackets,
            layout: RungLayout::FromMax,
        }
        .validate()
        .unwrap_err()
        .settings_error("min_resource", "max_resource");
        let setting = needle.split(' ').next().unwrap();
        assert_eq!(err.setting(), Some(setting), "{err:?}");
        let err = err.to_string();
        assert!(err.contains(needle), "{err}");
    };
    check(0.0, 9.0, 3.0, None, "min_resource");
    check(f64::NAN, 9.0, 3.0, None, "min_resource");
    check(
        9.0,
        9.0,
        3.0,
        None,
        "max_resource (9) must be above min_resource (9)",
    );
    check(1.0, f64::INFINITY, 3.0, None, "max_resource");
    check(1.0, 9.0, 1.5, None, "reduction_factor");
    check(1.0, 9.0, 3.0, Some(0), "brackets");
}

/// Huge ranges stop at 64 rungs and saturate instead of overflowing.
#[test]
fn huge_ranges_saturate() {
    let b = brackets(1.0, u64::MAX as f64, 10.0, RungLayout::FromMin);
    assert_eq!(b.len(), 20);
    assert_eq!(brackets(1.0, 1e300, 2.0, RungLayout::FromMax).len(), 64);
}

proptest! {
    /// The pruner's brackets, in whole steps, are what it computed before.
    #[test]
    fn the_pruners_brackets_are_unchanged(
        min in 1u64..2_000,
        span in 1u64..5_000_000,
        eta in 2u64..12,
    ) {
        let max = min + span;
        let (rungs, cumulative) = pruner_before(min, max, eta);
        let b = brackets(min as f64, max as f64, eta as f64, RungLayout::FromMin);
        let now: Vec<u64> = b.rungs().iter().map(|&r| r as u64).collect();
        prop_assert_eq!(now, rungs);
        prop_assert_eq!(b.cumulative(), &cumulative[..]);
    }

    /// The searcher's brackets, whole or fractional, are what it computed
    /// before (but for float rounding, see below).
    #[test]
    fn the_searchers_brackets_are_unchanged(
        min in 0.01f64..500.0,
        ratio in 1.001f64..1e6,
        eta in prop_oneof![(2u32..10).prop_map(f64::from), 2.0f64..6.0],
        whole in any::<bool>(),
        limit in proptest::option::of(1usize..8),
    ) {
        let (min, max) = if whole {
            (min.ceil(), (min.ceil() * ratio).ceil().max(min.ceil() + 1.0))
        } else {
            (min, min * ratio)
        };
        let (rungs, cumulative) = searcher_before(min, max, eta, limit);
        let b = BracketSettings {
            min,
            max,
            reduction_factor: eta,
            brackets: limit,
            layout: RungLayout::FromMax,
        }
        .validate()
        .unwrap();
        prop_assert_eq!(b.rungs(), &rungs[..]);
        // The one difference: with a whole η the share is now exact, where
        // the float formula could round an exact integer up by one (11 / 9
        // · 3^8 = 8019 came out 8020).
        let sizes = |c: &[u64]| -> Vec<u64> {
            c.iter().scan(0, |prev, &t| { let d = t - *prev; *prev = t; Some(d) }).collect()
        };
        for (now, before) in sizes(b.cumulative()).into_iter().zip(sizes(&cumulative)) {
            prop_assert!(
                now == before || (eta.fract() == 0.0 && before == now + 1),
                "share {} now, {} before", now, before
            );
        }
        prop_assert_eq!(b.len(), cumulative.len());
    }
}
