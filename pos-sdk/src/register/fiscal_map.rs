//! A pos-core ticket as the fiscal journal records it: amounts in minor
//! units, quantities in thousandths, rates in basis points.
//!
//! Cash rounding: the journal requires that the rates sum to the total and
//! that payments minus change equal the total. A rounded cash payment pays
//! `total + rounding`, so the rounding is recorded as a settlement item of
//! method `other` (e.g. a total of 1.02 paid 1.00 in cash carries a 0.02
//! rounding item). The VAT breakdown is never touched by cash rounding.

use crate::SdkError;
use pos_core::tender::TenderMethod;
use pos_core::ticket::{Ticket, TicketKind};
use pos_core::{CoreError, Money};
use pos_fiscal::model::DocRef;
use pos_fiscal::ticket::{
    LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Maps a ticket to the journal's input. `original` is the fiscal reference
/// of the sale a refund takes back; `training` records it in series X.
pub fn ticket_input(
    ticket: &Ticket,
    original: Option<DocRef>,
    training: bool,
) -> Result<TicketInput, SdkError> {
    let operation = match ticket.kind() {
        TicketKind::Sale => Operation::Sale,
        TicketKind::Refund => Operation::Refund,
        TicketKind::Exchange => Operation::Exchange,
    };
    let refund = operation != Operation::Sale;
    let lines = ticket
        .lines()
        .iter()
        .map(|l| {
            let gross = minor(&l.gross)?;
            let amount = minor(&l.amount)?;
            Ok(LineInput {
                label: l.label.clone(),
                qty_milli: milli(l.quantity)?,
                unit_price: minor(&l.unit_price)?,
                discount: gross.checked_sub(amount).ok_or(CoreError::Overflow)?,
                amount,
                vat_bps: l.vat_rate.bps(),
            })
        })
        .collect::<Result<Vec<_>, SdkError>>()?;
    let mut vat = BTreeMap::new();
    for t in ticket.taxes() {
        vat.insert(
            t.rate.bps(),
            VatAmounts {
                net: minor(&t.net)?,
                vat: minor(&t.vat)?,
                gross: minor(&t.gross)?,
            },
        );
    }
    let mut payments = Vec::new();
    for p in ticket.payments() {
        // Settled tenders are signed like the total (negative on refunds).
        // A card reference is not signed: NF525 signs amounts and tender
        // kinds, and the published payload format stays byte for byte; the
        // receipt and every reprint print it from the stored ticket alone.
        payments.push(PaymentInput {
            method: method(&p.method),
            amount: minor(&p.applied)?,
        });
    }
    let rounding = minor(&ticket.cash_rounding())?;
    if rounding != 0 {
        // Payments settle total_due = total + rounding; the journal wants
        // them to settle total, so the rounding item is -rounding.
        let item = rounding.checked_neg().ok_or(CoreError::Overflow)?;
        payments.push(PaymentInput {
            method: PaymentMethod::Other,
            amount: item,
        });
    }
    Ok(TicketInput {
        establishment: ticket.store().to_string(),
        operator: ticket.operator().to_string(),
        mode: if training {
            TicketMode::Training
        } else {
            TicketMode::Ticket
        },
        operation,
        original: if refund { original } else { None },
        original_register: None,
        currency: ticket.currency().code().to_owned(),
        lines,
        vat,
        total: minor(&ticket.total())?,
        payments,
        change: minor(&ticket.change())?,
        customer: ticket.customer().map(ToString::to_string),
    })
}

fn method(m: &TenderMethod) -> PaymentMethod {
    match m {
        TenderMethod::Cash => PaymentMethod::Cash,
        TenderMethod::Card => PaymentMethod::Card,
        TenderMethod::Cheque => PaymentMethod::Cheque,
        TenderMethod::MealVoucher | TenderMethod::Voucher { .. } => PaymentMethod::Voucher,
        TenderMethod::GiftCard { .. } | TenderMethod::StoreCredit { .. } => {
            PaymentMethod::StoredValue
        }
    }
}

fn minor(m: &Money) -> Result<i64, SdkError> {
    Ok(m.to_minor_units()?)
}

fn milli(q: Decimal) -> Result<i64, SdkError> {
    let scaled = q
        .checked_mul(Decimal::ONE_THOUSAND)
        .ok_or(CoreError::Overflow)?
        .normalize();
    if scaled.scale() != 0 {
        return Err(CoreError::QuantityPrecision {
            line: 0,
            quantity: q.to_string(),
        }
        .into());
    }
    i64::try_from(scaled.mantissa()).map_err(|_| CoreError::Overflow.into())
}
