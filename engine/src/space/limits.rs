//! How large a search space may be, in one place.
//!
//! A space is stored with its study and read back by every process that
//! opens the study, so a space that can be written must also read back:
//! every input form (compact syntax, JSON, TOML, the builder, and what
//! storage returns) is held to these limits when it is parsed, before any
//! recursion can run deep. The nesting limit keeps a stored study well
//! inside serde_json's recursion limit of 128 (each level of branches costs
//! three levels of JSON: the parameter, its `branches`, the branch's
//! sub-space), so one study can never make a storage unreadable. The others
//! bound the memory and time a hostile or mistaken input can cost; each is
//! far above what a real search space needs.

use super::tree::Entry;
use crate::{Error, Result};

/// Branches may nest this many levels deep (a parameter inside a branch of
/// a choice that is itself inside a branch, and so on).
pub const MAX_DEPTH: usize = 32;

/// Parameters in one space, in every branch.
pub const MAX_PARAMS: usize = 10_000;

/// Bytes of space text (compact syntax, JSON or TOML, or a space file).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Bytes of one parameter name.
pub const MAX_NAME_BYTES: usize = 256;

/// Choices of one categorical parameter.
pub const MAX_CHOICES: usize = 10_000;

/// Bytes of one choice, as text.
pub const MAX_CHOICE_BYTES: usize = 1_024;

/// The error for `found` over `limit`, naming what was measured.
pub(crate) fn exceeded(what: impl Into<String>, limit: usize, found: usize) -> Error {
    Error::SpaceLimit {
        what: what.into(),
        limit,
        found,
    }
}

/// Checks the length of a space's text before it is parsed.
pub(crate) fn check_text(text: &str) -> Result<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(exceeded(
            "the space text (bytes)",
            MAX_TEXT_BYTES,
            text.len(),
        ));
    }
    Ok(())
}

/// Checks a nesting depth as a parser descends into a branch; `depth` is
/// the number of branches around the parameters about to be read.
pub(crate) fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(exceeded("the nesting depth of branches", MAX_DEPTH, depth));
    }
    Ok(())
}

/// Checks a parameter name's length.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.len() > MAX_NAME_BYTES {
        let shown: String = name.chars().take(32).collect();
        return Err(exceeded(
            format!("the length of parameter name '{shown}...' (bytes)"),
            MAX_NAME_BYTES,
            name.len(),
        ));
    }
    Ok(())
}

/// Checks a whole space, whatever built it: the number of parameters, and
/// each parameter's name, depth and choices. Parents come before children,
/// so one pass finds every depth.
pub(crate) fn check_entries(entries: &[Entry]) -> Result<()> {
    if entries.len() > MAX_PARAMS {
        return Err(exceeded(
            "the number of parameters",
            MAX_PARAMS,
            entries.len(),
        ));
    }
    let mut depths = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        check_name(&e.name)?;
        let depth = match e.condition {
            // A parent after its child is refused elsewhere; count it as 0.
            Some(c) if c.parent < i => depths[c.parent] + 1,
            _ => 0,
        };
        check_depth(depth)?;
        depths.push(depth);
        if let super::Param::Categorical(p) = &e.param {
            check_choices(&e.name, p.choices())?;
        }
    }
    Ok(())
}

/// Checks a categorical's number of choices and the length of each.
pub(crate) fn check_choices(name: &str, choices: &[crate::Value]) -> Result<()> {
    if choices.len() > MAX_CHOICES {
        return Err(exceeded(
            format!("the number of choices of '{name}'"),
            MAX_CHOICES,
            choices.len(),
        ));
    }
    for c in choices {
        if let crate::Value::Str(s) = c {
            if s.len() > MAX_CHOICE_BYTES {
                return Err(exceeded(
                    format!("the length of a choice of '{name}' (bytes)"),
                    MAX_CHOICE_BYTES,
                    s.len(),
                ));
            }
        }
    }
    Ok(())
}

/// Regression tests for the reliability issue "inputs that break things":
/// each input here was accepted (or crashed the parser) before.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Space, SpaceBuilder, StudyConfig};

    /// `c0=choice(a{c1=choice(a{ ... x=float(0,1) ...},b)},b)`: `depth`
    /// choices, each inside a branch of the one before.
    fn nested(depth: usize) -> String {
        let mut text = "x=float(0,1)".to_string();
        for i in (0..depth).rev() {
            text = format!("c{i}=choice(a{{{text}}},b)");
        }
        text
    }

    fn limit_error(result: Result<Space>) -> (String, usize, usize) {
        match result {
            Err(Error::SpaceLimit { what, limit, found }) => (what, limit, found),
            other => panic!("expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn a_space_at_the_depth_limit_is_stored_and_read_back() {
        let space = Space::parse(&nested(MAX_DEPTH)).unwrap();
        assert_eq!(space.len(), MAX_DEPTH + 1);
        // What storage writes, and reads back with serde_json's limits.
        let config = StudyConfig::new("deep").space(space.clone());
        let text = serde_json::to_string(&config).unwrap();
        let back: StudyConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back.space, space);
        let toml_back = Space::parse(&serde_json::to_string(&space).unwrap()).unwrap();
        assert_eq!(toml_back, space);
    }

    #[test]
    fn nesting_past_the_limit_is_refused_in_every_form() {
        let (what, limit, found) = limit_error(Space::parse(&nested(MAX_DEPTH + 1)));
        assert_eq!((limit, found), (MAX_DEPTH, MAX_DEPTH + 1));
        assert!(what.contains("nesting depth"), "{what}");
        let message = Space::parse(&nested(43)).unwrap_err().to_string();
        assert!(
            message.contains("nesting depth of branches is 33, the limit is 32"),
            "{message}"
        );
        // Deep enough to overflow the stack before (rc 134).
        limit_error(Space::parse(&nested(4_000)));
        limit_error(Space::parse(&format!(
            "x={}",
            "choice(a{y=".repeat(100_000)
        )));

        // JSON built in code (as the Python binding does), not text.
        let mut json = serde_json::json!({"x": "float(0,1)"});
        for i in 0..MAX_DEPTH + 1 {
            json = serde_json::json!({format!("c{i}"): {
                "type": "categorical", "choices": ["a", "b"], "branches": {"a": json}}});
        }
        limit_error(Space::from_json(&json));

        // The builder.
        fn nest(b: SpaceBuilder, level: usize, left: usize) -> SpaceBuilder {
            let name = format!("c{level}");
            let b = b.categorical(&name, ["a", "b"]);
            if left == 0 {
                return b;
            }
            b.branch(&name, "a", |b| nest(b, level + 1, left - 1))
        }
        limit_error(nest(SpaceBuilder::new(), 0, MAX_DEPTH + 1).build());
        assert!(nest(SpaceBuilder::new(), 0, MAX_DEPTH).build().is_ok());
    }

    #[test]
    fn sizes_past_the_limits_are_refused_naming_limit_and_value() {
        let many: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("p{i}=int(0,1)")).collect();
        let (what, _, found) = limit_error(Space::parse(&many.join(" ")));
        assert!(what.contains("number of parameters"), "{what}");
        assert_eq!(found, MAX_PARAMS + 1);

        let long = format!("x=float(0,1) {}", " ".repeat(MAX_TEXT_BYTES));
        let (what, _, _) = limit_error(Space::parse(&long));
        assert!(what.contains("space text"), "{what}");
        limit_error(Space::from_toml(&long));

        let name = "n".repeat(MAX_NAME_BYTES + 1);
        limit_error(Space::parse(&format!("{name}=float(0,1)")));
        limit_error(SpaceBuilder::new().float(&name, 0.0, 1.0, false).build());

        let choices: Vec<String> = (0..=MAX_CHOICES).map(|i| i.to_string()).collect();
        let (what, _, _) = limit_error(Space::parse(&format!("o=choice({})", choices.join(","))));
        assert!(what.contains("number of choices of 'o'"), "{what}");
        let long_choice = "c".repeat(MAX_CHOICE_BYTES + 1);
        limit_error(Space::parse(&format!("o=choice(a,{long_choice})")));
    }

    #[test]
    fn a_range_too_wide_for_floats_is_refused() {
        let message = Space::parse("x=float(-9e307,9e307)")
            .unwrap_err()
            .to_string();
        assert!(message.contains("parameter 'x'"), "{message}");
        assert!(message.contains("too wide"), "{message}");
    }

    #[test]
    fn a_key_given_twice_in_json_is_refused_naming_it() {
        let message = Space::parse(r#"{"x": "float(0,1)", "x": "int(0,3)"}"#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("key 'x' appears twice"), "{message}");
        let nested = r#"{"x": {"type": "float", "low": 0, "high": 1, "low": 0.5}}"#;
        let message = Space::parse(nested).unwrap_err().to_string();
        assert!(message.contains("key 'low' appears twice"), "{message}");
    }

    #[test]
    fn an_option_given_twice_in_the_compact_syntax_is_refused() {
        for text in [
            "x=float(1,10,log=true,log=false)",
            "x=float(1,10,log,log=false)",
            "x=float(0,1,low=0)",
            "x=int(0,10,step=1,step=2)",
            "o=choice(a,b,default=a,default=b)",
        ] {
            let message = Space::parse(text).unwrap_err().to_string();
            assert!(message.contains("is given twice"), "{text}: {message}");
        }
        let message = Space::parse("x=float(1,10,log=yes)")
            .unwrap_err()
            .to_string();
        assert!(message.contains("log=true or log=false"), "{message}");
    }

    #[test]
    fn inf_and_nan_in_toml_say_bounds_must_be_finite() {
        for (text, key) in [
            ("[x]\ntype = \"float\"\nlow = 0\nhigh = inf", "x.high"),
            ("[x]\ntype = \"float\"\nlow = nan\nhigh = 1", "x.low"),
            ("o = [1.0, -inf]", "o[1]"),
        ] {
            let message = Space::from_toml(text).unwrap_err().to_string();
            assert!(message.contains(&format!("`{key}`")), "{message}");
            assert!(message.contains("finite"), "{message}");
            assert!(!message.contains("null"), "{message}");
        }
    }
}
