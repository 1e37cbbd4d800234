//! A store's tender rules: cash rounding and meal-voucher limits.

use crate::money::round_half_away;
use crate::{CoreError, Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The French daily cap on meal vouchers, in euro cents (25 €, in force
/// for 2024-2026; a store sets another one in [`MealVoucherRules`]).
pub const MEAL_VOUCHER_DAILY_CAP_EUR: i64 = 2500;

/// Rounding of the cash part of a payment to an increment (0.05...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashRounding {
    increment: Money,
}

impl CashRounding {
    /// An increment: positive and in whole minor units of `currency`.
    pub fn new(increment: Decimal, currency: Currency) -> Result<CashRounding, CoreError> {
        let invalid = || CoreError::InvalidCashRounding {
            increment: increment.to_string(),
        };
        let m = Money::new(increment, currency);
        if increment <= Decimal::ZERO || m.to_minor_units().is_err() {
            return Err(invalid());
        }
        Ok(CashRounding { increment: m })
    }

    /// The increment.
    pub fn increment(&self) -> Money {
        self.increment
    }

    /// `amount` rounded to the nearest increment, half away from zero.
    pub fn round(&self, amount: Decimal) -> Result<Decimal, CoreError> {
        let inc = self.increment.amount();
        let steps = amount.checked_div(inc).ok_or(CoreError::Overflow)?;
        let r = round_half_away(steps, 0)
            .checked_mul(inc)
            .ok_or(CoreError::Overflow)?;
        Ok(self.increment.currency().round(r))
    }
}

/// What happens to meal vouchers handed over beyond what they may pay
/// (no change is ever given on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MealVoucherExcess {
    /// The voucher is refused; the customer pays with something else.
    #[default]
    Refuse,
    /// The voucher is taken; the excess is lost to the customer (recorded
    /// as forfeited on the ticket, never as change).
    Forfeit,
}

/// Meal-voucher rules of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MealVoucherRules {
    /// Most that one customer may pay in meal vouchers per day (face value).
    pub daily_cap: Money,
    /// What to do with vouchers above the eligible amount or the balance.
    pub excess: MealVoucherExcess,
}

/// A store's tender rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderPolicy {
    /// Rounding of the cash part, if the store rounds cash.
    pub cash_rounding: Option<CashRounding>,
    /// Meal-voucher rules.
    pub meal_voucher: MealVoucherRules,
}

impl TenderPolicy {
    /// French defaults: no cash rounding, meal vouchers capped at 25 € a
    /// day (converted as a number to `currency`), excess refused.
    pub fn france(currency: Currency) -> TenderPolicy {
        TenderPolicy {
            cash_rounding: None,
            meal_voucher: MealVoucherRules {
                daily_cap: Money::new(Decimal::new(MEAL_VOUCHER_DAILY_CAP_EUR, 2), currency),
                excess: MealVoucherExcess::Refuse,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_to_the_nearest_increment_half_away() {
        let r = CashRounding::new(dec!(0.05), Currency::EUR).unwrap();
        let cases = [
            (dec!(1.02), dec!(1.00)),
            (dec!(1.03), dec!(1.05)),
            (dec!(1.025), dec!(1.05)),
            (dec!(1.07), dec!(1.05)),
            (dec!(1.08), dec!(1.10)),
            (dec!(-1.02), dec!(-1.00)),
            (dec!(-1.03), dec!(-1.05)),
            (dec!(0.02), dec!(0.00)),
        ];
        for (amount, want) in cases {
            assert_eq!(r.round(amount).unwrap(), want, "{amount}");
        }
        let chf = CashRounding::new(dec!(0.10), Currency::EUR).unwrap();
        assert_eq!(chf.round(dec!(3.45)).unwrap(), dec!(3.50));
    }

    #[test]
    fn increments_are_checked() {
        assert!(CashRounding::new(dec!(0), Currency::EUR).is_err());
        assert!(CashRounding::new(dec!(-0.05), Currency::EUR).is_err());
        assert_eq!(
            CashRounding::new(dec!(0.005), Currency::EUR)
                .unwrap_err()
                .kind(),
            "invalid_cash_rounding"
        );
    }
}
