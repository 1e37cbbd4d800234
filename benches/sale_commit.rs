//! The facade's figures on a real file with full durability (WAL,
//! synchronous=FULL):
//! - `sale_commit/register`: one complete sale (3 scanned lines, card) —
//!   ticket, signed fiscal record and totals, stock, outbox in one
//!   transaction — next to `sale_commit/bare_insert`: a bare rusqlite
//!   insert-and-commit of the same ticket bytes with the same settings;
//! - `stock_level/1M_movements`: a stock level read from a file holding one
//!   million movements;
//! - `open/100k_products_1M_tickets`: opening a till file with a 100k-variant
//!   catalog and one million ticket rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use criterion::{Criterion, criterion_group, criterion_main};
use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("s").unwrap(),
        RegisterId::new("r").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-06-01T08:00:00Z".parse().unwrap()))
}

fn open(path: &Path, clock: &Arc<ManualClock>) -> Register {
    Register::open_with_key_file(path, config(), clock.clone(), IdGenerator::seeded(1)).unwrap()
}

fn sale_commit(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut reg = open(&dir.path().join("till.sqlite"), &clock);
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    for code in ["2000000001012", "3760123000352", "3760123001472"] {
        reg.scan(&mut cart, code, &ctx).unwrap();
    }
    let operator = OperatorId::new("bench").unwrap();
    let mut ticket_json = String::new();
    let mut group = c.benchmark_group("sale_commit");
    group.sample_size(30);
    group.bench_function("register", |b| {
        // complete_sale consumes its cart: each sale gets a copy, made
        // outside the measured time.
        b.iter_batched(
            || cart.clone(),
            |cart| {
                clock.advance_millis(1_000);
                let mut payment = reg.start_payment(&cart, None).unwrap();
                payment
                    .add(Tender::new(
                        TenderMethod::Card,
                        payment.remaining().unwrap(),
                    ))
                    .unwrap();
                let sale = reg
                    .complete_sale(cart, payment, &SaleOptions::by(operator.clone()))
                    .unwrap();
                ticket_json = serde_json::to_string(&sale.ticket).unwrap();
                black_box(sale.number)
            },
            criterion::BatchSize::SmallInput,
        )
    });

    // The same bytes, inserted and committed bare, same pragmas.
    let bare = rusqlite::Connection::open(dir.path().join("bare.sqlite")).unwrap();
    bare.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE t (id INTEGER PRIMARY KEY, json TEXT NOT NULL);",
    )
    .unwrap();
    let mut bare = bare;
    group.bench_function("bare_insert", |b| {
        b.iter(|| {
            let tx = bare.transaction().unwrap();
            tx.execute("INSERT INTO t(json) VALUES (?1)", [&ticket_json])
                .unwrap();
            tx.commit().unwrap();
        })
    });
    group.finish();
}

fn stock_level_1m(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    drop(open(&path, &clock));
    // One million movements over 10k SKUs, written in bulk (the levels are
    // maintained as the facade does: one row per SKU and location).
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut m = tx
            .prepare("INSERT INTO stock_movements(id, sku, location, quantity, kind, at, json) VALUES (?1, ?2, 'shop', '1', 'receipt', '2026-06-01T08:00:00Z', '{}')")
            .unwrap();
        for i in 0..1_000_000u32 {
            m.execute(rusqlite::params![
                format!("m{i}"),
                format!("SKU-{}", i % 10_000)
            ])
            .unwrap();
        }
        let mut l = tx.prepare("INSERT INTO stock_levels(sku, location, on_hand, reserved) VALUES (?1, 'shop', '100', '0')").unwrap();
        for s in 0..10_000u32 {
            l.execute([format!("SKU-{s}")]).unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    let reg = open(&path, &clock);
    let sku = Sku::new("SKU-4242").unwrap();
    let loc = LocationId::new("shop").unwrap();
    c.bench_function("stock_level/1M_movements", |b| {
        b.iter(|| black_box(reg.stock_level(&sku, &loc).unwrap()))
    });
}

fn open_big_store(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    {
        let mut reg = open(&path, &clock);
        reg.import_catalog_json(&pos_benches::catalog_json(100_000))
            .unwrap();
    }
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut t = tx
            .prepare("INSERT INTO tickets(id, series, number, kind, created_at, total, json) VALUES (?1, 'T', ?2, 'sale', '2026-06-01T08:00:00Z', '12.50', '{}')")
            .unwrap();
        for i in 1..=1_000_000i64 {
            t.execute(rusqlite::params![format!("t{i}"), i]).unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    let mut group = c.benchmark_group("open");
    group.sample_size(10);
    group.bench_function("100k_products_1M_tickets", |b| {
        b.iter(|| black_box(open(&path, &clock)))
    });
    group.finish();
}

criterion_group!(benches, sale_commit, stock_level_1m, open_big_store);
criterion_main!(benches);
