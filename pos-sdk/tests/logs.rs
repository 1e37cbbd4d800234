//! The till's `tracing` logs against a real in-process sync server: a
//! sale, sync rounds (one failing), a closure and a verification are
//! logged, and no log line of any thread (the server's included) holds the
//! customer's name, e-mail or phone, nor the till's sync secret. Its own
//! test binary: the capturing subscriber is the process's global one.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::customer::PersonalData;
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

#[path = "support/server.rs"]
mod support_server;
use support_server::{code, server};

const NAME: &str = "Zéphyrine";
const FAMILY: &str = "Quatremare";
const EMAIL: &str = "zephyrine.q@example.org";
const PHONE: &str = "+33611223344";
/// A port nothing listens on: the network is down.
const DOWN: &str = "http://127.0.0.1:9";

/// Every log line, as the fmt subscriber writes them.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_name_sales_rounds_and_closures_but_never_the_customer_or_a_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish(),
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let at: DateTime<Utc> = "2026-09-01T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-l").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.path().join("till.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(5),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let mut http = UreqTransport::new(running.url());
    let enrolled = pos_sdk::sync::enroll(&mut reg, &mut http, &code(&server, None), None).unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    let customer = reg
        .create_customer(
            PersonalData {
                given_name: Some(NAME.into()),
                family_name: Some(FAMILY.into()),
                email: Some(EMAIL.into()),
                phone: Some(PHONE.into()),
                address: None,
            },
            None,
        )
        .unwrap();

    clock.advance_millis(60_000);
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, Some(customer.id())).unwrap();
    payment
        .add(Tender::new(
            TenderMethod::Cash,
            Money::new(Decimal::from_str("1.30").unwrap(), Currency::EUR),
        ))
        .unwrap();
    let mut options = SaleOptions::by(OperatorId::new("alice").unwrap());
    options.customer = Some(customer.id().clone());
    reg.complete_sale(cart, payment, &options).unwrap();

    pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
    // A round that fails: the till goes offline, then comes back.
    let mut down = UreqTransport::new(DOWN);
    assert!(pos_sdk::sync::sync_register(&mut reg, &client, &mut down).is_err());
    pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
    clock.advance_millis(3_600_000);
    reg.close_day(None, None, &OperatorId::new("alice").unwrap())
        .unwrap();
    assert!(reg.verify().unwrap().is_intact());
    drop(reg);
    drop(running);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "sale committed",
        "number=1",
        "total=1.30",
        "sync round started",
        "sync round finished",
        "sync round failed",
        "till offline (JET 70)",
        "till back online (JET 120)",
        "closure written",
        "journal verified: intact",
    ] {
        assert!(logs.contains(expected), "no {expected:?} in:\n{logs}");
    }
    for secret in [
        NAME,
        FAMILY,
        EMAIL,
        PHONE,
        "zephyrine",
        "33611223344",
        enrolled.secret.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret:?} logged:\n{logs}");
    }
}
