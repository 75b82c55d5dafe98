//! The SQLite back-end: the embedded default. One file, WAL, safe for
//! several processes on one machine.
//!
//! A trial is one row: the columns queries need (study, number, state,
//! change counter, claim key) and the rest as one JSON document. Every write
//! runs in an IMMEDIATE transaction, so change numbers, trial numbers and
//! claims are decided under SQLite's single writer lock: two processes never
//! get the same number, the same queued trial or the same grid point.

use super::fork::Activity;
use super::record::{
    new_trial, read_attrs, read_study, read_trial, start_claimed, upgraded_config, with_attr, Body,
    Columns, Migration,
};
use super::{Storage, StudyAttrs, StudyListing, StudyRecord, StudyText, TrialUpdate};
use crate::retarget::{apply_retarget, read_history};
use crate::{
    Error, Metadata, NewTrial, Objective, ObjectiveChange, Result, Space, StudyConfig, StudyId,
    Trial, TrialId,
};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a writer waits for another process's transaction, by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Schema migrations, in order; the file's `user_version` counts those applied.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
        r#"
    CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
    INSERT INTO counter (id, value) VALUES (1, 0);
    CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL,
        change INTEGER NOT NULL,
        claim TEXT,
        body TEXT NOT NULL,
        UNIQUE (study_id, number)
    );
    CREATE INDEX trials_by_state ON trials (study_id, state, number);
    CREATE INDEX trials_by_change ON trials (study_id, change);
    CREATE UNIQUE INDEX trials_by_claim ON trials (study_id, claim) WHERE claim IS NOT NULL;
"#,
    ),
    Migration::ObjectivesInConfig,
    Migration::Sql("ALTER TABLE studies ADD COLUMN user_attrs TEXT NOT NULL DEFAULT '{}';"),
    Migration::Sql("ALTER TABLE studies ADD COLUMN objective_history TEXT NOT NULL DEFAULT '[]';"),
    // Every commit writes each page it touched to the WAL, and a trial's
    // create and finish are two commits. A database-wide counter row and an
    // index over every state put two more pages in each; the study's own
    // largest change (from `trials_by_change`) numbers changes as well, and
    // only waiting trials are ever looked up by state. An older hyperspace
    // would go on bumping the dropped counter, so the version step makes it
    // refuse this file instead. Changes now start over in a new study, so a
    // study deleted and made again must not get its old id back (SQLite
    // reuses the largest rowid once it is deleted): readers that keep a
    // study's trials by id, such as the dashboard, would take the new
    // study for the old one and wait for changes past the old one's last.
    // `study_ids` remembers the largest id ever given; only a new study
    // writes it.
    Migration::Sql(
        r#"
    DROP INDEX IF EXISTS trials_by_state;
    CREATE INDEX IF NOT EXISTS trials_waiting ON trials (study_id, number) WHERE state = 'waiting';
    DROP TABLE IF EXISTS counter;
    CREATE TABLE IF NOT EXISTS study_ids (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
    INSERT OR IGNORE INTO study_ids (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM studies;
"#,
    ),
];

/// A SQLite database file holding any number of studies.
#[derive(Debug)]
pub struct SqliteStorage {
    path: PathBuf,
    conn: Mutex<Connection>,
    busy_timeout: Duration,
}

/// The connection of one SQLite call; the fork gate is released after the
/// connection (fields drop in order).
struct Locked<'a> {
    conn: MutexGuard<'a, Connection>,
    _activity: Activity,
}

impl std::ops::Deref for Locked<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl SqliteStorage {
    /// A text column of a study's row; an error if the study is gone.
    fn study_text(&self, id: StudyId, column: StudyText) -> Result<String> {
        let sql = match column {
            StudyText::UserAttrs => "SELECT user_attrs FROM studies WHERE id = ?1",
            StudyText::ObjectiveHistory => "SELECT objective_history FROM studies WHERE id = ?1",
        };
        let stored: Option<String> =
            self.read(|c| c.query_row(sql, [id.0], |r| r.get(0)).optional())?;
        stored.ok_or_else(|| Error::Storage(format!("study {} no longer exists", id.0)))
    }

    /// Opens (creating if needed) a database file, and brings its schema up
    /// to date.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens a database file, waiting at most `busy_timeout` for other
    /// processes' transactions before failing with `DatabaseLocked`.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let shown = path.display().to_string();
        let conn = {
            let _activity = Activity::enter();
            Connection::open(path).map_err(|e| map_err(&shown, busy_timeout, e))?
        };
        let storage = Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            busy_timeout,
        };
        storage.configure().map_err(|e| storage.err(e))?;
        storage.migrate()?;
        Ok(storage)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> rusqlite::Result<()> {
        let conn = self.lock();
        conn.busy_timeout(self.busy_timeout)?;
        // Fails with "file is not a database" right here for a foreign file.
        // SQLite answers a journal-mode change with SQLITE_BUSY at once,
        // without consulting the busy handler, while another connection is
        // opening the same new file; so wait here as the handler would.
        let mode: String = retry_busy(self.busy_timeout, || {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        })?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            conn.pragma_update(None, "journal_mode", "DELETE")?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(())
    }

    fn migrate(&self) -> Result<()> {
        self.write_try(|tx| {
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let known = MIGRATIONS.len() as i64;
            if version > known {
                return Ok(Err(Error::SchemaTooNew {
                    path: self.path.display().to_string(),
                    found: version,
                    known,
                }));
            }
            let Ok(from) = usize::try_from(version) else {
                return Ok(Err(Error::CorruptDatabase {
                    path: self.path.display().to_string(),
                    reason: format!("its schema version is {version}, which no hyperspace wrote"),
                }));
            };
            for step in MIGRATIONS.get(from..).unwrap_or_default() {
                match step {
                    Migration::Sql(sql) => tx.execute_batch(sql)?,
                    Migration::ObjectivesInConfig => upgrade_configs(tx)?,
                }
            }
            tx.pragma_update(None, "user_version", known)?;
            Ok(Ok(()))
        })
    }

    /// The connection, for one SQLite call (a fork waits until it ends;
    /// see `fork.rs`).
    fn lock(&self) -> Locked<'_> {
        let activity = Activity::enter();
        // A panic inside a transaction rolls it back when it is dropped, so
        // the connection is usable again.
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Locked {
            conn,
            _activity: activity,
        }
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        map_err(&self.path.display().to_string(), self.busy_timeout, e)
    }

    /// Runs `f` in an IMMEDIATE transaction and commits it if `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.write_try(|tx| f(tx).map(Ok))
    }

    /// Like [`Self::write`] for closures that may also fail with an engine
    /// error: SQLite errors come outside, engine errors inside, and either
    /// rolls the transaction back.
    fn write_try<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<Result<T>>,
    ) -> Result<T> {
        let conn = self.lock();
        let tx = WriteTx::begin(&conn).map_err(|e| self.err(e))?;
        match f(&conn).map_err(|e| self.err(e))? {
            Ok(out) => {
                tx.commit().map_err(|e| self.err(e))?;
                Ok(out)
            }
            Err(e) => Err(e), // dropping `tx` rolls back
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.lock();
        f(&conn).map_err(|e| self.err(e))
    }
}

/// An open IMMEDIATE transaction, rolled back when dropped uncommitted (an
/// error, or a panic in the caller), so the connection is usable again.
///
/// rusqlite's own `Transaction` parses its BEGIN and COMMIT afresh each
/// time; a trial is two write transactions, so these come from the
/// statement cache instead.
struct WriteTx<'c> {
    conn: &'c Connection,
}

impl<'c> WriteTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(Self { conn })
    }

    /// Commits; a failed COMMIT leaves the transaction open, and dropping
    /// `self` then rolls it back.
    fn commit(self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // Nothing to report it to: the caller already has its error,
            // and SQLite ends the transaction itself when ROLLBACK fails.
            let _ = self
                .conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut s| s.execute([]));
        }
    }
}

/// Runs `f` again while SQLite answers busy, with a short growing pause,
/// until `timeout` has passed; then returns the busy error, which
/// [`map_err`] turns into `DatabaseLocked`. For the statements SQLite does
/// not retry through its busy handler.
fn retry_busy<T>(
    timeout: Duration,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    && start.elapsed() + pause < timeout =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Rewrites each readable study configuration in today's form.
fn upgrade_configs(tx: &Connection) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, config FROM studies")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, text_column(r, 1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, config) in rows {
        if let Some(upgraded) = upgraded_config(&config) {
            tx.execute(
                "UPDATE studies SET config = ?2 WHERE id = ?1",
                params![id, upgraded],
            )?;
        }
    }
    Ok(())
}

/// The study's next change number: one above its largest, so changes count
/// up within a study in commit order (write transactions are serial).
fn next_change(tx: &Connection, study: StudyId) -> rusqlite::Result<u64> {
    tx.prepare_cached("SELECT COALESCE(MAX(change), 0) + 1 FROM trials WHERE study_id = ?1")?
        .query_row([study.0], |r| r.get::<_, i64>(0))
        .map(|v| v as u64)
}

fn to_json<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn json_err(column: usize, e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

const TRIAL_COLUMNS: &str = "id, study_id, number, state, change, body";

/// A trial row; one whose state or body cannot be read comes back
/// quarantined (see `record::read_trial`).
fn row_to_trial(row: &rusqlite::Row<'_>) -> rusqlite::Result<Trial> {
    let columns = Columns {
        id: TrialId(row.get(0)?),
        study: StudyId(row.get(1)?),
        number: row.get::<_, i64>(2)? as u64,
        state: text_column(row, 3)?,
        change: row.get::<_, i64>(4)? as u64,
    };
    Ok(read_trial(columns, &text_column(row, 5)?))
}

/// A text column, also when a hand-made change stored a blob or a number
/// there (which then fails to parse, and is reported, instead of failing
/// the whole query).
fn text_column(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(i)? {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Null => String::new(),
    })
}

/// A study row (id, name, config, created) as listed.
fn row_to_listing(row: &rusqlite::Row<'_>) -> rusqlite::Result<StudyListing> {
    Ok(read_study(
        StudyId(row.get(0)?),
        row.get(1)?,
        &text_column(row, 2)?,
        row.get(3)?,
    ))
}

fn body_of(t: &Trial) -> rusqlite::Result<String> {
    Body::json_of(t).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn row_to_study(row: &rusqlite::Row<'_>) -> rusqlite::Result<StudyRecord> {
    let config: String = row.get(1)?;
    let config: StudyConfig = serde_json::from_str(&config).map_err(|e| json_err(1, e))?;
    Ok(StudyRecord {
        id: StudyId(row.get(0)?),
        config,
        created: row.get(2)?,
    })
}

fn load_trial(tx: &Connection, id: TrialId) -> rusqlite::Result<Option<Trial>> {
    tx.prepare_cached(&format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE id = ?1"))?
        .query_row([id.0], row_to_trial)
        .optional()
}

fn save_trial(tx: &Connection, t: &Trial, claim: Option<&str>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE trials SET state = ?2, change = ?3, body = ?4, claim = COALESCE(?5, claim) WHERE id = ?1",
    )?
    .execute(params![t.id.0, t.state.as_str(), t.change as i64, body_of(t)?, claim])?;
    Ok(())
}

/// Takes a damaged waiting trial out of the queue, leaving its body as it is.
fn leave_queue(tx: &Connection, trial: &Trial) -> rusqlite::Result<()> {
    let change = next_change(tx, trial.study)?;
    tx.execute(
        "UPDATE trials SET state = 'failed', change = ?2 WHERE id = ?1",
        params![trial.id.0, change as i64],
    )?;
    Ok(())
}

fn is_claim_conflict(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, Some(msg))
        if f.code == ErrorCode::ConstraintViolation && msg.contains("claim"))
}

impl Storage for SqliteStorage {
    fn describe(&self) -> String {
        format!("sqlite file {}", self.path.display())
    }

    fn artifact_store(&self) -> Option<PathBuf> {
        Some(crate::artifacts::sqlite_store(&self.path))
    }

    fn create_study(&self, config: &StudyConfig) -> Result<StudyRecord> {
        let created = crate::now();
        self.write_try(|tx| {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT id FROM studies WHERE name = ?1",
                    [&config.name],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Ok(Err(Error::StudyExists {
                    name: config.name.clone(),
                    storage: self.describe(),
                }));
            }
            // Never an id a deleted study had (see migration 5); above any
            // study in the file, however it got there.
            let id: i64 = tx.query_row(
                "UPDATE study_ids SET last = MAX(last, (SELECT COALESCE(MAX(id), 0) FROM studies)) + 1
                 WHERE id = 1 RETURNING last",
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO studies (id, name, config, created) VALUES (?1, ?2, ?3, ?4)",
                params![id, config.name, to_json(config)?, created],
            )?;
            Ok(Ok(StudyRecord {
                id: StudyId(id),
                config: config.clone(),
                created: created.clone(),
            }))
        })
    }

    fn find_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        let found = self.read(|c| {
            c.query_row(
                "SELECT id, name, config, created FROM studies WHERE name = ?1",
                [name],
                row_to_listing,
            )
            .optional()
        })?;
        StudyListing::into_found(found, self.describe())
    }

    fn list_studies(&self) -> Result<Vec<StudyListing>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT id, name, config, created FROM studies ORDER BY id")?;
            let rows = stmt.query_map([], row_to_listing)?;
            rows.collect()
        })
    }

    fn delete_study(&self, id: StudyId) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM trials WHERE study_id = ?1", [id.0])?;
            tx.execute("DELETE FROM studies WHERE id = ?1", [id.0])?;
            Ok(())
        })
    }

    fn study_attrs(&self, id: StudyId) -> Result<StudyAttrs> {
        read_attrs(&self.study_text(id, StudyText::UserAttrs)?)
    }

    fn set_study_attr(&self, id: StudyId, key: &str, value: &serde_json::Value) -> Result<()> {
        self.write_try(|tx| {
            let stored: Option<String> = tx
                .query_row(
                    "SELECT user_attrs FROM studies WHERE id = ?1",
                    [id.0],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(stored) = stored else {
                return Ok(Err(Error::Storage(format!(
                    "study {} no longer exists",
                    id.0
                ))));
            };
            let text = match with_attr(&stored, key, value) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            tx.execute(
                "UPDATE studies SET user_attrs = ?2 WHERE id = ?1",
                params![id.0, text],
            )?;
            Ok(Ok(()))
        })
    }

    fn objective_history(&self, id: StudyId) -> Result<Vec<ObjectiveChange>> {
        read_history(&self.study_text(id, StudyText::ObjectiveHistory)?)
    }

    fn retarget_study(
        &self,
        id: StudyId,
        objectives: &[Objective],
        at: &str,
        check: &dyn Fn(&StudyConfig) -> Result<()>,
    ) -> Result<StudyConfig> {
        self.write_try(|tx| {
            let found = tx
                .query_row(
                    "SELECT id, config, created, objective_history FROM studies WHERE id = ?1",
                    [id.0],
                    |r| Ok((row_to_study(r)?, r.get::<_, String>(3)?)),
                )
                .optional()?;
            let Some((mut record, history)) = found else {
                return Ok(Err(Error::Storage(format!(
                    "study {} no longer exists",
                    id.0
                ))));
            };
            let history = match apply_retarget(&mut record.config, &history, objectives, at, check)
            {
                Ok(h) => h,
                Err(e) => return Ok(Err(e)),
            };
            tx.execute(
                "UPDATE studies SET config = ?2, objective_history = ?3 WHERE id = ?1",
                params![id.0, to_json(&record.config)?, history],
            )?;
            Ok(Ok(record.config))
        })
    }

    fn update_space(&self, id: StudyId, change: &dyn Fn(&Space) -> Result<Space>) -> Result<Space> {
        self.write_try(|tx| {
            let record = tx
                .query_row(
                    "SELECT id, config, created FROM studies WHERE id = ?1",
                    [id.0],
                    row_to_study,
                )
                .optional()?;
            let Some(mut record) = record else {
                return Ok(Err(Error::Storage(format!(
                    "study {} no longer exists",
                    id.0
                ))));
            };
            let space = match change(&record.config.space) {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            record.config.space = space.clone();
            tx.execute(
                "UPDATE studies SET config = ?2 WHERE id = ?1",
                params![id.0, to_json(&record.config)?],
            )?;
            Ok(Ok(space))
        })
    }

    fn create_trial(&self, study: StudyId, new: &NewTrial) -> Result<Trial> {
        let result = self.write_try(|tx| {
            let exists: Option<i64> =
                tx.prepare_cached("SELECT id FROM studies WHERE id = ?1")?
                    .query_row([study.0], |r| r.get(0))
                    .optional()?;
            if exists.is_none() {
                return Ok(Err(Error::Storage(format!("study {} no longer exists", study.0))));
            }
            let change = next_change(tx, study)?;
            let number: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?1")?
                .query_row([study.0], |r| r.get(0))?;
            if let Err(e) = super::record::check_number(new, number as u64) {
                return Ok(Err(e));
            }
            let mut trial = match new_trial(new, TrialId(0), study, number as u64, change) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            tx.prepare_cached(
                "INSERT INTO trials (study_id, number, state, change, claim, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![study.0, number, trial.state.as_str(), change as i64, new.claim, body_of(&trial)?])?;
            trial.id = TrialId(tx.last_insert_rowid());
            Ok(Ok(trial))
        });
        claim_result(result, new.claim.as_deref())
    }

    fn claim_waiting(&self, study: StudyId, meta: &Metadata) -> Result<Option<Trial>> {
        // Most asks find no queue: check with a plain read before taking
        // the write lock.
        let any: bool = self.read(|c| {
            c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM trials WHERE study_id = ?1 AND state = 'waiting')",
            )?
            .query_row([study.0], |r| r.get(0))
        })?;
        if !any {
            return Ok(None);
        }
        self.write_try(|tx| {
            let mut trial = loop {
                let waiting = tx
                    .query_row(
                        &format!(
                            "SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = ?1 AND state = 'waiting' ORDER BY number LIMIT 1"
                        ),
                        [study.0],
                        row_to_trial,
                    )
                    .optional()?;
                let Some(trial) = waiting else { return Ok(Ok(None)) };
                if trial.damage().is_none() {
                    break trial;
                }
                // A damaged row would block the queue: it leaves it, failed,
                // its body kept for `hyperspace check`.
                leave_queue(tx, &trial)?;
            };
            if let Err(e) = start_claimed(&mut trial, meta, next_change(tx, study)?) {
                return Ok(Err(e));
            }
            save_trial(tx, &trial, None)?;
            Ok(Ok(Some(trial)))
        })
    }

    fn update_trial(&self, id: TrialId, update: &TrialUpdate) -> Result<Trial> {
        let result = self.write_try(|tx| {
            let Some(mut trial) = load_trial(tx, id)? else {
                return Ok(Err(Error::TrialNotFound { id }));
            };
            if let Err(e) = update.apply(&mut trial) {
                return Ok(Err(e));
            }
            trial.change = next_change(tx, trial.study)?;
            save_trial(tx, &trial, update.claim())?;
            Ok(Ok(trial))
        });
        claim_result(result, update.claim())
    }

    fn trial(&self, id: TrialId) -> Result<Trial> {
        self.read(|c| load_trial(c, id))?
            .ok_or(Error::TrialNotFound { id })
    }

    fn trials_since(&self, study: StudyId, since: u64) -> Result<Vec<Trial>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = ?1 AND change > ?2 ORDER BY number"
            ))?;
            let rows = stmt.query_map(params![study.0, since as i64], row_to_trial)?;
            rows.collect()
        })
    }
}

/// Turns a unique-index violation on the claim column into `ClaimTaken`.
fn claim_result<T>(result: Result<T>, claim: Option<&str>) -> Result<T> {
    match (result, claim) {
        (Err(Error::Storage(msg)), Some(key)) if msg.starts_with(CLAIM_CONFLICT) => {
            Err(Error::ClaimTaken {
                key: key.to_string(),
            })
        }
        (other, _) => other,
    }
}

const CLAIM_CONFLICT: &str = "claim conflict";

fn map_err(path: &str, busy_timeout: Duration, e: rusqlite::Error) -> Error {
    if is_claim_conflict(&e) {
        return Error::Storage(format!("{CLAIM_CONFLICT}: {e}"));
    }
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                return Error::CorruptDatabase {
                    path: path.to_string(),
                    reason: e.to_string(),
                }
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::DatabaseLocked {
                    path: path.to_string(),
                    waited_ms: busy_timeout.as_millis() as u64,
                }
            }
            // Space may be freed, and an I/O error on a network file system
            // may pass: a worker waits rather than giving up its results.
            ErrorCode::DiskFull | ErrorCode::SystemIoFailure => {
                return Error::StorageUnavailable {
                    storage: format!("sqlite file {path}"),
                    reason: e.to_string(),
                }
            }
            ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied => {
                return Error::Storage(format!(
                    "cannot open or write {path}: {e}; check the path and its permissions"
                ))
            }
            _ => {}
        }
    }
    if let rusqlite::Error::FromSqlConversionFailure(..) = &e {
        return Error::CorruptDatabase {
            path: path.to_string(),
            reason: format!("a stored record cannot be read: {e}"),
        };
    }
    Error::Storage(format!("{path}: {e}"))
}
