//! French number formatting for receipts: `1 234,56`, `0,352`, `28/11/2026 14:05:09`.

use chrono::NaiveDateTime;
use rust_decimal::{Decimal, RoundingStrategy};

/// Formats an amount with `minor_units` decimals, a comma and a space between
/// thousands (`-1 234,50`). Rounds half away from zero.
pub fn amount(value: Decimal, minor_units: u32) -> String {
    let rounded = value.round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero);
    let plain = format!(
        "{:.*}",
        usize::try_from(minor_units).unwrap_or(2),
        rounded.abs()
    );
    let (int_part, frac_part) = match plain.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (plain.as_str(), None),
    };
    let digits: Vec<char> = int_part.chars().collect();
    let mut out = String::with_capacity(plain.len().saturating_add(6));
    if rounded.is_sign_negative() && !rounded.is_zero() {
        out.push('-');
    }
    let count = digits.len();
    for (i, c) in digits.iter().enumerate() {
        let left = count.saturating_sub(i);
        if i > 0 && left % 3 == 0 {
            out.push(' ');
        }
        out.push(*c);
    }
    if let Some(f) = frac_part {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// Formats an amount followed by the currency symbol (`12,50 €`).
pub fn money(value: Decimal, minor_units: u32, symbol: &str) -> String {
    format!("{} {}", amount(value, minor_units), symbol)
}

/// Formats a quantity without trailing zeros (`2`, `0,352`).
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

/// Formats a local date and time the French way.
pub fn date_time(value: NaiveDateTime) -> String {
    value.format("%d/%m/%Y %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_are_french() {
        assert_eq!(amount(d("1234.5"), 2), "1 234,50");
        assert_eq!(amount(d("-0.005"), 2), "-0,01");
        assert_eq!(amount(d("0.004"), 2), "0,00");
        assert_eq!(amount(d("1234567"), 0), "1 234 567");
        assert_eq!(amount(d("999.999"), 2), "1 000,00");
        assert_eq!(money(d("12.5"), 2, "€"), "12,50 €");
    }

    #[test]
    fn quantities_drop_trailing_zeros() {
        assert_eq!(quantity(d("2.000")), "2");
        assert_eq!(quantity(d("0.352")), "0,352");
        assert_eq!(quantity(d("-1")), "-1");
    }
}
