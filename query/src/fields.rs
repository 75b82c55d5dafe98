//! The fields of a trial that `trials`, `export` and the filter language
//! can name: built-in ones (id, state, value, duration, ...), parameters,
//! metrics, user attributes and metadata extras.

use hyperspace_engine::{Space, Trial, Value};
use indexmap::IndexSet;

/// One field of a trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The trial's id in storage.
    Id,
    /// Its number in the study.
    Number,
    /// waiting, running, complete, pruned, failed.
    State,
    /// The objective value (the first, in a study with several).
    Value,
    /// Every objective value, comma-separated (a study with several).
    Values,
    /// The constraint values, comma-separated (`c <= 0` kept).
    Constraints,
    /// One objective's value, counted from 1 (`value_2`).
    ValueOf(usize),
    /// Its budget.
    Budget,
    /// The trial it re-runs or continues.
    Parent,
    /// Seconds from start to finish.
    Duration,
    /// When it started.
    Started,
    /// When it finished.
    Finished,
    /// The machine it ran on.
    Host,
    /// The process that ran it.
    Pid,
    /// Its random seed.
    Seed,
    /// The data version.
    DataVersion,
    /// The code version.
    CodeVersion,
    /// The searcher that proposed its parameters (`tpe`, `auto:gp`).
    Proposer,
    /// Why it failed.
    Message,
    /// The last step with an intermediate value.
    Step,
    /// A parameter.
    Param(String),
    /// A metric: as told with the result, else its last value reported
    /// during the run.
    Metric(String),
    /// A user attribute.
    Attr(String),
    /// A metadata extra (command, cwd, exit_code, git_commit, ...).
    Meta(String),
}

/// What kind of values a field holds, for checking filters early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Always a number (or missing).
    Number,
    /// A trial state.
    State,
    /// Anything.
    Any,
}

const BUILTINS: [(&str, Field); 19] = [
    ("id", Field::Id),
    ("number", Field::Number),
    ("state", Field::State),
    ("value", Field::Value),
    ("values", Field::Values),
    ("constraints", Field::Constraints),
    ("budget", Field::Budget),
    ("parent", Field::Parent),
    ("duration", Field::Duration),
    ("started", Field::Started),
    ("finished", Field::Finished),
    ("host", Field::Host),
    ("pid", Field::Pid),
    ("seed", Field::Seed),
    ("data_version", Field::DataVersion),
    ("code_version", Field::CodeVersion),
    ("proposer", Field::Proposer),
    ("message", Field::Message),
    ("step", Field::Step),
];

/// One cell: what a field holds for one trial.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// The trial has no such value.
    Missing,
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(String),
}

impl Cell {
    fn from_value(value: &Value) -> Cell {
        match value {
            Value::Null => Cell::Missing,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Int(i) => Cell::Num(*i as f64),
            Value::Float(x) => Cell::Num(*x),
            Value::Str(s) => Cell::Text(s.clone()),
        }
    }

    fn from_json(json: &serde_json::Value) -> Cell {
        match json {
            serde_json::Value::Null => Cell::Missing,
            serde_json::Value::Bool(b) => Cell::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Cell::Missing, Cell::Num),
            serde_json::Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// The cell as exact text (CSV), empty when missing.
    pub fn exact(&self) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Cell::Num(x) => format!("{x}"),
            Cell::Bool(b) => b.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }

    /// The cell for people (short numbers), `-` when missing.
    pub fn short(&self) -> String {
        match self {
            Cell::Missing => "-".into(),
            Cell::Num(x) => fmt_num(*x),
            other => other.exact(),
        }
    }

    /// The cell as JSON.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Missing => serde_json::Value::Null,
            Cell::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => (*x as i64).into(),
            Cell::Num(x) => serde_json::Number::from_f64(*x)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Cell::Bool(b) => (*b).into(),
            Cell::Text(s) => s.clone().into(),
        }
    }
}

/// The names a study's trials use, to resolve field names against.
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// Parameter names: the space's, then any other a trial has.
    pub params: IndexSet<String>,
    /// Metric names, in order of first appearance.
    pub metrics: IndexSet<String>,
    /// User attribute names.
    pub attrs: IndexSet<String>,
    /// Metadata extra names.
    pub meta: IndexSet<String>,
    numeric_params: IndexSet<String>,
}

impl Known {
    /// Collects the names of a space and of trials.
    pub fn collect(space: &Space, trials: &[Trial]) -> Known {
        let mut known = Known::default();
        for entry in space.entries() {
            known.params.insert(entry.name.clone());
            if !entry.param.is_categorical() {
                known.numeric_params.insert(entry.name.clone());
            }
        }
        for t in trials {
            known.params.extend(t.params.keys().cloned());
            known.metrics.extend(t.metrics.keys().cloned());
            known.metrics.extend(t.intermediate_metrics.keys().cloned());
            known.attrs.extend(t.user_attrs.keys().cloned());
            known.meta.extend(t.meta.extra.keys().cloned());
        }
        known
    }

    /// The field a name means: a built-in, else a parameter, metric, user
    /// attribute or metadata extra; `params.x`, `metrics.x`, `attrs.x` and
    /// `meta.x` say which explicitly.
    pub fn resolve(&self, name: &str) -> Result<Field, String> {
        if let Some((prefix, rest)) = name.split_once('.') {
            let field = match prefix {
                "params" | "param" | "p" => Some(Field::Param(rest.into())),
                "metrics" | "metric" | "m" => Some(Field::Metric(rest.into())),
                "attrs" | "attr" | "user" => Some(Field::Attr(rest.into())),
                "meta" => Some(Field::Meta(rest.into())),
                _ => None,
            };
            if let Some(field) = field {
                return Ok(field);
            }
        }
        if let Some((_, field)) = BUILTINS.iter().find(|(n, _)| *n == name) {
            return Ok(field.clone());
        }
        if let Some(k) = name
            .strip_prefix("value_")
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| *k >= 1)
        {
            return Ok(Field::ValueOf(k));
        }
        if self.params.contains(name) {
            return Ok(Field::Param(name.into()));
        }
        if self.metrics.contains(name) {
            return Ok(Field::Metric(name.into()));
        }
        if self.attrs.contains(name) {
            return Ok(Field::Attr(name.into()));
        }
        if self.meta.contains(name) || ["exit_code", "command", "cwd"].contains(&name) {
            return Ok(Field::Meta(name.into()));
        }
        Err(format!("unknown field '{name}'; {}", self.describe()))
    }

    /// What can be named, for error messages.
    pub fn describe(&self) -> String {
        let list = |set: &IndexSet<String>| {
            if set.is_empty() {
                "none".to_string()
            } else {
                set.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        format!(
            "fields are {}, value_1, value_2, ... (one objective's value); params: {}; metrics: {}",
            BUILTINS.map(|(n, _)| n).join(", "),
            list(&self.params),
            list(&self.metrics)
        )
    }

    /// What kind of values a field holds.
    pub fn kind(&self, field: &Field) -> Kind {
        match field {
            Field::State => Kind::State,
            Field::Id
            | Field::Number
            | Field::Value
            | Field::ValueOf(_)
            | Field::Budget
            | Field::Parent
            | Field::Duration
            | Field::Pid
            | Field::Step
            | Field::Metric(_) => Kind::Number,
            Field::Param(p) if self.numeric_params.contains(p) => Kind::Number,
            _ => Kind::Any,
        }
    }
}

impl Field {
    /// The column name of the field.
    pub fn name(&self) -> String {
        if let Some((name, _)) = BUILTINS.iter().find(|(_, f)| f == self) {
            return (*name).to_string();
        }
        match self {
            Field::Param(n) | Field::Metric(n) | Field::Attr(n) | Field::Meta(n) => n.clone(),
            Field::ValueOf(k) => format!("value_{k}"),
            _ => String::new(),
        }
    }

    /// The field's value for a trial.
    pub fn get(&self, t: &Trial) -> Cell {
        let text = |s: &Option<String>| s.clone().map_or(Cell::Missing, Cell::Text);
        let num = |x: Option<f64>| x.map_or(Cell::Missing, Cell::Num);
        match self {
            Field::Id => Cell::Num(t.id.0 as f64),
            Field::Number => Cell::Num(t.number as f64),
            Field::State => Cell::Text(t.state.as_str().into()),
            Field::Value => num(t.value),
            Field::Values => list(&t.values),
            Field::ValueOf(k) => num(k.checked_sub(1).and_then(|i| t.values.get(i)).copied()),
            Field::Constraints => list(&t.constraints),
            Field::Budget => num(t.budget),
            Field::Parent => num(t.parent.map(|p| p.0 as f64)),
            Field::Duration => num(duration(t)),
            Field::Started => text(&t.meta.started),
            Field::Finished => text(&t.meta.finished),
            Field::Host => text(&t.meta.host),
            Field::Pid => num(t.meta.pid.map(f64::from)),
            Field::Seed => t
                .meta
                .seed
                .map_or(Cell::Missing, |s| Cell::Text(s.to_string())),
            Field::DataVersion => text(&t.meta.data_version),
            Field::CodeVersion => text(&t.meta.code_version),
            Field::Proposer => text(&t.meta.proposer),
            Field::Message => text(&t.message),
            Field::Step => num(t.last_intermediate().map(|(s, _)| s as f64)),
            Field::Param(n) => t.params.get(n).map_or(Cell::Missing, Cell::from_value),
            // The value told with the result, else the last one reported
            // during the run (a running trial's latest accuracy).
            Field::Metric(n) => num(t.metrics.get(n).copied().or_else(|| {
                t.intermediate_metrics
                    .get(n)
                    .and_then(|s| s.values().next_back().copied())
            })),
            Field::Attr(n) => t.user_attrs.get(n).map_or(Cell::Missing, Cell::from_json),
            Field::Meta(n) => t.meta.extra.get(n).map_or(Cell::Missing, Cell::from_json),
        }
    }
}

/// Numbers as one comma-separated cell (missing when there are none).
fn list(numbers: &[f64]) -> Cell {
    if numbers.is_empty() {
        return Cell::Missing;
    }
    let words: Vec<String> = numbers.iter().map(|x| Cell::Num(*x).exact()).collect();
    Cell::Text(words.join(","))
}

/// Seconds from a trial's start to its end, when both are known.
pub fn duration(t: &Trial) -> Option<f64> {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    let (start, end) = (parse(&t.meta.started)?, parse(&t.meta.finished)?);
    Some((end - start).num_milliseconds() as f64 / 1000.0)
}

/// A number for people: integers plainly, others with 6 significant digits.
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e6).contains(&magnitude) {
        return format!("{x:.4e}");
    }
    let digits = 6 - (magnitude.log10().floor() as i32 + 1);
    let text = format!("{x:.prec$}", prec = digits.clamp(0, 10) as usize);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}
