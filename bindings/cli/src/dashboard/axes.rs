//! Where a trial sits along one parameter, for the analysis views
//! (parallel coordinates, slice, contour): the parameter's range and
//! scale from the study's space, categories as evenly spaced positions,
//! and the choice of which trials to draw when there are too many.

use hyperspace_engine::{Direction, Param, Space, Trial, Value};
use serde::Serialize;
use std::collections::HashSet;

/// How an axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Float,
    Int,
    /// Positions `0..choices.len()`, labelled by the choices.
    Categorical,
}

/// One parameter drawn as an axis.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    pub name: String,
    pub kind: Kind,
    /// A log scale (only for positive ranges).
    pub log: bool,
    /// The range shown: the space's, widened to every value seen (a space
    /// may have grown); for categories `0` and `choices - 1`.
    pub low: f64,
    pub high: f64,
    /// A categorical axis's labels, in the space's order.
    pub choices: Vec<String>,
    /// The choices as values, to place a trial's value.
    #[serde(skip)]
    values: Vec<Value>,
}

impl Axis {
    /// The axis of parameter `name`: from the space when it has it, else
    /// guessed from the trials' values (numbers give a linear axis,
    /// anything else categories in order of first appearance).
    pub fn new(name: &str, space: &Space, trials: &[&Trial]) -> Axis {
        let seen = || trials.iter().filter_map(|t| t.params.get(name));
        let numbers = || seen().filter_map(Value::as_f64).filter(|v| v.is_finite());
        let (lo, hi) = numbers().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let numeric = |kind, low: f64, high: f64, log: bool| {
            let (low, high) = (low.min(lo), high.max(hi));
            Axis {
                name: name.to_string(),
                kind,
                log: log && low > 0.0,
                low,
                high,
                choices: Vec::new(),
                values: Vec::new(),
            }
        };
        match space.get(name).map(|e| &e.param) {
            Some(Param::Float(f)) => numeric(Kind::Float, f.low(), f.high(), f.log()),
            Some(Param::Int(i)) => numeric(Kind::Int, i.low() as f64, i.high() as f64, i.log()),
            Some(Param::Categorical(c)) => {
                let mut values = c.choices().to_vec();
                for v in seen() {
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                }
                categorical(name, values)
            }
            None if seen().all(|v| v.as_f64().is_some()) && lo <= hi => {
                numeric(Kind::Float, lo, hi, false)
            }
            None => {
                let mut values: Vec<Value> = Vec::new();
                for v in seen() {
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                }
                categorical(name, values)
            }
        }
    }

    /// Where `trial` sits: its value, or its category's position; `None`
    /// when it has no value for this parameter (inactive, or added later).
    pub fn coord(&self, trial: &Trial) -> Option<f64> {
        let v = trial.params.get(&self.name)?;
        match self.kind {
            Kind::Categorical => self.values.iter().position(|c| c == v).map(|i| i as f64),
            _ => v.as_f64().filter(|x| x.is_finite()),
        }
    }

    /// A coordinate as a share of the axis, `0..=1`, on its scale.
    pub fn unit(&self, c: f64) -> f64 {
        let (lo, hi, c) = if self.log {
            (self.low.ln(), self.high.ln(), c.max(self.low).ln())
        } else {
            (self.low, self.high, c)
        };
        if hi > lo {
            (c - lo) / (hi - lo)
        } else {
            0.5
        }
    }

    /// `n` grid positions along the axis, evenly spaced on its scale; a
    /// categorical axis has one per category whatever `n`.
    pub fn nodes(&self, n: usize) -> Vec<f64> {
        if self.kind == Kind::Categorical {
            return (0..self.values.len()).map(|i| i as f64).collect();
        }
        let n = n.max(2);
        (0..n)
            .map(|i| {
                let u = i as f64 / (n - 1) as f64;
                if self.log {
                    (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
                } else {
                    self.low + u * (self.high - self.low)
                }
            })
            .collect()
    }
}

fn categorical(name: &str, values: Vec<Value>) -> Axis {
    Axis {
        name: name.to_string(),
        kind: Kind::Categorical,
        log: false,
        low: 0.0,
        high: values.len().saturating_sub(1) as f64,
        choices: values.iter().map(Value::to_string).collect(),
        values,
    }
}

/// At most `max` of `trials` (given in number order) to draw, back in
/// number order. When there are more: the best quarter of the budget by
/// `value` (the region a person looks at), then every k-th of the rest so
/// the whole study's spread shows. Deterministic: the same study and
/// budget draw the same trials, so a redraw does not flicker.
pub fn sample<'a>(
    trials: &[&'a Trial],
    value: impl Fn(&Trial) -> f64,
    direction: Direction,
    max: usize,
) -> Vec<&'a Trial> {
    if trials.len() <= max {
        return trials.to_vec();
    }
    let mut order: Vec<usize> = (0..trials.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (value(trials[a]), value(trials[b]));
        match direction {
            Direction::Minimize => x.total_cmp(&y),
            Direction::Maximize => y.total_cmp(&x),
        }
    });
    let best: HashSet<usize> = order.into_iter().take(max / 4).collect();
    spread(trials, best, max)
}

/// `keep`, and every k-th of the other `trials` up to `max` in all, in
/// number order.
pub fn spread<'a>(trials: &[&'a Trial], keep: HashSet<usize>, max: usize) -> Vec<&'a Trial> {
    let rest: Vec<usize> = (0..trials.len()).filter(|i| !keep.contains(i)).collect();
    let room = max.saturating_sub(keep.len()).min(rest.len());
    let mut chosen: Vec<usize> = keep.into_iter().collect();
    chosen.extend((0..room).map(|j| rest[j * rest.len() / room]));
    chosen.sort_unstable();
    chosen.into_iter().map(|i| trials[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyperspace_engine::{Metadata, Params, StudyId, TrialId, TrialState};

    fn trial(number: u64, value: f64, params: &[(&str, Value)]) -> Trial {
        let mut p = Params::new();
        for (k, v) in params {
            p.insert(k.to_string(), v.clone());
        }
        Trial {
            id: TrialId(number as i64),
            study: StudyId(1),
            number,
            state: TrialState::Complete,
            params: p,
            value: Some(value),
            values: vec![value],
            constraints: Vec::new(),
            metrics: Default::default(),
            intermediate: Default::default(),
            intermediate_metrics: Default::default(),
            budget: None,
            parent: None,
            user_attrs: Default::default(),
            meta: Metadata::default(),
            message: None,
            change: 0,
        }
    }

    #[test]
    fn axes_follow_the_space() {
        let space = Space::parse("lr=log(1e-4,1e-1) n=int(1,8) opt=choice(adam,sgd)").unwrap();
        let t = trial(
            0,
            1.0,
            &[
                ("lr", Value::Float(1e-3)),
                ("n", Value::Int(3)),
                ("opt", Value::Str("sgd".into())),
            ],
        );
        let ts = [&t];
        let lr = Axis::new("lr", &space, &ts);
        assert!(lr.log && lr.kind == Kind::Float);
        // 1e-3 is a third of the way from 1e-4 to 1e-1 on a log scale.
        assert!((lr.unit(lr.coord(&t).unwrap()) - 1.0 / 3.0).abs() < 1e-12);
        let nodes = lr.nodes(4);
        assert!((nodes[1] - 1e-3).abs() < 1e-15 && (nodes[3] - 1e-1).abs() < 1e-15);
        let n = Axis::new("n", &space, &ts);
        assert_eq!((n.kind, n.low, n.high), (Kind::Int, 1.0, 8.0));
        let opt = Axis::new("opt", &space, &ts);
        assert_eq!(opt.choices, ["adam", "sgd"]);
        assert_eq!(opt.coord(&t), Some(1.0));
        assert_eq!(opt.nodes(30), [0.0, 1.0]);
        // A parameter the space lacks, and a trial without a value.
        let other = trial(1, 2.0, &[("extra", Value::Float(5.0))]);
        let extra = Axis::new("extra", &space, &[&t, &other]);
        assert_eq!((extra.kind, extra.low, extra.high), (Kind::Float, 5.0, 5.0));
        assert_eq!(extra.coord(&t), None);
        assert_eq!(extra.unit(5.0), 0.5);
    }

    #[test]
    fn a_sample_keeps_the_best_and_spreads_over_the_rest() {
        let ts: Vec<Trial> = (0..1_000)
            .map(|i| trial(i, ((i * 7919) % 1_000) as f64, &[]))
            .collect();
        let refs: Vec<&Trial> = ts.iter().collect();
        let kept = sample(&refs, |t| t.value.unwrap(), Direction::Minimize, 100);
        assert_eq!(kept.len(), 100);
        assert!(kept.windows(2).all(|w| w[0].number < w[1].number));
        // The 25 lowest values are all there.
        for v in 0..25 {
            assert!(kept.iter().any(|t| t.value == Some(v as f64)), "{v}");
        }
        // The rest spans the study.
        assert!(kept.first().unwrap().number < 20 && kept.last().unwrap().number > 980);
        assert_eq!(
            sample(&refs[..50], |t| t.value.unwrap(), Direction::Minimize, 100).len(),
            50
        );
    }
}
