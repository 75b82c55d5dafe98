//! Property tests of the unit-interval map: every point of [0, 1] maps to a
//! valid value, and values survive the round trip through the unit interval.

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
        prop_assert_eq!(param.from_unit(back), value);
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
