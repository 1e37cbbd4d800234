//! The engine's working state for one run: per line, how much is left to
//! discount and which units are taken. Amounts are integer minor units.

use super::input::PromoLine;
use super::model::{Promotion, Stacking};
use crate::CoreError;
use crate::item::Unit;
use crate::money::{round_half_away, to_minor_i128};
use crate::pricing::QUANTITY_DECIMALS;
use rust_decimal::Decimal;

/// Quantities are kept in thousandths (the finest a quantity may be), so
/// the hot path compares and adds integers, not decimals.
pub(crate) const MILLI: i128 = 1000;

/// One line while promotions are applied to it.
#[derive(Debug, Clone)]
pub(crate) struct LineState {
    /// May get line promotions at all (sale line, not a reward line).
    pub sale: bool,
    /// Has a manual discount or a price override.
    pub manual: bool,
    /// Sold by the piece in a whole quantity (may join unit-based rewards).
    pub pieces: bool,
    /// The cart's line index (ties between equal prices go to the lower one).
    pub index: usize,
    /// Unit price.
    pub unit: Decimal,
    /// Quantity in thousandths.
    pub qty: i128,
    /// Gross in minor units.
    pub gross: i128,
    /// What promotions may take at most: gross − manual discount.
    pub cap: i128,
    /// What promotions took so far.
    pub discount: i128,
    /// Thousandths consumed by normal or exclusive promotions.
    pub consumed: i128,
    /// Thousandths held by exclusive promotions (a part of `consumed`).
    pub locked: i128,
    /// A stackable promotion touched the line's unlocked units.
    pub stacked: bool,
}

impl LineState {
    /// Builds the state of a validated line.
    pub(crate) fn new(line: &PromoLine, minor: u32) -> Result<LineState, CoreError> {
        let gross = exact_units(line.gross.amount(), minor)?;
        let manual = exact_units(line.manual_discount.amount(), minor)?;
        let sale = !line.is_return() && line.reward_of.is_none();
        let qty = exact_units(line.quantity, QUANTITY_DECIMALS)?;
        Ok(LineState {
            sale,
            manual: line.is_manual(),
            pieces: line.unit == Unit::Piece && qty.checked_rem(MILLI) == Some(0),
            index: line.index,
            unit: line.unit_price.amount(),
            qty,
            gross,
            cap: if sale {
                gross.checked_sub(manual).ok_or_else(overflow)?
            } else {
                0
            },
            discount: 0,
            consumed: 0,
            locked: 0,
            stacked: false,
        })
    }

    /// Whether `promo` may look at this line at all.
    pub(crate) fn open_to(&self, promo: &Promotion) -> bool {
        self.sale && (!self.manual || promo.conditions.with_manual_discounts)
    }

    /// Thousandths a promotion with this stacking may use now.
    pub(crate) fn available(&self, stacking: Stacking) -> i128 {
        let left = match stacking {
            Stacking::Stackable => self.qty.saturating_sub(self.locked),
            Stacking::Exclusive if self.stacked => 0,
            Stacking::Normal | Stacking::Exclusive | Stacking::GlobalExclusive => {
                self.qty.saturating_sub(self.consumed)
            }
        };
        left.max(0)
    }

    /// What is left to discount, minor units.
    pub(crate) fn room(&self) -> i128 {
        self.cap.saturating_sub(self.discount).max(0)
    }

    /// round(unit × units) in minor units (the gross itself for every unit).
    pub(crate) fn amount_of(&self, units: i128, minor: u32) -> Result<i128, CoreError> {
        if units == self.qty {
            return Ok(self.gross);
        }
        // unit = m / 10^s and units = u / 10^3: the amount in minor units is
        // m × u / 10^(s + 3 − minor).
        let scaled = self
            .unit
            .mantissa()
            .checked_mul(units)
            .ok_or_else(overflow)?;
        let exponent = self
            .unit
            .scale()
            .checked_add(QUANTITY_DECIMALS)
            .ok_or_else(overflow)?;
        rescale(scaled, exponent, minor)
    }

    /// Records a use: caps the discount at the room left, takes the units
    /// per the stacking; returns the discount actually given.
    pub(crate) fn take(
        &mut self,
        stacking: Stacking,
        units: i128,
        wanted: i128,
    ) -> Result<i128, CoreError> {
        let given = wanted.clamp(0, self.room());
        self.discount = self.discount.checked_add(given).ok_or_else(overflow)?;
        match stacking {
            Stacking::Stackable => self.stacked = true,
            Stacking::Normal | Stacking::GlobalExclusive => {
                self.consumed = self.consumed.checked_add(units).ok_or_else(overflow)?;
            }
            Stacking::Exclusive => {
                self.consumed = self.consumed.checked_add(units).ok_or_else(overflow)?;
                self.locked = self.locked.checked_add(units).ok_or_else(overflow)?;
            }
        }
        Ok(given)
    }
}

/// `value / 10^from` expressed with `to` decimals, rounded half away from zero.
pub(crate) fn rescale(value: i128, from: u32, to: u32) -> Result<i128, CoreError> {
    if from >= to {
        let divisor = pow10(from.saturating_sub(to))?;
        div_round_half_away(value, divisor)
    } else {
        value
            .checked_mul(pow10(to.saturating_sub(from))?)
            .ok_or_else(overflow)
    }
}

fn pow10(exp: u32) -> Result<i128, CoreError> {
    10i128.checked_pow(exp).ok_or_else(overflow)
}

/// n / d rounded half away from zero, for d > 0.
pub(crate) fn div_round_half_away(n: i128, d: i128) -> Result<i128, CoreError> {
    let q = n.checked_div(d).ok_or_else(overflow)?;
    let r = n.checked_rem(d).ok_or_else(overflow)?;
    let twice = r
        .checked_abs()
        .and_then(|r| r.checked_mul(2))
        .ok_or_else(overflow)?;
    if twice >= d {
        q.checked_add(n.signum()).ok_or_else(overflow)
    } else {
        Ok(q)
    }
}

/// round(base × percent / 100) in minor units, half away from zero.
pub(crate) fn percent_of(base: i128, percent: Decimal) -> Result<i128, CoreError> {
    let scaled = base.checked_mul(percent.mantissa()).ok_or_else(overflow)?;
    let exponent = percent.scale().checked_add(2).ok_or_else(overflow)?;
    rescale(scaled, exponent, 0)
}

/// `amount` (whole minor units per unit) × `units` thousandths, rounded.
pub(crate) fn per_unit(amount: i128, units: i128) -> Result<i128, CoreError> {
    let scaled = amount.checked_mul(units).ok_or_else(overflow)?;
    rescale(scaled, QUANTITY_DECIMALS, 0)
}

/// The overflow error, built only when needed (`ok_or_else(overflow)`).
pub(crate) fn overflow() -> CoreError {
    CoreError::Overflow
}

/// `amount` as an integer number of 10^-`digits` units; an error if it has
/// more decimals than that (the usual case, scale ≤ digits, skips the
/// decimal normalisation).
pub(crate) fn exact_units(amount: Decimal, digits: u32) -> Result<i128, CoreError> {
    match digits.checked_sub(amount.scale()) {
        Some(shift) => amount
            .mantissa()
            .checked_mul(pow10(shift)?)
            .ok_or_else(overflow),
        None => to_minor_i128(amount, digits),
    }
}

/// round(unit price × quantity) in 10^-`minor` units, pricing rule 1.
pub(crate) fn line_gross(unit: Decimal, qty: Decimal, minor: u32) -> Result<i128, CoreError> {
    let scaled = unit
        .mantissa()
        .checked_mul(qty.mantissa())
        .ok_or_else(overflow)?;
    let exponent = unit.scale().checked_add(qty.scale()).ok_or_else(overflow)?;
    rescale(scaled, exponent, minor)
}

/// An exact decimal rounded to minor units.
pub(crate) fn to_minor(amount: Decimal, minor: u32) -> Result<i128, CoreError> {
    to_minor_i128(round_half_away(amount, minor), minor)
}

/// Thousandths as a decimal quantity (`3`, `0.347`).
pub(crate) fn quantity(units: i128) -> Result<Decimal, CoreError> {
    let (whole, scale) = match units.checked_rem(MILLI) {
        // Whole pieces, the common case: no decimal normalisation needed.
        Some(0) => (units.checked_div(MILLI).unwrap_or(0), 0),
        _ => (units, QUANTITY_DECIMALS),
    };
    Decimal::try_from_i128_with_scale(whole, scale)
        .map(|d| if scale == 0 { d } else { d.normalize() })
        .map_err(|_| CoreError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_rounding() {
        assert_eq!(div_round_half_away(5, 2).unwrap(), 3);
        assert_eq!(div_round_half_away(-5, 2).unwrap(), -3);
        assert_eq!(div_round_half_away(4, 3).unwrap(), 1);
        // 8.64 × 20 % = 1.728 -> 1.73; 0.05 × 12.5 % = 0.00625 -> 0.01.
        assert_eq!(percent_of(864, Decimal::new(20, 0)).unwrap(), 173);
        assert_eq!(percent_of(5, Decimal::new(125, 1)).unwrap(), 1);
        assert_eq!(percent_of(4, Decimal::new(125, 1)).unwrap(), 1);
        assert_eq!(percent_of(3, Decimal::new(125, 1)).unwrap(), 0);
        // 2.00 € per kg × 0.347 kg = 0.694 -> 0.69.
        assert_eq!(per_unit(200, 347).unwrap(), 69);
        assert_eq!(rescale(12, 0, 2).unwrap(), 1200);
        assert_eq!(quantity(347).unwrap().to_string(), "0.347");
        assert_eq!(quantity(3000).unwrap().to_string(), "3");
        assert_eq!(exact_units(Decimal::new(125, 1), 2).unwrap(), 1250);
        assert_eq!(exact_units(Decimal::new(12500, 3), 2).unwrap(), 1250);
        assert!(exact_units(Decimal::new(12501, 3), 2).is_err());
        // 24.90 × 0.347 = 8.6403 -> 8.64; 0.005 × 1 -> 0.01; 1.20 × -3 = -3.60.
        assert_eq!(
            line_gross(Decimal::new(2490, 2), Decimal::new(347, 3), 2).unwrap(),
            864
        );
        assert_eq!(line_gross(Decimal::new(5, 3), Decimal::ONE, 2).unwrap(), 1);
        assert_eq!(
            line_gross(Decimal::new(120, 2), Decimal::from(-3), 2).unwrap(),
            -360
        );
    }
}
