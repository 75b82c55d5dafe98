//! `hyperspace ensemble`: select an ensemble of a study's best trials from
//! their saved validation predictions and store it in the study
//! (`hyperspace_engine::ensemble` does the work); `ensemble predict`
//! (in `ensemble_predict`) applies a stored one.

use crate::common::{self, fmt_num, need_study, Access};
use crate::table::{write_aligned, Known};
use anyhow::{anyhow, Result};
use clap::{Args, Subcommand, ValueEnum};
use hyperspace_engine::ensemble::{Ensemble, EnsembleSettings, Metric};
use hyperspace_engine::{EnsembleError, Trial};
use hyperspace_query::{describe_error, Filter};
use std::io::Write;
use std::path::PathBuf;

/// `hyperspace ensemble`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EnsembleArgs {
    /// Apply a stored ensemble instead of building one.
    #[command(subcommand)]
    pub command: Option<EnsembleCommand>,
    /// What to build.
    #[command(flatten)]
    pub build: BuildArgs,
}

/// The subcommands of `ensemble`.
#[derive(Debug, Subcommand)]
pub enum EnsembleCommand {
    /// Run a command once per member (with {trial_dir} and {out}) and
    /// combine their outputs with the stored weights.
    Predict(PredictArgs),
}

/// Building an ensemble.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// Only trials matching this filter (the language of `trials --where`).
    #[arg(long = "where", short = 'w', value_name = "FILTER")]
    pub filter: Option<String>,
    /// The candidates: this many best trials by the study's objective.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// The validation metric to select by: rmse, logloss, accuracy or auc.
    #[arg(long, required = true, value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// Rounds of greedy selection (with replacement).
    #[arg(long, default_value_t = 10)]
    pub size: usize,
    /// The name to store the ensemble under.
    #[arg(long, default_value = hyperspace_engine::ensemble::DEFAULT_NAME)]
    pub name: String,
    /// Output format: table (for people) or json.
    #[arg(long, value_enum, default_value_t = EnsembleFormat::Table)]
    pub format: EnsembleFormat,
}

/// `hyperspace ensemble predict`
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// The stored ensemble's name.
    #[arg(long, default_value = hyperspace_engine::ensemble::DEFAULT_NAME)]
    pub ensemble: String,
    /// Write the combined predictions (CSV) here instead of to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The command to run per member; `{trial_dir}` becomes the member's
    /// artifact directory and `{out}` the file it writes its predictions to.
    #[arg(last = true, value_name = "COMMAND", required = true)]
    pub command: Vec<String>,
}

/// Output formats of `ensemble`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnsembleFormat {
    /// Members and weights as aligned columns, scores after them.
    Table,
    /// One JSON object: members, weights, score, best_single_score, ...
    Json,
}

fn parse_metric(text: &str) -> std::result::Result<Metric, String> {
    Metric::parse(text).map_err(|e| e.to_string())
}

/// Runs `ensemble` or its subcommand.
pub fn ensemble(storage: Option<&str>, args: EnsembleArgs) -> Result<()> {
    match args.command {
        Some(EnsembleCommand::Predict(predict)) => {
            super::ensemble_predict::predict(storage, predict)
        }
        None => build(storage, args.build),
    }
}

/// Builds, stores and prints an ensemble.
fn build(storage_url: Option<&str>, args: BuildArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let metric = args
        .metric
        .ok_or_else(|| anyhow!("missing --metric: rmse, logloss, accuracy or auc"))?;
    let storage = common::open(storage_url, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let space = study.space().clone();
    let all = study.trials()?.to_vec();
    let chosen: Vec<Trial> = match args.filter.as_deref() {
        None => all,
        Some(text) => {
            let known = Known::collect(&space, &all);
            let filter =
                Filter::parse(text, &known).map_err(|e| anyhow!(describe_error(text, &e)))?;
            let kept: Vec<Trial> = all.into_iter().filter(|t| filter.matches(t)).collect();
            if kept.is_empty() {
                return Err(EnsembleError::NoCandidates {
                    study: name.to_string(),
                    filtered: " that matches --where".to_string(),
                }
                .into());
            }
            kept
        }
    };
    let root = common::artifact_root(storage_url)?;
    let settings = EnsembleSettings {
        metric,
        top: args.top,
        size: args.size,
        name: Some(args.name),
    };
    let ensemble = study.build_ensemble(&chosen, &root, &settings)?;
    let mut out = crate::stdio::stdout();
    match args.format {
        EnsembleFormat::Json => {
            writeln!(out, "{}", serde_json::to_string_pretty(&ensemble)?)?;
        }
        EnsembleFormat::Table => print_table(&mut out, name, &ensemble)?,
    }
    Ok(())
}

fn print_table(out: &mut impl Write, study: &str, e: &Ensemble) -> Result<()> {
    let header = vec!["trial".to_string(), "weight".to_string()];
    let rows: Vec<Vec<String>> = e
        .members
        .iter()
        .zip(&e.weights)
        .map(|(m, w)| vec![m.to_string(), fmt_num(*w)])
        .collect();
    write_aligned(out, &header, &rows, &[true, true])?;
    writeln!(
        out,
        "ensemble '{}' of study '{study}': {} {} (validation), best single trial {}: {}",
        e.name,
        e.metric.as_str(),
        fmt_num(e.score),
        e.best_single,
        fmt_num(e.best_single_score)
    )?;
    errln!(
        "chosen from {} trial(s) in {} of {} round(s); members combine by {}",
        e.candidates.len(),
        e.rounds,
        e.size,
        e.combine.as_str()
    );
    Ok(())
}
