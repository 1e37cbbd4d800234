//! Simple values across the boundary: decimals as strings, instants as epoch
//! milliseconds, ids as strings.

use crate::PosError;
use pos_core::ids::OperatorId;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Parses a decimal string (`"12.50"`); `field` names it in the error.
pub(crate) fn decimal(field: &str, s: &str) -> Result<Decimal, PosError> {
    Decimal::from_str(s.trim()).map_err(|_| PosError::invalid(field, "a decimal such as 12.50"))
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
        assert!(decimal("amount", "1e400").is_err());
    }
}
