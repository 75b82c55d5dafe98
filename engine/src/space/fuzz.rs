//! Property tests of the space readers (compact syntax, JSON, TOML): for
//! random bytes, near-valid text, deep nesting and long inputs, reading
//! returns a space or an error with a message, and never panics or
//! overflows the stack; whatever is accepted is written and read back the
//! same (issue "inputs that break things").

use crate::{Space, StudyConfig};
use proptest::prelude::*;

/// Reads `text` every way a space is read, and round-trips what is accepted
/// through the stored form.
fn check(text: &str) {
    for result in [Space::parse(text), Space::from_toml(text)] {
        match result {
            Ok(space) => {
                let config = StudyConfig::new("s").space(space.clone());
                let stored = serde_json::to_string(&config).unwrap();
                let back: StudyConfig = serde_json::from_str(&stored).unwrap();
                assert_eq!(back.space, space, "{text:?}");
            }
            Err(e) => assert!(!e.to_string().trim().is_empty(), "{text:?}"),
        }
    }
}

/// Pieces of the compact syntax, in random order.
fn near_valid_compact() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("x=".to_string()),
        Just("y=".to_string()),
        Just("float(".to_string()),
        Just("log(".to_string()),
        Just("int(".to_string()),
        Just("choice(".to_string()),
        Just(")".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just(" ".to_string()),
        Just("=".to_string()),
        Just("log".to_string()),
        Just("step=".to_string()),
        Just("default=".to_string()),
        Just("\"q".to_string()),
        Just("1e308".to_string()),
        Just("-9e307".to_string()),
        Just("nan".to_string()),
        "-?[0-9]{1,3}(\\.[0-9]{1,2})?",
        "[a-z]{1,4}",
    ];
    prop::collection::vec(piece, 0..80).prop_map(|p| p.concat())
}

/// A valid space nested `depth` levels, in the compact syntax or as JSON.
fn deep() -> impl Strategy<Value = String> {
    (0usize..120, any::<bool>()).prop_map(|(depth, json)| {
        if json {
            let mut space = r#"{"x": "float(0,1)"}"#.to_string();
            for i in 0..depth {
                space = format!(
                    r#"{{"c{i}": {{"type": "choice", "choices": ["a", "b"], "branches": {{"a": {space}}}}}}}"#
                );
            }
            space
        } else {
            let mut space = "x=float(0,1)".to_string();
            for i in 0..depth {
                space = format!("c{i}=choice(a{{{space}}},b)");
            }
            space
        }
    })
}

/// Unbalanced nesting thousands deep: only openers.
fn openers() -> impl Strategy<Value = String> {
    (
        1usize..20_000,
        prop_oneof![
            Just("x=choice(a{"),
            Just("{\"x\":"),
            Just("["),
            Just("x = ["),
            Just("a={"),
        ],
    )
        .prop_map(|(n, unit)| unit.repeat(n))
}

/// Text near TOML: tables, inline tables, special floats.
fn near_valid_toml() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[x]\n".to_string()),
        Just("type = \"float\"\n".to_string()),
        Just("type = \"choice\"\n".to_string()),
        Just("low = 0\n".to_string()),
        Just("high = inf\n".to_string()),
        Just("high = 1\n".to_string()),
        Just("low = nan\n".to_string()),
        Just("choices = [1, 2, -inf]\n".to_string()),
        Just("[x.branches.a]\n".to_string()),
        Just("y = \"int(0, 3)\"\n".to_string()),
        Just("o = [\"a\", \"a\"]\n".to_string()),
        Just("z = { type = \"int\", low = 1, high = 0 }\n".to_string()),
        "[a-z]{1,3} = [0-9]{1,3}\n",
    ];
    prop::collection::vec(line, 0..30).prop_map(|l| l.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        check(&text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn near_valid_compact_text_never_panics(text in near_valid_compact()) {
        check(&text);
    }

    #[test]
    fn near_valid_toml_never_panics(text in near_valid_toml()) {
        check(&text);
    }

    #[test]
    fn deep_spaces_read_back_or_name_the_limit(text in deep()) {
        check(&text);
    }

    #[test]
    fn long_unbalanced_nesting_is_an_error_not_a_crash(text in openers()) {
        check(&text);
    }
}
