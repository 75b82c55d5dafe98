//! Every form a storage URL takes, read and refused.

use super::*;
use crate::storage::open_storage;

fn file(text: &str) -> PathBuf {
    match StorageUrl::parse(text) {
        Ok(StorageUrl::Sqlite(sqlite)) => {
            assert_eq!(sqlite.legacy, None, "{text}");
            sqlite.path
        }
        other => panic!("{text}: expected a SQLite file, got {other:?}"),
    }
}

fn refused(text: &str) -> String {
    match StorageUrl::parse(text) {
        Err(e @ Error::StorageUrl { .. }) => e.to_string(),
        other => panic!("{text}: expected a StorageUrl error, got {other:?}"),
    }
}

#[test]
fn plain_paths_are_sqlite_files() {
    assert_eq!(file("runs.db"), Path::new("runs.db"));
    assert_eq!(file("./runs.db"), Path::new("./runs.db"));
    assert_eq!(file("/abs/runs.db"), Path::new("/abs/runs.db"));
    assert_eq!(file("  runs.db\n"), Path::new("runs.db"));
    // Colons in a plain path: not a scheme hyperspace knows, so a path.
    assert_eq!(file("a:b.db"), Path::new("a:b.db"));
    assert_eq!(file(r"C:\runs.db"), Path::new(r"C:\runs.db"));
}

#[test]
fn three_slashes_are_relative_and_four_absolute_as_in_sqlalchemy() {
    assert_eq!(file("sqlite:///rel.db"), Path::new("rel.db"));
    assert_eq!(file("sqlite:///sub/rel.db"), Path::new("sub/rel.db"));
    assert_eq!(file("sqlite:////abs/path.db"), Path::new("/abs/path.db"));
    // SQLAlchemy's driver part, and upper case, mean nothing more.
    assert_eq!(file("sqlite+pysqlite:///rel.db"), Path::new("rel.db"));
    assert_eq!(file("SQLite:////abs/path.db"), Path::new("/abs/path.db"));
}

#[test]
fn relative_paths_can_be_read_against_another_folder() {
    let base = Path::new("/experiments/a");
    let within = |text: &str| {
        StorageUrl::parse_in(text, base)
            .unwrap()
            .sqlite_path()
            .map(Path::to_path_buf)
    };
    assert_eq!(within("runs.db"), Some(base.join("runs.db")));
    assert_eq!(within("sqlite:///runs.db"), Some(base.join("runs.db")));
    assert_eq!(
        within("sqlite:////abs/runs.db"),
        Some("/abs/runs.db".into())
    );
    assert_eq!(within("/abs/runs.db"), Some("/abs/runs.db".into()));
    assert_eq!(within(":memory:"), None);
}

#[test]
fn sqlite_urls_without_a_file_are_refused_with_the_forms_to_write() {
    for text in ["sqlite://", "sqlite:///", "sqlite://?timeout=3"] {
        let message = refused(text);
        assert!(message.contains("names no file"), "{message}");
        assert!(message.contains("sqlite:///runs.db"), "{message}");
    }
    let message = refused("sqlite://runs.db");
    assert!(message.contains("names a host"), "{message}");
    assert!(message.contains("sqlite:///runs.db"), "{message}");
    // SQLAlchemy cannot parse this either; it used to create a file named
    // `sqlite:rel.db`.
    let message = refused("sqlite:rel.db");
    assert!(message.contains("write sqlite:///rel.db"), "{message}");
}

#[test]
fn memory_in_every_spelling() {
    for text in [":memory:", " :memory: ", "memory://", "sqlite:///:memory:"] {
        assert_eq!(
            StorageUrl::parse(text).unwrap(),
            StorageUrl::Memory,
            "{text}"
        );
    }
    assert!(refused("memory://x").contains(":memory:"));
    assert!(refused("memory:").contains(":memory:"));
}

#[test]
fn postgres_urls_keep_their_text_without_the_driver_and_hide_the_password() {
    let cases = [
        (
            "postgres://ann:s3cret@db/runs",
            "postgres://ann:s3cret@db/runs",
        ),
        (
            "postgresql://ann:s3cret@db:5433/runs",
            "postgresql://ann:s3cret@db:5433/runs",
        ),
        (
            "postgresql+psycopg2://ann:s3cret@db/runs",
            "postgresql://ann:s3cret@db/runs",
        ),
        (
            "PostgreSQL://ann:s3cret@db/runs?sslmode=require",
            "postgresql://ann:s3cret@db/runs?sslmode=require",
        ),
    ];
    for (text, connect) in cases {
        let url = StorageUrl::parse(text).unwrap();
        let StorageUrl::Postgres(postgres) = &url else {
            panic!("{text}: {url:?}");
        };
        assert_eq!(postgres.as_str(), connect);
        assert_eq!(url.to_url(), connect);
        for shown in [url.to_string(), format!("{url:?}"), format!("{postgres:?}")] {
            assert!(
                !shown.contains("s3cret") && shown.contains("ann:***@db"),
                "{shown}"
            );
        }
    }
    let message = refused("postgresql:ann:s3cret@db/runs");
    assert!(!message.contains("s3cret"), "{message}");
    assert!(
        message.contains("postgresql://user:password@host"),
        "{message}"
    );
}

#[test]
fn unknown_schemes_and_empty_text_are_refused_listing_what_is_read() {
    let message = refused("redis://cache/0");
    assert!(message.contains("unknown scheme 'redis'"), "{message}");
    for form in [
        "runs.db",
        "sqlite:///",
        "sqlite:////",
        ":memory:",
        "postgresql://",
    ] {
        assert!(message.contains(form), "{form} missing from: {message}");
    }
    assert!(!refused("mysql://ann:s3cret@db/x").contains("s3cret"));
    assert!(refused("   ").contains("empty"));
}

#[test]
fn a_timeout_option_sets_the_busy_timeout() {
    let url = StorageUrl::parse("sqlite:///runs.db?timeout=2.5").unwrap();
    let StorageUrl::Sqlite(sqlite) = &url else {
        panic!("{url:?}");
    };
    assert_eq!(sqlite.busy_timeout(), Some(Duration::from_millis(2500)));
    assert_eq!(sqlite.path(), Path::new("runs.db"));
    assert!(refused("sqlite:///runs.db?timeout=-1").contains("non-negative"));
    assert!(refused("sqlite:///runs.db?timeout=soon").contains("timeout=soon"));
    assert!(refused("sqlite:///runs.db?mode=ro").contains("unknown SQLite option 'mode'"));
    // Set by the caller, it replaces the URL's; memory has none.
    let set = url.with_busy_timeout(Duration::from_secs(7));
    assert_eq!(set.to_url(), "sqlite:///runs.db?timeout=7");
    assert_eq!(
        StorageUrl::Memory.with_busy_timeout(Duration::from_secs(1)),
        StorageUrl::Memory
    );
}

#[test]
fn to_url_parses_back_to_the_same_storage() {
    let texts = [
        "runs.db",
        "/abs/runs.db",
        "sqlite:///rel.db",
        "sqlite:////abs/runs.db?timeout=0.25",
        "sqlite:///sqlite:odd.db",
        "sqlite:///:memory:",
        "postgresql+psycopg2://ann:pw@db/x",
    ];
    for text in texts {
        let url = StorageUrl::parse(text).unwrap();
        assert_eq!(
            StorageUrl::parse(&url.to_url()).unwrap(),
            url,
            "{text} -> {}",
            url.to_url()
        );
    }
    // A file without options is given as its path.
    assert_eq!(
        StorageUrl::parse("sqlite:////abs/r.db").unwrap().to_url(),
        "/abs/r.db"
    );
    assert_eq!(
        StorageUrl::parse("sqlite:///sqlite:odd.db")
            .unwrap()
            .to_url(),
        "sqlite:///sqlite:odd.db"
    );
}

#[test]
fn absolute_joins_relative_files_to_the_current_folder() {
    let cwd = std::env::current_dir().unwrap();
    let url = StorageUrl::parse("sqlite:///rel.db?timeout=1")
        .unwrap()
        .absolute();
    assert_eq!(url.sqlite_path(), Some(cwd.join("rel.db").as_path()));
    assert_eq!(
        StorageUrl::parse("/abs/x.db")
            .unwrap()
            .absolute()
            .sqlite_path(),
        Some(Path::new("/abs/x.db"))
    );
    assert_eq!(
        sqlite_file("sqlite:///a/b.db"),
        Some(PathBuf::from("a/b.db"))
    );
    assert_eq!(sqlite_file(":memory:"), None);
    assert_eq!(sqlite_file("redis://x"), None);
}

/// `sqlite:///tmp/…/runs.db` meant `/tmp/…/runs.db` before SQLAlchemy's rule:
/// while the relative file is missing and the absolute one exists, the
/// absolute one is opened, with a warning.
#[test]
fn an_old_style_absolute_url_still_opens_its_existing_file_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    drop(open_storage(db.to_str().unwrap()).unwrap());
    let relative = db.strip_prefix("/").unwrap();
    let text = format!("sqlite:///{}", relative.display());

    let elsewhere = tempfile::tempdir().unwrap();
    let url = StorageUrl::parse_in(&text, elsewhere.path()).unwrap();
    assert_eq!(url.sqlite_path(), Some(db.as_path()));
    let warning = url.warning().expect("a warning");
    assert!(
        warning.contains(&format!("sqlite:///{}", db.display())),
        "{warning}"
    );

    // Where the relative file exists, the URL means it, as SQLAlchemy says.
    let mirrored = elsewhere.path().join(relative);
    std::fs::create_dir_all(mirrored.parent().unwrap()).unwrap();
    std::fs::write(&mirrored, b"").unwrap();
    let url = StorageUrl::parse_in(&text, elsewhere.path()).unwrap();
    assert_eq!(url.sqlite_path(), Some(mirrored.as_path()));
    assert_eq!(url.warning(), None);

    // Neither exists: the relative one, to be created.
    let missing = format!("sqlite:///{}/none.db", relative.parent().unwrap().display());
    let url = StorageUrl::parse_in(&missing, dir.path()).unwrap();
    assert!(url.sqlite_path().unwrap().starts_with(dir.path()));
    assert_eq!(url.warning(), None);
}

#[test]
fn open_storage_takes_a_parsed_url_and_its_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = StorageUrl::parse_in("sqlite:///sub.db?timeout=0.5", dir.path()).unwrap();
    let storage = open_storage(&url).unwrap();
    assert!(dir.path().join("sub.db").exists());
    assert!(
        storage.describe().contains("sub.db"),
        "{}",
        storage.describe()
    );
    assert!(!open_storage(StorageUrl::Memory).unwrap().is_shared());
    assert!(open_storage("sqlite:rel.db").is_err());
    assert!(!Path::new("sqlite:rel.db").exists());
}

#[test]
fn parsed_urls_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<StorageUrl>();
}
