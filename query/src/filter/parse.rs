//! The filter grammar, by recursive descent:
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | compare
//! compare := FIELD OP literal | FIELD ["not"] "in" "(" literal ("," literal)* ")"
//!          | FIELD "is" ["not"] "null"
//! literal := number | 'quoted' | word
//! ```

use super::lex::{Op, Tok, Token};
use super::{Expr, FilterError, Literal};
use crate::fields::{Field, Kind, Known};
use hyperspace_engine::TrialState;

/// How deeply `not`s and parentheses may nest. Parsing, evaluating and
/// dropping a filter recurse once per level; past this a filter is far
/// beyond anything a person writes, and thousands of levels would overflow
/// the stack.
pub const MAX_DEPTH: usize = 64;

pub struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    known: &'a Known,
    end_column: usize,
    /// `not`s and parentheses open around the current token.
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(tokens: &'a [Token], known: &'a Known, input_len: usize) -> Self {
        Parser {
            tokens,
            pos: 0,
            known,
            end_column: input_len + 1,
            depth: 0,
        }
    }

    pub fn parse(mut self) -> Result<Expr, FilterError> {
        if self.tokens.is_empty() {
            return Err(FilterError::at(1, "the filter is empty"));
        }
        let expr = self.or()?;
        if let Some(t) = self.peek() {
            return Err(FilterError::at(
                t.column,
                format!("expected `and`, `or` or the end, found '{}'", t.text),
            ));
        }
        Ok(expr)
    }

    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self, expected: &str) -> Result<&'a Token, FilterError> {
        let t = self.tokens.get(self.pos).ok_or_else(|| {
            FilterError::at(
                self.end_column,
                format!("expected {expected}, found the end"),
            )
        })?;
        self.pos += 1;
        Ok(t)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `a or b or c` as one flat list, so a long chain costs no depth.
    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.and()?];
        while self.eat(&Tok::Or) {
            terms.push(self.and()?);
        }
        Ok(flat(terms, Expr::Any))
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.unary()?];
        while self.eat(&Tok::And) {
            terms.push(self.unary()?);
        }
        Ok(flat(terms, Expr::All))
    }

    /// One more level of `not` or parentheses, refused past [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let column = self.tokens.get(self.pos - 1).map_or(1, |t| t.column);
            return Err(FilterError::at(
                column,
                format!(
                    "`not` and parentheses nest more than {MAX_DEPTH} levels deep here; simplify the filter"
                ),
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.eat(&Tok::Not) {
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.eat(&Tok::Open) {
            self.descend()?;
            let inner = self.or()?;
            self.depth -= 1;
            let t = self.next("')'")?;
            if t.tok != Tok::Close {
                return Err(FilterError::at(
                    t.column,
                    format!("expected ')', found '{}'", t.text),
                ));
            }
            return Ok(inner);
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, FilterError> {
        let t = self.next("a field name")?;
        let Tok::Word(name) = &t.tok else {
            return Err(FilterError::at(
                t.column,
                format!(
                    "expected a field name (a parameter, a metric, state, value, ...), found '{}'",
                    t.text
                ),
            ));
        };
        let field = self
            .known
            .resolve(name)
            .map_err(|m| FilterError::at(t.column, m))?;
        let kind = self.known.kind(&field);
        let op_token = self.next("an operator")?;
        match &op_token.tok {
            Tok::Op(op) => {
                let lit = self.literal(&field, kind, Some(*op))?;
                Ok(Expr::Cmp(field, *op, lit))
            }
            Tok::Is => {
                let negated = self.eat(&Tok::Not);
                let t = self.next("null")?;
                if t.tok != Tok::Null {
                    return Err(FilterError::at(
                        t.column,
                        format!("expected null after `is`, found '{}'", t.text),
                    ));
                }
                let test = Expr::IsNull(field);
                Ok(if negated {
                    Expr::Not(Box::new(test))
                } else {
                    test
                })
            }
            Tok::In => self.in_list(field, kind, false),
            Tok::Not if self.eat(&Tok::In) => self.in_list(field, kind, true),
            _ => Err(FilterError::at(
                op_token.column,
                format!(
                    "expected an operator (=, !=, <, <=, >, >=, ~, in, is null) after '{name}', found '{}'",
                    op_token.text
                ),
            )),
        }
    }

    fn in_list(&mut self, field: Field, kind: Kind, negated: bool) -> Result<Expr, FilterError> {
        let t = self.next("'('")?;
        if t.tok != Tok::Open {
            return Err(FilterError::at(
                t.column,
                format!(
                    "expected '(' to start the list after `in`, found '{}'",
                    t.text
                ),
            ));
        }
        let mut items = vec![self.literal(&field, kind, Some(Op::Eq))?];
        loop {
            let t = self.next("',' or ')'")?;
            match t.tok {
                Tok::Comma => items.push(self.literal(&field, kind, Some(Op::Eq))?),
                Tok::Close => break,
                _ => {
                    return Err(FilterError::at(
                        t.column,
                        format!("expected ',' or ')' in the list, found '{}'", t.text),
                    ))
                }
            }
        }
        let test = Expr::In(field, items);
        Ok(if negated {
            Expr::Not(Box::new(test))
        } else {
            test
        })
    }

    fn literal(
        &mut self,
        field: &Field,
        kind: Kind,
        op: Option<Op>,
    ) -> Result<Literal, FilterError> {
        let t = self.next("a value")?;
        let lit = match &t.tok {
            Tok::Num(x) => Literal::Num(*x),
            Tok::Str(s) | Tok::Word(s) => Literal::Text(s.clone()),
            Tok::Null => {
                return Err(FilterError::at(
                    t.column,
                    "compare with null using `is null` or `is not null`",
                ))
            }
            _ => {
                return Err(FilterError::at(
                    t.column,
                    format!(
                        "expected a value (a number, a word or 'quoted text'), found '{}'",
                        t.text
                    ),
                ))
            }
        };
        if op == Some(Op::Match) {
            let pattern = match &lit {
                Literal::Text(s) => s.clone(),
                Literal::Num(_) => t.text.clone(),
                Literal::Regex(_) => unreachable!("literals are not regexes before this point"),
            };
            let regex = regex::Regex::new(&pattern).map_err(|e| {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                FilterError::at(
                    t.column,
                    format!("'{pattern}' is not a valid regex: {first}"),
                )
            })?;
            return Ok(Literal::Regex(regex));
        }
        match (kind, &lit) {
            (Kind::State, Literal::Text(_) | Literal::Num(_)) if op.is_some() => {
                let s = match &lit {
                    Literal::Text(s) => s.clone(),
                    _ => t.text.clone(),
                };
                if TrialState::parse(&s).is_err() {
                    return Err(FilterError::at(
                        t.column,
                        format!("'{s}' is not a state; states are waiting, running, complete, pruned, failed"),
                    ));
                }
            }
            (Kind::Number, Literal::Text(s)) => {
                return Err(FilterError::at(
                    t.column,
                    format!("'{}' holds numbers; '{s}' is not a number", field.name()),
                ))
            }
            _ => {}
        }
        Ok(lit)
    }
}

/// A single term as itself, several as `make(terms)`.
fn flat(mut terms: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if terms.len() == 1 {
        if let Some(only) = terms.pop() {
            return only;
        }
    }
    make(terms)
}
