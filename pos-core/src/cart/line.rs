//! A cart line: the item snapshot, what the operator did to it, and what the
//! last repricing made of it — everything a receipt line needs.

use super::adjust::ManualDiscount;
use crate::ids::{OperatorId, PromotionId};
use crate::item::SellableItem;
use crate::money::round_half_away;
use crate::{CoreError, Money, VatRate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Stable id of a cart line; never reused within a cart, unlike positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LineId(pub(crate) u32);

impl LineId {
    /// The id as a number (for bindings and UIs).
    pub fn get(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a line's unit price comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum PriceSource {
    /// The item's price for the context (base or price list).
    Catalog,
    /// A quantity break reached by the SKU's total quantity on the ticket.
    QuantityBreak {
        /// The break's minimum quantity.
        min_quantity: Decimal,
    },
    /// A price printed on a scale label: the line is a fixed amount.
    ScaleLabel,
    /// A price keyed by an operator with the override permission.
    Override {
        /// Who overrode it.
        operator: OperatorId,
        /// Why (printed and journaled).
        reason: String,
        /// The price it replaced.
        replaced: Money,
    },
    /// A return of a line of an earlier ticket: the amount actually paid.
    OriginalTicket,
}

/// The earlier ticket line a return line gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnOrigin {
    /// The original ticket's id (UUID v7).
    pub ticket_id: String,
    /// Zero-based line index on the original ticket.
    pub line: usize,
}

/// What a return-from-ticket line needs to recompute its refundable amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OriginalAmounts {
    /// Quantity sold on the original line.
    pub sold_quantity: Decimal,
    /// Final amount of the original line (after every discount).
    pub sold_amount: Decimal,
    /// Quantity already refunded before this document.
    pub already_refunded: Decimal,
}

/// A promotion applied to a line (or to the ticket), as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    /// The promotion.
    pub promotion: PromotionId,
    /// Its name / reason text for the receipt.
    pub text: String,
    /// What it takes off, whole minor units, positive.
    pub amount: Money,
}

/// A line of the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub(crate) id: LineId,
    // Shared: cloning a cart (every operation does, to stay unchanged on
    // failure) must not copy every label and category list.
    pub(crate) item: Arc<SellableItem>,
    pub(crate) quantity: Decimal,
    pub(crate) unit_price: Money,
    pub(crate) price_source: PriceSource,
    pub(crate) manual_discount: Option<ManualDiscount>,
    pub(crate) note: Option<String>,
    pub(crate) return_of: Option<ReturnOrigin>,
    pub(crate) original: Option<OriginalAmounts>,
    pub(crate) reward_of: Option<PromotionId>,
    // Results of the last repricing.
    pub(crate) gross: Money,
    pub(crate) promotions: Vec<AppliedPromotion>,
    pub(crate) manual_discount_amount: Money,
    pub(crate) ticket_discount_share: Money,
    pub(crate) amount: Money,
}

impl OriginalAmounts {
    /// The amount refunded for `quantity` more units (positive, exact):
    /// round(A × (r + q) / Q) − round(A × r / Q), so successive partial
    /// refunds add up to exactly the amount paid.
    pub(crate) fn refund_amount(
        &self,
        quantity: Decimal,
        minor: u32,
    ) -> Result<Decimal, CoreError> {
        let part = |q: Decimal| -> Result<Decimal, CoreError> {
            let exact = self
                .sold_amount
                .checked_mul(q)
                .and_then(|x| x.checked_div(self.sold_quantity))
                .ok_or(CoreError::Overflow)?;
            Ok(round_half_away(exact, minor))
        };
        let after = self
            .already_refunded
            .checked_add(quantity)
            .ok_or(CoreError::Overflow)?;
        part(after)?
            .checked_sub(part(self.already_refunded)?)
            .ok_or(CoreError::Overflow)
    }
}

impl CartLine {
    /// The unit price handed to pricing: the refunded amount for a
    /// return-from-ticket line (priced as one unit), the unit price otherwise.
    pub(crate) fn pricing_unit_price(&self) -> Result<Decimal, CoreError> {
        match &self.original {
            Some(o) => o.refund_amount(
                self.quantity.abs(),
                self.unit_price.currency().minor_units(),
            ),
            None => Ok(self.unit_price.amount()),
        }
    }

    /// The line's stable id.
    pub fn id(&self) -> LineId {
        self.id
    }
    /// The item as it was when added (label, VAT, unit, flags).
    pub fn item(&self) -> &SellableItem {
        &self.item
    }
    /// The label printed on the receipt.
    pub fn label(&self) -> &str {
        &self.item.label
    }
    /// Quantity (pieces, kg, l or m); negative on a return line.
    pub fn quantity(&self) -> Decimal {
        self.quantity
    }
    /// The unit price used (after quantity breaks or override).
    pub fn unit_price(&self) -> Money {
        self.unit_price
    }
    /// Where the unit price comes from.
    pub fn price_source(&self) -> &PriceSource {
        &self.price_source
    }
    /// The VAT rate.
    pub fn vat_rate(&self) -> VatRate {
        self.item.vat_rate
    }
    /// The manual discount keyed on this line, if any.
    pub fn manual_discount(&self) -> Option<&ManualDiscount> {
        self.manual_discount.as_ref()
    }
    /// The line's note, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    /// The ticket line a return line gives back, when known.
    pub fn return_of(&self) -> Option<&ReturnOrigin> {
        self.return_of.as_ref()
    }
    /// True for a return line (negative quantity).
    pub fn is_return(&self) -> bool {
        self.quantity.is_sign_negative() && !self.quantity.is_zero()
    }
    /// The promotion that added this line as a free item, if any.
    pub fn reward_of(&self) -> Option<&PromotionId> {
        self.reward_of.as_ref()
    }
    /// round(unit price × quantity).
    pub fn gross(&self) -> Money {
        self.gross
    }
    /// The promotions applied to the line, in the engine's order.
    pub fn promotions(&self) -> &[AppliedPromotion] {
        &self.promotions
    }
    /// What the manual discount takes off.
    pub fn manual_discount_amount(&self) -> Money {
        self.manual_discount_amount
    }
    /// The line's share of the ticket discount.
    pub fn ticket_discount_share(&self) -> Money {
        self.ticket_discount_share
    }
    /// Final amount: gross − promotions − manual discount − ticket share.
    pub fn amount(&self) -> Money {
        self.amount
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn successive_refunds_add_up_to_the_amount_paid() {
        // 3 sold for 19.28: 6.43, 6.42, 6.43.
        let mut o = OriginalAmounts {
            sold_quantity: dec!(3),
            sold_amount: dec!(19.28),
            already_refunded: dec!(0),
        };
        let mut parts = Vec::new();
        for _ in 0..3 {
            parts.push(o.refund_amount(dec!(1), 2).unwrap());
            o.already_refunded += dec!(1);
        }
        assert_eq!(parts, [dec!(6.43), dec!(6.42), dec!(6.43)]);
        assert_eq!(parts.iter().sum::<Decimal>(), dec!(19.28));
        // Weighed: 0.1 of 0.347 kg sold 8.64 -> 2.4899 -> 2.49.
        let w = OriginalAmounts {
            sold_quantity: dec!(0.347),
            sold_amount: dec!(8.64),
            already_refunded: dec!(0),
        };
        assert_eq!(w.refund_amount(dec!(0.1), 2).unwrap(), dec!(2.49));
        assert_eq!(w.refund_amount(dec!(0.347), 2).unwrap(), dec!(8.64));
    }
}
