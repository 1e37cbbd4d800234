//! Sales as state machines, on a real SQLite till file: honest idempotency
//! keys for every keyed call, a clock the journal can accept, and a closed
//! day found out before the payment. Each refusal is checked to change
//! nothing (tickets, stock movements, journal, outbox).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, TimeDelta, Utc};
use pos_core::cart::{Actor, Cart, Permissions};
use pos_core::cash_session::CashMoveReason;
use pos_core::customer::PersonalData;
use pos_core::ids::{
    CustomerId, LocationId, OperationId, OperatorId, OrderId, RegisterId, RewardId, Sku, StoreId,
};
use pos_core::loyalty::{LoyaltyProgram, Reward, RewardKind};
use pos_core::order::{Order, OrderChannel, OrderLine, PaymentStatus};
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Payment, Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::{
    CompletedSale, IdGenerator, ManualClock, PeriodState, Register, RegisterConfig, SaleOptions,
    SdkError,
};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

const BAGUETTE: &str = "2000000001012"; // 1.30
const COMTE: &str = "3760123000352"; // 24.90

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn alice() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

fn config(require_session: bool) -> RegisterConfig {
    let mut c = RegisterConfig::france(
        StoreId::new("paris-11").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    c.require_cash_session = require_session;
    c
}

struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn till_with(require_session: bool) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-03-14T09:30:00Z")));
    let mut reg = Register::open_with_key_file(
        &dir.path().join("till.sqlite"),
        config(require_session),
        clock.clone(),
        IdGenerator::seeded(7),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    Till {
        reg,
        clock,
        _dir: dir,
    }
}

fn till() -> Till {
    till_with(false)
}

/// Everything a refused call must leave as it was.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    tickets: i64,
    stock_movements: i64,
    journal_sales: i64,
    outbox: i64,
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn counts(reg: &Register) -> Counts {
    Counts {
        tickets: count(reg, "SELECT COUNT(*) FROM tickets"),
        stock_movements: count(reg, "SELECT COUNT(*) FROM stock_movements"),
        journal_sales: count(
            reg,
            "SELECT COUNT(*) FROM fiscal_record WHERE series <> 'E'",
        ),
        outbox: count(reg, "SELECT COUNT(*) FROM outbox"),
    }
}

fn journal_length(reg: &Register) -> i64 {
    count(reg, "SELECT COUNT(*) FROM fiscal_record")
}

fn clock_refusals(reg: &Register) -> i64 {
    count(
        reg,
        "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E' AND payload LIKE '%\"code\":320%'",
    )
}

fn cart_of(reg: &Register, codes: &[&str]) -> Cart {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    for c in codes {
        reg.scan(&mut cart, c, &ctx).unwrap();
    }
    cart
}

fn paid(reg: &Register, cart: &Cart) -> Payment {
    let mut payment = reg.start_payment(cart, None).unwrap();
    let due = payment.remaining().unwrap();
    payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
    payment
}

fn keyed(key: &str) -> SaleOptions {
    let mut o = SaleOptions::by(alice());
    o.ticket_id = Some(key.to_owned());
    o
}

fn sell(reg: &mut Register, codes: &[&str], options: &SaleOptions) -> CompletedSale {
    let cart = cart_of(reg, codes);
    let payment = paid(reg, &cart);
    reg.complete_sale(cart, payment, options).unwrap()
}

/// The stable code of a refusal, from the facade or from a refused sale.
trait Code {
    fn code(&self) -> &'static str;
}

impl Code for SdkError {
    fn code(&self) -> &'static str {
        self.kind()
    }
}

impl Code for Box<pos_sdk::SaleRefused> {
    fn code(&self) -> &'static str {
        self.error.kind()
    }
}

fn code(e: &impl Code) -> &'static str {
    e.code()
}

#[test]
fn completing_again_under_the_same_key_returns_the_recorded_sale() {
    let mut t = till();
    let key = "01936f4e-8c2a-7b3d-9e4f-0a1b2c3d4e5f";
    let cart = cart_of(&t.reg, &[BAGUETTE]);
    let payment = paid(&t.reg, &cart);
    let first = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &keyed(key))
        .unwrap();
    let before = counts(&t.reg);
    let journal = journal_length(&t.reg);
    // A retry after a timeout, later, with the same cart and payment.
    t.clock.advance_millis(5_000);
    let again = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &keyed(key))
        .unwrap();
    assert_eq!(again.ticket.id(), first.ticket.id());
    assert_eq!(again.number, first.number);
    assert_eq!(again.fiscal.hash, first.fiscal.hash);
    assert_eq!(counts(&t.reg), before, "a retry writes nothing");
    assert_eq!(journal_length(&t.reg), journal);
}

#[test]
fn the_same_key_with_another_cart_is_a_conflict_naming_the_key() {
    let mut t = till();
    let key = "01936f4e-8c2a-7b3d-9e4f-0a1b2c3d4e5f";
    let first = sell(&mut t.reg, &[BAGUETTE], &keyed(key));
    assert_eq!(first.ticket.total(), eur("1.30"));
    let before = counts(&t.reg);
    let journal = journal_length(&t.reg);
    let cart = cart_of(&t.reg, &[COMTE]);
    let payment = paid(&t.reg, &cart);
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &keyed(key))
        .unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert!(e.to_string().contains(key), "{e}");
    // Another operator or a training flag is another request too.
    let cart = cart_of(&t.reg, &[BAGUETTE]);
    let payment = paid(&t.reg, &cart);
    let mut other = keyed(key);
    other.operator = OperatorId::new("bob").unwrap();
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &other)
        .unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert_eq!(
        counts(&t.reg),
        before,
        "the 24.90 sale is refused, not lost"
    );
    assert_eq!(journal_length(&t.reg), journal);
}

#[test]
fn any_uuid_version_and_a_bounded_app_string_are_keys() {
    let mut t = till();
    // A UUID v4 (what most apps make) is the ticket's id.
    let v4 = "3f2b8c1e-4d5a-4e6f-8a7b-9c0d1e2f3a4b";
    let sale = sell(&mut t.reg, &[BAGUETTE], &keyed(v4));
    assert_eq!(sale.ticket.id(), v4);
    // The same UUID in capitals is the same key.
    let again = sell(&mut t.reg, &[BAGUETTE], &keyed(&v4.to_uppercase()));
    assert_eq!(again.number, sale.number);
    // An app's own order reference works and finds its sale again.
    let app = sell(&mut t.reg, &[COMTE], &keyed("order-2026-000042"));
    assert_ne!(app.ticket.id(), "order-2026-000042");
    let retry = sell(&mut t.reg, &[COMTE], &keyed("order-2026-000042"));
    assert_eq!(retry.ticket.id(), app.ticket.id());
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM tickets"), 2);
    // Too long, or with a control character: refused, nothing written.
    let before = counts(&t.reg);
    for bad in ["x".repeat(65), "line\nbreak".to_owned(), String::new()] {
        let cart = cart_of(&t.reg, &[BAGUETTE]);
        let payment = paid(&t.reg, &cart);
        let e = t
            .reg
            .complete_sale(cart.clone(), payment.clone(), &keyed(&bad))
            .unwrap_err();
        assert_eq!(code(&e), "invalid_input", "{bad:?}");
    }
    assert_eq!(counts(&t.reg), before);
}

#[test]
fn a_refund_key_is_honest_too() {
    let mut t = till();
    let sale = sell(&mut t.reg, &[BAGUETTE, COMTE], &SaleOptions::by(alice()));
    let actor = Actor::new(alice(), Permissions::manager());
    let refund = |reg: &Register, line: u32| {
        let selection = [pos_sdk::RefundLine {
            line,
            quantity: Decimal::ONE,
        }];
        let cart = reg
            .refund_cart(sale.ticket.id(), Some(&selection), &actor)
            .unwrap();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        let due = payment.remaining().unwrap();
        let back = Money::new(due.amount().abs(), Currency::EUR);
        payment.add(Tender::new(TenderMethod::Cash, back)).unwrap();
        (cart, payment)
    };
    let key = "refund-1";
    let (cart, payment) = refund(&t.reg, 1);
    let first = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &keyed(key))
        .unwrap();
    let before = counts(&t.reg);
    t.clock.advance_millis(60_000);
    let again = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &keyed(key))
        .unwrap();
    assert_eq!(again.ticket.id(), first.ticket.id());
    let (other_cart, other_payment) = refund(&t.reg, 2);
    let e = t
        .reg
        .complete_sale(other_cart, other_payment, &keyed(key))
        .unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert_eq!(counts(&t.reg), before);
}

#[test]
fn a_cash_move_retried_later_with_the_same_key_is_the_same_move() {
    let mut t = till();
    t.reg.open_cash_session(&alice(), eur("100.00")).unwrap();
    let op = OperationId::new("3f2b8c1e-4d5a-4e6f-8a7b-9c0d1e2f3a4b").unwrap();
    let pay_in = |reg: &mut Register, amount: &str| {
        reg.cash_pay_in(
            &alice(),
            eur(amount),
            CashMoveReason::ChangeFund,
            Some("fond".into()),
            Some(op.clone()),
        )
    };
    pay_in(&mut t.reg, "50.00").unwrap();
    let outbox = count(&t.reg, "SELECT COUNT(*) FROM outbox");
    // The retry comes 30 s later: the time is not part of the request.
    t.clock.advance_millis(30_000);
    let session = pay_in(&mut t.reg, "50.00").unwrap();
    assert_eq!(t.reg.x_report().unwrap().pay_ins, eur("50.00"));
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM outbox"), outbox);
    let e = pay_in(&mut t.reg, "60.00").unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert!(e.to_string().contains(op.as_str()), "{e}");
    assert_eq!(t.reg.x_report().unwrap().pay_ins, eur("50.00"));
    assert_eq!(t.reg.current_cash_session().unwrap().unwrap(), session);
    // A pay-out under the pay-in's key is another request.
    let e = t
        .reg
        .cash_pay_out(
            &alice(),
            eur("50.00"),
            CashMoveReason::BankDeposit,
            None,
            Some(op.clone()),
        )
        .unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM outbox"), outbox);
}

#[test]
fn a_stored_value_load_retried_later_is_the_same_load() {
    let mut t = till();
    t.reg
        .issue_stored_value(
            "GIFT-0000-7731",
            StoredValueKind::GiftCard,
            eur("20.00"),
            None,
        )
        .unwrap();
    let ticket = sell(&mut t.reg, &[BAGUETTE], &SaleOptions::by(alice()));
    let op = OperationId::new("load-42").unwrap();
    let load = |reg: &mut Register, amount: &str| {
        reg.load_stored_value(
            "GIFT00007731",
            eur(amount),
            ticket.ticket.id(),
            Some(op.clone()),
        )
    };
    load(&mut t.reg, "15.00").unwrap();
    let outbox = count(&t.reg, "SELECT COUNT(*) FROM outbox");
    t.clock.advance_millis(90_000);
    assert_eq!(load(&mut t.reg, "15.00").unwrap().balance(), eur("35.00"));
    let e = load(&mut t.reg, "16.00").unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert!(e.to_string().contains("load-42"), "{e}");
    assert_eq!(
        t.reg.stored_value("GIFT00007731").unwrap().balance(),
        eur("35.00")
    );
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM outbox"), outbox);
}

#[test]
fn a_redemption_retried_later_is_the_same_redemption() {
    let mut t = till();
    let reward = |id: &str, cost: u64| Reward {
        id: RewardId::new(id).unwrap(),
        name: id.into(),
        cost,
        kind: RewardKind::AmountOff(eur("2.00")),
    };
    let program = LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![reward("coffee", 10), reward("cake", 12)],
        point_value: eur("0.01"),
        expiry_days: None,
        tier_window_days: 365,
    };
    t.reg.set_loyalty_program(Some(&program)).unwrap();
    let customer: CustomerId = t
        .reg
        .create_customer(PersonalData::default(), None)
        .unwrap()
        .id()
        .clone();
    let mut options = SaleOptions::by(alice());
    options.customer = Some(customer.clone());
    sell(&mut t.reg, &[COMTE], &options); // 24 points
    let op = OperationId::new("reward-1").unwrap();
    let coffee = RewardId::new("coffee").unwrap();
    t.reg
        .redeem_loyalty_reward(&customer, &coffee, Some(op.clone()))
        .unwrap();
    t.clock.advance_millis(45_000);
    t.reg
        .redeem_loyalty_reward(&customer, &coffee, Some(op.clone()))
        .unwrap();
    assert_eq!(t.reg.loyalty_balance(&customer).unwrap(), 14);
    let e = t
        .reg
        .redeem_loyalty_reward(&customer, &RewardId::new("cake").unwrap(), Some(op))
        .unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert_eq!(t.reg.loyalty_balance(&customer).unwrap(), 14);
}

#[test]
fn an_order_received_again_is_the_same_order_and_another_under_its_id_a_conflict() {
    let mut t = till();
    let order = |reg: &Register, qty: &str| {
        let now = reg.price_context(None).at;
        Order::receive(
            OrderId::new("web-1001").unwrap(),
            OrderChannel::ClickAndCollect,
            None,
            LocationId::new("shop").unwrap(),
            vec![OrderLine {
                sku: Sku::new("ROSE-75").unwrap(),
                label: "Rosé".into(),
                quantity: Decimal::from_str(qty).unwrap(),
                amount: eur("9.90"),
            }],
            now,
            now + TimeDelta::hours(4),
            PaymentStatus::Unpaid,
        )
        .unwrap()
    };
    let first = order(&t.reg, "1");
    t.reg.receive_order(&first).unwrap();
    let outbox = count(&t.reg, "SELECT COUNT(*) FROM outbox");
    t.clock.advance_millis(10_000);
    t.reg.receive_order(&first).unwrap();
    let e = t.reg.receive_order(&order(&t.reg, "2")).unwrap_err();
    assert_eq!(code(&e), "idempotency_conflict");
    assert!(e.to_string().contains("web-1001"), "{e}");
    assert_eq!(count(&t.reg, "SELECT COUNT(*) FROM outbox"), outbox);
}

#[test]
fn a_clock_in_seconds_is_refused_before_anything_is_written() {
    let mut t = till();
    let cart = cart_of(&t.reg, &[BAGUETTE]);
    let payment = paid(&t.reg, &cart);
    let before = counts(&t.reg);
    // A foreign clock giving Stripe-style seconds, read as milliseconds.
    let seconds = pos_sdk::Clock::now(t.clock.as_ref()).timestamp();
    t.clock
        .set(DateTime::from_timestamp_millis(seconds).unwrap());
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    assert!(e.to_string().contains("1970-01-21"), "{e}");
    assert_eq!(
        code(&t.reg.start_payment(&cart, None).unwrap_err()),
        "clock_implausible"
    );
    assert_eq!(
        code(&t.reg.period_state().unwrap_err()),
        "clock_implausible"
    );
    assert_eq!(
        counts(&t.reg),
        before,
        "no ticket, no stock, no sale record"
    );
    // Each refused write is logged once as a JET 320, dated at the last
    // good time: the chain stays in order and verifies.
    assert_eq!(clock_refusals(&t.reg), 2);
    let report = t.reg.verify().unwrap();
    assert!(report.defects.is_empty(), "{report:?}");
}

#[test]
fn a_clock_set_back_three_days_is_refused_and_a_small_drift_is_not() {
    let mut t = till();
    t.clock.advance_millis(5 * 24 * 3600 * 1000);
    sell(&mut t.reg, &[BAGUETTE], &SaleOptions::by(alice()));
    let cart = cart_of(&t.reg, &[COMTE]);
    let payment = paid(&t.reg, &cart);
    let before = counts(&t.reg);
    t.clock.advance_millis(-3 * 24 * 3600 * 1000);
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    assert!(e.to_string().contains("set back"), "{e}");
    let e = t.reg.close_day(None, None, &alice()).unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    let e = t.reg.open_cash_session(&alice(), eur("10.00")).unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    assert_eq!(counts(&t.reg), before);
    assert_eq!(clock_refusals(&t.reg), 3);
    // Back to the right time, less one minute of drift: accepted.
    t.clock.advance_millis(3 * 24 * 3600 * 1000 - 60_000);
    t.reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap();
}

#[test]
fn a_clock_implausibly_far_ahead_is_refused() {
    let mut t = till();
    let cart = cart_of(&t.reg, &[BAGUETTE]);
    let payment = paid(&t.reg, &cart);
    let before = counts(&t.reg);
    // Microseconds read as milliseconds: tens of thousands of years ahead.
    t.clock.set(
        DateTime::from_timestamp_millis(at("2026-03-14T09:31:00Z").timestamp_millis() * 1000)
            .unwrap(),
    );
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    t.clock.set(at("2028-01-01T09:00:00Z"));
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    assert_eq!(counts(&t.reg), before);
}

#[test]
fn after_the_z_the_payment_is_refused_before_any_tender() {
    let mut t = till();
    sell(&mut t.reg, &[BAGUETTE], &SaleOptions::by(alice()));
    let cart = cart_of(&t.reg, &[COMTE]);
    let payment = paid(&t.reg, &cart);
    assert_eq!(t.reg.period_state().unwrap(), PeriodState::Open);
    t.clock.advance_millis(60_000);
    t.reg.close_day(None, None, &alice()).unwrap();
    let before = counts(&t.reg);
    let journal = journal_length(&t.reg);
    let today = t.reg.today();
    assert_eq!(
        t.reg.period_state().unwrap(),
        PeriodState::DayClosed { day: today }
    );
    let e = t.reg.start_payment(&cart, None).unwrap_err();
    assert_eq!(code(&e), "day_closed");
    let mut other = t.reg.new_cart();
    let ctx = t.reg.price_context(None);
    assert_eq!(
        code(&t.reg.scan(&mut other, BAGUETTE, &ctx).unwrap_err()),
        "day_closed"
    );
    assert!(other.is_empty());
    // A payment taken before the Z cannot be recorded either; the refusal
    // hands the cart and the payment back, unchanged.
    let e = t
        .reg
        .complete_sale(cart, payment, &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "day_closed");
    let cart = e.cart;
    assert_eq!(cart.total(), eur("24.90"));
    assert_eq!(counts(&t.reg), before);
    assert_eq!(journal_length(&t.reg), journal);
    // The next morning the till sells again.
    t.clock.set(at("2026-03-15T08:00:00Z"));
    assert_eq!(t.reg.period_state().unwrap(), PeriodState::Open);
    let payment = paid(&t.reg, &cart);
    t.reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap();
}

#[test]
fn a_till_that_requires_a_session_refuses_to_sell_without_one() {
    let mut t = till_with(true);
    assert_eq!(t.reg.period_state().unwrap(), PeriodState::SessionRequired);
    let mut cart = t.reg.new_cart();
    let ctx = t.reg.price_context(None);
    let e = t.reg.scan(&mut cart, BAGUETTE, &ctx).unwrap_err();
    assert_eq!(code(&e), "session_closed");
    let before = counts(&t.reg);
    t.reg.open_cash_session(&alice(), eur("100.00")).unwrap();
    assert_eq!(t.reg.period_state().unwrap(), PeriodState::Open);
    let cart = cart_of(&t.reg, &[BAGUETTE]);
    let payment = paid(&t.reg, &cart);
    t.reg
        .close_cash_session(
            &alice(),
            pos_core::cash_session::CashCount::Total(eur("100.00")),
        )
        .unwrap();
    let e = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &SaleOptions::by(alice()))
        .unwrap_err();
    assert_eq!(code(&e), "session_closed");
    assert_eq!(counts(&t.reg).tickets, before.tickets);
}

#[test]
fn a_till_opened_with_a_clock_in_seconds_logs_it_and_sells_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let seconds = at("2026-03-14T09:30:00Z").timestamp();
    let wrong = Arc::new(ManualClock::new(
        DateTime::from_timestamp_millis(seconds).unwrap(),
    ));
    // A new journal is never begun in 1970.
    let e =
        Register::open_with_key_file(&path, config(false), wrong.clone(), IdGenerator::seeded(1))
            .unwrap_err();
    assert_eq!(code(&e), "clock_implausible");
    // An existing till opens (the app can say why it cannot sell), logs the
    // refused time as JET 320 instead of a start-up dated 1970, and sells
    // nothing until the clock is right.
    let clock = Arc::new(ManualClock::new(at("2026-03-14T09:30:00Z")));
    let reg =
        Register::open_with_key_file(&path, config(false), clock, IdGenerator::seeded(1)).unwrap();
    let journal = journal_length(&reg);
    drop(reg);
    let reg =
        Register::open_with_key_file(&path, config(false), wrong, IdGenerator::seeded(2)).unwrap();
    assert_eq!(journal_length(&reg), journal + 1);
    assert_eq!(clock_refusals(&reg), 1);
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM fiscal_record WHERE ts LIKE '1970%'"
        ),
        0
    );
    assert_eq!(code(&reg.period_state().unwrap_err()), "clock_implausible");
    assert!(reg.verify().unwrap().defects.is_empty());
}

#[test]
fn a_misread_check_digit_is_told_apart_from_an_unknown_code() {
    let t = till();
    let ctx = t.reg.price_context(None);
    let mut cart = t.reg.new_cart();
    t.reg.scan(&mut cart, BAGUETTE, &ctx).unwrap();
    let before = cart.clone();
    // The Comté's code with its last digit misread (3 for 2), and the
    // baguette's in-store code likewise: a misread, scan again.
    for (scanned, expected, found) in [("3760123000353", 2, 3), ("2000000001013", 2, 3)] {
        let e = t.reg.scan(&mut cart, scanned, &ctx).unwrap_err();
        assert_eq!(code(&e), "bad_check_digit", "{scanned}: {e}");
        assert_eq!(
            e.to_string(),
            format!(
                "barcode `{scanned}` was misread: its gtin check digit is {found}, {expected} expected; scan it again"
            )
        );
        assert_eq!(cart, before, "a refused scan changes nothing");
    }
    // A well-formed code no item carries is unknown, as before.
    let e = t.reg.scan(&mut cart, "3760123000994", &ctx).unwrap_err();
    assert_eq!(code(&e), "unknown_barcode", "{e}");
    assert_eq!(cart, before);
}
