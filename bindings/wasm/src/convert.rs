//! Simple values across the boundary: decimals as strings, instants as epoch
//! milliseconds, ids as strings, records as plain JS objects.

use crate::PosError;
use pos_core::ids::OperatorId;
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;
use wasm_bindgen::JsValue;

/// Parses a decimal string (`"12.50"`); the error names `field` and the
/// value given (its first 32 characters).
pub(crate) fn decimal(field: &str, s: &str) -> Result<Decimal, PosError> {
    Decimal::from_str(s.trim()).map_err(|_| {
        let given: String = s.chars().take(32).collect();
        PosError::invalid(&format!("{field} `{given}`"), "a decimal such as 12.50")
    })
}

/// The JS type of `value` as `typeof` names it (`number`, `bigint`...), or
/// `null`.
fn js_type(value: &JsValue) -> String {
    if value.is_null() {
        return "null".to_owned();
    }
    value.js_typeof().as_string().unwrap_or_default()
}

/// A string argument that JS may have given as anything: a number, a
/// bigint, `undefined`... is a typed `invalid_input` naming `field`, never
/// a trap in the glue (a JS number passed where wasm-bindgen expects a
/// `&str` reads out of bounds).
pub(crate) fn text(field: &str, expected: &str, value: &JsValue) -> Result<String, PosError> {
    value
        .as_string()
        .ok_or_else(|| PosError::wrong_type(field, expected, &js_type(value)))
}

/// A decimal amount or quantity given by JS: a string such as `"12.50"`;
/// a number (even `12.5`) is refused, as floats are not money.
pub(crate) fn amount(field: &str, value: &JsValue) -> Result<Decimal, PosError> {
    let s = text(field, "a decimal string such as \"12.50\"", value)?;
    decimal(field, &s)
}

/// An optional string argument (`undefined` or `null`: none).
pub(crate) fn opt_text(
    field: &str,
    expected: &str,
    value: &JsValue,
) -> Result<Option<String>, PosError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    text(field, expected, value).map(Some)
}

/// A count or number for JS: a plain number (exact below 2^53), never a
/// bigint, so `JSON.stringify` works.
pub(crate) fn number(n: u64) -> f64 {
    // Fiscal numbers and counts stay far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64;
    x
}

/// An operator id.
pub(crate) fn operator(s: &str) -> Result<OperatorId, PosError> {
    Ok(OperatorId::new(s)?)
}

/// A serialisable record as JSON text (decimals stay strings).
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, PosError> {
    serde_json::to_string(value).map_err(|e| PosError::store("encode", e.to_string()))
}

/// A serialisable record as a plain JS object (through JSON, so decimals
/// stay strings and nothing is a float by accident).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, PosError> {
    let text = json(value)?;
    js_sys::JSON::parse(&text).map_err(|_| PosError::store("encode", "JSON.parse".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn decimals_parse_exactly_or_fail_typed() {
        assert_eq!(decimal("amount", " 12.50 ").unwrap().to_string(), "12.50");
        let e = decimal("amount", "12,50").unwrap_err();
        assert_eq!(e.code, "invalid_input");
        assert_eq!(
            e.detail,
            "invalid amount `12,50`: expected a decimal such as 12.50"
        );
        assert!(decimal("amount", "1e400").is_err());
    }
}
