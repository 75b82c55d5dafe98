//! `hyperspace`: tune hyper-parameters from the shell.
//!
//! Flags are read by clap ([`cli`]), checked into a config by each command,
//! and only then acted on. Every error prints as one line on stderr and the
//! exit code is non-zero: 1 for errors, 2 for bad usage, 130 when a run was
//! interrupted. A reader that goes away (`| head`) ends it quietly with 0
//! (see [`stdio`]).

#[macro_use]
mod stdio;
mod cli;
mod commands;
mod common;
mod dashboard;
mod runner;
mod table;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match Cli::try_parse() {
        Ok(cli) => match execute(cli) {
            Ok(code) => code,
            Err(e) if stdio::is_broken_pipe(&e) => 0,
            Err(e) => {
                let message = format!("{e:#}").replace(['\n', '\r'], " ");
                errln!("error: {message}");
                1
            }
        },
        Err(e) => usage_error(e),
    };
    ExitCode::from(stdio::finish(code))
}

/// Runs the command; the exit code it asks for.
fn execute(cli: Cli) -> anyhow::Result<u8> {
    let storage = cli.storage.as_deref();
    common::set_artifacts_flag(cli.artifacts.clone());
    match cli.command {
        Command::Study(cmd) => commands::study::run(storage, cmd)?,
        Command::Suggest(args) => commands::ask::suggest(storage, args)?,
        Command::Tell(args) => commands::ask::tell(storage, args)?,
        Command::Report(args) if args.output.is_some() => dashboard::report(storage, args)?,
        Command::Report(args) => commands::ask::report(storage, args)?,
        Command::Enqueue(args) => commands::queue::enqueue(storage, args)?,
        Command::Rerun(args) => commands::queue::rerun(storage, args)?,
        Command::Lineage(args) => commands::lineage::lineage(storage, args)?,
        Command::Artifacts(args) => commands::artifacts::artifacts(storage, args)?,
        Command::Trials(args) => commands::trials::trials(storage, args)?,
        Command::Best(args) => commands::trials::best(storage, args)?,
        Command::Import(cmd) => commands::import::run(storage, cmd)?,
        Command::Export(args) => commands::trials::export(storage, args)?,
        Command::Plot(args) => commands::plot::plot(storage, args)?,
        Command::Importance(args) => commands::importance::importance(storage, args)?,
        Command::RecoverResults(args) => commands::recover::recover_results(storage, args)?,
        Command::Dashboard(args) => dashboard::dashboard(storage, args)?,
        Command::Check(args) => return commands::check::check(storage, args),
        Command::Run(args) => return run(runner::Mode::Run, cli.storage, args),
        Command::Worker(args) => return run(runner::Mode::Worker, cli.storage, args),
    }
    Ok(0)
}

fn run(mode: runner::Mode, storage: Option<String>, args: cli::RunArgs) -> anyhow::Result<u8> {
    Ok(match runner::run_given(mode, storage, args)? {
        runner::RunEnd::Done => 0,
        runner::RunEnd::Interrupted => 130,
    })
}

/// Clap's message on one line (help and version print as usual); the exit
/// code.
fn usage_error(e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // clap returns (does not panic on) a failed write: a closed pipe
        // is fine, a full disk is an error.
        if let Err(e) = e.print() {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                errln!("error: cannot write the help: {e}");
                return 1;
            }
        }
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            2
        } else {
            0
        };
    }
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error: bad arguments")
        .trim();
    let first = if first.starts_with("error:") {
        first.to_string()
    } else {
        format!("error: {first}")
    };
    errln!("{first} (see --help)");
    2
}
