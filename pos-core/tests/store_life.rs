//! Store life: stock ledger, customers, loyalty, stored value, orders and
//! cash sessions, through the public API. Golden vectors live in
//! `testdata/store_life/`; the property tests are in `store_life/props.rs`.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cash_session::{CashCount, CashMoveReason, CashSession, SessionTicket, TenderKind};
use pos_core::customer::{Channel, ConsentSource, ConsentState, Customer, PersonalData};
use pos_core::ids::{
    CashSessionId, CategoryId, CustomerId, LocationId, MovementId, OperationId, OperatorId,
    OrderId, RegisterId, Sku, TicketId,
};
use pos_core::loyalty::{
    BonusKind, BonusRule, BonusTarget, EarnLine, LoyaltyAccount, LoyaltyProgram,
};
use pos_core::order::{Order, OrderChannel, OrderLine, OrderStatus, PaymentStatus, pickup_list};
use pos_core::stock::{
    MovementContext, MovementReason, NegativeStockPolicy, SaleLine, StockLedger, StockMovement,
    StockPolicies, StockVerdict, check_sale, replay_levels,
};
use pos_core::stored_value::{GiftCardCode, StoredValueAccount, StoredValueKind};
use pos_core::{Currency, Money, PriceLine, PriceRequest, TaxMode, VatRate, price};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

#[path = "store_life/props.rs"]
mod props;

fn data(name: &str) -> String {
    let path = format!("{}/testdata/store_life/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn eur(s: &str) -> Money {
    Money::new(d(s), Currency::EUR)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[derive(Deserialize)]
struct StockGolden {
    movements: Vec<StockMovement>,
    applied: usize,
    expected: Vec<ExpectedLevel>,
}

#[derive(Deserialize)]
struct ExpectedLevel {
    sku: Sku,
    location: LocationId,
    on_hand: String,
    reserved: String,
    available: String,
}

#[test]
fn golden_stock_levels() {
    let g: StockGolden = serde_json::from_str(&data("stock_levels.json")).unwrap();
    let ledger = StockLedger::from_movements(&g.movements).unwrap();
    assert_eq!(ledger.applied_count(), g.applied);
    assert_eq!(ledger.all_levels().count(), g.expected.len());
    for e in &g.expected {
        let l = ledger.level(&e.sku, &e.location);
        assert_eq!(l.on_hand, d(&e.on_hand), "{} {}", e.sku, e.location);
        assert_eq!(l.reserved, d(&e.reserved), "{} {}", e.sku, e.location);
        assert_eq!(
            l.available().unwrap(),
            d(&e.available),
            "{} {}",
            e.sku,
            e.location
        );
    }
    assert_eq!(ledger.to_map(), replay_levels(&g.movements).unwrap());
}

#[derive(Deserialize)]
struct LoyaltyGolden {
    earn: Vec<EarnCase>,
    reversals: Vec<ReversalCase>,
}

#[derive(Deserialize)]
struct EarnCase {
    name: String,
    lines: Vec<(String, String, String, String)>,
    base: u64,
    bonus: u64,
    total: u64,
}

#[derive(Deserialize)]
struct ReversalCase {
    name: String,
    eligible: String,
    points: u64,
    refunds: Vec<String>,
    due: Vec<u64>,
}

fn program() -> LoyaltyProgram {
    LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![
            BonusRule {
                target: BonusTarget::Category(CategoryId::new("bio").unwrap()),
                kind: BonusKind::PerUnitSpent(Decimal::ONE),
            },
            BonusRule {
                target: BonusTarget::Sku(Sku::new("COFFEE").unwrap()),
                kind: BonusKind::PerItem(10),
            },
        ],
        tiers: vec![],
        rewards: vec![],
        point_value: eur("0.01"),
        expiry_days: Some(365),
        tier_window_days: 365,
    }
}

#[test]
fn golden_loyalty_points_and_reversals() {
    let g: LoyaltyGolden = serde_json::from_str(&data("loyalty.json")).unwrap();
    let p = program();
    for c in &g.earn {
        let lines: Vec<EarnLine> = c
            .lines
            .iter()
            .map(|(sku, cat, q, amount)| EarnLine {
                sku: Sku::new(sku.as_str()).unwrap(),
                categories: vec![CategoryId::new(cat.as_str()).unwrap()],
                quantity: d(q),
                eligible_amount: d(amount),
            })
            .collect();
        let b = p.points_for(&lines).unwrap();
        assert_eq!(
            (b.base, b.bonus, b.total),
            (c.base, c.bonus, c.total),
            "{}",
            c.name
        );
    }
    let flat = LoyaltyProgram {
        bonuses: vec![],
        ..program()
    };
    for c in &g.reversals {
        let mut a = LoyaltyAccount::new(CustomerId::new("c").unwrap());
        let line = EarnLine {
            sku: Sku::new("X").unwrap(),
            categories: vec![],
            quantity: Decimal::ONE,
            eligible_amount: d(&c.eligible),
        };
        let ticket = TicketId::new("t").unwrap();
        let t0 = at("2026-03-02T10:00:00Z");
        assert_eq!(
            a.earn(&flat, ticket.clone(), t0, &[line]).unwrap().0,
            c.points
        );
        let dues: Vec<u64> = c
            .refunds
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let op = OperationId::new(format!("r{i}")).unwrap();
                a.reverse_refund(op, t0, &ticket, d(r)).unwrap().due
            })
            .collect();
        assert_eq!(dues, c.due, "{}", c.name);
        assert_eq!(a.balance().unwrap(), 0, "{}", c.name);
    }
}

/// One customer's day through every ledger: consent, click & collect order,
/// a sale paid by gift card and cash, loyalty, a refund, the drawer's close.
#[test]
fn a_store_day() {
    let shop = LocationId::new("shop").unwrap();
    let cashier = OperatorId::new("bruno").unwrap();
    let mut ids = 0u32;
    let mut next_id = move || {
        ids += 1;
        MovementId::new(format!("0192e000-0000-7000-8000-{ids:012}")).unwrap()
    };
    let ctx = |t: &str, r: &str| MovementContext {
        operator: OperatorId::new("bruno").unwrap(),
        at: at(t),
        reference: Some(r.to_owned()),
    };

    // Morning delivery.
    let mut stock = StockLedger::new();
    for (sku, q) in [("TEA", "12"), ("MUG", "3")] {
        let m = StockMovement::new(
            next_id(),
            MovementReason::Receipt,
            Sku::new(sku).unwrap(),
            shop.clone(),
            d(q),
            &ctx("2026-03-02T07:00:00Z", "BL-7"),
        )
        .unwrap();
        stock.apply(&m).unwrap();
    }

    // A customer who wants e-mail receipts.
    let cid = CustomerId::new("cust-0001").unwrap();
    let mut jeanne = Customer::new(
        cid.clone(),
        at("2026-03-02T08:00:00Z"),
        PersonalData {
            given_name: Some("Jeanne".into()),
            email: Some("jeanne@example.org".into()),
            ..PersonalData::default()
        },
    )
    .unwrap();
    jeanne
        .set_consent(
            Channel::EmailReceipt,
            ConsentState::Granted,
            at("2026-03-02T08:00:00Z"),
            ConsentSource::InStore,
        )
        .unwrap();

    // A click & collect order reserves 2 mugs.
    let mut order = Order::receive(
        OrderId::new("web-501").unwrap(),
        OrderChannel::ClickAndCollect,
        Some(cid.clone()),
        shop.clone(),
        vec![OrderLine {
            sku: Sku::new("MUG").unwrap(),
            label: "Mug".into(),
            quantity: d("2"),
            amount: eur("19.80"),
        }],
        at("2026-03-02T08:30:00Z"),
        at("2026-03-02T17:00:00Z"),
        PaymentStatus::PaidOnline {
            reference: "psp-9".into(),
        },
    )
    .unwrap();
    let mut policies = StockPolicies::default();
    policies
        .per_sku
        .insert(Sku::new("MUG").unwrap(), NegativeStockPolicy::Block);
    order
        .accept(
            at("2026-03-02T08:31:00Z"),
            cashier.clone(),
            &mut stock,
            &policies,
            &mut next_id,
        )
        .unwrap();

    // At the till, 2 mugs are asked: only 1 is available, and mugs block.
    let want = [
        SaleLine {
            sku: Sku::new("MUG").unwrap(),
            location: shop.clone(),
            quantity: d("2"),
        },
        SaleLine {
            sku: Sku::new("TEA").unwrap(),
            location: shop.clone(),
            quantity: d("3"),
        },
    ];
    let check = check_sale(&stock, &want, &policies).unwrap();
    assert_eq!(check.verdict(), StockVerdict::Block);
    assert_eq!(check.shortfalls[0].available, d("1"));
    // She takes 1 mug and 3 teas, priced by the one pricing engine.
    let priced = price(&PriceRequest {
        currency: Currency::EUR,
        tax_mode: TaxMode::Inclusive,
        lines: vec![
            PriceLine {
                unit_price: d("9.90"),
                quantity: d("1"),
                vat_rate: VatRate::FR_STANDARD,
                discount: None,
            },
            PriceLine {
                unit_price: d("4.50"),
                quantity: d("3"),
                vat_rate: VatRate::FR_REDUCED,
                discount: None,
            },
        ],
        discount: None,
    })
    .unwrap();
    assert_eq!(priced.total, d("23.40"));
    let sale = TicketId::new("T-0001").unwrap();
    let t_sale = at("2026-03-02T10:00:00Z");
    let check = check_sale(
        &stock,
        &[
            SaleLine {
                quantity: d("1"),
                ..want[0].clone()
            },
            want[1].clone(),
        ],
        &policies,
    )
    .unwrap();
    assert_eq!(check.verdict(), StockVerdict::Ok);
    let moves: Vec<StockMovement> = [("MUG", "1"), ("TEA", "3")]
        .iter()
        .map(|(s, q)| {
            StockMovement::new(
                next_id(),
                MovementReason::Sale,
                Sku::new(*s).unwrap(),
                shop.clone(),
                MovementReason::Sale.signed(d(q)),
                &ctx("2026-03-02T10:00:00Z", "T-0001"),
            )
            .unwrap()
        })
        .collect();
    stock.apply_all(&moves).unwrap();
    assert!(
        stock.apply_all(&moves).is_ok(),
        "a retried sale posts nothing twice"
    );
    assert_eq!(
        stock.level(&Sku::new("TEA").unwrap(), &shop).on_hand,
        d("9")
    );

    // Paid with a 20 € gift card and 3.40 cash.
    let mut card = StoredValueAccount::issue(
        GiftCardCode::new("GIFT-2026-0042").unwrap(),
        StoredValueKind::GiftCard,
        OperationId::new("gc-issue").unwrap(),
        at("2026-01-10T12:00:00Z"),
        eur("20.00"),
        Some(at("2027-01-10T12:00:00Z")),
        None,
    )
    .unwrap();
    card.redeem(
        OperationId::new("gc-r1").unwrap(),
        t_sale,
        eur("20.00"),
        Some(sale.clone()),
    )
    .unwrap();
    assert!(card.balance().is_zero());
    assert_eq!(card.code().to_string(), "****0042");

    let mut drawer = CashSession::open(
        CashSessionId::new("S-2026-03-02").unwrap(),
        RegisterId::new("till-1").unwrap(),
        cashier.clone(),
        at("2026-03-02T07:55:00Z"),
        eur("100.00"),
    )
    .unwrap();
    drawer
        .record_sale(SessionTicket {
            ticket: sale.clone(),
            at: t_sale,
            total: eur("23.40"),
            tenders: vec![
                (TenderKind::GiftCard, eur("20.00")),
                (TenderKind::Cash, eur("3.40")),
            ],
            taxes: priced.taxes.clone(),
        })
        .unwrap();

    // Loyalty and history.
    let p = program();
    let mut points = LoyaltyAccount::new(cid.clone());
    let earn = [
        EarnLine {
            sku: Sku::new("MUG").unwrap(),
            categories: vec![],
            quantity: d("1"),
            eligible_amount: priced.lines[0].amount,
        },
        EarnLine {
            sku: Sku::new("TEA").unwrap(),
            categories: vec![CategoryId::new("bio").unwrap()],
            quantity: d("3"),
            eligible_amount: priced.lines[1].amount,
        },
    ];
    assert_eq!(
        points.earn(&p, sale.clone(), t_sale, &earn).unwrap(),
        (36, true)
    ); // 23 + 13
    assert_eq!(
        points.earn(&p, sale.clone(), t_sale, &earn).unwrap(),
        (36, false)
    );
    jeanne
        .record_purchase(sale.clone(), t_sale, eur("23.40"))
        .unwrap();
    assert_eq!(
        jeanne.contact_for(Channel::EmailReceipt).unwrap(),
        "jeanne@example.org"
    );

    // She brings the mug back: refund 9.90 in cash, points taken back.
    let refund = TicketId::new("T-0002").unwrap();
    let t_ref = at("2026-03-02T15:00:00Z");
    let back = StockMovement::new(
        next_id(),
        MovementReason::Return,
        Sku::new("MUG").unwrap(),
        shop.clone(),
        d("1"),
        &ctx("2026-03-02T15:00:00Z", "T-0002"),
    )
    .unwrap();
    stock.apply(&back).unwrap();
    let r = points
        .reverse_refund(OperationId::new("T-0002").unwrap(), t_ref, &sale, d("9.90"))
        .unwrap();
    assert_eq!(r.due, 15); // floor(36 x 9.90 / 23.40) = floor(15.23)
    assert_eq!(points.balance().unwrap(), 21);
    drawer
        .record_refund(SessionTicket {
            ticket: refund.clone(),
            at: t_ref,
            total: eur("9.90"),
            tenders: vec![(TenderKind::Cash, eur("9.90"))],
            taxes: vec![pos_core::TaxBreakdown {
                rate: VatRate::FR_STANDARD,
                net: d("8.25"),
                vat: d("1.65"),
                gross: d("9.90"),
            }],
        })
        .unwrap();
    jeanne.record_purchase(refund, t_ref, eur("-9.90")).unwrap();

    // The order is collected at 17:00.
    order
        .start_preparing(at("2026-03-02T16:00:00Z"), cashier.clone())
        .unwrap();
    order
        .mark_ready(at("2026-03-02T16:30:00Z"), cashier.clone())
        .unwrap();
    assert_eq!(pickup_list([&order]).len(), 1);
    order
        .collect(
            at("2026-03-02T17:05:00Z"),
            cashier.clone(),
            false,
            &mut stock,
            &mut next_id,
        )
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Collected);
    let mug = stock.level(&Sku::new("MUG").unwrap(), &shop);
    assert_eq!((mug.on_hand, mug.reserved), (d("1"), d("0"))); // 3 - 2 collected - 1 sold + 1 back

    // Close: expected 100 + 3.40 - 9.90 = 93.50; counted 93.50.
    let x = drawer.x_report(at("2026-03-02T19:00:00Z")).unwrap();
    assert_eq!(x.expected_cash, eur("93.50"));
    drawer
        .pay_out(
            OperationId::new("bank-1").unwrap(),
            at("2026-03-02T19:01:00Z"),
            cashier.clone(),
            eur("50.00"),
            CashMoveReason::BankDeposit,
            None,
        )
        .unwrap();
    let z = drawer
        .close(
            at("2026-03-02T19:05:00Z"),
            cashier,
            CashCount::Total(eur("43.50")),
        )
        .unwrap();
    assert!(z.difference.is_zero());
    assert_eq!(z.report.net_total, eur("13.50"));

    // Erasure keeps the history whole.
    jeanne.erase(at("2026-03-03T09:00:00Z"), OperatorId::new("dpo").unwrap());
    assert_eq!(jeanne.purchases().len(), 2);
    assert!(jeanne.contact_for(Channel::EmailReceipt).is_err());
    let export = jeanne.export().unwrap().to_string();
    assert!(!export.contains("Jeanne") && !export.contains("example.org"));
}

#[derive(Deserialize)]
struct DrawerGolden {
    float: String,
    ops: Vec<serde_json::Value>,
    expected: serde_json::Value,
    counted: BTreeMap<u32, u32>,
    difference: String,
}

fn session_ticket(op: &serde_json::Value) -> SessionTicket {
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    SessionTicket {
        ticket: TicketId::new(s(&op["id"])).unwrap(),
        at: at("2026-03-02T12:00:00Z"),
        total: eur(&s(&op["total"])),
        tenders: op["tenders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let kind: TenderKind = serde_json::from_value(t[0].clone()).unwrap();
                (kind, eur(&s(&t[1])))
            })
            .collect(),
        taxes: op["taxes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| pos_core::TaxBreakdown {
                rate: VatRate::from_bps(s(&t[0]).parse().unwrap()).unwrap(),
                net: d(&s(&t[1])),
                vat: d(&s(&t[2])),
                gross: d(&s(&t[3])),
            })
            .collect(),
    }
}

#[test]
fn golden_cash_session() {
    let g: DrawerGolden = serde_json::from_str(&data("cash_session.json")).unwrap();
    let mut drawer = CashSession::open(
        CashSessionId::new("S-golden").unwrap(),
        RegisterId::new("till-1").unwrap(),
        OperatorId::new("bruno").unwrap(),
        at("2026-03-02T07:00:00Z"),
        eur(&g.float),
    )
    .unwrap();
    for op in &g.ops {
        let kind = op["op"].as_str().unwrap();
        let when = at("2026-03-02T12:00:00Z");
        let who = OperatorId::new("bruno").unwrap();
        let id = || OperationId::new(op["id"].as_str().unwrap()).unwrap();
        let amount = || eur(op["amount"].as_str().unwrap());
        let reason = || serde_json::from_value::<CashMoveReason>(op["reason"].clone()).unwrap();
        match kind {
            "sale" => drawer.record_sale(session_ticket(op)).unwrap(),
            "refund" => drawer.record_refund(session_ticket(op)).unwrap(),
            "pay_in" => drawer
                .pay_in(id(), when, who, amount(), reason(), None)
                .unwrap(),
            "pay_out" => drawer
                .pay_out(id(), when, who, amount(), reason(), None)
                .unwrap(),
            other => panic!("unknown op {other}"),
        };
    }
    let x = drawer.x_report(at("2026-03-02T19:00:00Z")).unwrap();
    let e = &g.expected;
    let m = |v: &serde_json::Value| eur(v.as_str().unwrap());
    assert_eq!(u64::from(x.sales_count), e["sales_count"].as_u64().unwrap());
    assert_eq!(
        u64::from(x.refunds_count),
        e["refunds_count"].as_u64().unwrap()
    );
    assert_eq!(x.sales_total, m(&e["sales_total"]));
    assert_eq!(x.refunds_total, m(&e["refunds_total"]));
    assert_eq!(x.net_total, m(&e["net_total"]));
    assert_eq!(x.pay_ins, m(&e["pay_ins"]));
    assert_eq!(x.pay_outs, m(&e["pay_outs"]));
    assert_eq!(x.expected_cash, m(&e["expected_cash"]));
    let tenders = e["by_tender"].as_object().unwrap();
    assert_eq!(x.by_tender.len(), tenders.len());
    for (name, v) in tenders {
        let kind: TenderKind =
            serde_json::from_value(serde_json::Value::String(name.clone())).unwrap();
        let t = x.by_tender[&kind];
        assert_eq!(
            (t.sales, t.refunds, t.net),
            (m(&v[0]), m(&v[1]), m(&v[2])),
            "{name}"
        );
    }
    let rates = e["by_vat"].as_object().unwrap();
    assert_eq!(x.by_vat.len(), rates.len());
    for (bps, v) in rates {
        let t = &x.by_vat[&VatRate::from_bps(bps.parse().unwrap()).unwrap()];
        let dv = |i: usize| d(v[i].as_str().unwrap());
        assert_eq!((t.net, t.vat, t.gross), (dv(0), dv(1), dv(2)), "{bps}");
    }
    let z = drawer
        .close(
            at("2026-03-02T19:30:00Z"),
            OperatorId::new("bruno").unwrap(),
            CashCount::ByDenomination(g.counted),
        )
        .unwrap();
    assert_eq!(z.counted, x.expected_cash);
    assert_eq!(z.difference, eur(&g.difference));
}

/// Every store-life error has a stable kind and a message without personal
/// data or card numbers.
#[test]
fn store_life_error_kinds_and_messages() {
    use pos_core::CoreError;
    let s = |x: &str| x.to_owned();
    let cases = [
        (
            CoreError::InvalidStockQuantity {
                movement: "sale",
                quantity: s("2"),
            },
            "invalid_stock_quantity",
            "invalid stock quantity 2 for a sale movement",
        ),
        (
            CoreError::ReservationExceeded {
                sku: s("A"),
                location: s("shop"),
                reserved: s("1"),
                requested: s("2"),
            },
            "reservation_exceeded",
            "SKU `A` at `shop`: 2 asked but only 1 reserved",
        ),
        (
            CoreError::InsufficientStock {
                sku: s("A"),
                location: s("shop"),
                available: s("1"),
                requested: s("2"),
            },
            "insufficient_stock",
            "insufficient stock for SKU `A` at `shop`: 1 available, 2 requested",
        ),
        (
            CoreError::IdempotencyConflict { id: s("op-1") },
            "idempotency_conflict",
            "operation id `op-1` was already used for a different operation",
        ),
        (
            CoreError::InvalidContact { field: "e-mail" },
            "invalid_contact",
            "invalid e-mail",
        ),
        (
            CoreError::CustomerErased,
            "customer_erased",
            "the customer was erased",
        ),
        (
            CoreError::ContactNotAllowed {
                channel: "marketing_sms",
                reason: "withdrawn",
            },
            "contact_not_allowed",
            "contact on marketing_sms not allowed: withdrawn",
        ),
        (
            CoreError::InsufficientPoints {
                balance: 3,
                requested: 5,
            },
            "insufficient_points",
            "insufficient points: balance 3, requested 5",
        ),
        (
            CoreError::UnknownReference {
                what: "reward",
                id: s("r1"),
            },
            "unknown_reference",
            "unknown reward `r1`",
        ),
        (
            CoreError::RefundExceedsRemaining {
                requested: s("5.00"),
                remaining: s("4.00"),
            },
            "refund_exceeds_remaining",
            "refund 5.00 exceeds the refundable 4.00",
        ),
        (
            CoreError::InvalidCardCode,
            "invalid_card_code",
            "invalid gift card code",
        ),
        (
            CoreError::InsufficientBalance {
                available: s("1.00"),
                requested: s("2.00"),
            },
            "insufficient_balance",
            "insufficient balance: 1.00 available, 2.00 requested",
        ),
        (
            CoreError::StoredValueExpired,
            "stored_value_expired",
            "the stored value has expired",
        ),
        (
            CoreError::InvalidAmount { amount: s("-1") },
            "invalid_amount",
            "invalid amount -1",
        ),
        (
            CoreError::InvalidOrderTransition {
                from: "collected",
                to: "cancelled",
            },
            "invalid_order_transition",
            "order cannot go from collected to cancelled",
        ),
        (
            CoreError::OrderUnpaid,
            "order_unpaid",
            "the order is not paid",
        ),
        (
            CoreError::CashSessionClosed,
            "cash_session_closed",
            "the cash session is closed",
        ),
        (
            CoreError::InvalidDenomination { cents: 300 },
            "invalid_denomination",
            "unknown denomination of 300 cents",
        ),
        (
            CoreError::SameLocationTransfer,
            "same_location_transfer",
            "a transfer needs two different locations",
        ),
    ];
    for (err, kind, message) in cases {
        assert_eq!(err.kind(), kind);
        assert_eq!(err.to_string(), message);
    }
    // Errors raised on personal data or card codes never echo them.
    let bad_mail = PersonalData {
        email: Some("jeanne.martin(at)example.org".into()),
        ..PersonalData::default()
    };
    let err = Customer::new(
        CustomerId::new("c").unwrap(),
        at("2026-03-02T10:00:00Z"),
        bad_mail,
    )
    .unwrap_err();
    assert!(!err.to_string().contains("jeanne"));
    let err = GiftCardCode::new("4970-1234-5678-9012!").unwrap_err();
    assert!(!err.to_string().contains("9012"));
}
