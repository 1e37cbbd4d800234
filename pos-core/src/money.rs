//! Money: an exact decimal amount in an ISO 4217 currency.
//!
//! Amounts are `rust_decimal::Decimal`; every operation is checked (the
//! `Decimal` operators panic on overflow, these methods return
//! [`CoreError::Overflow`]). Rounding is always explicit and always half away
//! from zero, the rule of French tax doctrine and of DESIGN.md item 2.

use crate::CoreError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency with its number of minor units (2 for EUR: cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u32,
    numeric: u16,
}

/// The currencies the SDK knows: (code, ISO numeric, minor units).
const CURRENCIES: &[(&str, u16, u32)] = &[
    ("EUR", 978, 2),
    ("USD", 840, 2),
    ("GBP", 826, 2),
    ("CHF", 756, 2),
    ("CAD", 124, 2),
    ("SEK", 752, 2),
    ("DKK", 208, 2),
    ("NOK", 578, 2),
    ("PLN", 985, 2),
    ("CZK", 203, 2),
    ("HUF", 348, 2),
    ("RON", 946, 2),
    ("MAD", 504, 2),
    ("XPF", 953, 0),
    ("XOF", 952, 0),
    ("JPY", 392, 0),
    ("TND", 788, 3),
    ("KWD", 414, 3),
];

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        minor_units: 2,
        numeric: 978,
    };

    /// Looks a currency up by its ISO 4217 alphabetic code (upper case).
    pub fn from_code(code: &str) -> Result<Currency, CoreError> {
        CURRENCIES
            .iter()
            .find(|(c, _, _)| *c == code)
            .and_then(|&(c, numeric, minor_units)| {
                let bytes: [u8; 3] = c.as_bytes().try_into().ok()?;
                Some(Currency {
                    code: bytes,
                    minor_units,
                    numeric,
                })
            })
            .ok_or_else(|| CoreError::UnknownCurrency {
                code: code.chars().take(8).collect(),
            })
    }

    /// The alphabetic code, e.g. `EUR`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// The ISO 4217 numeric code, e.g. 978 for EUR (payment terminals use it).
    pub fn numeric(&self) -> u16 {
        self.numeric
    }

    /// Digits after the decimal point in the currency's minor unit.
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// The value of one minor unit (0.01 for EUR).
    pub fn minor_unit_value(&self) -> Decimal {
        Decimal::new(1, self.minor_units)
    }

    /// The symbol used in French formatting (`€`), or the code.
    pub fn symbol(&self) -> &str {
        match self.code() {
            "EUR" => "€",
            "USD" => "$",
            "GBP" => "£",
            other => other,
        }
    }

    /// Rounds to the minor unit, half away from zero.
    pub fn round(&self, amount: Decimal) -> Decimal {
        round_half_away(amount, self.minor_units)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// Rounds `amount` to `dp` decimals, half away from zero, and fixes the scale
/// to exactly `dp` so that `12.5` prints as `12.50`.
pub fn round_half_away(amount: Decimal, dp: u32) -> Decimal {
    let mut r = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r
}

/// An amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount as given (not rounded).
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`, with the currency's scale.
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: Decimal::new(0, currency.minor_units),
            currency,
        }
    }

    /// Parses a decimal string (`"12.50"`); floats never enter.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, CoreError> {
        parse_decimal(amount).map(|amount| Money { amount, currency })
    }

    /// Builds an amount from integer minor units (1250 -> 12.50 EUR).
    pub fn from_minor_units(units: i64, currency: Currency) -> Money {
        Money {
            amount: Decimal::new(units, currency.minor_units),
            currency,
        }
    }

    /// The decimal amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True when the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True when the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// Rounded to the minor unit, half away from zero.
    pub fn rounded(&self) -> Money {
        Money {
            amount: self.currency.round(self.amount),
            currency: self.currency,
        }
    }

    /// The amount in integer minor units; errors if it is not a whole number of
    /// minor units or does not fit.
    pub fn to_minor_units(&self) -> Result<i64, CoreError> {
        let units = to_minor_i128(self.amount, self.currency.minor_units)?;
        i64::try_from(units).map_err(|_| CoreError::Overflow)
    }

    /// `self + other`; currencies must match.
    pub fn checked_add(&self, other: &Money) -> Result<Money, CoreError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(CoreError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `self - other`; currencies must match.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, CoreError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(CoreError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// `self × factor`, not rounded.
    pub fn checked_mul(&self, factor: Decimal) -> Result<Money, CoreError> {
        let amount = self.amount.checked_mul(factor).ok_or(CoreError::Overflow)?;
        Ok(Money {
            amount,
            currency: self.currency,
        })
    }

    /// The opposite amount.
    pub fn negated(&self) -> Money {
        Money {
            amount: negate(self.amount),
            currency: self.currency,
        }
    }

    /// Sums amounts of one currency; an empty iterator gives zero.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, CoreError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    fn same_currency(&self, other: &Money) -> Result<(), CoreError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(CoreError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: other.currency.code().to_owned(),
            })
        }
    }

    /// Plain formatting with the minor digits and a dot: `1234.50`.
    pub fn format_plain(&self) -> String {
        round_half_away(self.amount, self.currency.minor_units).to_string()
    }

    /// French formatting: `1 234,50 €` (space as thousands separator, comma
    /// decimal, a space before the symbol). Plain ASCII spaces so that every
    /// printer code page can print it.
    pub fn format_fr(&self) -> String {
        let plain = self.format_plain();
        let (sign, digits) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let mut grouped = String::with_capacity(int_part.len().saturating_add(4));
        let len = int_part.len();
        for (i, ch) in int_part.chars().enumerate() {
            if i > 0 && len.saturating_sub(i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(ch);
        }
        match frac_part {
            Some(f) => format!("{sign}{grouped},{f} {}", self.currency.symbol()),
            None => format!("{sign}{grouped} {}", self.currency.symbol()),
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.format_plain(), self.currency.code())
    }
}

/// `-x`; flipping a decimal's sign cannot overflow.
pub fn negate(x: Decimal) -> Decimal {
    let mut r = x;
    if !x.is_zero() {
        r.set_sign_negative(!x.is_sign_negative());
    }
    r
}

/// Parses a decimal written with a dot (`"12.50"`, `"-0.347"`); exponent
/// notation and floats are refused.
pub fn parse_decimal(text: &str) -> Result<Decimal, CoreError> {
    let t = text.trim();
    let well_formed = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
        && t.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(CoreError::InvalidNumber {
            text: t.chars().take(40).collect(),
        });
    }
    t.parse::<Decimal>().map_err(|_| CoreError::InvalidNumber {
        text: t.chars().take(40).collect(),
    })
}

/// An exact amount as integer minor units, after checking that it has no more
/// decimals than `minor_units`.
pub(crate) fn to_minor_i128(amount: Decimal, minor_units: u32) -> Result<i128, CoreError> {
    let normalized = amount.normalize();
    if normalized.scale() > minor_units {
        return Err(CoreError::SubMinorAmount {
            amount: amount.to_string(),
        });
    }
    let shift = minor_units
        .checked_sub(normalized.scale())
        .ok_or(CoreError::Overflow)?;
    let factor = 10i128.checked_pow(shift).ok_or(CoreError::Overflow)?;
    normalized
        .mantissa()
        .checked_mul(factor)
        .ok_or(CoreError::Overflow)
}

/// Integer minor units back to a decimal with exactly `minor_units` decimals.
pub(crate) fn from_minor_i128(units: i128, minor_units: u32) -> Result<Decimal, CoreError> {
    Decimal::try_from_i128_with_scale(units, minor_units).map_err(|_| CoreError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn french_formatting() {
        let m = Money::new(dec!(1234.5), Currency::EUR);
        assert_eq!(m.format_fr(), "1 234,50 €");
        assert_eq!(
            Money::new(dec!(-0.05), Currency::EUR).format_fr(),
            "-0,05 €"
        );
        assert_eq!(
            Money::new(dec!(1234567), Currency::EUR).format_fr(),
            "1 234 567,00 €"
        );
        assert_eq!(
            Money::new(dec!(999), Currency::EUR).format_plain(),
            "999.00"
        );
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::new(dec!(1500), jpy).format_fr(), "1 500 JPY");
    }

    #[test]
    fn unknown_currency_is_a_typed_error() {
        assert_eq!(
            Currency::from_code("XXX"),
            Err(CoreError::UnknownCurrency { code: "XXX".into() })
        );
    }

    #[test]
    fn checked_arithmetic_reports_overflow_and_mismatch() {
        let max = Money::new(Decimal::MAX, Currency::EUR);
        assert_eq!(max.checked_add(&max), Err(CoreError::Overflow));
        let usd = Money::new(dec!(1), Currency::from_code("USD").unwrap());
        assert!(matches!(
            Money::zero(Currency::EUR).checked_add(&usd),
            Err(CoreError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn minor_units_round_trip() {
        let m = Money::parse("12.5", Currency::EUR).unwrap();
        assert_eq!(m.to_minor_units().unwrap(), 1250);
        assert_eq!(
            Money::from_minor_units(-5, Currency::EUR).format_plain(),
            "-0.05"
        );
        assert!(
            Money::parse("0.001", Currency::EUR)
                .unwrap()
                .to_minor_units()
                .is_err()
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(dec!(0.125), 2), dec!(0.13));
        assert_eq!(round_half_away(dec!(-0.125), 2), dec!(-0.13));
        assert_eq!(round_half_away(dec!(0.1249), 2), dec!(0.12));
    }

    #[test]
    fn parse_refuses_exponents_and_garbage() {
        assert!(parse_decimal("1e3").is_err());
        assert!(parse_decimal("abc").is_err());
        assert!(parse_decimal("").is_err());
        assert_eq!(parse_decimal(" 24.90 ").unwrap(), dec!(24.90));
    }
}
