//! Where the facade's targets go (companion of `sale_commit.rs`):
//! - `open_parts/catalog_from_json_100k`: parsing the 100k-variant catalog
//!   JSON, which `Register::open` does on every open;
//! - `open_parts/open_without_catalog`: opening a till file with no catalog
//!   (migrations check, fiscal start-up record JET 80 signed and committed);
//! - `stock_level_parts/register`: `Register::stock_level` (a transaction
//!   around an uncached `query_row`) next to
//!   `stock_level_parts/prepare_cached`: the same row read with a cached
//!   statement and no transaction, on the same file (10k levels).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use criterion::{Criterion, criterion_group, criterion_main};
use pos_core::ids::{LocationId, RegisterId, Sku, StoreId};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

fn open(path: &Path, clock: &Arc<ManualClock>) -> Register {
    let config = RegisterConfig::france(
        StoreId::new("s").unwrap(),
        RegisterId::new("r").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    Register::open_with_key_file(path, config, clock.clone(), IdGenerator::seeded(1)).unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-06-01T08:00:00Z".parse().unwrap()))
}

fn open_parts(c: &mut Criterion) {
    let json = pos_benches::catalog_json(100_000);
    let mut group = c.benchmark_group("open_parts");
    group.sample_size(10);
    group.bench_function("catalog_from_json_100k", |b| {
        b.iter(|| black_box(pos_core::catalog::Catalog::from_json(&json).unwrap()))
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    drop(open(&path, &clock));
    group.bench_function("open_without_catalog", |b| {
        b.iter(|| black_box(open(&path, &clock)))
    });
    group.finish();
}

fn stock_level_parts(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    drop(open(&path, &clock));
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut l = tx
            .prepare("INSERT INTO stock_levels(sku, location, on_hand, reserved) VALUES (?1, 'shop', '100', '0')")
            .unwrap();
        for s in 0..10_000u32 {
            l.execute([format!("SKU-{s}")]).unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    let reg = open(&path, &clock);
    let sku = Sku::new("SKU-4242").unwrap();
    let loc = LocationId::new("shop").unwrap();
    let mut group = c.benchmark_group("stock_level_parts");
    group.bench_function("register", |b| {
        b.iter(|| black_box(reg.stock_level(&sku, &loc).unwrap()))
    });
    let conn = reg.connection();
    group.bench_function("prepare_cached", |b| {
        b.iter(|| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT on_hand, reserved FROM stock_levels WHERE sku = ?1 AND location = ?2",
                )
                .unwrap();
            let (on_hand, reserved): (String, String) = stmt
                .query_row([sku.as_str(), loc.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            black_box((
                on_hand.parse::<rust_decimal::Decimal>().unwrap(),
                reserved.parse::<rust_decimal::Decimal>().unwrap(),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, open_parts, stock_level_parts);
criterion_main!(benches);
