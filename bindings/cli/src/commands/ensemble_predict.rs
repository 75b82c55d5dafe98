//! `hyperspace ensemble predict`: apply a stored ensemble without changing
//! the user's code. The command runs once per member with `{trial_dir}`
//! (the member's artifact directory, also `HYPERSPACE_TRIAL_DIR`) and
//! `{out}` (a fresh file it writes its predictions to, CSV or .npy); the
//! outputs are combined with the stored weights the way the ensemble was
//! scored (`hyperspace_engine::ensemble::combine`), and written as CSV.

use super::ensemble::PredictArgs;
use crate::common::{self, need_study, shell_quote, Access};
use anyhow::{anyhow, bail, Context, Result};
use hyperspace_engine::artifacts::trial_artifact_dir;
use hyperspace_engine::ensemble::{combine, read_matrix, write_csv};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variable holding a member's artifact directory, as for
/// trials run by `hyperspace run`.
const TRIAL_DIR_ENV: &str = "HYPERSPACE_TRIAL_DIR";

/// A scratch folder for members' outputs, removed when dropped.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "hyperspace-ensemble-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create scratch folder {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the command per member, combines, writes.
pub fn predict(storage_url: Option<&str>, args: PredictArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    if args.command.is_empty() {
        bail!("missing command: give it after --, e.g. -- python predict.py --checkpoint {{trial_dir}} --out {{out}}");
    }
    if !args.command.iter().any(|w| w.contains("{out}")) {
        bail!("the command never mentions {{out}}: it must write each member's predictions to the file {{out}} names");
    }
    let storage = common::open(storage_url, Access::Existing)?;
    let study = common::load_study(storage, name)?;
    let ensemble = study.ensemble(&args.ensemble)?;
    let root = common::artifact_root(storage_url)?;
    let scratch = Scratch::new()?;
    let mut outputs = Vec::with_capacity(ensemble.members.len());
    for &member in &ensemble.members {
        let dir = trial_artifact_dir(&root, name, member);
        let out = scratch.0.join(format!("member-{member}.csv"));
        run_member(&args.command, member, &dir, &out)?;
        let matrix = read_matrix(&out).with_context(|| {
            format!("member trial {member}: its output {{out}} could not be read")
        })?;
        outputs.push(matrix);
    }
    let combined = combine(&outputs, &ensemble.weights, ensemble.combine)?;
    match &args.out {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            write_csv(&combined, &mut file)?;
            errln!(
                "wrote {} row(s) combined from {} member(s) of ensemble '{}' to {}",
                combined.nrows(),
                ensemble.members.len(),
                ensemble.name,
                common::show_path(path)
            );
        }
        None => write_csv(&combined, &mut crate::stdio::stdout())?,
    }
    Ok(())
}

/// Runs the command for one member; its stdout goes to our stderr, so that
/// our stdout holds only the combined predictions.
fn run_member(command: &[String], member: u64, dir: &Path, out: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!(
            "member trial {member} has no artifact directory {}; its model is gone",
            dir.display()
        );
    }
    let words: Vec<String> = command
        .iter()
        .map(|w| {
            w.replace("{trial_dir}", &dir.display().to_string())
                .replace("{out}", &out.display().to_string())
        })
        .collect();
    let (program, rest) = words
        .split_first()
        .ok_or_else(|| anyhow!("missing command"))?;
    let shown = words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    let status = Command::new(program)
        .args(rest)
        .env(TRIAL_DIR_ENV, dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .with_context(|| format!("member trial {member}: cannot start `{shown}`"))?;
    if !status.success() {
        bail!("member trial {member}: `{shown}` failed ({status})");
    }
    if !out.is_file() {
        bail!(
            "member trial {member}: `{shown}` wrote nothing to {}",
            out.display()
        );
    }
    Ok(())
}
