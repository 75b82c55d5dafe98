//! One connection and the transactions on it: statements prepared once,
//! engine refusals kept apart from PostgreSQL failures, and transactions
//! tried again when PostgreSQL reports a conflict that a retry resolves.

use super::errors::{explain, is_lost, is_transient};
use super::PostgresStorage;
use crate::{Error, Result, Storage};
use postgres::types::ToSql;
use postgres::{Client, GenericClient, IsolationLevel, Row, Statement};
use std::collections::HashMap;
use std::sync::MutexGuard;
use std::time::Duration;

/// How often a transaction is tried when PostgreSQL reports a serialization
/// failure or a deadlock, which a retry resolves.
const ATTEMPTS: u32 = 5;

/// How many times a lost connection is made again before giving up.
const RECONNECT_ATTEMPTS: u32 = 4;

/// A connection and the statements prepared on it (one round trip each
/// saved on every later use).
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) statements: HashMap<&'static str, Statement>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("prepared", &self.statements.len())
            .finish_non_exhaustive()
    }
}

/// Why a transaction stopped: PostgreSQL failed (maybe worth a retry), or
/// the engine refused the change (rolled back, never retried).
pub(super) enum Stop {
    Pg(postgres::Error),
    Refused(Error),
}

impl From<postgres::Error> for Stop {
    fn from(e: postgres::Error) -> Self {
        Stop::Pg(e)
    }
}

pub(super) type Step<T> = std::result::Result<T, Stop>;

/// A client or transaction with the connection's statement cache.
pub(super) struct Session<'a, C: GenericClient> {
    pub(super) client: &'a mut C,
    pub(super) statements: &'a mut HashMap<&'static str, Statement>,
}

impl<C: GenericClient> Session<'_, C> {
    fn statement(&mut self, sql: &'static str) -> std::result::Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Step<Vec<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query(&s, params)?)
    }

    pub(super) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Step<Option<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query_opt(&s, params)?)
    }

    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Step<u64> {
        let s = self.statement(sql)?;
        Ok(self.client.execute(&s, params)?)
    }
}

impl PostgresStorage {
    /// The connection, reconnecting first if the last one was lost (a
    /// server restart, a dropped network), or when `fresh` says the last
    /// use found it lost (the client may not know yet).
    fn lock_with(&self, fresh: bool) -> Result<MutexGuard<'_, Conn>> {
        // A panic inside a transaction drops it, which rolls it back, so the
        // connection is usable again.
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if fresh || conn.client.is_closed() {
            conn.client = self.reconnect()?;
            conn.statements.clear();
        }
        Ok(conn)
    }

    /// A new connection after the last one was lost. A server coming back
    /// from a restart, or still ending the old sessions, may refuse or
    /// reset the first attempts, so a few are made, 50, 200 and 800 ms
    /// apart, before the error is given.
    fn reconnect(&self) -> Result<Client> {
        let mut wait = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match self.tls.connect(&self.config) {
                Ok(client) => return Ok(client),
                // No answer from PostgreSQL itself: the network or the
                // server's state, which may pass.
                Err(e) if e.as_db_error().is_none() && attempt < RECONNECT_ATTEMPTS => {
                    std::thread::sleep(wait);
                    wait *= 4;
                    attempt += 1;
                }
                Err(e) => return Err(explain(&self.config, &self.place, e)),
            }
        }
    }

    /// Runs `f` in a transaction and commits it; rolls back if `f` stops.
    /// Tries again from the start when PostgreSQL asks for it (a
    /// serialization failure, a deadlock), and on a new connection when the
    /// old one turns out lost as the transaction begins, before anything of
    /// it reached the server.
    pub(super) fn write<T>(
        &self,
        mut f: impl FnMut(&mut Session<'_, postgres::Transaction<'_>>) -> Step<T>,
    ) -> Result<T> {
        let mut attempt = 1;
        let mut lost = false;
        loop {
            let failure = {
                let mut guard = self.lock_with(lost)?;
                let Conn { client, statements } = &mut *guard;
                // READ COMMITTED whatever the server's default: the design
                // (row locks, a fresh snapshot per statement after a lock
                // wait) relies on it.
                let began = client
                    .build_transaction()
                    .isolation_level(IsolationLevel::ReadCommitted)
                    .start();
                lost = false;
                match began {
                    Err(e) if is_lost(&e) => {
                        lost = true;
                        e
                    }
                    Err(e) => return Err(self.err(e, attempt)),
                    Ok(mut tx) => {
                        let outcome = f(&mut Session {
                            client: &mut tx,
                            statements,
                        })
                        .and_then(|out| {
                            tx.commit()?;
                            Ok(out)
                        });
                        match outcome {
                            Ok(out) => return Ok(out),
                            Err(Stop::Refused(e)) => return Err(e),
                            Err(Stop::Pg(e)) if is_transient(&e) => e,
                            Err(Stop::Pg(e)) => return Err(self.err(e, attempt)),
                        }
                    }
                }
            };
            if attempt >= ATTEMPTS {
                return Err(self.err(failure, attempt));
            }
            // Back off a little longer each time, so the transactions that
            // collided do not collide again.
            std::thread::sleep(Duration::from_millis(5 << attempt));
            attempt += 1;
        }
    }

    /// Runs reads outside a transaction (each statement sees committed
    /// data as of its start). Reads change nothing, so one that meets a
    /// lost connection is made again on a new one.
    pub(super) fn read<T>(
        &self,
        mut f: impl FnMut(&mut Session<'_, Client>) -> Step<T>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            let mut guard = self.lock_with(attempt > 1)?;
            let Conn { client, statements } = &mut *guard;
            match f(&mut Session { client, statements }) {
                Ok(out) => return Ok(out),
                Err(Stop::Refused(e)) => return Err(e),
                Err(Stop::Pg(e)) if is_lost(&e) && attempt < 2 => attempt += 1,
                Err(Stop::Pg(e)) => return Err(self.err(e, attempt)),
            }
        }
    }

    pub(super) fn err(&self, e: postgres::Error, attempts: u32) -> Error {
        if is_transient(&e) {
            return Error::Storage(format!(
                "{}: gave up after {attempts} attempts, other workers kept conflicting ({e}); retry",
                self.describe()
            ));
        }
        explain(&self.config, &self.place, e)
    }
}
