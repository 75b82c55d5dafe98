//! Running one trial's command: in its own process group, its output in log
//! files that are read as they grow, stopped by a time limit, the pruner or
//! an interrupt (SIGTERM to the whole group, SIGKILL after a grace period).

use super::output::{OutputReader, Parsed};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a running command is checked and its output read.
const POLL: Duration = Duration::from_millis(25);
/// How long a command has to exit after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(3);
/// How much of the end of stderr a failed trial keeps.
const STDERR_TAIL: u64 = 1500;

/// Which of the command's outputs metrics are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streams {
    /// Standard output only (the default).
    Stdout,
    /// Standard error only.
    Stderr,
    /// Both.
    Both,
}

/// Everything needed to start one trial's command.
#[derive(Debug)]
pub struct Launch {
    /// The trial.
    pub trial: i64,
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Where it runs.
    pub cwd: PathBuf,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Where its stdout goes.
    pub stdout_log: PathBuf,
    /// Where its stderr goes.
    pub stderr_log: PathBuf,
    /// The time limit.
    pub timeout: Option<Duration>,
    /// Which outputs to read.
    pub streams: Streams,
    /// The reader of its output.
    pub reader: OutputReader,
    /// The objective's name, when known.
    pub objective: Option<String>,
    /// For a study with several objectives, the metric each is read from.
    pub objectives: Vec<String>,
    /// Set by the scheduler when the pruner stops the trial.
    pub prune: Arc<AtomicBool>,
}

/// How a trial's command ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// It exited with this status code.
    Exited(i32),
    /// A signal it did not ask for ended it.
    Signaled(i32),
    /// It ran past its time limit and was killed.
    TimedOut(Duration),
    /// The run was interrupted (Ctrl-C) and it was stopped.
    Interrupted,
    /// The pruner stopped it.
    Pruned,
    /// It could not be started at all.
    NotStarted(String),
}

/// What running a trial's command gave.
#[derive(Debug)]
pub struct Finished {
    /// The trial.
    pub trial: i64,
    /// How it ended.
    pub ending: Ending,
    /// Its result, or why there is none.
    pub result: Result<Parsed, String>,
    /// The end of its stderr.
    pub stderr_tail: String,
    /// When it ended (RFC 3339).
    pub ended: String,
}

/// Messages from a trial's thread to the scheduler.
#[derive(Debug)]
pub enum Event {
    /// What the command printed for one step (the objective's
    /// intermediate value, named metrics).
    Report(hyperspace_engine::Report),
    /// The command is running (it could be started).
    Spawned,
    /// The command ended.
    Done(Box<Finished>),
}

/// Runs a trial's command to its end, sending intermediate values and then
/// the outcome. `interrupts` counts Ctrl-Cs: one stops the command
/// gracefully, two kill it at once.
pub fn run(mut launch: Launch, interrupts: Arc<AtomicUsize>, events: Sender<Event>) {
    let trial = launch.trial;
    let (ending, tail) = match execute(&mut launch, &interrupts, &events) {
        Ok(ending) => (ending, stderr_tail(&launch.stderr_log)),
        Err(reason) => (Ending::NotStarted(reason), String::new()),
    };
    let result = launch
        .reader
        .result(launch.objective.as_deref(), &launch.objectives);
    let finished = Finished {
        trial,
        ending,
        result,
        stderr_tail: tail,
        ended: now(),
    };
    // The scheduler outlives every trial thread; a send error means it is
    // gone already and there is no one left to tell.
    let _ = events.send(Event::Done(Box::new(finished)));
}

/// The current time as RFC 3339 with milliseconds, UTC (as the engine writes it).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn execute(
    launch: &mut Launch,
    interrupts: &AtomicUsize,
    events: &Sender<Event>,
) -> Result<Ending, String> {
    let out = File::create(&launch.stdout_log)
        .map_err(|e| format!("cannot write {}: {e}", launch.stdout_log.display()))?;
    let err = File::create(&launch.stderr_log)
        .map_err(|e| format!("cannot write {}: {e}", launch.stderr_log.display()))?;
    let mut command = Command::new(&launch.argv[0]);
    command
        .args(&launch.argv[1..])
        .current_dir(&launch.cwd)
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", launch.argv[0]))?;
    let _ = events.send(Event::Spawned);

    let mut tails = vec![];
    if launch.streams != Streams::Stderr {
        tails.push(Tail::open(&launch.stdout_log));
    }
    if launch.streams != Streams::Stdout {
        tails.push(Tail::open(&launch.stderr_log));
    }
    let start = Instant::now();
    let mut stopping: Option<(Instant, Ending)> = None;
    let status = loop {
        let exited = child.try_wait().map_err(|e| e.to_string())?;
        for tail in &mut tails {
            tail.read_lines(&mut launch.reader, events, false);
        }
        if let Some(status) = exited {
            break status;
        }
        let presses = interrupts.load(Ordering::SeqCst);
        match &stopping {
            None => {
                let reason = if presses > 0 {
                    Some(Ending::Interrupted)
                } else if launch.prune.load(Ordering::SeqCst) {
                    Some(Ending::Pruned)
                } else {
                    launch
                        .timeout
                        .filter(|t| start.elapsed() >= *t)
                        .map(Ending::TimedOut)
                };
                if let Some(reason) = reason {
                    signal_group(&mut child, false);
                    stopping = Some((Instant::now(), reason));
                }
            }
            Some((since, _)) => {
                if presses > 1 || since.elapsed() >= GRACE {
                    signal_group(&mut child, true);
                }
            }
        }
        std::thread::sleep(POLL);
    };
    // Anything the group left behind goes with it.
    signal_group(&mut child, true);
    for tail in &mut tails {
        tail.read_lines(&mut launch.reader, events, true);
    }
    Ok(match stopping {
        Some((_, reason)) => reason,
        None => ending_of(status),
    })
}

fn ending_of(status: ExitStatus) -> Ending {
    if let Some(code) = status.code() {
        return Ending::Exited(code);
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Ending::Signaled(signal);
    }
    Ending::Exited(-1)
}

/// Sends SIGTERM (or SIGKILL) to the child's whole process group.
fn signal_group(child: &mut Child, kill: bool) {
    #[cfg(unix)]
    {
        use nix::sys::signal::{killpg, Signal};
        use nix::unistd::Pid;
        let signal = if kill {
            Signal::SIGKILL
        } else {
            Signal::SIGTERM
        };
        // The group may be gone already (ESRCH): nothing left to stop.
        let _ = killpg(Pid::from_raw(child.id() as i32), signal);
    }
    #[cfg(not(unix))]
    {
        let _ = kill;
        let _ = child.kill();
    }
}

/// A log file read as it grows, line by line.
struct Tail {
    file: Option<File>,
    pending: Vec<u8>,
}

impl Tail {
    fn open(path: &Path) -> Tail {
        Tail {
            file: File::open(path).ok(),
            pending: Vec::new(),
        }
    }

    fn read_lines(&mut self, reader: &mut OutputReader, events: &Sender<Event>, at_end: bool) {
        let Some(file) = &mut self.file else { return };
        // A read error leaves the rest unread; the log file keeps it all.
        let _ = file.read_to_end(&mut self.pending);
        let mut consumed = 0;
        while let Some(pos) = self.pending[consumed..].iter().position(|&b| b == b'\n') {
            let line =
                String::from_utf8_lossy(&self.pending[consumed..consumed + pos]).into_owned();
            consumed += pos + 1;
            feed(reader, &line, events);
        }
        self.pending.drain(..consumed);
        if at_end && !self.pending.is_empty() {
            let line = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            feed(reader, &line, events);
        }
    }
}

fn feed(reader: &mut OutputReader, line: &str, events: &Sender<Event>) {
    if let Some(report) = reader.line(line) {
        let _ = events.send(Event::Report(report));
    }
}

/// The last part of a stderr log, from a line start, trimmed.
fn stderr_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let from = len.saturating_sub(STDERR_TAIL);
    if file.seek(SeekFrom::Start(from)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let text = if from > 0 {
        text.split_once('\n')
            .map_or(text.as_str(), |(_, rest)| rest)
            .to_string()
    } else {
        text
    };
    text.trim().to_string()
}
