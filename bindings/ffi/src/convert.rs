//! Simple values across the boundary: decimals as strings, instants as epoch
//! milliseconds, ids as strings.

use crate::PosError;
use pos_core::ids::OperatorId;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Parses a decimal string (`"12.50"`); the error names `field` and the
/// value given (its first 32 characters).
pub(crate) fn decimal(field: &str, s: &str) -> Result<Decimal, PosError> {
    Decimal::from_str(s.trim()).map_err(|_| {
        let given: String = s.chars().take(32).collect();
        PosError::invalid(&format!("{field} `{given}`"), "a decimal such as 12.50")
    })
}

/// The snake_case name a domain enum serialises to (`bank_deposit`).
pub(crate) fn snake_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An instant from epoch milliseconds; `field` names it in the error.
pub(crate) fn instant(field: &str, millis: i64) -> Result<chrono::DateTime<chrono::Utc>, PosError> {
    chrono::DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| PosError::invalid(field, "epoch milliseconds"))
}

/// An operator id.
pub(crate) fn operator(s: &str) -> Result<OperatorId, PosError> {
    Ok(OperatorId::new(s)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly_or_fail_typed() {
        assert_eq!(decimal("amount", " 12.50 ").unwrap().to_string(), "12.50");
        let e = decimal("amount", "12,50").unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(
            e.to_string(),
            "cart error (invalid_input): invalid amount `12,50`: expected a decimal such as 12.50"
        );
        assert!(decimal("amount", "1e400").is_err());
    }

    #[test]
    fn enums_cross_as_their_snake_case_names() {
        use pos_core::cash_session::CashMoveReason;
        assert_eq!(snake_name(&CashMoveReason::BankDeposit), "bank_deposit");
        assert_eq!(instant("at", 0).unwrap().timestamp_millis(), 0);
        assert_eq!(instant("at", i64::MAX).unwrap_err().code(), "invalid_input");
    }
}
