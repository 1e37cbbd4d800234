//! Quantities: how an item comes in (count, weight, labelled price), the
//! checks on them, and the quantity-break choice.

use crate::item::{QuantityBreak, Unit};
use crate::pricing::QUANTITY_DECIMALS;
use crate::{CoreError, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How much of an item is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemQuantity {
    /// A quantity keyed or scanned: whole pieces, or up to 3 decimals for
    /// measured goods.
    Quantity(Decimal),
    /// A weight read from a scale or a scale label (kg, up to 3 decimals).
    Weight(Decimal),
    /// A price printed on a scale label: the line is one label at that
    /// amount, whatever the weight.
    LabelPrice(Money),
}

/// Checks a sale or return quantity for an item sold by `unit`; `line` is
/// the position the line has (or will have) in the cart.
pub(crate) fn check_quantity(unit: Unit, quantity: Decimal, line: usize) -> Result<(), CoreError> {
    if quantity.is_zero() {
        return Err(CoreError::ZeroQuantity { line });
    }
    let scale = quantity.normalize().scale();
    if scale > QUANTITY_DECIMALS {
        return Err(CoreError::QuantityPrecision {
            line,
            quantity: quantity.to_string(),
        });
    }
    if !unit.is_measured() && scale > 0 {
        return Err(CoreError::FractionalQuantity {
            quantity: quantity.to_string(),
        });
    }
    Ok(())
}

/// The break with the highest `min_quantity` not above `quantity`, if any.
pub(crate) fn pick_break(breaks: &[QuantityBreak], quantity: Decimal) -> Option<&QuantityBreak> {
    breaks
        .iter()
        .filter(|b| b.min_quantity <= quantity)
        .max_by(|a, b| a.min_quantity.cmp(&b.min_quantity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use rust_decimal_macros::dec;

    #[test]
    fn quantities_are_checked_per_unit() {
        assert!(check_quantity(Unit::Piece, dec!(3), 0).is_ok());
        assert!(check_quantity(Unit::Piece, dec!(3.000), 0).is_ok());
        assert_eq!(
            check_quantity(Unit::Piece, dec!(1.5), 0)
                .unwrap_err()
                .kind(),
            "fractional_quantity"
        );
        assert!(check_quantity(Unit::Kilogram, dec!(0.347), 0).is_ok());
        assert_eq!(
            check_quantity(Unit::Kilogram, dec!(0.3471), 2).unwrap_err(),
            CoreError::QuantityPrecision {
                line: 2,
                quantity: "0.3471".into()
            }
        );
        assert_eq!(
            check_quantity(Unit::Litre, dec!(0), 1).unwrap_err(),
            CoreError::ZeroQuantity { line: 1 }
        );
    }

    #[test]
    fn highest_reached_break_wins() {
        let b = |q: Decimal, p: Decimal| QuantityBreak {
            min_quantity: q,
            unit_price: Money::new(p, Currency::EUR),
        };
        let breaks = vec![b(dec!(12), dec!(4.00)), b(dec!(6), dec!(4.50))];
        assert!(pick_break(&breaks, dec!(5)).is_none());
        assert_eq!(pick_break(&breaks, dec!(6)).unwrap().min_quantity, dec!(6));
        assert_eq!(pick_break(&breaks, dec!(11)).unwrap().min_quantity, dec!(6));
        assert_eq!(
            pick_break(&breaks, dec!(30)).unwrap().min_quantity,
            dec!(12)
        );
    }
}
