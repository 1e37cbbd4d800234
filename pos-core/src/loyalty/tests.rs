//! Unit tests of the loyalty account.

use super::*;
use crate::ids::{
    CategoryId, CustomerId, OperationId, PriceListId, RewardId, Sku, TicketId, TierId,
};
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const DAY: i64 = 86_400;

fn day(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_704_067_200 + n * DAY, 0).unwrap() // 2024-01-01 + n days
}

fn program() -> LoyaltyProgram {
    LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: dec!(1),
        bonuses: vec![BonusRule {
            target: BonusTarget::Category(CategoryId::new("bio").unwrap()),
            kind: BonusKind::PerUnitSpent(dec!(1)),
        }],
        tiers: vec![
            Tier {
                id: TierId::new("gold").unwrap(),
                name: "Gold".into(),
                threshold: 500,
                price_list: Some(PriceListId::new("gold-prices").unwrap()),
                discount_bps: 500,
            },
            Tier {
                id: TierId::new("silver").unwrap(),
                name: "Silver".into(),
                threshold: 100,
                price_list: None,
                discount_bps: 200,
            },
        ],
        rewards: vec![
            Reward {
                id: RewardId::new("coffee").unwrap(),
                name: "Free coffee".into(),
                cost: 50,
                kind: RewardKind::FreeItem(Sku::new("COFFEE").unwrap()),
            },
            Reward {
                id: RewardId::new("five-off").unwrap(),
                name: "5 € off".into(),
                cost: 400,
                kind: RewardKind::AmountOff(Money::new(dec!(5), Currency::EUR)),
            },
        ],
        point_value: Money::new(dec!(0.01), Currency::EUR),
        expiry_days: Some(365),
        tier_window_days: 365,
    }
}

fn spend(amount: Decimal) -> Vec<EarnLine> {
    vec![EarnLine {
        sku: Sku::new("ITEM").unwrap(),
        categories: vec![],
        quantity: dec!(1),
        eligible_amount: amount,
    }]
}

fn tid(s: &str) -> TicketId {
    TicketId::new(s).unwrap()
}

fn op(s: &str) -> OperationId {
    OperationId::new(s).unwrap()
}

fn account() -> LoyaltyAccount {
    LoyaltyAccount::new(CustomerId::new("c-1").unwrap())
}

#[test]
fn earning_is_keyed_by_ticket() {
    let p = program();
    let mut a = account();
    assert_eq!(
        a.earn(&p, tid("t1"), day(0), &spend(dec!(42.90))).unwrap(),
        (42, true)
    );
    assert_eq!(
        a.earn(&p, tid("t1"), day(0), &spend(dec!(42.90))).unwrap(),
        (42, false)
    );
    assert_eq!(a.balance().unwrap(), 42);
    let before = a.clone();
    let err = a.earn(&p, tid("t1"), day(0), &spend(dec!(50))).unwrap_err();
    assert_eq!(err.kind(), "idempotency_conflict");
    assert_eq!(a, before);
}

#[test]
fn burning_takes_oldest_lots_and_refuses_overdraft() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(30))).unwrap();
    a.earn(&p, tid("t2"), day(10), &spend(dec!(40))).unwrap();
    let before = a.clone();
    let err = a.pay_with_points(&p, op("b0"), day(11), 71).unwrap_err();
    assert_eq!(
        err,
        CoreError::InsufficientPoints {
            balance: 70,
            requested: 71
        }
    );
    assert_eq!(a, before, "a refused burn changes nothing");
    let paid = a.pay_with_points(&p, op("b1"), day(11), 35).unwrap();
    assert_eq!(paid.amount(), dec!(0.35));
    assert_eq!(a.lots()[0].remaining, 0);
    assert_eq!(a.lots()[1].remaining, 35);
    // retry of the same burn: no-op
    a.pay_with_points(&p, op("b1"), day(11), 35).unwrap();
    assert_eq!(a.balance().unwrap(), 35);
    assert!(a.pay_with_points(&p, op("b1"), day(11), 30).is_err());
}

#[test]
fn points_expire_as_ledger_movements() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(30))).unwrap();
    a.earn(&p, tid("t2"), day(100), &spend(dec!(20))).unwrap();
    assert_eq!(a.available_at(day(365)).unwrap(), 20);
    assert_eq!(a.balance().unwrap(), 50, "not posted yet");
    assert_eq!(a.expire(day(365)).unwrap(), 30);
    assert_eq!(a.expire(day(365)).unwrap(), 0);
    assert_eq!(a.balance().unwrap(), 20);
    let last = a.entries().last().unwrap();
    assert_eq!(last.points, -30);
    assert!(matches!(last.kind, EntryKind::Expire { .. }));
    // a burn posts due expiries first and cannot use expired points
    assert!(a.pay_with_points(&p, op("b"), day(466), 1).is_err());
}

#[test]
fn partial_refunds_add_up_to_the_full_reversal() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(99.99))).unwrap(); // 99 points
    let r1 = a
        .reverse_refund(op("r1"), day(1), &tid("t1"), dec!(10.00))
        .unwrap();
    assert_eq!(r1.due, 9); // floor(99 x 10.00 / 99.99) = floor(9.90..)
    let r1b = a
        .reverse_refund(op("r1"), day(1), &tid("t1"), dec!(10.00))
        .unwrap();
    assert_eq!(r1b, r1, "retry is a no-op");
    let r2 = a
        .reverse_refund(op("r2"), day(2), &tid("t1"), dec!(89.99))
        .unwrap();
    assert_eq!(r2.due, 90, "the last refund takes exactly the rest");
    assert_eq!(r1.due + r2.due, 99);
    assert_eq!(a.balance().unwrap(), 0);
    let err = a
        .reverse_refund(op("r3"), day(3), &tid("t1"), dec!(0.01))
        .unwrap_err();
    assert_eq!(err.kind(), "refund_exceeds_remaining");
    assert_eq!(
        a.reverse_refund(op("r4"), day(3), &tid("nope"), dec!(1))
            .unwrap_err()
            .kind(),
        "unknown_reference"
    );
}

#[test]
fn reversal_of_spent_points_never_goes_negative() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(60))).unwrap();
    a.redeem_reward(&p, op("rw"), day(1), &RewardId::new("coffee").unwrap())
        .unwrap();
    assert_eq!(a.balance().unwrap(), 10);
    let r = a
        .reverse_refund(op("r"), day(2), &tid("t1"), dec!(60))
        .unwrap();
    assert_eq!((r.due, r.recovered, r.unrecovered), (60, 10, 50));
    assert_eq!(a.balance().unwrap(), 0);
    let sum: i64 = a.entries().iter().map(|e| e.points).sum();
    assert_eq!(sum, 0);
}

#[test]
fn tiers_follow_the_rolling_window() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(80))).unwrap();
    assert!(a.tier(&p, day(1)).unwrap().is_none());
    a.earn(&p, tid("t2"), day(30), &spend(dec!(25))).unwrap();
    assert_eq!(a.tier(&p, day(31)).unwrap().unwrap().id.as_str(), "silver");
    // spending does not lower the tier, a refund does
    a.pay_with_points(&p, op("b"), day(32), 100).unwrap();
    assert_eq!(a.tier_points(&p, day(33)).unwrap(), 105);
    a.reverse_refund(op("r"), day(34), &tid("t2"), dec!(25))
        .unwrap();
    assert_eq!(a.tier_points(&p, day(35)).unwrap(), 80);
    // a year later the first ticket leaves the window
    assert_eq!(a.tier_points(&p, day(366)).unwrap(), 0);
    a.earn(&p, tid("t3"), day(400), &spend(dec!(600))).unwrap();
    let gold = a.tier(&p, day(400)).unwrap().unwrap();
    assert_eq!((gold.id.as_str(), gold.discount_bps), ("gold", 500));
}

#[test]
fn rewards_cost_points() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(100))).unwrap();
    let before = a.clone();
    let err = a
        .redeem_reward(&p, op("x"), day(1), &RewardId::new("five-off").unwrap())
        .unwrap_err();
    assert_eq!(
        err,
        CoreError::InsufficientPoints {
            balance: 100,
            requested: 400
        }
    );
    assert_eq!(a, before);
    let r = a
        .redeem_reward(&p, op("y"), day(1), &RewardId::new("coffee").unwrap())
        .unwrap();
    assert_eq!(r.kind, RewardKind::FreeItem(Sku::new("COFFEE").unwrap()));
    assert_eq!(a.balance().unwrap(), 50);
}

#[test]
fn refunding_a_sale_paid_with_points_gives_them_back() {
    let p = program();
    let mut a = account();
    a.earn(&p, tid("t1"), day(0), &spend(dec!(100))).unwrap();
    a.pay_with_points(&p, op("b1"), day(1), 80).unwrap();
    assert_eq!(a.balance().unwrap(), 20);
    assert!(
        a.restore_burn(&p, op("refund-1"), day(2), &op("b1"), 30)
            .unwrap()
    );
    assert!(
        !a.restore_burn(&p, op("refund-1"), day(2), &op("b1"), 30)
            .unwrap()
    );
    assert_eq!(a.balance().unwrap(), 50);
    let before = a.clone();
    let err = a
        .restore_burn(&p, op("refund-2"), day(3), &op("b1"), 51)
        .unwrap_err();
    assert_eq!(err.kind(), "refund_exceeds_remaining");
    let err = a
        .restore_burn(&p, op("refund-3"), day(3), &op("nope"), 1)
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_reference");
    assert_eq!(a, before);
    a.restore_burn(&p, op("refund-2"), day(3), &op("b1"), 50)
        .unwrap();
    assert_eq!(a.balance().unwrap(), 100);
    assert_eq!(
        a.tier_points(&p, day(4)).unwrap(),
        100,
        "restored points are not earned again"
    );
    let sum: i64 = a.entries().iter().map(|e| e.points).sum();
    assert_eq!(sum, 100);
}

#[test]
fn remote_movements_apply_once_and_never_go_below_zero() {
    let mut a = account();
    let p = program();
    a.earn(&p, tid("T1"), day(0), &spend(dec!(30))).unwrap();
    let before = a.balance().unwrap();
    // +25 from another till: a lot of its own.
    assert!(
        a.apply_remote(op("m1"), tid("remote-m1"), day(1), None, 25)
            .unwrap()
    );
    assert_eq!(a.balance().unwrap(), before + 25);
    // The same movement again changes nothing; other points under its id
    // are a conflict.
    assert!(
        !a.apply_remote(op("m1"), tid("remote-m1"), day(1), None, 25)
            .unwrap()
    );
    assert!(matches!(
        a.apply_remote(op("m1"), tid("remote-m1"), day(1), None, 26),
        Err(CoreError::IdempotencyConflict { .. })
    ));
    assert_eq!(a.balance().unwrap(), before + 25);
    // -10 spent elsewhere: taken from the oldest lot.
    a.apply_remote(op("m2"), tid("remote-m2"), day(2), None, -10)
        .unwrap();
    assert_eq!(a.balance().unwrap(), before + 15);
    // A loss larger than the balance empties it and records the rest.
    a.apply_remote(op("m3"), tid("remote-m3"), day(3), None, -10_000)
        .unwrap();
    assert_eq!(a.balance().unwrap(), 0);
    let last = a.entries().last().unwrap();
    assert_eq!(last.points, -i64::try_from(before + 15).unwrap());
    assert!(matches!(
        &last.kind,
        EntryKind::Remote { unrecovered, .. } if *unrecovered == 10_000 - (before + 15)
    ));
    // The account survives a JSON round trip with its remote keys.
    let json = serde_json::to_string(&a).unwrap();
    let mut back: LoyaltyAccount = serde_json::from_str(&json).unwrap();
    assert!(
        !back
            .apply_remote(op("m2"), tid("remote-m2"), day(2), None, -10)
            .unwrap()
    );
}
