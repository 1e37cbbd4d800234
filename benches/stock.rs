//! Stock ledger benchmarks on a ledger that has applied 1,000,000 movements
//! (10,000 SKUs x 2 locations): level lookup, applying one new movement,
//! checking a 10-line sale against the levels and policies.
//!
//! `cargo bench -p pos-benches --bench stock`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use chrono::DateTime;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pos_core::ids::{LocationId, MovementId, OperatorId, Sku};
use pos_core::stock::{
    MovementContext, MovementReason, SaleLine, StockLedger, StockMovement, StockPolicies,
    check_sale,
};
use rust_decimal::Decimal;
use std::hint::black_box;

const MOVEMENTS: u64 = 1_000_000;
const SKUS: u64 = 10_000;

/// A UUID-v7-shaped id (36 characters), unique per `n`.
fn id(n: u64) -> MovementId {
    MovementId::new(format!(
        "0192f3a0-{:04x}-7{:03x}-8{:03x}-{:012x}",
        (n >> 32) & 0xffff,
        (n >> 20) & 0xfff,
        (n >> 8) & 0xfff,
        n
    ))
    .unwrap()
}

fn sku(n: u64) -> Sku {
    Sku::new(format!("SKU-{:06}", n % SKUS)).unwrap()
}

fn location(n: u64) -> LocationId {
    LocationId::new(if n.is_multiple_of(2) { "shop" } else { "back" }).unwrap()
}

fn movement(n: u64, ctx: &MovementContext) -> StockMovement {
    // Every 10th movement a receipt of 50, otherwise a sale of 1 (or 0.25 kg).
    let (reason, quantity) = if n.is_multiple_of(10) {
        (MovementReason::Receipt, Decimal::from(50))
    } else if n.is_multiple_of(7) {
        (MovementReason::Sale, Decimal::new(-250, 3))
    } else {
        (MovementReason::Sale, Decimal::NEGATIVE_ONE)
    };
    StockMovement::new(id(n), reason, sku(n / 2), location(n), quantity, ctx).unwrap()
}

fn bench_stock(c: &mut Criterion) {
    let ctx = MovementContext {
        operator: OperatorId::new("bench").unwrap(),
        at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        reference: None,
    };
    let mut ledger = StockLedger::new();
    for n in 0..MOVEMENTS {
        ledger.apply(&movement(n, &ctx)).unwrap();
    }
    assert_eq!(ledger.applied_count() as u64, MOVEMENTS);

    let probes: Vec<(Sku, LocationId)> =
        (0..1024u64).map(|i| (sku(i * 7919), location(i))).collect();
    let mut i = 0usize;
    c.bench_function("stock/level_lookup_1M_movements", |b| {
        b.iter(|| {
            let (s, l) = &probes[i % probes.len()];
            i += 1;
            black_box(ledger.level(black_box(s), black_box(l)))
        })
    });

    let mut next = MOVEMENTS;
    c.bench_function("stock/apply_one_movement_1M_movements", |b| {
        b.iter_batched(
            || {
                next += 1;
                movement(next, &ctx)
            },
            |m| black_box(ledger.apply(&m).unwrap()),
            BatchSize::SmallInput,
        )
    });

    let lines: Vec<SaleLine> = (0..10u64)
        .map(|k| SaleLine {
            sku: sku(k * 131),
            location: location(0),
            quantity: Decimal::from(2),
        })
        .collect();
    let policies = StockPolicies::default();
    c.bench_function("stock/check_sale_10_lines_1M_movements", |b| {
        b.iter(|| black_box(check_sale(&ledger, black_box(&lines), &policies).unwrap()))
    });
}

criterion_group!(benches, bench_stock);
criterion_main!(benches);
