//! Canonical JSON: the byte encoding of every payload, envelope and manifest.
//!
//! Rules (format version 1): UTF-8; objects with keys sorted by their UTF-8
//! bytes; no insignificant whitespace; integers only (amounts in minor units,
//! rates in basis points), no floats; strings escaped with `\"`, `\\`, `\b`,
//! `\f`, `\n`, `\r`, `\t` and `\u00XX` for other control characters, every
//! other character written as is. This is exactly Python's
//! `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
//! for such values, so a third party can re-encode and compare.
//!
//! The encoder is written here (not delegated to a map type's iteration
//! order) so the bytes cannot change with a dependency's feature flags.

use crate::error::{FiscalError, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Encodes any serialisable value canonically (fails on floats).
pub fn to_canonical<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let v = serde_json::to_value(value).map_err(|_| FiscalError::Malformed {
        what: "value to encode",
    })?;
    let mut out = Vec::with_capacity(256);
    write_value(&v, &mut out)?;
    Ok(out)
}

/// Decodes canonical bytes into `T`, refusing any byte sequence that is not
/// the canonical encoding of what it decodes to.
pub fn from_canonical<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| FiscalError::Malformed { what })?;
    let mut again = Vec::with_capacity(bytes.len());
    write_value(&v, &mut again).map_err(|_| FiscalError::Malformed { what })?;
    if again != bytes {
        return Err(FiscalError::Malformed { what });
    }
    serde_json::from_value(v).map_err(|_| FiscalError::Malformed { what })
}

/// Re-encodes a parsed JSON value canonically.
pub fn value_to_canonical(v: &serde_json::Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_value(v, &mut out)?;
    Ok(out)
}

fn write_value(v: &serde_json::Value, out: &mut Vec<u8>) -> Result<()> {
    use serde_json::Value;
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(FiscalError::Malformed {
                    what: "float in canonical data",
                });
            }
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Re-sort whatever the map's own order is.
            let sorted: BTreeMap<&str, &Value> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            out.push(b'{');
            for (i, (k, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write_value(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_compact() {
        let b = to_canonical(&json!({"b": 1, "a": [true, null, "x"], "c": {"z": -5, "y": "é"}}))
            .unwrap();
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"a":[true,null,"x"],"b":1,"c":{"y":"é","z":-5}}"#
        );
    }

    #[test]
    fn escapes_match_python_json_dumps() {
        let b = to_canonical(&json!("a\"b\\c\nd\u{1}e/")).unwrap();
        assert_eq!(String::from_utf8(b).unwrap(), r#""a\"b\\c\nd\u0001e/""#);
    }

    #[test]
    fn floats_are_refused() {
        assert!(to_canonical(&json!({"x": 1.5})).is_err());
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let ok: serde_json::Value = from_canonical(br#"{"a":1,"b":2}"#, "t").unwrap();
        assert_eq!(ok, json!({"a":1,"b":2}));
        assert!(from_canonical::<serde_json::Value>(br#"{"b":2,"a":1}"#, "t").is_err());
        assert!(from_canonical::<serde_json::Value>(br#"{"a": 1}"#, "t").is_err());
        assert!(from_canonical::<serde_json::Value>(br#"{"a":"\u0041"}"#, "t").is_err());
    }
}
