//! `hyperspace recover-results`: records the results that workers kept in
//! their journals because the storage was unavailable when they finished
//! (and that they could not record before they stopped or were killed).

use crate::cli::RecoverArgs;
use crate::common::{self, fmt_num, need_study, Access};
use crate::runner;
use anyhow::{bail, Result};
use hyperspace_engine::execute::{journal_dir, log_dir};
use hyperspace_engine::ResultJournal;

pub fn recover_results(storage: Option<&str>, args: RecoverArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let url = runner::absolute_storage(storage);
    let handle = common::open(Some(&url), Access::Existing)?;
    let mut study = common::load_study(handle, name)?;
    let dir = journal_dir(&log_dir(args.log_dir.as_deref(), &url, name));
    let journal = ResultJournal::new(&dir);
    let (results, warnings) = journal.adopt(name)?;
    for w in warnings {
        errln!("warning: {w}");
    }
    if results.is_empty() {
        outln!(
            "no unrecorded results of study '{name}' in {}",
            common::show_path(&dir)
        )?;
        return Ok(());
    }
    let mut left = 0;
    for result in &results {
        match study.record_result(result) {
            Ok(trial) => {
                journal.remove(result.trial)?;
                let value = trial.finished_value().map_or_else(|| "-".into(), fmt_num);
                outln!(
                    "recorded trial #{} (id {}): {}  value={value}",
                    trial.number,
                    trial.id,
                    trial.state
                )?;
            }
            Err(e) => {
                left += 1;
                errln!("trial #{} (id {}): {e}", result.number, result.trial);
            }
        }
    }
    if left > 0 {
        bail!(
            "{left} of {} result(s) not recorded; they stay in {} for the next try",
            results.len(),
            common::show_path(journal.path())
        );
    }
    Ok(())
}
