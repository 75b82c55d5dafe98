//! Parameter values: the JSON scalars a configuration is made of.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::Serialize;
use std::fmt;

/// One parameter's value in a configuration.
///
/// Floats and ints come from numeric parameters; a categorical parameter's
/// choices may be any JSON scalar. Serialized as the plain JSON scalar.
///
/// Read by hand ([`ValueVisitor`]) rather than as an untagged enum, which
/// tries each variant in turn and builds an error message for each one
/// that does not fit: three per float, on every trial read from a file or
/// a server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// JSON `null`, allowed as a categorical choice.
    Null,
    /// A boolean choice.
    Bool(bool),
    /// An integer parameter's value, or an integer choice.
    Int(i64),
    /// A float parameter's value, or a float choice.
    Float(f64),
    /// A string choice.
    Str(String),
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// A JSON scalar as the [`Value`] it is: the variant an untagged enum
/// would pick (an integer past `i64` becomes a float, as it did then).
struct ValueVisitor;

impl Visitor<'_> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter value (null, a boolean, a number or a string)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
}

impl Value {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as an integer, if it is an integer (or an integral float).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// The value as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Reads a JSON scalar; arrays and objects are not values.
    pub fn from_json(json: &serde_json::Value) -> Option<Value> {
        match json {
            serde_json::Value::Null => Some(Value::Null),
            serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .or_else(|| n.as_f64().map(Value::Float)),
            serde_json::Value::String(s) => Some(Value::Str(s.clone())),
            _ => None,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => s.clone().into(),
        }
    }

    /// Parses a word typed by a person (compact syntax, CLI `key=value`):
    /// JSON scalars (`1`, `0.5`, `true`, `null`, `"quoted"`) keep their type,
    /// anything else is a string.
    pub fn parse_word(word: &str) -> Value {
        match serde_json::from_str::<serde_json::Value>(word) {
            Ok(json) => Value::from_json(&json).unwrap_or_else(|| Value::Str(word.to_string())),
            Err(_) => Value::Str(word.to_string()),
        }
    }
}

/// Strings print bare (as a command line wants them), everything else as JSON.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<i64> for Value {
    fn from(x: i64) -> Self {
        Value::Int(x)
    }
}

impl From<bool> for Value {
    fn from(x: bool) -> Self {
        Value::Bool(x)
    }
}

impl From<&str> for Value {
    fn from(x: &str) -> Self {
        Value::Str(x.to_string())
    }
}

impl From<String> for Value {
    fn from(x: String) -> Self {
        Value::Str(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reading `Value` had as a derived untagged enum, to compare with.
    #[derive(Debug, serde::Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Str(String),
    }

    impl From<Untagged> for Value {
        fn from(u: Untagged) -> Value {
            match u {
                Untagged::Null => Value::Null,
                Untagged::Bool(b) => Value::Bool(b),
                Untagged::Int(i) => Value::Int(i),
                Untagged::Float(f) => Value::Float(f),
                Untagged::Str(s) => Value::Str(s),
            }
        }
    }

    #[test]
    fn values_read_as_the_untagged_enum_read_them() {
        let texts = [
            "null",
            "true",
            "false",
            "0",
            "-7",
            "3.5",
            "-0.0",
            "1e308",
            "2.0",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "\"a\"",
            "\"\"",
            "\"3\"",
        ];
        for text in texts {
            let ours: Value = serde_json::from_str(text).unwrap();
            let theirs: Untagged = serde_json::from_str(text).unwrap();
            assert_eq!(ours, Value::from(theirs), "{text}");
        }
        for text in ["[1]", "{\"a\": 1}"] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(serde_json::from_str::<Untagged>(text).is_err(), "{text}");
        }
        // Inside a trial's parameters, as storage reads them.
        let params: crate::Params =
            serde_json::from_str(r#"{"x": 0.25, "n": 3, "c": "a", "b": null}"#).unwrap();
        assert_eq!(params["x"], Value::Float(0.25));
        assert_eq!(params["n"], Value::Int(3));
        assert_eq!(params["c"], Value::Str("a".into()));
        assert_eq!(params["b"], Value::Null);
    }

    #[test]
    fn words_keep_their_json_type() {
        assert_eq!(Value::parse_word("3"), Value::Int(3));
        assert_eq!(Value::parse_word("0.5"), Value::Float(0.5));
        assert_eq!(Value::parse_word("true"), Value::Bool(true));
        assert_eq!(Value::parse_word("null"), Value::Null);
        assert_eq!(Value::parse_word("adam"), Value::Str("adam".into()));
        assert_eq!(Value::parse_word("\"3\""), Value::Str("3".into()));
    }

    #[test]
    fn json_round_trip() {
        for v in [
            Value::Null,
            Value::Bool(false),
            Value::Int(-4),
            Value::Float(1e-5),
            Value::Str("x".into()),
        ] {
            let text = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
            assert_eq!(Value::from_json(&v.to_json()), Some(v));
        }
    }
}
