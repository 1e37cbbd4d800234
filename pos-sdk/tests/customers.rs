//! Customers, loyalty and gift cards through the facade on a real file:
//! points earned in the sale's transaction, never twice for a retried sale,
//! taken back on refund; gift cards redeemed, never below zero; RGPD export
//! and erasure that leaves the fiscal journal verifiable.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::customer::{Channel, ConsentSource, ConsentState, PersonalData};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::loyalty::LoyaltyProgram;
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn till(dir: &std::path::Path) -> (Register, Arc<ManualClock>) {
    let at: DateTime<Utc> = "2026-05-02T10:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let config = RegisterConfig::france(
        StoreId::new("lyon-2").unwrap(),
        RegisterId::new("till-7").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(7),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let program = LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: eur("0.01"),
        expiry_days: Some(365),
        tier_window_days: 365,
    };
    reg.set_loyalty_program(Some(&program)).unwrap();
    (reg, clock)
}

fn personal() -> PersonalData {
    PersonalData {
        given_name: Some("Camille".into()),
        family_name: Some("Martin".into()),
        email: Some("camille@example.org".into()),
        phone: None,
        address: None,
    }
}

#[test]
fn loyalty_is_earned_once_and_reversed_on_refund() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, clock) = till(dir.path());
    let customer = reg.create_customer(personal(), None).unwrap();
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123001892", &ctx).unwrap(); // champagne 34.90
    reg.scan(&mut cart, "3760123001472", &ctx).unwrap(); // côtes-du-rhône 8.90
    let mut payment = reg.start_payment(&cart, Some(customer.id())).unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("43.80")))
        .unwrap();
    let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
    options.customer = Some(customer.id().clone());
    options.ticket_id = Some("019a2b3c-4d5e-7f00-8123-456789abcdef".into());
    let sale = reg
        .complete_sale(cart.clone(), payment.clone(), &options)
        .unwrap();
    assert_eq!(reg.loyalty_balance(customer.id()).unwrap(), 43);

    // The app retries after a timeout: same ticket, no second sale, no points.
    clock.advance_millis(5_000);
    let again = reg.complete_sale(cart, payment, &options).unwrap();
    assert_eq!(again.number, sale.number);
    assert_eq!(again.fiscal.hash, sale.fiscal.hash);
    assert_eq!(reg.loyalty_balance(customer.id()).unwrap(), 43);
    let count: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);

    // Full refund: the points go back.
    clock.advance_millis(60_000);
    let actor = Actor::new(OperatorId::new("bob").unwrap(), Permissions::manager());
    let refund_cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut payment = reg
        .start_payment(&refund_cart, Some(customer.id()))
        .unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("43.80")))
        .unwrap();
    let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
    options.customer = Some(customer.id().clone());
    reg.complete_sale(refund_cart, payment, &options).unwrap();
    assert_eq!(reg.loyalty_balance(customer.id()).unwrap(), 0);
    let history = reg.customer(customer.id()).unwrap();
    assert_eq!(history.purchases().len(), 2);
}

#[test]
fn gift_cards_never_go_below_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    reg.issue_stored_value(
        "GIFT-0001-2026",
        StoredValueKind::GiftCard,
        eur("20.00"),
        None,
    )
    .unwrap();
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123001540", &ctx).unwrap(); // bordeaux 12.50
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let gift = TenderMethod::GiftCard {
        reference: "GIFT-0001-2026".into(),
    };
    payment
        .add(Tender::new(gift.clone(), eur("12.50")))
        .unwrap();
    reg.complete_sale(
        cart.clone(),
        payment,
        &SaleOptions::by(OperatorId::new("bob").unwrap()),
    )
    .unwrap();
    assert_eq!(
        reg.stored_value("GIFT-0001-2026").unwrap().balance(),
        eur("7.50")
    );

    // 12.50 again: above the 7.50 left, the sale is refused and nothing is written.
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment.add(Tender::new(gift, eur("12.50"))).unwrap();
    let err = reg
        .complete_sale(
            cart,
            payment,
            &SaleOptions::by(OperatorId::new("bob").unwrap()),
        )
        .unwrap_err();
    assert_eq!(err.kind(), "insufficient_balance", "{err}");
    assert!(
        !err.to_string().contains("GIFT-0001-2026"),
        "no card code in messages: {err}"
    );
    let count: i64 = reg
        .connection()
        .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(
        reg.stored_value("GIFT-0001-2026").unwrap().balance(),
        eur("7.50")
    );
}

#[test]
fn rgpd_export_and_erasure_keep_the_journal_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    let customer = reg.create_customer(personal(), None).unwrap();
    reg.set_consent(
        customer.id(),
        Channel::EmailReceipt,
        ConsentState::Granted,
        ConsentSource::InStore,
    )
    .unwrap();
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123000079", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, Some(customer.id())).unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("5.00")))
        .unwrap();
    let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
    options.customer = Some(customer.id().clone());
    reg.complete_sale(cart, payment, &options).unwrap();

    let export = reg.export_customer(customer.id()).unwrap().to_string();
    assert!(export.contains("camille@example.org"));
    assert!(
        reg.erase_customer(customer.id(), &OperatorId::new("manager").unwrap())
            .unwrap()
    );
    assert!(
        !reg.erase_customer(customer.id(), &OperatorId::new("manager").unwrap())
            .unwrap()
    );
    let export = reg.export_customer(customer.id()).unwrap().to_string();
    assert!(!export.contains("camille@example.org"));
    assert!(!export.contains("Martin"));
    // The journal holds only the pseudonymous id and still verifies.
    let report = pos_fiscal::store::verify_store(reg.connection(), &Default::default()).unwrap();
    assert!(report.defects.is_empty());
    let fiscal_text: String = reg
        .connection()
        .query_row(
            "SELECT group_concat(payload, '') FROM fiscal_record",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!fiscal_text.contains("Martin"));
}
