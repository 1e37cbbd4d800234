//! The facade over a real SQLite file: sale, refund, stock, outbox, fiscal
//! journal, reopen.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("paris-11").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn options() -> SaleOptions {
    SaleOptions::by(OperatorId::new("alice").unwrap())
}

fn open(path: &std::path::Path, clock: &Arc<ManualClock>, seed: u64) -> Register {
    Register::open_with_key_file(path, config(), clock.clone(), IdGenerator::seeded(seed)).unwrap()
}

#[test]
fn sale_refund_and_reopen_on_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = Arc::new(ManualClock::new(at("2026-03-14T09:30:00Z")));
    let mut reg = open(&path, &clock, 1);
    let n = reg
        .import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    assert!(n > 40);

    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "2000000001012", &ctx).unwrap(); // baguette tradition 1.30
    reg.scan(&mut cart, "3760123000352", &ctx).unwrap(); // Comté by barcode, 1 kg: 24.90
    reg.scan(&mut cart, "2501001003475", &ctx).unwrap(); // Comté scale label 0.347 kg: 8.64
    assert_eq!(cart.total().format_plain(), "34.84");
    let mut payment = cart
        .start_payment(reg.config().tender_policy, Money::zero(Currency::EUR))
        .unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("20.00")))
        .unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("20.00")))
        .unwrap();
    let sale = reg.complete_sale(cart, payment, &options()).unwrap();
    assert_eq!(sale.number, 1);
    assert_eq!(sale.ticket.change().format_plain(), "5.16");
    assert_eq!(sale.outbox_seq, Some(1));
    assert_eq!(sale.fiscal.extract.chars().count(), 4);

    let loc = LocationId::new("shop").unwrap();
    let comte = reg
        .stock_level(&Sku::new("COMTE-18").unwrap(), &loc)
        .unwrap();
    assert_eq!(comte.on_hand, Decimal::from_str("-1.347").unwrap());

    // Refund the baguette.
    clock.advance_millis(60_000);
    let actor = pos_core::cart::Actor::new(
        OperatorId::new("alice").unwrap(),
        pos_core::cart::Permissions::manager(),
    );
    let selection = [pos_sdk::RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }];
    // Lines are numbered from 1, like the cart lines the sale was made of.
    assert_eq!(
        sale.ticket.lines()[0].label,
        refund_line_label(&reg, &sale, 1)
    );
    for bad in [0, 4] {
        let e = reg
            .refund_cart(
                sale.ticket.id(),
                Some(&[pos_sdk::RefundLine {
                    line: bad,
                    quantity: Decimal::ONE,
                }]),
                &actor,
            )
            .unwrap_err();
        assert_eq!(e.kind(), "unknown_original_line");
        assert!(
            e.to_string()
                .starts_with(&format!("line {bad} is not a refundable line of ticket ")),
            "{e}"
        );
        assert!(e.to_string().ends_with("numbered 1 to 3"), "{e}");
    }
    // A cashier may not refund: the code and the permission say why.
    let cashier = pos_core::cart::Actor::new(
        OperatorId::new("bob").unwrap(),
        pos_core::cart::Permissions::cashier(),
    );
    for lines in [None, Some(&selection[..])] {
        let e = reg
            .refund_cart(sale.ticket.id(), lines, &cashier)
            .unwrap_err();
        assert_eq!(e.kind(), "permission_required");
        assert_eq!(
            e.to_string(),
            "refunding a ticket needs the `return` permission (a manager's right)"
        );
    }
    let refund_cart = reg
        .refund_cart(sale.ticket.id(), Some(&selection), &actor)
        .unwrap();
    let mut payment = refund_cart
        .start_payment(reg.config().tender_policy, Money::zero(Currency::EUR))
        .unwrap();
    payment
        .add(Tender::new(TenderMethod::Cash, eur("1.30")))
        .unwrap();
    let refund = reg.complete_sale(refund_cart, payment, &options()).unwrap();
    assert_eq!(refund.number, 2);
    assert_eq!(refund.ticket.total().format_plain(), "-1.30");
    // The baguette cannot be refunded twice.
    assert!(
        reg.refund_cart(sale.ticket.id(), Some(&selection), &actor)
            .is_err()
    );
    drop(reg);

    // Reopen: the data is there and a start-up is logged.
    clock.advance_millis(60_000);
    let reg = open(&path, &clock, 2);
    let t = reg
        .ticket_by_number(pos_fiscal::model::Series::T, 1)
        .unwrap();
    assert_eq!(t.total().format_plain(), "34.84");
    let report = pos_fiscal::store::verify_store(reg.connection(), &Default::default()).unwrap();
    assert!(report.defects.is_empty(), "{report:?}");
}

/// The label of the line a one-unit refund of line `line` gives back.
fn refund_line_label(reg: &Register, sale: &pos_sdk::CompletedSale, line: u32) -> String {
    let actor = pos_core::cart::Actor::new(
        OperatorId::new("alice").unwrap(),
        pos_core::cart::Permissions::manager(),
    );
    let cart = reg
        .refund_cart(
            sale.ticket.id(),
            Some(&[pos_sdk::RefundLine {
                line,
                quantity: Decimal::ONE,
            }]),
            &actor,
        )
        .unwrap();
    cart.lines()[0].label().to_owned()
}
