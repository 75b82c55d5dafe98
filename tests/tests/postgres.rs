//! The PostgreSQL back-end beyond the conformance suite: errors a person
//! can act on, schema versions, threads racing for trial numbers, and a
//! whole study run through it, and TLS (`sslmode`, `sslrootcert`). Tests that need a server skip themselves
//! (and say so) when `HYPERSPACE_TEST_POSTGRES` is unset.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{open_storage, Error, NewTrial, Outcome, Space, Study, StudyConfig};
use hyperspace_tests::TestDatabase;
use std::collections::HashSet;
use std::path::PathBuf;

fn config(name: &str, searcher: &str) -> StudyConfig {
    StudyConfig::new(name)
        .space(Space::parse("x=float(-5,5) y=float(-5,5)").unwrap())
        .searcher(searcher, serde_json::Value::Null)
        .seed(3)
}

#[test]
fn a_port_where_nothing_listens_gives_an_error_naming_host_and_port() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for scheme in ["postgres", "postgresql"] {
        let url = format!("{scheme}://ann:s3cret@127.0.0.1:{port}/runs");
        let err = open_storage(&url).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        assert!(text.contains("server must be running"), "{text}");
        assert!(!text.contains("s3cret"), "the password leaked: {text}");
    }
}

#[test]
fn a_missing_database_is_named_with_what_to_do() {
    let Some(db) = TestDatabase::create("a_missing_database_is_named") else {
        return;
    };
    let url = db.url().rsplit_once('/').unwrap().0.to_string() + "/hs_no_such_database";
    let text = open_storage(&url).unwrap_err().to_string();
    assert!(text.contains("hs_no_such_database"), "{text}");
    assert!(text.contains("create the database"), "{text}");
}

#[test]
fn a_database_with_a_newer_schema_is_refused() {
    let Some(db) = TestDatabase::create("a_database_with_a_newer_schema_is_refused") else {
        return;
    };
    drop(open_storage(db.url()).unwrap());
    db.connect()
        .batch_execute("UPDATE hyperspace_meta SET value = 99 WHERE key = 'schema_version'")
        .unwrap();
    let err = open_storage(db.url()).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade hyperspace"), "{err}");
    // A negative version is damage, not a panic.
    db.connect()
        .batch_execute("UPDATE hyperspace_meta SET value = -1 WHERE key = 'schema_version'")
        .unwrap();
    let err = open_storage(db.url()).unwrap_err();
    assert!(matches!(err, Error::CorruptDatabase { .. }), "{err}");
}

/// Opening and writing do not depend on the server's default isolation
/// level: every transaction asks for READ COMMITTED.
#[test]
fn a_server_defaulting_to_repeatable_read_changes_nothing() {
    let Some(db) = TestDatabase::create("a_server_defaulting_to_repeatable_read") else {
        return;
    };
    let name = db.url().rsplit('/').next().unwrap().to_string();
    db.connect()
        .batch_execute(&format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'repeatable read'"
        ))
        .unwrap();
    let url = db.url().to_string();
    let openers: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || open_storage(&url).map(|_| ()))
        })
        .collect();
    for o in openers {
        o.join().unwrap().unwrap();
    }
    let storage = open_storage(&url).unwrap();
    let study = storage.create_study(&config("s", "random")).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            let id = study.id;
            std::thread::spawn(move || {
                let storage = open_storage(&url).unwrap();
                for _ in 0..40 {
                    storage
                        .create_trial(id, &hyperspace_engine::NewTrial::default())
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let numbers: Vec<u64> = storage
        .trials_since(study.id, 0)
        .unwrap()
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(numbers, (0..160).collect::<Vec<u64>>());
}

#[test]
fn threads_with_their_own_connections_get_dense_unique_numbers() {
    let Some(db) = TestDatabase::create("threads_with_their_own_connections") else {
        return;
    };
    // Several storages open a new database at once: the schema is made once.
    let storages: Vec<_> = std::thread::scope(|s| {
        let opening: Vec<_> = (0..4).map(|_| s.spawn(|| open_storage(db.url()))).collect();
        opening
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    let study = storages[0].create_study(&config("race", "random")).unwrap();
    let numbers: Vec<u64> = std::thread::scope(|s| {
        let makers: Vec<_> = storages
            .iter()
            .map(|storage| {
                s.spawn(move || {
                    (0..50)
                        .map(|_| {
                            storage
                                .create_trial(study.id, &NewTrial::default())
                                .unwrap()
                                .number
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        makers.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(numbers.len(), 200);
    assert_eq!(
        numbers.into_iter().collect::<HashSet<_>>(),
        (0..200).collect::<HashSet<_>>()
    );
}

#[test]
fn a_tpe_study_runs_on_postgres_and_reopens_with_the_same_best_trial() {
    let Some(db) = TestDatabase::create("a_tpe_study_runs_on_postgres") else {
        return;
    };
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(
        open_storage(db.url()).unwrap(),
        config("tpe", "tpe"),
        &registry,
    )
    .unwrap();
    for _ in 0..30 {
        let t = study.ask().unwrap();
        let (x, y) = (
            t.params["x"].as_f64().unwrap(),
            t.params["y"].as_f64().unwrap(),
        );
        study
            .tell(t.id, Outcome::complete((x - 1.0).powi(2) + y * y))
            .unwrap();
    }
    let best = study.best_trial().unwrap().unwrap();
    let mut reopened = Study::load(open_storage(db.url()).unwrap(), "tpe", &registry).unwrap();
    assert_eq!(reopened.trials().unwrap().len(), 30);
    assert_eq!(reopened.best_trial().unwrap().unwrap(), best);
    assert!(reopened
        .storage()
        .describe()
        .starts_with("postgresql database"));
}

#[test]
fn a_lost_connection_is_replaced_by_a_new_one() {
    let Some(db) = TestDatabase::create("a_lost_connection_is_replaced") else {
        return;
    };
    let storage = open_storage(db.url()).unwrap();
    storage.create_study(&config("s", "random")).unwrap();
    // The server ends every session of the database, as a restart would.
    let name = db.url().rsplit('/').next().unwrap().to_string();
    let end_sessions = || {
        db.connect()
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&name],
            )
            .unwrap();
    };
    // Reads and writes carry on over a new connection: nothing of them had
    // reached the server when the old one turned out lost.
    end_sessions();
    assert!(storage.find_study("s").unwrap().is_some());
    end_sessions();
    storage.create_study(&config("t", "random")).unwrap();
}

/// The variable naming the CA that signed the test server's certificate
/// (`scripts/with-postgres` sets it when it could make certificates).
const CA: &str = "HYPERSPACE_TEST_POSTGRES_CA";

/// A test database and its CA file, or `None` (said on stderr) without a
/// TLS-enabled test server.
fn tls_database(test: &str) -> Option<(TestDatabase, PathBuf)> {
    let db = TestDatabase::create(test)?;
    let Some(ca) = std::env::var_os(CA) else {
        eprintln!(
            "skipped {test}: {CA} is unset (scripts/with-postgres sets it when openssl is there)"
        );
        return None;
    };
    Some((db, PathBuf::from(ca)))
}

/// Whether each session on `db` other than the one asking is encrypted:
/// the storage's own connections, as the server sees them.
fn sessions_encrypted(db: &TestDatabase) -> Vec<bool> {
    db.connect()
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// `url` with a password the server (trust) ignores, to check messages
/// never show it.
fn with_password(url: &str) -> String {
    url.replacen("postgres@", "postgres:s3cret@", 1)
}

/// Opens a storage and writes through it, proving the connection works.
fn open_and_write(url: &str) -> std::sync::Arc<dyn hyperspace_engine::Storage> {
    static STUDIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STUDIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let storage = open_storage(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    storage
        .create_study(&config(&format!("tls-{n}"), "random"))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    storage
}

/// Reliability issue, PostgreSQL TLS: sslmode=require connects encrypted.
#[test]
fn tls_require_and_prefer_encrypt_the_session() {
    let Some((db, _)) = tls_database("tls_require_and_prefer_encrypt_the_session") else {
        return;
    };
    for mode in ["require", "prefer"] {
        let storage = open_and_write(&format!("{}?sslmode={mode}", db.url()));
        assert_eq!(sessions_encrypted(&db), vec![true], "sslmode={mode}");
        drop(storage);
    }
}

#[test]
fn tls_disable_and_no_sslmode_stay_plain() {
    let Some(db) = TestDatabase::create("tls_disable_and_no_sslmode_stay_plain") else {
        return;
    };
    for url in [
        format!("{}?sslmode=disable", db.url()),
        db.url().to_string(),
    ] {
        let storage = open_and_write(&url);
        assert_eq!(sessions_encrypted(&db), vec![false], "{url}");
        drop(storage);
    }
}

#[test]
fn tls_verify_full_with_the_right_root_connects() {
    let Some((db, ca)) = tls_database("tls_verify_full_with_the_right_root_connects") else {
        return;
    };
    for mode in ["verify-full", "verify-ca", "require"] {
        let url = format!("{}?sslmode={mode}&sslrootcert={}", db.url(), ca.display());
        let storage = open_and_write(&url);
        assert_eq!(sessions_encrypted(&db), vec![true], "{url}");
        drop(storage);
    }
}

#[test]
fn tls_verify_refuses_a_wrong_root_or_host_with_a_clear_error() {
    let Some((db, ca)) = tls_database("tls_verify_refuses_a_wrong_root_or_host") else {
        return;
    };
    let other = ca.with_file_name("other-ca.crt");
    let url = with_password(db.url());
    // A root that did not sign the server's certificate.
    for mode in ["verify-full", "verify-ca"] {
        let text = open_storage(format!(
            "{url}?sslmode={mode}&sslrootcert={}",
            other.display()
        ))
        .unwrap_err()
        .to_string();
        assert!(text.contains("TLS handshake failed"), "{text}");
        assert!(text.contains("UnknownIssuer"), "{text}");
        assert!(text.contains("sslrootcert must name the CA"), "{text}");
        assert!(!text.contains("s3cret"), "the password leaked: {text}");
    }
    // The right root, but a host the certificate does not name (it names
    // 127.0.0.1 only): verify-full refuses, verify-ca does not look.
    let localhost = url.replacen("127.0.0.1", "localhost", 1);
    let text = open_storage(format!(
        "{localhost}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    ))
    .unwrap_err()
    .to_string();
    assert!(text.contains("TLS handshake failed"), "{text}");
    assert!(text.contains("not valid for name"), "{text}");
    assert!(!text.contains("s3cret"), "the password leaked: {text}");
    drop(open_and_write(&format!(
        "{localhost}?sslmode=verify-ca&sslrootcert={}",
        ca.display()
    )));
    // A root file that is not there.
    let text = open_storage(format!(
        "{url}?sslmode=verify-full&sslrootcert=/no/such/root.crt"
    ))
    .unwrap_err()
    .to_string();
    assert!(text.contains("/no/such/root.crt"), "{text}");
    assert!(!text.contains("s3cret"), "the password leaked: {text}");
}

/// A fake server on a free port that answers each connection's first
/// message with `answers[i]` and then closes it; its thread returns the
/// protocol code of each first message (80877103 asks for TLS). It stops
/// waiting for connections after 10 s, so a missing one fails the test
/// instead of hanging it.
fn fake_server(answers: &'static [&'static [u8]]) -> (u16, std::thread::JoinHandle<Vec<u32>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut codes = Vec::new();
        for answer in answers {
            let accepted = loop {
                match listener.accept() {
                    Ok((socket, _)) => break Some(socket),
                    Err(_) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                    Err(_) => break None,
                }
            };
            let Some(mut socket) = accepted else {
                break;
            };
            socket.set_nonblocking(false).unwrap();
            let mut head = [0u8; 8];
            if socket.read_exact(&mut head).is_err() {
                break;
            }
            codes.push(u32::from_be_bytes([head[4], head[5], head[6], head[7]]));
            let _ = socket.write_all(answer);
        }
        codes
    });
    (port, handle)
}

/// The protocol code of PostgreSQL's SSLRequest.
const SSL_REQUEST: u32 = 80_877_103;

#[test]
fn tls_require_against_a_server_without_tls_is_explained() {
    let (port, server) = fake_server(&[b"N"]);
    let text = open_storage(format!(
        "postgres://ann:s3cret@127.0.0.1:{port}/runs?sslmode=require"
    ))
    .unwrap_err()
    .to_string();
    assert!(text.contains("does not accept TLS"), "{text}");
    assert!(text.contains("sslmode=prefer or disable"), "{text}");
    assert!(!text.contains("s3cret"), "the password leaked: {text}");
    assert_eq!(server.join().unwrap(), vec![SSL_REQUEST]);
}

#[test]
fn tls_prefer_falls_back_to_plain_when_the_handshake_fails() {
    // Says yes to TLS, then sends no TLS: the handshake fails, and prefer
    // connects again without asking for TLS (which this server then ends).
    let (port, server) = fake_server(&[b"Snot a TLS record at all", b""]);
    let err = open_storage(format!(
        "postgres://ann@127.0.0.1:{port}/runs?sslmode=prefer"
    ));
    assert!(err.is_err());
    let codes = server.join().unwrap();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert_eq!(codes[0], SSL_REQUEST);
    assert_eq!(
        codes[1], 196_608,
        "the second connection must be plain (protocol 3.0)"
    );
}
