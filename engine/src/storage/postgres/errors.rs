//! PostgreSQL's failures turned into errors a person can act on, naming
//! the server but never the password.

use super::session::Stop;
use super::tls::is_handshake;
use crate::Error;
use postgres::error::SqlState;
use postgres::Config;

/// Turns a unique-index violation on the claim key into `ClaimTaken`.
pub(super) fn claim_taken(stop: Stop, claim: Option<&str>) -> Stop {
    match (&stop, claim) {
        (Stop::Pg(e), Some(key))
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                && e.as_db_error().and_then(|d| d.constraint())
                    == Some("hyperspace_trials_claim") =>
        {
            Stop::Refused(Error::ClaimTaken {
                key: key.to_string(),
            })
        }
        _ => stop,
    }
}

/// A connection the server ended (a restart, an administrator, a network
/// that dropped it); the next call connects again.
pub(super) fn is_lost(e: &postgres::Error) -> bool {
    e.is_closed()
        || matches!(
            e.code(),
            Some(c) if *c == SqlState::ADMIN_SHUTDOWN || *c == SqlState::CRASH_SHUTDOWN
        )
        // A socket error (reset, broken pipe) before the client saw it close.
        || std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
}

/// Failures that trying the transaction again resolves.
pub(super) fn is_transient(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// `database d at host:port as user`: where a storage points, for messages
/// (never the password).
pub(super) fn place_of(config: &Config) -> String {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => format!("{h}:{port}"),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(dir)) => format!("socket {}:{port}", dir.display()),
        None => format!("localhost:{port}"),
    };
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    let user = config.get_user().unwrap_or("(default user)");
    format!("database {db} at {host} as {user}")
}

/// An error a person can act on: what failed, where, and what to check.
pub(super) fn explain(config: &Config, place: &str, e: postgres::Error) -> Error {
    let detail = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    let io = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>());
    let server = place.split(" at ").nth(1).unwrap_or(place);
    let server = server.split(" as ").next().unwrap_or(server);
    // Before the socket errors: rustls's failures come wrapped in one.
    if is_handshake(&e) {
        let cause = std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default();
        if cause.contains("does not support TLS") {
            return Error::Storage(format!(
                "PostgreSQL at {server} does not accept TLS connections, which the URL's sslmode requires: turn ssl on in the server's postgresql.conf, or use sslmode=prefer or disable"
            ));
        }
        return Error::Storage(format!(
            "PostgreSQL at {server}: the TLS handshake failed ({cause}); with sslmode=verify-ca or verify-full, sslrootcert must name the CA that signed the server's certificate, and with verify-full the host in the URL must be one the certificate names"
        ));
    }
    if let Some(io) = io {
        let hint = match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused: the PostgreSQL server must be running there and accept TCP connections (check the host and port in the URL, and listen_addresses on the server)"
            }
            std::io::ErrorKind::TimedOut => {
                "timed out: check the host and port in the URL and that no firewall drops the connection"
            }
            _ => "check the host and port in the URL and that the server is running",
        };
        // The server may be restarting or the network down: a worker waits
        // for it rather than giving up its results.
        return Error::StorageUnavailable {
            storage: format!("PostgreSQL at {server}"),
            reason: format!("cannot connect: {hint} ({io})"),
        };
    }
    let user = config.get_user().unwrap_or("(default user)");
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            let tls = if detail.contains("no encryption") {
                "; the server wants TLS: add sslmode=require (or verify-full) to the URL"
            } else {
                ""
            };
            Error::Storage(format!(
                "PostgreSQL at {server} refused user '{user}': {detail}; check the user and password in the URL, and the server's pg_hba.conf{tls}"
            ))
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => Error::Storage(format!(
            "PostgreSQL at {server}: {detail}; create the database (createdb) or name another one in the URL"
        )),
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Error::Storage(format!(
            "{place}: {detail}; the user needs the right to create tables and to read and write them"
        )),
        Some(c) if *c == SqlState::CANNOT_CONNECT_NOW => Error::StorageUnavailable {
            storage: place.to_string(),
            reason: detail,
        },
        _ if is_lost(&e) => Error::StorageUnavailable {
            storage: place.to_string(),
            reason: format!("the connection was lost ({e}); the next call reconnects"),
        },
        _ if e.as_db_error().is_none() && detail.contains("password") => Error::Storage(format!(
            "PostgreSQL at {server} wants a password for user '{user}': {detail}; put it in the URL (postgres://user:password@host/db)"
        )),
        _ => Error::Storage(format!("{place}: {detail}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::url::redact;
    use std::str::FromStr;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("postgres://ann:s3cret@db.example:5433/runs"),
            "postgres://ann:***@db.example:5433/runs"
        );
        assert_eq!(
            redact("postgres://ann@db.example/runs"),
            "postgres://ann@db.example/runs"
        );
        // A password with a slash, and one in the query string.
        assert_eq!(
            redact("postgres://ann:pa/ss@db.example:notaport/runs"),
            "postgres://ann:***@db.example:notaport/runs"
        );
        assert_eq!(
            redact("postgres://ann@db.example/runs?sslmode=disable&password=s3cret"),
            "postgres://ann@db.example/runs?sslmode=disable&password=***"
        );
        let config = Config::from_str("postgresql://ann:s3cret@db.example:5433/runs").unwrap();
        let place = place_of(&config);
        assert_eq!(place, "database runs at db.example:5433 as ann");
    }
}
