//! Reading a trial's result and intermediate values from the lines its
//! command prints.
//!
//! The result is, in order of precedence: the matches of a user-given regex
//! (named groups are metrics, a single unnamed group is the objective); else
//! the last line that is a JSON object (numbers are metrics, other values
//! user attributes); else every line made only of `name=value` words (a
//! later value wins). Intermediate values, and other metrics by step, come
//! from a second regex.

use hyperspace_engine::Report;
use indexmap::IndexMap;
use regex::Regex;

/// Metric names tried, in order, when no objective is named and the output
/// has several numbers.
const OBJECTIVE_NAMES: [&str; 4] = ["value", "objective", "loss", "score"];

/// How intermediate values are read.
#[derive(Debug, Clone)]
pub struct IntermediatePattern {
    regex: Regex,
    step_group: Option<usize>,
    value_group: Option<usize>,
    /// Named groups other than `step` and `value`: metrics of their own
    /// (one named like the objective is its series; the engine decides).
    metric_groups: Vec<(usize, String)>,
}

impl IntermediatePattern {
    /// Checks a regex. The step is the group named `step`, or the first of
    /// two unnamed groups (else steps count from 0); the objective's value
    /// is the group named `value`, or the last unnamed group; every other
    /// named group is a metric (`(?P<acc>[0-9.]+)`).
    pub fn new(pattern: &str) -> Result<Self, String> {
        let regex = Regex::new(pattern).map_err(|e| one_line_regex_error(pattern, &e))?;
        let names: Vec<(usize, Option<&str>)> = regex.capture_names().enumerate().skip(1).collect();
        let named = |n: &str| names.iter().find(|(_, x)| *x == Some(n)).map(|(i, _)| *i);
        let unnamed: Vec<usize> = names
            .iter()
            .filter(|(_, x)| x.is_none())
            .map(|(i, _)| *i)
            .collect();
        let metric_groups: Vec<(usize, String)> = names
            .iter()
            .filter_map(|(i, x)| {
                x.filter(|n| *n != "step" && *n != "value")
                    .map(|n| (*i, n.to_string()))
            })
            .collect();
        let step_group = named("step").or_else(|| (unnamed.len() >= 2).then(|| unnamed[0]));
        let value_group = named("value").or_else(|| {
            unnamed
                .iter()
                .rev()
                .copied()
                .find(|i| Some(*i) != step_group)
        });
        if value_group.is_none() && metric_groups.is_empty() {
            let what = if step_group.is_some() {
                "a `step` group but no value"
            } else {
                "no group"
            };
            return Err(format!(
                "the intermediate pattern '{pattern}' has {what}; capture the step and the value, e.g. 'epoch (\\d+) .* loss=([0-9.eE+-]+)', or named metrics, e.g. '(?P<val_loss>[0-9.]+)'"
            ));
        }
        Ok(IntermediatePattern {
            regex,
            step_group,
            value_group,
            metric_groups,
        })
    }

    /// What one line reports, if the pattern matches it with at least one
    /// number; `next_step` is the step when the pattern captures none.
    fn read(&self, line: &str, next_step: u64) -> Option<Report> {
        let c = self.regex.captures(line)?;
        let num = |g: usize| c.get(g).and_then(|m| number(m.as_str()));
        let step = match self.step_group {
            Some(g) => num(g).filter(|s| *s >= 0.0).map(|s| s as u64)?,
            None => next_step,
        };
        let report = Report {
            step,
            value: self.value_group.and_then(num),
            metrics: self
                .metric_groups
                .iter()
                .filter_map(|(g, name)| num(*g).map(|v| (name.clone(), v)))
                .collect(),
        };
        (report.value.is_some() || !report.metrics.is_empty()).then_some(report)
    }
}

/// A regex error as one line.
pub fn one_line_regex_error(pattern: &str, e: &regex::Error) -> String {
    let reason = e.to_string();
    let last = reason.lines().last().unwrap_or("").trim().to_string();
    format!("'{pattern}' is not a valid regex: {last}")
}

/// A result regex: named groups are metrics, or one group is the objective.
#[derive(Debug, Clone)]
pub struct ResultPattern {
    regex: Regex,
}

impl ResultPattern {
    /// Checks the regex has at least one group.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let regex = Regex::new(pattern).map_err(|e| one_line_regex_error(pattern, &e))?;
        if regex.captures_len() < 2 {
            return Err(format!(
                "the result pattern '{pattern}' has no group; capture the value, e.g. 'accuracy: ([0-9.]+)' or '(?P<acc>[0-9.]+)'"
            ));
        }
        Ok(ResultPattern { regex })
    }
}

/// What a finished trial printed, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// The (first) objective.
    pub value: f64,
    /// Every objective's value, in the study's order (`[value]` for one).
    pub values: Vec<f64>,
    /// Every number printed by name (the objective included).
    pub metrics: IndexMap<String, f64>,
    /// Non-numeric values of a JSON result line.
    pub attrs: IndexMap<String, serde_json::Value>,
}

/// Reads lines one at a time, as the command prints them.
#[derive(Debug)]
pub struct OutputReader {
    result: Option<ResultPattern>,
    intermediate: Option<IntermediatePattern>,
    regex_value: Option<f64>,
    regex_metrics: IndexMap<String, f64>,
    last_json: Option<serde_json::Map<String, serde_json::Value>>,
    pairs: IndexMap<String, f64>,
    next_step: u64,
    last_line: Option<String>,
}

impl OutputReader {
    /// A reader with the given patterns.
    pub fn new(result: Option<ResultPattern>, intermediate: Option<IntermediatePattern>) -> Self {
        OutputReader {
            result,
            intermediate,
            regex_value: None,
            regex_metrics: IndexMap::new(),
            last_json: None,
            pairs: IndexMap::new(),
            next_step: 0,
            last_line: None,
        }
    }

    /// Reads one line; returns what it reports during the run (the
    /// objective's intermediate value, named metrics) if it has any.
    pub fn line(&mut self, line: &str) -> Option<Report> {
        let line = line.trim_end_matches(['\r', '\n']);
        if !line.trim().is_empty() {
            self.last_line = Some(line.to_string());
        }
        let mut report = None;
        if let Some(p) = &self.intermediate {
            report = p.read(line, self.next_step);
            if let Some(r) = &report {
                self.next_step = r.step + 1;
            }
        }
        if let Some(p) = &self.result {
            if let Some(c) = p.regex.captures(line) {
                for (i, name) in p.regex.capture_names().enumerate().skip(1) {
                    let Some(x) = c.get(i).and_then(|m| number(m.as_str())) else {
                        continue;
                    };
                    match name {
                        Some(name) => {
                            self.regex_metrics.insert(name.to_string(), x);
                        }
                        None => self.regex_value = Some(x),
                    }
                }
            }
            return report;
        }
        let trimmed = line.trim();
        if trimmed.starts_with('{') {
            if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(trimmed) {
                self.last_json = Some(object);
                return report;
            }
        }
        if let Some(pairs) = name_value_line(trimmed) {
            self.pairs.extend(pairs);
        }
        report
    }

    /// The result, once the command has finished. `objective` names the
    /// metric that is the objective, when known; `several`, for a study
    /// with several objectives, the metric of each (all required).
    pub fn result(&self, objective: Option<&str>, several: &[String]) -> Result<Parsed, String> {
        let mut parsed = Parsed::default();
        let mut direct = None;
        if self.result.is_some() {
            parsed.metrics = self.regex_metrics.clone();
            direct = self.regex_value;
        } else if let Some(object) = &self.last_json {
            for (k, v) in object {
                match v.as_f64() {
                    Some(x) => {
                        parsed.metrics.insert(k.clone(), x);
                    }
                    None => {
                        parsed.attrs.insert(k.clone(), v.clone());
                    }
                }
            }
        } else {
            parsed.metrics = self.pairs.clone();
        }
        if direct.is_none() && parsed.metrics.is_empty() {
            let expected = if self.result.is_some() {
                "no line matched the result pattern"
            } else {
                "expected a JSON object line like {\"loss\": 0.3}, or name=value lines"
            };
            let last = match &self.last_line {
                Some(l) => format!(" (last line: '{}')", clip(l, 80)),
                None => " (it printed nothing)".to_string(),
            };
            return Err(format!("printed no result: {expected}{last}"));
        }
        if !several.is_empty() {
            let missing: Vec<&str> = several
                .iter()
                .filter(|n| !parsed.metrics.contains_key(n.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "the output has no metric {} (it has {}); the study's objectives are {}",
                    missing
                        .iter()
                        .map(|n| format!("'{n}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    parsed
                        .metrics
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    several.join(", ")
                ));
            }
            parsed.values = several.iter().map(|n| parsed.metrics[n.as_str()]).collect();
            parsed.value = parsed.values[0];
            return Ok(parsed);
        }
        parsed.value = match (direct, objective) {
            (Some(v), _) => v,
            (None, Some(name)) => *parsed.metrics.get(name).ok_or_else(|| {
                format!(
                    "the output has no metric '{name}' (it has {}); set the objective to one of those",
                    parsed.metrics.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?,
            (None, None) if parsed.metrics.len() == 1 => parsed.metrics[0],
            (None, None) => OBJECTIVE_NAMES
                .iter()
                .find_map(|n| parsed.metrics.get(*n).copied())
                .ok_or_else(|| {
                    format!(
                        "the output has several metrics ({}) and none is named value, objective, loss or score; say which is the objective (--objective NAME)",
                        parsed.metrics.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })?,
        };
        parsed.values = vec![parsed.value];
        Ok(parsed)
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// A line made only of `name=value` words with numeric values.
fn name_value_line(line: &str) -> Option<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for word in line.split([' ', '\t', ',']).filter(|w| !w.is_empty()) {
        let (name, value) = word.split_once('=')?;
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-/".contains(c));
        if !valid_name {
            return None;
        }
        out.push((name.to_string(), number(value)?));
    }
    (!out.is_empty()).then_some(out)
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objective's intermediate values the lines report.
    fn read(lines: &[&str], reader: &mut OutputReader) -> Vec<(u64, f64)> {
        lines
            .iter()
            .filter_map(|l| reader.line(l))
            .filter_map(|r| r.value.map(|v| (r.step, v)))
            .collect()
    }

    #[test]
    fn issue_14_named_groups_of_the_intermediate_pattern_are_metrics() {
        let inter = IntermediatePattern::new(
            r"epoch (?P<step>\d+) loss=([\d.]+)(?: acc=(?P<acc>[\d.]+))?(?: f1=(?P<f1>[\d.]+))?",
        )
        .unwrap();
        let mut r = OutputReader::new(None, Some(inter));
        let a = r.line("epoch 3 loss=0.5 acc=0.75 f1=0.25").unwrap();
        assert_eq!((a.step, a.value), (3, Some(0.5)));
        assert_eq!(
            a.metrics.into_iter().collect::<Vec<_>>(),
            [("acc".to_string(), 0.75), ("f1".to_string(), 0.25)]
        );
        // A group that does not take part is left out.
        let b = r.line("epoch 4 loss=0.4").unwrap();
        assert!(b.metrics.is_empty());
        // Metrics alone, steps counted from the last one.
        let only = IntermediatePattern::new(r"val_loss=(?P<val_loss>[\d.]+)").unwrap();
        let mut r = OutputReader::new(None, Some(only));
        let c = r.line("val_loss=0.9").unwrap();
        let d = r.line("val_loss=0.8").unwrap();
        assert_eq!((c.step, c.value, d.step), (0, None, 1));
        assert_eq!(d.metrics["val_loss"], 0.8);
        assert!(r.line("nothing here").is_none());
        // Two unnamed groups are still (step, value).
        let two = IntermediatePattern::new(r"(\d+) ([\d.]+) (?P<acc>[\d.]+)").unwrap();
        let mut r = OutputReader::new(None, Some(two));
        let e = r.line("7 0.5 0.25").unwrap();
        assert_eq!((e.step, e.value, e.metrics["acc"]), (7, Some(0.5), 0.25));
        let err = IntermediatePattern::new(r"epoch (?P<step>\d+)").unwrap_err();
        assert!(err.contains("`step` group but no value"), "{err}");
    }

    #[test]
    fn last_json_object_wins() {
        let mut r = OutputReader::new(None, None);
        read(
            &[
                "{\"loss\": 1}",
                "noise",
                "{\"loss\": 0.25, \"acc\": 0.9, \"tag\": \"x\"}",
            ],
            &mut r,
        );
        let p = r.result(None, &[]).unwrap();
        assert_eq!(p.value, 0.25);
        assert_eq!(p.metrics["acc"], 0.9);
        assert_eq!(p.attrs["tag"], "x");
        assert_eq!(r.result(Some("acc"), &[]).unwrap().value, 0.9);
        assert!(r
            .result(Some("f1"), &[])
            .unwrap_err()
            .contains("no metric 'f1'"));
    }

    #[test]
    fn several_objectives_are_read_by_name_in_the_study_order() {
        let mut r = OutputReader::new(None, None);
        read(&["{\"size\": 20, \"err\": 0.1, \"acc\": 0.9}"], &mut r);
        let names = ["err".to_string(), "size".to_string()];
        let p = r.result(None, &names).unwrap();
        assert_eq!(p.values, [0.1, 20.0]);
        assert_eq!(p.value, 0.1);
        let names = ["err".to_string(), "latency".to_string()];
        let e = r.result(None, &names).unwrap_err();
        assert!(
            e.contains("no metric 'latency'") && e.contains("err, latency"),
            "{e}"
        );
    }

    #[test]
    fn name_value_lines() {
        let mut r = OutputReader::new(None, None);
        read(&["epoch 1 loss=3", "acc=0.5", "f1=0.25 acc=0.75"], &mut r);
        let p = r.result(None, &[]).unwrap_err();
        assert!(p.contains("several metrics"), "{p}");
        let p = r.result(Some("acc"), &[]).unwrap();
        assert_eq!(p.value, 0.75);
        assert_eq!(p.metrics.len(), 2);
    }

    #[test]
    fn regexes() {
        let result = ResultPattern::new(r"final: (\d+\.\d+)").unwrap();
        let inter = IntermediatePattern::new(r"epoch (\d+) .* val_loss=([\d.]+)").unwrap();
        let mut r = OutputReader::new(Some(result), Some(inter));
        let reports = read(
            &[
                "epoch 0 x val_loss=0.9",
                "epoch 1 x val_loss=0.5",
                "final: 0.42",
            ],
            &mut r,
        );
        assert_eq!(reports, vec![(0, 0.9), (1, 0.5)]);
        assert_eq!(r.result(None, &[]).unwrap().value, 0.42);
        let named = ResultPattern::new(r"acc=(?P<acc>[\d.]+) f1=(?P<f1>[\d.]+)").unwrap();
        let mut r = OutputReader::new(Some(named), None);
        read(&["acc=0.5 f1=0.25"], &mut r);
        assert_eq!(r.result(Some("f1"), &[]).unwrap().value, 0.25);
    }

    #[test]
    fn nothing_parseable() {
        let mut r = OutputReader::new(None, None);
        read(&["hello", "world"], &mut r);
        let e = r.result(None, &[]).unwrap_err();
        assert!(
            e.contains("printed no result") && e.contains("'world'"),
            "{e}"
        );
        assert!(ResultPattern::new("no groups").is_err());
        assert!(IntermediatePattern::new("(").is_err());
    }
}
