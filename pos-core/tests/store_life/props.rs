//! Property tests of the store-life ledgers: incremental == replay,
//! balances never negative, exact full reversals, valid order states,
//! idempotency (the accepted operations applied twice == once), refused
//! operations change nothing. A refused operation is not recorded: retried
//! later (after a load, after its reservation synced) it is judged afresh.

use chrono::{DateTime, TimeDelta, Utc};
use pos_core::cash_session::{CashMoveReason, CashSession, SessionTicket, TenderKind};
use pos_core::ids::{
    CashSessionId, CustomerId, LocationId, MovementId, OperationId, OperatorId, OrderId,
    RegisterId, Sku, TicketId,
};
use pos_core::loyalty::{EarnLine, LoyaltyAccount, LoyaltyProgram};
use pos_core::order::{Order, OrderChannel, OrderLine, OrderStatus, PaymentStatus};
use pos_core::stock::{
    Applied, MovementContext, MovementReason, NegativeStockPolicy, StockLedger, StockMovement,
    StockPolicies, replay_levels,
};
use pos_core::stored_value::{GiftCardCode, StoredValueAccount, StoredValueKind};
use pos_core::{Currency, Money, TaxBreakdown, VatRate};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap() // 2026-01-01
}

fn cents(c: i64) -> Money {
    Money::from_minor_units(c, Currency::EUR)
}

fn movement(id: u8, reason: u8, sku: u8, loc: u8, milli: i64) -> StockMovement {
    let reason = MovementReason::ALL[usize::from(reason) % MovementReason::ALL.len()];
    let magnitude = Decimal::new(milli, 3);
    let quantity = match reason {
        MovementReason::CountAdjustment if milli % 2 == 0 => -magnitude,
        _ => reason.signed(magnitude),
    };
    StockMovement::new(
        MovementId::new(format!("m{id}")).unwrap(),
        reason,
        Sku::new(format!("S{sku}")).unwrap(),
        LocationId::new(format!("L{loc}")).unwrap(),
        quantity,
        &MovementContext {
            operator: OperatorId::new("op").unwrap(),
            at: t0(),
            reference: None,
        },
    )
    .unwrap()
}

fn movements() -> impl Strategy<Value = Vec<StockMovement>> {
    prop::collection::vec(
        (0u8..40, 0u8..10, 0u8..3, 0u8..2, 1i64..5_000)
            .prop_map(|(id, r, s, l, q)| movement(id, r, s, l, q)),
        0..120,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The levels kept movement by movement equal a full replay of the
    /// movements the ledger accepted; reserved never goes below zero; a
    /// refused movement changes nothing; applying the accepted sequence again
    /// changes nothing; a batch of the accepted movements gives the same
    /// ledger.
    #[test]
    fn stock_incremental_equals_replay_and_is_idempotent(ms in movements()) {
        let mut ledger = StockLedger::new();
        let mut accepted = Vec::new();
        for m in &ms {
            let before = ledger.clone();
            match ledger.apply(m) {
                Ok(Applied::New) => accepted.push(m.clone()),
                Ok(Applied::Duplicate) => prop_assert_eq!(&ledger, &before),
                Err(_) => prop_assert_eq!(&ledger, &before),
            }
        }
        prop_assert_eq!(ledger.to_map(), replay_levels(&accepted).unwrap());
        for (_, _, level) in ledger.all_levels() {
            prop_assert!(level.reserved >= Decimal::ZERO);
        }
        let once = ledger.clone();
        for m in &accepted {
            prop_assert_eq!(ledger.apply(m).unwrap(), Applied::Duplicate);
        }
        prop_assert_eq!(&ledger, &once);
        let mut batch = StockLedger::new();
        batch.apply_all(&accepted).unwrap();
        prop_assert_eq!(&batch, &once);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A batch (a transfer, an order's reservations) is all or nothing: when
    /// it fails the ledger is unchanged, when it succeeds it equals applying
    /// its movements one by one.
    #[test]
    fn stock_batches_are_atomic(first in movements(), batch in movements()) {
        let mut ledger = StockLedger::new();
        for m in &first {
            let _ = ledger.apply(m);
        }
        let before = ledger.clone();
        let mut one_by_one = ledger.clone();
        let sequential: Result<Vec<Applied>, _> = batch.iter().map(|m| one_by_one.apply(m)).collect();
        match ledger.apply_all(&batch) {
            Ok(results) => {
                prop_assert_eq!(Ok(results), sequential);
                prop_assert_eq!(&ledger, &one_by_one);
            }
            Err(_) => {
                prop_assert!(sequential.is_err());
                prop_assert_eq!(&ledger, &before);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum LoyaltyOp {
    Earn { ticket: u8, cents: i64 },
    Burn { op: u8, points: u64 },
    Expire,
    Reverse { op: u8, ticket: u8, cents: i64 },
    Restore { op: u8, burn: u8, points: u64 },
}

fn loyalty_ops() -> impl Strategy<Value = Vec<(LoyaltyOp, i64)>> {
    let op = prop_oneof![
        (0u8..8, 0i64..30_000).prop_map(|(ticket, cents)| LoyaltyOp::Earn { ticket, cents }),
        (0u8..8, 1u64..400).prop_map(|(op, points)| LoyaltyOp::Burn { op, points }),
        Just(LoyaltyOp::Expire),
        (0u8..8, 0u8..8, 1i64..20_000).prop_map(|(op, ticket, cents)| LoyaltyOp::Reverse {
            op,
            ticket,
            cents
        }),
        (0u8..8, 0u8..8, 1u64..300).prop_map(|(op, burn, points)| LoyaltyOp::Restore {
            op,
            burn,
            points
        }),
    ];
    prop::collection::vec((op, 0i64..120), 0..60)
}

fn flat_program() -> LoyaltyProgram {
    LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: cents(1),
        expiry_days: Some(365),
        tier_window_days: 365,
    }
}

fn spend(c: i64) -> Vec<EarnLine> {
    vec![EarnLine {
        sku: Sku::new("X").unwrap(),
        categories: vec![],
        quantity: Decimal::ONE,
        eligible_amount: Decimal::new(c, 2),
    }]
}

fn run_loyalty(
    account: &mut LoyaltyAccount,
    ops: &[(LoyaltyOp, i64)],
) -> Result<(), TestCaseError> {
    let p = flat_program();
    let mut now = t0();
    for (op, days) in ops {
        now += TimeDelta::days(*days);
        let before = account.clone();
        let result = match op {
            LoyaltyOp::Earn { ticket, cents } => account
                .earn(
                    &p,
                    TicketId::new(format!("t{ticket}")).unwrap(),
                    now,
                    &spend(*cents),
                )
                .map(|_| ()),
            LoyaltyOp::Burn { op, points } => account
                .pay_with_points(
                    &p,
                    OperationId::new(format!("b{op}")).unwrap(),
                    now,
                    *points,
                )
                .map(|_| ()),
            LoyaltyOp::Expire => account.expire(now).map(|_| ()),
            LoyaltyOp::Reverse { op, ticket, cents } => account
                .reverse_refund(
                    OperationId::new(format!("r{op}")).unwrap(),
                    now,
                    &TicketId::new(format!("t{ticket}")).unwrap(),
                    Decimal::new(*cents, 2),
                )
                .map(|_| ()),
            LoyaltyOp::Restore { op, burn, points } => account
                .restore_burn(
                    &p,
                    OperationId::new(format!("s{op}")).unwrap(),
                    now,
                    &OperationId::new(format!("b{burn}")).unwrap(),
                    *points,
                )
                .map(|_| ()),
        };
        if result.is_err() {
            prop_assert_eq!(&*account, &before, "a failed {:?} changed the account", op);
        }
        let sum: i64 = account.entries().iter().map(|e| e.points).sum();
        let balance = account.balance().unwrap();
        prop_assert_eq!(i64::try_from(balance).unwrap(), sum);
        prop_assert!(account.available_at(now).unwrap() <= balance);
        for lot in account.lots() {
            prop_assert!(lot.remaining <= lot.points);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever happens, the balance equals the sum of the ledger entries,
    /// no lot goes below zero, and a refused operation changes nothing.
    #[test]
    fn loyalty_balance_is_the_ledger_and_never_negative(ops in loyalty_ops()) {
        let mut a = LoyaltyAccount::new(CustomerId::new("c").unwrap());
        run_loyalty(&mut a, &ops)?;
    }

    /// Refunding a ticket's whole eligible amount, in any number of parts,
    /// takes back exactly the points it earned.
    #[test]
    fn loyalty_full_refund_returns_the_points_exactly(
        total in 1i64..1_000_000,
        cuts in prop::collection::vec(1i64..1_000_000, 0..6),
    ) {
        let p = flat_program();
        let mut a = LoyaltyAccount::new(CustomerId::new("c").unwrap());
        let ticket = TicketId::new("t").unwrap();
        let (earned, _) = a.earn(&p, ticket.clone(), t0(), &spend(total)).unwrap();
        let mut points: Vec<i64> = cuts.iter().map(|c| c % total).filter(|c| *c > 0).collect();
        points.push(0);
        points.push(total);
        points.sort_unstable();
        points.dedup();
        let mut due = 0u64;
        for (i, w) in points.windows(2).enumerate() {
            let r = a
                .reverse_refund(
                    OperationId::new(format!("r{i}")).unwrap(),
                    t0(),
                    &ticket,
                    Decimal::new(w[1] - w[0], 2),
                )
                .unwrap();
            prop_assert_eq!(r.unrecovered, 0);
            due += r.due;
        }
        prop_assert_eq!(due, earned);
        prop_assert_eq!(a.balance().unwrap(), 0);
    }
}

#[derive(Debug, Clone, Copy)]
enum CardOp {
    Load(u8, i64),
    Redeem(u8, i64),
    Refund(u8, i64),
}

fn card_ops() -> impl Strategy<Value = Vec<CardOp>> {
    prop::collection::vec(
        prop_oneof![
            (0u8..20, 1i64..10_000).prop_map(|(i, c)| CardOp::Load(i, c)),
            (0u8..20, 1i64..10_000).prop_map(|(i, c)| CardOp::Redeem(i, c)),
            (0u8..20, 1i64..10_000).prop_map(|(i, c)| CardOp::Refund(i, c)),
        ],
        0..60,
    )
}

fn apply_card(card: &mut StoredValueAccount, ops: &[CardOp]) -> Result<Vec<CardOp>, TestCaseError> {
    let mut accepted = Vec::new();
    for op in ops {
        let before = card.clone();
        let (id, c) = match op {
            CardOp::Load(i, c) | CardOp::Redeem(i, c) | CardOp::Refund(i, c) => (*i, *c),
        };
        let oid = OperationId::new(format!("o{id}")).unwrap();
        let r = match op {
            CardOp::Load(..) => card.load(oid, t0(), cents(c), None).map(|_| ()),
            CardOp::Redeem(..) => card.redeem(oid, t0(), cents(c), None).map(|_| ()),
            CardOp::Refund(..) => card.refund(oid, t0(), cents(c), None).map(|_| ()),
        };
        match r {
            Ok(()) => accepted.push(*op),
            Err(_) => prop_assert_eq!(&*card, &before),
        }
        prop_assert!(!card.balance().is_negative());
        let signed: i64 = card
            .ops()
            .iter()
            .map(|o| {
                let c = o.amount.to_minor_units().unwrap();
                if o.kind.is_credit() { c } else { -c }
            })
            .sum();
        prop_assert_eq!(card.balance().to_minor_units().unwrap(), signed);
    }
    Ok(accepted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A card's balance is never negative and always equals its ledger; a
    /// refused operation changes nothing; the accepted operations applied
    /// twice equal once.
    #[test]
    fn stored_value_never_negative_and_idempotent(ops in card_ops()) {
        let mut card = StoredValueAccount::issue(
            GiftCardCode::new("PROPTEST0001").unwrap(),
            StoredValueKind::StoreCredit,
            OperationId::new("issue").unwrap(),
            t0(),
            cents(5_000),
            None,
            None,
        )
        .unwrap();
        let accepted = apply_card(&mut card, &ops)?;
        let once = card.clone();
        let again = apply_card(&mut card, &accepted)?;
        prop_assert_eq!(again.len(), accepted.len());
        prop_assert_eq!(card, once);
    }
}

#[derive(Debug, Clone, Copy)]
enum OrderAction {
    Accept,
    Prepare,
    Ready,
    Collect(bool),
    Cancel,
    Refund,
}

fn order_actions() -> impl Strategy<Value = Vec<OrderAction>> {
    prop::collection::vec(
        prop_oneof![
            Just(OrderAction::Accept),
            Just(OrderAction::Prepare),
            Just(OrderAction::Ready),
            any::<bool>().prop_map(OrderAction::Collect),
            Just(OrderAction::Cancel),
            Just(OrderAction::Refund),
        ],
        0..20,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any sequence of actions keeps the order on a path of the state
    /// machine, holds stock exactly while accepted / preparing / ready, and
    /// consumes it exactly once when collected.
    #[test]
    fn orders_only_reach_valid_states(actions in order_actions(), paid in any::<bool>()) {
        let sku = Sku::new("A").unwrap();
        let loc = LocationId::new("shop").unwrap();
        let op = OperatorId::new("op").unwrap();
        let mut stock = StockLedger::new();
        stock
            .apply(&StockMovement::new(
                MovementId::new("rcv").unwrap(),
                MovementReason::Receipt,
                sku.clone(),
                loc.clone(),
                Decimal::from(10),
                &MovementContext { operator: op.clone(), at: t0(), reference: None },
            ).unwrap())
            .unwrap();
        let mut order = Order::receive(
            OrderId::new("o").unwrap(),
            OrderChannel::Web,
            None,
            loc.clone(),
            vec![OrderLine { sku: sku.clone(), label: "a".into(), quantity: Decimal::from(3), amount: cents(900) }],
            t0(),
            t0(),
            if paid { PaymentStatus::PaidOnline { reference: "p".into() } } else { PaymentStatus::Unpaid },
        )
        .unwrap();
        let policies = StockPolicies { default: NegativeStockPolicy::Allow, ..Default::default() };
        let mut n = 0u32;
        for a in actions {
            let before = (order.clone(), stock.clone());
            let mut ids = || {
                n += 1;
                MovementId::new(format!("x{n}")).unwrap()
            };
            let r = match a {
                OrderAction::Accept => order.accept(t0(), op.clone(), &mut stock, &policies, &mut ids).map(|_| ()),
                OrderAction::Prepare => order.start_preparing(t0(), op.clone()),
                OrderAction::Ready => order.mark_ready(t0(), op.clone()),
                OrderAction::Collect(now) => order.collect(t0(), op.clone(), now, &mut stock, &mut ids).map(|_| ()),
                OrderAction::Cancel => order.cancel(t0(), op.clone(), &mut stock, &mut ids).map(|_| ()),
                OrderAction::Refund => order.refund(t0(), op.clone()),
            };
            if r.is_err() {
                prop_assert_eq!(&(order.clone(), stock.clone()), &before);
            }
            let mut prev = OrderStatus::Received;
            for change in order.history() {
                prop_assert_eq!(change.from, prev);
                prop_assert!(change.from.can_go_to(change.to));
                prev = change.to;
            }
            prop_assert_eq!(prev, order.status());
            let level = stock.level(&sku, &loc);
            let held = if order.status().holds_stock() { 3 } else { 0 };
            prop_assert_eq!(level.reserved, Decimal::from(held));
            let collected = order.history().iter().any(|c| c.to == OrderStatus::Collected);
            prop_assert_eq!(level.on_hand, Decimal::from(if collected { 7 } else { 10 }));
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum DrawerOp {
    PayIn(u8, i64),
    PayOut(u8, i64),
    Sale(u8, i64, bool),
}

fn drawer_ops() -> impl Strategy<Value = Vec<DrawerOp>> {
    prop::collection::vec(
        prop_oneof![
            (0u8..10, 1i64..5_000).prop_map(|(i, c)| DrawerOp::PayIn(i, c)),
            (0u8..10, 1i64..5_000).prop_map(|(i, c)| DrawerOp::PayOut(i, c)),
            (0u8..10, 1i64..5_000, any::<bool>())
                .prop_map(|(i, c, cash)| DrawerOp::Sale(i, c, cash)),
        ],
        0..40,
    )
}

fn apply_drawer(s: &mut CashSession, ops: &[DrawerOp]) -> Result<Vec<DrawerOp>, TestCaseError> {
    let mut accepted = Vec::new();
    let op = OperatorId::new("op").unwrap();
    for o in ops {
        let before = s.clone();
        let r = match *o {
            DrawerOp::PayIn(i, c) => s.pay_in(
                OperationId::new(format!("in{i}")).unwrap(),
                t0(),
                op.clone(),
                cents(c),
                CashMoveReason::ChangeFund,
                None,
            ),
            DrawerOp::PayOut(i, c) => s.pay_out(
                OperationId::new(format!("out{i}")).unwrap(),
                t0(),
                op.clone(),
                cents(c),
                CashMoveReason::Expense,
                None,
            ),
            DrawerOp::Sale(i, c, cash) => s.record_sale(SessionTicket {
                ticket: TicketId::new(format!("t{i}")).unwrap(),
                at: t0(),
                total: cents(c),
                tenders: vec![(
                    if cash {
                        TenderKind::Cash
                    } else {
                        TenderKind::Card
                    },
                    cents(c),
                )],
                taxes: vec![TaxBreakdown {
                    rate: VatRate::ZERO,
                    net: cents(c).amount(),
                    vat: Decimal::ZERO,
                    gross: cents(c).amount(),
                }],
            }),
        };
        match r {
            Ok(_) => accepted.push(*o),
            Err(_) => prop_assert_eq!(&*s, &before),
        }
        prop_assert!(!s.x_report(t0()).unwrap().expected_cash.is_negative());
    }
    Ok(accepted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A drawer never expects negative cash, a refused operation changes
    /// nothing, and replaying the accepted operations (a till retrying after
    /// a crash) changes nothing.
    #[test]
    fn cash_session_is_idempotent(ops in drawer_ops()) {
        let mut s = CashSession::open(
            CashSessionId::new("s").unwrap(),
            RegisterId::new("r").unwrap(),
            OperatorId::new("op").unwrap(),
            t0(),
            cents(10_000),
        )
        .unwrap();
        let accepted = apply_drawer(&mut s, &ops)?;
        let once = s.clone();
        let again = apply_drawer(&mut s, &accepted)?;
        prop_assert_eq!(again.len(), accepted.len());
        prop_assert_eq!(s, once);
    }
}
