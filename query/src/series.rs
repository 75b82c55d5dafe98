//! The optimization history as series: each finished trial's value and the
//! best so far. One rule for the dashboard, the HTML report and Python's
//! `plot_optimization_history`, so they never disagree on what "best so
//! far" means.

use hyperspace_engine::{Direction, Trial, TrialState};

/// The finished trials (complete or pruned, with a finite value) in the
/// order given, with the best complete value up to each.
///
/// Pruned trials are shown but never improve the best: their value is
/// from an unfinished run, and a study's best trial is always complete.
#[derive(Debug, Clone, PartialEq)]
pub struct History<'a> {
    /// The finished trials, in the order given.
    pub trials: Vec<&'a Trial>,
    /// Each trial's value (the first objective's).
    pub values: Vec<f64>,
    /// The best complete value up to and including each trial; `None`
    /// before the first complete one.
    pub best: Vec<Option<f64>>,
    /// The positions (in `trials`) where the best improves.
    pub improvements: Vec<usize>,
}

impl<'a> History<'a> {
    /// The history of `trials` (usually by number) under `direction`.
    pub fn new(trials: impl IntoIterator<Item = &'a Trial>, direction: Direction) -> Self {
        let mut history = History {
            trials: Vec::new(),
            values: Vec::new(),
            best: Vec::new(),
            improvements: Vec::new(),
        };
        let mut current: Option<f64> = None;
        for t in trials {
            let Some(v) = t.finished_value().filter(|v| v.is_finite()) else {
                continue;
            };
            if t.state == TrialState::Complete && current.is_none_or(|c| direction.better(v, c)) {
                current = Some(v);
                history.improvements.push(history.trials.len());
            }
            history.trials.push(t);
            history.values.push(v);
            history.best.push(current);
        }
        history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: u64, state: TrialState, value: Option<f64>) -> Trial {
        serde_json::from_value(serde_json::json!({
            "id": number + 1, "study": 1, "number": number, "state": state.as_str(),
            "params": {}, "value": value, "metrics": {}, "intermediate": {},
            "budget": null, "parent": null, "user_attrs": {}, "meta": {}, "message": null,
            "change": 1
        }))
        .unwrap()
    }

    #[test]
    fn pruned_and_unfinished_trials_never_improve_the_best() {
        let trials = vec![
            trial(0, TrialState::Pruned, Some(0.1)),
            trial(1, TrialState::Complete, Some(3.0)),
            trial(2, TrialState::Running, None),
            trial(3, TrialState::Complete, Some(f64::NAN)),
            trial(4, TrialState::Complete, Some(2.0)),
            trial(5, TrialState::Pruned, Some(1.0)),
            trial(6, TrialState::Complete, Some(2.5)),
        ];
        let h = History::new(&trials, Direction::Minimize);
        let numbers: Vec<u64> = h.trials.iter().map(|t| t.number).collect();
        assert_eq!(numbers, vec![0, 1, 4, 5, 6]);
        assert_eq!(h.values, vec![0.1, 3.0, 2.0, 1.0, 2.5]);
        assert_eq!(
            h.best,
            vec![None, Some(3.0), Some(2.0), Some(2.0), Some(2.0)]
        );
        assert_eq!(h.improvements, vec![1, 2]);

        let h = History::new(&trials, Direction::Maximize);
        assert_eq!(
            h.best,
            vec![None, Some(3.0), Some(3.0), Some(3.0), Some(3.0)]
        );
        assert_eq!(h.improvements, vec![1]);
    }
}
