//! Exchanges anywhere in the retailer (issue 16), end to end with a real
//! in-process sync server: two M T-shirts sold at till A1 of store
//! lille-1; at till B1 of store lens-1, one M is exchanged for an L
//! (balance 0) and the other for a jacket (balance paid by card), each
//! found through the server, reserved and recorded with A1's reference
//! (signed record and receipt);
//! after its pull, A1 cannot refund the line any more; both journals
//! verify and the server's stock moved in both stores.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::Utc;
use pos_core::cart::{Actor, Permissions};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::ticket::TicketKind;
use pos_sdk::refund_anywhere::RefundAnywhereError;
use pos_sdk::{Clock, IdGenerator, ManualClock, RefundLine, Register, RegisterConfig, SaleOptions};
use pos_server::{Server, SqliteStorage};
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use std::sync::Arc;

#[path = "support/server.rs"]
mod support_server;

const CATALOG: &str = r#"{
  "currency": "EUR",
  "products": [
    {"id": "P-TEE", "name": "T-shirt", "vat": "20",
     "variants": [
       {"sku": "TEE-M", "attributes": [{"name": "taille", "value": "M"}], "barcodes": ["2000000000015"], "price": "25.00"},
       {"sku": "TEE-L", "attributes": [{"name": "taille", "value": "L"}], "barcodes": ["2000000000022"], "price": "25.00"}]},
    {"id": "P-JACKET", "name": "Veste", "vat": "20",
     "variants": [{"sku": "JACKET", "barcodes": ["2000000000039"], "price": "60.00"}]}
  ]
}"#;

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

    /// Gives back one unit of line 1 of `reference` (found through the
    /// server at `url`) and takes `new`, the balance paid by card.
    fn exchange(
        &mut self,
        url: &str,
        reference: &str,
        new: &str,
        key: &str,
    ) -> pos_sdk::CompletedSale {
        self.tick();
        let mut http = UreqTransport::new(url);
        let found = self.reg.find_original(reference, Some(&mut http)).unwrap();
        assert!(found.verified);
        assert_eq!(found.reference("lens-1"), format!("lille-1/{reference}"));
        let mut cart = self
            .reg
            .exchange_cart_from(&found, &one(), &manager())
            .unwrap();
        let r = self
            .reg
            .reserve_refund(&found, &cart, key, &mut http)
            .unwrap();
        assert_eq!(r.ticket_id, found.ticket.id());
        let ctx = self.reg.price_context(None);
        self.reg.scan(&mut cart, new, &ctx).unwrap();
        let mut pay = self.reg.start_payment(&cart, None).unwrap();
        let due = pay.remaining().unwrap();
        if !due.is_zero() {
            pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
        }
        let mut options = SaleOptions::by(OperatorId::new("boss").unwrap());
        options.ticket_id = Some(key.to_owned());
        self.reg.complete_sale(cart, pay, &options).unwrap()
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
        name: "Mode test".into(),
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
    reg.import_catalog_json(CATALOG).unwrap();
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

fn one() -> [RefundLine; 1] {
    [RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }]
}

fn verify(t: &Till) {
    let report =
        pos_sdk::verify::verify_connection(t.reg.connection(), &Default::default()).unwrap();
    assert!(report.defects.is_empty(), "{:?}", report.defects);
}

#[test]
fn a_tee_bought_in_one_store_is_exchanged_in_another_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = support_server::server(dir.path());
    let url = running.url().to_owned();
    server
        .with_tx(|tx| tx.bo_put_store("lens-1", "r1"))
        .unwrap();
    let mut a1 = till(dir.path(), &server, &url, "lille-1", "A1", 1);
    let mut b1 = till(dir.path(), &server, &url, "lens-1", "B1", 2);

    // Two M T-shirts sold at A1, pushed.
    a1.tick();
    let ctx = a1.reg.price_context(None);
    let mut cart = a1.reg.new_cart();
    a1.reg.scan(&mut cart, "2000000000015", &ctx).unwrap();
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
    let reference = format!("A1/T{}", sale.number);

    // At B1: an M for an L, an even exchange.
    let even = b1.exchange(&url, &reference, "2000000000022", "x-even");
    assert_eq!(even.ticket.kind(), TicketKind::Exchange);
    assert!(even.ticket.total().amount().is_zero());
    assert_eq!(
        even.ticket.originals().first().map(String::as_str),
        Some(id.as_str())
    );
    // The signed record and the receipt name A1's till, series and number.
    let records = pos_fiscal::store::rows::load_records(b1.reg.connection()).unwrap();
    let rec = records
        .iter()
        .find(|r| r.series == even.series && r.number == even.number)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&rec.payload).unwrap();
    assert_eq!(v["ticket"]["original"]["number"], sale.number, "{v}");
    assert_eq!(v["ticket"]["original_register"], "lille-1/A1", "{v}");
    let facts = b1
        .reg
        .stored_receipt_facts(even.series, even.number)
        .unwrap();
    assert_eq!(
        facts.kind,
        pos_hw::receipt::ReceiptKind::Exchange {
            original: format!("lille-1/{reference}")
        }
    );
    b1.sync(&url);
    // The other M for a jacket: 35.00 paid.
    let paid = b1.exchange(&url, &reference, "2000000000039", "x-paid");
    assert_eq!(paid.ticket.total().amount(), Decimal::new(3500, 2));
    b1.sync(&url);

    // Nothing left of the line, at B1 through the server...
    let mut http = UreqTransport::new(&url);
    let found = b1.reg.find_original(&reference, Some(&mut http)).unwrap();
    assert_eq!(found.refundable[&1], Decimal::ZERO);
    match b1.reg.exchange_cart_from(&found, &one(), &manager()) {
        Err(e @ RefundAnywhereError::Exceeds { .. }) => {
            assert_eq!(e.code(), "refund_exceeds_remaining");
        }
        other => panic!("{other:?}"),
    }
    // ...and at A1 after its pull, on its own count.
    a1.sync(&url);
    let refused = a1
        .reg
        .refund_cart(&id, Some(&one()), &manager())
        .unwrap_err();
    assert_eq!(refused.kind(), "refund_exceeds_refundable", "{refused}");

    verify(&a1);
    verify(&b1);

    // The server's stock: two M out at lille-1; at lens-1, two M back, an
    // L and a jacket out.
    let sums = |store: &str| server.stock_audit(store).unwrap().1;
    let at = |sums: &std::collections::BTreeMap<(String, String), Decimal>, s: &str| {
        sums.get(&(s.to_string(), "shop".to_string()))
            .copied()
            .unwrap_or_default()
    };
    let lille = sums("lille-1");
    assert_eq!(at(&lille, "TEE-M"), Decimal::from(-2));
    let lens = sums("lens-1");
    assert_eq!(at(&lens, "TEE-M"), Decimal::from(2));
    assert_eq!(at(&lens, "TEE-L"), Decimal::from(-1));
    assert_eq!(at(&lens, "JACKET"), Decimal::from(-1));
}
