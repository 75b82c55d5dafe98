//! Issue "TPE allocates memory for every value of an int range": every
//! built-in searcher proposes valid values for ranges as wide as their type
//! allows, with a fitted model (30 and more finished trials), without
//! allocating per value or overflowing; the grid refuses what it cannot
//! enumerate, with a reason.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, FloatParam, IntParam, Outcome, Param, Params, Space, Study, StudyConfig, Value,
};
use serde_json::{json, Value as Json};

/// (registry name, settings) of every searcher that proposes from a model
/// or at random: TPE jointly and one parameter at a time, GP, random and
/// Sobol, Hyperband with either sampler.
fn searchers() -> Vec<(&'static str, Json)> {
    vec![
        ("random", json!({})),
        ("random", json!({"sampler": "sobol"})),
        ("tpe", json!({})),
        ("tpe", json!({"multivariate": false, "n_startup_trials": 5})),
        ("tpe", json!({"bandwidth": "scott", "startup": "sobol"})),
        (
            "gp",
            json!({"restarts": 1, "candidates": 256, "local_searches": 3}),
        ),
        ("hyperband", json!({"max_budget": 9})),
        ("hyperband", json!({"max_budget": 9, "sampler": "tpe"})),
    ]
}

/// The whole `i64` range, its upper half, a 32-bit seed, a float with 10^8
/// steps, a log int up to `i64::MAX`, and a stepped range wider than
/// `i64::MAX`; plus a small int and a choice, which keep their levels.
const WIDE: &str = "full=int(-9223372036854775808, 9223372036854775807) \
                    pos=int(0, 9223372036854775807) \
                    seed=int(0, 2147483647) \
                    fine=float(0, 1, step=1e-8) \
                    wide_log=int(1, 9223372036854775807, log) \
                    even=int(-9223372036854775808, 9223372036854775806, step=2) \
                    small=int(0, 9) \
                    kind=choice(a, b)";

fn study(space: &Space, name: &str, settings: &Json, seed: u64) -> Study {
    let config = StudyConfig::new("wide")
        .space(space.clone())
        .searcher(name, settings.clone())
        .seed(seed);
    Study::create(
        open_storage(":memory:").expect("in-memory storage"),
        config,
        &hyperspace_searchers::builtin_registry(),
    )
    .unwrap_or_else(|e| panic!("{name} {settings}: {e}"))
}

/// A smooth objective with its optimum inside every range: the squared
/// distance of each parameter's unit coordinate from 0.3.
fn objective(space: &Space, params: &Params) -> f64 {
    space
        .entries()
        .iter()
        .filter_map(|e| params.get(&e.name).and_then(|v| e.param.to_unit(v)))
        .map(|u| (u - 0.3).powi(2))
        .sum()
}

/// `value` is a valid value of `param`: inside its bounds and on its grid,
/// checked with integer arithmetic for ints (not through `f64`).
fn assert_valid(name: &str, param: &Param, value: &Value, who: &str) {
    assert_eq!(
        param.coerce(value).as_ref(),
        Ok(value),
        "{who}: {name} = {value}"
    );
    match (param, value) {
        (Param::Int(p), Value::Int(x)) => {
            assert!(p.low() <= *x && *x <= p.high(), "{who}: {name} = {x}");
            assert_eq!(
                x.abs_diff(p.low()) % p.step().unsigned_abs(),
                0,
                "{who}: {name} = {x} is off the grid"
            );
        }
        (Param::Int(_), other) => panic!("{who}: {name} = {other} is not an int"),
        (Param::Float(p), Value::Float(x)) => {
            assert!(p.low() <= *x && *x <= p.high(), "{who}: {name} = {x}");
        }
        (Param::Float(_), other) => panic!("{who}: {name} = {other} is not a float"),
        (Param::Categorical(_), _) => {}
    }
}

/// Ask and tell `n` trials on `space`, checking every proposal.
fn run(space: &Space, name: &str, settings: &Json, n: usize) {
    let who = format!("{name} {settings}");
    let mut s = study(space, name, settings, 17);
    for _ in 0..n {
        let t = s.ask().unwrap_or_else(|e| panic!("{who}: {e}"));
        let checked = space
            .check_config(&t.params)
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        assert_eq!(checked, t.params, "{who}");
        for e in space.entries() {
            let v = t.params.get(&e.name).expect("every parameter is proposed");
            assert_valid(&e.name, &e.param, v, &who);
        }
        s.tell(t.id, Outcome::complete(objective(space, &t.params)))
            .unwrap_or_else(|e| panic!("{who}: {e}"));
    }
}

/// Every searcher, 40 trials (30 with TPE's model fitted), on all the wide
/// ranges at once.
#[test]
fn every_searcher_proposes_valid_values_on_the_widest_ranges() {
    let space = Space::parse(WIDE).expect("the widest ranges are valid");
    for (name, settings) in searchers() {
        run(&space, name, &settings, 40);
    }
}

/// Each wide range alone (a univariate model of one wide dimension is a
/// different path from a joint one), with TPE fitted on 30 trials.
#[test]
fn tpe_proposes_valid_values_for_each_wide_range_alone() {
    for text in [
        "x=int(-9223372036854775808, 9223372036854775807)",
        "x=int(0, 9223372036854775807)",
        "x=int(0, 2147483647)",
        "x=float(0, 1, step=1e-8)",
        "x=int(1, 9223372036854775807, log)",
        "x=int(1, 1000000000000)",
    ] {
        let space = Space::parse(text).expect("a valid range");
        for settings in [json!({}), json!({"multivariate": false})] {
            run(&space, "tpe", &settings, 40);
        }
    }
}

/// Define-by-run, as `trial.suggest_int('h', 0, 2**63 - 1)` from Python:
/// parameters that only some trials have are proposed one at a time
/// (TPE's independent path), from a model of the trials that had them.
#[test]
fn define_by_run_suggests_valid_values_on_wide_ranges() {
    let params = [
        (
            "h",
            Param::Int(IntParam::new(0, i64::MAX, false, None, None).expect("valid")),
        ),
        (
            "full",
            Param::Int(IntParam::new(i64::MIN, i64::MAX, false, None, None).expect("valid")),
        ),
        (
            "fine",
            Param::Float(FloatParam::new(0.0, 1.0, false, Some(1e-8), None).expect("valid")),
        ),
    ];
    for (name, settings) in searchers() {
        let who = format!("{name} {settings}");
        let mut s = study(&Space::default(), name, &settings, 23);
        for i in 0..40 {
            let t = s.ask_open().unwrap_or_else(|e| panic!("{who}: {e}"));
            let mut loss = 0.0;
            // Every other trial has the wide ones: none of them is shared
            // by all trials, so each is proposed on its own.
            for (p, param) in params.iter().filter(|_| i % 2 == 1) {
                let v = s
                    .suggest(t.id, p, param)
                    .unwrap_or_else(|e| panic!("{who}: {e}"));
                assert_valid(p, param, &v, &who);
                loss += (param.to_unit(&v).expect("valid") - 0.3).powi(2);
            }
            s.tell(t.id, Outcome::complete(loss))
                .unwrap_or_else(|e| panic!("{who}: {e}"));
        }
    }
}

/// The grid counts before it builds: a wide range is refused with the
/// number of points and what to do, not enumerated; a short range that
/// ends at `i64::MAX` is enumerated to its end.
#[test]
fn the_grid_refuses_wide_ranges_and_walks_short_ones_to_i64_max() {
    for (text, count) in [
        (
            "x=int(-9223372036854775808, 9223372036854775807)",
            u64::MAX.to_string(),
        ),
        ("x=int(0, 9223372036854775807)", (1u64 << 63).to_string()),
        ("x=float(0, 1, step=1e-8)", "100000001".to_string()),
    ] {
        let space = Space::parse(text).expect("a valid range");
        let mut s = study(&space, "grid", &json!({}), 1);
        let err = s.ask().expect_err("too large a grid").to_string();
        assert!(
            err.contains(&format!(
                "the grid has {count} points, more than max_points"
            )),
            "{text}: {err}"
        );
    }
    let space = Space::parse("x=int(9223372036854775800, 9223372036854775807)").expect("valid");
    let mut s = study(&space, "grid", &json!({}), 1);
    let mut seen = Vec::new();
    for _ in 0..8 {
        let t = s.ask().expect("a grid point");
        seen.push(t.params["x"].clone());
        s.tell(t.id, Outcome::complete(0.0)).expect("told");
    }
    seen.sort_by_key(|v| v.as_i64());
    let want: Vec<Value> = (i64::MAX - 7..=i64::MAX).map(Value::Int).collect();
    assert_eq!(seen, want);
    assert!(s.ask().is_err(), "the grid is exhausted");
}
