//! `hyperspace import optuna`: an Optuna study's history as a new study.
//! The reading is the engine's (`hyperspace_engine::optuna`, shared with
//! Python's `hs.import_optuna`); the checks on each trial are
//! `Study::add_trials`'s.

use crate::cli::{ImportCommand, ImportOptunaArgs};
use crate::common::{self, Access};
use anyhow::Result;
use hyperspace_engine::{optuna, Objective, Study, StudyConfig};

/// Runs an `import` subcommand.
pub fn run(storage: Option<&str>, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Optuna(args) => import_optuna(storage, args),
    }
}

fn import_optuna(storage: Option<&str>, args: ImportOptunaArgs) -> Result<()> {
    let path = optuna::sqlite_path(&args.from)?;
    let source = optuna::read_sqlite(&path, &args.study)?;
    let name = args.to_study.as_deref().unwrap_or(&args.study);
    let storage = common::open(storage, Access::Create)?;
    let config = StudyConfig::new(name).objectives(
        source
            .directions
            .iter()
            .map(|d| Objective::new(*d))
            .collect(),
    );
    let mut study = Study::create(
        storage.clone(),
        config,
        &hyperspace_searchers::builtin_registry(),
    )?;
    // All trials are checked before any is stored; if one is refused, the
    // new study goes too, so a corrected import can use the name.
    let added = match study.add_trials(source.trials) {
        Ok(added) => added,
        Err(e) => {
            storage.delete_study(study.id())?;
            return Err(e.into());
        }
    };
    for (key, value) in source.user_attrs {
        study.set_study_user_attr(&key, value)?;
    }
    if source.unfinished > 0 {
        errln!(
            "warning: {} running or waiting trial(s) of Optuna study '{}' were left out (no result yet)",
            source.unfinished,
            args.study
        );
    }
    outln!(
        "imported {} trial(s) of Optuna study '{}' from {} into study '{}' in {}",
        added.len(),
        args.study,
        path.display(),
        name,
        storage.describe()
    )?;
    Ok(())
}
