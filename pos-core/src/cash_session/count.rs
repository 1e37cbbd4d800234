//! Counting the drawer: a total, or note by note and coin by coin.

use crate::{CoreError, Currency, Money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The euro notes and coins, in cents, largest first (500 € … 0.01 €).
pub const EUR_DENOMINATIONS: [u32; 15] = [
    50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
];

/// What the cashier counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashCount {
    /// A single counted total.
    Total(Money),
    /// How many of each denomination (in cents); euro only.
    ByDenomination(BTreeMap<u32, u32>),
}

impl CashCount {
    /// The counted total in `currency`.
    pub fn total(&self, currency: Currency) -> Result<Money, CoreError> {
        match self {
            CashCount::Total(m) => {
                if m.currency() != currency {
                    return Err(CoreError::CurrencyMismatch {
                        expected: currency.code().to_owned(),
                        found: m.currency().code().to_owned(),
                    });
                }
                if m.is_negative() {
                    return Err(CoreError::InvalidAmount {
                        amount: m.amount().to_string(),
                    });
                }
                Ok(*m)
            }
            CashCount::ByDenomination(counts) => {
                if currency != Currency::EUR {
                    return Err(CoreError::CurrencyMismatch {
                        expected: Currency::EUR.code().to_owned(),
                        found: currency.code().to_owned(),
                    });
                }
                let mut cents: i64 = 0;
                for (&denomination, &count) in counts {
                    if !EUR_DENOMINATIONS.contains(&denomination) {
                        return Err(CoreError::InvalidDenomination {
                            cents: denomination,
                        });
                    }
                    let value = i64::from(denomination)
                        .checked_mul(i64::from(count))
                        .ok_or(CoreError::Overflow)?;
                    cents = cents.checked_add(value).ok_or(CoreError::Overflow)?;
                }
                Ok(Money::from_minor_units(cents, currency))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn counts_by_denomination() {
        let mut c = BTreeMap::new();
        c.insert(5_000, 2); // 2 x 50 €
        c.insert(200, 3); // 3 x 2 €
        c.insert(1, 7); // 7 x 1 cent
        let total = CashCount::ByDenomination(c.clone())
            .total(Currency::EUR)
            .unwrap();
        assert_eq!(total.amount(), dec!(106.07));
        c.insert(300, 1);
        assert_eq!(
            CashCount::ByDenomination(c).total(Currency::EUR),
            Err(CoreError::InvalidDenomination { cents: 300 })
        );
    }
}
