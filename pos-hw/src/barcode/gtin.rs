//! The GTIN (Global Trade Item Number) newtype: 8, 12, 13 or 14 digits whose
//! last digit is a valid GS1 check digit.

use std::fmt;

use serde::{Serialize, Serializer};

use super::check::digit_value;
use crate::HwError;

/// How many digits a GTIN was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GtinFormat {
    /// 8 digits (EAN-8).
    Gtin8,
    /// 12 digits (UPC-A).
    Gtin12,
    /// 13 digits (EAN-13).
    Gtin13,
    /// 14 digits (ITF-14, GS1 AI 01).
    Gtin14,
}

impl GtinFormat {
    /// Number of digits of this format.
    pub fn digit_count(self) -> usize {
        match self {
            Self::Gtin8 => 8,
            Self::Gtin12 => 12,
            Self::Gtin13 => 13,
            Self::Gtin14 => 14,
        }
    }

    fn from_len(len: usize) -> Option<Self> {
        match len {
            8 => Some(Self::Gtin8),
            12 => Some(Self::Gtin12),
            13 => Some(Self::Gtin13),
            14 => Some(Self::Gtin14),
            _ => None,
        }
    }
}

/// A GTIN with a verified check digit; compares by its 14-digit form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin {
    /// The 14-digit value (leading zeros implicit), check digit included.
    value: u64,
    format: GtinFormat,
}

impl Gtin {
    /// Parses 8, 12, 13 or 14 ASCII digits and verifies the check digit.
    pub fn parse(text: &str) -> Result<Self, HwError> {
        Self::parse_ascii(text.as_bytes())
    }

    /// [`Gtin::parse`] on bytes: one pass computing the value and the
    /// weighted sum (weights 3, 1, 3... from the right of the payload).
    pub fn parse_ascii(bytes: &[u8]) -> Result<Self, HwError> {
        let format = GtinFormat::from_len(bytes.len()).ok_or(HwError::BarcodeLength {
            length: bytes.len(),
        })?;
        let mut value: u64 = 0;
        let mut payload_sum: u32 = 0;
        let mut found = 0u8;
        // The payload digit right before the check digit has weight 3.
        let mut weight: u32 = if bytes.len().is_multiple_of(2) { 3 } else { 1 };
        let last = bytes.len().saturating_sub(1);
        for (position, byte) in bytes.iter().enumerate() {
            let d = digit_value(*byte).ok_or(HwError::BarcodeCharacter { position })?;
            // At most 14 digits: cannot overflow a u64.
            value = value.wrapping_mul(10).wrapping_add(u64::from(d));
            if position == last {
                found = d;
            } else {
                payload_sum = payload_sum.wrapping_add(u32::from(d).wrapping_mul(weight));
                weight = 4u32.wrapping_sub(weight);
            }
        }
        let rest = u8::try_from(payload_sum % 10).unwrap_or(0);
        let expected = 10u8.wrapping_sub(rest) % 10;
        if expected != found {
            return Err(HwError::BarcodeCheckDigit { expected, found });
        }
        Ok(Self { value, format })
    }

    /// The format (length) the GTIN was written with.
    pub fn format(&self) -> GtinFormat {
        self.format
    }

    /// The check digit.
    pub fn check_digit(&self) -> u8 {
        // `% 10` of a u64 always fits in a u8.
        u8::try_from(self.value % 10).unwrap_or(0)
    }

    /// The 14-digit form with leading zeros, as carried in GS1 AI (01).
    pub fn to_gtin14(&self) -> String {
        format!("{:014}", self.value)
    }

    /// The 13-digit form if the GTIN fits (GTIN-8, -12, -13, or a GTIN-14
    /// with indicator digit 0), as used for in-store code layouts.
    pub fn to_gtin13(&self) -> Option<String> {
        (self.value < 10_000_000_000_000).then(|| format!("{:013}", self.value))
    }

    /// True for Restricted Circulation Numbers: GS1 prefixes 02 and 20–29
    /// (GTIN-12/13/14 shapes) or 0 and 2 for GTIN-8, which shops use for
    /// in-store price- and weight-embedded codes.
    pub fn is_restricted_circulation(&self) -> bool {
        match self.format {
            GtinFormat::Gtin8 => matches!(self.value / 10_000_000, 0 | 2),
            _ => {
                let prefix = (self.value / 100_000_000_000) % 100;
                prefix == 2 || (20..=29).contains(&prefix)
            }
        }
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = self.format.digit_count()
        )
    }
}

impl Serialize for Gtin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_length_and_keeps_its_format() {
        let g = Gtin::parse("4006381333931").unwrap();
        assert_eq!(g.format(), GtinFormat::Gtin13);
        assert_eq!(g.to_string(), "4006381333931");
        assert_eq!(g.to_gtin14(), "04006381333931");
        assert_eq!(Gtin::parse("96385074").unwrap().to_string(), "96385074");
        assert_eq!(
            Gtin::parse("036000291452").unwrap().to_gtin13().unwrap(),
            "0036000291452"
        );
        assert_eq!(Gtin::parse("10614141000415").unwrap().to_gtin13(), None);
        assert_eq!(Gtin::parse("4006381333931").unwrap().check_digit(), 1);
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(HwError::BarcodeCheckDigit {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            Gtin::parse("400638133393"),
            Err(HwError::BarcodeCheckDigit {
                expected: 0,
                found: 3
            })
        );
        assert_eq!(
            Gtin::parse("12345"),
            Err(HwError::BarcodeLength { length: 5 })
        );
        assert_eq!(
            Gtin::parse("4006381x33931"),
            Err(HwError::BarcodeCharacter { position: 7 })
        );
    }

    #[test]
    fn restricted_circulation_prefixes() {
        assert!(
            Gtin::parse("2001234012348")
                .unwrap()
                .is_restricted_circulation()
        );
        assert!(
            Gtin::parse("0212345000007")
                .unwrap()
                .is_restricted_circulation()
        );
        assert!(
            !Gtin::parse("4006381333931")
                .unwrap()
                .is_restricted_circulation()
        );
        assert!(Gtin::parse("20123451").unwrap().is_restricted_circulation());
    }
}
