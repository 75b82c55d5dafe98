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

/// Issue 15: a PostgreSQL storage has no artifact folder of its own; a
/// command that uses `{trial_dir}` is refused until one is given, then
/// each trial's files land there.
#[test]
fn a_postgres_run_needs_an_artifact_folder_for_trial_dir() {
    let Ok(url) = std::env::var("HYPERSPACE_TEST_POSTGRES") else {
        eprintln!("skipped a_postgres_run_needs_an_artifact_folder_for_trial_dir: HYPERSPACE_TEST_POSTGRES is unset (scripts/with-postgres sets it)");
        return;
    };
    let study = format!("cli-art-{}", std::process::id());
    let lab = Lab::new();
    let script = lab.script(
        "train.sh",
        r#"echo done > "$1/model.txt"; echo "loss=$HYPERSPACE_PARAM_X""#,
    );
    let run = |extra: &[&str]| {
        let mut cmd = lab.bare(&["--storage", &url]);
        cmd.args(extra).args([
            "run",
            "--study",
            &study,
            "--space",
            "x=float(0,1)",
            "-n",
            "1",
            "--",
            &script,
            "{trial_dir}",
        ]);
        cmd
    };
    let out = run(&[]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("{trial_dir}") && err.contains("--artifacts"),
        "{err}"
    );
    let store = lab.path().join("shared");
    run(&["--artifacts", store.to_str().unwrap()])
        .assert()
        .success();
    assert!(store.join(&study).join("0/model.txt").is_file());
    lab.bare(&["--storage", &url, "--artifacts", store.to_str().unwrap()])
        .args(["study", "delete", &study, "--yes"])
        .assert()
        .success();
    assert!(!store.join(&study).exists());
}
