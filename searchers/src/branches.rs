//! The branch choice's floor: every branch of a choice keeps a share of the
//! trials, so a family whose random trials all look bad is still searched.
//! Shared by the model-based searchers (TPE, the GP): each models a choice
//! from the trials, and each gives up on a branch too early without it.
//!
//! TPE models a choice by the density ratio of its options among the good
//! and bad trials. In model selection the best family can look worst on
//! average (a narrow optimum, most of its trials far from it): none of its
//! trials is good, so the ratio never picks it again, whatever the branch's
//! own model would find there (measured on `model-selection`: TPE settles
//! on the easy families and is no better than random). With the floor a
//! branch that has fewer than its floor of the trials (an even share early,
//! a falling share later: [`TPE_FLOOR_SCALE`], [`GP_FLOOR_SCALE`]) is chosen next; its
//! parameters are then drawn from its own trials, ranked among themselves
//! (`crate::tpe` `split_branch`).

use hyperspace_engine::{Param, SearchContext, Trial, Value};

/// The floor as a share of an even share (`1 / options`) of the `n`
/// trials that made the choice: `min(1, scale / n^(1/4))`, the scale the
/// searcher's: [`TPE_FLOOR_SCALE`] or [`GP_FLOOR_SCALE`].
/// Early every branch gets its even share (the branches take turns, so one
/// whose random trials look worst is still searched enough for its own
/// model to find its optimum); the share then falls, so later the choice
/// itself is modelled again and a branch that is plainly best gets most of
/// the trials. With 3, even up to 81 trials, 0.95 of it at 100, 0.80 at
/// 200, 0.53 at 1000; with 2, even up to 16, 0.63 at 100, 0.53 at 200,
/// 0.36 at 1000.
///
/// Why 3 for TPE (session 12; 2 before):
/// until a branch's own model finds its optimum the branch gets only its
/// floor, and with 2 TPE gave `model-selection`'s svm fewer trials (21 of
/// 100) than random search does (33), so it found the svm valley hardly
/// more often than random (175 against 168 of 300 seeds,
/// `hyperspace-bench run -s tpe -p model-selection --seeds 300`); with 3,
/// 213 of 300 (2.5: 70, 4: 76 of 100 against 3's 77). `conditional`, whose
/// best branch is easy, pays a little (`benches/README.md`, issue 17's
/// tree-space section).
///
/// Measured with the Rust suite before (`hyperspace-bench run -s tpe -p
/// conditional --seeds 30`, median regret at 100 / 200 trials), scale 2
/// against a constant even share and no floor: `model-selection` 0.0085 /
/// 0.0047 (even 0.0070 / 0.0025, none 0.0200 / 0.0200), `conditional`
/// 8.6e-4 / 3.6e-6 (even 1.2e-3 / 3.0e-4, none 2.5e-4 / 6.4e-7). A floor
/// falling as `8 / sqrt(n)` measured about the same (0.0084 / 0.0061,
/// 8.1e-4 / 5.2e-6); a fixed 25 trials per option kept less of
/// model-selection's gain (0.0095 / 0.0084).
pub(crate) const TPE_FLOOR_SCALE: f64 = 3.0;

/// The GP's floor scale (see [`TPE_FLOOR_SCALE`]): it keeps 2, since its
/// own model of the choice finds a hidden branch's optimum from fewer
/// trials. With 3 its `model-selection` median over 20 seeds went from
/// 2.9e-4 to 2.9e-3 (p against random 2.8e-7 → 0.005; `hyperspace-bench
/// run -s random,gp -p model-selection,conditional,linfa-model-selection
/// --seeds 20 --budget 100`), and `conditional` 1.0e-9 → 2.1e-9.
pub(crate) const GP_FLOOR_SCALE: f64 = 2.0;

/// The least number of the `n` trials of a choice of `options` that each
/// option keeps, with the searcher's `scale` (see [`TPE_FLOOR_SCALE`]).
fn floor(n: usize, options: usize, scale: f64) -> f64 {
    let n = n as f64;
    let share = (scale / n.powf(0.25)).min(1.0);
    share * n / options as f64
}

/// The option of `name` to take instead of the model's, if one is below
/// its floor: the least tried (first on ties), trials in flight counted.
/// `None` when `name` carries no branches (no parameter's presence depends
/// on its value) or every option has its share.
pub(crate) fn below_floor(
    ctx: &SearchContext<'_>,
    name: &str,
    param: &Param,
    scale: f64,
) -> Option<Value> {
    let Param::Categorical(c) = param else {
        return None;
    };
    let options = c.choices().len();
    let with: Vec<(&Trial, usize)> = ctx
        .trials
        .iter()
        .filter(|t| t.state.is_finished() && t.number != ctx.trial_number)
        .filter_map(|t| Some((t, c.index_of(t.params.get(name)?)?)))
        .collect();
    if options < 2 || with.is_empty() || !carries_branches(&with, name, options) {
        return None;
    }
    // Trials in flight count for the branch they took: else every worker
    // asked before the first of them finishes is sent to the same branch.
    let in_flight = ctx
        .pending()
        .filter_map(|t| c.index_of(t.params.get(name)?));
    let mut counts = vec![0usize; options];
    let mut n = 0;
    for k in with.iter().map(|&(_, k)| k).chain(in_flight) {
        counts[k] += 1;
        n += 1;
    }
    let floor = floor(n, options, scale);
    let (least, &n) = counts.iter().enumerate().min_by_key(|&(_, n)| *n)?;
    ((n as f64) < floor).then(|| c.choices()[least].clone())
}

/// Whether some other parameter is present in some trials of `with` and
/// absent in others, its presence set by the option taken.
fn carries_branches(with: &[(&Trial, usize)], name: &str, options: usize) -> bool {
    let others = with
        .iter()
        .flat_map(|(t, _)| t.params.keys())
        .filter(|k| k.as_str() != name);
    let mut seen: Vec<&String> = Vec::new();
    for other in others {
        if seen.contains(&other) {
            continue;
        }
        seen.push(other);
        // Presence per option: None unseen, Some(present).
        let mut by_option: Vec<Option<bool>> = vec![None; options];
        let mut consistent = true;
        for (t, k) in with {
            let present = t.params.contains_key(other.as_str());
            match by_option[*k] {
                None => by_option[*k] = Some(present),
                Some(p) if p != present => consistent = false,
                Some(_) => {}
            }
        }
        let present = by_option.iter().flatten().any(|p| *p);
        let absent = by_option.iter().flatten().any(|p| !*p);
        if consistent && present && absent {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{below_floor, floor, GP_FLOOR_SCALE, TPE_FLOOR_SCALE};
    use crate::pruners::test_support::trial;
    use hyperspace_engine::{Direction, Param, SearchContext, Space, Trial, TrialState, Value};

    /// A trial of `family` (`a` brings `x`, `b` brings `y`).
    fn of(number: i64, state: TrialState, family: &str) -> Trial {
        let mut t = trial(number, state, &[(0, 1.0)]);
        t.params.insert("family".into(), Value::from(family));
        let child = if family == "a" { "x" } else { "y" };
        t.params.insert(child.into(), Value::Float(0.5));
        t
    }

    /// Branch `b` has 1 of 6 finished trials, below its even share of 3,
    /// and 8 workers ask before any of them finishes (the model, here,
    /// would always choose `a`): `b` gets trials until its finished and
    /// in-flight ones reach its share, then takes turns with `a` — 6 of
    /// the 8, not all of them, as counting finished trials only did.
    #[test]
    fn trials_in_flight_count_for_their_branch() {
        use TrialState::*;
        let space = Space::parse("family=choice(a{x=float(0,1)}, b{y=float(0,1)})").unwrap();
        let family: Param = space.get("family").unwrap().param.clone();
        let mut trials: Vec<Trial> = (0..5).map(|i| of(i, Complete, "a")).collect();
        trials.push(of(5, Complete, "b"));
        let mut sent_to_b = 0;
        for number in 6..14 {
            let ctx = SearchContext {
                space: &space,
                trials: &trials,
                direction: Direction::Minimize,
                objectives: &[],
                study_seed: 0,
                trial_number: number as u64,
            };
            let choice = below_floor(&ctx, "family", &family, TPE_FLOOR_SCALE);
            let taken = choice.as_ref().and_then(|v| v.as_str()).unwrap_or("a");
            sent_to_b += usize::from(taken == "b");
            trials.push(of(number, Running, taken));
        }
        assert_eq!(sent_to_b, 6);
    }

    #[test]
    fn the_floor_is_an_even_share_early_and_a_falling_share_later() {
        // (scale, even up to, share at 100, share at 1000)
        for (scale, even, at_100, at_1000) in [
            (TPE_FLOOR_SCALE, 81, 0.949, 0.533),
            (GP_FLOOR_SCALE, 16, 0.632, 0.356),
        ] {
            for n in 1..=even {
                let f = floor(n, 3, scale);
                assert!((f - n as f64 / 3.0).abs() < 1e-12, "n = {n}");
            }
            let share = |n: usize| floor(n, 3, scale) / (n as f64 / 3.0);
            assert!((share(100) - at_100).abs() < 0.01, "{}", share(100));
            assert!((share(1000) - at_1000).abs() < 0.01, "{}", share(1000));
            // The share falls, but the number of trials kept still grows.
            for n in even + 1..2000 {
                assert!(share(n + 1) < share(n));
                assert!(floor(n + 1, 3, scale) > floor(n, 3, scale));
            }
        }
    }
}
