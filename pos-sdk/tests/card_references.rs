//! Card references through the facade (issue 14): a sale paid by card with
//! the processor's reference keeps it on the stored ticket, in the sale's
//! sync event and on the receipt (original and duplicate); a refund and an
//! exchange pay-back to card carry the pointer to the original charge,
//! taken from the stored original ticket.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::cart::{Actor, Permissions};
use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{CardReference, CardScheme, EntryMode, MaskedPan, Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_hw::receipt::OutputFormat;
use pos_sdk::{CompletedSale, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn ana() -> OperatorId {
    OperatorId::new("ana").unwrap()
}

fn till(dir: &std::path::Path) -> Register {
    let clock = Arc::new(ManualClock::new("2026-07-14T10:00:00Z".parse().unwrap()));
    let mut config = RegisterConfig::france(
        StoreId::new("nice-1").unwrap(),
        RegisterId::new("caisse-2").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    config.receipt.trader = pos_hw::receipt::TraderFacts {
        name: "Épicerie test".into(),
        address: vec!["75011 Paris".into()],
        siret: "40483304800022".into(),
        vat_number: None,
    };
    let mut reg = Register::open_with_key_file(
        &dir.join("till.sqlite"),
        config,
        clock,
        IdGenerator::seeded(14),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    reg
}

fn charge() -> CardReference {
    CardReference::new("pi_3PqRsT2eZvKYlo2C")
        .unwrap()
        .with_authorisation_code("123456")
        .unwrap()
        .with_masked_pan(MaskedPan::new("497010******1234").unwrap())
        .with_scheme(CardScheme::Visa)
        .with_entry_mode(EntryMode::Contactless)
}

fn sell_by_card(reg: &mut Register, sku: &str, qty: &str) -> CompletedSale {
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
    let due = payment.outstanding().unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, due).with_card(charge()))
        .unwrap();
    reg.complete_sale(cart, payment, &SaleOptions::by(ana()))
        .unwrap()
}

fn event(reg: &Register, seq: u64) -> serde_json::Value {
    let payload: String = reg
        .connection()
        .query_row(
            "SELECT payload FROM outbox WHERE seq = ?1",
            [i64::try_from(seq).unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    serde_json::from_str(&payload).unwrap()
}

fn text(reg: &mut Register, sale: &CompletedSale) -> String {
    let printed = reg
        .print_receipt(sale.series, sale.number, OutputFormat::Text, &ana())
        .unwrap();
    String::from_utf8(printed.bytes).unwrap()
}

#[test]
fn a_card_sale_and_its_refund_carry_the_charge() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = till(dir.path());
    let sale = sell_by_card(&mut reg, "BAG-TRAD", "3");

    // Stored: the ticket read back from the till file has the reference.
    let stored = reg.ticket(sale.ticket.id()).unwrap();
    assert_eq!(stored.payments()[0].card, Some(charge()));
    // In the sale event, on the ticket and on the receipt facts.
    let ev = event(&reg, sale.outbox_seq.unwrap());
    let card = &ev["ticket"]["payments"][0]["card"];
    assert_eq!(card["processor_reference"], "pi_3PqRsT2eZvKYlo2C");
    assert_eq!(card["authorisation_code"], "123456");
    assert_eq!(card["masked_pan"], "497010******1234");
    assert_eq!(
        ev["receipt"]["facts"]["payments"][0]["card"]["authorisation_code"],
        "123456"
    );
    // The receipt, original then duplicate, prints the same card lines.
    for _ in 0..2 {
        let receipt = text(&mut reg, &sale);
        for needle in [
            "VISA **** **** **** 1234",
            "AUTO 123456 SANS CONTACT",
            "Réf. pi_3PqRsT2eZvKYlo2C",
        ] {
            assert!(receipt.contains(needle), "{needle}\n{receipt}");
        }
    }

    // The refund: the pointer comes from the stored original.
    let actor = Actor::new(ana(), Permissions::manager());
    let cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let original = reg.ticket(sale.ticket.id()).unwrap();
    let refunds = original.card_refund_references();
    assert_eq!(refunds.len(), 1);
    let (pointer, charged) = refunds[0].clone();
    assert_eq!(charged, sale.ticket.total_due());
    let due = payment.outstanding().unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, due).with_card(pointer))
        .unwrap();
    let refund = reg
        .complete_sale(cart, payment, &SaleOptions::by(ana()))
        .unwrap();
    let card = refund.ticket.payments()[0].card.clone().unwrap();
    assert_eq!(card.original_reference(), Some("pi_3PqRsT2eZvKYlo2C"));
    assert_eq!(card.processor_reference(), None);
    assert_eq!(
        reg.ticket(refund.ticket.id()).unwrap().payments()[0].card,
        Some(card)
    );
    let ev = event(&reg, refund.outbox_seq.unwrap());
    assert_eq!(
        ev["ticket"]["payments"][0]["card"]["original_reference"],
        "pi_3PqRsT2eZvKYlo2C"
    );
    let receipt = text(&mut reg, &refund);
    assert!(receipt.contains("REMBOURSEMENT"), "{receipt}");
    assert!(
        receipt.contains("Remb. de pi_3PqRsT2eZvKYlo2C"),
        "{receipt}"
    );
    assert!(receipt.contains("VISA **** **** **** 1234"));
    // Nothing in the till file holds more of the card than the mask.
    assert!(
        !std::fs::read(dir.path().join("till.sqlite"))
            .unwrap()
            .windows(10)
            .any(|w| w == b"4970101234")
    );
}

#[test]
fn an_exchange_pay_back_to_card_points_at_the_charge() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = till(dir.path());
    let sale = sell_by_card(&mut reg, "BAG-TRAD", "3");
    let actor = Actor::new(ana(), Permissions::manager());
    let returns = [pos_sdk::RefundLine {
        line: 1,
        quantity: Decimal::from(2),
    }];
    let cart = reg
        .exchange_cart(sale.ticket.id(), &returns, &actor)
        .unwrap();
    // Nothing new taken: the balance is paid back to the card.
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let (pointer, _) = reg
        .ticket(sale.ticket.id())
        .unwrap()
        .card_refund_references()
        .remove(0);
    let due = payment.outstanding().unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, due).with_card(pointer))
        .unwrap();
    let exchange = reg
        .complete_sale(cart, payment, &SaleOptions::by(ana()))
        .unwrap();
    assert!(exchange.ticket.payments()[0].applied.is_negative());
    let ev = event(&reg, exchange.outbox_seq.unwrap());
    assert_eq!(
        ev["ticket"]["payments"][0]["card"]["original_reference"],
        "pi_3PqRsT2eZvKYlo2C"
    );
    // A cash refund cannot carry a card pointer.
    let cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let err = payment
        .add(Tender::new(TenderMethod::Cash, eur("1.30")).with_card(charge()))
        .unwrap_err();
    assert_eq!(err.kind(), "card_reference_not_allowed");
}

#[test]
fn a_pay_back_pointing_at_another_charge_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = till(dir.path());
    let sale = sell_by_card(&mut reg, "BAG-TRAD", "1");
    let actor = Actor::new(ana(), Permissions::manager());
    let cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let other = CardReference::refund_of(&CardReference::new("pi_someone_else").unwrap());
    let due = payment.outstanding().unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, due).with_card(other))
        .unwrap();
    let err = reg
        .complete_sale(cart.clone(), payment, &SaleOptions::by(ana()))
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_reference");
    assert!(err.to_string().contains("pi_someone_else"), "{err}");
    // Nothing recorded: the right pointer still refunds the whole line.
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let (pointer, _) = reg
        .ticket(sale.ticket.id())
        .unwrap()
        .card_refund_references()
        .remove(0);
    payment
        .add(Tender::new(TenderMethod::Card, due).with_card(pointer))
        .unwrap();
    reg.complete_sale(cart, payment, &SaleOptions::by(ana()))
        .unwrap();
    // A sale (no original) cannot point at a charge either.
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    cart.add_sku(
        reg.catalog().unwrap(),
        &Sku::new("BAG-TRAD").unwrap(),
        &ctx,
        Decimal::ONE,
    )
    .unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(
            Tender::new(TenderMethod::Card, eur("1.30"))
                .with_card(CardReference::refund_of(&charge())),
        )
        .unwrap();
    assert_eq!(
        reg.complete_sale(cart, payment, &SaleOptions::by(ana()))
            .unwrap_err()
            .kind(),
        "unknown_reference"
    );
}
