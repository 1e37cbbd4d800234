//! Card data as the till may hold it: a masked PAN, never the full number.
//!
//! A primary account number (PAN) that reaches the till is reduced to its last
//! four digits the moment it is parsed; [`MaskedPan`] is the only card type the
//! rest of the crate keeps, prints or logs.

use std::fmt;

/// The last four digits of a card number: all the till may keep of a PAN.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaskedPan {
    last4: [u8; 4],
}

impl MaskedPan {
    /// Masks a PAN as terminals report it: digits, optionally with spaces or
    /// mask characters (`*`, `X`, `#`). Keeps the last four digits; `None` when
    /// fewer than four digits end the text.
    pub fn from_reported(text: &str) -> Option<MaskedPan> {
        let trimmed = text.trim();
        let mut last4 = [0u8; 4];
        let mut filled = 0usize;
        for byte in trimmed.bytes().rev() {
            if byte == b' ' && filled == 0 {
                continue;
            }
            if !byte.is_ascii_digit() {
                break;
            }
            if filled == 4 {
                break;
            }
            let slot = 3usize.checked_sub(filled)?;
            *last4.get_mut(slot)? = byte;
            filled = filled.checked_add(1)?;
        }
        (filled == 4).then_some(MaskedPan { last4 })
    }

    /// The last four digits, e.g. `"1234"`.
    pub fn last4(&self) -> &str {
        std::str::from_utf8(&self.last4).unwrap_or("????")
    }
}

impl fmt::Display for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "**** **** **** {}", self.last4())
    }
}

impl fmt::Debug for MaskedPan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedPan(****{})", self.last4())
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_four_digits() {
        let masked = MaskedPan::from_reported("4970101234567890").unwrap();
        assert_eq!(masked.last4(), "7890");
        assert_eq!(masked.to_string(), "**** **** **** 7890");
        assert_eq!(format!("{masked:?}"), "MaskedPan(****7890)");
    }

    #[test]
    fn accepts_already_masked_and_padded_reports() {
        assert_eq!(
            MaskedPan::from_reported("497010######1234  ")
                .unwrap()
                .last4(),
            "1234"
        );
        assert_eq!(
            MaskedPan::from_reported("XXXX XXXX XXXX 4321")
                .unwrap()
                .last4(),
            "4321"
        );
    }

    #[test]
    fn refuses_too_short_numbers() {
        assert_eq!(MaskedPan::from_reported("123"), None);
        assert_eq!(MaskedPan::from_reported(""), None);
        assert_eq!(MaskedPan::from_reported("12a3"), None);
    }
}
