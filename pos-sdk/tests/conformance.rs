//! The same till scenarios run against `Register::in_memory` and against a
//! Register on a real file. Both are the one SQLite implementation of the
//! facade (one database in memory, one on disk with WAL and
//! synchronous=FULL): this checks that nothing depends on the file (paths,
//! WAL, the key stored in the file), not two different stores.
//!
//! Also here: the sales report of a day equals that day's Z closure to the
//! cent, on a fixed day and on random days (proptest).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Cart, Permissions};
use pos_core::cash_session::{CashCount, CashMoveReason};
use pos_core::customer::{Channel, ConsentSource, ConsentState, PersonalData};
use pos_core::ids::{LocationId, OperatorId, OrderId, RegisterId, Sku, StoreId};
use pos_core::loyalty::LoyaltyProgram;
use pos_core::order::{Order, OrderChannel, OrderLine, OrderStatus, PaymentStatus};
use pos_core::stock::MovementReason;
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::SoftwareSigner;
use pos_fiscal::payload::{ClosureLevel, ClosurePayload};
use pos_sdk::{
    CompletedSale, IdGenerator, ManualClock, RefundLine, Register, RegisterConfig, SaleOptions,
    SalesReport,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

/// A till under test and what keeps it alive.
struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
}

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("rennes-4").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn start() -> Arc<ManualClock> {
    let at: DateTime<Utc> = "2026-10-05T08:00:00Z".parse().unwrap();
    Arc::new(ManualClock::new(at))
}

impl Till {
    fn memory() -> Till {
        let clock = start();
        let signer = SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
        let mut reg = Register::in_memory(
            config(),
            clock.clone(),
            IdGenerator::seeded(5),
            Box::new(signer),
        )
        .unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        Till {
            reg,
            clock,
            _dir: None,
        }
    }

    fn file() -> Till {
        let clock = start();
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Register::open_with_key_file(
            &dir.path().join("till.sqlite"),
            config(),
            clock.clone(),
            IdGenerator::seeded(5),
        )
        .unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        Till {
            reg,
            clock,
            _dir: Some(dir),
        }
    }
}

/// Generates one test per scenario and backend.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod in_memory {
            $( #[test] fn $name() { super::$name(&mut super::Till::memory()); } )*
        }
        mod on_file {
            $( #[test] fn $name() { super::$name(&mut super::Till::file()); } )*
        }
    };
}

conformance!(
    sale_and_refund,
    stock_operations,
    customers_and_loyalty,
    gift_cards,
    orders_lifecycle,
    cash_session,
    day_report_equals_the_z_closure,
);

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn op(name: &str) -> OperatorId {
    OperatorId::new(name).unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn cart_of(reg: &Register, items: &[(&str, &str)]) -> Cart {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    for (s, q) in items {
        cart.add_sku(reg.catalog().unwrap(), &sku(s), &ctx, d(q))
            .unwrap();
    }
    cart
}

fn pay(
    reg: &mut Register,
    cart: &Cart,
    tenders: &[(TenderMethod, &str)],
    options: &SaleOptions,
) -> Result<CompletedSale, pos_sdk::SdkError> {
    let mut payment = reg.start_payment(cart, options.customer.as_ref())?;
    for (m, a) in tenders {
        payment.add(Tender::new(m.clone(), eur(a)))?;
    }
    Ok(reg.complete_sale(cart.clone(), payment, options)?)
}

fn sale_and_refund(t: &mut Till) {
    let reg = &mut t.reg;
    let cart = cart_of(reg, &[("BAG-TRAD", "2"), ("VIN-CDR", "1")]);
    let sale = pay(
        reg,
        &cart,
        &[(TenderMethod::Cash, "20.00")],
        &SaleOptions::by(op("alice")),
    )
    .unwrap();
    assert_eq!(sale.number, 1);
    assert_eq!(sale.ticket.total(), eur("11.50"));
    assert_eq!(sale.ticket.change(), eur("8.50"));
    t.clock.advance_millis(60_000);
    let actor = Actor::new(op("alice"), Permissions::manager());
    let sel = [RefundLine {
        line: 2,
        quantity: Decimal::ONE,
    }];
    let refund_cart = t
        .reg
        .refund_cart(sale.ticket.id(), Some(&sel), &actor)
        .unwrap();
    let refund = pay(
        &mut t.reg,
        &refund_cart,
        &[(TenderMethod::Cash, "8.90")],
        &SaleOptions::by(op("alice")),
    )
    .unwrap();
    assert_eq!(refund.number, 2);
    assert_eq!(refund.ticket.total(), eur("-8.90"));
    assert_eq!(
        t.reg.refunded_quantities(sale.ticket.id()).unwrap()[&1],
        Decimal::ONE
    );
    assert!(
        t.reg
            .refund_cart(sale.ticket.id(), Some(&sel), &actor)
            .is_err()
    );
    assert_eq!(
        t.reg
            .ticket_by_number(pos_fiscal::model::Series::T, 2)
            .unwrap(),
        refund.ticket
    );
    assert_eq!(
        t.reg.stock_level(&sku("VIN-CDR"), &shop()).unwrap().on_hand,
        d("0")
    );
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM outbox"), 2);
    assert!(t.reg.verify().unwrap().defects.is_empty());
}

fn stock_operations(t: &mut Till) {
    let reg = &mut t.reg;
    let back = LocationId::new("back-room").unwrap();
    reg.record_stock(
        MovementReason::Receipt,
        &sku("ROSE-75"),
        &back,
        d("12"),
        &op("bob"),
        Some("BL-77".into()),
    )
    .unwrap();
    reg.transfer_stock(&sku("ROSE-75"), &back, &shop(), d("5"), &op("bob"))
        .unwrap();
    reg.record_stock(
        MovementReason::Loss,
        &sku("ROSE-75"),
        &shop(),
        d("1"),
        &op("bob"),
        None,
    )
    .unwrap();
    let mut counted = BTreeMap::new();
    counted.insert(sku("ROSE-75"), d("3"));
    let adjust = reg.count_stock(&shop(), &counted, &op("bob")).unwrap();
    assert_eq!(adjust.len(), 1);
    assert_eq!(adjust[0].quantity, d("-1"));
    assert_eq!(
        reg.stock_level(&sku("ROSE-75"), &shop()).unwrap().on_hand,
        d("3")
    );
    assert_eq!(
        reg.stock_level(&sku("ROSE-75"), &back).unwrap().on_hand,
        d("7")
    );
    // A sale reason is refused outside a ticket, and changes nothing.
    assert!(
        reg.record_stock(
            MovementReason::Sale,
            &sku("ROSE-75"),
            &shop(),
            d("1"),
            &op("bob"),
            None
        )
        .is_err()
    );
    assert_eq!(count(reg, "SELECT COUNT(*) FROM stock_movements"), 5);
    assert_eq!(
        count(reg, "SELECT COUNT(*) FROM outbox WHERE kind = 'stock'"),
        4
    );
}

fn program() -> LoyaltyProgram {
    LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: eur("0.01"),
        expiry_days: Some(365),
        tier_window_days: 365,
    }
}

fn customers_and_loyalty(t: &mut Till) {
    let reg = &mut t.reg;
    reg.set_loyalty_program(Some(&program())).unwrap();
    let customer = reg
        .create_customer(
            PersonalData {
                given_name: Some("Jeanne".into()),
                family_name: Some("Durand".into()),
                email: Some("jeanne@example.org".into()),
                phone: None,
                address: None,
            },
            None,
        )
        .unwrap();
    reg.set_consent(
        customer.id(),
        Channel::EmailReceipt,
        ConsentState::Granted,
        ConsentSource::InStore,
    )
    .unwrap();
    let cart = cart_of(reg, &[("VIN-SANCERRE", "2")]);
    let mut options = SaleOptions::by(op("alice"));
    options.customer = Some(customer.id().clone());
    let sale = pay(reg, &cart, &[(TenderMethod::Card, "37.00")], &options).unwrap();
    assert_eq!(reg.loyalty_balance(customer.id()).unwrap(), 37);
    t.clock.advance_millis(60_000);
    let actor = Actor::new(op("alice"), Permissions::manager());
    let refund_cart = t.reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    pay(
        &mut t.reg,
        &refund_cart,
        &[(TenderMethod::Card, "37.00")],
        &options,
    )
    .unwrap();
    assert_eq!(t.reg.loyalty_balance(customer.id()).unwrap(), 0);
    assert_eq!(t.reg.customer(customer.id()).unwrap().purchases().len(), 2);
    assert!(t.reg.erase_customer(customer.id(), &op("manager")).unwrap());
    let export = t.reg.export_customer(customer.id()).unwrap().to_string();
    assert!(!export.contains("Durand"));
    assert!(t.reg.verify().unwrap().defects.is_empty());
}

fn gift_cards(t: &mut Till) {
    let reg = &mut t.reg;
    reg.issue_stored_value(
        "CARD-42-2026",
        StoredValueKind::GiftCard,
        eur("30.00"),
        None,
    )
    .unwrap();
    assert!(
        reg.issue_stored_value("CARD-42-2026", StoredValueKind::GiftCard, eur("5.00"), None)
            .is_err()
    );
    let gift = TenderMethod::GiftCard {
        reference: "CARD-42-2026".into(),
    };
    let cart = cart_of(reg, &[("VIN-BORDEAUX", "2")]);
    pay(
        reg,
        &cart,
        &[(gift.clone(), "25.00")],
        &SaleOptions::by(op("bob")),
    )
    .unwrap();
    assert_eq!(
        reg.stored_value("CARD-42-2026").unwrap().balance(),
        eur("5.00")
    );
    let err = pay(reg, &cart, &[(gift, "25.00")], &SaleOptions::by(op("bob"))).unwrap_err();
    assert_eq!(err.kind(), "insufficient_balance");
    assert_eq!(
        reg.stored_value("CARD-42-2026").unwrap().balance(),
        eur("5.00")
    );
    assert_eq!(count(reg, "SELECT COUNT(*) FROM tickets"), 1);
}

fn orders_lifecycle(t: &mut Till) {
    let reg = &mut t.reg;
    reg.record_stock(
        MovementReason::Receipt,
        &sku("ROSE-75"),
        &shop(),
        d("4"),
        &op("bob"),
        None,
    )
    .unwrap();
    let now = reg.price_context(None).at;
    let order = Order::receive(
        OrderId::new("cc-9").unwrap(),
        OrderChannel::ClickAndCollect,
        None,
        shop(),
        vec![OrderLine {
            sku: sku("ROSE-75"),
            label: "Rosé".into(),
            quantity: d("3"),
            amount: eur("29.70"),
        }],
        now,
        now + chrono::TimeDelta::hours(2),
        PaymentStatus::Unpaid,
    )
    .unwrap();
    let id = order.id().clone();
    reg.receive_order(&order).unwrap();
    reg.accept_order(&id, &op("bob")).unwrap();
    assert_eq!(
        reg.stock_level(&sku("ROSE-75"), &shop()).unwrap().reserved,
        d("3")
    );
    reg.start_preparing_order(&id, &op("bob")).unwrap();
    reg.mark_order_ready(&id, &op("bob")).unwrap();
    assert_eq!(reg.pickup_list().unwrap().len(), 1);
    let ctx = reg.price_context(None);
    let cart = reg.order_cart(&id, &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("30.00")))
        .unwrap();
    let done = reg
        .collect_order_and_pay(&id, &cart, &payment, &SaleOptions::by(op("bob")))
        .unwrap();
    assert_eq!(done.order.status(), OrderStatus::Collected);
    let level = reg.stock_level(&sku("ROSE-75"), &shop()).unwrap();
    assert_eq!((level.on_hand, level.reserved), (d("1"), d("0")));
    assert_eq!(
        reg.order_tickets(&id).unwrap()[0].ticket_id,
        done.sale.unwrap().ticket.id()
    );
    assert_eq!(
        count(reg, "SELECT COUNT(*) FROM outbox WHERE kind = 'order'"),
        6
    );
    assert_eq!(
        count(reg, "SELECT COUNT(*) FROM outbox WHERE kind = 'sale'"),
        1
    );
}

fn cash_session(t: &mut Till) {
    let reg = &mut t.reg;
    reg.open_cash_session(&op("alice"), eur("100.00")).unwrap();
    let cart = cart_of(reg, &[("CROISSANT", "3")]);
    pay(
        reg,
        &cart,
        &[(TenderMethod::Cash, "5.00")],
        &SaleOptions::by(op("alice")),
    )
    .unwrap();
    // Training sales are not in the drawer's figures.
    let mut training = SaleOptions::by(op("alice"));
    training.training = true;
    pay(reg, &cart, &[(TenderMethod::Cash, "3.60")], &training).unwrap();
    reg.cash_pay_out(
        &op("alice"),
        eur("10.00"),
        CashMoveReason::Expense,
        Some("stamps".into()),
        None,
    )
    .unwrap();
    let x = reg.x_report().unwrap();
    assert_eq!(x.sales_count, 1);
    assert_eq!(x.expected_cash, eur("93.60"));
    let close = reg
        .close_cash_session(&op("alice"), CashCount::Total(eur("93.60")))
        .unwrap();
    assert!(close.difference.is_zero());
}

fn day_report_equals_the_z_closure(t: &mut Till) {
    t.reg
        .issue_stored_value(
            "CARD-7777-2026",
            StoredValueKind::GiftCard,
            eur("50.00"),
            None,
        )
        .unwrap();
    let alice = SaleOptions::by(op("alice"));
    let bob = SaleOptions::by(op("bob"));
    let reg = &mut t.reg;
    let s1 = pay(
        reg,
        &cart_of(reg, &[("BAG-TRAD", "2"), ("VIN-CDR", "1")]),
        &[(TenderMethod::Cash, "20.00")],
        &alice,
    )
    .unwrap();
    pay(
        reg,
        &cart_of(reg, &[("COMTE-18", "0.347"), ("CROISSANT", "1")]),
        &[(TenderMethod::Card, "9.84")],
        &bob,
    )
    .unwrap();
    pay(
        reg,
        &cart_of(reg, &[("BAG-TRAD", "1"), ("ROSE-75", "1")]),
        &[
            (TenderMethod::MealVoucher, "1.30"),
            (
                TenderMethod::GiftCard {
                    reference: "CARD-7777-2026".into(),
                },
                "9.90",
            ),
        ],
        &bob,
    )
    .unwrap();
    let mut training = SaleOptions::by(op("carol"));
    training.training = true;
    pay(
        reg,
        &cart_of(reg, &[("VIN-CHABLIS", "1")]),
        &[(TenderMethod::Card, "16.90")],
        &training,
    )
    .unwrap();
    t.clock.advance_millis(60_000);
    let actor = Actor::new(op("alice"), Permissions::manager());
    let sel = [RefundLine {
        line: 2,
        quantity: Decimal::ONE,
    }];
    let refund_cart = t
        .reg
        .refund_cart(s1.ticket.id(), Some(&sel), &actor)
        .unwrap();
    pay(
        &mut t.reg,
        &refund_cart,
        &[(TenderMethod::Cash, "8.90")],
        &alice,
    )
    .unwrap();

    let report = t.reg.day_report(t.reg.today()).unwrap();
    // Figures a reader can check by hand.
    assert_eq!(report.sales_count, 3);
    assert_eq!(report.refunds_count, 1);
    assert_eq!(report.sales_total, eur("32.54"));
    assert_eq!(report.refunds_total, eur("-8.90"));
    assert_eq!(report.net_total, eur("23.64"));
    assert_eq!(report.by_tender["cash"], eur("2.60")); // 20 - 8.50 change - 8.90
    assert_eq!(report.by_tender["card"], eur("9.84"));
    assert_eq!(report.by_tender["meal_voucher"], eur("1.30"));
    assert_eq!(report.by_tender["gift_card"], eur("9.90"));
    assert_eq!(report.by_category["pains"], eur("3.90"));
    assert_eq!(report.by_category["vins-rouges"], eur("0.00"));
    assert_eq!(report.by_category["fromages"], eur("8.64"));
    assert_eq!(report.by_category["viennoiseries"], eur("1.20"));
    assert_eq!(report.by_category["vins-roses"], eur("9.90"));
    assert!(
        !report.by_category.contains_key("vins-blancs"),
        "training left out"
    );
    assert_eq!(report.by_operator["alice"].net, eur("2.60"));
    assert_eq!(report.by_operator["alice"].refunds, 1);
    assert_eq!(report.by_operator["bob"].net, eur("21.04"));
    assert!(!report.by_operator.contains_key("carol"));
    assert_eq!(report.by_vat[&2000].gross, eur("9.90"));
    assert_eq!(report.by_vat[&550].gross, eur("13.74"));
    check_sums(&report);

    t.reg.close_day(None, None, &op("alice")).unwrap();
    assert_equals_z(&report, &last_z(&t.reg));
}

/// Every breakdown adds up to the net total.
fn check_sums(r: &SalesReport) {
    let sum = |m: &BTreeMap<String, Money>| {
        m.values()
            .fold(Money::zero(Currency::EUR), |a, b| a.checked_add(b).unwrap())
    };
    assert_eq!(sum(&r.by_tender), r.net_total);
    assert_eq!(sum(&r.by_fiscal_method), r.net_total);
    assert_eq!(sum(&r.by_category), r.net_total);
    let vat = r.by_vat.values().fold(Money::zero(Currency::EUR), |a, b| {
        a.checked_add(&b.gross).unwrap()
    });
    assert_eq!(vat, r.net_total);
    assert_eq!(
        r.sales_total.checked_add(&r.refunds_total).unwrap(),
        r.net_total
    );
}

fn last_z(reg: &Register) -> ClosurePayload {
    pos_fiscal::store::closures(reg.connection(), ClosureLevel::Day)
        .unwrap()
        .pop()
        .unwrap()
        .1
}

fn minor(m: &Money) -> i64 {
    m.to_minor_units().unwrap()
}

fn assert_equals_z(report: &SalesReport, z: &ClosurePayload) {
    assert_eq!(report.sales_count, z.sales);
    assert_eq!(report.refunds_count, z.refunds);
    assert_eq!(minor(&report.refunds_total), z.refunds_total);
    assert_eq!(minor(&report.net_total), z.period_total);
    let vat: BTreeMap<u32, (i64, i64, i64)> = report
        .by_vat
        .iter()
        .map(|(k, v)| (*k, (minor(&v.net), minor(&v.vat), minor(&v.gross))))
        .collect();
    let z_vat: BTreeMap<u32, (i64, i64, i64)> = z
        .vat
        .iter()
        .map(|(k, v)| (*k, (v.net, v.vat, v.gross)))
        .collect();
    assert_eq!(vat, z_vat);
    let pays: BTreeMap<String, i64> = report
        .by_fiscal_method
        .iter()
        .map(|(k, v)| (k.clone(), minor(v)))
        .filter(|(_, v)| *v != 0)
        .collect();
    let z_pays: BTreeMap<String, i64> = z
        .payments
        .clone()
        .into_iter()
        .filter(|(_, v)| *v != 0)
        .collect();
    assert_eq!(pays, z_pays);
}

mod random_days {
    //! Random days of sales and refunds: the report equals the Z closure.
    use super::*;
    use proptest::prelude::*;

    const ITEMS: [&str; 8] = [
        "BAG-TRAD",
        "CROISSANT",
        "VIN-CDR",
        "ROSE-75",
        "PAIN-CAMP",
        "VIN-CHABLIS",
        "ECLAIR-CAFE",
        "JUS-ORANGE",
    ];

    #[derive(Debug, Clone)]
    struct Sale {
        lines: Vec<(usize, u8)>,
        tender: u8,
        extra_cash_cents: u16,
        operator: u8,
        refund_first_line: bool,
    }

    fn sale() -> impl Strategy<Value = Sale> {
        (
            prop::collection::vec((0..ITEMS.len(), 1u8..4), 1..4),
            0u8..3,
            0u16..2_000,
            0u8..3,
            any::<bool>(),
        )
            .prop_map(
                |(lines, tender, extra_cash_cents, operator, refund_first_line)| Sale {
                    lines,
                    tender,
                    extra_cash_cents,
                    operator,
                    refund_first_line,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn report_equals_z(sales in prop::collection::vec(sale(), 1..6)) {
            let mut t = Till::memory();
            for s in &sales {
                let items: Vec<(&str, String)> =
                    s.lines.iter().map(|(i, q)| (ITEMS[*i], q.to_string())).collect();
                let items: Vec<(&str, &str)> = items.iter().map(|(a, b)| (*a, b.as_str())).collect();
                let cart = cart_of(&t.reg, &items);
                let total = cart.total();
                let options = SaleOptions::by(op(["ann", "ben", "cid"][usize::from(s.operator)]));
                let paid = match s.tender {
                    0 => vec![(TenderMethod::Card, total.format_plain())],
                    1 => {
                        let cash = total
                            .checked_add(&Money::from_minor_units(i64::from(s.extra_cash_cents), Currency::EUR))
                            .unwrap();
                        vec![(TenderMethod::Cash, cash.format_plain())]
                    }
                    _ => {
                        let half = Money::from_minor_units(minor(&total) / 2, Currency::EUR);
                        let rest = total.checked_sub(&half).unwrap();
                        let mut v = vec![(TenderMethod::Cheque, rest.format_plain())];
                        if !half.is_zero() {
                            v.push((TenderMethod::Cash, half.format_plain()));
                        }
                        v
                    }
                };
                let paid: Vec<(TenderMethod, &str)> =
                    paid.iter().map(|(m, a)| (m.clone(), a.as_str())).collect();
                let sale = pay(&mut t.reg, &cart, &paid, &options).unwrap();
                t.clock.advance_millis(30_000);
                if s.refund_first_line {
                    let actor = Actor::new(op("ann"), Permissions::manager());
                    let sel = [RefundLine { line: 1, quantity: Decimal::ONE }];
                    let refund_cart = t.reg.refund_cart(sale.ticket.id(), Some(&sel), &actor).unwrap();
                    let back = refund_cart.total().amount().abs().to_string();
                    pay(&mut t.reg, &refund_cart, &[(TenderMethod::Cash, &back)], &options).unwrap();
                    t.clock.advance_millis(30_000);
                }
            }
            let report = t.reg.day_report(t.reg.today()).unwrap();
            check_sums(&report);
            t.reg.close_day(None, None, &op("ann")).unwrap();
            assert_equals_z(&report, &last_z(&t.reg));
        }
    }
}
