//! Check-digit algorithms of the GS1 General Specifications (section 7.9):
//! the standard mod-10 digit of GTINs and SSCCs, and the 4- and 5-digit
//! price/weight check digits of variable-measure (in-store) codes.

/// Value of an ASCII digit, or `None` for any other byte.
pub(crate) fn digit_value(byte: u8) -> Option<u8> {
    byte.is_ascii_digit().then(|| byte.wrapping_sub(b'0'))
}

/// The GS1 standard check digit of `payload` (ASCII digits, without the check
/// digit): weights 3, 1, 3, ... from the right, and the digit that brings the
/// sum to a multiple of ten. Returns `None` if a byte is not a digit.
pub fn gs1_check_digit(payload: &[u8]) -> Option<u8> {
    let mut sum: u32 = 0;
    for (index, byte) in payload.iter().rev().enumerate() {
        let value = u32::from(digit_value(*byte)?);
        let weight = if index % 2 == 0 { 3 } else { 1 };
        sum = sum.wrapping_add(value.wrapping_mul(weight));
    }
    let rest = u8::try_from(sum % 10).ok()?;
    Some(10u8.wrapping_sub(rest) % 10)
}

/// True when the last ASCII digit of `code` is the GS1 check digit of the rest.
pub fn has_valid_gs1_check_digit(code: &[u8]) -> bool {
    match code.split_last() {
        Some((last, payload)) => {
            digit_value(*last).is_some() && gs1_check_digit(payload) == digit_value(*last)
        }
        None => false,
    }
}

// Weighting tables of GS1 GenSpecs 7.9.2, indexed by digit value.
const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];

fn weighted(table: &[u8; 10], byte: u8) -> Option<u32> {
    let value = digit_value(byte)?;
    table.get(usize::from(value)).map(|w| u32::from(*w))
}

/// The price/weight check digit of a 4- or 5-digit variable-measure field
/// (ASCII digits), as printed in in-store codes; `None` for other lengths or
/// non-digits.
pub fn price_check_digit(field: &[u8]) -> Option<u8> {
    match field {
        [a, b, c, d] => {
            let sum = weighted(&TWO_MINUS, *a)?
                .wrapping_add(weighted(&TWO_MINUS, *b)?)
                .wrapping_add(weighted(&THREE, *c)?)
                .wrapping_add(weighted(&FIVE_MINUS, *d)?);
            u8::try_from(sum.wrapping_mul(3) % 10).ok()
        }
        [a, b, c, d, e] => {
            let sum = weighted(&FIVE_PLUS, *a)?
                .wrapping_add(weighted(&TWO_MINUS, *b)?)
                .wrapping_add(weighted(&FIVE_MINUS, *c)?)
                .wrapping_add(weighted(&FIVE_PLUS, *d)?)
                .wrapping_add(weighted(&TWO_MINUS, *e)?);
            let target = u8::try_from((10u32.wrapping_sub(sum % 10)) % 10).ok()?;
            // The check digit is the digit whose 5- weighted value is `target`.
            FIVE_MINUS
                .iter()
                .position(|w| *w == target)
                .and_then(|p| u8::try_from(p).ok())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_check_digits_of_known_codes() {
        // GTIN-13 and GTIN-8 examples of the GS1 General Specifications.
        assert_eq!(gs1_check_digit(b"950110153100"), Some(0));
        assert_eq!(gs1_check_digit(b"9501234"), Some(6));
        assert_eq!(gs1_check_digit(b"400638133393"), Some(1));
        assert_eq!(gs1_check_digit(b"12A"), None);
        assert!(has_valid_gs1_check_digit(b"4006381333931"));
        assert!(!has_valid_gs1_check_digit(b"4006381333932"));
        assert!(!has_valid_gs1_check_digit(b""));
    }

    #[test]
    fn price_check_digits_match_the_genspecs_examples() {
        assert_eq!(price_check_digit(b"2875"), Some(9));
        assert_eq!(price_check_digit(b"14685"), Some(6));
        assert_eq!(price_check_digit(b"0000"), Some(0));
        assert_eq!(price_check_digit(b"123"), None);
        assert_eq!(price_check_digit(b"12a4"), None);
    }
}
