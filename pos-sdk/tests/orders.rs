//! Click & collect and web orders through the facade on a real file:
//! reservations through the stock ledger, the pickup list, collection paid
//! at the till as a real sale linked to the order, collection of an order
//! paid online, cancellation, refunds, and refusals that change nothing.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::ids::{LocationId, OperatorId, OrderId, RegisterId, Sku, StoreId};
use pos_core::order::{Order, OrderChannel, OrderLine, OrderStatus, PaymentStatus};
use pos_core::stock::{MovementReason, NegativeStockPolicy, StockLevel};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{CoreError, Currency, Money};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions, SdkError};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn bob() -> OperatorId {
    OperatorId::new("bob").unwrap()
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

fn till(dir: &std::path::Path) -> (Register, Arc<ManualClock>) {
    let at: DateTime<Utc> = "2026-09-01T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let mut config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-2").unwrap(),
        shop(),
    )
    .unwrap();
    config
        .stock_policies
        .per_sku
        .insert(sku("VIN-CDR"), NegativeStockPolicy::Block);
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(11),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    for (s, q) in [("ROSE-75", "5"), ("VIN-CDR", "3")] {
        reg.record_stock(
            MovementReason::Receipt,
            &sku(s),
            &shop(),
            d(q),
            &bob(),
            None,
        )
        .unwrap();
    }
    (reg, clock)
}

fn line(s: &str, label: &str, q: &str, amount: &str) -> OrderLine {
    OrderLine {
        sku: sku(s),
        label: label.into(),
        quantity: d(q),
        amount: eur(amount),
    }
}

fn order(reg: &Register, id: &str, lines: Vec<OrderLine>, payment: PaymentStatus) -> Order {
    let now = reg.price_context(None).at;
    Order::receive(
        OrderId::new(id).unwrap(),
        OrderChannel::ClickAndCollect,
        None,
        shop(),
        lines,
        now,
        now + chrono::TimeDelta::hours(4),
        payment,
    )
    .unwrap()
}

fn level(reg: &Register, s: &str) -> StockLevel {
    reg.stock_level(&sku(s), &shop()).unwrap()
}

fn order_events(reg: &Register) -> i64 {
    reg.connection()
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'order'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn click_and_collect_paid_at_the_till() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, clock) = till(dir.path());
    let a = order(
        &reg,
        "web-1001",
        vec![
            line("ROSE-75", "Rosé 75 cl", "2", "19.80"),
            line("VIN-CDR", "Côtes du Rhône", "1", "8.90"),
        ],
        PaymentStatus::Unpaid,
    );
    let id = a.id().clone();
    reg.receive_order(&a).unwrap();
    // A sync retry of the same order is harmless; another under its id is not.
    reg.receive_order(&a).unwrap();
    let other = order(
        &reg,
        "web-1001",
        vec![line("ROSE-75", "Rosé", "1", "9.90")],
        PaymentStatus::Unpaid,
    );
    assert!(matches!(
        reg.receive_order(&other),
        Err(SdkError::Core(CoreError::IdempotencyConflict { .. }))
    ));
    // Ready before being accepted: refused, nothing changes.
    assert!(matches!(
        reg.mark_order_ready(&id, &bob()),
        Err(SdkError::Core(CoreError::InvalidOrderTransition { .. }))
    ));
    assert_eq!(reg.order(&id).unwrap().status(), OrderStatus::Received);

    let accepted = reg.accept_order(&id, &bob()).unwrap();
    assert_eq!(accepted.movements.len(), 2);
    assert_eq!(level(&reg, "ROSE-75").reserved, d("2"));
    assert_eq!(level(&reg, "ROSE-75").on_hand, d("5"));
    assert_eq!(level(&reg, "VIN-CDR").available().unwrap(), d("2"));
    assert!(reg.pickup_list().unwrap().is_empty());
    reg.start_preparing_order(&id, &bob()).unwrap();
    reg.mark_order_ready(&id, &bob()).unwrap();
    let pickup = reg.pickup_list().unwrap();
    assert_eq!(pickup.len(), 1);
    assert_eq!(pickup[0].order, id);
    assert_eq!(pickup[0].status, OrderStatus::Ready);
    assert_eq!(pickup[0].due, eur("28.70"));

    // A cart that is not the order is refused and changes nothing.
    let ctx = reg.price_context(None);
    let mut wrong = reg.new_cart();
    wrong
        .add_sku(reg.catalog().unwrap(), &sku("ROSE-75"), &ctx, d("1"))
        .unwrap();
    let payment = reg.start_payment(&wrong, None).unwrap();
    assert!(matches!(
        reg.collect_order_and_pay(&id, &wrong, &payment, &SaleOptions::by(bob())),
        Err(SdkError::InvalidInput { .. })
    ));
    assert_eq!(level(&reg, "ROSE-75").reserved, d("2"));

    // A payment that does not cover the sale: the sale is refused and the
    // reservation is taken again.
    clock.advance_millis(3_600_000);
    let cart = reg.order_cart(&id, &ctx).unwrap();
    assert_eq!(cart.total(), eur("28.70"));
    let mut short = reg.start_payment(&cart, None).unwrap();
    short
        .add(Tender::new(TenderMethod::Card, eur("10.00")))
        .unwrap();
    assert!(
        reg.collect_order_and_pay(&id, &cart, &short, &SaleOptions::by(bob()))
            .is_err()
    );
    assert_eq!(level(&reg, "ROSE-75").reserved, d("2"));
    assert_eq!(level(&reg, "VIN-CDR").reserved, d("1"));
    assert_eq!(reg.order(&id).unwrap().status(), OrderStatus::Ready);
    let links = reg.order_tickets(&id).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].state, "aborted");

    // Paid in full: one sale ticket, the order collected and linked to it.
    // The block policy on VIN-CDR does not stop selling its own reservation.
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("28.70")))
        .unwrap();
    let done = reg
        .collect_order_and_pay(&id, &cart, &payment, &SaleOptions::by(bob()))
        .unwrap();
    let sale = done.sale.unwrap();
    assert_eq!(done.order.status(), OrderStatus::Collected);
    assert_eq!(*done.order.payment(), PaymentStatus::PaidAtCollection);
    assert_eq!(
        level(&reg, "ROSE-75"),
        StockLevel {
            on_hand: d("3"),
            reserved: d("0"),
        }
    );
    assert_eq!(
        level(&reg, "VIN-CDR"),
        StockLevel {
            on_hand: d("2"),
            reserved: d("0"),
        }
    );
    let links = reg.order_tickets(&id).unwrap();
    let collection = links.iter().find(|l| l.state == "done").unwrap();
    assert_eq!(collection.ticket_id, sale.ticket.id());
    assert_eq!(collection.role, "collection");
    assert!(reg.pickup_list().unwrap().is_empty());
    // Collecting twice is refused.
    assert!(reg.collect_order(&id, &bob()).is_err());

    // Refund at the till: a refund ticket of the collection sale.
    clock.advance_millis(600_000);
    let actor = Actor::new(bob(), Permissions::manager());
    // A plain sale cart is not a refund of this order.
    let mut refund_payment = reg.start_payment(&wrong, None).unwrap();
    refund_payment
        .add(Tender::new(TenderMethod::Card, eur("9.90")))
        .unwrap();
    assert!(matches!(
        reg.refund_order_at_till(&id, &wrong, &refund_payment, &SaleOptions::by(bob())),
        Err(SdkError::InvalidInput { .. })
    ));
    let refund_cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut refund_payment = reg.start_payment(&refund_cart, None).unwrap();
    refund_payment
        .add(Tender::new(TenderMethod::Card, eur("28.70")))
        .unwrap();
    let refunded = reg
        .refund_order_at_till(&id, &refund_cart, &refund_payment, &SaleOptions::by(bob()))
        .unwrap();
    assert_eq!(refunded.order.status(), OrderStatus::Refunded);
    assert_eq!(refunded.sale.unwrap().ticket.total(), eur("-28.70"));
    assert_eq!(level(&reg, "ROSE-75").on_hand, d("5"));
    // received, accepted, preparing, ready, collection_started,
    // collection_aborted, collection_started, collected, refunded
    assert_eq!(order_events(&reg), 9);
    let report = pos_fiscal::store::verify_store(reg.connection(), &Default::default()).unwrap();
    assert!(report.defects.is_empty(), "{report:?}");
}

#[test]
fn web_orders_paid_online_reserve_consume_cancel_and_refund() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    let paid = || PaymentStatus::PaidOnline {
        reference: "psp-778".into(),
    };
    // More VIN-CDR than there is, on a block item: refused, nothing reserved.
    let too_much = order(
        &reg,
        "web-2001",
        vec![line("VIN-CDR", "CDR", "4", "35.60")],
        paid(),
    );
    reg.receive_order(&too_much).unwrap();
    assert!(matches!(
        reg.accept_order(too_much.id(), &bob()),
        Err(SdkError::Core(CoreError::InsufficientStock { .. }))
    ));
    assert_eq!(level(&reg, "VIN-CDR").reserved, d("0"));
    assert_eq!(
        reg.order(too_much.id()).unwrap().status(),
        OrderStatus::Received
    );
    // Cancelled before acceptance: no movement; then refunded online.
    let cancelled = reg.cancel_order(too_much.id(), &bob()).unwrap();
    assert!(cancelled.movements.is_empty());
    reg.refund_order(too_much.id(), &bob()).unwrap();
    assert_eq!(
        *reg.order(too_much.id()).unwrap().payment(),
        PaymentStatus::Refunded
    );

    // Paid online, collected: the reservation is consumed, no till ticket.
    let b = order(
        &reg,
        "web-2002",
        vec![line("ROSE-75", "Rosé", "2", "19.80")],
        paid(),
    );
    reg.receive_order(&b).unwrap();
    reg.accept_order(b.id(), &bob()).unwrap();
    reg.start_preparing_order(b.id(), &bob()).unwrap();
    reg.mark_order_ready(b.id(), &bob()).unwrap();
    assert_eq!(reg.pickup_list().unwrap()[0].due, eur("0"));
    let collected = reg.collect_order(b.id(), &bob()).unwrap();
    assert_eq!(collected.movements.len(), 1);
    assert_eq!(collected.movements[0].reason, MovementReason::Consumption);
    assert_eq!(
        level(&reg, "ROSE-75"),
        StockLevel {
            on_hand: d("3"),
            reserved: d("0"),
        }
    );
    let tickets: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tickets, 0);

    // Accepted then cancelled: the reservation is released.
    let c = order(
        &reg,
        "web-2003",
        vec![line("ROSE-75", "Rosé", "3", "29.70")],
        paid(),
    );
    reg.receive_order(&c).unwrap();
    reg.accept_order(c.id(), &bob()).unwrap();
    assert_eq!(level(&reg, "ROSE-75").available().unwrap(), d("0"));
    let cancelled = reg.cancel_order(c.id(), &bob()).unwrap();
    assert_eq!(cancelled.movements[0].reason, MovementReason::Release);
    assert_eq!(level(&reg, "ROSE-75").reserved, d("0"));
    // An unpaid order cannot be collected without paying at the till.
    let u = order(
        &reg,
        "web-2004",
        vec![line("ROSE-75", "Rosé", "1", "9.90")],
        PaymentStatus::Unpaid,
    );
    reg.receive_order(&u).unwrap();
    reg.accept_order(u.id(), &bob()).unwrap();
    reg.start_preparing_order(u.id(), &bob()).unwrap();
    reg.mark_order_ready(u.id(), &bob()).unwrap();
    assert!(matches!(
        reg.collect_order(u.id(), &bob()),
        Err(SdkError::Core(CoreError::OrderUnpaid))
    ));
    assert_eq!(level(&reg, "ROSE-75").reserved, d("1"));
    assert_eq!(reg.orders(Some(OrderStatus::Refunded)).unwrap().len(), 1);
    assert_eq!(reg.orders(None).unwrap().len(), 4);
    // The ledger replayed from the movements equals the maintained levels.
    let mut stmt = reg
        .connection()
        .prepare("SELECT json FROM stock_movements ORDER BY seq")
        .unwrap();
    let moves: Vec<pos_core::stock::StockMovement> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|j| serde_json::from_str(&j.unwrap()).unwrap())
        .collect();
    let replay = pos_core::stock::StockLedger::from_movements(&moves).unwrap();
    assert_eq!(
        replay.level(&sku("ROSE-75"), &shop()),
        level(&reg, "ROSE-75")
    );
    assert_eq!(
        replay.level(&sku("VIN-CDR"), &shop()),
        level(&reg, "VIN-CDR")
    );
}

#[test]
fn a_collection_interrupted_after_its_sale_resumes_without_charging_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    let o = order(
        &reg,
        "web-3001",
        vec![line("ROSE-75", "Rosé", "2", "19.80")],
        PaymentStatus::Unpaid,
    );
    let id = o.id().clone();
    reg.receive_order(&o).unwrap();
    reg.accept_order(&id, &bob()).unwrap();
    reg.start_preparing_order(&id, &bob()).unwrap();
    reg.mark_order_ready(&id, &bob()).unwrap();
    let ctx = reg.price_context(None);
    let cart = reg.order_cart(&id, &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("19.80")))
        .unwrap();
    // The last step fails as if the till died right after the sale.
    reg.connection()
        .execute_batch(
            "CREATE TEMP TRIGGER die_after_sale BEFORE UPDATE ON order_tickets
             WHEN NEW.state = 'done' BEGIN SELECT RAISE(ABORT, 'power cut'); END;",
        )
        .unwrap();
    assert!(
        reg.collect_order_and_pay(&id, &cart, &payment, &SaleOptions::by(bob()))
            .is_err()
    );
    let pending = reg.pending_order_collections().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].0, id);
    assert_eq!(reg.order(&id).unwrap().status(), OrderStatus::Ready);
    let tickets = |reg: &Register| -> i64 {
        reg.connection()
            .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(tickets(&reg), 1);

    // Back up: the same call finishes with the ticket already made.
    reg.connection()
        .execute_batch("DROP TRIGGER die_after_sale;")
        .unwrap();
    let done = reg
        .collect_order_and_pay(&id, &cart, &payment, &SaleOptions::by(bob()))
        .unwrap();
    assert_eq!(done.order.status(), OrderStatus::Collected);
    assert_eq!(done.sale.unwrap().ticket.id(), pending[0].1);
    assert_eq!(tickets(&reg), 1);
    assert!(reg.pending_order_collections().unwrap().is_empty());
    assert_eq!(
        level(&reg, "ROSE-75"),
        StockLevel {
            on_hand: d("3"),
            reserved: d("0"),
        }
    );
}
