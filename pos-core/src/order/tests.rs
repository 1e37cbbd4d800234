//! Unit tests of the order life cycle.

use super::*;
use crate::ids::{LocationId, MovementId, OperatorId, OrderId, Sku};
use crate::stock::{
    MovementContext, MovementReason, NegativeStockPolicy, StockLedger, StockMovement, StockPolicies,
};
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn t(min: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + min * 60, 0).unwrap()
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn op() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

fn line(s: &str, q: Decimal, amount: Decimal) -> OrderLine {
    OrderLine {
        sku: sku(s),
        label: s.to_lowercase(),
        quantity: q,
        amount: Money::new(amount, Currency::EUR),
    }
}

fn order(id: &str, pickup: i64, payment: PaymentStatus) -> Order {
    Order::receive(
        OrderId::new(id).unwrap(),
        OrderChannel::ClickAndCollect,
        None,
        shop(),
        vec![
            line("A", dec!(2), dec!(10)),
            line("B", dec!(1), dec!(4.5)),
            line("A", dec!(1), dec!(5)),
        ],
        t(0),
        t(pickup),
        payment,
    )
    .unwrap()
}

fn ids(prefix: &'static str) -> impl FnMut() -> MovementId {
    let mut n = 0;
    move || {
        n += 1;
        MovementId::new(format!("{prefix}-{n}")).unwrap()
    }
}

fn stocked() -> StockLedger {
    let mut l = StockLedger::new();
    let ctx = MovementContext {
        operator: op(),
        at: t(0),
        reference: None,
    };
    for (s, q) in [("A", dec!(5)), ("B", dec!(1))] {
        let m = StockMovement::new(
            MovementId::new(format!("rcv-{s}")).unwrap(),
            MovementReason::Receipt,
            sku(s),
            shop(),
            q,
            &ctx,
        )
        .unwrap();
        l.apply(&m).unwrap();
    }
    l
}

#[test]
fn accept_reserves_collect_consumes() {
    let mut l = stocked();
    let mut o = order("o1", 120, PaymentStatus::Unpaid);
    assert_eq!(o.total().amount(), dec!(19.5));
    let res = o
        .accept(t(1), op(), &mut l, &StockPolicies::default(), ids("res"))
        .unwrap();
    assert_eq!(res.len(), 2, "one reservation per SKU");
    assert_eq!(res[0].quantity, dec!(3));
    assert_eq!(res[0].reference.as_deref(), Some("o1"));
    assert_eq!(l.level(&sku("A"), &shop()).reserved, dec!(3));
    assert_eq!(l.level(&sku("A"), &shop()).available().unwrap(), dec!(2));
    o.start_preparing(t(2), op()).unwrap();
    o.mark_ready(t(3), op()).unwrap();
    let before = (o.clone(), l.clone());
    assert_eq!(
        o.collect(t(4), op(), false, &mut l, ids("con"))
            .unwrap_err(),
        CoreError::OrderUnpaid
    );
    assert_eq!((o.clone(), l.clone()), before);
    let con = o.collect(t(4), op(), true, &mut l, ids("con")).unwrap();
    assert_eq!(con[0].reason, MovementReason::Consumption);
    let a = l.level(&sku("A"), &shop());
    assert_eq!((a.on_hand, a.reserved), (dec!(2), dec!(0)));
    assert_eq!(o.status(), OrderStatus::Collected);
    assert_eq!(o.payment(), &PaymentStatus::PaidAtCollection);
    o.refund(t(5), op()).unwrap();
    assert_eq!(o.status(), OrderStatus::Refunded);
    assert_eq!(o.history().len(), 5);
}

#[test]
fn cancel_releases_and_invalid_transitions_are_refused() {
    let mut l = stocked();
    let mut o = order(
        "o1",
        120,
        PaymentStatus::PaidOnline {
            reference: "psp-1".into(),
        },
    );
    let err = o.mark_ready(t(1), op()).unwrap_err();
    assert_eq!(
        err,
        CoreError::InvalidOrderTransition {
            from: "received",
            to: "ready"
        }
    );
    o.accept(t(1), op(), &mut l, &StockPolicies::default(), ids("res"))
        .unwrap();
    let rel = o.cancel(t(2), op(), &mut l, ids("rel")).unwrap();
    assert_eq!(rel.len(), 2);
    assert_eq!(l.level(&sku("A"), &shop()).reserved, dec!(0));
    assert!(o.collect(t(3), op(), true, &mut l, ids("c")).is_err());
    o.refund(t(4), op()).unwrap();
    assert_eq!(o.payment(), &PaymentStatus::Refunded);
    // a cancelled unpaid order has nothing to refund
    let mut u = order("o2", 120, PaymentStatus::Unpaid);
    assert!(u.cancel(t(1), op(), &mut l, ids("x")).unwrap().is_empty());
    assert_eq!(u.refund(t(2), op()).unwrap_err(), CoreError::OrderUnpaid);
}

#[test]
fn blocking_policy_refuses_acceptance_without_changes() {
    let mut l = stocked();
    let mut o = Order::receive(
        OrderId::new("big").unwrap(),
        OrderChannel::Web,
        None,
        shop(),
        vec![line("B", dec!(2), dec!(9))],
        t(0),
        t(60),
        PaymentStatus::Unpaid,
    )
    .unwrap();
    let mut p = StockPolicies::default();
    p.per_sku.insert(sku("B"), NegativeStockPolicy::Block);
    let before = (o.clone(), l.clone());
    let err = o.accept(t(1), op(), &mut l, &p, ids("r")).unwrap_err();
    assert_eq!(err.kind(), "insufficient_stock");
    assert_eq!((o.clone(), l.clone()), before);
    // with the default policy (warn) it is accepted and reserved
    o.accept(t(1), op(), &mut l, &StockPolicies::default(), ids("r"))
        .unwrap();
    assert_eq!(l.level(&sku("B"), &shop()).available().unwrap(), dec!(-1));
}

#[test]
fn bad_orders_are_refused() {
    let mk = |lines| {
        Order::receive(
            OrderId::new("x").unwrap(),
            OrderChannel::Web,
            None,
            shop(),
            lines,
            t(0),
            t(1),
            PaymentStatus::Unpaid,
        )
    };
    assert!(mk(vec![]).is_err());
    assert!(mk(vec![line("A", dec!(0), dec!(1))]).is_err());
    assert!(mk(vec![line("A", dec!(0.0001), dec!(1))]).is_err());
    assert!(mk(vec![line("A", dec!(1), dec!(-1))]).is_err());
}

#[test]
fn pickup_list_sorts_by_time() {
    let mut l = stocked();
    let p = StockPolicies {
        default: NegativeStockPolicy::Allow,
        ..Default::default()
    };
    let mut late = order("late", 300, PaymentStatus::Unpaid);
    let mut early = order(
        "early",
        100,
        PaymentStatus::PaidOnline {
            reference: "r".into(),
        },
    );
    let received = order("new", 50, PaymentStatus::Unpaid);
    for o in [&mut late, &mut early] {
        o.accept(
            t(1),
            op(),
            &mut l,
            &p,
            ids(if o.id().as_str() == "late" { "l" } else { "e" }),
        )
        .unwrap();
        o.start_preparing(t(2), op()).unwrap();
    }
    early.mark_ready(t(3), op()).unwrap();
    let list = pickup_list([&late, &received, &early]);
    let names: Vec<&str> = list.iter().map(|e| e.order.as_str()).collect();
    assert_eq!(names, ["early", "late"]);
    assert!(list[0].paid && list[0].due.is_zero());
    assert_eq!(list[1].due.amount(), dec!(19.5));
    assert_eq!(list[0].status, OrderStatus::Ready);
}
