//! Property tests of the unit-interval map: every point of [0, 1] maps to a
//! valid value, and values survive the round trip through the unit interval.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{CategoricalParam, FloatParam, IntParam, Param, Value};
use proptest::prelude::*;

fn float_param() -> impl Strategy<Value = Param> {
    (
        -1e3..1e3f64,
        1e-3..1e3f64,
        any::<bool>(),
        prop::option::of(1usize..50),
    )
        .prop_map(|(low, width, log, steps)| {
            let (low, high) = if log {
                (low.abs() + 1e-3, low.abs() + 1e-3 + width)
            } else {
                (low, low + width)
            };
            let step = if log {
                None
            } else {
                steps.map(|n| (high - low) / n as f64)
            };
            Param::Float(FloatParam::new(low, high, log, step, None).unwrap())
        })
}

fn int_param() -> impl Strategy<Value = Param> {
    (-1000i64..1000, 1i64..2000, any::<bool>(), 1i64..5).prop_map(|(low, width, log, step)| {
        if log {
            let low = low.abs() + 1;
            Param::Int(IntParam::new(low, low + width, true, None, None).unwrap())
        } else {
            let high = low + width * step;
            Param::Int(IntParam::new(low, high, false, Some(step), None).unwrap())
        }
    })
}

fn categorical_param() -> impl Strategy<Value = Param> {
    (1usize..12).prop_map(|n| {
        let choices = (0..n).map(|i| Value::Str(format!("c{i}"))).collect();
        Param::Categorical(CategoricalParam::new(choices, None).unwrap())
    })
}

fn any_param() -> impl Strategy<Value = Param> {
    prop_oneof![float_param(), int_param(), categorical_param()]
}

proptest! {
    #[test]
    fn every_unit_point_maps_to_a_valid_canonical_value(param in any_param(), u in 0.0..=1.0f64) {
        let value = param.from_unit(u);
        prop_assert_eq!(param.coerce(&value), Ok(value.clone()));
    }

    #[test]
    fn values_round_trip_through_the_unit_interval(param in any_param(), u in 0.0..=1.0f64) {
        let value = param.from_unit(u);
        let back = param.to_unit(&value).unwrap();
        prop_assert!((0.0..=1.0).contains(&back));
        match (&param, param.from_unit(back), &value) {
            // A continuous float comes back within rounding of itself:
            // `low + u * (high - low)` and its inverse are not exact in
            // floating point (a case proptest found: 1 ulp off).
            (Param::Float(p), Value::Float(again), Value::Float(x)) if p.step().is_none() => {
                let scale = p.low().abs().max(p.high().abs());
                prop_assert!((again - x).abs() <= 4.0 * f64::EPSILON * scale, "{again} vs {x}");
            }
            (_, again, _) => prop_assert_eq!(again, value),
        }
    }

    #[test]
    fn discrete_levels_get_equal_bins(param in prop_oneof![int_param(), categorical_param()], u in 0.0..1.0f64) {
        if let Some(n) = param.levels() {
            // The value of u is the value of the centre of u's bin.
            let bin = ((u * n as f64).floor() as usize).min(n - 1);
            let centre = (bin as f64 + 0.5) / n as f64;
            prop_assert_eq!(param.from_unit(u), param.from_unit(centre));
        }
    }
}

/// Integer ranges anywhere in `i64`, up to the whole of it, with a step that
/// divides the span; log-scaled ones from any positive low.
fn wide_int_param() -> impl Strategy<Value = Param> {
    (any::<i64>(), any::<i64>(), 1i64..1000, any::<bool>()).prop_filter_map(
        "low < high",
        |(a, b, step, log)| {
            let (low, high) = (a.min(b), a.max(b));
            let (low, high, log_step) = if log {
                let low = low.checked_abs().unwrap_or(i64::MAX).max(1);
                (low, high.max(low), None)
            } else {
                let steps = high.abs_diff(low) / step.unsigned_abs();
                let high = i128::from(low) + i128::from(steps) * i128::from(step);
                (low, i64::try_from(high).ok()?, Some(step))
            };
            // Every range with low < high is valid, however wide.
            (low < high).then(|| {
                let p = IntParam::new(low, high, log, log_step, None);
                Param::Int(p.unwrap_or_else(|e| panic!("[{low}, {high}]: {e}")))
            })
        },
    )
}

proptest! {
    /// However wide the range, every point of [0, 1] maps to a valid value
    /// inside it and on its grid, and that value maps back into [0, 1].
    #[test]
    fn wide_int_ranges_map_to_valid_values(param in wide_int_param(), u in 0.0..=1.0f64) {
        let value = param.from_unit(u);
        prop_assert_eq!(param.coerce(&value), Ok(value.clone()));
        let back = param.to_unit(&value).unwrap();
        prop_assert!((0.0..=1.0).contains(&back), "{back}");
        prop_assert!(param.levels().is_none_or(|n| n >= 2));
    }
}

fn int(low: i64, high: i64, log: bool, step: Option<i64>) -> Param {
    Param::Int(IntParam::new(low, high, log, step, None).unwrap())
}

/// Issue "TPE allocates memory for every value of an int range": the
/// engine's side. The whole `i64` range is a valid range (it was refused as
/// "too wide"), its ends are reached, and its level count saturates.
#[test]
fn the_whole_i64_range_is_a_parameter_with_reachable_ends() {
    let full = int(i64::MIN, i64::MAX, false, None);
    assert_eq!(full.levels(), Some(usize::MAX));
    assert_eq!(full.grid_len(5), u64::MAX);
    assert_eq!(full.from_unit(0.0), Value::Int(i64::MIN));
    assert_eq!(full.from_unit(1.0), Value::Int(i64::MAX));
    for v in [i64::MIN, -1, 0, 1, i64::MAX] {
        let u = full.to_unit(&Value::Int(v)).unwrap();
        assert!((0.0..=1.0).contains(&u), "{v}: {u}");
    }
    // A stepped range wider than i64::MAX: values stay on the grid.
    let stepped = int(-9, i64::MAX - 8, false, Some(8));
    for u in [0.0, 0.3, 0.999_999_999_999, 1.0] {
        let v = stepped.from_unit(u);
        assert_eq!(stepped.coerce(&v), Ok(v.clone()), "{u}");
    }
    assert_eq!(stepped.from_unit(1.0), Value::Int(i64::MAX - 8));
    assert!(stepped.contains(&Value::Int(i64::MAX - 16)));
    assert!(!stepped.contains(&Value::Int(i64::MAX - 9)));
    // Coverage between ranges wider than i64::MAX.
    assert!(stepped.is_covered_by(&full));
    assert!(stepped.is_covered_by(&int(-17, i64::MAX - 8, false, Some(4))));
    // The same range, its grid four off.
    assert!(!stepped.is_covered_by(&int(i64::MIN + 3, i64::MAX - 4, false, Some(8))));
    assert!(!full.is_covered_by(&stepped));
    // Log ints up to i64::MAX.
    let log = int(1, i64::MAX, true, None);
    assert_eq!(log.from_unit(1.0), Value::Int(i64::MAX));
    assert_eq!(log.from_unit(0.0), Value::Int(1));
}

/// A grid of a few values ending at `i64::MAX` ends there (stepping past it
/// overflowed: a panic in debug builds, an endless loop in release).
#[test]
fn grid_values_stop_at_i64_max() {
    let top = int(i64::MAX - 6, i64::MAX, false, Some(2));
    let want: Vec<Value> = (0..4).map(|k| Value::Int(i64::MAX - 6 + 2 * k)).collect();
    assert_eq!(top.grid_values(5), want);
    assert_eq!(top.grid_len(5), 4);
}

/// Stepped floats with very many levels: counts saturate instead of
/// overflowing, every point maps onto the grid, and a step too small to
/// count the levels of is refused with a reason.
#[test]
fn fine_float_steps_count_without_overflow() {
    let fine = Param::Float(FloatParam::new(0.0, 1.0, false, Some(1e-8), None).unwrap());
    assert_eq!(fine.levels(), Some(100_000_001));
    // 1e25 levels: more than a usize counts, the ends still reached.
    let huge = Param::Float(FloatParam::new(0.0, 1e10, false, Some(1e-15), None).unwrap());
    assert_eq!(huge.levels(), Some(usize::MAX));
    assert_eq!(huge.grid_len(5), u64::MAX);
    for p in [&fine, &huge] {
        for u in [0.0, 1e-9, 0.37, 0.999_999_99, 1.0] {
            let v = p.from_unit(u);
            assert_eq!(p.coerce(&v), Ok(v.clone()), "{p:?} at {u}");
            let back = p.to_unit(&v).unwrap();
            assert!((0.0..=1.0).contains(&back), "{back}");
        }
    }
    assert_eq!(huge.from_unit(1.0), Value::Float(1e10));
    assert_eq!(huge.from_unit(0.5), Value::Float(5e9));
    let err = FloatParam::new(0.0, 1e300, false, Some(1e-300), None).unwrap_err();
    assert!(
        matches!(err, hyperspace_engine::ParamError::StepTooSmall { .. }),
        "{err}"
    );
}
