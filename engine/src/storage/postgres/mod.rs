//! The PostgreSQL back-end: for many workers on many machines sharing one
//! study. `postgres://user:password@host:port/database` opens it; add
//! `?sslmode=require` (or `verify-full&sslrootcert=ca.crt`) for TLS.
//!
//! The layout follows the SQLite back-end (a trial is a row of the columns
//! queries need plus one JSON body), in tables named `hyperspace_*` so that
//! they can share a database with others. What SQLite gets from its single
//! writer lock, PostgreSQL gets from row locks held to the end of each
//! transaction (READ COMMITTED):
//!
//! - Each study row carries its next trial number and its change counter.
//!   Every write bumps them with one `UPDATE ... RETURNING`, which locks the
//!   study row until commit. So numbers are dense (a rolled-back transaction
//!   gives its number back) and counters are given out in commit order. A
//!   global sequence would not do: a transaction holding change 10 could
//!   commit after one holding 11, and a reader that had already seen 11
//!   would never fetch 10.
//! - A queued trial is taken with `FOR UPDATE SKIP LOCKED`, so workers never
//!   wait on each other's queue entries and never get the same one.
//! - Claim keys are unique per study through a partial unique index.
//! - Locks are taken in one order, trial row before study row, so writers
//!   do not deadlock; serialization failures and deadlocks PostgreSQL still
//!   reports are retried a few times.
//!
//! The schema version is kept in `hyperspace_meta`; opening a database
//! whose version is newer than this build knows is refused.
mod errors;
mod session;
mod tls;

use self::errors::{claim_taken, explain, place_of};
use self::session::{Conn, Session, Step, Stop};
use self::tls::Tls;
use super::record::{
    new_trial, read_attrs, read_study, read_trial, start_claimed, upgraded_config, with_attr, Body,
    Columns, Migration,
};
use super::url::redact;
use super::{Storage, StudyAttrs, StudyListing, StudyRecord, StudyText, TrialUpdate};
use crate::retarget::{apply_retarget, read_history};
use crate::{
    Error, Metadata, NewTrial, Objective, ObjectiveChange, Result, Space, StudyConfig, StudyId,
    Trial, TrialId,
};
use postgres::{Config, GenericClient, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// How long connecting may take when the URL sets no `connect_timeout`: a
/// host that drops packets should give an error, not a hang.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long sent data may stay unacknowledged before the connection counts
/// as lost, when the URL sets no `tcp_user_timeout`.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// A key for `pg_advisory_xact_lock`, so that processes opening a new
/// database at once create the schema once ("hype" in ASCII).
const MIGRATION_LOCK: i64 = 0x6879_7065;

/// Schema migrations, in order; `hyperspace_meta.schema_version` counts
/// those applied.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
        r#"
    CREATE TABLE hyperspace_studies (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created TEXT NOT NULL,
        next_number BIGINT NOT NULL DEFAULT 0,
        last_change BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE hyperspace_trials (
        id BIGSERIAL PRIMARY KEY,
        study_id BIGINT NOT NULL REFERENCES hyperspace_studies (id) ON DELETE CASCADE,
        number BIGINT NOT NULL,
        state TEXT NOT NULL,
        change BIGINT NOT NULL,
        claim TEXT,
        body TEXT NOT NULL,
        UNIQUE (study_id, number)
    );
    CREATE INDEX hyperspace_trials_by_state ON hyperspace_trials (study_id, state, number);
    CREATE INDEX hyperspace_trials_by_change ON hyperspace_trials (study_id, change);
    CREATE UNIQUE INDEX hyperspace_trials_claim ON hyperspace_trials (study_id, claim)
        WHERE claim IS NOT NULL;
"#,
    ),
    Migration::ObjectivesInConfig,
    Migration::Sql(
        "ALTER TABLE hyperspace_studies ADD COLUMN user_attrs TEXT NOT NULL DEFAULT '{}';",
    ),
    Migration::Sql(
        "ALTER TABLE hyperspace_studies ADD COLUMN objective_history TEXT NOT NULL DEFAULT '[]';",
    ),
];

/// A PostgreSQL database holding any number of studies.
///
/// One connection per storage, used by one call at a time; open one storage
/// per thread for parallel calls from one process.
#[derive(Debug)]
pub struct PostgresStorage {
    config: Config,
    /// Plain or TLS, as the URL's `sslmode` said.
    tls: Tls,
    /// `database d at host:port as user`, without the password.
    place: String,
    conn: Mutex<Conn>,
}

impl PostgresStorage {
    /// A text column of a study's row; an error if the study is gone.
    fn study_text(&self, id: StudyId, column: StudyText) -> Result<String> {
        let sql = match column {
            StudyText::UserAttrs => "SELECT user_attrs FROM hyperspace_studies WHERE id = $1",
            StudyText::ObjectiveHistory => {
                "SELECT objective_history FROM hyperspace_studies WHERE id = $1"
            }
        };
        self.read(|tx| {
            let row = tx.query_opt(sql, &[&id.0])?;
            match row {
                Some(row) => Ok(row.try_get::<_, String>(0)?),
                None => Err(gone(id)),
            }
        })
    }

    /// Connects to the database a `postgres://` or `postgresql://` URL
    /// names, and brings its schema up to date.
    pub fn open(url: &str) -> Result<Self> {
        let (rest, tls) = Tls::from_url(url)?;
        let mut config = Config::from_str(&rest).map_err(|e| Error::StorageUrl {
            url: redact(url),
            reason: format!(
                "not a PostgreSQL URL ({e}); write postgres://user:password@host:port/database"
            ),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        // A server that vanishes without closing the connection is noticed
        // in about a minute, not after the system's two-hour default.
        config.keepalives(true);
        if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
            config.keepalives_idle(Duration::from_secs(30));
        }
        // A network that drops packets silently fails a call after 30 s
        // of unacknowledged data (then the worker waits it out as an
        // outage) instead of blocking it for the kernel's ~15 minutes.
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        tls.configure(&mut config);
        let place = place_of(&config);
        let client = tls
            .connect(&config)
            .map_err(|e| explain(&config, &place, e))?;
        let storage = Self {
            config,
            tls,
            place,
            conn: Mutex::new(Conn {
                client,
                statements: HashMap::new(),
            }),
        };
        storage.migrate()?;
        Ok(storage)
    }

    fn migrate(&self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        self.write(|tx| {
            tx.client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let has_meta: bool = tx
                .client
                .query_one("SELECT to_regclass('hyperspace_meta') IS NOT NULL", &[])?
                .try_get(0)?;
            let version: i64 = if has_meta {
                tx.client
                    .query_opt(
                        "SELECT value FROM hyperspace_meta WHERE key = 'schema_version'",
                        &[],
                    )?
                    .map(|r| r.try_get(0))
                    .transpose()?
                    .unwrap_or(0)
            } else {
                tx.client.batch_execute(
                    "CREATE TABLE hyperspace_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                )?;
                0
            };
            if version > known {
                return Err(Stop::Refused(Error::SchemaTooNew {
                    path: self.describe(),
                    found: version,
                    known,
                }));
            }
            if version == known {
                return Ok(());
            }
            let Ok(from) = usize::try_from(version) else {
                return Err(Stop::Refused(Error::CorruptDatabase {
                    path: self.describe(),
                    reason: format!("its schema version is {version}, which no hyperspace wrote"),
                }));
            };
            for step in MIGRATIONS.get(from..).unwrap_or_default() {
                match step {
                    Migration::Sql(sql) => tx.client.batch_execute(sql)?,
                    Migration::ObjectivesInConfig => {
                        let rows = tx
                            .client
                            .query("SELECT id, config FROM hyperspace_studies", &[])?;
                        for row in rows {
                            let (id, config): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                            if let Some(upgraded) = upgraded_config(&config) {
                                tx.client.execute(
                                    "UPDATE hyperspace_studies SET config = $2 WHERE id = $1",
                                    &[&id, &upgraded],
                                )?;
                            }
                        }
                    }
                }
            }
            tx.client.execute(
                "INSERT INTO hyperspace_meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&known],
            )?;
            Ok(())
        })
    }

    /// Bumps the study's change counter (and, with `numbered`, its trial
    /// number), locking its row to the end of the transaction. `None` if the
    /// study is gone.
    fn bump<C: GenericClient>(
        tx: &mut Session<'_, C>,
        study: StudyId,
        numbered: bool,
    ) -> Step<Option<(u64, u64)>> {
        let row = if numbered {
            tx.query_opt(
                "UPDATE hyperspace_studies SET next_number = next_number + 1, last_change = last_change + 1
                 WHERE id = $1 RETURNING next_number - 1, last_change",
                &[&study.0],
            )?
        } else {
            tx.query_opt(
                "UPDATE hyperspace_studies SET last_change = last_change + 1
                 WHERE id = $1 RETURNING next_number, last_change",
                &[&study.0],
            )?
        };
        Ok(match row {
            Some(r) => Some((
                r.try_get::<_, i64>(0)? as u64,
                r.try_get::<_, i64>(1)? as u64,
            )),
            None => None,
        })
    }

    /// A trial row; one whose state or body cannot be read comes back
    /// quarantined (see `record::read_trial`).
    fn to_trial(&self, row: &Row) -> Step<Trial> {
        let columns = Columns {
            id: TrialId(row.try_get(0)?),
            study: StudyId(row.try_get(1)?),
            number: row.try_get::<_, i64>(2)? as u64,
            state: row.try_get(3)?,
            change: row.try_get::<_, i64>(4)? as u64,
        };
        let body: String = row.try_get(5)?;
        Ok(read_trial(columns, &body))
    }

    /// A study row (id, name, config, created) as listed.
    fn to_listing(row: &Row) -> Step<StudyListing> {
        let config: String = row.try_get(2)?;
        Ok(read_study(
            StudyId(row.try_get(0)?),
            row.try_get(1)?,
            &config,
            row.try_get(3)?,
        ))
    }

    fn to_study(&self, row: &Row) -> Step<StudyRecord> {
        let config: String = row.try_get(1)?;
        let config: StudyConfig = serde_json::from_str(&config).map_err(|e| {
            Stop::Refused(Error::CorruptDatabase {
                path: self.describe(),
                reason: format!("a stored study cannot be read: {e}"),
            })
        })?;
        Ok(StudyRecord {
            id: StudyId(row.try_get(0)?),
            config,
            created: row.try_get(2)?,
        })
    }

    /// Writes a changed trial back; a claim key another trial holds stops
    /// with `ClaimTaken`.
    fn save<C: GenericClient>(tx: &mut Session<'_, C>, t: &Trial, claim: Option<&str>) -> Step<()> {
        let body = json(Body::json_of(t))?;
        tx.execute(
            "UPDATE hyperspace_trials SET state = $2, change = $3, body = $4, claim = COALESCE($5, claim)
             WHERE id = $1",
            &[&t.id.0, &t.state.as_str(), &(t.change as i64), &body, &claim],
        )
        .map_err(|e| claim_taken(e, claim))?;
        Ok(())
    }
}

/// The refusal for a study deleted meanwhile.
fn gone(id: StudyId) -> Stop {
    Stop::Refused(Error::Storage(format!("study {} no longer exists", id.0)))
}

fn json(r: serde_json::Result<String>) -> Step<String> {
    r.map_err(|e| {
        Stop::Refused(Error::Storage(format!(
            "cannot encode a record as JSON: {e}"
        )))
    })
}

impl Storage for PostgresStorage {
    fn describe(&self) -> String {
        format!("postgresql {}", self.place)
    }

    fn create_study(&self, config: &StudyConfig) -> Result<StudyRecord> {
        let created = crate::now();
        let text = serde_json::to_string(config)
            .map_err(|e| Error::Storage(format!("cannot encode the study as JSON: {e}")))?;
        self.write(|tx| {
            let row = tx.query_opt(
                "INSERT INTO hyperspace_studies (name, config, created) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO NOTHING RETURNING id",
                &[&config.name, &text, &created],
            )?;
            let Some(row) = row else {
                return Err(Stop::Refused(Error::StudyExists {
                    name: config.name.clone(),
                    storage: self.describe(),
                }));
            };
            Ok(StudyRecord {
                id: StudyId(row.try_get(0)?),
                config: config.clone(),
                created: created.clone(),
            })
        })
    }

    fn find_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        let found = self.read(|c| {
            c.query_opt(
                "SELECT id, name, config, created FROM hyperspace_studies WHERE name = $1",
                &[&name],
            )?
            .map(|r| Self::to_listing(&r))
            .transpose()
        })?;
        StudyListing::into_found(found, self.describe())
    }

    fn list_studies(&self) -> Result<Vec<StudyListing>> {
        self.read(|c| {
            c.query(
                "SELECT id, name, config, created FROM hyperspace_studies ORDER BY id",
                &[],
            )?
            .iter()
            .map(Self::to_listing)
            .collect()
        })
    }

    fn delete_study(&self, id: StudyId) -> Result<()> {
        self.write(|tx| {
            // Trial rows first, then the study row: the order every writer
            // locks them in.
            tx.execute(
                "DELETE FROM hyperspace_trials WHERE study_id = $1",
                &[&id.0],
            )?;
            tx.execute("DELETE FROM hyperspace_studies WHERE id = $1", &[&id.0])?;
            Ok(())
        })
    }

    fn study_attrs(&self, id: StudyId) -> Result<StudyAttrs> {
        read_attrs(&self.study_text(id, StudyText::UserAttrs)?)
    }

    fn set_study_attr(&self, id: StudyId, key: &str, value: &serde_json::Value) -> Result<()> {
        self.write(|tx| {
            let row = tx.query_opt(
                "SELECT user_attrs FROM hyperspace_studies WHERE id = $1 FOR UPDATE",
                &[&id.0],
            )?;
            let Some(row) = row else {
                return Err(gone(id));
            };
            let text =
                with_attr(&row.try_get::<_, String>(0)?, key, value).map_err(Stop::Refused)?;
            tx.execute(
                "UPDATE hyperspace_studies SET user_attrs = $2 WHERE id = $1",
                &[&id.0, &text],
            )?;
            Ok(())
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
        self.write(|tx| {
            let row = tx.query_opt(
                "SELECT id, config, created, objective_history FROM hyperspace_studies WHERE id = $1 FOR UPDATE",
                &[&id.0],
            )?;
            let Some(row) = row else {
                return Err(gone(id));
            };
            let mut record = self.to_study(&row)?;
            let stored_history = row.try_get::<_, String>(3)?;
            let history =
                apply_retarget(&mut record.config, &stored_history, objectives, at, check)
                    .map_err(Stop::Refused)?;
            let text = json(serde_json::to_string(&record.config))?;
            tx.execute(
                "UPDATE hyperspace_studies SET config = $2, objective_history = $3 WHERE id = $1",
                &[&id.0, &text, &history],
            )?;
            Ok(record.config)
        })
    }

    fn update_space(&self, id: StudyId, change: &dyn Fn(&Space) -> Result<Space>) -> Result<Space> {
        self.write(|tx| {
            let row = tx.query_opt(
                "SELECT id, config, created FROM hyperspace_studies WHERE id = $1 FOR UPDATE",
                &[&id.0],
            )?;
            let Some(row) = row else {
                return Err(Stop::Refused(Error::Storage(format!(
                    "study {} no longer exists",
                    id.0
                ))));
            };
            let mut record = self.to_study(&row)?;
            let space = change(&record.config.space).map_err(Stop::Refused)?;
            record.config.space = space.clone();
            let text = json(serde_json::to_string(&record.config))?;
            tx.execute(
                "UPDATE hyperspace_studies SET config = $2 WHERE id = $1",
                &[&id.0, &text],
            )?;
            Ok(space)
        })
    }

    fn create_trial(&self, study: StudyId, new: &NewTrial) -> Result<Trial> {
        self.write(|tx| {
            let Some((number, change)) = Self::bump(tx, study, true)? else {
                return Err(Stop::Refused(Error::Storage(format!(
                    "study {} no longer exists",
                    study.0
                ))));
            };
            super::record::check_number(new, number).map_err(Stop::Refused)?;
            let mut trial =
                new_trial(new, TrialId(0), study, number, change).map_err(Stop::Refused)?;
            let body = json(Body::json_of(&trial))?;
            let row = tx
                .query_opt(
                    "INSERT INTO hyperspace_trials (study_id, number, state, change, claim, body)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &study.0,
                        &(number as i64),
                        &trial.state.as_str(),
                        &(change as i64),
                        &new.claim,
                        &body,
                    ],
                )
                .map_err(|e| claim_taken(e, new.claim.as_deref()))?;
            if let Some(row) = row {
                trial.id = TrialId(row.try_get(0)?);
            }
            Ok(trial)
        })
    }

    fn claim_waiting(&self, study: StudyId, meta: &Metadata) -> Result<Option<Trial>> {
        // Most asks find no queue: check with a plain read before opening a
        // transaction (two round trips fewer).
        let any: bool = self.read(|c| {
            Ok(c.query_opt(
                "SELECT 1 FROM hyperspace_trials WHERE study_id = $1 AND state = 'waiting' LIMIT 1",
                &[&study.0],
            )?
            .is_some())
        })?;
        if !any {
            return Ok(None);
        }
        self.write(|tx| {
            // Rows other workers are taking right now are skipped, not
            // waited for; a row taken and committed meanwhile is re-checked
            // against `state = 'waiting'` and passed over.
            let (mut trial, change) = loop {
                let row = tx.query_opt(
                    "SELECT id, study_id, number, state, change, body FROM hyperspace_trials
                     WHERE study_id = $1 AND state = 'waiting' ORDER BY number LIMIT 1
                     FOR UPDATE SKIP LOCKED",
                    &[&study.0],
                )?;
                let Some(row) = row else { return Ok(None) };
                let trial = self.to_trial(&row)?;
                let Some((_, change)) = Self::bump(tx, study, false)? else {
                    return Ok(None);
                };
                if trial.damage().is_none() {
                    break (trial, change);
                }
                // A damaged row would block the queue: it leaves it, failed,
                // its body kept for `hyperspace check`.
                tx.execute(
                    "UPDATE hyperspace_trials SET state = 'failed', change = $2 WHERE id = $1",
                    &[&trial.id.0, &(change as i64)],
                )?;
            };
            start_claimed(&mut trial, meta, change).map_err(Stop::Refused)?;
            Self::save(tx, &trial, None)?;
            Ok(Some(trial))
        })
    }

    fn update_trial(&self, id: TrialId, update: &TrialUpdate) -> Result<Trial> {
        self.write(|tx| {
            let row = tx.query_opt(
                "SELECT id, study_id, number, state, change, body FROM hyperspace_trials
                 WHERE id = $1 FOR UPDATE",
                &[&id.0],
            )?;
            let Some(row) = row else {
                return Err(Stop::Refused(Error::TrialNotFound { id }));
            };
            let mut trial = self.to_trial(&row)?;
            update.apply(&mut trial).map_err(Stop::Refused)?;
            let Some((_, change)) = Self::bump(tx, trial.study, false)? else {
                return Err(Stop::Refused(Error::TrialNotFound { id }));
            };
            trial.change = change;
            Self::save(tx, &trial, update.claim())?;
            Ok(trial)
        })
    }

    fn trial(&self, id: TrialId) -> Result<Trial> {
        self.read(|c| {
            let row = c.query_opt(
                "SELECT id, study_id, number, state, change, body FROM hyperspace_trials WHERE id = $1",
                &[&id.0],
            )?;
            match row {
                Some(row) => self.to_trial(&row),
                None => Err(Stop::Refused(Error::TrialNotFound { id })),
            }
        })
    }

    fn trials_since(&self, study: StudyId, since: u64) -> Result<Vec<Trial>> {
        self.read(|c| {
            c.query(
                "SELECT id, study_id, number, state, change, body FROM hyperspace_trials
                 WHERE study_id = $1 AND change > $2 ORDER BY number",
                &[&study.0, &(since as i64)],
            )?
            .iter()
            .map(|r| self.to_trial(r))
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_refused_with_the_form_to_use() {
        let err = PostgresStorage::open("postgres://ann:pw@host:notaport/db").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("postgres://user:password@host:port/database"),
            "{text}"
        );
        assert!(!text.contains("pw@"), "{text}");
    }
}
