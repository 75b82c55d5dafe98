//! Lineage: the trials a trial came from (re-runs, continuations,
//! Hyperband promotions) and the ones that came from it, what changed
//! between each parent and child, and the one learning curve of a trial
//! that continued its parent's training.
//!
//! One home for the rules, so `hyperspace lineage`, the dashboard's trial
//! page and Python's `study.lineage` tell the same story.
//!
//! **The curve rule.** A continuation reports its intermediate values at
//! the steps after those its parent trained (a script resumed from a
//! checkpoint at epoch 3 reports epochs 3, 4, ...). The joined curve of a
//! trial takes, from the oldest ancestor down, each generation's points at
//! the steps *before* the first step its child reported, then the trial's
//! own points: a child's reports win from its first step on. A re-run that
//! starts again from step 0 therefore shows only its own curve, and a
//! continuation shows its parent's training followed by its own, without
//! the reader knowing which it was.

use hyperspace_engine::{Trial, TrialId, Value};
use serde::Serialize;

/// A parameter whose value differs between a parent and its child.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamChange {
    /// The parameter's name.
    pub name: String,
    /// Its value in the parent; `None` when the parent did not have it.
    pub before: Option<Value>,
    /// Its value in the child; `None` when the child does not have it (a
    /// branch no longer chosen).
    pub after: Option<Value>,
}

/// What changed from `parent` to `child`: the parameters (in the child's
/// order, then those only the parent had) and the budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// The parameters that differ.
    pub params: Vec<ParamChange>,
    /// The budgets `(parent, child)` when they differ.
    pub budget: Option<(Option<f64>, Option<f64>)>,
}

impl Changes {
    /// What changed between `parent` and `child`.
    pub fn between(parent: &Trial, child: &Trial) -> Changes {
        let mut params: Vec<ParamChange> = child
            .params
            .iter()
            .filter(|(name, v)| parent.params.get(*name) != Some(*v))
            .map(|(name, v)| ParamChange {
                name: name.clone(),
                before: parent.params.get(name).cloned(),
                after: Some(v.clone()),
            })
            .collect();
        params.extend(
            parent
                .params
                .iter()
                .filter(|(name, _)| !child.params.contains_key(*name))
                .map(|(name, v)| ParamChange {
                    name: name.clone(),
                    before: Some(v.clone()),
                    after: None,
                }),
        );
        let budget = (parent.budget != child.budget).then_some((parent.budget, child.budget));
        Changes { params, budget }
    }

    /// Whether nothing changed (a plain re-run).
    pub fn is_empty(&self) -> bool {
        self.params.is_empty() && self.budget.is_none()
    }
}

/// One link of a lineage: a trial and what changed from its parent to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Link<'a> {
    /// The trial.
    pub trial: &'a Trial,
    /// What changed from its parent; `None` for a trial whose parent is
    /// not among the trials given (or that has none).
    pub changes: Option<Changes>,
}

/// A trial's place in its family: the chain of parents up to the first
/// trial, and its direct children.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage<'a> {
    /// The ancestors, oldest first, each with what changed from its own
    /// parent; the last is the trial's parent.
    pub ancestors: Vec<Link<'a>>,
    /// The trial, with what changed from its parent.
    pub trial: Link<'a>,
    /// Its direct children, by number, each with what changed from the
    /// trial to it.
    pub children: Vec<Link<'a>>,
}

impl<'a> Lineage<'a> {
    /// The lineage of the trial with id `id` among `trials` (a study's);
    /// `None` when no trial has that id. A parent chain that loops (only a
    /// damaged store can hold one) stops at the first repeat.
    pub fn of(trials: &'a [Trial], id: TrialId) -> Option<Lineage<'a>> {
        let trial = trials.iter().find(|t| t.id == id)?;
        let chain = ancestry(trials, trial);
        let ancestors = chain[..chain.len() - 1]
            .iter()
            .map(|t| link(trials, t))
            .collect();
        let children = children_of(trials, id)
            .into_iter()
            .map(|c| Link {
                trial: c,
                changes: Some(Changes::between(trial, c)),
            })
            .collect();
        Some(Lineage {
            ancestors,
            trial: link(trials, trial),
            children,
        })
    }
}

impl Link<'_> {
    /// The link as JSON: the trial's id, number, state, value, budget and
    /// parent, and `changes` (`params`: name, before, after; `budget`:
    /// `[parent, child]` or null), null without a parent among the trials.
    pub fn to_json(&self) -> serde_json::Value {
        let t = self.trial;
        serde_json::json!({
            "id": t.id.0,
            "number": t.number,
            "state": t.state.as_str(),
            "value": t.value,
            "budget": t.budget,
            "parent": t.parent.map(|p| p.0),
            "changes": self.changes,
        })
    }
}

impl Lineage<'_> {
    /// The lineage as one JSON object, `ancestors` (oldest first), `trial`
    /// and `children`, each link as [`Link::to_json`]: the shape the CLI's
    /// `--format json`, the dashboard and Python share.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ancestors": self.ancestors.iter().map(Link::to_json).collect::<Vec<_>>(),
            "trial": self.trial.to_json(),
            "children": self.children.iter().map(Link::to_json).collect::<Vec<_>>(),
        })
    }
}

fn link<'a>(trials: &'a [Trial], t: &'a Trial) -> Link<'a> {
    Link {
        trial: t,
        changes: parent_of(trials, t).map(|p| Changes::between(p, t)),
    }
}

/// The parent of `trial` among `trials`, if it has one there.
pub fn parent_of<'a>(trials: &'a [Trial], trial: &Trial) -> Option<&'a Trial> {
    let parent = trial.parent?;
    trials.iter().find(|t| t.id == parent)
}

/// The trials whose parent is `id`, by number.
pub fn children_of(trials: &[Trial], id: TrialId) -> Vec<&Trial> {
    let mut children: Vec<&Trial> = trials.iter().filter(|t| t.parent == Some(id)).collect();
    children.sort_by_key(|t| t.number);
    children
}

/// `trial` and its ancestors among `trials`, oldest first, ending with
/// `trial`; stops at a repeat, so a damaged loop cannot hang a reader.
pub fn ancestry<'a>(trials: &'a [Trial], trial: &'a Trial) -> Vec<&'a Trial> {
    let mut chain = vec![trial];
    let mut current = trial;
    while let Some(parent) = parent_of(trials, current) {
        if chain.iter().any(|t| t.id == parent.id) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain.reverse();
    chain
}

/// One point of a joined learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// The step (epoch, iteration) it was reported at.
    pub step: u64,
    /// The intermediate value.
    pub value: f64,
    /// The trial that reported it (the trial itself or an ancestor).
    pub trial: TrialId,
}

/// The learning curve of `trial` joined with its ancestors' (see the module
/// doc for the rule), by step.
pub fn curve_with_ancestry(trials: &[Trial], trial: &Trial) -> Vec<CurvePoint> {
    let chain = ancestry(trials, trial);
    let mut points = Vec::new();
    for (i, t) in chain.iter().enumerate() {
        // The steps the next generation (down to the trial) took over.
        let until = chain[i + 1..]
            .iter()
            .filter_map(|later| later.intermediate.keys().next().copied())
            .min();
        points.extend(
            t.intermediate
                .iter()
                .filter(|(step, _)| until.is_none_or(|u| **step < u))
                .map(|(step, value)| CurvePoint {
                    step: *step,
                    value: *value,
                    trial: t.id,
                }),
        );
    }
    points.sort_by_key(|p| p.step);
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(
        id: i64,
        parent: Option<i64>,
        params: serde_json::Value,
        steps: &[(u64, f64)],
    ) -> Trial {
        let intermediate: serde_json::Map<String, serde_json::Value> = steps
            .iter()
            .map(|(s, v)| (s.to_string(), serde_json::json!(v)))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": id, "study": 1, "number": id - 1, "state": "complete",
            "params": params, "value": 1.0, "metrics": {}, "intermediate": intermediate,
            "budget": id as f64, "parent": parent, "user_attrs": {}, "meta": {}, "message": null,
            "change": 1
        }))
        .unwrap()
    }

    fn family() -> Vec<Trial> {
        use serde_json::json;
        vec![
            trial(
                1,
                None,
                json!({"lr": 0.1, "opt": "adam"}),
                &[(0, 5.0), (1, 4.0), (2, 3.5)],
            ),
            // A continuation of 1 from step 2 on, with a smaller lr.
            trial(
                2,
                Some(1),
                json!({"lr": 0.01, "opt": "adam"}),
                &[(2, 3.0), (3, 2.5)],
            ),
            // A fresh re-run of 1 (starts again at 0), and a stranger.
            trial(3, Some(1), json!({"lr": 0.1, "opt": "adam"}), &[(0, 6.0)]),
            trial(4, None, json!({"lr": 0.1}), &[(0, 9.0)]),
            // A continuation of the continuation that drops `opt`.
            trial(5, Some(2), json!({"lr": 0.01}), &[(4, 2.0)]),
        ]
    }

    #[test]
    fn a_lineage_names_the_chain_the_children_and_what_changed() {
        let trials = family();
        let l = Lineage::of(&trials, TrialId(2)).unwrap();
        let ids = |links: &[Link<'_>]| links.iter().map(|l| l.trial.id.0).collect::<Vec<_>>();
        assert_eq!(ids(&l.ancestors), vec![1]);
        assert_eq!(l.ancestors[0].changes, None);
        assert_eq!(ids(&l.children), vec![5]);
        let own = l.trial.changes.as_ref().unwrap();
        assert_eq!(own.params.len(), 1);
        assert_eq!(own.params[0].name, "lr");
        assert_eq!(own.params[0].before, Some(Value::Float(0.1)));
        assert_eq!(own.params[0].after, Some(Value::Float(0.01)));
        assert_eq!(own.budget, Some((Some(1.0), Some(2.0))));
        let dropped = &l.children[0].changes.as_ref().unwrap().params;
        assert_eq!(dropped.len(), 1);
        assert_eq!(
            (dropped[0].name.as_str(), &dropped[0].after),
            ("opt", &None)
        );

        let root = Lineage::of(&trials, TrialId(1)).unwrap();
        assert!(root.ancestors.is_empty());
        assert_eq!(ids(&root.children), vec![2, 3]);
        assert!(root.children[1].changes.as_ref().unwrap().params.is_empty());
        assert!(Lineage::of(&trials, TrialId(99)).is_none());
    }

    #[test]
    fn a_continuation_extends_its_parents_curve_and_a_restart_replaces_it() {
        let trials = family();
        let by_id = |id: i64| trials.iter().find(|t| t.id.0 == id).unwrap();
        let steps = |points: Vec<CurvePoint>| {
            points
                .iter()
                .map(|p| (p.step, p.value, p.trial.0))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            steps(curve_with_ancestry(&trials, by_id(5))),
            vec![
                (0, 5.0, 1),
                (1, 4.0, 1),
                (2, 3.0, 2),
                (3, 2.5, 2),
                (4, 2.0, 5)
            ]
        );
        assert_eq!(
            steps(curve_with_ancestry(&trials, by_id(3))),
            vec![(0, 6.0, 3)]
        );
        assert_eq!(
            steps(curve_with_ancestry(&trials, by_id(4))),
            vec![(0, 9.0, 4)]
        );
    }

    #[test]
    fn a_parent_loop_does_not_hang() {
        use serde_json::json;
        let trials = vec![
            trial(1, Some(2), json!({}), &[]),
            trial(2, Some(1), json!({}), &[]),
        ];
        assert_eq!(ancestry(&trials, &trials[0]).len(), 2);
        assert!(Lineage::of(&trials, TrialId(1)).is_some());
    }
}
