//! The filter language's tokens, each with the column it starts at.

use super::FilterError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare word: a field name, or an unquoted text value.
    Word(String),
    /// A number.
    Num(f64),
    /// Quoted text.
    Str(String),
    /// A comparison operator.
    Op(Op),
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `in`
    In,
    /// `is`
    Is,
    /// `null`
    Null,
    /// `(`
    Open,
    /// `)`
    Close,
    /// `,`
    Comma,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~`: regex match
    Match,
}

/// A token and where it starts (1-based column) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// 1-based column of its first character.
    pub column: usize,
    /// Its text as written.
    pub text: String,
}

const SPECIAL: &str = "=!<>~(),'\"";

/// Splits a filter into tokens.
pub fn lex(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, len) = match c {
            '(' => (Tok::Open, 1),
            ')' => (Tok::Close, 1),
            ',' => (Tok::Comma, 1),
            '~' => (Tok::Op(Op::Match), 1),
            '=' if chars.get(i + 1) == Some(&'=') => (Tok::Op(Op::Eq), 2),
            '=' => (Tok::Op(Op::Eq), 1),
            '!' if chars.get(i + 1) == Some(&'=') => (Tok::Op(Op::Ne), 2),
            '!' => {
                return Err(FilterError::at(
                    column,
                    "'!' must be followed by '=' (use `not` to negate)",
                ))
            }
            '<' if chars.get(i + 1) == Some(&'=') => (Tok::Op(Op::Le), 2),
            '<' if chars.get(i + 1) == Some(&'>') => (Tok::Op(Op::Ne), 2),
            '<' => (Tok::Op(Op::Lt), 1),
            '>' if chars.get(i + 1) == Some(&'=') => (Tok::Op(Op::Ge), 2),
            '>' => (Tok::Op(Op::Gt), 1),
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| FilterError::at(column, "this quote is never closed"))?;
                let text: String = chars[i + 1..i + 1 + end].iter().collect();
                (Tok::Str(text), end + 2)
            }
            _ => {
                let len = chars[i..]
                    .iter()
                    .position(|&d| d.is_whitespace() || SPECIAL.contains(d))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                (word_token(&word), len)
            }
        };
        let text: String = chars[i..i + len].iter().collect();
        tokens.push(Token { tok, column, text });
        i += len;
    }
    Ok(tokens)
}

fn word_token(word: &str) -> Tok {
    match word.to_ascii_lowercase().as_str() {
        "and" => return Tok::And,
        "or" => return Tok::Or,
        "not" => return Tok::Not,
        "in" => return Tok::In,
        "is" => return Tok::Is,
        "null" => return Tok::Null,
        _ => {}
    }
    let numeric_start = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "+-.".contains(c));
    match word.parse::<f64>() {
        Ok(x) if numeric_start && x.is_finite() => Tok::Num(x),
        _ => Tok::Word(word.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_columns() {
        let t = lex("lr<=1e-3 and opt = 'adam w'").unwrap();
        let kinds: Vec<_> = t.iter().map(|t| (t.tok.clone(), t.column)).collect();
        assert_eq!(
            kinds,
            vec![
                (Tok::Word("lr".into()), 1),
                (Tok::Op(Op::Le), 3),
                (Tok::Num(1e-3), 5),
                (Tok::And, 10),
                (Tok::Word("opt".into()), 14),
                (Tok::Op(Op::Eq), 18),
                (Tok::Str("adam w".into()), 20),
            ]
        );
    }

    #[test]
    fn dates_are_words() {
        let t = lex("started > 2026-01-01").unwrap();
        assert_eq!(t[2].tok, Tok::Word("2026-01-01".into()));
    }

    #[test]
    fn open_quote_is_an_error() {
        assert_eq!(lex("a = 'x").unwrap_err().column, 5);
    }
}
