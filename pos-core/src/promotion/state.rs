//! The engine's working state for one run: per line, how much is left to
//! discount and which units are taken. Amounts are integer minor units.

use super::input::PromoLine;
use super::model::{Promotion, Stacking};
use crate::CoreError;
use crate::item::Unit;
use crate::money::{from_minor_i128, round_half_away, to_minor_i128};
use rust_decimal::Decimal;

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
    /// Quantity.
    pub qty: Decimal,
    /// Gross in minor units.
    pub gross: i128,
    /// What promotions may take at most: gross − manual discount.
    pub cap: i128,
    /// What promotions took so far.
    pub discount: i128,
    /// Units consumed by normal or exclusive promotions.
    pub consumed: Decimal,
    /// Units held by exclusive promotions (a part of `consumed`).
    pub locked: Decimal,
    /// A stackable promotion touched the line's unlocked units.
    pub stacked: bool,
    /// (promotion position in the run, units used, discount), in order.
    pub uses: Vec<(usize, Decimal, i128)>,
}

impl LineState {
    /// Builds the state of a validated line.
    pub(crate) fn new(line: &PromoLine, minor: u32) -> Result<LineState, CoreError> {
        let gross = to_minor_i128(line.gross.amount(), minor)?;
        let manual = to_minor_i128(line.manual_discount.amount(), minor)?;
        let sale = !line.is_return() && line.reward_of.is_none();
        Ok(LineState {
            sale,
            manual: line.is_manual(),
            pieces: line.unit == Unit::Piece && line.quantity.fract().is_zero(),
            index: line.index,
            unit: line.unit_price.amount(),
            qty: line.quantity,
            gross,
            cap: if sale {
                gross.checked_sub(manual).ok_or(CoreError::Overflow)?
            } else {
                0
            },
            discount: 0,
            consumed: Decimal::ZERO,
            locked: Decimal::ZERO,
            stacked: false,
            uses: Vec::new(),
        })
    }

    /// Whether `promo` may look at this line at all.
    pub(crate) fn open_to(&self, promo: &Promotion) -> bool {
        self.sale && (!self.manual || promo.conditions.with_manual_discounts)
    }

    /// Units a promotion with this stacking may use now.
    pub(crate) fn available(&self, stacking: Stacking) -> Decimal {
        let left = match stacking {
            Stacking::Stackable => self.qty.checked_sub(self.locked),
            Stacking::Exclusive if self.stacked => Some(Decimal::ZERO),
            Stacking::Normal | Stacking::Exclusive | Stacking::GlobalExclusive => {
                self.qty.checked_sub(self.consumed)
            }
        };
        left.filter(|x| x.is_sign_positive())
            .unwrap_or(Decimal::ZERO)
    }

    /// What is left to discount, minor units.
    pub(crate) fn room(&self) -> i128 {
        self.cap.saturating_sub(self.discount).max(0)
    }

    /// round(unit × units) in minor units (the gross itself for every unit).
    pub(crate) fn amount_of(&self, units: Decimal, minor: u32) -> Result<i128, CoreError> {
        if units == self.qty {
            return Ok(self.gross);
        }
        let exact = self.unit.checked_mul(units).ok_or(CoreError::Overflow)?;
        to_minor_i128(round_half_away(exact, minor), minor)
    }

    /// Records a use: caps the discount at the room left, takes the units
    /// per the stacking; returns the discount actually given.
    pub(crate) fn take(
        &mut self,
        promo_pos: usize,
        stacking: Stacking,
        units: Decimal,
        wanted: i128,
    ) -> Result<i128, CoreError> {
        let given = wanted.clamp(0, self.room());
        self.discount = self
            .discount
            .checked_add(given)
            .ok_or(CoreError::Overflow)?;
        match stacking {
            Stacking::Stackable => self.stacked = true,
            Stacking::Normal | Stacking::GlobalExclusive => {
                self.consumed = self
                    .consumed
                    .checked_add(units)
                    .ok_or(CoreError::Overflow)?;
            }
            Stacking::Exclusive => {
                self.consumed = self
                    .consumed
                    .checked_add(units)
                    .ok_or(CoreError::Overflow)?;
                self.locked = self.locked.checked_add(units).ok_or(CoreError::Overflow)?;
            }
        }
        self.uses.push((promo_pos, units, given));
        Ok(given)
    }
}

/// round(base × percent / 100) in minor units, half away from zero.
pub(crate) fn percent_of(base: i128, percent: Decimal, minor: u32) -> Result<i128, CoreError> {
    let exact = from_minor_i128(base, minor)?
        .checked_mul(percent)
        .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
        .ok_or(CoreError::Overflow)?;
    to_minor_i128(round_half_away(exact, minor), minor)
}

/// An exact decimal rounded to minor units.
pub(crate) fn to_minor(amount: Decimal, minor: u32) -> Result<i128, CoreError> {
    to_minor_i128(round_half_away(amount, minor), minor)
}
