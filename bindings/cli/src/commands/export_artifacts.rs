//! `hyperspace export --with-artifacts -o DIR`: each trial's recorded
//! files copied beside the exported trials, as `DIR/artifacts/<number>/`,
//! so a study moves to another machine with its checkpoints. The copying
//! and hash checks are the engine's (`artifacts::copy_recorded`).

use crate::common;
use anyhow::Result;
use hyperspace_engine::artifacts::{copy_recorded, trial_artifact_dir};
use hyperspace_engine::Trial;
use std::path::Path;

/// Copies the artifacts of `trials` (of study `study`) into `dir/artifacts`;
/// warns naming each missing file and each copy that no longer matches the
/// hash recorded with its trial (changed after the trial ended).
pub fn export(storage_url: Option<&str>, study: &str, trials: &[Trial], dir: &Path) -> Result<()> {
    if trials.iter().all(|t| t.meta.artifacts.is_empty()) {
        errln!("no trial of study '{study}' recorded artifacts; nothing to copy");
        return Ok(());
    }
    let root = common::artifact_root(storage_url)?;
    let (mut files, mut missing, mut changed) = (0, Vec::new(), Vec::new());
    for t in trials.iter().filter(|t| !t.meta.artifacts.is_empty()) {
        let from = trial_artifact_dir(&root, study, t.number);
        let to = dir.join("artifacts").join(t.number.to_string());
        let report = copy_recorded(&from, &to, t)?;
        files += report.copied.len();
        let name = |p: &String| format!("trial {} (number {}): {p}", t.id, t.number);
        missing.extend(report.missing.iter().map(name));
        changed.extend(report.changed.iter().map(name));
    }
    errln!(
        "copied {files} artifact file(s) to {}",
        dir.join("artifacts").display()
    );
    for m in &missing {
        errln!("warning: missing, not exported: {m}");
    }
    for c in &changed {
        errln!("warning: exported, but no longer the recorded content (its SHA-256 differs): {c}");
    }
    Ok(())
}
