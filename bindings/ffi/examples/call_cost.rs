//! Per-call cost of adding an item and completing a sale, in Rust: once
//! straight on the pos-sdk facade and once through pos-ffi's exported API
//! (conversion, mutex and panic guard, no foreign boundary). The Python and
//! Kotlin counterparts (bindings/ffi/python/bench_call_cost.py,
//! bindings/ffi/kotlin/bench/CallCost.kt) time the same calls across the
//! boundary. Run: `cargo run -p pos-ffi --example call_cost [iterations]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use pos_core::Money;
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CODE: &str = "2000000001012";
const T0: i64 = 1_773_480_600_000;

struct FixedClock;

impl pos_ffi::Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        T0
    }
}

fn report(what: &str, total: Duration, n: u32) {
    println!(
        "{what:<36} {:>9.1} µs/call  ({n} calls)",
        total.as_secs_f64() * 1e6 / f64::from(n)
    );
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();

    // Straight on the facade.
    let config = pos_sdk::RegisterConfig::france(
        StoreId::new("paris-11").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let clock = Arc::new(pos_sdk::ManualClock::new(
        chrono::DateTime::from_timestamp_millis(T0).unwrap(),
    ));
    let mut reg = pos_sdk::Register::open_with_key_file(
        &dir.path().join("rust.sqlite"),
        config,
        clock,
        pos_sdk::IdGenerator::seeded(1),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let options = pos_sdk::SaleOptions::by(OperatorId::new("alice").unwrap());
    let (mut add, mut complete, mut trivial) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        let t = Instant::now();
        reg.scan(&mut cart, CODE, &ctx).unwrap();
        add += t.elapsed();
        let t = Instant::now();
        std::hint::black_box(cart.total().format_plain());
        trivial += t.elapsed();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        payment
            .add(Tender::new(
                TenderMethod::Card,
                Money::new(cart.total().amount(), cart.currency()),
            ))
            .unwrap();
        let t = Instant::now();
        reg.complete_sale(cart, payment, &options).unwrap();
        complete += t.elapsed();
    }
    report("rust facade: cart total (bare call)", trivial, n);
    report("rust facade: add item (scan)", add, n);
    report("rust facade: complete sale", complete, n);

    // Through pos-ffi's exported API.
    let cfg = pos_ffi::RegisterConfig {
        store: "paris-11".into(),
        register: "till-1".into(),
        location: "shop".into(),
    };
    let path = dir.path().join("ffi.sqlite").to_string_lossy().into_owned();
    let reg =
        pos_ffi::Register::open(path, cfg, Some(Arc::new(FixedClock)), None, Some(1)).unwrap();
    reg.import_catalog_json(pos_ffi::sample_catalog_json())
        .unwrap();
    let options = pos_ffi::SaleOptions {
        operator: "alice".into(),
        customer: None,
        training: false,
        ticket_id: None,
    };
    let (mut add, mut complete, mut trivial) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let cart = reg.new_cart().unwrap();
        let t = Instant::now();
        reg.scan(&cart, CODE.into()).unwrap();
        add += t.elapsed();
        let t = Instant::now();
        std::hint::black_box(cart.total().unwrap());
        trivial += t.elapsed();
        let payment = reg.start_payment(&cart, None).unwrap();
        payment
            .add(pos_ffi::TenderMethod::Card, cart.total().unwrap())
            .unwrap();
        let t = Instant::now();
        reg.complete_sale(&cart, &payment, options.clone()).unwrap();
        complete += t.elapsed();
    }
    report("rust via pos-ffi API: cart total", trivial, n);
    report("rust via pos-ffi API: add item", add, n);
    report("rust via pos-ffi API: complete sale", complete, n);
}
