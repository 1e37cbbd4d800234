//! The code of a gift card or voucher: secret-ish, so masked when shown.

use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Shortest code accepted.
const MIN_LEN: usize = 8;
/// Longest code accepted.
const MAX_LEN: usize = 32;

/// A gift card or voucher code: 8 to 32 ASCII letters and digits, upper-cased.
/// `Display` and `Debug` mask it (`****7731`); [`GiftCardCode::reveal`] gives
/// the full code for the card store and the payment call. Serialisation
/// writes the full code: it is for the till's own store, not for logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GiftCardCode(String);

impl GiftCardCode {
    /// Validates a code (spaces and dashes as typed on a card are dropped).
    pub fn new(code: &str) -> Result<GiftCardCode, CoreError> {
        let cleaned: String = code
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = (MIN_LEN..=MAX_LEN).contains(&cleaned.len())
            && cleaned.chars().all(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(GiftCardCode(cleaned))
        } else {
            Err(CoreError::InvalidCardCode)
        }
    }

    /// The full code.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The last 4 characters (printed on receipts).
    pub fn last4(&self) -> &str {
        let n = self.0.len();
        self.0.get(n.saturating_sub(4)..).unwrap_or("")
    }

    /// The masked form: `****` and the last 4 characters.
    pub fn masked(&self) -> String {
        format!("****{}", self.last4())
    }
}

impl fmt::Display for GiftCardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.last4())
    }
}

impl fmt::Debug for GiftCardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GiftCardCode(****{})", self.last4())
    }
}

impl TryFrom<String> for GiftCardCode {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, CoreError> {
        GiftCardCode::new(&value)
    }
}

impl From<GiftCardCode> for String {
    fn from(code: GiftCardCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_masked_when_shown() {
        let c = GiftCardCode::new("gc-4410 9921 7731").unwrap();
        assert_eq!(c.reveal(), "GC441099217731");
        assert_eq!(c.to_string(), "****7731");
        assert_eq!(format!("{c:?}"), "GiftCardCode(****7731)");
        assert_eq!(c.masked(), "****7731");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"GC441099217731\"");
        assert_eq!(serde_json::from_str::<GiftCardCode>(&json).unwrap(), c);
    }

    #[test]
    fn bad_codes_are_refused_without_echo() {
        for bad in ["", "SHORT12", "ÉÉÉÉÉÉÉÉÉ", "ABCDEFGH!", &"A".repeat(33)] {
            assert_eq!(
                GiftCardCode::new(bad),
                Err(CoreError::InvalidCardCode),
                "{bad}"
            );
        }
        assert!(!CoreError::InvalidCardCode.to_string().contains("ABC"));
    }
}
