//! Define-by-run branches modelled jointly: the parameters a trial has
//! decided already that belong to the same branch as the one asked for.
//!
//! A define-by-run study never states its branches: a parameter suggested
//! inside an `if` reaches the searcher alone (`sample_independent`), so the
//! correlation between, say, an SVM's `C` and `gamma` would be lost, while
//! a define-and-run space models them as one group. Parameters that were
//! present in exactly the same finished trials are taken to be one branch
//! (as a condition would say), and each is drawn from the branch's joint
//! density given those the trial has decided: the candidates keep the
//! decided values, the others (the first parameter's partners-to-be
//! included) are drawn and then dropped, and the joint density ratio
//! scores them. So both ways of writing a space reach the same model.

use crate::encode::coordinate;
use hyperspace_engine::{Param, SearchContext};

/// A decided parameter of the trial being proposed for, in the same
/// branch as the one asked for.
pub(super) struct Partner<'a> {
    pub name: &'a str,
    pub param: &'a Param,
    /// Its decided value, on the unit coordinate the densities use.
    pub coordinate: f64,
}

/// A parameter of the same branch as the one asked for that the trial has
/// not decided yet: drawn along with it (its coordinate then dropped), so
/// that the first parameter of a branch is chosen from the branch's joint
/// density, as a define-and-run group's first member is.
pub(super) struct Undecided<'a> {
    pub name: &'a str,
    pub param: &'a Param,
}

/// The parameters of `name`'s branch: those the current trial has decided
/// (in name order), and the study's other parameters it has not (in name
/// order). A parameter is of the branch when every finished trial had it
/// exactly when it had `name`; none until some finished trial had `name`.
pub(super) fn branch_of<'a>(
    ctx: &SearchContext<'a>,
    name: &str,
) -> (Vec<Partner<'a>>, Vec<Undecided<'a>>) {
    let Some(current) = ctx.trials.iter().find(|t| t.number == ctx.trial_number) else {
        return (Vec::new(), Vec::new());
    };
    let finished: Vec<_> = ctx
        .trials
        .iter()
        .filter(|t| t.state.is_finished() && t.number != ctx.trial_number)
        .collect();
    if !finished.iter().any(|t| t.params.contains_key(name)) {
        return (Vec::new(), Vec::new());
    }
    let together = |other: &str| {
        other != name
            && finished
                .iter()
                .all(|t| t.params.contains_key(name) == t.params.contains_key(other))
    };
    let mut decided: Vec<Partner<'a>> = current
        .params
        .iter()
        .filter(|(other, _)| together(other.as_str()))
        .filter_map(|(other, v)| {
            let param = &ctx.space.get(other)?.param;
            Some(Partner {
                name: other.as_str(),
                param,
                coordinate: coordinate(param, v)?,
            })
        })
        .collect();
    decided.sort_by(|a, b| a.name.cmp(b.name));
    let mut undecided: Vec<Undecided<'a>> = ctx
        .space
        .entries()
        .iter()
        .filter(|e| !current.params.contains_key(&e.name) && together(&e.name))
        .map(|e| Undecided {
            name: e.name.as_str(),
            param: &e.param,
        })
        .collect();
    undecided.sort_by(|a, b| a.name.cmp(b.name));
    (decided, undecided)
}
