//! Quick mode end to end, through the binary.

use std::process::Command;

fn bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hyperspace-bench"))
}

#[test]
fn quick_mode_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quick.json");
    let plots = dir.path().join("plots");
    // Debug builds are slow on the model problems; CI runs the full quick
    // mode in release (see benches/README.md).
    let problems = if cfg!(debug_assertions) {
        "continuous,mixed,conditional,noisy"
    } else {
        "quick"
    };
    let run = bench()
        .args(["run", "--quick", "--quiet", "--problems", problems])
        .arg("--out")
        .arg(&out)
        .arg("--plots")
        .arg(&plots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("| branin | random |"), "{stdout}");
    assert!(stdout.contains("3 seeds × 30 trials"), "{stdout}");
    assert!(plots.join("branin.svg").exists());
    let compare = bench().arg("compare").arg(&out).arg(&out).output().unwrap();
    let table = String::from_utf8_lossy(&compare.stdout);
    assert!(
        compare.status.success(),
        "{}",
        String::from_utf8_lossy(&compare.stderr)
    );
    // A file against itself: every seed ties.
    assert!(
        table.contains("| branin | random |") && table.contains("0/3/0"),
        "{table}"
    );
}

#[test]
fn bad_flags_get_a_clear_error() {
    let run = bench()
        .args(["run", "--searchers", "nope", "--problems", "branin"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("unknown searcher 'nope'") && stderr.contains("random"),
        "{stderr}"
    );
    let list = bench().arg("list").output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("tree-winequality"));
}

#[test]
fn eval_answers_one_line_per_configuration() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = bench()
        .args(["eval", "model-selection"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        r#"{"family":"svm","svm_c":100.0,"svm_gamma":0.001}"#,
        "\n",
        r#"{"family":"mlp","mlp_lr":0.001,"mlp_width":128}"#,
        "\n",
        r#"{"family":"svm","svm_c":1e9,"svm_gamma":0.001}"#,
        "\n",
        "not json\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!((lines[0].as_f64().unwrap() - 0.10).abs() < 1e-12);
    assert!((lines[1].as_f64().unwrap() - 0.12).abs() < 1e-12);
    // Out of its range, and not a configuration: errors that say so.
    assert!(lines[2]["error"].as_str().unwrap().contains("svm_c"));
    assert!(lines[3]["error"].as_str().unwrap().contains("JSON"));
    let unknown = bench().args(["eval", "nope"]).output().unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("model-selection"));
}
