//! Storage URLs, parsed once into a [`StorageUrl`]: the engine, the CLI and
//! the Python package all read the text that names a storage here, so one
//! URL means the same storage everywhere.
//!
//! The forms follow SQLAlchemy, as Optuna users write them:
//!
//! | text                                  | storage                                   |
//! |---------------------------------------|-------------------------------------------|
//! | `runs.db`, `./runs.db`, `/abs/runs.db`| SQLite file at that path                  |
//! | `sqlite:///runs.db`                   | SQLite file `runs.db`, relative           |
//! | `sqlite:////abs/runs.db`              | SQLite file `/abs/runs.db`                |
//! | `sqlite:///runs.db?timeout=5`         | busy timeout of 5 s (SQLAlchemy's name)   |
//! | `:memory:`, `memory://`, `sqlite:///:memory:` | in memory                         |
//! | `postgres://…`, `postgresql://…`, `postgresql+psycopg2://…` | PostgreSQL (driver part ignored) |
//!
//! Refused with a message that says what to write instead: the empty text,
//! `sqlite://` (no file: SQLAlchemy would open an in-memory database, which
//! is never what a person who typed a file URL wants), `sqlite://runs.db`
//! (a host, which SQLite has not), `sqlite:runs.db` (SQLAlchemy cannot
//! parse it either), and unknown schemes.
//!
//! Until SQLAlchemy's rule was adopted, `sqlite:///home/x/runs.db` meant
//! the absolute `/home/x/runs.db`. So that such URLs keep opening the
//! database they always did, a three-slash path that does not exist
//! relative to its folder while the absolute one does is read as the
//! absolute one, and [`StorageUrl::warning`] says so.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Error, Result};

/// What hyperspace reads, for error messages.
const SUPPORTED: &str = "a file path (runs.db), sqlite:///runs.db (relative to the current folder), sqlite:////abs/path/runs.db (absolute), :memory:, or postgresql://user:password@host:port/database";

/// A parsed storage URL: which back-end, and where.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageUrl {
    /// In memory, gone with the process.
    Memory,
    /// A SQLite file.
    Sqlite(SqliteUrl),
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

/// A SQLite file and the options given with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteUrl {
    path: PathBuf,
    busy_timeout: Option<Duration>,
    /// The relative path a `sqlite:///` URL named, when it was missing and
    /// the absolute one was opened instead (see the module doc).
    legacy: Option<PathBuf>,
}

impl SqliteUrl {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a write waits for another process's, if the URL (or the
    /// caller, with [`StorageUrl::with_busy_timeout`]) said.
    pub fn busy_timeout(&self) -> Option<Duration> {
        self.busy_timeout
    }
}

/// A PostgreSQL URL, its driver part (`+psycopg2`) taken out. Shown with
/// the password hidden; [`PostgresUrl::as_str`] gives it whole, to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The URL with its password, for connecting.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

impl StorageUrl {
    /// Reads a storage URL; relative SQLite paths stay relative to the
    /// current folder. See the module doc for the forms.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_in(text, Path::new(""))
    }

    /// Reads a storage URL whose relative SQLite paths are relative to
    /// `base` (an experiment file's folder, say) rather than the current
    /// folder.
    pub fn parse_in(text: &str, base: &Path) -> Result<Self> {
        let text = text.trim();
        let bad = |reason: String| Error::StorageUrl {
            url: redact(text),
            reason,
        };
        if text.is_empty() {
            return Err(bad(format!("empty; give {SUPPORTED}")));
        }
        if text == ":memory:" {
            return Ok(Self::Memory);
        }
        let Some((scheme, rest)) = split_scheme(text) else {
            return Ok(Self::Sqlite(SqliteUrl {
                path: base.join(text),
                busy_timeout: None,
                legacy: None,
            }));
        };
        let family = family_of(scheme);
        let Some(after) = rest.strip_prefix("//") else {
            let instead = match family.as_str() {
                "sqlite" => format!(
                    "sqlite:///{rest} for a file relative to the current folder, or {rest} alone"
                ),
                "memory" => ":memory:".into(),
                // `rest` may hold a password: not repeated.
                _ => "postgresql://user:password@host:port/database".into(),
            };
            return Err(Error::StorageUrl {
                url: if family == "sqlite" {
                    text.into()
                } else {
                    format!("{scheme}:…")
                },
                reason: format!("not a URL (a URL has // after '{scheme}:'); write {instead}"),
            });
        };
        match family.as_str() {
            "memory" if after.is_empty() => Ok(Self::Memory),
            "memory" => Err(bad(
                "memory:// takes nothing after it; write :memory:".into()
            )),
            "sqlite" => parse_sqlite(after, base).map_err(bad),
            "postgres" | "postgresql" => {
                Ok(Self::Postgres(PostgresUrl(format!("{family}:{rest}"))))
            }
            _ => Err(bad(format!("unknown scheme '{scheme}'; use {SUPPORTED}"))),
        }
    }

    /// The SQLite file, when the URL names one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(sqlite) => Some(&sqlite.path),
            _ => None,
        }
    }

    /// The same URL with a SQLite busy timeout set (replacing one the URL
    /// gave); other storages have none and are returned unchanged.
    pub fn with_busy_timeout(self, timeout: Duration) -> Self {
        match self {
            Self::Sqlite(sqlite) => Self::Sqlite(SqliteUrl {
                busy_timeout: Some(timeout),
                ..sqlite
            }),
            other => other,
        }
    }

    /// The same URL with a relative SQLite path made absolute against the
    /// current folder, for handing to a process that may run elsewhere.
    /// Unchanged if the current folder cannot be read.
    pub fn absolute(self) -> Self {
        match self {
            Self::Sqlite(sqlite) if sqlite.path.is_relative() => match std::env::current_dir() {
                Ok(cwd) => Self::Sqlite(SqliteUrl {
                    path: cwd.join(&sqlite.path),
                    ..sqlite
                }),
                Err(_) => Self::Sqlite(sqlite),
            },
            other => other,
        }
    }

    /// A warning for the person who wrote the URL, when it was read in a
    /// way they may not expect: a `sqlite:///` path opened as absolute
    /// because the relative one is missing (see the module doc).
    pub fn warning(&self) -> Option<String> {
        let Self::Sqlite(SqliteUrl {
            path,
            legacy: Some(relative),
            ..
        }) = self
        else {
            return None;
        };
        let written = relative.display();
        Some(format!(
            "sqlite:///{written} names {written}, relative to the current folder (as in SQLAlchemy and Optuna); it does not exist, so the existing {} is opened instead. Write sqlite:///{} (four slashes) or the plain path to say so; this fallback will go",
            path.display(),
            path.display(),
        ))
    }

    /// The URL as text that parses back to the same storage, password
    /// included (for passing on to another process; for messages use
    /// `Display`, which hides it). A SQLite file without options is given
    /// as its plain path.
    pub fn to_url(&self) -> String {
        match self {
            Self::Memory => ":memory:".into(),
            Self::Postgres(url) => url.0.clone(),
            Self::Sqlite(sqlite) => {
                let path = sqlite.path.display().to_string();
                match sqlite.busy_timeout {
                    None if reads_as_plain_path(&path) => path,
                    None => format!("sqlite:///{path}"),
                    Some(timeout) => format!("sqlite:///{path}?timeout={}", timeout.as_secs_f64()),
                }
            }
        }
    }
}

impl std::str::FromStr for StorageUrl {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl fmt::Display for StorageUrl {
    /// The URL for messages: as [`StorageUrl::to_url`], the password hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => write!(f, "{url}"),
            other => f.write_str(&other.to_url()),
        }
    }
}

impl fmt::Debug for StorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.write_str("Memory"),
            Self::Sqlite(sqlite) => f.debug_tuple("Sqlite").field(sqlite).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(url).finish(),
        }
    }
}

/// What [`super::open_storage`] accepts: a URL's text, or a parsed URL.
pub trait IntoStorageUrl {
    /// The parsed URL.
    fn into_storage_url(self) -> Result<StorageUrl>;
}

impl IntoStorageUrl for StorageUrl {
    fn into_storage_url(self) -> Result<StorageUrl> {
        Ok(self)
    }
}

impl IntoStorageUrl for &StorageUrl {
    fn into_storage_url(self) -> Result<StorageUrl> {
        Ok(self.clone())
    }
}

impl IntoStorageUrl for &str {
    fn into_storage_url(self) -> Result<StorageUrl> {
        StorageUrl::parse(self)
    }
}

impl IntoStorageUrl for &String {
    fn into_storage_url(self) -> Result<StorageUrl> {
        StorageUrl::parse(self)
    }
}

impl IntoStorageUrl for String {
    fn into_storage_url(self) -> Result<StorageUrl> {
        StorageUrl::parse(&self)
    }
}

/// The file a storage URL names when it is a SQLite file; `None` for
/// memory and server URLs, and for text that is no storage URL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    StorageUrl::parse(url)
        .ok()?
        .sqlite_path()
        .map(Path::to_path_buf)
}

/// The scheme and what follows its colon, if `text` is written as a URL:
/// it contains `://` after a scheme, or starts with a scheme hyperspace
/// knows and a colon (`sqlite:runs.db`, refused by the caller). Anything
/// else is a plain path, colons and all (`C:\runs.db`, `a:b.db`).
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let well_formed = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let known = matches!(
        family_of(scheme).as_str(),
        "sqlite" | "memory" | "postgres" | "postgresql"
    );
    (well_formed && (rest.starts_with("//") || known)).then_some((scheme, rest))
}

/// A scheme without its driver part, in lower case: `postgresql+psycopg2`
/// is `postgresql` (SQLAlchemy's driver part says which Python module
/// connects; here it means nothing).
fn family_of(scheme: &str) -> String {
    scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase()
}

/// Reads what follows `sqlite://`: `/` and a path, then `?options`.
fn parse_sqlite(after: &str, base: &Path) -> std::result::Result<StorageUrl, String> {
    let (body, query) = match after.split_once('?') {
        Some((body, query)) => (body, Some(query)),
        None => (after, None),
    };
    let Some(path) = body.strip_prefix('/') else {
        return Err(if body.is_empty() {
            "sqlite:// names no file; write sqlite:///runs.db (relative to the current folder), sqlite:////abs/path/runs.db (absolute), or :memory:".into()
        } else {
            format!("sqlite://{body} names a host, and SQLite has none; write sqlite:///{body} (three slashes: relative to the current folder) or sqlite:////abs/path/{body} (four: absolute)")
        });
    };
    let busy_timeout = sqlite_options(query)?;
    if path.is_empty() {
        return Err("sqlite:/// names no file; write sqlite:///runs.db, sqlite:////abs/path/runs.db, or :memory:".into());
    }
    if path == ":memory:" {
        return Ok(StorageUrl::Memory);
    }
    let written = Path::new(path);
    let here = base.join(written);
    let old = Path::new("/").join(written);
    let (path, legacy) = if written.is_relative() && !here.exists() && old.exists() {
        (old, Some(written.to_path_buf()))
    } else {
        (here, None)
    };
    Ok(StorageUrl::Sqlite(SqliteUrl {
        path,
        busy_timeout,
        legacy,
    }))
}

/// The options of a SQLite URL: `timeout=SECONDS`, as SQLAlchemy's
/// pysqlite names the busy timeout.
fn sqlite_options(query: Option<&str>) -> std::result::Result<Option<Duration>, String> {
    let mut timeout = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "timeout" => {
                let seconds = value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| {
                        format!("timeout={value}: give a non-negative number of seconds")
                    })?;
                timeout = Some(Duration::from_secs_f64(seconds));
            }
            _ => {
                return Err(format!(
                    "unknown SQLite option '{key}'; the one hyperspace reads is timeout=SECONDS (how long a write waits for another process's)"
                ))
            }
        }
    }
    Ok(timeout)
}

/// Whether a path's text, given alone, parses back as that same file.
fn reads_as_plain_path(path: &str) -> bool {
    !path.is_empty() && path.trim() == path && path != ":memory:" && split_scheme(path).is_none()
}

/// The URL with any password replaced by `***`, for messages: the part
/// before the last `@` (libpq reads a password up to it, `/` included) and
/// a `password=` query parameter.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (main, query) = match rest.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (rest, None),
    };
    let main = match main.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}:***@{host}")
        }
        _ => main.to_string(),
    };
    let query = query.map(|q| {
        let pairs: Vec<&str> = q
            .split('&')
            .map(|pair| {
                if pair.to_ascii_lowercase().starts_with("password=") {
                    "password=***"
                } else {
                    pair
                }
            })
            .collect();
        format!("?{}", pairs.join("&"))
    });
    format!("{scheme}://{main}{}", query.unwrap_or_default())
}

#[cfg(test)]
mod tests;
