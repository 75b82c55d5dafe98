//! The compact space syntax, for command lines and quick experiments:
//!
//! ```text
//! x=float(-5,10) lr=log(1e-5,1e-1) layers=int(1,8) batch=int(16,512,log)
//! drop=float(0,0.5,step=0.1,default=0.1) opt=choice(adam,sgd,default=adam)
//! model=choice(svm{C=log(1e-3,1e3)}, tree{depth=int(1,12)})
//! ```
//!
//! It is only syntax: the parser produces the JSON form of the space, which
//! is validated by the one path all spaces take (`spec.rs`). Errors here
//! point at the column where the text stops making sense.

use super::limits;
use crate::{Error, Result, Value};
use serde_json::{json, Map, Value as Json};

/// Parses a whole space: `name=kind(args)` items separated by white space.
pub(crate) fn parse(text: &str) -> Result<Json> {
    limits::check_text(text)?;
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let space = p.space(None)?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error("expected `name=kind(...)`"));
    }
    Ok(space)
}

/// Parses one definition: `kind(args)`.
pub(crate) fn parse_definition(text: &str) -> Result<Json> {
    limits::check_text(text)?;
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let def = p.definition()?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error("unexpected text after the definition"));
    }
    Ok(def)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Branches open around the current position; checked against
    /// [`limits::MAX_DEPTH`] before each descent, so the recursion stays
    /// shallow whatever the text.
    depth: usize,
}

/// One argument of `kind(...)`: an optional `key=`, a word, and for choices
/// an optional `{ sub-space }`.
struct Arg {
    key: Option<String>,
    word: String,
    branch: Option<Json>,
    /// Byte offset of the argument; turned into a column only for an error
    /// (counting characters for every argument would cost the square of
    /// the text's length).
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> Error {
        Error::SpaceSyntax {
            input: self.text.to_string(),
            column: self.text[..self.pos].chars().count() + 1,
            reason: reason.to_string(),
        }
    }

    fn error_at(&self, pos: usize, reason: String) -> Error {
        Error::SpaceSyntax {
            input: self.text.to_string(),
            column: self.text.get(..pos).map_or(0, |t| t.chars().count()) + 1,
            reason,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ';' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, expected: char) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(expected) {
            self.pos += expected.len_utf8();
            Ok(())
        } else {
            Err(self.error(&format!("expected `{expected}`")))
        }
    }

    /// Items until the end of the text or the closing `}` of a branch.
    fn space(&mut self, closing: Option<char>) -> Result<Json> {
        let mut out = Map::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(c) if Some(c) == closing => break,
                _ => {}
            }
            let start = self.pos;
            let name = self.word()?;
            if name.is_empty() {
                return Err(self.error("expected a parameter name"));
            }
            self.eat('=')?;
            let def = self.definition()?;
            if out.insert(name.clone(), def).is_some() {
                self.pos = start;
                return Err(self.error(&format!("parameter '{name}' is defined twice")));
            }
        }
        Ok(Json::Object(out))
    }

    /// A bare word (up to a delimiter) or a JSON string in double quotes.
    fn word(&mut self) -> Result<String> {
        self.skip_ws();
        if self.peek() == Some('"') {
            let rest = &self.text[self.pos..];
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            return match stream.next() {
                Some(Ok(s)) => {
                    self.pos += stream.byte_offset();
                    // The quotes are kept so the value stays a string.
                    Ok(serde_json::to_string(&s).unwrap_or(s))
                }
                _ => Err(self.error("unterminated or invalid quoted string")),
            };
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | '(' | ')' | '{' | '}' | '=' | ';') {
                break;
            }
            self.pos += c.len_utf8();
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn definition(&mut self) -> Result<Json> {
        self.skip_ws();
        let kind_pos = self.pos;
        let kind = self.word()?;
        self.eat('(')?;
        let args = self.args()?;
        match kind.as_str() {
            "float" | "real" | "uniform" => self.numeric("float", false, &args),
            "log" | "loguniform" => self.numeric("float", true, &args),
            "int" | "integer" => self.numeric("int", false, &args),
            "choice" | "cat" | "categorical" => self.choice(args),
            "" => Err(self.error_at(
                kind_pos,
                "expected a kind: float, log, int or choice".into(),
            )),
            other => Err(self.error_at(
                kind_pos,
                format!("unknown kind '{other}' (expected float, log, int or choice)"),
            )),
        }
    }

    fn args(&mut self) -> Result<Vec<Arg>> {
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            self.skip_ws();
            let pos = self.pos;
            let first = self.word()?;
            self.skip_ws();
            let (key, word) = if self.peek() == Some('=') {
                self.pos += 1;
                (Some(first), self.word()?)
            } else {
                (None, first)
            };
            if word.is_empty() {
                return Err(self.error("expected a value"));
            }
            self.skip_ws();
            let branch = if self.peek() == Some('{') {
                self.depth += 1;
                limits::check_depth(self.depth)?;
                self.pos += 1;
                let sub = self.space(Some('}'))?;
                self.eat('}')?;
                self.depth -= 1;
                Some(sub)
            } else {
                None
            };
            args.push(Arg {
                key,
                word,
                branch,
                pos,
            });
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(args);
                }
                _ => return Err(self.error("expected `,` or `)`")),
            }
        }
    }

    fn number(&self, arg: &Arg) -> Result<Json> {
        match serde_json::from_str::<Json>(&arg.word) {
            Ok(n @ Json::Number(_)) => Ok(n),
            _ => Err(self.error_at(arg.pos, format!("'{}' is not a number", arg.word))),
        }
    }

    fn numeric(&self, kind: &str, log: bool, args: &[Arg]) -> Result<Json> {
        let mut def = json!({"type": kind});
        if log {
            def["log"] = Json::Bool(true);
        }
        // Each option once: `log=true,log=false` would otherwise keep the
        // last silently.
        let mut given: Vec<&str> = Vec::new();
        let mut positional = 0;
        for arg in args {
            if arg.branch.is_some() {
                return Err(self.error_at(arg.pos, "only choices can have branches".into()));
            }
            let option = match (arg.key.as_deref(), positional) {
                (None, 0) => "low",
                (None, 1) => "high",
                (None, _) if arg.word == "log" => "log",
                (Some(key @ ("low" | "high" | "log" | "step" | "default")), _) => key,
                (None, _) => {
                    return Err(
                        self.error_at(arg.pos, format!("unexpected argument '{}'", arg.word))
                    )
                }
                (Some(key), _) => {
                    return Err(self.error_at(
                        arg.pos,
                        format!("unknown key '{key}' (expected low, high, log, step or default)"),
                    ))
                }
            };
            if given.contains(&option) {
                return Err(self.error_at(
                    arg.pos,
                    format!("option '{option}' is given twice; give each option once"),
                ));
            }
            given.push(option);
            def[option] = match (option, arg.key.is_some()) {
                ("log", false) => Json::Bool(true),
                ("log", true) => match arg.word.as_str() {
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    other => {
                        return Err(self.error_at(
                            arg.pos,
                            format!("log={other}: write log=true or log=false"),
                        ))
                    }
                },
                _ => self.number(arg)?,
            };
            if arg.key.is_none() && positional < 2 {
                positional += 1;
            }
        }
        if def.get("low").is_none() || def.get("high").is_none() {
            return Err(self.error(&format!("{kind}(...) needs a low and a high")));
        }
        Ok(def)
    }

    fn choice(&self, args: Vec<Arg>) -> Result<Json> {
        let mut choices = Vec::new();
        let mut branches = Map::new();
        let mut def = json!({"type": "categorical"});
        for arg in args {
            match arg.key.as_deref() {
                Some("default") if def.get("default").is_some() => {
                    return Err(self.error_at(
                        arg.pos,
                        "option 'default' is given twice; give each option once".into(),
                    ))
                }
                Some("default") => def["default"] = Value::parse_word(&arg.word).to_json(),
                Some(key) => {
                    return Err(
                        self.error_at(arg.pos, format!("unknown key '{key}' (expected default)"))
                    )
                }
                None => {
                    let value = Value::parse_word(&arg.word);
                    // Moved, not copied: a copy per level would cost the
                    // square of the depth.
                    if let Some(sub) = arg.branch {
                        branches.insert(value.to_string(), sub);
                    }
                    choices.push(value.to_json());
                }
            }
        }
        def["choices"] = Json::Array(choices);
        if !branches.is_empty() {
            def["branches"] = Json::Object(branches);
        }
        Ok(def)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Param, Space, Value};

    #[test]
    fn reads_every_kind() {
        let space = Space::parse(
            "x=float(-5,10) lr=log(1e-5,1e-1) layers=int(1,8) batch=int(16,512,log) \
             drop=float(0,0.5,step=0.1,default=0.1) opt=choice(adam,sgd,default=sgd) flag=choice(true,false,3)",
        )
        .unwrap();
        assert_eq!(
            space.names(),
            ["x", "lr", "layers", "batch", "drop", "opt", "flag"]
        );
        let Param::Float(lr) = &space.get("lr").unwrap().param else {
            panic!()
        };
        assert!(lr.log());
        let Param::Int(batch) = &space.get("batch").unwrap().param else {
            panic!()
        };
        assert!(batch.log());
        let Param::Categorical(flag) = &space.get("flag").unwrap().param else {
            panic!()
        };
        assert_eq!(
            flag.choices(),
            [Value::Bool(true), Value::Bool(false), Value::Int(3)]
        );
        assert_eq!(
            space.get("opt").unwrap().param.default_value(),
            Some("sgd".into())
        );
    }

    #[test]
    fn reads_nested_branches() {
        let space = Space::parse(
            "model=choice(svm{C=log(1e-3,1e3) kernel=choice(rbf, poly{degree=int(2,5)})}, tree{depth=int(1,12)}) lr=log(1e-4,1)",
        )
        .unwrap();
        assert_eq!(
            space.names(),
            ["model", "C", "kernel", "degree", "depth", "lr"]
        );
        let degree = space.get("degree").unwrap().condition.unwrap();
        assert_eq!(space.entries()[degree.parent].name, "kernel");
        assert_eq!(degree.choice, 1);
    }

    #[test]
    fn errors_point_at_the_column() {
        let err = |t: &str| Space::parse(t).unwrap_err().to_string();
        assert!(
            err("x=flot(0,1)").contains("column 3"),
            "{}",
            err("x=flot(0,1)")
        );
        assert!(err("x=flot(0,1)").contains("unknown kind 'flot'"));
        assert!(err("x=float(0,one)").contains("'one' is not a number"));
        assert!(err("x=float(0,1").contains("expected `,` or `)`"));
        assert!(err("x=float(0)").contains("needs a low and a high"));
        assert!(err("x=float(0,1,bogus)").contains("unexpected argument 'bogus'"));
        assert!(err("x=float(0,1,steep=2)").contains("unknown key 'steep'"));
        assert!(err("x=float(0,1) x=int(0,3)").contains("defined twice"));
        assert!(err("x float(0,1)").contains("expected `=`"));
        assert!(err("x=float(1,0)").contains("parameter 'x': low (1) must be at most high (0)"));
        assert!(err("o=choice()").contains("at least one choice"));
        assert!(err("o=choice(a,b,default=c)").contains("default c is not one of"));
        assert!(err("x=float(0{y=int(0,1)},1)").contains("only choices can have branches"));
    }

    #[test]
    fn quoted_choices_stay_strings() {
        let space = Space::parse(r#"v=choice("1", "a b", 1)"#).unwrap();
        let Param::Categorical(v) = &space.get("v").unwrap().param else {
            panic!()
        };
        assert_eq!(
            v.choices(),
            [
                Value::Str("1".into()),
                Value::Str("a b".into()),
                Value::Int(1)
            ]
        );
    }
}
