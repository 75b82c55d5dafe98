//! `hyperspace trials`, `best` and `export`: reading a study's history.

use crate::cli::{BestArgs, ExportArgs, ExportFormat, TableFormat, TrialsArgs};
use crate::common::{self, fmt_num, fmt_value, need_study, Access};
use crate::table::{csv_line, write_rows, Field, Known};
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::Trial;
use hyperspace_query::{describe_error, parse_sort, sort_trials, Filter, SortKey};
use std::io::Write;

/// The default columns: ids, state, value (every objective's, for a study
/// with several), the proposer when not every trial has the same,
/// constraints when some trial has them, every parameter
/// and metric, duration, and the message when some trial has one.
fn default_columns(known: &Known, trials: &[&Trial], several: bool) -> Vec<Field> {
    let value = if several { Field::Values } else { Field::Value };
    let mut columns = vec![Field::Id, Field::Number, Field::State, value];
    // Who proposed each trial shows when it changed along the study (the
    // `auto` searcher's phases, or a study whose searcher was switched).
    let mut proposers = trials.iter().filter_map(|t| t.meta.proposer.as_deref());
    if let Some(first) = proposers.next() {
        if proposers.any(|p| p != first) {
            columns.push(Field::Proposer);
        }
    }
    // Lineage (re-runs, continuations, promotions) shows when there is any.
    if trials.iter().any(|t| t.parent.is_some()) {
        columns.push(Field::Parent);
    }
    if trials.iter().any(|t| !t.constraints.is_empty()) {
        columns.push(Field::Constraints);
    }
    columns.extend(known.params.iter().cloned().map(Field::Param));
    columns.extend(known.metrics.iter().cloned().map(Field::Metric));
    columns.push(Field::Duration);
    if trials.iter().any(|t| t.message.is_some()) {
        columns.push(Field::Message);
    }
    columns
}

/// A checked `trials`: fields resolved, filter and sort parsed.
#[derive(Debug)]
struct TrialsQuery {
    filter: Option<Filter>,
    sort: Vec<SortKey>,
    columns: Option<Vec<Field>>,
    limit: Option<usize>,
}

impl TrialsQuery {
    fn new(args: &TrialsArgs, known: &Known) -> Result<TrialsQuery> {
        let filter = args
            .filter
            .as_deref()
            .map(|text| Filter::parse(text, known).map_err(|e| anyhow!(describe_error(text, &e))))
            .transpose()?;
        let sort = match &args.sort {
            Some(text) => parse_sort(text, known).map_err(|e| anyhow!("--sort: {e}"))?,
            None => vec![SortKey {
                field: Field::Number,
                descending: false,
            }],
        };
        let columns = args
            .columns
            .as_deref()
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|name| known.resolve(name).map_err(|e| anyhow!("--columns: {e}")))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        if columns.as_ref().is_some_and(Vec::is_empty) {
            return Err(anyhow!("--columns is empty; name at least one field"));
        }
        Ok(TrialsQuery {
            filter,
            sort,
            columns,
            limit: args.limit,
        })
    }
}

/// Lists a study's trials.
pub fn trials(storage: Option<&str>, args: TrialsArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let space = study.space().clone();
    let all = study.trials()?.to_vec();
    let known = Known::collect(&space, &all);
    let query = TrialsQuery::new(&args, &known)?;
    let mut rows: Vec<&Trial> = all
        .iter()
        .filter(|t| query.filter.as_ref().is_none_or(|f| f.matches(t)))
        .collect();
    sort_trials(&mut rows, &query.sort);
    if let Some(limit) = query.limit {
        rows.truncate(limit);
    }
    let columns = query
        .columns
        .unwrap_or_else(|| default_columns(&known, &rows, study.config().is_multi_objective()));
    let mut out = crate::stdio::stdout();
    write_rows(&mut out, &columns, &rows, args.format)?;
    if args.format == TableFormat::Table && rows.is_empty() {
        writeln!(
            out,
            "(no trials{})",
            if args.filter.is_some() {
                " match the filter"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

/// Prints the best complete trial, or the Pareto front of a study with
/// several objectives.
pub fn best(storage: Option<&str>, args: BestArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    if study.config().is_multi_objective() {
        return front(&mut study, args.format);
    }
    let best = study.best_trial()?.ok_or_else(|| {
        anyhow!("study '{name}' has no complete trial yet; run some (hyperspace run) or tell results (hyperspace tell)")
    })?;
    if args.format != TableFormat::Table {
        outln!("{}", serde_json::to_string_pretty(&best)?)?;
        return Ok(());
    }
    outln!(
        "best trial of '{name}' ({}): #{} (id {})",
        study.config().primary_direction(),
        best.number,
        best.id
    )?;
    outln!("  value     {}", best.value.map_or("-".into(), fmt_num))?;
    for (k, v) in &best.params {
        outln!("  {k:<9} {}", fmt_value(v))?;
    }
    for (k, v) in &best.metrics {
        outln!("  {k:<9} {}  (metric)", fmt_num(*v))?;
    }
    if let Some(d) = crate::table::duration(&best) {
        outln!("  duration  {}s", fmt_num(d))?;
    }
    if let Some(command) = best.meta.extra.get("command").and_then(|c| c.as_array()) {
        let words: Vec<String> = command
            .iter()
            .map(|w| common::shell_quote(w.as_str().unwrap_or_default()))
            .collect();
        outln!("  command   {}", words.join(" "))?;
    }
    if let Some(version) = &best.meta.code_version {
        outln!("  code      {version}")?;
    }
    outln!(
        "re-run it: hyperspace rerun {} [--set name=value ...]",
        best.id
    )?;
    Ok(())
}

/// Prints the Pareto front: a JSON array of its trials, or a table with a
/// column per objective.
fn front(study: &mut hyperspace_engine::Study, format: TableFormat) -> Result<()> {
    let front = study.best_trials()?;
    let config = study.config().clone();
    if format == TableFormat::Json {
        outln!("{}", serde_json::to_string_pretty(&front)?)?;
        return Ok(());
    }
    if front.is_empty() {
        return Err(anyhow!(
            "study '{}' has no complete trial yet; run some (hyperspace run) or tell results (hyperspace tell --values)",
            config.name
        ));
    }
    let space = study.space().clone();
    let known = Known::collect(&space, &front);
    let mut columns = vec![Field::Id, Field::Number];
    columns.extend(
        config
            .objectives
            .iter()
            .enumerate()
            .map(|(i, o)| match &o.name {
                Some(name) if known.metrics.contains(name) => Field::Metric(name.clone()),
                _ => Field::ValueOf(i + 1),
            }),
    );
    columns.extend(known.params.iter().cloned().map(Field::Param));
    let rows: Vec<&Trial> = front.iter().collect();
    if format == TableFormat::Table {
        outln!(
            "Pareto front of '{}' ({}): {} trial(s)",
            config.name,
            config.objectives_text(),
            rows.len()
        )?;
    }
    write_rows(&mut crate::stdio::stdout(), &columns, &rows, format)?;
    Ok(())
}

/// Writes every trial, everything kept.
pub fn export(storage_url: Option<&str>, args: ExportArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let storage = common::open(storage_url, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let space = study.space().clone();
    let all = study.trials()?.to_vec();
    // With the artifacts, the output is a folder: the trials file beside
    // each trial's files.
    let table_path = match (&args.output, args.with_artifacts) {
        (Some(dir), true) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow!("cannot create {}: {e}", dir.display()))?;
            let file = match args.format {
                ExportFormat::Jsonl => "trials.jsonl",
                ExportFormat::Csv => "trials.csv",
            };
            Some(dir.join(file))
        }
        (None, true) => bail!("--with-artifacts writes a folder: name it with --output DIR"),
        (output, false) => output.clone(),
    };
    let mut out: Box<dyn Write> = match &table_path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(crate::stdio::stdout()),
    };
    match args.format {
        ExportFormat::Jsonl => {
            for t in &all {
                writeln!(out, "{}", serde_json::to_string(t)?)?;
            }
        }
        ExportFormat::Csv => {
            let known = Known::collect(&space, &all);
            let mut columns = vec![
                Field::Id,
                Field::Number,
                Field::State,
                Field::Value,
                Field::Budget,
                Field::Parent,
            ];
            columns.extend(known.params.iter().map(|n| Field::Param(n.clone())));
            columns.extend(known.metrics.iter().map(|n| Field::Metric(n.clone())));
            columns.extend([
                Field::Step,
                Field::Started,
                Field::Finished,
                Field::Duration,
                Field::Host,
                Field::Seed,
                Field::CodeVersion,
                Field::Proposer,
                Field::DataVersion,
                Field::Message,
            ]);
            columns.extend(known.attrs.iter().map(|n| Field::Attr(n.clone())));
            columns.extend(known.meta.iter().map(|n| Field::Meta(n.clone())));
            // Names can repeat across kinds (a metric and a parameter both
            // called `x`): prefix the later ones.
            let mut seen = std::collections::HashSet::new();
            let header: Vec<String> = columns
                .iter()
                .map(|c| {
                    let name = c.name();
                    if seen.insert(name.clone()) {
                        name
                    } else {
                        let prefix = match c {
                            Field::Param(_) => "params",
                            Field::Metric(_) => "metrics",
                            Field::Attr(_) => "attrs",
                            _ => "meta",
                        };
                        format!("{prefix}.{name}")
                    }
                })
                .collect();
            writeln!(out, "{}", csv_line(&header))?;
            for t in &all {
                let cells: Vec<String> = columns.iter().map(|c| c.get(t).exact()).collect();
                writeln!(out, "{}", csv_line(&cells))?;
            }
        }
    }
    out.flush()?;
    if let Some(path) = &table_path {
        errln!("wrote {} trial(s) to {}", all.len(), path.display());
    }
    if let (Some(dir), true) = (&args.output, args.with_artifacts) {
        super::export_artifacts::export(storage_url, name, &all, dir)?;
    }
    Ok(())
}
