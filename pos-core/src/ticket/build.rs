//! Completing a cart: payment due, payment start, and the ticket.

use super::document::{DiscountRecord, Ticket, TicketKind, TicketLine, TicketTax};
use super::meta::TicketMeta;
use crate::cart::{Cart, CartLine, ManualDiscount};
use crate::item::Unit;
use crate::tender::{Payment, PaymentDue, TenderPolicy};
use crate::{CoreError, Money};
use std::collections::BTreeSet;

impl Cart {
    /// What a payment of this cart must settle.
    pub fn payment_due(&self) -> Result<PaymentDue, CoreError> {
        Ok(PaymentDue::new(self.total(), self.meal_voucher_eligible()?))
    }

    /// Starts a payment of this cart under a store's tender rules.
    pub fn start_payment(
        &self,
        policy: TenderPolicy,
        meal_voucher_used_today: Money,
    ) -> Result<Payment, CoreError> {
        Payment::new(self.payment_due()?, policy, meal_voucher_used_today)
    }

    /// Builds the ticket from this cart, its payment and the injected
    /// metadata. The payment must be for this cart as it is now and must
    /// cover it; an empty cart is [`CoreError::EmptyTicket`]. The cart is
    /// not changed (the caller clears it once the ticket is stored).
    pub fn complete(&self, payment: &Payment, meta: TicketMeta) -> Result<Ticket, CoreError> {
        if self.is_empty() {
            return Err(CoreError::EmptyTicket);
        }
        meta.validate()?;
        let due = self.payment_due()?;
        if payment.due() != due {
            return Err(CoreError::PaymentMismatch {
                paid_for: payment.due().total.format_plain(),
                total: due.total.format_plain(),
            });
        }
        let settlement = payment.finish()?;
        let lines = self
            .lines()
            .iter()
            .map(ticket_line)
            .collect::<Result<Vec<_>, CoreError>>()?;
        let has_return = self.lines().iter().any(CartLine::is_return);
        let has_sale = self.lines().iter().any(|l| !l.is_return());
        let kind = match (has_sale, has_return) {
            (true, true) => TicketKind::Exchange,
            (false, true) => TicketKind::Refund,
            _ => TicketKind::Sale,
        };
        let originals: BTreeSet<String> = self
            .lines()
            .iter()
            .filter_map(|l| l.return_of().map(|o| o.ticket_id.clone()))
            .collect();
        let currency = self.currency();
        let totals = self.totals();
        Ok(Ticket {
            id: meta.ticket_id,
            kind,
            store: meta.store,
            register: meta.register,
            operator: meta.operator,
            at: meta.at,
            utc_offset_seconds: meta.utc_offset_seconds,
            customer: meta.customer,
            currency,
            tax_mode: self.tax_mode(),
            lines,
            ticket_promotions: totals.ticket_promotions.clone(),
            ticket_discount: self
                .ticket_discount()
                .map(|m| record(m, totals.manual_ticket_discount)),
            ticket_discount_total: totals.ticket_discount,
            taxes: totals
                .taxes
                .iter()
                .map(|t| TicketTax {
                    rate: t.rate,
                    net: Money::new(t.net, currency),
                    vat: Money::new(t.vat, currency),
                    gross: Money::new(t.gross, currency),
                })
                .collect(),
            total: totals.total,
            cash_rounding: settlement.cash_rounding,
            total_due: settlement.total_due,
            payments: settlement.tenders,
            change: settlement.change,
            note: self.note().map(str::to_owned),
            originals: originals.into_iter().collect(),
        })
    }
}

fn record(m: &ManualDiscount, amount: Money) -> DiscountRecord {
    DiscountRecord {
        discount: m.discount,
        amount,
        reason_code: m.reason_code.clone(),
        reason_text: m.reason_text.clone(),
        operator: m.operator.clone(),
    }
}

fn ticket_line(l: &CartLine) -> Result<TicketLine, CoreError> {
    let item = l.item();
    // A line given back from an earlier ticket pays back what was paid for
    // it, after the original's discounts: its gross is quantity × unit
    // price, and the difference is its share of those discounts, so that
    // quantity × unit price − discount = amount on every line.
    let (gross, ticket_discount_share) = if l.original.is_some() {
        let gross = l.unit_price().checked_mul(l.quantity())?.rounded();
        let share = gross.checked_sub(&l.amount())?;
        (gross, share)
    } else {
        (l.gross(), l.ticket_discount_share())
    };
    // A scale-label line is one label at a fixed amount, whatever its unit.
    let unit = match l.price_source() {
        crate::cart::PriceSource::ScaleLabel => Unit::Piece,
        _ => item.unit,
    };
    Ok(TicketLine {
        sku: item.sku.clone(),
        product_id: item.product_id.clone(),
        label: item.label.clone(),
        quantity: l.quantity(),
        unit,
        unit_price: l.unit_price(),
        price_source: l.price_source().clone(),
        gross,
        promotions: l.promotions().to_vec(),
        manual_discount: l
            .manual_discount()
            .map(|m| record(m, l.manual_discount_amount())),
        ticket_discount_share,
        amount: l.amount(),
        vat_rate: l.vat_rate(),
        note: l.note().map(str::to_owned),
        return_of: l.return_of().cloned(),
        meal_voucher_eligible: item.meal_voucher_eligible,
        durable_good: item.durable_good,
    })
}
