//! `searchers/README.md` lists every setting of every searcher and pruner
//! it documents, and nothing else: the keys in its tables must be the fields
//! the searcher's settings accept (listed in the error for an unknown one).

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{Error, SearchError, SettingsError};
use std::collections::BTreeSet;

/// The setting names in the table under `## \`name\``.
fn documented(readme: &str, searcher: &str) -> BTreeSet<String> {
    let heading = format!("## `{searcher}`");
    let section = readme
        .split("\n## ")
        .find(|s| format!("## {s}").starts_with(&heading))
        .unwrap_or_else(|| panic!("no section {heading} in searchers/README.md"));
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

/// The settings a searcher or pruner lists when it refuses an unknown one.
fn known(error: &SettingsError, name: &str) -> BTreeSet<String> {
    match error {
        SettingsError::Unknown { known, .. } => known.iter().cloned().collect(),
        other => panic!("{name}: not an unknown-setting error: {other:?}"),
    }
}

/// The fields a pruner's settings accept.
fn accepted_by_pruner(pruner: &str) -> BTreeSet<String> {
    match hyperspace_searchers::builtin_registry()
        .build_pruner(pruner, &serde_json::json!({"no_such_setting": 1}))
    {
        Err(Error::InvalidPruner { error, .. }) => known(&error, pruner),
        Err(other) => panic!("{pruner}: {other}"),
        Ok(_) => panic!("{pruner} accepted an unknown setting"),
    }
}

/// The fields the searcher's settings accept.
fn accepted(searcher: &str) -> BTreeSet<String> {
    match hyperspace_searchers::builtin_registry()
        .build(searcher, &serde_json::json!({"no_such_setting": 1}))
    {
        Err(SearchError::InvalidSettings { error, .. }) => known(&error, searcher),
        Err(other) => panic!("{searcher}: {other}"),
        Ok(_) => panic!("{searcher} accepted an unknown setting"),
    }
}

#[test]
fn every_documented_setting_exists_and_every_setting_is_documented() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("searchers/README.md is readable");
    let (searchers, pruners) = readme
        .split_once("\n# Pruners")
        .expect("a '# Pruners' part after the searchers");
    // Every registered searcher, so a new one cannot go undocumented.
    let registry = hyperspace_searchers::builtin_registry();
    let names = registry.names();
    assert!(names.len() >= 5, "{names:?}");
    for searcher in names {
        let doc = documented(searchers, searcher);
        assert!(!doc.is_empty(), "{searcher}: no settings table");
        assert_eq!(doc, accepted(searcher), "{searcher}: README vs settings");
    }
    // Every registered pruner but the two without a table of their own
    // (`asha` is another name of successive_halving, `none` has no
    // settings), so a new one cannot go undocumented either.
    let pruners_known = registry.pruner_names();
    assert!(pruners_known.len() >= 5, "{pruners_known:?}");
    for pruner in pruners_known
        .into_iter()
        .filter(|p| !matches!(*p, "asha" | "none"))
    {
        let doc = documented(pruners, pruner);
        assert!(!doc.is_empty(), "{pruner}: no settings table");
        assert_eq!(
            doc,
            accepted_by_pruner(pruner),
            "{pruner}: README vs settings"
        );
    }
}
