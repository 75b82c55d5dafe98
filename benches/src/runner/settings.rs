//! Suite settings: read raw (from flags or code), validated once into a
//! [`Suite`] that can run.

use crate::problems::{self, CatalogEntry};
use crate::{BenchError, Result};
use hyperspace_engine::Registry;
use serde::{Deserialize, Serialize};

/// A searcher to run: a registry name with JSON settings, and the label it
/// carries in reports (the text it was given as).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearcherChoice {
    /// The label in tables, plots and result files: `random`,
    /// `tpe:{"multivariate":true}`.
    pub label: String,
    /// The registry name.
    pub name: String,
    /// The settings (`null` for the defaults).
    pub settings: serde_json::Value,
    /// Trials in flight (asked, not yet told) while it runs: 1 for one
    /// trial at a time. Result files written before the parallel mode
    /// have no such field and ran one at a time.
    #[serde(default = "one_in_flight")]
    pub in_flight: usize,
}

fn one_in_flight() -> usize {
    1
}

impl SearcherChoice {
    /// Reads `name` or `name:{json settings}`.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        let bad = |reason: &str| BenchError::SearcherSpec {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (name, settings) = match spec.split_once(':') {
            None => (spec, serde_json::Value::Null),
            Some((name, json)) => {
                let settings: serde_json::Value = serde_json::from_str(json)
                    .map_err(|e| bad(&format!("the settings are not JSON ({e})")))?;
                if !settings.is_object() {
                    return Err(bad("the settings must be a JSON object"));
                }
                (name.trim(), settings)
            }
        };
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '{') {
            return Err(bad("expected a searcher name before the settings"));
        }
        Ok(Self {
            label: spec.to_string(),
            name: name.to_string(),
            settings,
            in_flight: 1,
        })
    }

    /// The same searcher run with `q` trials in flight, labelled
    /// `label q=Q` (`q` ≥ 1).
    pub fn in_flight(&self, q: usize) -> Self {
        Self {
            label: format!("{} q={q}", self.label),
            in_flight: q,
            ..self.clone()
        }
    }
}

/// Splits a comma-separated list of searchers, keeping commas inside JSON
/// settings: `random,tpe:{"a":1,"b":2}` is two searchers.
pub fn parse_searchers(list: &str) -> Result<Vec<SearcherChoice>> {
    let mut out = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in list.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                push_spec(&mut out, &list[start..i])?;
                start = i + 1;
            }
            _ => {}
        }
    }
    push_spec(&mut out, &list[start..])?;
    Ok(out)
}

fn push_spec(out: &mut Vec<SearcherChoice>, text: &str) -> Result<()> {
    if !text.trim().is_empty() {
        out.push(SearcherChoice::parse(text)?);
    }
    Ok(())
}

/// The suite's settings as given, unchecked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteSettings {
    /// Searchers as `name` or `name:{json}`.
    pub searchers: Vec<String>,
    /// Problem names or groups (`all`, `quick`, `continuous`, `model`, ...).
    pub problems: Vec<String>,
    /// Seeds per searcher and problem.
    pub seeds: usize,
    /// Trials per run.
    pub budget: usize,
    /// Worker threads; `None` for one per core.
    pub jobs: Option<usize>,
    /// The label of the searcher others are tested against; `None` for the
    /// first searcher named `random`, if any.
    pub baseline: Option<String>,
    /// Trials in flight, each a separate row per searcher (`gp q=8`);
    /// `[1]` (one trial at a time, rows labelled as the searcher) by
    /// default. See [`run_one`](crate::run_one) for the protocol.
    #[serde(default = "one_at_a_time")]
    pub parallel: Vec<usize>,
}

fn one_at_a_time() -> Vec<usize> {
    vec![1]
}

impl Default for SuiteSettings {
    /// `random` and `grid` on every problem, 10 seeds, 100 trials.
    fn default() -> Self {
        Self {
            searchers: vec!["random".into(), "grid".into()],
            problems: vec!["all".into()],
            seeds: 10,
            budget: 100,
            jobs: None,
            baseline: None,
            parallel: one_at_a_time(),
        }
    }
}

impl SuiteSettings {
    /// Quick mode: the quick problems, 3 seeds, 30 trials.
    pub fn quick() -> Self {
        Self {
            problems: vec!["quick".into()],
            seeds: 3,
            budget: 30,
            ..Self::default()
        }
    }

    /// Checks every setting, and that `registry` can build every searcher
    /// with its settings.
    pub fn validate(self, registry: &Registry) -> Result<Suite> {
        if self.seeds == 0 {
            return Err(invalid("seeds", "give at least 1 seed"));
        }
        if self.budget == 0 {
            return Err(invalid("budget", "give a budget of at least 1 trial"));
        }
        if self.jobs == Some(0) {
            return Err(invalid("jobs", "give at least 1 worker thread"));
        }
        if self.parallel.is_empty() || self.parallel.contains(&0) {
            return Err(invalid(
                "parallel",
                "give one or more numbers of trials in flight, each at least 1",
            ));
        }
        let mut searchers = Vec::new();
        for text in &self.searchers {
            for s in parse_searchers(text)? {
                if self.parallel == [1] {
                    searchers.push(s);
                } else {
                    searchers.extend(self.parallel.iter().map(|&q| s.in_flight(q)));
                }
            }
        }
        if searchers.is_empty() {
            return Err(invalid("searchers", "name at least one searcher"));
        }
        for (i, s) in searchers.iter().enumerate() {
            if searchers[..i].iter().any(|o| o.label == s.label) {
                return Err(invalid(
                    "searchers",
                    &format!("`{}` is listed twice", s.label),
                ));
            }
            registry
                .build(&s.name, &s.settings)
                .map_err(|e| BenchError::SearcherSpec {
                    spec: s.label.clone(),
                    reason: e.to_string(),
                })?;
        }
        let problems = problems::select(&self.problems)?;
        if problems.is_empty() {
            return Err(invalid("problems", "name at least one problem or group"));
        }
        let baseline = match self.baseline {
            Some(label) if searchers.iter().any(|s| s.label == label) => Some(label),
            Some(label) => {
                return Err(invalid(
                    "baseline",
                    &format!("`{label}` is not one of the searchers run"),
                ))
            }
            None => searchers
                .iter()
                .find(|s| s.name == "random")
                .map(|s| s.label.clone()),
        };
        let jobs = self.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        Ok(Suite {
            searchers,
            problems,
            seeds: self.seeds,
            budget: self.budget,
            jobs,
            baseline,
        })
    }
}

fn invalid(setting: &'static str, reason: &str) -> BenchError {
    BenchError::InvalidSetting {
        setting,
        reason: reason.to_string(),
    }
}

/// A validated suite, ready to run with [`run_suite`](crate::run_suite).
#[derive(Debug, Clone)]
pub struct Suite {
    /// The searchers, in report order.
    pub searchers: Vec<SearcherChoice>,
    /// The problems, in catalog order.
    pub problems: Vec<&'static CatalogEntry>,
    /// Seeds per searcher and problem.
    pub seeds: usize,
    /// Trials per run.
    pub budget: usize,
    /// Worker threads.
    pub jobs: usize,
    /// The label of the baseline searcher, if any.
    pub baseline: Option<String>,
}
