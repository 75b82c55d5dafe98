//! `--storage postgres://…`: the same commands on a PostgreSQL server (the
//! one `HYPERSPACE_TEST_POSTGRES` names; skipped, with a note, without it),
//! and a clear error when no server listens.

use crate::setup::{stdout_of, Lab};
use serde_json::Value as Json;

#[test]
fn a_postgres_url_where_no_server_listens_names_host_and_port() {
    let lab = Lab::new();
    let out = lab
        .bare(&[
            "--storage",
            "postgres://me:s3cret@127.0.0.1:1/runs",
            "study",
            "list",
        ])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("127.0.0.1:1") && err.contains("server must be running"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn suggest_tell_and_best_on_postgres() {
    let Ok(url) = std::env::var("HYPERSPACE_TEST_POSTGRES") else {
        eprintln!("skipped suggest_tell_and_best_on_postgres: HYPERSPACE_TEST_POSTGRES is unset (scripts/with-postgres sets it)");
        return;
    };
    // The server's default database is shared with other tests: a study
    // name of this run's own, deleted at the end.
    let study = format!("cli-{}", std::process::id());
    let lab = Lab::new();
    let hs = |args: &[&str]| {
        let mut cmd = lab.bare(&["--storage", &url]);
        cmd.args(args);
        cmd
    };
    hs(&[
        "study",
        "create",
        &study,
        "--space",
        "x=float(-5,5)",
        "--seed",
        "7",
    ])
    .assert()
    .success();
    for _ in 0..5 {
        let line = stdout_of(&mut hs(&["suggest", "--study", &study]));
        let trial: Json = serde_json::from_str(line.trim()).unwrap();
        let x = trial["params"]["x"].as_f64().unwrap();
        let id = trial["trial"].to_string();
        hs(&["tell", "--study", &study, "--trial", &id, "--value"])
            .arg(format!("{}", x * x))
            .assert()
            .success();
    }
    let best = stdout_of(&mut hs(&["best", "--study", &study]));
    assert!(best.contains(&format!("best trial of '{study}'")), "{best}");
    let list = stdout_of(&mut hs(&["study", "list"]));
    assert!(list.contains(&study), "{list}");
    hs(&["study", "delete", &study, "--yes"]).assert().success();
}
