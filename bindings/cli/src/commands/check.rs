//! `hyperspace check`: the damaged records of a storage, one per line.
//!
//! Reading quarantines a trial whose row cannot be read (or holds a value
//! its study's space does not admit) so the rest of the study keeps
//! working; this command is where a person finds which ones, to repair or
//! delete them. Exit status 1 when anything is damaged, so scripts and
//! monitoring can act on it.

use crate::cli::CheckArgs;
use crate::common::{self, Access};
use anyhow::Result;
use hyperspace_engine::check_storage;

/// Runs `hyperspace check`.
pub fn check(storage: Option<&str>, args: CheckArgs) -> Result<u8> {
    let storage = common::open(storage, Access::Existing)?;
    let damaged = check_storage(storage.as_ref(), args.study.as_deref())?;
    let place = match &args.study {
        Some(name) => format!("study '{name}' in {}", storage.describe()),
        None => storage.describe(),
    };
    if damaged.is_empty() {
        outln!("no damaged records in {place}")?;
        return Ok(0);
    }
    for d in &damaged {
        outln!("damaged: {d}")?;
    }
    errln!(
        "{} damaged record(s) in {place}; they are skipped when studies are read (a damaged trial reads as failed); `hyperspace study delete NAME` removes a damaged study",
        damaged.len()
    );
    Ok(1)
}
