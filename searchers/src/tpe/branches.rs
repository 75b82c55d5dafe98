//! The branch choice's floor: every branch of a choice keeps a share of the
//! trials, so a family whose random trials all look bad is still searched.
//!
//! TPE models a choice by the density ratio of its options among the good
//! and bad trials. In model selection the best family can look worst on
//! average (a narrow optimum, most of its trials far from it): none of its
//! trials is good, so the ratio never picks it again, whatever the branch's
//! own model would find there (measured on `model-selection`: TPE settles
//! on the easy families and is no better than random). With the floor a
//! branch that has fewer than `BRANCH_FLOOR` times its even share of the
//! trials is chosen next; its parameters are then drawn from its own
//! trials, ranked among themselves (`super::split::split_branch`).

use hyperspace_engine::{Param, SearchContext, Trial, Value};

/// The least share of a choice's trials each branch keeps, relative to an
/// even share (`1 / options`). Measured on `model-selection` (Python,
/// define-by-run, 20 seeds, 100 trials, median regret): 0.5 gives 0.0194,
/// 0.75 gives 0.0102, 1.0 gives 0.0036 (random 0.0185, Hyperopt 0.0206).
/// At 1.0 the branches take turns and the model picks among the ones tied
/// for fewest trials; the cost is on problems whose best branch is easy to
/// find (`conditional`: see searchers/README.md).
const BRANCH_FLOOR: f64 = 1.0;

/// The option of `name` to take instead of the model's, if one is below
/// its floor: the least tried (first on ties). `None` when `name` carries
/// no branches (no parameter's presence depends on its value) or every
/// option has its share.
pub(super) fn below_floor(ctx: &SearchContext<'_>, name: &str, param: &Param) -> Option<Value> {
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
    let floor = BRANCH_FLOOR * with.len() as f64 / options as f64;
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
