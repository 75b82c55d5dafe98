//! Writing to stdout and stderr without panicking.
//!
//! `println!` and `eprintln!` panic when the write fails — a closed pipe
//! (`hyperspace trials | head -1`), a full disk (`> /dev/full`) — and the
//! process ends with a panic message and code 101. Everything the CLI
//! prints goes through here instead:
//!
//! - Results go to stdout through [`outln!`] or [`stdout`], which return the
//!   error. `main` ends quietly with code 0 when it is a broken pipe (the
//!   reader has all it wanted: what `head` expects, and what ripgrep does;
//!   0 rather than the shell's 141 so that `set -o pipefail` scripts do not
//!   fail on `| head`), and with a one-line message and code 1 otherwise.
//! - Notes and progress go to stderr through [`errln!`], best effort: a run
//!   whose stderr fills up keeps running its trials (stopping would throw
//!   away work for the sake of a log line), but remembers the failure, and
//!   `main` then exits with code 1 so that scripts see something went wrong.
//!   A broken pipe on stderr is ignored, as on stdout.
//!
//! The progress bar (indicatif) ignores its own write errors and is drawn
//! only on a terminal.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a write to stderr failed for a reason other than a broken pipe.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes a line to stdout; returns the error (see the module doc).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdio::out_line(format_args!($($arg)*))
    };
}

/// Writes a line to stderr, best effort (see the module doc).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::stdio::err_line(format_args!($($arg)*))
    };
}

/// Locked stdout whose errors say that stdout failed, keeping their kind
/// (so that a broken pipe is still recognised after `?`).
pub struct Stdout(io::StdoutLock<'static>);

impl fmt::Debug for Stdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stdout")
    }
}

/// Stdout for many writes in a row (tables, JSON lines).
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(labelled)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(labelled)
    }
}

fn labelled(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return e;
    }
    io::Error::new(e.kind(), format!("cannot write to standard output: {e}"))
}

/// One line to stdout, flushed (what [`outln!`] calls).
pub fn out_line(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut out = stdout();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Text to stderr without a newline (a prompt), best effort.
pub fn err_text(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let written = err.write_fmt(args).and_then(|()| err.flush());
    remember(written);
}

/// One line to stderr, best effort (what [`errln!`] calls).
pub fn err_line(args: fmt::Arguments<'_>) {
    err_text(format_args!("{args}\n"));
}

fn remember(written: io::Result<()>) {
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            STDERR_FAILED.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether `e` comes from a reader that went away (a broken pipe).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The exit code once a command is done with `code`: after a success,
/// stdout flushed (a failure there is reported) and 1 instead of 0 when
/// stderr could not be written. After a failure, already reported, the
/// bytes a failed write left in stdout's buffer are not tried again.
pub fn finish(code: u8) -> u8 {
    if code != 0 {
        return code;
    }
    if let Err(e) = stdout().flush() {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return code;
        }
        errln!("error: {e}");
        return 1;
    }
    if STDERR_FAILED.load(Ordering::Relaxed) {
        return 1;
    }
    code
}
