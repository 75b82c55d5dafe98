//! A fresh PostgreSQL database per test, on the server that
//! `HYPERSPACE_TEST_POSTGRES` names (`scripts/with-postgres` starts one), so
//! that tests run in parallel without seeing each other's studies.

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that names the test server, as a `postgres://` URL.
pub const VARIABLE: &str = "HYPERSPACE_TEST_POSTGRES";

/// A database created for one test and dropped (with whatever connections
/// are still open to it) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new empty database, or `None` (after saying so on stderr) when
    /// `HYPERSPACE_TEST_POSTGRES` is unset; `test` names the caller in that
    /// message.
    pub fn create(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(VARIABLE) else {
            eprintln!(
                "skipped the PostgreSQL part of {test}: {VARIABLE} is unset (scripts/with-postgres sets it)"
            );
            return None;
        };
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "hs_test_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{VARIABLE}={admin_url}: cannot connect: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let url = with_database(&admin_url, &name);
        Some(Self {
            admin_url,
            name,
            url,
        })
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A raw connection to it, to tamper with it as a test needs.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Best effort: the whole cluster is thrown away after the run anyway.
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` with its database replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}
