//! The command a trial runs: arguments with `{name}` placeholders, checked
//! against the space once, filled in for each trial.

use anyhow::{bail, Result};
use hyperspace_engine::{Params, Space};

/// Placeholders every trial has, beside its parameters.
const BUILTIN: [&str; 9] = [
    "trial",
    "number",
    "seed",
    "budget",
    "trial_file",
    "study",
    "trial_dir",
    "parent_dir",
    "parent_budget",
];

/// The placeholders that need the study's artifact store.
const NEED_ARTIFACTS: [&str; 2] = ["trial_dir", "parent_dir"];

/// What a trial's command line is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// Becomes `--name value` for every active parameter.
    AllParams,
    /// Text and placeholders.
    Parts(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Name(String),
}

/// What a placeholder is filled with, beside parameters.
#[derive(Debug, Clone)]
pub struct TrialVars {
    /// Trial id.
    pub trial: i64,
    /// Trial number.
    pub number: u64,
    /// Trial seed.
    pub seed: Option<u64>,
    /// Budget.
    pub budget: Option<f64>,
    /// The trial's JSON file.
    pub trial_file: String,
    /// Study name.
    pub study: String,
    /// The trial's artifact directory (when the storage has a store).
    pub trial_dir: Option<String>,
    /// The parent trial's artifact directory, for a trial with a parent.
    pub parent_dir: Option<String>,
    /// The budget the parent trial was given, for a trial with a parent.
    pub parent_budget: Option<f64>,
}

impl Template {
    /// Reads the arguments; a placeholder must name a parameter of `space`
    /// (when it has any) or a built-in (`trial`, `number`, `seed`, `budget`,
    /// `trial_file`, `study`, `trial_dir`, `parent_dir`, `parent_budget`); `{{` and `}}` are literal braces.
    pub fn new(argv: &[String], space: &Space) -> Result<Template> {
        if argv.is_empty() {
            bail!("no command to run: give it after `--` (hyperspace run --study S -- python train.py --lr {{lr}}) or as `command` in the experiment file");
        }
        let mut args = Vec::new();
        for (i, raw) in argv.iter().enumerate() {
            if raw == "{args}" {
                if i == 0 {
                    bail!("the command cannot start with {{args}}; put the program first");
                }
                args.push(Arg::AllParams);
                continue;
            }
            let parts = split_parts(raw)?;
            for part in &parts {
                if let Part::Name(name) = part {
                    let known = BUILTIN.contains(&name.as_str())
                        || space.is_empty()
                        || space.get(name).is_some();
                    if !known {
                        bail!(
                            "the command uses {{{name}}}, which is not a parameter of the space ({}) nor one of {}",
                            space.names().join(", "),
                            BUILTIN.map(|b| format!("{{{b}}}")).join(", ")
                        );
                    }
                }
            }
            args.push(Arg::Parts(parts));
        }
        Ok(Template { args })
    }

    /// Whether the command names the trial's or its parent's artifact
    /// directory, so a run must know the artifact store before it starts.
    pub fn uses_artifacts(&self) -> bool {
        self.args.iter().any(|arg| match arg {
            Arg::AllParams => false,
            Arg::Parts(parts) => parts
                .iter()
                .any(|p| matches!(p, Part::Name(n) if NEED_ARTIFACTS.contains(&n.as_str()))),
        })
    }

    /// The command line for one trial. An inactive parameter's placeholder
    /// becomes empty text; `{args}` leaves it out.
    pub fn render(&self, params: &Params, vars: &TrialVars) -> Vec<String> {
        let mut out = Vec::new();
        for arg in &self.args {
            match arg {
                Arg::AllParams => {
                    for (name, value) in params {
                        out.push(format!("--{name}"));
                        out.push(value.to_string());
                    }
                }
                Arg::Parts(parts) => {
                    let mut text = String::new();
                    for part in parts {
                        match part {
                            Part::Text(t) => text.push_str(t),
                            Part::Name(name) => text.push_str(&fill(name, params, vars)),
                        }
                    }
                    out.push(text);
                }
            }
        }
        out
    }
}

fn fill(name: &str, params: &Params, vars: &TrialVars) -> String {
    if let Some(value) = params.get(name) {
        return value.to_string();
    }
    match name {
        "trial" => vars.trial.to_string(),
        "number" => vars.number.to_string(),
        "seed" => vars.seed.map(|s| s.to_string()).unwrap_or_default(),
        "budget" => vars.budget.map(|b| b.to_string()).unwrap_or_default(),
        "trial_file" => vars.trial_file.clone(),
        "study" => vars.study.clone(),
        "trial_dir" => vars.trial_dir.clone().unwrap_or_default(),
        "parent_dir" => vars.parent_dir.clone().unwrap_or_default(),
        "parent_budget" => vars
            .parent_budget
            .map(|b| b.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn split_parts(raw: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    name.push(d);
                }
                let name = name.trim().to_string();
                if !closed || name.is_empty() || name.contains('{') {
                    bail!("argument '{raw}' has an unclosed or empty placeholder; write {{name}}, or {{{{ for a literal brace");
                }
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Name(name));
            }
            '}' => {
                bail!("argument '{raw}' has a '}}' with no '{{'; write }}}} for a literal brace")
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// Splits a command written as one string into words, the way a shell
/// would for plain words, 'single' and "double" quotes and backslashes (no
/// variables, globs or pipes: use `sh -c '...'` for those).
pub fn split_command(line: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(d) => word.push(d),
                        None => bail!("the command `{line}` has an unclosed ' quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(d) => word.push(d),
                            None => bail!("the command `{line}` ends with a backslash"),
                        },
                        Some(d) => word.push(d),
                        None => bail!("the command `{line}` has an unclosed \" quote"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(d) => word.push(d),
                    None => bail!("the command `{line}` ends with a backslash"),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyperspace_engine::Value;

    fn vars() -> TrialVars {
        TrialVars {
            trial: 7,
            number: 2,
            seed: Some(11),
            budget: None,
            trial_file: "/tmp/t.json".into(),
            study: "s".into(),
            trial_dir: Some("/a/s/2".into()),
            parent_dir: None,
            parent_budget: None,
        }
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn fills_placeholders_and_args() {
        let space = Space::parse("lr=log(1e-4,1) opt=choice(adam,sgd)").unwrap();
        let t = Template::new(
            &argv(&[
                "python",
                "t.py",
                "--lr={lr}",
                "{args}",
                "{{x}}",
                "n{number}",
            ]),
            &space,
        )
        .unwrap();
        let mut params = Params::new();
        params.insert("lr".into(), Value::Float(0.5));
        params.insert("opt".into(), Value::Str("adam".into()));
        assert_eq!(
            t.render(&params, &vars()),
            argv(&["python", "t.py", "--lr=0.5", "--lr", "0.5", "--opt", "adam", "{x}", "n2"])
        );
    }

    #[test]
    fn artifact_placeholders_fill_in_and_are_empty_without_a_parent() {
        let space = Space::parse("lr=log(1e-4,1)").unwrap();
        let t = Template::new(
            &argv(&["x", "--out={trial_dir}", "{parent_dir}", "{parent_budget}"]),
            &space,
        )
        .unwrap();
        assert!(t.uses_artifacts());
        assert_eq!(
            t.render(&Params::new(), &vars()),
            argv(&["x", "--out=/a/s/2", "", ""])
        );
        let with_parent = TrialVars {
            parent_dir: Some("/a/s/0".into()),
            parent_budget: Some(9.0),
            ..vars()
        };
        assert_eq!(
            t.render(&Params::new(), &with_parent),
            argv(&["x", "--out=/a/s/2", "/a/s/0", "9"])
        );
        let plain = Template::new(&argv(&["x", "{budget}", "{parent_budget}"]), &space).unwrap();
        assert!(!plain.uses_artifacts());
    }

    #[test]
    fn unknown_placeholders_are_refused() {
        let space = Space::parse("lr=log(1e-4,1)").unwrap();
        let e = Template::new(&argv(&["x", "{lrr}"]), &space).unwrap_err();
        assert!(e.to_string().contains("{lrr}"), "{e}");
        assert!(Template::new(&argv(&["x", "{lr"]), &space).is_err());
        assert!(Template::new(&[], &space).is_err());
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_command(r#"python3 "my script.py" --name 'a b' x\ y"#).unwrap(),
            argv(&["python3", "my script.py", "--name", "a b", "x y"])
        );
        assert!(split_command("echo 'x").is_err());
    }
}
