//! The ticket the sync benches sign: one apple at 10.00 (20 % VAT), paid
//! by card. Included with `#[path]` by `sync_push` and
//! `status_during_verify`.

use pos_fiscal::ticket::{
    LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
};
use std::collections::BTreeMap;

/// One apple at 10.00 sold in store `S1` by `alice`.
pub fn apple_ticket() -> TicketInput {
    TicketInput {
        establishment: "S1".into(),
        operator: "alice".into(),
        mode: TicketMode::Ticket,
        operation: Operation::Sale,
        original: None,
        original_register: None,
        currency: "EUR".into(),
        lines: vec![LineInput {
            label: "APPLE".into(),
            qty_milli: 1000,
            unit_price: 1000,
            discount: 0,
            amount: 1000,
            vat_bps: 2000,
        }],
        vat: BTreeMap::from([(
            2000,
            VatAmounts {
                net: 833,
                vat: 167,
                gross: 1000,
            },
        )]),
        total: 1000,
        payments: vec![PaymentInput {
            method: PaymentMethod::Card,
            amount: 1000,
        }],
        change: 0,
        customer: None,
    }
}
