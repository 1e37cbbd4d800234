//! GS1 check digits (EAN-8, UPC-A, EAN-13, GTIN-14) and the GTIN-14 key that
//! makes a UPC-A and the same code read as an EAN-13 one barcode.
//!
//! pos-hw has the full GS1 parser for scanners; the catalog only needs to
//! refuse a mistyped code on import and to compare GTINs of different lengths.

/// The lengths of the GS1 identification keys with a mod-10 check digit.
const GS1_LENGTHS: [usize; 4] = [8, 12, 13, 14];

/// True when `code` is all ASCII digits and 8, 12, 13 or 14 long, i.e. a code
/// whose last digit is a GS1 check digit.
pub fn is_gs1_shaped(code: &str) -> bool {
    GS1_LENGTHS.contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The GS1 mod-10 check digit of `payload` (the digits before the check
/// digit): weights 3 and 1 from the right. `None` if a byte is not a digit.
pub fn check_digit(payload: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, b) in payload.bytes().rev().enumerate() {
        let d = u32::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum = sum.checked_add(d.checked_mul(weight)?)?;
    }
    let d = (10u32.checked_sub(sum % 10)?) % 10;
    u8::try_from(d).ok()
}

/// True when `code` is GS1-shaped and its last digit is the right check digit.
pub fn has_valid_check_digit(code: &str) -> bool {
    if !is_gs1_shaped(code) {
        return false;
    }
    let Some((payload, last)) = code.split_at_checked(code.len().saturating_sub(1)) else {
        return false;
    };
    match (check_digit(payload), last.bytes().next()) {
        (Some(expected), Some(got)) => got.checked_sub(b'0') == Some(expected),
        _ => false,
    }
}

/// The GTIN-14 form (left-padded with zeros) of a GS1-shaped code, so that
/// `036000291452` (UPC-A) and `0036000291452` (as EAN-13) are one key.
pub fn gtin14(code: &str) -> Option<String> {
    if !is_gs1_shaped(code) {
        return None;
    }
    Some(format!("{code:0>14}"))
}

/// The numeric value of a GS1-shaped code: equal for every length of the
/// same GTIN (the GTIN-14 read as a number), and a cheap hash-map key.
pub fn gtin_value(code: &str) -> Option<u64> {
    if !is_gs1_shaped(code) {
        return None;
    }
    code.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?
            .checked_add(u64::from(b.checked_sub(b'0')?))
    })
}

/// Appends the check digit to a payload of 7, 11, 12 or 13 digits.
pub fn with_check_digit(payload: &str) -> Option<String> {
    let d = check_digit(payload)?;
    let code = format!("{payload}{d}");
    is_gs1_shaped(&code).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_valid_check_digits() {
        // Printed on real packs: EAN-13, EAN-8, UPC-A, GTIN-14.
        for code in [
            "3017620422003",
            "96385074",
            "036000291452",
            "10614141000415",
        ] {
            assert!(has_valid_check_digit(code), "{code}");
        }
        assert!(!has_valid_check_digit("3017620422004"));
        assert!(!has_valid_check_digit("301762042200"));
        assert!(!has_valid_check_digit("30176204220a3"));
        assert!(!has_valid_check_digit(""));
        assert_eq!(check_digit("301762042200"), Some(3));
        assert_eq!(check_digit("12x"), None);
        assert_eq!(with_check_digit("9638507").as_deref(), Some("96385074"));
        assert_eq!(with_check_digit("12"), None);
    }

    #[test]
    fn gtin14_pads_to_one_key() {
        assert_eq!(gtin14("036000291452"), gtin14("0036000291452"));
        assert_eq!(gtin14("96385074").as_deref(), Some("00000096385074"));
        assert_eq!(gtin14("ABC-12"), None);
        assert_eq!(gtin_value("036000291452"), gtin_value("0036000291452"));
        assert_eq!(gtin_value("00000096385074"), Some(96_385_074));
        assert_eq!(gtin_value("1234"), None);
    }
}
