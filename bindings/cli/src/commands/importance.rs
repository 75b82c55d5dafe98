//! `hyperspace importance`: which parameters of a study moved its
//! objective, by fANOVA (the default) or PED-ANOVA, as a table or JSON.

use crate::cli::{ImportanceArgs, ImportanceEvaluator, ImportanceFormat};
use crate::common::{self, need_study, Access};
use anyhow::{Context, Result};
use hyperspace_searchers::{
    param_importances, Evaluator, FanovaSettings, ImportanceInput, PedAnovaSettings,
};

pub fn importance(storage: Option<&str>, args: ImportanceArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let evaluator = match args.evaluator {
        ImportanceEvaluator::Fanova => Evaluator::Fanova(FanovaSettings::default()),
        ImportanceEvaluator::PedAnova => Evaluator::PedAnova(PedAnovaSettings::default()),
    }
    .validate()?;
    let params: Option<Vec<String>> = args.params.as_deref().map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect()
    });
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let seed = args.seed.unwrap_or(study.config().seed);
    // With several objectives: the first (a trial's `value`).
    let direction = study.config().primary_direction();
    let space = study.space().clone();
    let trials = study.trials()?;
    let mut input = ImportanceInput::new(trials, &space, direction);
    if let Some(params) = params {
        input = input.params(params);
    }
    let importances =
        param_importances(&input, &evaluator, seed).with_context(|| format!("study '{name}'"))?;
    match args.format {
        ImportanceFormat::Json => {
            outln!("{}", serde_json::to_string_pretty(&importances)?)?;
        }
        ImportanceFormat::Table => {
            let width = importances
                .keys()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0);
            outln!("{:<width$}  importance", "param")?;
            for (param, share) in &importances {
                outln!("{param:<width$}  {share:>10.4}  {}", bar(*share))?;
            }
        }
    }
    Ok(())
}

/// A bar of up to 30 blocks, one per 1/30 of the importance.
fn bar(share: f64) -> String {
    "█".repeat((share.clamp(0.0, 1.0) * 30.0).round() as usize)
}
