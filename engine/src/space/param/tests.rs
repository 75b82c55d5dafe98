//! Tests of single parameters: validation, the unit-interval map, grids
//! and coverage. Ranges as wide as their type: `engine/tests/unit_interval.rs`.

use super::*;

fn float(low: f64, high: f64, log: bool, step: Option<f64>) -> Param {
    Param::Float(FloatParam::new(low, high, log, step, None).unwrap())
}

#[test]
fn invalid_floats_say_which_rule() {
    let err =
        |low, high, log, step, default| FloatParam::new(low, high, log, step, default).unwrap_err();
    assert!(matches!(
        err(1.0, 0.5, false, None, None),
        ParamError::EmptyRange { .. }
    ));
    assert!(matches!(
        err(0.0, 1.0, true, None, None),
        ParamError::LogNeedsPositiveLow {
            low: Number::Float(_)
        }
    ));
    let divide = err(0.0, 1.0, false, Some(0.3), None);
    assert!(matches!(divide, ParamError::StepDoesNotDivide { .. }));
    assert!(divide.to_string().contains("use high = 0.9 "), "{divide}");
    assert!(matches!(
        err(0.0, 1.0, false, Some(-0.1), None),
        ParamError::NonPositiveStep { .. }
    ));
    let default = err(0.0, 1.0, false, None, Some(2.0));
    assert!(
        matches!(&default, ParamError::BadDefault(inner) if matches!(**inner, ParamError::OutOfRange { .. }))
    );
    assert_eq!(default.to_string(), "default 2 is outside [0, 1]");
    assert!(matches!(
        err(0.0, f64::NAN, false, None, None),
        ParamError::NonFiniteBounds { .. }
    ));
    // Regression (inputs that break things): every draw was a bound.
    assert!(matches!(
        err(-9e307, 9e307, false, None, None),
        ParamError::RangeTooWide { .. }
    ));
    assert!(FloatParam::new(-8e307, 8e307, false, None, None).is_ok());
}

#[test]
fn invalid_ints_and_choices_say_which_rule() {
    assert!(matches!(
        IntParam::new(5, 1, false, None, None).unwrap_err(),
        ParamError::EmptyRange { .. }
    ));
    let log = IntParam::new(0, 8, true, None, None).unwrap_err();
    assert!(
        log.to_string().contains("log scale needs low >= 1"),
        "{log}"
    );
    let divide = IntParam::new(0, 9, false, Some(2), None).unwrap_err();
    assert!(matches!(divide, ParamError::StepDoesNotDivide { .. }));
    assert!(divide.to_string().contains("high = 8"), "{divide}");
    // The whole i64 range is wider than i64::MAX: the message still counts it.
    let wide = IntParam::new(i64::MIN, i64::MAX, false, Some(2), None).unwrap_err();
    assert!(
        wide.to_string().ends_with("divides 18446744073709551615"),
        "{wide}"
    );
    assert!(matches!(
        IntParam::new(0, 8, false, Some(2), Some(3)).unwrap_err(),
        ParamError::BadDefault(inner) if matches!(*inner, ParamError::OffGrid { .. })
    ));
    assert_eq!(
        CategoricalParam::new(vec![], None).unwrap_err(),
        ParamError::NoChoices
    );
    assert_eq!(
        CategoricalParam::new(vec!["a".into(), "a".into()], None).unwrap_err(),
        ParamError::DuplicateChoice { choice: "a".into() }
    );
    let default = CategoricalParam::new(vec!["a".into(), 3.into()], Some("b".into())).unwrap_err();
    assert_eq!(
        default.to_string(),
        "default b is not one of the choices [a, 3]"
    );
}

#[test]
fn stepped_float_levels_map_to_bin_centres() {
    let p = float(0.0, 0.5, false, Some(0.1));
    assert_eq!(p.levels(), Some(6));
    assert_eq!(p.to_unit(&Value::Float(0.0)), Some(0.5 / 6.0));
    assert_eq!(p.from_unit(0.999), Value::Float(0.5));
    assert_eq!(p.from_unit(0.0), Value::Float(0.0));
    assert_eq!(
        p.coerce(&Value::Float(0.30000000001)),
        Ok(Value::Float(0.30000000000000004))
    );
    assert!(p.coerce(&Value::Float(0.25)).is_err());
}

#[test]
fn log_float_is_uniform_in_log_space() {
    let p = float(1e-4, 1.0, true, None);
    match p.from_unit(0.5) {
        Value::Float(x) => assert!((x - 1e-2).abs() < 1e-12),
        other => panic!("{other:?}"),
    }
}

#[test]
fn log_int_round_trips_every_value() {
    let p = Param::Int(IntParam::new(1, 1000, true, None, None).unwrap());
    for x in 1..=1000 {
        let u = p.to_unit(&Value::Int(x)).unwrap();
        assert_eq!(p.from_unit(u), Value::Int(x));
    }
}

#[test]
fn categorical_matches_typed_text() {
    let p =
        Param::Categorical(CategoricalParam::new(vec![Value::Int(3), "x".into()], None).unwrap());
    assert_eq!(p.coerce(&Value::Str("3".into())), Ok(Value::Int(3)));
    assert_eq!(p.from_unit(0.75), Value::Str("x".into()));
}

#[test]
fn grid_values_cover_levels_and_points() {
    assert_eq!(
        float(0.0, 1.0, false, None).grid_values(3),
        vec![0.0.into(), 0.5.into(), 1.0.into()]
    );
    let i = Param::Int(IntParam::new(2, 8, false, Some(2), None).unwrap());
    assert_eq!(
        i.grid_values(99),
        vec![Value::Int(2), Value::Int(4), Value::Int(6), Value::Int(8)]
    );
    assert_eq!(i.grid_len(99), 4);
}

#[test]
fn coverage_detects_narrowing() {
    let wide = float(0.0, 2.0, false, None);
    let narrow = float(0.5, 1.0, false, None);
    assert!(narrow.is_covered_by(&wide));
    assert!(!wide.is_covered_by(&narrow));
    assert!(!wide.is_covered_by(&float(0.1, 2.0, true, None)));
}

/// Issue 16: a single-point range is valid, as in Optuna (`suggest_int("i",
/// 3, 3)` returns 3), on every scale, and maps to and from the unit interval
/// without dividing by its zero width.
#[test]
fn issue_16_single_point_ranges_are_valid() {
    let params = [
        (
            Param::Float(FloatParam::new(1.0, 1.0, false, None, None).unwrap()),
            Value::Float(1.0),
        ),
        (
            Param::Float(FloatParam::new(2.5, 2.5, true, None, None).unwrap()),
            Value::Float(2.5),
        ),
        (
            Param::Float(FloatParam::new(0.5, 0.5, false, Some(0.1), None).unwrap()),
            Value::Float(0.5),
        ),
        (
            Param::Int(IntParam::new(3, 3, false, None, None).unwrap()),
            Value::Int(3),
        ),
        (
            Param::Int(IntParam::new(3, 3, true, None, None).unwrap()),
            Value::Int(3),
        ),
        (
            Param::Int(IntParam::new(-4, -4, false, Some(5), None).unwrap()),
            Value::Int(-4),
        ),
    ];
    for (param, only) in &params {
        for u in [0.0, 0.3, 0.5, 0.999, 1.0] {
            assert_eq!(&param.from_unit(u), only, "{param:?} at {u}");
        }
        let u = param.to_unit(only).unwrap();
        assert!(u.is_finite() && (0.0..=1.0).contains(&u), "{param:?}: {u}");
        assert_eq!(&param.from_unit(u), only);
        assert_eq!(param.grid_values(5), vec![only.clone()], "{param:?}");
        assert_eq!(param.grid_len(5), 1, "{param:?}");
        assert!(param.contains(only));
    }
    assert!(!params[3].0.contains(&Value::Int(4)));
}
