//! Regression tests for `--where` inputs that overflowed the stack (issue
//! "inputs that break things"), and a property test: whatever the text, the
//! parser returns a filter or an error with a message, never a panic.

use super::{describe_error, parse::MAX_DEPTH, Filter};
use crate::fields::Known;
use hyperspace_engine::{Space, Trial};
use proptest::prelude::*;

fn known() -> Known {
    let space = Space::parse("lr=log(1e-4,1) opt=choice(adam,sgd)").unwrap_or_default();
    Known::collect(&space, &[])
}

fn trial() -> Trial {
    serde_json::from_value(serde_json::json!({
        "id": 1, "study": 1, "number": 0, "state": "complete",
        "params": {"lr": 0.001, "opt": "adam"}, "value": 0.3, "metrics": {},
        "intermediate": {}, "budget": null, "parent": null, "user_attrs": {},
        "meta": {}, "message": null, "change": 1
    }))
    .unwrap()
}

#[test]
fn thousands_of_parentheses_or_nots_are_refused_not_a_stack_overflow() {
    let k = known();
    let parens = format!("{}lr < 1{}", "(".repeat(7_354), ")".repeat(7_354));
    let nots = format!("{}lr < 1", "not ".repeat(16_738));
    for text in [parens, nots] {
        let e = Filter::parse(&text, &k).unwrap_err();
        assert!(e.message.contains("nest more than 64"), "{}", e.message);
    }
}

#[test]
fn nesting_up_to_the_limit_still_works() {
    let k = known();
    let t = trial();
    let parens = format!("{}lr < 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(Filter::parse(&parens, &k).unwrap().matches(&t));
    // An even number of nots.
    let nots = format!("{}lr < 1", "not ".repeat(MAX_DEPTH));
    assert!(Filter::parse(&nots, &k).unwrap().matches(&t));
}

#[test]
fn a_long_chain_of_ands_and_ors_costs_no_depth() {
    let k = known();
    let t = trial();
    let ands = vec!["lr < 1"; 50_000].join(" and ");
    assert!(Filter::parse(&ands, &k).unwrap().matches(&t));
    let ors = vec!["lr > 1"; 50_000].join(" or ") + " or opt = adam";
    assert!(Filter::parse(&ors, &k).unwrap().matches(&t));
}

/// Text that is nearly a filter: its tokens in random order, nested.
fn near_valid() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("lr".to_string()),
        Just("opt".to_string()),
        Just("state".to_string()),
        Just("value".to_string()),
        Just("and".to_string()),
        Just("or".to_string()),
        Just("not".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("<".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just("~".to_string()),
        Just("in".to_string()),
        Just("is".to_string()),
        Just("null".to_string()),
        Just(",".to_string()),
        Just("'a(".to_string()),
        Just("0.5".to_string()),
        Just("complete".to_string()),
        "[a-z0-9.]{1,6}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.join(" "))
}

/// A valid comparison wrapped in `depth` random layers of `not` and
/// parentheses, then joined with others.
fn deep() -> impl Strategy<Value = String> {
    (0usize..200, prop::collection::vec(any::<bool>(), 0..200)).prop_map(|(n, layers)| {
        let mut text = "lr < 0.5".to_string();
        for paren in layers.into_iter().take(n) {
            text = if paren {
                format!("({text})")
            } else {
                format!("not {text}")
            };
        }
        text
    })
}

fn check(text: &str) {
    let k = known();
    match Filter::parse(text, &k) {
        Ok(filter) => {
            filter.matches(&trial());
        }
        Err(e) => {
            assert!(
                !e.message.is_empty(),
                "an error without a message for {text:?}"
            );
            let line = describe_error(text, &e);
            assert!(!line.contains('\n') || text.contains('\n'), "{line}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn near_valid_filters_never_panic(text in near_valid()) {
        check(&text);
    }

    #[test]
    fn deep_filters_parse_or_name_the_limit(text in deep()) {
        check(&text);
    }
}
