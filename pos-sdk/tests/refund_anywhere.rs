//! Refund anywhere in the retailer (issue 16), end to end with a real
//! in-process sync server: a sale at till A1 of store lille-1 is refunded
//! at till B1 of store lens-1 (same retailer) after a reservation; A1 pulls
//! and counts the line refunded, so it cannot refund it again; offline, B1
//! follows the retailer's policy (refused under `refuse`, allowed with a
//! manager under `manager_approval` as a refund without verified original,
//! flagged by the server when it syncs because it over-refunds); every
//! journal verifies.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::Utc;
use pos_core::cart::{Actor, Cart, Permissions};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_sdk::refund_anywhere::{FoundOriginal, RefundAnywhereError};
use pos_sdk::{Clock, IdGenerator, ManualClock, RefundLine, Register, RegisterConfig, SaleOptions};
use pos_server::{Server, SqliteStorage};
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use std::sync::Arc;

#[path = "support/server.rs"]
mod support_server;
use support_server::server;

struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
}

impl Till {
    fn tick(&self) {
        self.clock.advance_millis(1);
        let now = Utc::now();
        if now > self.clock.now() {
            self.clock.set(now);
        }
    }

    fn sync(&mut self, url: &str) {
        self.tick();
        let client = pos_sdk::sync::client(&mut self.reg).unwrap().unwrap();
        let report =
            pos_sdk::sync::sync_register(&mut self.reg, &client, &mut UreqTransport::new(url))
                .unwrap();
        assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    }

    fn pay_back(&mut self, cart: Cart, operator: &str) -> pos_sdk::CompletedSale {
        self.tick();
        let mut pay = self.reg.start_payment(&cart, None).unwrap();
        let back = pay.outstanding().unwrap();
        pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
        self.reg
            .complete_sale(
                cart,
                pay,
                &SaleOptions::by(OperatorId::new(operator).unwrap()),
            )
            .unwrap()
    }
}

fn till(
    dir: &std::path::Path,
    server: &Server<SqliteStorage>,
    url: &str,
    store: &str,
    name: &str,
    seed: u64,
) -> Till {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut config = RegisterConfig::france(
        StoreId::new(store).unwrap(),
        RegisterId::new(name).unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    config.receipt.trader = pos_hw::receipt::TraderFacts {
        name: "Boulangerie test".into(),
        address: vec!["1 rue de l'Exemple".into(), "59000 Lille".into()],
        siret: "40483304800022".into(),
        vat_number: Some("FR83404833048".into()),
    };
    let mut reg = Register::open_with_key_file(
        &dir.join(format!("{name}.sqlite")),
        config,
        clock.clone(),
        IdGenerator::seeded(seed),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let code = server
        .enrolment_code("r1", store, None, 3_600_000, Utc::now())
        .unwrap()
        .0
        .secret;
    pos_sdk::sync::enroll(&mut reg, &mut UreqTransport::new(url), &code, None).unwrap();
    Till { reg, clock }
}

fn manager() -> Actor {
    Actor::new(OperatorId::new("boss").unwrap(), Permissions::manager())
}

fn one(line: u32) -> [RefundLine; 1] {
    [RefundLine {
        line,
        quantity: Decimal::ONE,
    }]
}

fn verify(t: &Till) {
    let report =
        pos_sdk::verify::verify_connection(t.reg.connection(), &Default::default()).unwrap();
    assert!(report.defects.is_empty(), "{:?}", report.defects);
}

#[test]
fn a_sale_at_one_store_is_refunded_once_at_another() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    server
        .with_tx(|tx| {
            tx.bo_put_store("lens-1", "r1")?;
            Ok(())
        })
        .unwrap();
    let mut a1 = till(dir.path(), &server, &url, "lille-1", "A1", 1);
    let mut b1 = till(dir.path(), &server, &url, "lens-1", "B1", 2);

    // Two baguettes sold at A1, pushed.
    a1.tick();
    let ctx = a1.reg.price_context(None);
    let mut cart = a1.reg.new_cart();
    a1.reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let line = cart.lines()[0].id();
    cart.set_quantity(line, Decimal::from(2)).unwrap();
    let mut pay = a1.reg.start_payment(&cart, None).unwrap();
    let due = pay.remaining().unwrap();
    pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
    let sale = a1
        .reg
        .complete_sale(cart, pay, &SaleOptions::by(OperatorId::new("al").unwrap()))
        .unwrap();
    let id = sale.ticket.id().to_owned();
    assert_eq!(sale.ticket.lines()[0].quantity, Decimal::from(2));
    a1.sync(&url);

    // B1 finds it by its number, reserves one unit and refunds it.
    b1.tick();
    let reference = format!("A1/T{}", sale.number);
    let found = b1
        .reg
        .find_original(&reference, Some(&mut UreqTransport::new(&url)))
        .unwrap();
    assert!(found.verified);
    assert_eq!(
        (found.store.as_str(), found.register.as_str()),
        ("lille-1", "A1")
    );
    assert_eq!(found.refundable[&1], Decimal::from(2));
    assert_eq!(
        found.reference("lens-1"),
        format!("lille-1/A1/T{}", sale.number)
    );
    let cart = b1
        .reg
        .refund_cart_from(&found, Some(&one(1)), &manager())
        .unwrap();
    let r = b1
        .reg
        .reserve_refund(&found, &cart, "b1-refund-1", &mut UreqTransport::new(&url))
        .unwrap();
    assert_eq!(r.ticket_id, id);
    let refund = b1.pay_back(cart, "boss");
    let (series, number, register) = refund_reference(&b1, refund.number);
    assert_eq!((series.as_str(), number), ("T", sale.number));
    assert_eq!(register.as_deref(), Some("lille-1/A1"));
    // The receipt names the original's till, series and number.
    let facts = b1
        .reg
        .stored_receipt_facts(refund.series, refund.number)
        .unwrap();
    assert_eq!(
        facts.kind,
        pos_hw::receipt::ReceiptKind::Refund {
            original: format!("lille-1/A1/T{}", sale.number)
        }
    );
    b1.sync(&url);

    // A1 pulls: the unit refunded at B1 counts; only one is left.
    a1.sync(&url);
    assert_eq!(
        a1.reg.refunded_quantities(&id).unwrap().get(&0),
        Some(&Decimal::ONE)
    );
    let two = [RefundLine {
        line: 1,
        quantity: Decimal::from(2),
    }];
    assert!(a1.reg.refund_cart(&id, Some(&two), &manager()).is_err());
    // A1 refunds the last unit locally and pushes it.
    let cart = a1.reg.refund_cart(&id, Some(&one(1)), &manager()).unwrap();
    a1.pay_back(cart, "boss");
    a1.sync(&url);

    // B1 cannot take it again: the server counts both refunds.
    b1.tick();
    let found = b1
        .reg
        .find_original(&id, Some(&mut UreqTransport::new(&url)))
        .unwrap();
    assert_eq!(found.refundable[&1], Decimal::ZERO);
    match b1.reg.refund_cart_from(&found, Some(&one(1)), &manager()) {
        Err(RefundAnywhereError::Exceeds { line: 1, left, .. }) => assert!(left.is_zero()),
        other => panic!("{other:?}"),
    }
    // Even with a stale view, the reservation is refused.
    let stale = FoundOriginal {
        refundable: [(1, Decimal::from(2))].into_iter().collect(),
        ..found.clone()
    };
    let cart = b1
        .reg
        .refund_cart_from(&stale, Some(&one(1)), &manager())
        .unwrap();
    match b1
        .reg
        .reserve_refund(&stale, &cart, "b1-refund-2", &mut UreqTransport::new(&url))
    {
        Err(RefundAnywhereError::Exceeds {
            line: 1,
            left,
            asked,
        }) => {
            assert_eq!((left, asked), (Decimal::ZERO, Decimal::ONE));
        }
        other => panic!("{other:?}"),
    }

    // Offline: the server is not reached.
    let mut dead = UreqTransport::new("http://127.0.0.1:9");
    let offline = b1.reg.find_original(&id, Some(&mut dead)).unwrap();
    assert!(!offline.verified);
    let cashier = Actor::new(
        OperatorId::new("cash").unwrap(),
        Permissions::cashier().with(pos_core::cart::Permission::Return),
    );
    assert_eq!(
        b1.reg
            .check_offline_refund(&offline, &manager())
            .unwrap_err()
            .code(),
        "offline_refund_refused"
    );
    assert_eq!(b1.reg.settings().get("offline_refund").unwrap(), "refuse");
    let boss = OperatorId::new("boss").unwrap();
    assert!(
        b1.reg
            .set_offline_refund_policy("sometimes", &boss)
            .is_err()
    );
    b1.reg
        .set_offline_refund_policy("manager_approval", &boss)
        .unwrap();
    assert_eq!(
        b1.reg.settings().get("offline_refund").unwrap(),
        "manager_approval"
    );
    assert!(matches!(
        b1.reg.check_offline_refund(&offline, &cashier),
        Err(RefundAnywhereError::OfflineRefused { .. })
    ));
    b1.reg.check_offline_refund(&offline, &manager()).unwrap();
    // B1 only knows its own refund: one unit looks left, and is refunded.
    assert_eq!(offline.refundable[&1], Decimal::ONE);
    let cart = b1
        .reg
        .refund_cart_from(&offline, Some(&one(1)), &manager())
        .unwrap();
    b1.pay_back(cart, "boss");
    assert!(server.refund_flags("r1").unwrap().is_empty());
    b1.sync(&url);
    let flags = server.refund_flags("r1").unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].reason, "over_refund");
    assert_eq!(flags[0].original, id);
    assert_eq!(flags[0].line, Some(1));
    assert_eq!(flags[0].excess, Some(Decimal::ONE));
    assert!(flags[0].unverified);

    verify(&a1);
    verify(&b1);
}

/// A return found by its gift-receipt code is paid back as store credit
/// only: a card pay-back is refused with `gift_store_credit_only` and
/// writes nothing; store credit goes through; an exchange from the gift
/// receipt may still be topped up by card.
#[test]
fn a_gift_receipt_return_is_paid_back_in_store_credit_only() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    server
        .with_tx(|tx| {
            tx.bo_put_store("lens-1", "r1")?;
            Ok(())
        })
        .unwrap();
    let mut a1 = till(dir.path(), &server, &url, "lille-1", "A1", 31);
    let mut b1 = till(dir.path(), &server, &url, "lens-1", "B1", 32);
    a1.tick();
    let ctx = a1.reg.price_context(None);
    let mut cart = a1.reg.new_cart();
    a1.reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let line = cart.lines()[0].id();
    cart.set_quantity(line, Decimal::from(2)).unwrap();
    let mut pay = a1.reg.start_payment(&cart, None).unwrap();
    let due = pay.remaining().unwrap();
    pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
    let sale = a1
        .reg
        .complete_sale(cart, pay, &SaleOptions::by(OperatorId::new("al").unwrap()))
        .unwrap();
    let id = sale.ticket.id().to_owned();
    a1.sync(&url);

    b1.tick();
    let found = b1
        .reg
        .find_original(&format!("GIFT-{id}"), Some(&mut UreqTransport::new(&url)))
        .unwrap();
    assert!(found.gift && found.verified);
    let records = |t: &Till| -> i64 {
        t.reg
            .connection()
            .query_row("SELECT COUNT(*) FROM fiscal_record", [], |r| r.get(0))
            .unwrap()
    };
    let before = records(&b1);

    // By card: refused, naming the original and the tender; nothing written.
    let cart = b1
        .reg
        .refund_cart_from(&found, Some(&one(1)), &manager())
        .unwrap();
    let mut pay = b1.reg.start_payment(&cart, None).unwrap();
    let back = pay.outstanding().unwrap();
    pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
    let refused = b1
        .reg
        .complete_sale(
            cart,
            pay,
            &SaleOptions::by(OperatorId::new("boss").unwrap()),
        )
        .unwrap_err();
    assert_eq!(refused.error.kind(), "gift_store_credit_only");
    let message = refused.error.to_string();
    assert!(
        message.contains(&id) && message.contains("card"),
        "{message}"
    );
    assert_eq!(records(&b1), before);

    // As store credit: recorded, the credit loaded.
    let credit_code = "CREDIT-0031-2026";
    b1.reg
        .issue_stored_value(
            credit_code,
            pos_core::stored_value::StoredValueKind::StoreCredit,
            pos_core::money::Money::parse("1.00", pos_core::money::Currency::EUR).unwrap(),
            None,
        )
        .unwrap();
    let before = records(&b1);
    let cart = refused.cart;
    let mut pay = b1.reg.start_payment(&cart, None).unwrap();
    let back = pay.outstanding().unwrap();
    pay.add(Tender::new(
        TenderMethod::StoreCredit {
            reference: credit_code.into(),
        },
        back,
    ))
    .unwrap();
    b1.tick();
    b1.reg
        .complete_sale(
            cart,
            pay,
            &SaleOptions::by(OperatorId::new("boss").unwrap()),
        )
        .unwrap();
    assert!(records(&b1) > before);
    assert_eq!(
        b1.reg.stored_value(credit_code).unwrap().balance().amount(),
        Decimal::ONE + back.amount()
    );

    // An exchange of the other unit for a dearer item: the receiver pays
    // the difference by card.
    let found = b1
        .reg
        .find_original(&format!("GIFT-{id}"), Some(&mut UreqTransport::new(&url)))
        .unwrap();
    let mut cart = b1
        .reg
        .exchange_cart_from(&found, &one(1), &manager())
        .unwrap();
    let ctx = b1.reg.price_context(None);
    b1.reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let line = cart.lines().last().unwrap().id();
    cart.set_quantity(line, Decimal::from(3)).unwrap();
    let mut pay = b1.reg.start_payment(&cart, None).unwrap();
    let due = pay.remaining().unwrap();
    assert!(!due.is_zero() && !due.is_negative());
    pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
    b1.tick();
    b1.reg
        .complete_sale(
            cart,
            pay,
            &SaleOptions::by(OperatorId::new("boss").unwrap()),
        )
        .unwrap();
    b1.sync(&url);
    verify(&b1);
}

/// The original's series, number and till as the refund's signed record
/// names them.
fn refund_reference(t: &Till, number: u64) -> (String, u64, Option<String>) {
    let records = pos_fiscal::store::rows::load_records(t.reg.connection()).unwrap();
    let rec = records
        .iter()
        .find(|r| r.series == pos_fiscal::Series::T && r.number == number)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
    let v = &v["ticket"];
    let original = &v["original"];
    (
        original["series"].as_str().unwrap_or_default().to_owned(),
        original["number"].as_u64().unwrap_or_default(),
        v["original_register"].as_str().map(str::to_owned),
    )
}
