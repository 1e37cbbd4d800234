//! The operations of the till: add, change, remove, discount, override,
//! annotate. Each runs through `Cart::transact`: it succeeds and reprices,
//! or fails with a typed error and changes nothing.

use super::adjust::{Actor, ManualDiscount, Permission};
use super::line::{CartLine, LineId, PriceSource, ReturnOrigin};
use super::quantity::{ItemQuantity, check_quantity};
use super::state::Cart;
use super::text::{MAX_NOTE_LEN, MAX_REASON_LEN, checked_text};
use crate::ids::Sku;
use crate::item::{ItemSource, PriceContext, SellableItem, Unit};
use crate::money::negate;
use crate::pricing::Discount;
use crate::{CoreError, Money};
use rust_decimal::Decimal;
use std::sync::Arc;

impl Cart {
    /// Looks a barcode up in `source` for `ctx` and adds `quantity` of it.
    pub fn add_barcode(
        &mut self,
        source: &dyn ItemSource,
        barcode: &str,
        ctx: &PriceContext,
        quantity: Decimal,
    ) -> Result<LineId, CoreError> {
        let item = source.item_by_barcode(barcode, ctx)?;
        self.add_item(item, ItemQuantity::Quantity(quantity))
    }

    /// Looks a SKU up in `source` for `ctx` and adds `quantity` of it.
    pub fn add_sku(
        &mut self,
        source: &dyn ItemSource,
        sku: &Sku,
        ctx: &PriceContext,
        quantity: Decimal,
    ) -> Result<LineId, CoreError> {
        let item = source.item_by_sku(sku, ctx)?;
        self.add_item(item, ItemQuantity::Quantity(quantity))
    }

    /// Adds a resolved item: a quantity, a weight (measured goods), or the
    /// price printed on a scale label (a one-label line at that amount).
    pub fn add_item(
        &mut self,
        item: SellableItem,
        quantity: ItemQuantity,
    ) -> Result<LineId, CoreError> {
        self.transact(|cart| {
            cart.check_item(&item)?;
            let position = cart.lines.len();
            let (quantity, unit_price, source) = match quantity {
                ItemQuantity::Quantity(q) | ItemQuantity::Weight(q) => {
                    check_quantity(item.unit, q, position)?;
                    if q.is_sign_negative() {
                        return Err(negative_quantity(q));
                    }
                    (q, item.unit_price, PriceSource::Catalog)
                }
                ItemQuantity::LabelPrice(price) => {
                    cart.check_amount(price, position)?;
                    (Decimal::ONE, price, PriceSource::ScaleLabel)
                }
            };
            cart.push_line(item, quantity, unit_price, source, None)
        })
    }

    /// Adds a return line: `quantity` (positive) of `item` taken back at its
    /// current price, referencing the original ticket line when known.
    /// Needs [`Permission::Return`].
    pub fn add_return(
        &mut self,
        item: SellableItem,
        quantity: Decimal,
        origin: Option<ReturnOrigin>,
        actor: &Actor,
    ) -> Result<LineId, CoreError> {
        actor.permissions.require(Permission::Return)?;
        self.transact(|cart| {
            cart.check_item(&item)?;
            let position = cart.lines.len();
            check_quantity(item.unit, quantity, position)?;
            if quantity.is_sign_negative() {
                return Err(negative_quantity(quantity));
            }
            let price = item.unit_price;
            cart.push_line(item, negate(quantity), price, PriceSource::Catalog, origin)
        })
    }

    /// Sets a line's quantity (its magnitude: a return line stays a return).
    pub fn set_quantity(&mut self, line: LineId, quantity: Decimal) -> Result<(), CoreError> {
        self.transact(|cart| {
            let position = cart.position(line)?;
            let l = cart.line_mut(position)?;
            let unit = match l.price_source {
                PriceSource::ScaleLabel => Unit::Piece,
                _ => l.item.unit,
            };
            check_quantity(unit, quantity, position)?;
            if quantity.is_sign_negative() {
                return Err(negative_quantity(quantity));
            }
            l.quantity = if l.is_return() {
                negate(quantity)
            } else {
                quantity
            };
            cart.check_refundable_lines()
        })
    }

    /// Removes a line and returns it.
    pub fn remove(&mut self, line: LineId) -> Result<CartLine, CoreError> {
        self.transact(|cart| {
            let position = cart.position(line)?;
            Ok(cart.lines.remove(position))
        })
    }

    /// Removes every line, discount and note.
    pub fn clear(&mut self) -> Result<(), CoreError> {
        self.transact(|cart| {
            cart.lines.clear();
            cart.ticket_discount = None;
            cart.note = None;
            Ok(())
        })
    }

    /// Puts a manual discount on a line (replacing any); needs
    /// [`Permission::LineDiscount`]. It may not exceed what is left of the
    /// line after promotions, and return lines cannot be discounted.
    pub fn set_line_discount(
        &mut self,
        line: LineId,
        discount: Discount,
        reason_code: &str,
        reason_text: Option<&str>,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        actor.permissions.require(Permission::LineDiscount)?;
        let manual =
            ManualDiscount::new(discount, reason_code, reason_text, actor.operator.clone())?;
        self.transact(|cart| {
            let position = cart.position(line)?;
            cart.line_mut(position)?.manual_discount = Some(manual);
            Ok(())
        })
    }

    /// Removes a line's manual discount.
    pub fn clear_line_discount(&mut self, line: LineId) -> Result<(), CoreError> {
        self.transact(|cart| {
            let position = cart.position(line)?;
            cart.line_mut(position)?.manual_discount = None;
            Ok(())
        })
    }

    /// Puts a manual discount on the ticket (replacing any), spread over the
    /// lines by the pricing rules; needs [`Permission::TicketDiscount`].
    pub fn set_ticket_discount(
        &mut self,
        discount: Discount,
        reason_code: &str,
        reason_text: Option<&str>,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        actor.permissions.require(Permission::TicketDiscount)?;
        let manual =
            ManualDiscount::new(discount, reason_code, reason_text, actor.operator.clone())?;
        self.transact(|cart| {
            cart.ticket_discount = Some(manual);
            Ok(())
        })
    }

    /// Removes the manual ticket discount.
    pub fn clear_ticket_discount(&mut self) -> Result<(), CoreError> {
        self.transact(|cart| {
            cart.ticket_discount = None;
            Ok(())
        })
    }

    /// Replaces a line's unit price; needs [`Permission::PriceOverride`] and
    /// a reason. Quantity breaks no longer apply to the line.
    pub fn override_price(
        &mut self,
        line: LineId,
        unit_price: Money,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        actor.permissions.require(Permission::PriceOverride)?;
        let reason = checked_text("override reason", reason, MAX_REASON_LEN)?;
        self.transact(|cart| {
            let position = cart.position(line)?;
            cart.check_unit_price(unit_price, position)?;
            let l = cart.line_mut(position)?;
            if l.original.is_some() {
                return Err(CoreError::DiscountOnReturnLine { line: position });
            }
            let replaced = match &l.price_source {
                PriceSource::Override { replaced, .. } => *replaced,
                _ => l.unit_price,
            };
            l.unit_price = unit_price;
            l.price_source = PriceSource::Override {
                operator: actor.operator.clone(),
                reason,
                replaced,
            };
            Ok(())
        })
    }

    /// Sets or clears a line's note (printed under the line).
    pub fn set_line_note(&mut self, line: LineId, note: Option<&str>) -> Result<(), CoreError> {
        let note = note
            .map(|n| checked_text("note", n, MAX_NOTE_LEN))
            .transpose()?;
        self.transact(|cart| {
            let position = cart.position(line)?;
            cart.line_mut(position)?.note = note;
            Ok(())
        })
    }

    /// Sets or clears the ticket's note.
    pub fn set_note(&mut self, note: Option<&str>) -> Result<(), CoreError> {
        let note = note
            .map(|n| checked_text("note", n, MAX_NOTE_LEN))
            .transpose()?;
        self.transact(|cart| {
            cart.note = note;
            Ok(())
        })
    }

    // --- helpers shared by the operations ---

    pub(crate) fn line_mut(&mut self, position: usize) -> Result<&mut CartLine, CoreError> {
        self.lines
            .get_mut(position)
            .ok_or(CoreError::UnknownLine { line: 0 })
    }

    /// Appends a line; the caller reprices (through `transact`).
    pub(crate) fn push_line(
        &mut self,
        item: SellableItem,
        quantity: Decimal,
        unit_price: Money,
        price_source: PriceSource,
        return_of: Option<ReturnOrigin>,
    ) -> Result<LineId, CoreError> {
        let id = self.take_id()?;
        let zero = Money::zero(self.currency);
        self.lines.push(CartLine {
            id,
            item: Arc::new(item),
            quantity,
            unit_price,
            price_source,
            manual_discount: None,
            note: None,
            return_of,
            original: None,
            reward_of: None,
            gross: zero,
            promotions: Vec::new(),
            manual_discount_amount: zero,
            ticket_discount_share: zero,
            amount: zero,
        });
        Ok(id)
    }

    /// The item's price must be in the cart's currency and not negative, and
    /// so must its quantity-break prices.
    pub(super) fn check_item(&self, item: &SellableItem) -> Result<(), CoreError> {
        let position = self.lines.len();
        self.check_unit_price(item.unit_price, position)?;
        for b in &item.quantity_breaks {
            self.check_unit_price(b.unit_price, position)?;
        }
        Ok(())
    }

    fn check_unit_price(&self, price: Money, position: usize) -> Result<(), CoreError> {
        if price.currency() != self.currency {
            return Err(CoreError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: price.currency().code().to_owned(),
            });
        }
        if price.is_negative() {
            return Err(CoreError::NegativePrice {
                line: position,
                price: price.amount().to_string(),
            });
        }
        Ok(())
    }

    /// Every return-from-ticket line stays within what its original line
    /// still allows.
    pub(crate) fn check_refundable_lines(&self) -> Result<(), CoreError> {
        for line in &self.lines {
            let (Some(o), Some(origin)) = (&line.original, &line.return_of) else {
                continue;
            };
            let remaining = o
                .sold_quantity
                .checked_sub(o.already_refunded)
                .ok_or(CoreError::Overflow)?;
            if line.quantity.abs() > remaining {
                return Err(CoreError::RefundExceedsRefundable {
                    line: origin.line,
                    requested: line.quantity.abs().to_string(),
                    remaining: remaining.to_string(),
                });
            }
        }
        Ok(())
    }

    /// A labelled amount: a unit price that is also whole minor units.
    fn check_amount(&self, price: Money, position: usize) -> Result<(), CoreError> {
        self.check_unit_price(price, position)?;
        price.to_minor_units().map(|_| ())
    }
}

fn negative_quantity(q: Decimal) -> CoreError {
    CoreError::InvalidNumber {
        text: q.to_string(),
    }
}
