//! Unit tests of cash sessions.

use super::*;
use crate::ids::{CashSessionId, OperationId, OperatorId, RegisterId, TicketId};
use crate::pricing::TaxBreakdown;
use crate::{CoreError, Currency, Money, VatRate};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn t(min: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + min * 60, 0).unwrap()
}

fn eur(x: Decimal) -> Money {
    Money::new(x, Currency::EUR)
}

fn alice() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

fn session() -> CashSession {
    CashSession::open(
        CashSessionId::new("s-1").unwrap(),
        RegisterId::new("till-1").unwrap(),
        alice(),
        t(0),
        eur(dec!(150.00)),
    )
    .unwrap()
}

fn tax(rate: VatRate, net: Decimal, vat: Decimal) -> TaxBreakdown {
    TaxBreakdown {
        rate,
        net,
        vat,
        gross: net + vat,
    }
}

fn ticket(
    id: &str,
    total: Decimal,
    tenders: Vec<(TenderKind, Decimal)>,
    taxes: Vec<TaxBreakdown>,
) -> SessionTicket {
    SessionTicket {
        ticket: TicketId::new(id).unwrap(),
        at: t(10),
        total: eur(total),
        tenders: tenders.into_iter().map(|(k, a)| (k, eur(a))).collect(),
        taxes,
    }
}

fn op(s: &str) -> OperationId {
    OperationId::new(s).unwrap()
}

/// A morning: two sales, a refund, a pay-in and a pay-out.
fn morning() -> CashSession {
    let mut s = session();
    // 12.00 at 20 % (10.00 + 2.00) and 5.28 at 5.5 % (5.00 + 0.28): 17.28, cash 7.28 + card 10
    s.record_sale(ticket(
        "t1",
        dec!(17.28),
        vec![
            (TenderKind::Cash, dec!(7.28)),
            (TenderKind::Card, dec!(10.00)),
        ],
        vec![
            tax(VatRate::FR_STANDARD, dec!(10.00), dec!(2.00)),
            tax(VatRate::FR_REDUCED, dec!(5.00), dec!(0.28)),
        ],
    ))
    .unwrap();
    s.record_sale(ticket(
        "t2",
        dec!(24.00),
        vec![(TenderKind::Card, dec!(24.00))],
        vec![tax(VatRate::FR_STANDARD, dec!(20.00), dec!(4.00))],
    ))
    .unwrap();
    s.record_refund(ticket(
        "t3",
        dec!(6.00),
        vec![(TenderKind::Cash, dec!(6.00))],
        vec![tax(VatRate::FR_STANDARD, dec!(5.00), dec!(1.00))],
    ))
    .unwrap();
    s.pay_in(
        op("p1"),
        t(20),
        alice(),
        eur(dec!(20)),
        CashMoveReason::ChangeFund,
        None,
    )
    .unwrap();
    s.pay_out(
        op("p2"),
        t(30),
        alice(),
        eur(dec!(12.50)),
        CashMoveReason::Expense,
        Some("stamps".into()),
    )
    .unwrap();
    s
}

#[test]
fn x_report_totals_by_tender_and_rate() {
    let s = morning();
    let x = s.x_report(t(40)).unwrap();
    assert_eq!((x.sales_count, x.refunds_count), (2, 1));
    assert_eq!(x.sales_total.amount(), dec!(41.28));
    assert_eq!(x.net_total.amount(), dec!(35.28));
    let cash = x.by_tender[&TenderKind::Cash];
    assert_eq!(
        (
            cash.sales.amount(),
            cash.refunds.amount(),
            cash.net.amount()
        ),
        (dec!(7.28), dec!(6.00), dec!(1.28))
    );
    assert_eq!(x.by_tender[&TenderKind::Card].net.amount(), dec!(34.00));
    let std = &x.by_vat[&VatRate::FR_STANDARD];
    assert_eq!(
        (std.net, std.vat, std.gross),
        (dec!(25.00), dec!(5.00), dec!(30.00))
    );
    // 150 + 1.28 + 20 - 12.50
    assert_eq!(x.expected_cash.amount(), dec!(158.78));
    assert_eq!(s.x_report(t(40)).unwrap(), x, "an X report changes nothing");
}

#[test]
fn close_counts_by_denomination_and_then_refuses_operations() {
    let mut s = morning();
    let mut notes = BTreeMap::new();
    notes.insert(10_000, 1); // 100
    notes.insert(5_000, 1); // 50
    notes.insert(500, 1); // 5
    notes.insert(200, 1); // 2
    notes.insert(100, 1); // 1
    notes.insert(50, 1); // 0.50
    notes.insert(20, 1); // 0.20
    notes.insert(5, 1); // 0.05
    let z = s
        .close(t(60), alice(), CashCount::ByDenomination(notes))
        .unwrap();
    assert_eq!(z.counted.amount(), dec!(158.75));
    assert_eq!(z.difference.amount(), dec!(-0.03));
    assert_eq!(z.report.expected_cash.amount(), dec!(158.78));
    let err = s
        .pay_in(
            op("late"),
            t(61),
            alice(),
            eur(dec!(1)),
            CashMoveReason::Other,
            None,
        )
        .unwrap_err();
    assert_eq!(err, CoreError::CashSessionClosed);
    assert_eq!(
        s.close(t(62), alice(), CashCount::Total(eur(dec!(1))))
            .unwrap_err(),
        CoreError::CashSessionClosed
    );
    let sale = ticket(
        "t9",
        dec!(1),
        vec![(TenderKind::Card, dec!(1))],
        vec![tax(VatRate::ZERO, dec!(1), dec!(0))],
    );
    assert_eq!(
        s.record_sale(sale).unwrap_err(),
        CoreError::CashSessionClosed
    );
}

#[test]
fn bad_operations_are_refused_and_change_nothing() {
    let mut s = morning();
    let before = s.clone();
    // tenders do not add up to the total
    let bad = ticket(
        "t4",
        dec!(10),
        vec![(TenderKind::Card, dec!(9))],
        vec![tax(VatRate::FR_STANDARD, dec!(8.33), dec!(1.67))],
    );
    assert_eq!(s.record_sale(bad).unwrap_err().kind(), "payment_mismatch");
    // taxes do not add up to the total
    let bad = ticket(
        "t4",
        dec!(10),
        vec![(TenderKind::Card, dec!(10))],
        vec![tax(VatRate::FR_STANDARD, dec!(8), dec!(1))],
    );
    assert_eq!(s.record_sale(bad).unwrap_err().kind(), "invalid_amount");
    // paying out more cash than the drawer holds
    let err = s
        .pay_out(
            op("p3"),
            t(50),
            alice(),
            eur(dec!(500)),
            CashMoveReason::BankDeposit,
            None,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "insufficient_balance");
    // an id reused
    let err = s
        .pay_in(
            op("p1"),
            t(20),
            alice(),
            eur(dec!(21)),
            CashMoveReason::ChangeFund,
            None,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "idempotency_conflict");
    assert!(
        s.pay_in(
            op("p5"),
            t(20),
            alice(),
            eur(dec!(0.001)),
            CashMoveReason::Tip,
            None
        )
        .is_err()
    );
    assert!(
        s.pay_in(
            op("p5"),
            t(20),
            alice(),
            eur(dec!(1)),
            CashMoveReason::Tip,
            Some("a\u{7}".into())
        )
        .is_err()
    );
    assert_eq!(s, before);
    // a retry is a no-op
    assert!(
        !s.pay_in(
            op("p1"),
            t(20),
            alice(),
            eur(dec!(20)),
            CashMoveReason::ChangeFund,
            None
        )
        .unwrap()
    );
    assert_eq!(s, before);
}
