//! The cart value: its lines, its ticket-level adjustments and its totals.

use super::adjust::ManualDiscount;
use super::line::{AppliedPromotion, CartLine, LineId};
use crate::pricing::{TaxBreakdown, TaxMode};
use crate::{CoreError, Currency, Money};
use serde::{Deserialize, Serialize};

/// The totals of the last repricing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartTotals {
    /// Σ line amounts before the ticket discount.
    pub subtotal: Money,
    /// Promotions applied at ticket level (spend thresholds...).
    pub ticket_promotions: Vec<AppliedPromotion>,
    /// What the manual ticket discount takes off.
    pub manual_ticket_discount: Money,
    /// The whole ticket discount D (promotions + manual), spread over lines.
    pub ticket_discount: Money,
    /// Net / VAT / gross per rate, highest rate first.
    pub taxes: Vec<TaxBreakdown>,
    /// What the customer pays (negative: what the store pays back).
    pub total: Money,
}

impl CartTotals {
    pub(crate) fn empty(currency: Currency) -> CartTotals {
        CartTotals {
            subtotal: Money::zero(currency),
            ticket_promotions: Vec::new(),
            manual_ticket_discount: Money::zero(currency),
            ticket_discount: Money::zero(currency),
            taxes: Vec::new(),
            total: Money::zero(currency),
        }
    }
}

/// A sale being rung up. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    pub(crate) currency: Currency,
    pub(crate) tax_mode: TaxMode,
    pub(crate) lines: Vec<CartLine>,
    pub(crate) next_id: u32,
    pub(crate) ticket_discount: Option<ManualDiscount>,
    pub(crate) note: Option<String>,
    pub(crate) promo: super::reprice::PromoSetup,
    pub(crate) totals: CartTotals,
}

impl Cart {
    /// An empty tax-inclusive cart (B2C prices).
    pub fn new(currency: Currency) -> Cart {
        Cart::with_tax_mode(currency, TaxMode::Inclusive)
    }

    /// An empty cart for a currency code (`"EUR"`); an unknown code is a
    /// [`CoreError::UnknownCurrency`].
    pub fn for_currency_code(code: &str) -> Result<Cart, CoreError> {
        Ok(Cart::new(Currency::from_code(code)?))
    }

    /// An empty cart with tax-inclusive or tax-exclusive (B2B) prices.
    pub fn with_tax_mode(currency: Currency, tax_mode: TaxMode) -> Cart {
        Cart {
            currency,
            tax_mode,
            lines: Vec::new(),
            next_id: 1,
            ticket_discount: None,
            note: None,
            promo: super::reprice::PromoSetup::default(),
            totals: CartTotals::empty(currency),
        }
    }

    /// The document currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
    /// Tax-inclusive or tax-exclusive prices.
    pub fn tax_mode(&self) -> TaxMode {
        self.tax_mode
    }
    /// The lines, in the order they were added.
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }
    /// The line with this id.
    pub fn line(&self, id: LineId) -> Result<&CartLine, CoreError> {
        self.lines
            .iter()
            .find(|l| l.id == id)
            .ok_or(CoreError::UnknownLine { line: id.0 })
    }
    /// True when the cart has no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    /// The manual ticket discount, if any.
    pub fn ticket_discount(&self) -> Option<&ManualDiscount> {
        self.ticket_discount.as_ref()
    }
    /// The ticket note, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    /// The totals of the last repricing.
    pub fn totals(&self) -> &CartTotals {
        &self.totals
    }
    /// What the customer pays (negative when the store pays back).
    pub fn total(&self) -> Money {
        self.totals.total
    }

    /// Σ final amounts of the lines that meal vouchers may pay (never below zero).
    pub fn meal_voucher_eligible(&self) -> Result<Money, CoreError> {
        let sum = Money::sum(
            self.currency,
            self.lines
                .iter()
                .filter(|l| l.item.meal_voucher_eligible)
                .map(|l| &l.amount),
        )?;
        Ok(if sum.is_negative() {
            Money::zero(self.currency)
        } else {
            sum
        })
    }

    /// Position of a line, or [`CoreError::UnknownLine`].
    pub(crate) fn position(&self, id: LineId) -> Result<usize, CoreError> {
        self.lines
            .iter()
            .position(|l| l.id == id)
            .ok_or(CoreError::UnknownLine { line: id.0 })
    }

    /// Runs `change` on a copy, reprices it and keeps it only if both
    /// succeed: a failed operation leaves the cart untouched.
    pub(crate) fn transact<T>(
        &mut self,
        change: impl FnOnce(&mut Cart) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let mut next = self.working_copy();
        match change(&mut next).and_then(|out| next.reprice().map(|()| out)) {
            Ok(out) => {
                *self = next;
                Ok(out)
            }
            Err(e) => {
                // The promotion cache went with the copy: take it back.
                self.promo.engine = std::mem::take(&mut next.promo.engine);
                Err(e)
            }
        }
    }

    /// A copy to work on: everything but the results of the last
    /// repricing, which the next repricing recomputes anyway (copying the
    /// promotion outcome and per-line promotion texts is most of the cost);
    /// the promotion cache moves to the copy.
    pub(crate) fn working_copy(&mut self) -> Cart {
        let outcome = self.promo.outcome.take();
        let promotions: Vec<_> = self
            .lines
            .iter_mut()
            .map(|l| std::mem::take(&mut l.promotions))
            .collect();
        let mut copy = self.clone();
        copy.promo.engine = std::mem::take(&mut self.promo.engine);
        self.promo.outcome = outcome;
        for (line, p) in self.lines.iter_mut().zip(promotions) {
            line.promotions = p;
        }
        copy
    }

    /// A fresh line id.
    pub(crate) fn take_id(&mut self) -> Result<LineId, CoreError> {
        let id = LineId(self.next_id);
        self.next_id = self.next_id.checked_add(1).ok_or(CoreError::Overflow)?;
        Ok(id)
    }
}
