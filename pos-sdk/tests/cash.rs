//! Cash sessions through the facade on a real file: float, pay-ins and
//! pay-outs, every cash sale and refund recorded in the sale's own
//! transaction, X report, count by denomination, and the close that feeds
//! the fiscal day's Z closure (its cash control equals the session).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::cash_session::{CashCount, CashMoveReason, TenderKind};
use pos_core::ids::{LocationId, OperationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::payload::ClosureLevel;
use pos_sdk::{CompletedSale, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn alice() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

fn till(dir: &std::path::Path) -> (Register, Arc<ManualClock>) {
    let at: DateTime<Utc> = "2026-06-10T07:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let config = RegisterConfig::france(
        StoreId::new("nantes-1").unwrap(),
        RegisterId::new("till-3").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(3),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    (reg, clock)
}

/// Sells `qty` of `sku` paid by the given tenders.
fn sell(
    reg: &mut Register,
    sku: &str,
    qty: &str,
    tenders: &[(TenderMethod, &str)],
) -> CompletedSale {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    cart.add_sku(
        reg.catalog().unwrap(),
        &Sku::new(sku).unwrap(),
        &ctx,
        Decimal::from_str(qty).unwrap(),
    )
    .unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    for (m, a) in tenders {
        payment.add(Tender::new(m.clone(), eur(a))).unwrap();
    }
    reg.complete_sale(cart, payment, &SaleOptions::by(alice()))
        .unwrap()
}

fn refund_all(
    reg: &mut Register,
    ticket: &str,
    cash: &str,
) -> Result<CompletedSale, pos_sdk::SdkError> {
    let actor = Actor::new(alice(), Permissions::manager());
    let cart = reg.refund_cart(ticket, None, &actor).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur(cash)))
        .unwrap();
    Ok(reg.complete_sale(cart, payment, &SaleOptions::by(alice()))?)
}

#[test]
fn a_drawer_day_from_float_to_z() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, clock) = till(dir.path());

    // A sale before any session is still a sale, just not in a drawer.
    sell(&mut reg, "BAG-TRAD", "1", &[(TenderMethod::Cash, "1.30")]);

    let session = reg.open_cash_session(&alice(), eur("150.00")).unwrap();
    assert!(matches!(
        reg.open_cash_session(&alice(), eur("10.00")),
        Err(pos_sdk::SdkError::AlreadyOpen { .. })
    ));

    clock.advance_millis(60_000);
    // 2 bottles of Bordeaux 25.00 paid with 30.00 cash: 5.00 change.
    let wine = sell(
        &mut reg,
        "VIN-BORDEAUX",
        "2",
        &[(TenderMethod::Cash, "30.00")],
    );
    assert_eq!(wine.ticket.change().format_plain(), "5.00");
    // Split 9.60: card 4.60 and cash 5.00.
    sell(
        &mut reg,
        "PAIN-CAMP",
        "3",
        &[(TenderMethod::Card, "4.60"), (TenderMethod::Cash, "5.00")],
    );
    // 1.20 croissant by card only.
    sell(&mut reg, "CROISSANT", "1", &[(TenderMethod::Card, "1.20")]);

    let op = OperationId::new("pay-in-1").unwrap();
    reg.cash_pay_in(
        &alice(),
        eur("20.00"),
        CashMoveReason::ChangeFund,
        Some("coin rolls".into()),
        Some(op.clone()),
    )
    .unwrap();
    // The same pay-in retried is recorded once.
    reg.cash_pay_in(
        &alice(),
        eur("20.00"),
        CashMoveReason::ChangeFund,
        Some("coin rolls".into()),
        Some(op),
    )
    .unwrap();
    reg.cash_pay_out(
        &alice(),
        eur("50.00"),
        CashMoveReason::BankDeposit,
        None,
        None,
    )
    .unwrap();
    // More than the drawer holds is refused and changes nothing.
    let before = reg.x_report().unwrap();
    assert!(
        reg.cash_pay_out(
            &alice(),
            eur("1000.00"),
            CashMoveReason::Expense,
            None,
            None
        )
        .is_err()
    );
    assert_eq!(reg.x_report().unwrap().expected_cash, before.expected_cash);

    // Refund one wine sale in cash.
    clock.advance_millis(60_000);
    refund_all(&mut reg, wine.ticket.id(), "25.00").unwrap();

    let x = reg.x_report().unwrap();
    assert_eq!(x.session, *session.id());
    assert_eq!(x.sales_count, 3);
    assert_eq!(x.refunds_count, 1);
    assert_eq!(x.sales_total, eur("35.80"));
    assert_eq!(x.refunds_total, eur("25.00"));
    assert_eq!(x.pay_ins, eur("20.00"));
    assert_eq!(x.pay_outs, eur("50.00"));
    let cash = x.by_tender[&TenderKind::Cash];
    assert_eq!(cash.sales, eur("30.00")); // 25.00 + 5.00, change excluded
    assert_eq!(cash.refunds, eur("25.00"));
    assert_eq!(x.by_tender[&TenderKind::Card].net, eur("5.80"));
    // 150 + 30 - 25 + 20 - 50
    assert_eq!(x.expected_cash, eur("125.00"));

    // A cash refund above what the drawer holds is refused with the whole
    // refund: no ticket, no fiscal record (same transaction).
    let big = sell(
        &mut reg,
        "VIN-SANCERRE",
        "10",
        &[(TenderMethod::Card, "185.00")],
    );
    let tickets_before: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert!(refund_all(&mut reg, big.ticket.id(), "185.00").is_err());
    let tickets_after: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tickets_before, tickets_after);

    // Close with a count note by note: 2 x 50, 1 x 20, 4 x 1, 1 x 0.50 = 124.50.
    clock.advance_millis(60_000);
    let mut notes = BTreeMap::new();
    notes.insert(5_000, 2);
    notes.insert(2_000, 1);
    notes.insert(100, 4);
    notes.insert(50, 1);
    let done = reg
        .close_session_and_day(None, &alice(), CashCount::ByDenomination(notes))
        .unwrap();
    assert_eq!(done.session.counted, eur("124.50"));
    assert_eq!(done.session.difference, eur("-0.50"));
    assert!(reg.current_cash_session().unwrap().is_none());
    assert!(reg.x_report().is_err());
    assert!(reg.cash_session(session.id()).unwrap().is_closed());

    // The Z closure's cash control carries the session's figures. Its cash
    // sales cover the whole fiscal day, including the 1.30 sold before the
    // session opened: expected = 125.00 + 1.30.
    let closures = pos_fiscal::store::closures(reg.connection(), ClosureLevel::Day).unwrap();
    let (_, z) = closures.last().unwrap();
    let control = z.cash.unwrap();
    assert_eq!(control.opening_float, 15_000);
    assert_eq!(control.pay_ins, 2_000);
    assert_eq!(control.pay_outs, 5_000);
    assert_eq!(control.counted, Some(12_450));
    assert_eq!(control.expected, 12_630);

    // Session events are in the outbox.
    let kinds: i64 = reg
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'cash_session'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kinds, 4); // opened, pay-in (once), pay-out, closed
    // The closed day takes no more tickets; the next day sells without a
    // session (not recorded in any drawer).
    clock.advance_millis(24 * 3_600_000);
    sell(&mut reg, "BAG-TRAD", "1", &[(TenderMethod::Cash, "1.30")]);
    assert!(reg.current_cash_session().unwrap().is_none());
}

#[test]
fn closing_twice_or_without_a_session_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    assert!(matches!(
        reg.close_cash_session(&alice(), CashCount::Total(eur("0.00"))),
        Err(pos_sdk::SdkError::Precondition { .. })
    ));
    reg.open_cash_session(&alice(), eur("100.00")).unwrap();
    // A negative float or a bad denomination is refused.
    let mut bad = BTreeMap::new();
    bad.insert(300, 1);
    assert!(
        reg.close_cash_session(&alice(), CashCount::ByDenomination(bad))
            .is_err()
    );
    assert!(reg.current_cash_session().unwrap().is_some());
    let close = reg
        .close_cash_session(&alice(), CashCount::Total(eur("100.00")))
        .unwrap();
    assert_eq!(close.difference, eur("0.00"));
    assert!(
        reg.close_cash_session(&alice(), CashCount::Total(eur("100.00")))
            .is_err()
    );
    // A new session can open after the close.
    assert!(reg.open_cash_session(&alice(), eur("-1.00")).is_err());
    reg.open_cash_session(&alice(), eur("80.00")).unwrap();
}

#[test]
fn a_refused_day_closure_leaves_the_session_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    reg.open_cash_session(&alice(), eur("50.00")).unwrap();
    let tomorrow = reg.today().succ_opt().unwrap();
    assert!(
        reg.close_session_and_day(Some(tomorrow), &alice(), CashCount::Total(eur("50.00")))
            .is_err()
    );
    assert!(reg.current_cash_session().unwrap().is_some());
}

/// A till that rounds cash to 0.05 (as in the Netherlands or Switzerland).
fn rounding_till(dir: &std::path::Path) -> Register {
    let at: DateTime<Utc> = "2026-06-10T07:00:00Z".parse().unwrap();
    let mut config = RegisterConfig::france(
        StoreId::new("geneve-1").unwrap(),
        RegisterId::new("till-5").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    config.tender_policy.cash_rounding = Some(
        pos_core::tender::CashRounding::new(Decimal::from_str("0.05").unwrap(), Currency::EUR)
            .unwrap(),
    );
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        Arc::new(ManualClock::new(at)),
        IdGenerator::seeded(5),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    reg
}

#[test]
fn cash_rounding_down_is_carried_and_rounding_up_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = rounding_till(dir.path());
    reg.open_cash_session(&alice(), eur("50.00")).unwrap();
    // 0.101 kg of Comté at 24.90: 2.51, paid 2.50 in cash (rounded down).
    let sale = sell(
        &mut reg,
        "COMTE-18",
        "0.101",
        &[(TenderMethod::Cash, "2.50")],
    );
    assert_eq!(sale.ticket.total(), eur("2.51"));
    let x = reg.x_report().unwrap();
    assert_eq!(x.sales_total, eur("2.51"));
    assert_eq!(x.by_tender[&TenderKind::Cash].net, eur("2.50"));
    assert_eq!(x.by_tender[&TenderKind::Other].net, eur("0.01"));
    assert_eq!(x.expected_cash, eur("52.50"));
    // 0.347 kg: 8.64, paid 8.65 (rounded up): a session cannot carry a
    // negative tender, so the sale is refused as a whole, nothing written.
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    cart.add_sku(
        reg.catalog().unwrap(),
        &Sku::new("COMTE-18").unwrap(),
        &ctx,
        Decimal::from_str("0.347").unwrap(),
    )
    .unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("8.65")))
        .unwrap();
    let err = reg
        .complete_sale(cart, payment, &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(err.kind(), "unsupported", "{err}");
    let tickets: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tickets, 1);
}
