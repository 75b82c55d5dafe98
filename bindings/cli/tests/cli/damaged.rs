//! Regression tests for "inputs that break things", from the shell: a space
//! nested 43 levels deep used to be accepted and then break `study list`
//! and `study delete` for every study of the file (serde_json's recursion
//! limit); 4,000 levels aborted the process (rc 134); one garbage trial row
//! made the whole study unreadable.

use crate::setup::{one_line_error, stdout_of, Lab};

fn nested(depth: usize) -> String {
    let mut text = "x=float(0,1)".to_string();
    for i in (0..depth).rev() {
        text = format!("c{i}=choice(a{{{text}}},b)");
    }
    text
}

#[test]
fn a_space_nested_too_deep_is_refused_naming_the_limit() {
    let lab = Lab::new();
    lab.study("ok", "x=float(0,1)");
    for depth in [43, 4_000] {
        let space = nested(depth);
        one_line_error(
            &mut lab.hs(&["study", "create", "deep", "--space", &space]),
            "nesting depth of branches is 33, the limit is 32",
        );
    }
    lab.study("deep", &nested(32));
    let listed = stdout_of(&mut lab.hs(&["study", "list"]));
    assert!(listed.contains("ok") && listed.contains("deep"), "{listed}");
    let out = stdout_of(&mut lab.hs(&["study", "delete", "deep", "--yes"]));
    assert!(out.contains("deleted study 'deep'"), "{out}");
}

#[test]
fn a_damaged_study_is_listed_with_a_note_deleted_and_reported_by_check() {
    let lab = Lab::new();
    lab.study("ok", "x=float(0,1)");
    stdout_of(&mut lab.hs(&["suggest", "--study", "ok"]));
    // What an older build wrote for a 43-level space.
    let db = rusqlite::Connection::open(lab.db()).unwrap();
    let config: String = db
        .query_row("SELECT config FROM studies WHERE name = 'ok'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let deep = config.replacen("\"ok\"", "\"deep\"", 1).replace(
        "\"space\":{",
        &format!(
            "\"space\":{}{{",
            "{\"c\":{\"type\":\"choice\",\"choices\":[\"a\"],\"branches\":{\"a\":".repeat(43)
        ),
    );
    let deep = format!("{deep}{}", "}}}".repeat(43));
    db.execute(
        "INSERT INTO studies (name, config, created) VALUES ('deep', ?1, '2026-01-01T00:00:00Z')",
        [&deep],
    )
    .unwrap();

    let out = lab.hs(&["study", "list"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("ok") && stdout.contains("deep"), "{stdout}");
    assert!(stdout.contains("damaged"), "{stdout}");
    assert!(stderr.contains("study 'deep' cannot be read"), "{stderr}");
    stdout_of(&mut lab.hs(&["trials", "--study", "ok"]));

    let out = lab.hs(&["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("damaged: study 'deep'"), "{stdout}");
    assert!(stdout.contains("recursion limit"), "{stdout}");

    stdout_of(&mut lab.hs(&["study", "delete", "deep", "--yes"]));
    let out = stdout_of(&mut lab.hs(&["check"]));
    assert!(out.contains("no damaged records"), "{out}");
}

#[test]
fn a_garbage_trial_row_is_skipped_with_a_warning_and_reported_by_check() {
    let lab = Lab::new();
    lab.study("s", "x=float(0,1)");
    for value in ["0.5", "0.25", "0.75"] {
        let line = stdout_of(&mut lab.hs(&["suggest", "--study", "s"]));
        let trial: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        let id = trial["trial"].to_string();
        stdout_of(&mut lab.hs(&["tell", "--trial", &id, "--value", value]));
    }
    let db = rusqlite::Connection::open(lab.db()).unwrap();
    db.execute("UPDATE trials SET body = 'not json' WHERE number = 1", [])
        .unwrap();

    let out = lab.hs(&["best", "--study", "s"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trial #1 (id 2) is damaged"),
        "the warning names the trial: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("#0"));
    stdout_of(&mut lab.hs(&["suggest", "--study", "s"]));

    let out = lab.hs(&["check", "--study", "s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("study 's': trial #1 (id 2): its JSON body cannot be read"),
        "{stdout}"
    );
}
