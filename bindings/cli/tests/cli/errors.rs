//! Every bad input gives one line on stderr and a non-zero exit.

use crate::setup::{one_line_error, Lab};

#[test]
fn unknown_study_and_missing_database() {
    let lab = Lab::new();
    one_line_error(&mut lab.hs(&["suggest", "-s", "nope"]), "no database at");
    lab.study("s", "x=float(0,1)");
    one_line_error(
        &mut lab.hs(&["suggest", "-s", "nope"]),
        "no study named 'nope'",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "nope"]),
        "no study named 'nope'",
    );
    one_line_error(
        &mut lab.hs(&["study", "show", "nope"]),
        "no study named 'nope'",
    );
    one_line_error(&mut lab.hs(&["suggest"]), "missing study");
    one_line_error(
        &mut lab.hs(&["run", "-s", "nope", "--", "true"]),
        "no study named 'nope'",
    );
    one_line_error(
        &mut lab.hs(&["study", "create", "s", "--space", "x=float(0,1)"]),
        "already exists",
    );
    one_line_error(&mut lab.hs(&["study", "delete", "s"]), "--yes");
}

#[test]
fn malformed_spaces_and_settings() {
    let lab = Lab::new();
    one_line_error(
        &mut lab.hs(&["study", "create", "s", "--space", "x=float(5,1)"]),
        "parameter 'x'",
    );
    one_line_error(
        &mut lab.hs(&["study", "create", "s", "--space", "x=flot(1,2)"]),
        "column",
    );
    one_line_error(&mut lab.hs(&["study", "create", "s"]), "missing space");
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "s",
            "--space",
            "x=float(0,1)",
            "--searcher",
            "nope",
        ]),
        "unknown searcher 'nope'",
    );
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "s",
            "--space",
            "x=float(0,1)",
            "--settings",
            "{bad",
        ]),
        "not valid JSON",
    );
    one_line_error(
        &mut lab.hs(&[
            "study",
            "create",
            "s",
            "--space",
            "x=float(0,1)",
            "--direction",
            "up",
        ]),
        "direction 'up'",
    );
    std::fs::write(lab.path().join("bad.toml"), "x = \"float(0,\"\n").unwrap();
    one_line_error(
        &mut lab.hs(&["study", "create", "s", "--space-file", "bad.toml"]),
        "parameter 'x'",
    );
}

#[test]
fn bad_filters_point_at_the_token() {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1) opt=choice(a,b)");
    let line = one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--where", "x x 0.1"]),
        "at column 3 ('x')",
    );
    assert!(line.contains("expected an operator"), "{line}");
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--where", "xx < 0.1"]),
        "unknown field 'xx'",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--where", "state = done"]),
        "'done' is not a state",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--where", "x < 0.1 and"]),
        "at the end",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--where", "x < fast"]),
        "not a number",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--sort", "nope"]),
        "--sort",
    );
    one_line_error(
        &mut lab.hs(&["trials", "-s", "s", "--columns", "x,nope"]),
        "--columns",
    );
}

#[test]
fn missing_and_bad_values() {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1)");
    lab.hs(&["suggest", "-s", "s"]).assert().success();
    one_line_error(&mut lab.hs(&["tell", "-t", "1"]), "missing value");
    one_line_error(&mut lab.hs(&["tell", "--value", "1"]), "missing trial");
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "-v", "1", "--state", "done"]),
        "--state done",
    );
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "-v", "1", "-m", "acc"]),
        "no '='",
    );
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "-v", "1", "-m", "acc=high"]),
        "not a number",
    );
    one_line_error(&mut lab.hs(&["tell", "-t", "99", "-v", "1"]), "no trial 99");
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "-v", "1", "-s", "other"]),
        "belongs to study 's'",
    );
    one_line_error(
        &mut lab.hs(&["report", "-t", "1", "--value", "1"]),
        "missing step",
    );
    lab.hs(&["tell", "-t", "1", "-v", "1"]).assert().success();
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "-v", "2"]),
        "already complete",
    );
    one_line_error(
        &mut lab.hs(&["tell", "-t", "1", "--value", "abc"]),
        "invalid value 'abc'",
    );
    one_line_error(&mut lab.hs(&["suggest", "-s", "s", "--bogus"]), "--bogus");
    one_line_error(
        &mut lab.hs(&["enqueue", "-s", "s"]),
        "missing configuration",
    );
    one_line_error(&mut lab.hs(&["enqueue", "-s", "s", "x=7"]), "parameter 'x'");
    one_line_error(&mut lab.hs(&["enqueue", "-s", "s", "y=1"]), "'y'");
    one_line_error(
        &mut lab.hs(&["enqueue", "-s", "s", "--grid", "x=[0.1,"]),
        "closing ']'",
    );
    one_line_error(
        &mut lab.hs(&["enqueue", "-s", "s", "--params", "[1]"]),
        "JSON object",
    );
    one_line_error(&mut lab.hs(&["rerun", "42"]), "no trial 42");
    one_line_error(
        &mut lab.hs(&["rerun", "1", "--set", "y=2"]),
        "no parameter 'y'",
    );
}

#[test]
fn bad_run_settings() {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1)");
    one_line_error(&mut lab.hs(&["run", "-s", "s"]), "no command to run");
    one_line_error(&mut lab.hs(&["run", "-s", "s", "--", "echo", "{y}"]), "{y}");
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "--timeout", "soon", "--", "true"]),
        "not a duration",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "--intermediate", "(", "--", "true"]),
        "not a valid regex",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "--result-regex", "x", "--", "true"]),
        "no group",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "-j", "0", "--", "true"]),
        "--jobs",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "--direction", "maximize", "--", "true"]),
        "set to minimize",
    );
    one_line_error(
        &mut lab.hs(&["run", "-s", "s", "--searcher", "grid", "--", "true"]),
        "keeps its searcher",
    );
    std::fs::write(
        lab.path().join("e.toml"),
        "study = \"s\"\ncomand = \"true\"\n",
    )
    .unwrap();
    one_line_error(&mut lab.hs(&["run", "e.toml"]), "line 2");
    one_line_error(
        &mut lab.hs(&["run", "missing.toml"]),
        "cannot read experiment file",
    );
}
