//! `hyperspace run`: black-box commands, every way of printing a result,
//! failures, time limits, logs, metadata, experiment files.

use crate::setup::{in_state, stdout_of, Lab};
use serde_json::Value as Json;
use std::time::{Duration, Instant};

/// Whether a process is gone (or a zombie no one has reaped yet).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn json_line_result_with_env_trial_file_and_intermediate_values() {
    let lab = Lab::new();
    let script = lab.script(
        "train.sh",
        r#"test -f "$HYPERSPACE_TRIAL_FILE" || { echo "no trial file" >&2; exit 9; }
grep -q '"params"' "$HYPERSPACE_TRIAL_FILE" || exit 8
echo "epoch 0 x val_loss=0.9"
echo "epoch 1 x val_loss=0.5"
awk -v x="$1" -v e="$HYPERSPACE_PARAM_X" 'BEGIN { printf "{\"loss\": %.15g, \"env_x\": %.15g, \"note\": \"ok\"}\n", x*x, e }'"#,
    );
    let out = stdout_of(&mut lab.hs(&[
        "run",
        "--study",
        "j",
        "--space",
        "x=float(-2,2) opt=choice(a,b)",
        "-n",
        "3",
        "--data-version",
        "v1",
        "--intermediate",
        r"epoch (\d+) .* val_loss=([0-9.]+)",
        "--objective",
        "loss",
        "--",
        &script,
        "{x}",
        "--opt={opt}",
    ]));
    assert!(out.contains("results: "), "{out}");
    assert!(out.contains("trials --storage"), "{out}");
    let trials = lab.trials("j");
    assert_eq!(in_state(&trials, "complete").len(), 3, "{trials:?}");
    for t in &trials {
        let x = t["params"]["x"].as_f64().unwrap();
        assert!((t["value"].as_f64().unwrap() - x * x).abs() < 1e-9);
        assert!((t["metrics"]["env_x"].as_f64().unwrap() - x).abs() < 1e-9);
        assert_eq!(t["user_attrs"]["note"], "ok");
        assert_eq!(t["intermediate"]["0"], 0.9);
        assert_eq!(t["intermediate"]["1"], 0.5);
        let meta = &t["meta"];
        assert_eq!(meta["data_version"], "v1");
        assert_eq!(meta["extra"]["exit_code"], 0);
        let command: Vec<&str> = meta["extra"]["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        assert_eq!(command[0], script);
        assert_eq!(command[1].parse::<f64>().unwrap(), x);
        assert!(command[2].starts_with("--opt="));
        assert!(meta["extra"]["cwd"].is_string());
        assert!(meta["started"].is_string() && meta["finished"].is_string());
        assert!(meta["host"].is_string() && meta["seed"].is_u64());
        let log = lab
            .path()
            .join("hyperspace-logs/j")
            .join(format!("trial-{}.out", t["number"]));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("epoch 1"), "{text}");
    }
}

#[test]
fn name_value_lines_and_regex_results() {
    let lab = Lab::new();
    let kv = lab.script(
        "kv.sh",
        r#"echo "starting"
awk -v x="$HYPERSPACE_PARAM_X" 'BEGIN { printf "score=%.15g\n", x + 1 }'
echo "f1=0.25 acc=0.75""#,
    );
    lab.hs(&[
        "run",
        "-s",
        "kv",
        "--space",
        "x=float(0,1)",
        "-n",
        "2",
        "--direction",
        "maximize",
        "--objective",
        "score",
        "--",
        &kv,
    ])
    .assert()
    .success();
    for t in lab.trials("kv") {
        assert_eq!(t["state"], "complete");
        let x = t["params"]["x"].as_f64().unwrap();
        assert!((t["value"].as_f64().unwrap() - (x + 1.0)).abs() < 1e-9);
        assert_eq!(t["metrics"]["acc"], 0.75);
    }
    let re = lab.script(
        "re.sh",
        "echo 'noise 1.5'\necho \"final accuracy: 0.875 (best)\"",
    );
    lab.hs(&[
        "run",
        "-s",
        "re",
        "--space",
        "x=float(0,1)",
        "-n",
        "1",
        "--result-regex",
        r"final accuracy: ([0-9.]+)",
        "--",
        &re,
    ])
    .assert()
    .success();
    assert_eq!(lab.trials("re")[0]["value"], 0.875);
    let named = lab.script("named.sh", "echo 'acc=0.5 f1=0.25 loss 3'");
    lab.hs(&[
        "run",
        "-s",
        "named",
        "--space",
        "x=float(0,1)",
        "-n",
        "1",
        "--objective",
        "f1",
        "--result-regex",
        r"acc=(?P<acc>[0-9.]+) f1=(?P<f1>[0-9.]+)",
        "--",
        &named,
    ])
    .assert()
    .success();
    let t = &lab.trials("named")[0];
    assert_eq!(t["value"], 0.25);
    assert_eq!(t["metrics"]["acc"], 0.5);
}

#[test]
fn failing_silent_and_hanging_commands_fail_their_trials() {
    let lab = Lab::new();
    lab.study("f", "x=float(0,1)");
    let boom = lab.script(
        "boom.sh",
        "echo 'loading data' >&2\necho 'CUDA out of memory' >&2\nexit 3",
    );
    lab.hs(&["run", "-s", "f", "-n", "2", "--", &boom])
        .assert()
        .success();
    let silent = lab.script("silent.sh", "echo hello\necho world");
    lab.hs(&["run", "-s", "f", "-n", "1", "--", &silent])
        .assert()
        .success();
    let hang = lab.script(
        "hang.sh",
        "sleep 30 &\necho $! > \"grandchild-$HYPERSPACE_TRIAL_NUMBER.pid\"\necho '{\"loss\": 1}'\nwait",
    );
    let start = Instant::now();
    lab.hs(&[
        "run",
        "-s",
        "f",
        "-n",
        "2",
        "-j",
        "2",
        "--timeout",
        "1",
        "--",
        &hang,
    ])
    .assert()
    .success();
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );

    let trials = lab.trials("f");
    assert_eq!(trials.len(), 5);
    assert_eq!(in_state(&trials, "failed").len(), 5, "{trials:?}");
    let message = |i: usize| trials[i]["message"].as_str().unwrap().to_string();
    assert!(message(0).contains("exited with code 3") && message(0).contains("CUDA out of memory"));
    assert_eq!(trials[0]["meta"]["extra"]["exit_code"], 3);
    assert!(trials[0]["meta"]["extra"]["stderr_tail"]
        .as_str()
        .unwrap()
        .contains("loading data"));
    assert!(
        message(2).contains("printed no result") && message(2).contains("world"),
        "{}",
        message(2)
    );
    for i in [3, 4] {
        assert!(message(i).contains("timed out after 1s"), "{}", message(i));
        assert_eq!(trials[i]["meta"]["extra"]["timed_out"], true);
        let number = trials[i]["number"].as_u64().unwrap();
        let pid =
            std::fs::read_to_string(lab.path().join(format!("grandchild-{number}.pid"))).unwrap();
        assert!(
            gone(&pid),
            "the process group of trial {number} was not killed"
        );
    }
}

#[test]
fn a_missing_program_stops_the_run_with_one_error() {
    let lab = Lab::new();
    lab.study("m", "x=float(0,1)");
    let out = lab
        .hs(&[
            "run",
            "-s",
            "m",
            "-n",
            "3",
            "--",
            "./no-such-program",
            "{x}",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: cannot start `./no-such-program`"),
        "{stderr}"
    );
    let trials = lab.trials("m");
    assert_eq!(trials.len(), 1);
    assert_eq!(trials[0]["state"], "failed");
}

#[test]
fn experiment_file_runs_everything_from_one_place() {
    let lab = Lab::new();
    let exp = lab.path().join("exp");
    std::fs::create_dir(&exp).unwrap();
    std::fs::write(
        exp.join("train.sh"),
        "#!/bin/sh\nfor e in 0 1 2; do echo \"epoch $e loss=0.$e\"; done\nawk -v lr=\"$2\" -v d=\"$4\" 'BEGIN { printf \"{\\\"val_loss\\\": %.15g, \\\"other\\\": 1}\\n\", lr * d }'\n",
    )
    .unwrap();
    std::fs::write(
        exp.join("experiment.toml"),
        r#"
storage = "results.db"
study = "exp"
direction = "minimize"
seed = 3
data_version = "d1"
command = "sh train.sh --lr {lr} --depth {depth}"
trials = 4
jobs = 2
timeout = 20
logs = "logs"

[searcher]
name = "random"
settings = { sampler = "sobol" }

[space]
lr = "log(1e-3, 1)"
depth = { type = "int", low = 1, high = 4 }

[output]
objective = "val_loss"
intermediate = 'epoch (\d+) loss=([0-9.]+)'
"#,
    )
    .unwrap();
    let out = stdout_of(&mut lab.bare(&["run", "exp/experiment.toml"]));
    assert!(out.contains("results: exp/results.db"), "{out}");
    assert!(
        out.contains("trials --storage exp/results.db --study exp"),
        "{out}"
    );
    assert!(lab.path().join("exp/results.db").exists());
    assert!(lab.path().join("exp/logs/exp/trial-0.out").exists());
    // Flags override the file: two more trials.
    lab.bare(&["run", "exp/experiment.toml", "-n", "2"])
        .assert()
        .success();
    let trials: Vec<Json> = {
        let out =
            stdout_of(&mut lab.bare(&["export", "--storage", "exp/results.db", "--study", "exp"]));
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(trials.len(), 6);
    for t in &trials {
        assert_eq!(t["state"], "complete", "{t}");
        let lr = t["params"]["lr"].as_f64().unwrap();
        let depth = t["params"]["depth"].as_f64().unwrap();
        assert!((t["value"].as_f64().unwrap() - lr * depth).abs() < 1e-9);
        assert_eq!(t["intermediate"]["2"], 0.2);
        assert_eq!(t["meta"]["data_version"], "d1");
        assert!(t["meta"]["extra"]["cwd"].as_str().unwrap().ends_with("exp"));
    }
}

#[test]
fn git_state_is_recorded() {
    let lab = Lab::new();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(lab.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        ok
    };
    if !git(&["init", "-q"]) {
        eprintln!("git is not available; skipping");
        return;
    }
    let script = lab.script("t.sh", "echo '{\"loss\": 1}'");
    assert!(git(&["add", "t.sh"]) && git(&["commit", "-qm", "init"]));
    lab.hs(&[
        "run",
        "-s",
        "g",
        "--space",
        "x=float(0,1)",
        "-n",
        "1",
        "--",
        &script,
    ])
    .assert()
    .success();
    std::fs::write(&script, "#!/bin/sh\necho '{\"loss\": 2}'\n").unwrap();
    lab.hs(&["run", "-s", "g", "-n", "1", "--", &script])
        .assert()
        .success();
    let trials = lab.trials("g");
    let extra = |i: usize| trials[i]["meta"]["extra"].clone();
    assert_eq!(extra(0)["git_commit"].as_str().unwrap().len(), 40);
    assert_eq!(extra(1)["git_commit"], extra(0)["git_commit"]);
    assert_eq!(extra(1)["git_dirty"], true);
    assert_eq!(extra(1)["git_diff_hash"].as_str().unwrap().len(), 40);
    assert!(trials[1]["meta"]["code_version"]
        .as_str()
        .unwrap()
        .ends_with("-dirty"));
}

#[test]
fn stderr_parsing_conditional_args_and_reports_from_inside_the_command() {
    let lab = Lab::new();
    let script = lab.script(
        "inside.sh",
        r#""$HS" report --step 7 --value 0.125 || exit 5
echo "args: $*" >&2
echo "loss=0.5" >&2"#,
    );
    lab.hs(&[
        "run",
        "-s",
        "in",
        "--space",
        "model=choice(svm{c=log(0.1,10)}, tree{depth=int(1,4)})",
        "-n",
        "4",
        "--parse",
        "stderr",
        "--",
        &script,
        "{args}",
    ])
    .env("HS", env!("CARGO_BIN_EXE_hyperspace"))
    .assert()
    .success();
    for t in lab.trials("in") {
        assert_eq!(t["state"], "complete", "{t}");
        assert_eq!(t["value"], 0.5);
        assert_eq!(t["intermediate"]["7"], 0.125);
        let command = t["meta"]["extra"]["command"].as_array().unwrap().len();
        // program, --model, its value, and the one parameter of its branch
        assert_eq!(command, 5, "{t}");
    }
}

#[test]
fn the_quickstart_experiment_runs() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 is not available; skipping");
        return;
    }
    let lab = Lab::new();
    let experiment = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/quickstart/experiment.toml"
    );
    let logs = lab.path().join("logs");
    let out = stdout_of(&mut lab.hs(&[
        "run",
        experiment,
        "-n",
        "2",
        "--log-dir",
        logs.to_str().unwrap(),
    ]));
    assert!(out.contains("look at them:"), "{out}");
    let trials = lab.trials("two-moons");
    assert_eq!(in_state(&trials, "complete").len(), 2, "{trials:?}");
    for t in &trials {
        assert_eq!(t["value"], t["metrics"]["val_loss"]);
        let epochs = t["params"]["epochs"].as_u64().unwrap() as usize;
        assert_eq!(t["intermediate"].as_object().unwrap().len(), epochs);
    }
}

/// Every file below `dir`, as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

/// Reliability issue, study names used as paths: `--study ../../x` wrote
/// logs two folders above the logs root, and `--study /abs` wrote to /abs.
#[test]
fn study_names_never_lead_logs_out_of_their_folder() {
    let lab = Lab::new();
    let deep = lab.path().join("deep/er");
    std::fs::create_dir_all(&deep).unwrap();
    let storage = deep.join("runs.db");
    let script = lab.script("obj.sh", "echo loss=1.5");
    let absolute = lab.path().join("absolute");
    let custom = lab.path().join("custom-logs");
    for (study, log_dir) in [
        ("../../escaped", None),
        (absolute.to_str().unwrap(), None),
        (absolute.to_str().unwrap(), Some(&custom)),
        ("../escaped", Some(&custom)),
    ] {
        let mut cmd = lab.bare(&["--storage", storage.to_str().unwrap(), "run"]);
        cmd.args(["--study", study, "--space", "x=float(0,1)", "-n", "1"]);
        if let Some(dir) = log_dir {
            cmd.arg("--log-dir").arg(dir);
        }
        let out = stdout_of(cmd.arg("--").arg(&script));
        assert!(out.contains("logs: "), "{out}");
    }
    assert!(!lab.path().join("deep/escaped").exists());
    assert!(!lab.path().join("escaped").exists());
    assert!(!absolute.exists());
    let default_logs = files_under(&deep.join("hyperspace-logs"));
    let custom_logs = files_under(&custom);
    // One folder per study, each directly under its root, holding its trial.
    for logs in [&default_logs, &custom_logs] {
        assert!(logs.iter().all(|f| f.split('/').count() == 2), "{logs:?}");
        assert!(logs.iter().any(|f| f.ends_with("trial-0.out")), "{logs:?}");
    }
    assert!(
        default_logs.iter().any(|f| f.starts_with("escaped+")),
        "{default_logs:?}"
    );
    let everything = files_under(lab.path());
    assert!(
        everything
            .iter()
            .all(|f| f.starts_with("deep/er/") || f.starts_with("custom-logs/") || f == "obj.sh"),
        "{everything:?}"
    );
}
