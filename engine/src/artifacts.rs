//! Trial artifacts: the files a trial leaves behind (checkpoints,
//! predictions, plots), kept in a folder of their own next to its record.
//!
//! An artifact store belongs to a storage, so every client of a study finds
//! the same folders without being told:
//!
//! - given explicitly (`--artifacts DIR`, `Study.open(..., artifacts=DIR)`)
//!   or by [`ARTIFACTS_ENV`], that folder;
//! - a SQLite file `runs.db`: `runs.db.artifacts/` beside it;
//! - `:memory:`: a folder in the system's temporary directory, one per
//!   process (the study itself lives no longer);
//! - PostgreSQL: none of its own, since only the user knows a folder that
//!   every machine reaches; using one without saying fails with
//!   [`ArtifactError::NoStore`].
//!
//! In the store, trial `n` of study `s` owns `<root>/<s>/<n>/` (the study
//! name made a safe folder name as for logs, see
//! [`crate::execute::folder_name`]). [`trial_artifact_dir`] is the one place
//! that mapping is written, so a later command (an ensemble of the best
//! trials) finds each trial's files from the study alone.
//!
//! When a trial ends, its directory is scanned ([`scan`]) and the list —
//! relative path, size, SHA-256 — goes into its reproducibility metadata
//! ([`crate::Metadata::artifacts`]); [`verify`] later tells whether those
//! files are still there before a re-run resumes from them.

use crate::error::ArtifactError;
use crate::storage::{IntoStorageUrl, StorageUrl};
use crate::{Result, Trial};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The environment variable naming the artifact store, when no folder is
/// given explicitly.
pub const ARTIFACTS_ENV: &str = "HYPERSPACE_ARTIFACTS";

/// One file a trial left in its artifact directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Its path relative to the trial's directory, `/`-separated.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content, lowercase hex.
    pub sha256: String,
}

/// The root of the artifact store of the storage `storage_url` names (see
/// the module doc for the rules). `explicit` wins, then [`ARTIFACTS_ENV`].
pub fn artifact_root(explicit: Option<&Path>, storage_url: &str) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(ARTIFACTS_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    match storage_url.into_storage_url()? {
        StorageUrl::Sqlite(sqlite) => Ok(sqlite_store(sqlite.path())),
        StorageUrl::Memory => Ok(memory_store()),
        StorageUrl::Postgres(postgres) => Err(ArtifactError::NoStore {
            storage: postgres.to_string(),
        }
        .into()),
    }
}

/// The store of a SQLite file `runs.db`: `runs.db.artifacts/` beside it.
pub fn sqlite_store(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".artifacts");
    PathBuf::from(name)
}

/// The store of an in-memory storage: a folder in the system's temporary
/// directory, one per process.
pub fn memory_store() -> PathBuf {
    std::env::temp_dir().join(format!(
        "hyperspace-memory-artifacts-{}",
        std::process::id()
    ))
}

/// The folder of every trial of `study` under the store `root`.
pub fn study_artifact_dir(root: &Path, study: &str) -> PathBuf {
    root.join(crate::execute::folder_name(study))
}

/// The artifact directory of trial `number` of `study` under the store
/// `root`: the one mapping from a trial to its files.
pub fn trial_artifact_dir(root: &Path, study: &str, number: u64) -> PathBuf {
    study_artifact_dir(root, study).join(number.to_string())
}

/// Creates `dir` (and its parents) if it does not exist yet.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e).into())
}

/// Every regular file under `dir`, by path, with its size and hash; empty
/// when `dir` does not exist. Symbolic links are not followed (a link to a
/// dataset is not the trial's own output, and a link loop must not hang).
pub fn scan(dir: &Path) -> Result<Vec<Artifact>> {
    let mut found = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut found)?;
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<Artifact>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io_error(&path, &e))?;
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_file() {
            let (size, sha256) = hash_file(&path)?;
            found.push(Artifact {
                path: relative(root, &path),
                size,
                sha256,
            });
        }
    }
    Ok(())
}

/// `path` below `root`, `/`-separated whatever the platform.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The size and SHA-256 (lowercase hex) of a file, read in blocks.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| io_error(path, &e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, hex))
}

/// Copies the file `source` into `dir` under its own file name, creating
/// `dir` if needed; the artifact it became. Refuses anything but a regular
/// file.
pub fn copy_in(dir: &Path, source: &Path) -> Result<Artifact> {
    let name = match source.file_name() {
        Some(name) if source.is_file() => name.to_owned(),
        _ => {
            return Err(ArtifactError::NotAFile {
                path: source.display().to_string(),
            }
            .into())
        }
    };
    ensure_dir(dir)?;
    let target = dir.join(&name);
    // Logging a file that is already in the directory keeps it as it is.
    let same = match (source.canonicalize(), target.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        std::fs::copy(source, &target).map_err(|e| io_error(&target, &e))?;
    }
    let (size, sha256) = hash_file(&target)?;
    Ok(Artifact {
        path: name.to_string_lossy().into_owned(),
        size,
        sha256,
    })
}

/// The recorded artifacts of `trial` that are not in `dir` any more, or
/// whose size changed (hashes are not recomputed: checkpoints are large,
/// and a size check catches deletion and truncation).
pub fn verify(dir: &Path, trial: &Trial) -> Vec<String> {
    trial
        .meta
        .artifacts
        .iter()
        .filter(|a| match std::fs::metadata(dir.join(&a.path)) {
            Ok(m) => !m.is_file() || m.len() != a.size,
            Err(_) => true,
        })
        .map(|a| a.path.clone())
        .collect()
}

/// [`verify`] as an error naming the trial: `Ok` when nothing is missing.
pub fn require_present(dir: &Path, trial: &Trial) -> Result<()> {
    let missing = verify(dir, trial);
    if missing.is_empty() {
        return Ok(());
    }
    Err(ArtifactError::Missing {
        trial: trial.id.0,
        dir: dir.display().to_string(),
        missing: missing.join(", "),
    }
    .into())
}

/// What copying a trial's recorded artifacts found ([`copy_recorded`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// The files copied (as recorded).
    pub copied: Vec<String>,
    /// The recorded files not found in the source folder (not copied).
    pub missing: Vec<String>,
    /// The files copied whose content no longer has the recorded hash.
    pub changed: Vec<String>,
}

/// Copies the artifacts recorded with `trial` from the folder `from` to
/// the folder `to` (an export, or restoring one), checking each copy's
/// SHA-256 against the record. A missing file is reported, not an error:
/// an export still carries the rest. A recorded path that would leave the
/// folder (`..`, absolute; only a damaged record holds one) counts as
/// missing.
pub fn copy_recorded(from: &Path, to: &Path, trial: &Trial) -> Result<Copied> {
    let mut report = Copied::default();
    for artifact in &trial.meta.artifacts {
        let rel = Path::new(&artifact.path);
        let inside = rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let source = from.join(rel);
        if !inside || !source.is_file() {
            report.missing.push(artifact.path.clone());
            continue;
        }
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            ensure_dir(parent)?;
        }
        std::fs::copy(&source, &target).map_err(|e| io_error(&target, &e))?;
        let (size, sha256) = hash_file(&target)?;
        if size != artifact.size || sha256 != artifact.sha256 {
            report.changed.push(artifact.path.clone());
        }
        report.copied.push(artifact.path.clone());
    }
    Ok(report)
}

/// Deletes a study's artifact folder, if it has one; whether it existed.
pub fn delete_study_artifacts(root: &Path, study: &str) -> Result<bool> {
    let dir = study_artifact_dir(root, study);
    if !dir.exists() {
        return Ok(false);
    }
    std::fs::remove_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
    Ok(true)
}

fn io_error(path: &Path, e: &std::io::Error) -> ArtifactError {
    ArtifactError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn a_sqlite_store_sits_beside_the_file_and_postgres_needs_one() {
        let root = artifact_root(None, "/data/runs.db");
        // The environment of the test run may name a store; only check the
        // default when it does not.
        if std::env::var_os(ARTIFACTS_ENV).is_none() {
            assert_eq!(root.unwrap(), PathBuf::from("/data/runs.db.artifacts"));
            let err = artifact_root(None, "postgres://ann:s3cret@db/runs").unwrap_err();
            assert!(matches!(
                err,
                Error::Artifact(ArtifactError::NoStore { .. })
            ));
            let text = err.to_string();
            assert!(text.contains("--artifacts"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        let given = artifact_root(Some(Path::new("/shared/a")), "postgres://db/runs").unwrap();
        assert_eq!(given, PathBuf::from("/shared/a"));
    }

    #[test]
    fn a_trial_dir_stays_inside_the_store_whatever_the_study_name() {
        let root = Path::new("/store");
        assert_eq!(
            trial_artifact_dir(root, "mnist", 7),
            PathBuf::from("/store/mnist/7")
        );
        let odd = trial_artifact_dir(root, "../../etc", 0);
        assert!(odd.starts_with("/store"));
        assert_eq!(odd.components().count(), 4, "{}", odd.display());
    }

    #[test]
    fn scan_lists_nested_files_with_sizes_and_hashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ckpt")).unwrap();
        std::fs::write(dir.path().join("ckpt/epoch-3.bin"), b"abc").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"").unwrap();
        let found = scan(dir.path()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path, "a.txt");
        // Reference: `printf '' | sha256sum`, `printf abc | sha256sum`.
        assert_eq!(
            found[0].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(found[1].path, "ckpt/epoch-3.bin");
        assert_eq!(found[1].size, 3);
        assert_eq!(
            found[1].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(scan(&dir.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn copy_recorded_checks_hashes_and_names_what_is_missing_or_changed() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(from.path().join("ckpt")).unwrap();
        std::fs::write(from.path().join("ckpt/a.bin"), b"abc").unwrap();
        std::fs::write(from.path().join("b.txt"), b"b").unwrap();
        std::fs::write(from.path().join("unrecorded.txt"), b"x").unwrap();
        let mut trial: Trial = serde_json::from_value(serde_json::json!({
            "id": 1, "study": 1, "number": 0, "state": "complete", "params": {},
            "value": 1.0, "metrics": {}, "intermediate": {}, "budget": null, "parent": null,
            "user_attrs": {}, "meta": {}, "message": null, "change": 1
        }))
        .unwrap();
        trial.meta.artifacts = scan(from.path()).unwrap();
        trial.meta.artifacts.retain(|a| a.path != "unrecorded.txt");
        trial.meta.artifacts.push(Artifact {
            path: "gone.bin".into(),
            size: 1,
            sha256: "00".into(),
        });
        trial.meta.artifacts.push(Artifact {
            path: "../escape".into(),
            size: 1,
            sha256: "00".into(),
        });
        std::fs::write(from.path().join("b.txt"), b"B").unwrap();
        let report = copy_recorded(from.path(), to.path(), &trial).unwrap();
        assert_eq!(report.copied, vec!["b.txt", "ckpt/a.bin"]);
        assert_eq!(report.missing, vec!["gone.bin", "../escape"]);
        assert_eq!(report.changed, vec!["b.txt"]);
        assert_eq!(std::fs::read(to.path().join("ckpt/a.bin")).unwrap(), b"abc");
        assert!(!to.path().join("unrecorded.txt").exists());
    }

    #[test]
    fn copy_in_refuses_a_folder_and_keeps_a_file_already_there() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("model.json");
        std::fs::write(&source, b"{}").unwrap();
        let target = dir.path().join("trial");
        let art = copy_in(&target, &source).unwrap();
        assert_eq!((art.path.as_str(), art.size), ("model.json", 2));
        assert_eq!(std::fs::read(target.join("model.json")).unwrap(), b"{}");
        let again = copy_in(&target, &target.join("model.json")).unwrap();
        assert_eq!(again, art);
        let err = copy_in(&target, dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a file"), "{err}");
    }
}
