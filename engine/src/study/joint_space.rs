//! The part of a define-by-run study's space that the searcher models
//! jointly at a trial's first suggestion, read off the history.
//!
//! A define-by-run objective writes its tree as code (`family =
//! suggest_categorical(...)`, then `if family == "svm": suggest_float("svm_c",
//! ...)`), so the study's space records the parameters but not their
//! branches. The history shows them: a parameter absent from some finished
//! trials is taken as the child of `(parent, choice)` when, in the finished
//! trials, it is present exactly when the categorical `parent` has that
//! choice. The result is a conditional [`Space`], the same one a
//! define-and-run study would declare, so branch parameters come from the
//! searcher's joint model instead of one independent draw each.
//!
//! What stays out (drawn by `sample_independent`, as before):
//! - a parameter present in the trials with either of two choices (one
//!   [`Condition`] names one choice);
//! - one whose presence follows anything but a choice (a number, a
//!   coin the objective flips), or that a finished trial contradicts;
//! - the descendants of a parameter that stays out.
//!
//! The inference is a pure function of the finished trials (complete, or
//! pruned with a value: the trials the searchers learn from; failed ones
//! say nothing) taken in number order, so reproducible studies and parallel
//! workers reading the same history agree, and a trial that contradicts an
//! earlier inference simply undoes it at the next proposal: nothing of it
//! is stored.

use crate::space::limits::MAX_DEPTH;
use crate::space::{Condition, Entry, Param, Params, Space};
use crate::Trial;
use std::cmp::Reverse;
use std::collections::HashMap;

/// The joint space of a define-by-run study: the parameters every finished
/// trial has (Optuna's intersection search space) as roots, and each
/// parameter that only some have under the `(categorical, choice)` its
/// presence follows, learnt from the `trials` finished with a value;
/// `space` is the study's space, whose declared-conditional entries stay
/// out (a declared tree is the define-and-run path's).
///
/// The study calls it at each define-by-run trial's first suggestion; a
/// searcher that chooses by the shape of the space (`auto`) calls it on
/// its context to see the same tree.
pub fn joint_space<'a>(trials: impl IntoIterator<Item = &'a Trial>, space: &Space) -> Space {
    let finished = trials
        .into_iter()
        .filter(|t| t.finished_value().is_some())
        .map(|t| &t.params);
    let counts = Counts::of(finished, space);
    if counts.trials == 0 {
        return Space::empty();
    }
    // Parents before children: a parent is present in at least as many
    // trials as its child; ties go by the order the space met them.
    let mut order: Vec<usize> = (0..space.len())
        .filter(|&i| space.entries()[i].condition.is_none() && counts.present[i] > 0)
        .collect();
    order.sort_by_key(|&i| (Reverse(counts.present[i]), i));

    // Per parameter taken in: its index among `entries` and its depth.
    let mut placed: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::new();
    for &x in &order {
        let (condition, depth) = if counts.present[x] == counts.trials {
            (None, 0)
        } else if let Some((p, choice)) = counts.parent_of(x, space, &placed) {
            let (parent, depth) = placed[&p];
            if depth >= MAX_DEPTH {
                continue;
            }
            (Some(Condition { parent, choice }), depth + 1)
        } else {
            continue;
        };
        placed.insert(x, (entries.len(), depth));
        let entry = &space.entries()[x];
        entries.push(Entry {
            name: entry.name.clone(),
            param: entry.param.clone(),
            condition,
        });
    }
    Space::from_inferred(entries)
}

/// The parameters every finished trial has, kept from one proposal to the
/// next: a define-by-run study builds this space at every trial's first
/// suggestion, and building it (two copies of every entry, with its name,
/// and a name index) cost a random-searcher trial of 40 floats about as
/// much as the searcher's own draws. It changes only when the space grows
/// or a parameter becomes (or stops being) shared.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedSpace {
    last: Space,
}

impl SharedSpace {
    /// The unconditional entries of `space` for which `shared` holds, in
    /// order: the last space returned when it has exactly those entries.
    pub(super) fn of(&mut self, space: &Space, shared: impl Fn(&str) -> bool) -> &Space {
        let wanted =
            || (space.entries().iter()).filter(|e| e.condition.is_none() && shared(&e.name));
        if !wanted().eq(self.last.entries()) {
            self.last = Space::from_inferred(wanted().cloned().collect());
        }
        &self.last
    }
}

/// The joint space when every finished trial has every parameter of
/// `space` (no branches to infer): its unconditional parameters.
pub(super) fn shared_only(space: &Space) -> Space {
    let roots = space.entries().iter().filter(|e| e.condition.is_none());
    Space::from_inferred(roots.cloned().collect())
}

/// Whether a pending trial has every parameter of `joint` its own values
/// make active: the whole joint proposal the objective asked for so far.
pub(super) fn has_active(joint: &Space, params: &Params) -> bool {
    joint
        .entries()
        .iter()
        .enumerate()
        .all(|(i, e)| params.contains_key(&e.name) || !joint.is_active(i, params))
}

/// How often parameters, and parameters with a choice, occur together in
/// the finished trials, by index in the study's space.
struct Counts {
    trials: usize,
    /// Trials that have each parameter.
    present: Vec<usize>,
    /// `(x, parent, choice)`: trials that have `x` and whose `parent` has
    /// `choice` (with `x == parent`: the trials with that choice).
    together: HashMap<(usize, usize, usize), usize>,
}

impl Counts {
    fn of<'a>(finished: impl IntoIterator<Item = &'a Params>, space: &Space) -> Self {
        let mut counts = Counts {
            trials: 0,
            present: vec![0; space.len()],
            together: HashMap::new(),
        };
        let mut here = Vec::new();
        let mut choices = Vec::new();
        for params in finished {
            counts.trials += 1;
            here.clear();
            choices.clear();
            for (name, value) in params {
                let Some(i) = space.position(name) else {
                    continue;
                };
                counts.present[i] += 1;
                here.push(i);
                if let Param::Categorical(cat) = &space.entries()[i].param {
                    if let Some(c) = cat.index_of(value) {
                        choices.push((i, c));
                    }
                }
            }
            for &(p, c) in &choices {
                for &x in &here {
                    *counts.together.entry((x, p, c)).or_default() += 1;
                }
            }
        }
        counts
    }

    fn together(&self, x: usize, parent: usize, choice: usize) -> usize {
        self.together
            .get(&(x, parent, choice))
            .copied()
            .unwrap_or(0)
    }

    /// The `(parent, choice)` whose trials are exactly those that have
    /// `x`, among the categoricals `placed` already; the deepest such
    /// parent (the nearest, when a parent always takes the one choice
    /// that brings its own child), then the one the space met first.
    fn parent_of(
        &self,
        x: usize,
        space: &Space,
        placed: &HashMap<usize, (usize, usize)>,
    ) -> Option<(usize, usize)> {
        let n = self.present[x];
        let mut best: Option<(usize, usize, usize)> = None;
        for (&p, &(_, depth)) in placed {
            let Param::Categorical(cat) = &space.entries()[p].param else {
                continue;
            };
            for c in 0..cat.choices().len() {
                let both = self.together(x, p, c);
                if both == n && both == self.together(p, p, c) {
                    let key = (depth, Reverse(p));
                    if best.is_none_or(|(bp, _, bd)| key > (bd, Reverse(bp))) {
                        best = Some((p, c, depth));
                    }
                }
            }
        }
        best.map(|(p, c, _)| (p, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrialState, Value};

    /// The flat space a define-by-run study records: `family` and `kernel`
    /// choices, numbers for the rest.
    fn space() -> Space {
        Space::parse(
            "family=choice(svm,forest,mlp) kernel=choice(rbf,poly) lr=float(0,1) \
             svm_c=float(0,1) gamma=float(0,1) degree=float(0,1) \
             trees=float(0,1) width=float(0,1) extra=float(0,1)",
        )
        .unwrap()
    }

    fn trial(number: u64, state: TrialState, params: &[(&str, &str)]) -> Trial {
        let mut t = super::super::reproducible::tests::trial(number, state, &[]);
        t.params = params
            .iter()
            .map(|(n, v)| {
                let value = v.parse::<f64>().map_or(Value::from(*v), Value::from);
                (n.to_string(), value)
            })
            .collect::<Params>();
        t
    }

    fn complete(rows: &[&[(&str, &str)]]) -> Vec<Trial> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| trial(i as u64, TrialState::Complete, r))
            .collect()
    }

    /// Each parameter of the joint space with its condition, as
    /// `name <- parent=choice` (`name` alone for roots).
    fn tree(joint: &Space) -> Vec<String> {
        joint
            .entries()
            .iter()
            .map(|e| match e.condition {
                None => e.name.clone(),
                Some(c) => {
                    let parent = &joint.entries()[c.parent];
                    let Param::Categorical(cat) = &parent.param else {
                        panic!("parent {} is not a choice", parent.name)
                    };
                    format!("{} <- {}={}", e.name, parent.name, cat.choices()[c.choice])
                }
            })
            .collect()
    }

    const SVM: &[(&str, &str)] = &[("family", "svm"), ("lr", "0.1"), ("svm_c", "0.2")];
    const FOREST: &[(&str, &str)] = &[("family", "forest"), ("lr", "0.3"), ("trees", "0.4")];
    const MLP: &[(&str, &str)] = &[("family", "mlp"), ("lr", "0.5"), ("width", "0.6")];

    #[test]
    fn branch_parameters_hang_under_the_choice_that_brings_them() {
        let trials = complete(&[SVM, FOREST, MLP, SVM]);
        let joint = joint_space(&trials, &space());
        assert_eq!(
            tree(&joint),
            [
                "family",
                "svm_c <- family=svm",
                "trees <- family=forest",
                "width <- family=mlp",
                "lr"
            ]
        );
    }

    #[test]
    fn nested_branches_and_a_conditional_parent() {
        // kernel is asked only for svm; gamma only for rbf, degree for poly.
        let rbf = &[
            ("family", "svm"),
            ("svm_c", "0.1"),
            ("kernel", "rbf"),
            ("gamma", "0.2"),
        ];
        let poly = &[
            ("family", "svm"),
            ("svm_c", "0.1"),
            ("kernel", "poly"),
            ("degree", "0.2"),
        ];
        let forest = &[("family", "forest"), ("trees", "0.4")];
        let trials = complete(&[rbf, poly, forest, rbf]);
        let joint = joint_space(&trials, &space());
        assert_eq!(
            tree(&joint),
            [
                "family",
                "kernel <- family=svm",
                "gamma <- kernel=rbf",
                "degree <- kernel=poly",
                "svm_c <- family=svm",
                "trees <- family=forest",
            ]
        );
        // A configuration of it activates exactly one path.
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        let drawn = joint.sample_uniform(&mut rng);
        assert!(joint.check_config(&drawn).is_ok());
    }

    #[test]
    fn a_parameter_of_two_choices_stays_independent() {
        // `extra` is asked for svm and forest alike: one condition cannot
        // say so, so it is drawn on its own; the rest is still a tree.
        let svm = &[("family", "svm"), ("svm_c", "0.2"), ("extra", "0.1")];
        let forest = &[("family", "forest"), ("trees", "0.4"), ("extra", "0.3")];
        let trials = complete(&[svm, forest, MLP]);
        let names = tree(&joint_space(&trials, &space()));
        assert!(!names.iter().any(|n| n.starts_with("extra")), "{names:?}");
        assert!(names.contains(&"svm_c <- family=svm".to_string()));
    }

    #[test]
    fn presence_that_follows_a_number_stays_independent() {
        // `extra` is asked when lr > 0.4: no choice explains it.
        let low = &[("family", "svm"), ("lr", "0.1")];
        let high = &[("family", "svm"), ("lr", "0.9"), ("extra", "0.5")];
        let trials = complete(&[low, high, low, high]);
        assert_eq!(tree(&joint_space(&trials, &space())), ["family", "lr"]);
    }

    #[test]
    fn failed_trials_say_nothing_pruned_ones_count() {
        let mut trials = complete(&[SVM, FOREST]);
        // A failed svm trial that never asked for svm_c: ignored.
        trials.push(trial(2, TrialState::Failed, &[("family", "svm")]));
        let names = tree(&joint_space(&trials, &space()));
        assert!(names.contains(&"svm_c <- family=svm".to_string()));
        // A pruned one with a value is learnt from: it stopped before its
        // svm_c, so svm_c no longer follows the choice.
        trials.push(trial(
            3,
            TrialState::Pruned,
            &[("family", "svm"), ("lr", "0.2")],
        ));
        let names = tree(&joint_space(&trials, &space()));
        assert!(!names.iter().any(|n| n.starts_with("svm_c")), "{names:?}");
        // Running trials are not evidence either.
        let mut trials = complete(&[SVM, FOREST]);
        trials.push(trial(2, TrialState::Running, &[("family", "svm")]));
        let names = tree(&joint_space(&trials, &space()));
        assert!(names.contains(&"svm_c <- family=svm".to_string()));
    }

    #[test]
    fn a_contradicting_trial_undoes_an_inference() {
        let mut rows: Vec<&[(&str, &str)]> = vec![SVM, FOREST, MLP];
        let before = tree(&joint_space(&complete(&rows), &space()));
        assert!(before.contains(&"trees <- family=forest".to_string()));
        // Later the objective asks for `trees` under mlp too.
        let mlp_trees: &[(&str, &str)] = &[
            ("family", "mlp"),
            ("lr", "0.5"),
            ("width", "0.6"),
            ("trees", "0.1"),
        ];
        rows.push(mlp_trees);
        let after = tree(&joint_space(&complete(&rows), &space()));
        assert!(!after.iter().any(|n| n.starts_with("trees")), "{after:?}");
        assert!(after.contains(&"width <- family=mlp".to_string()));
    }

    #[test]
    fn the_same_history_gives_the_same_tree_in_any_order_of_names() {
        // Two categoricals that always agree (a coincidence of few trials):
        // the child goes under the one the space met first, every time.
        let space =
            Space::parse("kernel=choice(rbf,poly) family=choice(svm,forest) svm_c=float(0,1)")
                .unwrap();
        let a: &[(&str, &str)] = &[("family", "svm"), ("kernel", "rbf"), ("svm_c", "0.1")];
        let b: &[(&str, &str)] = &[("kernel", "poly"), ("family", "forest")];
        let one = tree(&joint_space(&complete(&[a, b]), &space));
        let two = tree(&joint_space(&complete(&[b, a]), &space));
        assert_eq!(one, two);
        assert!(one.contains(&"svm_c <- kernel=rbf".to_string()), "{one:?}");
    }

    #[test]
    fn no_finished_trial_no_joint_space() {
        let trials = vec![trial(0, TrialState::Running, SVM)];
        assert!(joint_space(&trials, &space()).is_empty());
    }

    #[test]
    fn pending_trials_need_the_parameters_their_own_choices_make_active() {
        let joint = joint_space(&complete(&[SVM, FOREST]), &space());
        let params = |rows: &[(&str, &str)]| complete(&[rows])[0].params.clone();
        assert!(has_active(&joint, &params(SVM)));
        assert!(!has_active(
            &joint,
            &params(&[("family", "svm"), ("lr", "0.1")])
        ));
        assert!(!has_active(&joint, &params(&[("lr", "0.1")])));
        assert!(has_active(&joint, &params(FOREST)));
    }

    /// The kept space is the one a fresh build gives, through every change
    /// that can happen between two proposals: a parameter becoming shared,
    /// the space growing, a parameter no longer shared, and a definition
    /// changed under the same name (which a check by names alone would
    /// miss).
    #[test]
    fn the_kept_shared_space_follows_the_space_and_the_counts() {
        let fresh = |space: &Space, shared: &[&str]| {
            let entries = space.entries().iter();
            let kept =
                entries.filter(|e| e.condition.is_none() && shared.contains(&e.name.as_str()));
            Space::from_inferred(kept.cloned().collect())
        };
        let mut kept = SharedSpace::default();
        let mut check = |space: &Space, shared: &[&str]| {
            let got = kept.of(space, |n| shared.contains(&n)).clone();
            assert_eq!(got, fresh(space, shared), "shared {shared:?}");
            got.len()
        };
        let a = Space::parse("x=float(0,1) y=float(0,1)").unwrap();
        assert_eq!(check(&a, &[]), 0);
        assert_eq!(check(&a, &["x"]), 1);
        assert_eq!(check(&a, &["x", "y"]), 2);
        assert_eq!(check(&a, &["x", "y"]), 2);
        let grown = Space::parse("x=float(0,1) y=float(0,1) z=int(1,9)").unwrap();
        assert_eq!(check(&grown, &["x", "y", "z"]), 3);
        assert_eq!(check(&grown, &["x", "z"]), 2);
        let redefined = Space::parse("x=float(0,2) z=int(1,9)").unwrap();
        let got = kept.of(&redefined, |n| n != "y").clone();
        assert_eq!(got, fresh(&redefined, &["x", "z"]));
    }
}
