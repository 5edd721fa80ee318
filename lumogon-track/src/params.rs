//! An event's parameters: keys fixed at compile time, values that are
//! literals or numbers, so that nothing a person typed can become one.
//! Pure: the types and their checks, no I/O.

// Without analytics the types stay as API; nothing reads them.
#![cfg_attr(not(feature = "analytics"), allow(dead_code))]

use std::fmt;

/// An event parameter's value: a string literal or a number.
///
/// There is deliberately no `From<String>`: a value typed at run time (a
/// path, an image name, an error's text) cannot become a parameter. Build
/// one with `.into()` from a `&'static str` or any integer or float.
///
/// ```
/// use lumogon_track::Value;
///
/// let params: [(&str, Value); 3] = [("format", "json".into()), ("containers", 3.into()), ("ratio", 0.5.into())];
/// # drop(params);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string fixed at compile time.
    Str(&'static str),
    /// A whole number.
    Int(i64),
    /// A number with a fraction. Not finite (NaN, infinity) is sent as 0.
    Float(f64),
}

/// One parameter: its key and its value.
pub type Param = (&'static str, Value);

impl From<&'static str> for Value {
    fn from(s: &'static str) -> Value {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    /// `"true"` or `"false"`: every backend takes strings, not all take
    /// booleans.
    fn from(b: bool) -> Value {
        Value::Str(if b { "true" } else { "false" })
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Int(i64::from(n))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            /// Saturates at `i64::MAX`.
            fn from(n: $t) -> Value {
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
from_wide_int!(u64, usize, u128);

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Float(if n.is_finite() { n } else { 0.0 })
    }
}

impl From<f32> for Value {
    fn from(n: f32) -> Value {
        Value::from(f64::from(n))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(n) => write!(f, "{n}"),
        }
    }
}

#[cfg(feature = "analytics")]
impl Value {
    /// As JSON (GA4, PostHog, the spool): a string whole, so that GA4's
    /// value limit refuses one too long rather than sending it cut; a
    /// number as a number.
    pub(crate) fn json(self) -> serde_json::Value {
        match self {
            Value::Str(s) => s.into(),
            Value::Int(n) => n.into(),
            Value::Float(n) => n.into(),
        }
    }
}

/// The parameters of one event, as recorded: at most
/// [`MAX_PARAMS`](crate::limits::MAX_EVENT_PARAMS), the first of a repeated
/// key kept.
pub(crate) fn collect(params: &[Param]) -> Vec<Param> {
    let mut kept: Vec<Param> = Vec::with_capacity(params.len());
    for &(key, value) in params {
        if kept.len() == crate::limits::MAX_EVENT_PARAMS {
            break;
        }
        if !kept.iter().any(|(k, _)| *k == key) {
            kept.push((key, value));
        }
    }
    kept
}

/// Whether `key` is one every backend takes as it is: a lowercase ASCII
/// letter, then lowercase letters, digits and `_`, at most 40 characters
/// (GA4's rule, the strictest; PostHog's `$` names are its own). A key that
/// is not is refused when the event is encoded, with a debug line.
pub(crate) fn is_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && key.len() <= 40
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_from_literals_and_numbers_only() {
        assert_eq!(Value::from("json"), Value::Str("json"));
        assert_eq!(Value::from(3u8), Value::Int(3));
        assert_eq!(Value::from(u64::MAX), Value::Int(i64::MAX));
        assert_eq!(Value::from(f64::NAN), Value::Float(0.0));
        assert_eq!(Value::from(true), Value::Str("true"));
        assert_eq!(Value::Float(0.5).to_string(), "0.5");
    }

    #[test]
    fn collect_keeps_the_first_of_a_key_and_at_most_the_limit() {
        let many: Vec<Param> = (0..20).map(|i| ("k", Value::Int(i))).collect();
        assert_eq!(collect(&many), [("k", Value::Int(0))]);
        let keys = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
        ];
        let distinct: Vec<Param> = keys.iter().map(|k| (*k, Value::Int(1))).collect();
        assert_eq!(collect(&distinct).len(), crate::limits::MAX_EVENT_PARAMS);
    }

    #[test]
    fn keys_follow_the_strictest_backend() {
        for good in ["format", "count_2", "a"] {
            assert!(is_key(good), "{good}");
        }
        let long = "x".repeat(41);
        for bad in [
            "",
            "Format",
            "2nd",
            "_x",
            "a-b",
            "a b",
            "$os",
            long.as_str(),
        ] {
            assert!(!is_key(bad), "{bad}");
        }
    }
}
