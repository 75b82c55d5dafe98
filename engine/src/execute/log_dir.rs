//! Where a study's trial logs go: a folder named after the study, derived so
//! that no study name can point outside the logs root.
//!
//! A study name is any string a user typed (`--study ../../etc/passwd`,
//! `--study /tmp/x`, `--study "a/b"`). Joining it to a path as it is would
//! let it climb out of the root, replace it (an absolute path), or reach
//! into a sub-folder; so the name becomes one folder name:
//!
//! - A *plain* name — lowercase ASCII letters, digits, `-`, `_` and `.`, not
//!   starting with `.`, not ending with `.`, at most [`PLAIN_MAX`] bytes,
//!   not a name Windows reserves — is the folder name unchanged, so logs
//!   stay where earlier versions put them (`hyperspace-logs/my-study`).
//! - Any other name becomes a readable slug plus `+` and a hash of the exact
//!   name (`hyperspace-logs/My_Study+0c1d…`). Plain names never contain `+`,
//!   and two different names get different hashes, so two studies never
//!   share a folder — not even on a case-insensitive file system, which is
//!   why capitals are not plain.

use std::path::{Component, Path, PathBuf};

/// The longest name kept as it is; longer ones are shortened and hashed, so
/// the folder name stays well under file systems' 255-byte limit.
const PLAIN_MAX: usize = 64;

/// How much of a name the slug of a hashed folder keeps.
const SLUG_MAX: usize = 48;

/// Names Windows refuses as a file or folder name, with any extension.
const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The folder for `study`'s logs under `root`; always a direct child of
/// `root`, whatever the name.
pub fn study_log_dir(root: &Path, study: &str) -> PathBuf {
    root.join(folder_name(study))
}

/// A study's log folder: in `root` if given, else in `hyperspace-logs`
/// beside the storage's SQLite file (or in the current folder, for a
/// server or memory storage). Every client of a study finds the same one.
pub fn log_dir(root: Option<&Path>, storage_url: &str, study: &str) -> PathBuf {
    match root {
        Some(dir) => study_log_dir(dir, study),
        None => {
            let base = crate::storage::sqlite_file(storage_url)
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            study_log_dir(&base.join("hyperspace-logs"), study)
        }
    }
}

/// The folder of the journals of results not yet recorded, in a study's
/// log folder.
pub fn journal_dir(log_dir: &Path) -> PathBuf {
    log_dir.join("unrecorded-results")
}

/// The one path component a study name becomes (see the module doc).
pub fn folder_name(study: &str) -> String {
    let name = if is_plain(study) {
        study.to_string()
    } else {
        format!("{}+{:016x}", slug(study), fnv1a(study.as_bytes()))
    };
    // Holds by construction; checked so that a later change to the rules
    // cannot quietly reopen the hole.
    debug_assert!(matches!(
        Path::new(&name).components().collect::<Vec<_>>().as_slice(),
        [Component::Normal(_)]
    ));
    name
}

/// Whether a name is its own folder name (see the module doc).
fn is_plain(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    !name.is_empty()
        && name.len() <= PLAIN_MAX
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && !WINDOWS_RESERVED.contains(&stem)
}

/// A readable, safe version of any name: ASCII letters, digits, `-` and `.`
/// kept, runs of anything else one `_`, no leading dot, at most
/// [`SLUG_MAX`] bytes; `study` when nothing is left.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
        if out.len() >= SLUG_MAX {
            break;
        }
    }
    let trimmed = out.trim_matches(|c| c == '.' || c == '_');
    if trimmed.is_empty() {
        "study".to_string()
    } else {
        trimmed.to_string()
    }
}

/// 64-bit FNV-1a: stable across Rust versions and platforms (std's
/// `DefaultHasher` promises neither), so a study's folder never moves.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_keep_their_folder() {
        for name in ["j", "my-study", "resnet_50", "v1.2", "a..b"] {
            assert_eq!(folder_name(name), name);
        }
    }

    #[test]
    fn names_that_are_paths_stay_under_the_root() {
        let root = Path::new("/logs/hyperspace-logs");
        for name in [
            "../../etc/passwd",
            "/tmp/x",
            "..",
            ".",
            "",
            "a/b",
            "a\\b",
            "C:\\x",
            "~",
            ".hidden",
            "trailing.",
            "nul",
            "CON.txt",
            "com1.log",
            "x\0y",
            "ünïcödé",
            &"long".repeat(100),
        ] {
            let dir = study_log_dir(root, name);
            assert_eq!(dir.parent(), Some(root), "{name:?} -> {}", dir.display());
            let folder = folder_name(name);
            assert!(
                folder.len() <= SLUG_MAX + 17,
                "{name:?} -> {folder} is too long"
            );
            assert!(!folder.starts_with('.'), "{name:?} -> {folder}");
            assert!(
                folder
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c)),
                "{name:?} -> {folder}"
            );
        }
        assert!(folder_name("../../etc/passwd").starts_with("etc_passwd+"));
        assert!(folder_name("My Study").starts_with("My_Study+"));
    }

    #[test]
    fn distinct_names_get_distinct_folders_even_ignoring_case() {
        let names = [
            "a/b", "a_b", "a b", "a?b", "A_B", "a_B", "My Study", "my study", "my_study", "study",
            "", "..", ".", "x", "X",
        ];
        let mut folders: Vec<String> = names
            .iter()
            .map(|n| folder_name(n).to_lowercase())
            .collect();
        folders.sort();
        folders.dedup();
        assert_eq!(folders.len(), names.len(), "{folders:?}");
    }

    #[test]
    fn the_hash_is_stable() {
        // FNV-1a 64 reference value for "a" (from the FNV authors' test
        // vectors): the folder of an existing study must never move.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
