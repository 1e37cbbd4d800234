//! EAN/UPC product codes: EAN-13, EAN-8, UPC-A, UPC-E (expanded to UPC-A and
//! GTIN-13) and GTIN-14, as digit strings a scanner transmits.

use serde::Serialize;

use super::check::digit_value;
use super::gtin::Gtin;
use crate::HwError;

/// The symbology family of a product code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductCodeKind {
    /// EAN-13 (GTIN-13).
    Ean13,
    /// EAN-8 (GTIN-8).
    Ean8,
    /// UPC-A (GTIN-12).
    UpcA,
    /// UPC-E: zero-suppressed UPC-A, 8 digits with number system 0 or 1.
    UpcE,
    /// GTIN-14 as printed in ITF-14 on cases.
    Gtin14,
}

/// A product code whose digits all parsed; the check digit may be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductCode {
    /// Which symbology the digits belong to.
    pub kind: ProductCodeKind,
    /// The digits as an unsigned number (the scanned length is `len`).
    digits: u64,
    len: u8,
    /// The GTIN; for UPC-E, the expanded UPC-A. `None` when the check digit
    /// is wrong.
    pub gtin: Option<Gtin>,
    /// `(expected, found)` when the check digit is wrong.
    pub check_digit_mismatch: Option<(u8, u8)>,
}

impl ProductCode {
    /// The scanned digits as printed under the bars.
    pub fn digits(&self) -> String {
        format!("{:0width$}", self.digits, width = usize::from(self.len))
    }

    /// True when the check digit is right.
    pub fn is_valid(&self) -> bool {
        self.gtin.is_some()
    }
}

/// Expands the 8 digits of a UPC-E code (number system, 6 digits, check) to
/// the 12 digits of the UPC-A it stands for. The check digit is copied, not
/// verified. Fails on non-digits or a number system other than 0 or 1.
pub fn expand_upc_e(upc_e: &[u8; 8]) -> Result<[u8; 12], HwError> {
    for (position, byte) in upc_e.iter().enumerate() {
        if !byte.is_ascii_digit() {
            return Err(HwError::BarcodeCharacter { position });
        }
    }
    let [ns, d1, d2, d3, d4, d5, d6, check] = *upc_e;
    if ns != b'0' && ns != b'1' {
        return Err(HwError::UpcENumberSystem {
            found: ns.wrapping_sub(b'0'),
        });
    }
    let z = b'0';
    Ok(match d6 {
        b'0'..=b'2' => [ns, d1, d2, d6, z, z, z, z, d3, d4, d5, check],
        b'3' => [ns, d1, d2, d3, z, z, z, z, z, d4, d5, check],
        b'4' => [ns, d1, d2, d3, d4, z, z, z, z, z, d5, check],
        _ => [ns, d1, d2, d3, d4, d5, z, z, z, z, d6, check],
    })
}

fn number_of(bytes: &[u8]) -> Result<u64, HwError> {
    let mut value: u64 = 0;
    for (position, byte) in bytes.iter().enumerate() {
        let d = digit_value(*byte).ok_or(HwError::BarcodeCharacter { position })?;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(HwError::BarcodeLength {
                length: bytes.len(),
            })?;
    }
    Ok(value)
}

fn checked(
    kind: ProductCodeKind,
    scanned: &[u8],
    gtin_digits: &[u8],
) -> Result<ProductCode, HwError> {
    let digits = number_of(scanned)?;
    let len = u8::try_from(scanned.len()).map_err(|_| HwError::BarcodeLength {
        length: scanned.len(),
    })?;
    let (gtin, check_digit_mismatch) = match Gtin::parse_ascii(gtin_digits) {
        Ok(gtin) => (Some(gtin), None),
        Err(HwError::BarcodeCheckDigit { expected, found }) => (None, Some((expected, found))),
        Err(error) => return Err(error),
    };
    Ok(ProductCode {
        kind,
        digits,
        len,
        gtin,
        check_digit_mismatch,
    })
}

/// Parses a product code of known kind from its scanned digits.
pub fn parse_as(kind: ProductCodeKind, text: &str) -> Result<ProductCode, HwError> {
    let bytes = text.as_bytes();
    let want = match kind {
        ProductCodeKind::Ean13 => 13,
        ProductCodeKind::Ean8 | ProductCodeKind::UpcE => 8,
        ProductCodeKind::UpcA => 12,
        ProductCodeKind::Gtin14 => 14,
    };
    if bytes.len() != want {
        return Err(HwError::BarcodeLength {
            length: bytes.len(),
        });
    }
    if kind == ProductCodeKind::UpcE {
        let array: [u8; 8] = bytes.try_into().map_err(|_| HwError::BarcodeLength {
            length: bytes.len(),
        })?;
        let upc_a = expand_upc_e(&array)?;
        return checked(kind, bytes, &upc_a);
    }
    checked(kind, bytes, bytes)
}

/// Parses a product code from its digits, guessing the kind from the length:
/// 13 EAN-13, 12 UPC-A, 14 GTIN-14, and 8 EAN-8 unless only the UPC-E reading
/// has a correct check digit (a scanner without symbology identifiers sends
/// both as 8 digits).
pub fn parse_product_code(text: &str) -> Result<ProductCode, HwError> {
    match text.len() {
        13 => parse_as(ProductCodeKind::Ean13, text),
        12 => parse_as(ProductCodeKind::UpcA, text),
        14 => parse_as(ProductCodeKind::Gtin14, text),
        8 => {
            let ean8 = parse_as(ProductCodeKind::Ean8, text)?;
            if ean8.is_valid() {
                return Ok(ean8);
            }
            match parse_as(ProductCodeKind::UpcE, text) {
                Ok(upc_e) if upc_e.is_valid() => Ok(upc_e),
                _ => Ok(ean8),
            }
        }
        0 => Err(HwError::BarcodeEmpty),
        length => Err(HwError::BarcodeLength { length }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upc_e_expansion_covers_each_last_digit_rule() {
        let cases: [(&[u8; 8], &[u8; 12]); 5] = [
            (b"01234505", b"012000003455"),
            (b"01234531", b"012300000451"),
            (b"01234543", b"012340000053"),
            (b"01234558", b"012345000058"),
            (b"04252614", b"042100005264"),
        ];
        for (upc_e, upc_a) in cases {
            assert_eq!(&expand_upc_e(upc_e).unwrap(), upc_a);
        }
        assert_eq!(
            expand_upc_e(b"21234505"),
            Err(HwError::UpcENumberSystem { found: 2 })
        );
    }

    #[test]
    fn guesses_kind_by_length_and_check_digit() {
        assert_eq!(
            parse_product_code("4006381333931").unwrap().kind,
            ProductCodeKind::Ean13
        );
        assert_eq!(
            parse_product_code("036000291452").unwrap().kind,
            ProductCodeKind::UpcA
        );
        assert_eq!(
            parse_product_code("96385074").unwrap().kind,
            ProductCodeKind::Ean8
        );
        let upc_e = parse_product_code("04252614").unwrap();
        assert_eq!(upc_e.kind, ProductCodeKind::UpcE);
        assert_eq!(upc_e.gtin.unwrap().to_string(), "042100005264");
        let bad = parse_product_code("4006381333932").unwrap();
        assert!(!bad.is_valid());
        assert_eq!(bad.check_digit_mismatch, Some((1, 2)));
        assert_eq!(bad.digits(), "4006381333932");
        assert_eq!(
            parse_product_code("123"),
            Err(HwError::BarcodeLength { length: 3 })
        );
    }
}
