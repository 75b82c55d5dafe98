//! What is needed to reproduce a run: the code's git state, read once per
//! invocation, recorded on every trial.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The git state of the directory a command runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitState {
    /// The commit checked out.
    pub commit: String,
    /// Whether tracked files differ from it (untracked files, such as
    /// results and logs, do not count).
    pub dirty: bool,
    /// The git object id of `git diff HEAD` (tracked changes), when dirty.
    pub diff_hash: Option<String>,
}

impl GitState {
    /// The git state of `dir`, or `None` outside a repository (or without git).
    pub fn read(dir: &Path) -> Option<GitState> {
        let commit = git(dir, &["rev-parse", "HEAD"])?;
        let status = git(dir, &["status", "--porcelain", "--untracked-files=no"])?;
        let dirty = !status.trim().is_empty();
        let diff_hash = if dirty { diff_hash(dir) } else { None };
        Some(GitState {
            commit: commit.trim().to_string(),
            dirty,
            diff_hash,
        })
    }

    /// The code version: the commit, with `-dirty` when the tree differs.
    pub fn version(&self) -> String {
        if self.dirty {
            format!("{}-dirty", self.commit)
        } else {
            self.commit.clone()
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn diff_hash(dir: &Path) -> Option<String> {
    let diff = Command::new("git")
        .args(["diff", "HEAD", "--binary"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !diff.status.success() {
        return None;
    }
    let mut hasher = Command::new("git")
        .args(["hash-object", "--stdin"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    hasher.stdin.take()?.write_all(&diff.stdout).ok()?;
    let out = hasher.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
