//! The small filter language of `hyperspace trials --where`:
//!
//! ```text
//! lr < 0.01 and state = complete
//! (opt = adam or opt = sgd) and not value > 0.5
//! state in (failed, pruned) and message ~ 'out of memory'
//! gamma is not null
//! ```
//!
//! Fields are anything [`Known::resolve`] knows: built-ins (`id`, `number`,
//! `state`, `value`, `duration`, ...), parameters, metrics, user attributes
//! and metadata extras. A trial without the field (an inactive conditional
//! parameter) matches only `is null`. Every error names the column of the
//! token that is wrong.

#[cfg(test)]
mod fuzz;
mod lex;
mod parse;

use crate::fields::{Cell, Field, Known};
use hyperspace_engine::Trial;
use std::cmp::Ordering;
use std::fmt;

pub use lex::Op;

/// A filter that could not be read, with the column of the bad token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl FilterError {
    fn at(column: usize, message: impl Into<String>) -> Self {
        FilterError {
            column,
            message: message.into(),
        }
    }
}

/// A checked filter, ready to test trials.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
}

#[derive(Debug, Clone)]
enum Expr {
    /// Every term holds (a chain of `and`s, kept flat).
    All(Vec<Expr>),
    /// Some term holds (a chain of `or`s, kept flat).
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Field, Op, Literal),
    In(Field, Vec<Literal>),
    IsNull(Field),
}

#[derive(Debug, Clone)]
enum Literal {
    Num(f64),
    Text(String),
    Regex(regex::Regex),
}

impl Filter {
    /// Reads a filter, resolving field names against `known`.
    pub fn parse(input: &str, known: &Known) -> Result<Filter, FilterError> {
        let tokens = lex::lex(input)?;
        let expr = parse::Parser::new(&tokens, known, input.chars().count()).parse()?;
        Ok(Filter { expr })
    }

    /// Whether a trial passes.
    pub fn matches(&self, trial: &Trial) -> bool {
        eval(&self.expr, trial)
    }
}

/// A filter error as one line, with the filter and a pointer to the column.
pub fn describe_error(input: &str, e: &FilterError) -> String {
    let token: String = input
        .chars()
        .skip(e.column.saturating_sub(1))
        .take_while(|c| !c.is_whitespace())
        .collect();
    let at = if token.is_empty() {
        "at the end".to_string()
    } else {
        format!("at column {} ('{token}')", e.column)
    };
    format!("bad filter `{input}` {at}: {}", e.message)
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

fn eval(expr: &Expr, t: &Trial) -> bool {
    match expr {
        Expr::All(terms) => terms.iter().all(|e| eval(e, t)),
        Expr::Any(terms) => terms.iter().any(|e| eval(e, t)),
        Expr::Not(a) => !eval(a, t),
        Expr::IsNull(field) => field.get(t) == Cell::Missing,
        Expr::In(field, items) => {
            let cell = field.get(t);
            items.iter().any(|lit| compare(&cell, Op::Eq, lit))
        }
        Expr::Cmp(field, op, lit) => compare(&field.get(t), *op, lit),
    }
}

fn compare(cell: &Cell, op: Op, lit: &Literal) -> bool {
    if *cell == Cell::Missing {
        return false;
    }
    if let Literal::Regex(re) = lit {
        return re.is_match(&cell.exact());
    }
    let ordering = match (cell, lit) {
        (Cell::Num(a), Literal::Num(b)) => a.partial_cmp(b),
        (cell, Literal::Num(b)) => Some(cell.exact().cmp(&Cell::Num(*b).exact())),
        (cell, Literal::Text(b)) => Some(cell.exact().as_str().cmp(b.as_str())),
        (_, Literal::Regex(_)) => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Match => false,
    }
}

/// One sort key: a field, ascending unless `descending`.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// The field.
    pub field: Field,
    /// Largest first.
    pub descending: bool,
}

/// Reads `value,-duration` into sort keys.
pub fn parse_sort(text: &str, known: &Known) -> Result<Vec<SortKey>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|word| {
            let (name, descending) = match word.strip_prefix('-') {
                Some(rest) => (rest, true),
                None => (word.strip_prefix('+').unwrap_or(word), false),
            };
            let field = known.resolve(name)?;
            Ok(SortKey { field, descending })
        })
        .collect()
}

/// Sorts trials by the keys; missing values always last.
pub fn sort_trials(trials: &mut [&Trial], keys: &[SortKey]) {
    trials.sort_by(|a, b| {
        for key in keys {
            let (x, y) = (key.field.get(a), key.field.get(b));
            let order = match (&x, &y) {
                (Cell::Missing, Cell::Missing) => Ordering::Equal,
                (Cell::Missing, _) => return Ordering::Greater,
                (_, Cell::Missing) => return Ordering::Less,
                (Cell::Num(p), Cell::Num(q)) => p.partial_cmp(q).unwrap_or(Ordering::Equal),
                _ => x.exact().cmp(&y.exact()),
            };
            let order = if key.descending {
                order.reverse()
            } else {
                order
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyperspace_engine::{Space, Trial};

    fn known() -> Known {
        let space = Space::parse("lr=log(1e-4,1) opt=choice(adam,sgd)").unwrap();
        Known::collect(&space, &[])
    }

    fn err(input: &str) -> FilterError {
        Filter::parse(input, &known()).unwrap_err()
    }

    #[test]
    fn good_filters_parse() {
        for f in [
            "lr < 0.01 and state = complete",
            "(opt = adam or opt = 'sgd') and not value > 0.5",
            "state in (failed, pruned) or message ~ 'memory'",
            "params.lr >= 1e-3 and lr is not null",
            "opt not in (adam)",
        ] {
            Filter::parse(f, &known()).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }

    #[test]
    fn errors_point_at_the_bad_token() {
        assert_eq!(err("lr x 0.1").column, 4);
        assert_eq!(err("lrr < 0.1").column, 1);
        assert!(err("lrr < 0.1").message.contains("unknown field 'lrr'"));
        assert_eq!(err("state = compelte").column, 9);
        assert_eq!(err("lr < 0.1 and").column, 13);
        assert_eq!(err("lr < fast").column, 6);
        assert_eq!(err("(lr < 1").column, 8);
        assert_eq!(err("lr < 1 lr").column, 8);
        assert_eq!(err("message ~ '('").column, 11);
    }

    #[test]
    fn error_line_names_the_token() {
        let e = err("lr x 0.1");
        let line = describe_error("lr x 0.1", &e);
        assert!(line.contains("column 4 ('x')"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn missing_values_match_only_is_null() {
        let trial: Trial = serde_json::from_value(serde_json::json!({
            "id": 1, "study": 1, "number": 0, "state": "complete",
            "params": {"lr": 0.001}, "value": 0.3, "metrics": {}, "intermediate": {},
            "budget": null, "parent": null, "user_attrs": {}, "meta": {}, "message": null,
            "change": 1
        }))
        .unwrap();
        let k = known();
        let test = |f: &str| Filter::parse(f, &k).unwrap().matches(&trial);
        assert!(test("lr < 0.01 and state = complete"));
        assert!(!test("opt = adam"));
        assert!(!test("opt != adam"));
        assert!(test("opt is null"));
        assert!(test("state in (complete, failed)"));
        assert!(test("not state = failed"));
        assert!(test("value <= 0.3 and value >= 0.3"));
    }
}
