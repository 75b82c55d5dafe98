//! `searchers/README.md` lists every setting of every searcher and pruner
//! it documents, and nothing else: the keys in its tables must be the fields
//! the searcher's settings accept (serde names them all when it refuses an
//! unknown one).

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// The fields a pruner's settings accept, read the same way.
fn accepted_by_pruner(pruner: &str) -> BTreeSet<String> {
    let err = hyperspace_searchers::builtin_registry()
        .build_pruner(pruner, &serde_json::json!({"no_such_setting": 1}))
        .err()
        .unwrap_or_else(|| panic!("{pruner} accepted an unknown setting"))
        .to_string();
    field_list(&err)
}

/// The field names serde lists after "expected".
fn field_list(err: &str) -> BTreeSet<String> {
    let expected = err
        .split("expected")
        .nth(1)
        .unwrap_or_else(|| panic!("no field list in {err:?}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The fields the searcher's settings accept, from serde's error for an
/// unknown one ("unknown field `x`, expected one of `a`, `b`", or
/// "expected `a`" when there is one).
fn accepted(searcher: &str) -> BTreeSet<String> {
    let registry = hyperspace_searchers::builtin_registry();
    let err = registry
        .build(searcher, &serde_json::json!({"no_such_setting": 1}))
        .err()
        .unwrap_or_else(|| panic!("{searcher} accepted an unknown setting"))
        .to_string();
    field_list(&err)
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
