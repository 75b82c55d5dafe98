//! `hyperspace artifacts --trial ID`: the files a trial left in its
//! artifact directory, as recorded when it ended, and whether each is
//! still there.

use crate::cli::{ArtifactsArgs, TableFormat};
use crate::common::{self, show_path, Access};
use crate::table::{csv_line, write_aligned};
use anyhow::Result;
use hyperspace_engine::artifacts::{trial_artifact_dir, verify};
use hyperspace_engine::TrialId;
use std::io::Write;

/// Lists a trial's artifacts.
pub fn artifacts(storage_url: Option<&str>, args: ArtifactsArgs) -> Result<()> {
    let storage = common::open(storage_url, Access::Existing)?;
    let study = common::study_of_trial(storage.clone(), args.trial, None)?;
    let trial = storage.trial(TrialId(args.trial))?;
    let root = common::artifact_root(storage_url)?;
    let dir = trial_artifact_dir(&root, study.name(), trial.number);
    let missing = verify(&dir, &trial);
    let mut out = crate::stdio::stdout();
    match args.format {
        TableFormat::Json => {
            let files: Vec<serde_json::Value> = trial
                .meta
                .artifacts
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "path": a.path,
                        "size": a.size,
                        "sha256": a.sha256,
                        "present": !missing.contains(&a.path),
                    })
                })
                .collect();
            let json = serde_json::json!({
                "trial": trial.id.0,
                "number": trial.number,
                "study": study.name(),
                "dir": dir.display().to_string(),
                "artifacts": files,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        format => {
            let header: Vec<String> = ["path", "size", "sha256", "present"]
                .map(String::from)
                .to_vec();
            let rows: Vec<Vec<String>> = trial
                .meta
                .artifacts
                .iter()
                .map(|a| {
                    let present = if missing.contains(&a.path) {
                        "no"
                    } else {
                        "yes"
                    };
                    vec![
                        a.path.clone(),
                        a.size.to_string(),
                        a.sha256.clone(),
                        present.to_string(),
                    ]
                })
                .collect();
            if format == TableFormat::Csv {
                writeln!(out, "{}", csv_line(&header))?;
                for row in &rows {
                    writeln!(out, "{}", csv_line(row))?;
                }
            } else {
                write_aligned(&mut out, &header, &rows, &[false, true, false, false])?;
                errln!(
                    "{} artifact(s) of trial {} (number {}) in {}{}",
                    rows.len(),
                    trial.id,
                    trial.number,
                    show_path(&dir),
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!("; {} missing", missing.len())
                    }
                );
            }
        }
    }
    Ok(())
}
