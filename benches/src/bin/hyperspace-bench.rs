//! `hyperspace-bench`: runs the searcher-quality suite and compares result
//! files.
//!
//! ```text
//! hyperspace-bench run --searchers random,grid --seeds 10 --budget 100 --out results.json --plots plots
//! hyperspace-bench run --quick
//! hyperspace-bench compare baseline.json change.json
//! hyperspace-bench report results.json --plots plots
//! hyperspace-bench list
//! echo '{"family":"svm","C":1,"width":0.1}' | hyperspace-bench eval linfa-model-selection
//! ```

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use hyperspace_benches::{
    problems, report, run_suite, Progress, RunStop, SuiteResults, SuiteSettings,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "hyperspace-bench",
    version,
    about = "The searcher-quality suite of hyperspace: searchers × problems × seeds, regret tables, plots and comparisons."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs searchers on problems and prints the regret table.
    Run(RunArgs),
    /// Compares two or more result files against the first.
    Compare {
        /// Result files written by `run --out`; the first is the baseline.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
    },
    /// Prints the table of a result file again (and redraws its plots).
    Report {
        /// A result file written by `run --out`.
        file: PathBuf,
        /// Writes one convergence plot per problem (SVG) into this directory.
        #[arg(long)]
        plots: Option<PathBuf>,
    },
    /// Lists the problems and groups.
    List,
    /// Evaluates a problem at configurations read from stdin, one JSON
    /// object per line, printing one value per line (`{"error": ...}` for a
    /// configuration the problem refuses): how other harnesses
    /// (`compare/compare.py`, Hyperopt and Optuna in Python) reach the
    /// suite's Rust-only problems, such as its real models.
    Eval {
        /// The problem's name (`hyperspace-bench list`).
        problem: String,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Searchers, comma-separated, each `name` or `name:{json settings}`,
    /// e.g. `random,grid` or `random,tpe:{"multivariate":true}`. Repeatable.
    /// [default: random,grid]
    #[arg(long, short = 's')]
    searchers: Vec<String>,
    /// Problems or groups, comma-separated (`all`, `quick`, `continuous`,
    /// `mixed`, `conditional`, `noisy`, `model`, or names; see `list`).
    /// [default: all; quick with --quick]
    #[arg(long, short = 'p', value_delimiter = ',')]
    problems: Vec<String>,
    /// Seeds per searcher and problem. [default: 10; 3 with --quick]
    #[arg(long)]
    seeds: Option<usize>,
    /// Trials per run. [default: 100; 30 with --quick]
    #[arg(long)]
    budget: Option<usize>,
    /// Quick mode: the quick problems, 3 seeds, 30 trials (flags given
    /// explicitly still win).
    #[arg(long)]
    quick: bool,
    /// Worker threads. [default: one per core]
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// The searcher others are tested against. [default: the first `random`]
    #[arg(long)]
    baseline: Option<String>,
    /// Trials in flight, comma-separated (e.g. `1,4,8,16`): each searcher
    /// runs once per number, as `q` workers sharing the study would (a
    /// row `name q=Q` each), results arriving in an order fixed by the
    /// seed. [default: 1]
    #[arg(long, value_delimiter = ',')]
    parallel: Vec<usize>,
    /// Writes every run and statistic as JSON here.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Writes one convergence plot per problem (SVG) into this directory.
    #[arg(long)]
    plots: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

impl RunArgs {
    /// Raw flags to unchecked settings.
    fn settings(&self) -> SuiteSettings {
        let mut s = if self.quick {
            SuiteSettings::quick()
        } else {
            SuiteSettings::default()
        };
        if !self.searchers.is_empty() {
            s.searchers = self.searchers.clone();
        }
        if !self.problems.is_empty() {
            s.problems = self.problems.clone();
        }
        s.seeds = self.seeds.unwrap_or(s.seeds);
        s.budget = self.budget.unwrap_or(s.budget);
        s.jobs = self.jobs.or(s.jobs);
        s.baseline = self.baseline.clone().or(s.baseline);
        if !self.parallel.is_empty() {
            s.parallel = self.parallel.clone();
        }
        s
    }
}

fn run(args: &RunArgs) -> Result<bool> {
    let registry = hyperspace_searchers::builtin_registry();
    let suite = args.settings().validate(&registry)?;
    let total = suite.problems.len() * suite.searchers.len() * suite.seeds;
    if !args.quiet {
        eprintln!(
            "hyperspace-bench: {} searchers × {} problems × {} seeds × {} trials = {total} runs on {} threads",
            suite.searchers.len(),
            suite.problems.len(),
            suite.seeds,
            suite.budget,
            suite.jobs
        );
    }
    let started = Instant::now();
    let step = (total / 20).max(1);
    let shown = AtomicUsize::new(0);
    let progress = |p: Progress<'_>| {
        if args.quiet {
            return;
        }
        if let Some(RunStop::Failed(m)) = &p.run.stop {
            eprintln!(
                "  {} on {} seed {}: FAILED: {m}",
                p.run.searcher, p.run.problem, p.run.seed_index
            );
        }
        if p.done.is_multiple_of(step) || p.done == p.total {
            let before = shown.fetch_max(p.done, Ordering::Relaxed);
            if before < p.done {
                eprintln!(
                    "  {}/{} runs ({:.1} s)",
                    p.done,
                    p.total,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    };
    let results = run_suite(&suite, &registry, &progress)?;
    println!("{}", report::markdown(&results));
    if let Some(path) = &args.out {
        results.save(path)?;
        if !args.quiet {
            eprintln!("results written to {}", path.display());
        }
    }
    if let Some(dir) = &args.plots {
        let files = report::plot_all(&results, dir)?;
        if !args.quiet {
            eprintln!("{} plots written to {}", files.len(), dir.display());
        }
    }
    let failed = results
        .runs
        .iter()
        .filter(|r| matches!(r.stop, Some(RunStop::Failed(_))))
        .count();
    if failed > 0 {
        eprintln!("{failed} runs failed; see \"Runs that stopped early\" above");
    }
    Ok(failed == 0)
}

fn compare(files: &[PathBuf]) -> Result<()> {
    let mut loaded = Vec::new();
    for path in files {
        let results = SuiteResults::load(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        loaded.push((name, results));
    }
    print!(
        "{}",
        report::compare(&loaded).context("comparing result files")?
    );
    Ok(())
}

fn list() {
    println!("| problem | family | dims | optimum | quick | source |");
    println!("|---|---|---|---|---|---|");
    for entry in problems::CATALOG {
        match entry.build() {
            Ok(p) => println!(
                "| {} | {} | {} | {} ({:?}) | {} | {} |",
                entry.name,
                entry.family.as_str(),
                p.dims(),
                p.optimum().value,
                p.optimum().kind,
                if entry.quick { "yes" } else { "no" },
                p.source()
            ),
            Err(e) => println!(
                "| {} | {} | ? | ? | ? | cannot build: {e} |",
                entry.name,
                entry.family.as_str()
            ),
        }
    }
    println!("\ngroups: all, quick, continuous, mixed, conditional, noisy, model");
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        Command::Run(args) => {
            if !run(args)? {
                bail!("some runs failed");
            }
        }
        Command::Compare { files } => compare(files)?,
        Command::Report { file, plots } => {
            let results = SuiteResults::load(file)?;
            println!("{}", report::markdown(&results));
            if let Some(dir) = plots {
                let files = report::plot_all(&results, dir)?;
                eprintln!("{} plots written to {}", files.len(), dir.display());
            }
        }
        Command::List => list(),
        Command::Eval { problem } => eval(problem)?,
    }
    Ok(())
}

/// `eval`: a value per configuration line, flushed at once, so a caller
/// can keep one process for a whole run.
fn eval(name: &str) -> Result<()> {
    use std::io::{BufRead, Write};
    let problem = problems::problem(name)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading a configuration from stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = serde_json::from_str::<hyperspace_engine::Params>(&line)
            .map_err(|e| format!("not a JSON object of parameter values: {e}"))
            .and_then(|p| problem.space().check_config(&p).map_err(|e| e.to_string()))
            .and_then(|p| problem.value(&p).map_err(|e| e.to_string()));
        match answer {
            Ok(v) => writeln!(out, "{}", serde_json::json!(v))?,
            Err(e) => writeln!(out, "{}", serde_json::json!({ "error": e }))?,
        }
        out.flush()?;
    }
    Ok(())
}
