//! The branch choice's floor: every branch of a choice keeps a share of the
//! trials, so a family whose random trials all look bad is still searched.
//!
//! TPE models a choice by the density ratio of its options among the good
//! and bad trials. In model selection the best family can look worst on
//! average (a narrow optimum, most of its trials far from it): none of its
//! trials is good, so the ratio never picks it again, whatever the branch's
//! own model would find there (measured on `model-selection`: TPE settles
//! on the easy families and is no better than random). With the floor a
//! branch that has fewer than its floor of the trials (an even share early,
//! a falling share later: [`BRANCH_FLOOR_SCALE`]) is chosen next; its parameters are then drawn from its own
//! trials, ranked among themselves (`super::split::split_branch`).

use hyperspace_engine::{Param, SearchContext, Trial, Value};

/// The floor as a share of an even share (`1 / options`) of the `n`
/// trials that made the choice: `min(1, BRANCH_FLOOR_SCALE / n^(1/4))`.
/// Early every branch gets its even share (the branches take turns, so one
/// whose random trials look worst is still searched enough for its own
/// model to find its optimum); the share then falls, so later the choice
/// itself is modelled again and a branch that is plainly best gets most of
/// the trials. Even up to 16 trials, 0.63 of it at 100, 0.53 at 200, 0.36
/// at 1000.
///
/// Measured with the Rust suite (`hyperspace-bench run -s tpe -p
/// conditional --seeds 30`, median regret at 100 / 200 trials), against a
/// constant even share and no floor: `model-selection` 0.0085 / 0.0047
/// (even 0.0070 / 0.0025, none 0.0200 / 0.0200), `conditional` 8.6e-4 /
/// 3.6e-6 (even 1.2e-3 / 3.0e-4, none 2.5e-4 / 6.4e-7). A floor falling as
/// `8 / sqrt(n)` measured about the same (0.0084 / 0.0061, 8.1e-4 /
/// 5.2e-6); a fixed 25 trials per option kept less of model-selection's
/// gain (0.0095 / 0.0084).
const BRANCH_FLOOR_SCALE: f64 = 2.0;

/// The least number of the `n` trials of a choice of `options` that each
/// option keeps (see [`BRANCH_FLOOR_SCALE`]).
fn floor(n: usize, options: usize) -> f64 {
    let n = n as f64;
    let share = (BRANCH_FLOOR_SCALE / n.powf(0.25)).min(1.0);
    share * n / options as f64
}

/// The option of `name` to take instead of the model's, if one is below
/// its floor: the least tried (first on ties). `None` when `name` carries
/// no branches (no parameter's presence depends on its value) or every
/// option has its share.
pub(crate) fn below_floor(ctx: &SearchContext<'_>, name: &str, param: &Param) -> Option<Value> {
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
    let mut counts = vec![0usize; options];
    for &(_, k) in &with {
        counts[k] += 1;
    }
    let floor = floor(with.len(), options);
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
    use super::floor;

    #[test]
    fn the_floor_is_an_even_share_early_and_a_falling_share_later() {
        for n in 1..=16 {
            assert!((floor(n, 3) - n as f64 / 3.0).abs() < 1e-12, "n = {n}");
        }
        let share = |n: usize| floor(n, 3) / (n as f64 / 3.0);
        assert!((share(100) - 0.632).abs() < 0.01, "{}", share(100));
        assert!(share(1000) < 0.4);
        // The share falls, but the number of trials kept still grows.
        for n in 17..2000 {
            assert!(share(n + 1) < share(n));
            assert!(floor(n + 1, 3) > floor(n, 3));
        }
    }
}
