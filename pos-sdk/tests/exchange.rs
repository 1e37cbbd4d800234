//! Exchanges as one ticket through the facade, on a real SQLite file: a
//! T-shirt in M brought back for an L (even), for a jacket (the customer
//! pays the balance by card), for a cap (the till pays back in cash, or as
//! store credit). One fiscal record of kind `exchange` each, both stock
//! movements, loyalty both ways, one outbox event; the Z to the cent.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::customer::PersonalData;
use pos_core::ids::{CustomerId, LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::loyalty::LoyaltyProgram;
use pos_core::stock::MovementReason;
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Tender, TenderMethod};
use pos_core::ticket::TicketKind;
use pos_core::{CoreError, Currency, Money};
use pos_fiscal::payload::{ClosureLevel, ClosurePayload};
use pos_hw::receipt::OutputFormat;
use pos_sdk::{
    CompletedSale, IdGenerator, ManualClock, RefundLine, Register, RegisterConfig, SaleOptions,
    SdkError,
};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

const CATALOG: &str = r#"{
  "currency": "EUR",
  "products": [
    {"id": "P-TEE", "name": "T-shirt", "vat": "20",
     "variants": [
       {"sku": "TEE-M", "attributes": [{"name": "taille", "value": "M"}], "barcodes": ["2000000000015"], "price": "25.00"},
       {"sku": "TEE-L", "attributes": [{"name": "taille", "value": "L"}], "barcodes": ["2000000000022"], "price": "25.00"}]},
    {"id": "P-JACKET", "name": "Veste", "vat": "20",
     "variants": [{"sku": "JACKET", "barcodes": ["2000000000039"], "price": "60.00"}]},
    {"id": "P-BOOK", "name": "Livre", "vat": "5.5",
     "variants": [{"sku": "BOOK", "barcodes": ["2000000000046"], "price": "8.00"}]}
  ]
}"#;

#[path = "support/server.rs"]
mod support_server;

const TEE_M: &str = "2000000000015";
const TEE_L: &str = "2000000000022";
const JACKET: &str = "2000000000039";
const BOOK: &str = "2000000000046";

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn op(name: &str) -> OperatorId {
    OperatorId::new(name).unwrap()
}

struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
    customer: CustomerId,
    _dir: tempfile::TempDir,
}

fn till() -> Till {
    till_of("lyon-2")
}

fn till_of(store: &str) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let at: DateTime<Utc> = "2026-05-02T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let config = RegisterConfig::france(
        StoreId::new(store).unwrap(),
        RegisterId::new("till-7").unwrap(),
        shop(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.path().join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(7),
    )
    .unwrap();
    reg.import_catalog_json(CATALOG).unwrap();
    reg.set_loyalty_program(Some(&LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: eur("0.01"),
        expiry_days: Some(365),
        tier_window_days: 365,
    }))
    .unwrap();
    for s in ["TEE-M", "TEE-L", "JACKET", "BOOK"] {
        reg.record_stock(
            MovementReason::Receipt,
            &sku(s),
            &shop(),
            Decimal::TEN,
            &op("alice"),
            None,
        )
        .unwrap();
    }
    let customer = reg
        .create_customer(
            PersonalData {
                given_name: Some("Camille".into()),
                family_name: Some("Martin".into()),
                email: None,
                phone: None,
                address: None,
            },
            None,
        )
        .unwrap()
        .id()
        .clone();
    Till {
        reg,
        clock,
        customer,
        _dir: dir,
    }
}

fn manager() -> Actor {
    Actor::new(op("bob"), Permissions::manager())
}

fn options(t: &Till, key: Option<&str>) -> SaleOptions {
    let mut o = SaleOptions::by(op("bob"));
    o.customer = Some(t.customer.clone());
    o.ticket_id = key.map(str::to_owned);
    o
}

impl Till {
    fn on_hand(&self, s: &str) -> Decimal {
        self.reg.stock_level(&sku(s), &shop()).unwrap().on_hand
    }

    fn points(&self) -> u64 {
        self.reg.loyalty_balance(&self.customer).unwrap()
    }

    /// Three M T-shirts for the customer, paid by card.
    fn sell_three_tees(&mut self) -> CompletedSale {
        self.clock.advance_millis(60_000);
        let ctx = self.reg.price_context(None);
        let mut cart = self.reg.new_cart();
        for _ in 0..3 {
            self.reg.scan(&mut cart, TEE_M, &ctx).unwrap();
        }
        let mut payment = self.reg.start_payment(&cart, Some(&self.customer)).unwrap();
        payment
            .add(Tender::new(TenderMethod::Card, eur("75.00")))
            .unwrap();
        let o = options(self, None);
        self.reg.complete_sale(cart, payment, &o).unwrap()
    }

    /// Gives back line `line` (one M) of `original` and takes `new`,
    /// settled by `tender`.
    fn exchange(
        &mut self,
        original: &str,
        line: u32,
        new: &str,
        tender: Option<Tender>,
        key: Option<&str>,
    ) -> Result<CompletedSale, SdkError> {
        self.clock.advance_millis(60_000);
        let mut cart = self.reg.exchange_cart(
            original,
            &[RefundLine {
                line,
                quantity: Decimal::ONE,
            }],
            &manager(),
        )?;
        let ctx = self.reg.price_context(None);
        self.reg.scan(&mut cart, new, &ctx)?;
        let mut payment = self.reg.start_payment(&cart, Some(&self.customer))?;
        if let Some(t) = tender {
            payment.add(t)?;
        }
        let o = options(self, key);
        self.reg
            .complete_sale(cart, payment, &o)
            .map_err(|r| r.error)
    }

    fn record_kind(&self, sale: &CompletedSale) -> String {
        self.reg
            .connection()
            .query_row(
                "SELECT kind FROM fiscal_record WHERE series = ?1 AND number = ?2",
                rusqlite::params![sale.series.code(), i64::try_from(sale.number).unwrap()],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn outbox_kinds(&self) -> Vec<String> {
        let mut st = self
            .reg
            .connection()
            .prepare("SELECT kind FROM outbox ORDER BY seq")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn count(&self, table: &str) -> i64 {
        self.reg
            .connection()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }
}

#[test]
fn exchanges_of_every_balance_are_one_ticket_each() {
    let mut t = till();
    t.reg
        .issue_stored_value(
            "CREDIT-0001-2026",
            StoredValueKind::StoreCredit,
            eur("1.00"),
            None,
        )
        .unwrap();
    let sale = t.sell_three_tees();
    let id = sale.ticket.id().to_owned();
    assert_eq!(t.points(), 75);
    assert_eq!(t.on_hand("TEE-M"), Decimal::from(7));

    // Even: M for L, nothing to pay.
    let even = t.exchange(&id, 1, TEE_L, None, None).unwrap();
    assert_eq!(even.ticket.kind(), TicketKind::Exchange);
    assert!(even.ticket.total().is_zero());
    assert_eq!(t.record_kind(&even), "exchange");
    assert_eq!(
        (t.on_hand("TEE-M"), t.on_hand("TEE-L")),
        (Decimal::from(8), Decimal::from(9))
    );
    assert_eq!(t.points(), 75); // 25 given back, 25 earned

    // M for a jacket: +35.00 by card.
    let plus = t
        .exchange(
            &id,
            2,
            JACKET,
            Some(Tender::new(TenderMethod::Card, eur("35.00"))),
            None,
        )
        .unwrap();
    assert_eq!(plus.ticket.total(), eur("35.00"));
    assert_eq!(
        (t.on_hand("TEE-M"), t.on_hand("JACKET")),
        (Decimal::from(9), Decimal::from(9))
    );
    assert_eq!(t.points(), 75 - 25 + 60);

    // The last M for a book: 17.00 paid back as store credit.
    let credit = TenderMethod::StoreCredit {
        reference: "CREDIT-0001-2026".into(),
    };
    let minus = t
        .exchange(&id, 3, BOOK, Some(Tender::new(credit, eur("17.00"))), None)
        .unwrap();
    assert_eq!(minus.ticket.total(), eur("-17.00"));
    assert_eq!(
        t.reg.stored_value("CREDIT-0001-2026").unwrap().balance(),
        eur("18.00")
    );
    assert_eq!(
        (t.on_hand("TEE-M"), t.on_hand("BOOK")),
        (Decimal::from(10), Decimal::from(9))
    );
    assert_eq!(t.points(), 110 - 25 + 8);

    // Every M is back: a fourth exchange is refused, nothing written.
    let before = (
        t.count("fiscal_record"),
        t.count("tickets"),
        t.count("outbox"),
    );
    let e = t.exchange(&id, 2, TEE_L, None, None).unwrap_err();
    assert!(
        matches!(
            e,
            SdkError::Core(CoreError::RefundExceedsRefundable { line: 1, .. })
        ),
        "{e:?}"
    );
    assert_eq!(
        (
            t.count("fiscal_record"),
            t.count("tickets"),
            t.count("outbox")
        ),
        before
    );
    let quantities = t.reg.refunded_quantities(&id).unwrap();
    assert_eq!(quantities.values().sum::<Decimal>(), Decimal::from(3));
    let kinds = t.outbox_kinds();
    assert_eq!(
        kinds.iter().filter(|k| k.as_str() == "exchange").count(),
        3,
        "{kinds:?}"
    );

    // The Z to the cent: 20 %: 75.00 + 0 + 35.00 − 25.00; 5.5 %: 8.00.
    t.reg.close_day(None, None, &op("bob")).unwrap();
    let z: ClosurePayload = pos_fiscal::store::closures(t.reg.connection(), ClosureLevel::Day)
        .unwrap()
        .pop()
        .unwrap()
        .1;
    assert_eq!(z.vat[&2000].gross, 8500);
    assert_eq!(z.vat[&550].gross, 800);
    assert_eq!(z.period_total, 9300);
    assert_eq!(z.perpetual_total, 9300);
    assert_eq!((z.sales, z.exchanges, z.exchange_returns), (1, 3, -7500));
    assert_eq!(z.payments.get("card"), Some(&11000));
    assert_eq!(z.payments.get("stored_value"), Some(&-1700));
    let report = t.reg.verify().unwrap();
    assert!(report.defects.is_empty(), "{}", report.to_json());
}

#[test]
fn an_exchange_paid_back_in_cash_moves_the_drawer_and_prints_echange() {
    let mut t = till();
    let mut s = t.reg.settings();
    s.set("trader_name", "Boutique Bellecour").unwrap();
    s.set("siret", "404 833 048 00022").unwrap();
    assert!(t.reg.set_settings(s, &op("bob")).unwrap());
    let sale = t.sell_three_tees();
    let id = sale.ticket.id().to_owned();
    let minus = t
        .exchange(
            &id,
            1,
            BOOK,
            Some(Tender::new(TenderMethod::Cash, eur("17.00"))),
            None,
        )
        .unwrap();
    assert_eq!(minus.ticket.total(), eur("-17.00"));
    assert_eq!(minus.ticket.payments()[0].applied, eur("-17.00"));
    let printed = t
        .reg
        .print_receipt(minus.series, minus.number, OutputFormat::Text, &op("bob"))
        .unwrap();
    let text = String::from_utf8(printed.bytes).unwrap();
    assert!(text.contains("ÉCHANGE"), "{text}");
    assert!(
        text.contains(&format!("Ticket d'origine n° T{}", sale.number)),
        "{text}"
    );
    assert!(text.contains("-25,00"), "{text}");
    assert!(text.contains("8,00"), "{text}");
    assert!(t.reg.verify().unwrap().defects.is_empty());
}

#[test]
fn a_retried_exchange_with_the_same_key_is_the_same_ticket() {
    let mut t = till();
    let sale = t.sell_three_tees();
    t.clock.advance_millis(60_000);
    let line = [RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }];
    let mut cart = t
        .reg
        .exchange_cart(sale.ticket.id(), &line, &manager())
        .unwrap();
    let ctx = t.reg.price_context(None);
    t.reg.scan(&mut cart, JACKET, &ctx).unwrap();
    let mut payment = t.reg.start_payment(&cart, Some(&t.customer)).unwrap();
    payment
        .add(Tender::new(TenderMethod::Card, eur("35.00")))
        .unwrap();
    let o = options(&t, Some("xchg-1"));
    // The app kept its cart and payment; the answer of the first try was lost.
    let first = t
        .reg
        .complete_sale(cart.clone(), payment.clone(), &o)
        .unwrap();
    let n = (t.count("fiscal_record"), t.count("outbox"));
    let points = t.points();
    t.clock.advance_millis(5_000);
    let again = t.reg.complete_sale(cart, payment, &o).unwrap();
    assert_eq!(again.ticket.id(), first.ticket.id());
    assert_eq!((again.series, again.number), (first.series, first.number));
    assert_eq!((t.count("fiscal_record"), t.count("outbox")), n);
    assert_eq!(t.on_hand("JACKET"), Decimal::from(9));
    assert_eq!(t.points(), points);
}

#[test]
fn an_exchange_needs_the_return_permission_and_known_lines() {
    let mut t = till();
    let sale = t.sell_three_tees();
    let cashier = Actor::new(op("carl"), Permissions::cashier());
    let line = [RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }];
    let e = t
        .reg
        .exchange_cart(sale.ticket.id(), &line, &cashier)
        .unwrap_err();
    assert_eq!(e.kind(), "permission_required");
    let e = t
        .reg
        .exchange_cart(
            sale.ticket.id(),
            &[RefundLine {
                line: 4,
                quantity: Decimal::ONE,
            }],
            &manager(),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            SdkError::UnknownRefundLine {
                line: 4,
                lines: 3,
                ..
            }
        ),
        "{e:?}"
    );
    let e = t
        .reg
        .exchange_cart(
            sale.ticket.id(),
            &[RefundLine {
                line: 1,
                quantity: Decimal::from(2),
            }],
            &manager(),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            SdkError::Core(CoreError::RefundExceedsRefundable { line: 0, .. })
        ),
        "{e:?}"
    );
}

/// The sync server takes the exchange event and applies both stock
/// movements: the returned M comes back, the L goes out.
#[test]
fn an_exchange_event_syncs_and_moves_the_servers_stock_both_ways() {
    let mut t = till_of("lille-1");
    let (server, running) = support_server::server(t._dir.path());
    let code = support_server::code(&server, None);
    let mut http = pos_sync::http_client::UreqTransport::new(running.url());
    pos_sdk::sync::enroll(&mut t.reg, &mut http, &code, None).unwrap();
    let client = pos_sdk::sync::client(&mut t.reg).unwrap().unwrap();
    let sale = t.sell_three_tees();
    let id = sale.ticket.id().to_owned();
    t.exchange(&id, 1, TEE_L, None, None).unwrap();
    pos_sdk::sync::sync_register(&mut t.reg, &client, &mut http).unwrap();
    let status = server.device_status("lille-1/till-7").unwrap();
    assert_eq!(status.quarantined, 0);
    let events: i64 = t
        .reg
        .connection()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status.acked_seq, u64::try_from(events).unwrap());
    let (levels, sums) = server.stock_audit("lille-1").unwrap();
    let at = |s: &str| sums[&(s.to_string(), "shop".to_string())];
    // Received 10 each; sold 3 M, 1 M back and 1 L out.
    assert_eq!(at("TEE-M"), Decimal::from(8));
    assert_eq!(at("TEE-L"), Decimal::from(9));
    assert_eq!(
        levels[&("TEE-L".to_string(), "shop".to_string())].0,
        Decimal::from(9)
    );
    let kinds: Vec<String> = server
        .with_tx(|tx| tx.fiscal_records("lille-1/till-7"))
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "exchange"), "{kinds:?}");

    // The till lost: restored from the server's copy, its exchange record's
    // derived columns and the running totals are rebuilt and verify.
    let code = support_server::code(&server, Some("lille-1/till-7"));
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-7").unwrap(),
        shop(),
    )
    .unwrap();
    let (restored, _) = pos_sdk::restore::restore_with_key_file(
        &t._dir.path().join("restored.sqlite"),
        config,
        t.clock.clone(),
        IdGenerator::seeded(8),
        &mut http,
        &code,
    )
    .unwrap();
    let (ref_series, amount): (String, i64) = restored
        .connection()
        .query_row(
            "SELECT ref_series, amount FROM fiscal_record WHERE kind = 'exchange'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((ref_series.as_str(), amount), ("T", 0));
    // (The restored till signs with a new key; the old one's records are
    // checked against the server's key ring, not here: only the caches.)
    let report = restored.verify().unwrap();
    let caches: Vec<_> = report
        .defects
        .iter()
        .filter(|d| d.kind == pos_fiscal::verify::DefectKind::Cache)
        .collect();
    assert!(caches.is_empty(), "{caches:?}");
}
