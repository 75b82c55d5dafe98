//! The raw command line, as clap reads it. Nothing here is validated beyond
//! its type: each command turns its `Args` into a checked config before it
//! touches storage.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  hyperspace run examples/quickstart/experiment.toml
  hyperspace study create resnet --space 'lr=log(1e-5,1e-1) layers=int(1,8) opt=choice(adam,sgd)'
  hyperspace run --study resnet -n 20 -j 2 --timeout 10m -- python train.py --lr {lr} --layers {layers}
  hyperspace suggest --study resnet            # then: hyperspace tell --trial ID --value 0.31
  hyperspace enqueue --study resnet --grid 'lr=[0.1,0.01] layers=[2,4]'
  hyperspace worker --study resnet --queue-only -- python train.py {args}
  hyperspace trials --study resnet --where 'lr < 0.01 and state = complete' --sort value --limit 5
  hyperspace rerun 12 --set lr=0.02 --budget 50
  hyperspace rerun 12 --resume --budget 50     # the command gets {parent_dir}
  hyperspace lineage 13                        # its parents, children, what changed
  hyperspace artifacts --trial 12
  hyperspace import optuna --from sqlite:///optuna.db --study ported";

/// Tune hyper-parameters from the shell: suggest and tell, run existing
/// scripts as black boxes, query and re-run every trial ever made.
#[derive(Debug, Parser)]
#[command(name = "hyperspace", version, max_term_width = 100, after_help = EXAMPLES)]
pub struct Cli {
    /// Where studies live: a SQLite file (runs.db; sqlite:///runs.db is
    /// relative, sqlite:////abs/path.db absolute, as in SQLAlchemy), a
    /// PostgreSQL database that workers on many machines share
    /// (postgres://user:password@host:5432/db), or :memory:. Default:
    /// hyperspace.db in the current directory (or the experiment file's
    /// `storage`).
    #[arg(long, global = true, env = "HYPERSPACE_STORAGE", value_name = "URL")]
    pub storage: Option<String>,

    /// Where trials keep their files (checkpoints, predictions): each trial
    /// gets `DIR/<study>/<trial number>/`. Default: HYPERSPACE_ARTIFACTS,
    /// else `<file>.artifacts` beside a SQLite file; a PostgreSQL storage
    /// needs one that every worker reaches.
    #[arg(long, global = true, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show or delete studies.
    #[command(subcommand)]
    Study(StudyCommand),
    /// Hand out new trials and print their configurations.
    Suggest(SuggestArgs),
    /// Record the result of a trial.
    Tell(TellArgs),
    /// Record an intermediate value of a running trial; or, with
    /// --output, write a study's history, curves and trials as one
    /// self-contained HTML file.
    Report(ReportArgs),
    /// Queue configurations (one, or a whole grid); queued trials are served
    /// before the searcher is asked.
    Enqueue(EnqueueArgs),
    /// Run a command for N trials, filling in parameters and reading metrics
    /// from its output; or run an experiment file.
    Run(RunArgs),
    /// Like run, without a trial count: drains the queue, then asks the
    /// searcher, until stopped. Several workers may share a study.
    Worker(RunArgs),
    /// List a study's trials, filtered, sorted and formatted.
    Trials(TrialsArgs),
    /// Show the best trial of a study.
    Best(BestArgs),
    /// Queue a copy of a trial, with changes, linked to it as its parent
    /// (with --resume, a continuation from the parent's checkpoint).
    Rerun(RerunArgs),
    /// Show a trial's lineage: its parents, its children, and the
    /// parameters and budget that changed between them.
    Lineage(LineageArgs),
    /// List the files a trial left in its artifact directory.
    Artifacts(ArtifactsArgs),
    /// Write every trial of a study as CSV or JSON lines.
    Export(ExportArgs),
    /// Bring another tool's study in as a new study.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Select an ensemble of the best trials from their saved validation
    /// predictions and store it in the study; `ensemble predict` applies it.
    Ensemble(crate::commands::ensemble::EnsembleArgs),
    /// Draw a study's trials as an SVG: the value of each trial and the
    /// best so far, or the value against one parameter.
    Plot(PlotArgs),
    /// Rank a study's parameters by how much they moved its objective
    /// (fANOVA on a random forest, or PED-ANOVA on the best trials).
    Importance(ImportanceArgs),
    /// Record the results that workers kept in their journals while the
    /// storage was unavailable (a run of the study also does this first).
    RecoverResults(RecoverArgs),
    /// Serve a local, read-only web app over the storage: the studies,
    /// each study's history, learning curves and trials, live.
    Dashboard(DashboardArgs),
    /// Report damaged records (studies or trials that cannot be read, or
    /// values their space does not admit); exits 1 if there are any.
    Check(CheckArgs),
}

/// `hyperspace check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this study (default: every study in the storage).
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
}

/// `hyperspace dashboard`
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Anything but a loopback address needs
    /// --allow-remote: the dashboard has no authentication.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Allow a --host that other machines can reach.
    #[arg(long)]
    pub allow_remote: bool,
    /// The log folder the runs used (their --log-dir), if not the default
    /// beside the storage file: where trial pages find stdout and stderr.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

/// `hyperspace recover-results`
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// The log folder the workers used (their --log-dir), if not the
    /// default beside the storage file.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

/// `hyperspace plot`
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// Plot the value against this parameter instead of the trial number.
    #[arg(long, value_name = "NAME")]
    pub param: Option<String>,
    /// The SVG file to write.
    #[arg(long, short, value_name = "FILE", default_value = "history.svg")]
    pub output: std::path::PathBuf,
}

/// `hyperspace importance`
#[derive(Debug, Args)]
pub struct ImportanceArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// How importance is measured.
    #[arg(long, value_enum, default_value_t = ImportanceEvaluator::Fanova)]
    pub evaluator: ImportanceEvaluator,
    /// Rank only these parameters (comma-separated; default: all).
    #[arg(long, value_name = "A,B,...")]
    pub params: Option<String>,
    /// The seed of fANOVA's forest (default: the study's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ImportanceFormat::Table)]
    pub format: ImportanceFormat,
}

/// The importance evaluators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportanceEvaluator {
    /// Each parameter's share of the variance of a random forest fitted
    /// to the objective (Hutter et al. 2014).
    Fanova,
    /// How far the best 10% of trials' values depart from all trials'
    /// (Watanabe et al. 2023).
    PedAnova,
}

/// How importances are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportanceFormat {
    /// Aligned columns with a bar, for people.
    Table,
    /// A JSON object `{param: importance}`, most important first.
    Json,
}

/// `hyperspace import ...`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An Optuna study from its SQLite database: directions, user
    /// attributes and every finished trial (parameters with their
    /// distributions, values, states, intermediate values, user attributes,
    /// times); running and waiting trials are left out, with a warning.
    Optuna(ImportOptunaArgs),
}

/// `hyperspace import optuna`
#[derive(Debug, Args)]
pub struct ImportOptunaArgs {
    /// Optuna's storage: sqlite:///optuna.db (SQLAlchemy's form) or a path.
    #[arg(long = "from", value_name = "URL")]
    pub from: String,
    /// The Optuna study's name.
    #[arg(long, short)]
    pub study: String,
    /// The name of the new study here (default: the Optuna study's).
    #[arg(long, value_name = "NAME")]
    pub to_study: Option<String>,
}

/// `hyperspace study ...`
#[derive(Debug, Subcommand)]
// Parsed once per process: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum StudyCommand {
    /// Create a study.
    Create(StudyCreateArgs),
    /// List the studies in the storage.
    List(FormatArgs),
    /// Show one study: settings, space, trial counts, best trial.
    Show(StudyShowArgs),
    /// Point the study at other metric(s) its trials record: past trials
    /// that recorded them count at once, the others stay stored but are
    /// left out; `study show` lists the objectives it had before.
    Retarget(StudyRetargetArgs),
    /// Delete a study and all its trials.
    Delete(StudyDeleteArgs),
}

/// `hyperspace study retarget`
#[derive(Debug, Args)]
pub struct StudyRetargetArgs {
    /// The study's name.
    pub name: String,
    /// The new objective, as NAME:minimize or NAME:maximize (a bare NAME
    /// minimizes): a metric the trials record. Repeat it for several.
    #[arg(long, value_name = "NAME[:DIRECTION]", required = true)]
    pub objective: Vec<String>,
}

/// `hyperspace study create`
#[derive(Debug, Args)]
pub struct StudyCreateArgs {
    /// The study's name.
    pub name: String,
    /// The search space, as JSON or the compact syntax
    /// (`lr=log(1e-5,1e-1) layers=int(1,8) opt=choice(adam,sgd)`).
    #[arg(long, conflicts_with = "space_file")]
    pub space: Option<String>,
    /// The search space from a .json or .toml file.
    #[arg(long, value_name = "PATH")]
    pub space_file: Option<PathBuf>,
    /// minimize or maximize.
    #[arg(long, default_value = "minimize")]
    pub direction: String,
    /// The searcher's registry name (auto, random, grid, tpe, gp, ...).
    #[arg(long, default_value = hyperspace_engine::DEFAULT_SEARCHER)]
    pub searcher: String,
    /// The searcher's settings as JSON, e.g. '{"sampler": "sobol"}'.
    #[arg(long, value_name = "JSON")]
    pub settings: Option<String>,
    /// The seed every trial's random stream derives from (default: fresh).
    #[arg(long)]
    pub seed: Option<u64>,
    /// An objective, as NAME:minimize or NAME:maximize (a bare NAME takes
    /// --direction): the metric the command prints. Repeat it for a study
    /// with several objectives (its best trials are a Pareto front).
    #[arg(long, value_name = "NAME[:DIRECTION]")]
    pub objective: Vec<String>,
    /// A limit on a metric the command prints, as NAME<=LIMIT or
    /// NAME>=LIMIT (`mem_gb<=4`): a trial that breaks it is never best.
    /// Repeat it for several.
    #[arg(long, value_name = "NAME<=LIMIT")]
    pub constraint: Vec<String>,
    /// The pruner stored with the study (median, successive_halving,
    /// hyperband or none); every run and worker of the study uses it unless
    /// it names its own with --pruner.
    #[arg(long, value_name = "NAME")]
    pub pruner: Option<String>,
    /// The pruner's settings as JSON, e.g. '{"n_warmup_steps": 5}'.
    #[arg(long, value_name = "JSON", requires = "pruner")]
    pub pruner_settings: Option<String>,
    /// Proposals that do not depend on the timing of parallel workers:
    /// trial k is proposed from the results of trials below k - lag (see
    /// the README), so re-running the study gives the same trials.
    #[arg(long)]
    pub reproducible: bool,
    /// With --reproducible: how many trials before k count as pending (the
    /// number of trials that will run at once; required here).
    #[arg(long, value_name = "N", requires = "reproducible")]
    pub lag: Option<u32>,
}

/// `--format` for commands that print a table.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hyperspace study show`
#[derive(Debug, Args)]
pub struct StudyShowArgs {
    /// The study's name.
    pub name: String,
    /// Output format: table (for people) or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hyperspace study delete`
#[derive(Debug, Args)]
pub struct StudyDeleteArgs {
    /// The study's name.
    pub name: String,
    /// Delete without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// How `suggest` prints a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuggestFormat {
    /// One JSON object per line: {"trial": id, "number": n, "params": {...}}.
    Json,
    /// Shell `export NAME=value` lines (HYPERSPACE_TRIAL_ID, HYPERSPACE_PARAM_<NAME>).
    Env,
    /// Command-line flags: --name value ... (the trial id goes to stderr).
    Args,
    /// An aligned table for people: trial, number, one column per parameter.
    Table,
}

/// `hyperspace suggest`. Its trials hold no lease (this process ends
/// before they do): no worker fails them for silence, however long they
/// run; tell each (`--state failed` if it was abandoned).
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// How many trials to hand out. They are chosen together: each is
    /// proposed with the earlier ones pending, so a batch for n workers is
    /// spread (queued trials come first; a grid with fewer points left
    /// hands out what it has).
    #[arg(short = 'n', long = "count", default_value_t = 1)]
    pub count: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SuggestFormat::Json)]
    pub format: SuggestFormat,
}

/// `hyperspace tell`
#[derive(Debug, Args)]
pub struct TellArgs {
    /// The study (optional: the trial id names it; checked when given).
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// The trial's id (as printed by suggest).
    #[arg(long, short, env = "HYPERSPACE_TRIAL_ID")]
    pub trial: Option<i64>,
    /// The objective value (needed for a complete trial).
    #[arg(long, short, allow_negative_numbers = true, conflicts_with = "values")]
    pub value: Option<f64>,
    /// One value per objective, comma-separated (`0.1,20`), for a study
    /// with several objectives.
    #[arg(long, value_name = "V1,V2,...", allow_hyphen_values = true)]
    pub values: Option<String>,
    /// Constraint values, comma-separated; each `c <= 0` is kept, `c > 0`
    /// broken (a trial that breaks one is never among the best).
    #[arg(long, value_name = "C1,C2,...", allow_hyphen_values = true)]
    pub constraints: Option<String>,
    /// Another metric, as name=value (repeatable).
    #[arg(long, short, value_name = "NAME=VALUE")]
    pub metric: Vec<String>,
    /// complete (default), failed or pruned.
    #[arg(long, default_value = "complete")]
    pub state: String,
    /// Why it failed, or any note.
    #[arg(long)]
    pub message: Option<String>,
}

/// `hyperspace report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The study (optional: the trial id names it; checked when given).
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// The trial's id.
    #[arg(long, short, env = "HYPERSPACE_TRIAL_ID")]
    pub trial: Option<i64>,
    /// The step (epoch, iteration).
    #[arg(long)]
    pub step: Option<u64>,
    /// The objective's value at that step.
    #[arg(long, short, allow_negative_numbers = true)]
    pub value: Option<f64>,
    /// Another metric at that step, kept as a series of its own
    /// (repeatable): `--metric acc=0.91 --metric val_loss=0.3`.
    #[arg(long = "metric", short, value_name = "NAME=VALUE")]
    pub metrics: Vec<String>,
    /// Write the study's report to this HTML file instead (one file, charts
    /// and data inline, to attach or send).
    #[arg(long, short, value_name = "FILE.html", conflicts_with_all = ["trial", "step", "value", "metrics"])]
    pub output: Option<PathBuf>,
}

/// `hyperspace enqueue`
#[derive(Debug, Args)]
pub struct EnqueueArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// The configuration as a JSON object.
    #[arg(long, value_name = "JSON", conflicts_with = "grid")]
    pub params: Option<String>,
    /// A grid: every combination is queued, e.g. 'lr=[0.1,0.01] layers=[2,4]'
    /// (or a JSON object of lists).
    #[arg(long)]
    pub grid: Option<String>,
    /// A budget for the queued trials (epochs, samples, ...).
    #[arg(long)]
    pub budget: Option<f64>,
    /// The configuration as key=value words (values typed as JSON scalars).
    #[arg(value_name = "KEY=VALUE", conflicts_with = "grid")]
    pub pairs: Vec<String>,
}

/// `hyperspace run` and `hyperspace worker`
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// An experiment file (TOML) with storage, study, space, searcher,
    /// command, output parsing and budget; flags given here override it.
    pub experiment: Option<PathBuf>,
    /// The study (created when --space is given and it does not exist).
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// worker: serve every study whose name matches this glob (`*`, `?`):
    /// the experiment file's, else the storage's; queued trials first,
    /// then a batch of --jobs trials from each study in turn.
    #[arg(long, value_name = "GLOB", conflicts_with = "study")]
    pub studies: Option<String>,
    /// The space, to create the study (or grow its space).
    #[arg(long)]
    pub space: Option<String>,
    /// minimize or maximize (for a new study).
    #[arg(long)]
    pub direction: Option<String>,
    /// The searcher's name (for a new study).
    #[arg(long)]
    pub searcher: Option<String>,
    /// The searcher's settings as JSON (for a new study).
    #[arg(long, value_name = "JSON")]
    pub settings: Option<String>,
    /// The study's seed (for a new study).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Trials to run in this invocation (run: default 10; worker: no limit).
    #[arg(short = 'n', long = "trials")]
    pub trials: Option<usize>,
    /// Stop once the study holds this many started trials (shared by workers).
    #[arg(long)]
    pub max_trials: Option<usize>,
    /// Trials to run at once.
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Per-trial time limit (90, 90s, 5m, 2h); the trial's process group is
    /// killed and the trial failed.
    #[arg(long)]
    pub timeout: Option<String>,
    /// The metric that is the objective (default: the study's, else the only
    /// number printed, else one named value/objective/loss/score), as NAME
    /// or NAME:DIRECTION. Repeat it to create a study with several
    /// objectives; each is read from the command's output by name.
    #[arg(long, value_name = "NAME[:DIRECTION]")]
    pub objective: Vec<String>,
    /// A limit on a metric the command prints, as NAME<=LIMIT or
    /// NAME>=LIMIT (`mem_gb<=4`): a trial that breaks it is never best.
    /// Repeat it for several.
    #[arg(long, value_name = "NAME<=LIMIT")]
    pub constraint: Vec<String>,
    /// A regex read on every output line for the result: named groups are
    /// metrics, a single unnamed group is the objective.
    #[arg(long, value_name = "REGEX")]
    pub result_regex: Option<String>,
    /// A regex for intermediate values on lines the script already prints:
    /// two groups (step, value), named groups `step`/`value`, or one group
    /// (the value; steps count from 0).
    #[arg(long, value_name = "REGEX")]
    pub intermediate: Option<String>,
    /// Which output the metrics are read from: stdout, stderr or both.
    #[arg(long, value_name = "STREAM")]
    pub parse: Option<String>,
    /// Where each trial's stdout, stderr and parameter file are kept, in a
    /// folder per study (default: hyperspace-logs/ beside the storage file).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// The data's version, recorded on every trial.
    #[arg(long)]
    pub data_version: Option<String>,
    /// Stop unpromising trials early from their intermediate values (see
    /// --intermediate): median, successive_halving, hyperband or none. The
    /// command is stopped like on a timeout and the trial recorded as
    /// pruned. Stored with a study this run creates; for an existing study,
    /// used by this run instead of the study's stored pruner.
    #[arg(long, value_name = "NAME")]
    pub pruner: Option<String>,
    /// The pruner's settings as JSON, e.g. '{"n_warmup_steps": 5}'.
    #[arg(long, value_name = "JSON")]
    pub pruner_settings: Option<String>,
    /// How long a running trial's worker may be silent (it sends a
    /// heartbeat every sixth of this) before any run or worker fails the
    /// trial and re-queues a copy (default 60s). Give every worker of a
    /// study the same value.
    #[arg(long, value_name = "DURATION")]
    pub stale_after: Option<String>,
    /// How long to wait for a storage that is down (a server restart, an
    /// outage, a lock, a full disk) before giving up (default 1h). Finished
    /// results are kept meanwhile, in memory and in a journal in the log
    /// folder; `hyperspace recover-results` or the next run records them.
    #[arg(long, value_name = "DURATION")]
    pub storage_patience: Option<String>,
    /// Stop asking for trials after this many failed in a row (default 10;
    /// 0: never stop).
    #[arg(long, value_name = "N")]
    pub max_failures: Option<usize>,
    /// What happens to running trials on Ctrl-C: requeue (default) or fail.
    #[arg(long, value_name = "ACTION")]
    pub on_interrupt: Option<String>,
    /// Only run queued trials; stop when the queue is empty.
    #[arg(long)]
    pub queue_only: bool,
    /// With an experiment file of several experiments: run them all at
    /// once instead of one after the other.
    #[arg(long)]
    pub parallel_experiments: bool,
    /// For a new study: make it reproducible (trial k proposed from the
    /// results of trials below k - lag, whatever the timing of the
    /// workers). An existing study keeps its setting.
    #[arg(long)]
    pub reproducible: bool,
    /// With --reproducible: how many trials before k count as pending
    /// (default: --jobs of the run or worker that creates the study; give
    /// the number of trials that will run at once over all workers).
    #[arg(long, value_name = "N", requires = "reproducible")]
    pub lag: Option<u32>,
    /// How long a reproducible study's worker waits for the earlier trials
    /// a proposal depends on before it gives up (default 24h).
    #[arg(long, value_name = "DURATION")]
    pub wait_timeout: Option<String>,
    /// The command, after `--`; `{name}` is replaced by a parameter's value,
    /// `{args}` by `--name value` for every active parameter.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Output format of tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated values with a header.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// `hyperspace trials`
#[derive(Debug, Args)]
pub struct TrialsArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// A filter, e.g. 'lr < 0.01 and state = complete'. Fields: parameters,
    /// metrics, id, number, state, value, budget, parent, duration, started,
    /// finished, host, seed, step, exit_code, data_version, code_version,
    /// proposer, message (params.x / metrics.x / attrs.x / meta.x to be explicit).
    /// Operators: = != < <= > >= ~ (regex), in (a, b), is [not] null; and,
    /// or, not, parentheses. A trial without the field matches only `is null`.
    #[arg(long = "where", short = 'w', value_name = "FILTER")]
    pub filter: Option<String>,
    /// Sort by these fields (comma-separated; prefix - for descending).
    #[arg(long, value_name = "FIELDS", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// At most this many rows (after filtering and sorting).
    #[arg(long)]
    pub limit: Option<usize>,
    /// The columns to show (comma-separated field names).
    #[arg(long, value_name = "FIELDS")]
    pub columns: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hyperspace best`
#[derive(Debug, Args)]
pub struct BestArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// Output format: table (for people) or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hyperspace rerun`
#[derive(Debug, Args)]
pub struct RerunArgs {
    /// The id of the trial to re-run.
    pub trial: i64,
    /// Change a parameter, as key=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A budget for the copy (e.g. more epochs, to resume).
    #[arg(long)]
    pub budget: Option<f64>,
    /// Continue the trial rather than start it again: its command gets the
    /// parent's artifact directory as {parent_dir} and its budget as
    /// {parent_budget}; refused if the parent's recorded artifacts are gone.
    #[arg(long)]
    pub resume: bool,
}

/// `hyperspace lineage`
#[derive(Debug, Args)]
pub struct LineageArgs {
    /// The id of the trial.
    pub trial: i64,
    /// Output format: table (an indented tree, for people) or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `hyperspace artifacts`
#[derive(Debug, Args)]
pub struct ArtifactsArgs {
    /// The id of the trial.
    #[arg(long)]
    pub trial: i64,
    /// Output format: table (for people), csv or json.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One row per trial, every field a column.
    Csv,
    /// One JSON object per trial, everything kept.
    Jsonl,
}

/// `hyperspace export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The study.
    #[arg(long, short, env = "HYPERSPACE_STUDY")]
    pub study: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output (with
    /// --with-artifacts: this folder).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also copy each trial's recorded artifacts: --output names a folder
    /// that gets `trials.jsonl` (or `.csv`) and `artifacts/<number>/`, each
    /// file's SHA-256 checked against its record; missing files are named.
    #[arg(long)]
    pub with_artifacts: bool,
}
