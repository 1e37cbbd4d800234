//! Refunds and exchanges: return lines that reference an original ticket.
//!
//! Rules:
//! - Only a sold line (positive quantity) of an original ticket can be
//!   returned, in the original's currency, by an operator with the
//!   [`Permission::Return`](crate::cart::Permission::Return) permission.
//! - At most what remains refundable: sold quantity − the quantity already
//!   refunded by earlier documents (passed in: the domain has no storage).
//! - The amount paid back for `q` more units of a line sold `Q` for a final
//!   amount `A` (after every discount), `r` units being already refunded, is
//!   `round(A × (r + q) / Q) − round(A × r / Q)`: successive partial refunds
//!   add up to exactly `A`, and the VAT of a full refund is exactly the
//!   opposite of the sale's (the pricing rules round half away from zero,
//!   symmetrically).
//! - A refund document is a cart of such lines; an exchange adds new lines
//!   to it and the balance is paid or paid back.

use crate::CoreError;
use crate::cart::OriginalAmounts;
use crate::cart::{Actor, Cart, LineId, Permission, PriceSource, ReturnOrigin};
use crate::item::SellableItem;
use crate::money::negate;
use crate::ticket::{Ticket, TicketKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A line of an original ticket to give back, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSelection {
    /// Zero-based line index on the original ticket.
    pub line: usize,
    /// Quantity to give back (positive).
    pub quantity: Decimal,
}

impl Cart {
    /// A new cart refunding `selections` of `original`; `already_refunded`
    /// maps original line indices to the quantities refunded before.
    pub fn refund_of(
        original: &Ticket,
        selections: &[RefundSelection],
        already_refunded: &BTreeMap<usize, Decimal>,
        actor: &Actor,
    ) -> Result<Cart, CoreError> {
        let mut cart = Cart::with_tax_mode(original.currency(), original.tax_mode());
        for s in selections {
            let before = already_refunded
                .get(&s.line)
                .copied()
                .unwrap_or(Decimal::ZERO);
            cart.add_return_from_ticket(original, s.line, s.quantity, before, actor)?;
        }
        Ok(cart)
    }

    /// A new cart refunding everything that remains refundable on `original`.
    pub fn full_refund_of(
        original: &Ticket,
        already_refunded: &BTreeMap<usize, Decimal>,
        actor: &Actor,
    ) -> Result<Cart, CoreError> {
        let mut selections = Vec::new();
        for (index, line) in original.lines().iter().enumerate() {
            if !line.quantity.is_sign_positive() || line.quantity.is_zero() {
                continue;
            }
            let before = already_refunded
                .get(&index)
                .copied()
                .unwrap_or(Decimal::ZERO);
            let left = line
                .quantity
                .checked_sub(before)
                .ok_or(CoreError::Overflow)?;
            if left > Decimal::ZERO {
                selections.push(RefundSelection {
                    line: index,
                    quantity: left,
                });
            }
        }
        if selections.is_empty() {
            return Err(CoreError::EmptyTicket);
        }
        Cart::refund_of(original, &selections, already_refunded, actor)
    }

    /// Adds a return of `quantity` of line `line` of `original` at the amount
    /// actually paid. A second return of the same original line in this cart
    /// adds to the first one. Needs the return permission.
    pub fn add_return_from_ticket(
        &mut self,
        original: &Ticket,
        line: usize,
        quantity: Decimal,
        already_refunded: Decimal,
        actor: &Actor,
    ) -> Result<LineId, CoreError> {
        actor.permissions.require(Permission::Return)?;
        let sold = original
            .lines()
            .get(line)
            .filter(|l| l.quantity > Decimal::ZERO && original.kind() != TicketKind::Refund)
            .ok_or(CoreError::UnknownOriginalLine { line })?;
        if original.currency() != self.currency() {
            return Err(CoreError::CurrencyMismatch {
                expected: self.currency().code().to_owned(),
                found: original.currency().code().to_owned(),
            });
        }
        if already_refunded.is_sign_negative() && !already_refunded.is_zero() {
            return Err(CoreError::InvalidNumber {
                text: already_refunded.to_string(),
            });
        }
        if quantity <= Decimal::ZERO {
            return Err(if quantity.is_zero() {
                CoreError::ZeroQuantity {
                    line: self.lines().len(),
                }
            } else {
                CoreError::InvalidNumber {
                    text: quantity.to_string(),
                }
            });
        }
        let origin = ReturnOrigin {
            ticket_id: original.id().to_owned(),
            line,
        };
        if let Some(existing) = self
            .lines()
            .iter()
            .find(|l| l.return_of() == Some(&origin) && l.original.is_some())
        {
            let id = existing.id();
            let total = existing
                .quantity()
                .abs()
                .checked_add(quantity)
                .ok_or(CoreError::Overflow)?;
            self.set_quantity(id, total)?;
            return Ok(id);
        }
        let item = SellableItem {
            sku: sold.sku.clone(),
            product_id: sold.product_id.clone(),
            label: sold.label.clone(),
            unit_price: sold.unit_price,
            price_list: None,
            vat_rate: sold.vat_rate,
            unit: sold.unit,
            categories: Vec::new(),
            meal_voucher_eligible: sold.meal_voucher_eligible,
            durable_good: sold.durable_good,
            scanned_barcode: None,
            quantity_breaks: Vec::new(),
        };
        let amounts = OriginalAmounts {
            sold_quantity: sold.quantity,
            sold_amount: sold.amount.amount(),
            already_refunded,
        };
        self.transact(|cart| {
            crate::cart::check_quantity(item.unit, quantity, cart.lines().len())?;
            let price = item.unit_price;
            let id = cart.push_line(
                item,
                negate(quantity),
                price,
                PriceSource::OriginalTicket,
                Some(origin),
            )?;
            let position = cart.position(id)?;
            cart.line_mut(position)?.original = Some(amounts);
            cart.check_refundable_lines()?;
            Ok(id)
        })
    }
}
