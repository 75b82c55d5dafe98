//! The small setup helper: a temporary folder with a SQLite file, commands
//! pointed at it, scripts written into it, and trials read back.

use assert_cmd::Command;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// A temporary folder holding `runs.db` and any scripts a test writes.
pub struct Lab {
    pub dir: tempfile::TempDir,
    /// The storage commands use, if not the lab's `runs.db`.
    storage: Option<String>,
}

impl Lab {
    pub fn new() -> Lab {
        Lab {
            dir: tempfile::tempdir().expect("temp dir"),
            storage: None,
        }
    }

    /// A lab whose commands use the storage `url` (a PostgreSQL server)
    /// instead of its `runs.db`.
    pub fn on(url: &str) -> Lab {
        Lab {
            storage: Some(url.to_string()),
            ..Lab::new()
        }
    }

    /// What `--storage` names: the lab's storage URL, or its `runs.db`.
    fn storage(&self) -> std::ffi::OsString {
        match &self.storage {
            Some(url) => url.into(),
            None => self.db().into(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("runs.db")
    }

    /// `hyperspace --storage <lab>/runs.db ARGS` (or the lab's storage
    /// URL), run in the lab folder, with no HYPERSPACE_* variables from the
    /// outside.
    pub fn hs(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare(&[]);
        cmd.arg("--storage").arg(self.storage()).args(args);
        cmd
    }

    /// `hyperspace ARGS` in the lab folder, without --storage.
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hyperspace"));
        cmd.current_dir(self.path()).args(args);
        for var in [
            "HYPERSPACE_STORAGE",
            "HYPERSPACE_STUDY",
            "HYPERSPACE_TRIAL_ID",
            "HYPERSPACE_ARTIFACTS",
        ] {
            cmd.env_remove(var);
        }
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// A `std::process::Command` for runs a test must signal or run in parallel.
    pub fn process(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hyperspace"));
        cmd.current_dir(self.path())
            .arg("--storage")
            .arg(self.storage())
            .args(args)
            .env_remove("HYPERSPACE_STORAGE")
            .env_remove("HYPERSPACE_STUDY")
            .env_remove("HYPERSPACE_ARTIFACTS");
        cmd
    }

    /// Writes an executable shell script into the lab; returns its path.
    pub fn script(&self, name: &str, body: &str) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        path.display().to_string()
    }

    /// Creates a study with `space` (minimize, random, seed 7).
    pub fn study(&self, name: &str, space: &str) {
        self.hs(&["study", "create", name, "--space", space, "--seed", "7"])
            .assert()
            .success();
    }

    /// Runs `n` trials of study `hb` (`x=float(0,1)`) with the `hyperband`
    /// searcher (max budget 9, one bracket), each running `command`.
    pub fn run_hyperband(&self, n: usize, command: &[&str]) {
        let n = n.to_string();
        let mut args = vec![
            "run",
            "-s",
            "hb",
            "--space",
            "x=float(0,1)",
            "--searcher",
            "hyperband",
            "--settings",
            r#"{"max_budget": 9, "brackets": 1}"#,
            "-n",
            &n,
            "--",
        ];
        args.extend_from_slice(command);
        self.hs(&args).assert().success();
    }

    /// Every trial of a study, as exported JSON lines.
    pub fn trials(&self, study: &str) -> Vec<Json> {
        let out = self
            .hs(&["export", "--study", study, "--format", "jsonl"])
            .output()
            .expect("export");
        assert!(
            out.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

/// Stdout of a successful command.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stdout and stderr of a successful command (for one that also warns).
pub fn outputs_of(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "command failed: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Asserts the command fails with exactly one line on stderr, starting with
/// `error:` and containing `needle`; returns the line.
pub fn one_line_error(cmd: &mut Command, needle: &str) -> String {
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected failure, got success; stderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "expected '{needle}' in: {stderr}"
    );
    lines[0].to_string()
}

/// The trials in `state`.
pub fn in_state<'a>(trials: &'a [Json], state: &str) -> Vec<&'a Json> {
    trials.iter().filter(|t| t["state"] == state).collect()
}
