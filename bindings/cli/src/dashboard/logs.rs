//! Finding a trial's stdout and stderr: `trial-N.out` / `trial-N.err` in
//! the study's log folder (the runner's layout, see
//! `hyperspace_engine::execute::log_dir`), else the paths the trial's
//! metadata recorded.

use super::views::BadRequest;
use hyperspace_engine::execute::log_dir;
use hyperspace_engine::Trial;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The most of a log sent to the page: its end, where the error is.
const LOG_TAIL_BYTES: u64 = 256 * 1024;

/// Where logs are looked for: the `--log-dir` given, or the default beside
/// the storage file.
#[derive(Debug, Clone)]
pub struct LogPlace {
    /// The runner's `--log-dir`, when it was given one.
    pub root: Option<PathBuf>,
    /// The storage URL, for the default folder.
    pub storage_url: String,
}

/// The log file of `trial` for `stream` (`stdout` or `stderr`), if one
/// exists: its path, its text (the last [`LOG_TAIL_BYTES`], lossily
/// decoded), and whether it was cut.
pub fn read_log(
    place: &LogPlace,
    study: &str,
    trial: &Trial,
    stream: &str,
) -> Result<Option<(String, String, bool)>, BadRequest> {
    let (extension, meta_key) = match stream {
        "stdout" => ("out", "log_stdout"),
        "stderr" => ("err", "log_stderr"),
        other => {
            return Err(BadRequest(format!(
                "unknown log '{other}'; ask for stdout or stderr"
            )))
        }
    };
    let folder = log_dir(place.root.as_deref(), &place.storage_url, study);
    let standard = folder.join(format!("trial-{}.{extension}", trial.number));
    let recorded = trial
        .meta
        .extra
        .get(meta_key)
        .and_then(|p| p.as_str())
        .map(PathBuf::from);
    let Some(path) = std::iter::once(standard)
        .chain(recorded)
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    match tail(&path) {
        Ok((text, truncated)) => Ok(Some((path.display().to_string(), text, truncated))),
        Err(e) => Ok(Some((
            path.display().to_string(),
            format!("(cannot read {}: {e})", path.display()),
            false,
        ))),
    }
}

/// The end of a file, and whether its beginning was left out.
fn tail(path: &Path) -> std::io::Result<(String, bool)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let truncated = len > LOG_TAIL_BYTES;
    if truncated {
        file.seek(SeekFrom::Start(len - LOG_TAIL_BYTES))?;
    }
    let mut bytes = Vec::new();
    file.take(LOG_TAIL_BYTES).read_to_end(&mut bytes)?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), truncated))
}
