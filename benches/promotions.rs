//! Promotion engine benchmark: `promotion::apply` on a 100-line cart with 50
//! active promotions of every kind (percent / amount off, buy X get Y,
//! N for a price, ticket rewards, stackable and exclusive, coupons).
//!
//! `cargo bench -p pos-benches --bench promotions`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use pos_core::ids::{CategoryId, ProductId, PromotionId, Sku};
use pos_core::item::Unit;
use pos_core::money::round_half_away;
use pos_core::promotion::{
    self, Conditions, PromoContext, PromoLine, Promotion, Reward, Stacking, Target, Trigger,
};
use pos_core::{Currency, Money};
use rust_decimal::Decimal;
use std::hint::black_box;

const LINES: usize = 100;
const PROMOTIONS: usize = 50;
const SKUS: usize = 40;
const CATEGORIES: usize = 12;

fn sku(i: usize) -> Sku {
    Sku::new(format!("SKU-{i:04}")).unwrap()
}

fn category(i: usize) -> CategoryId {
    CategoryId::new(format!("CAT-{:02}", i % CATEGORIES)).unwrap()
}

fn cart() -> Vec<PromoLine> {
    (0..LINES)
        .map(|i| {
            let s = (i * 7) % SKUS;
            let weighed = i % 10 == 9;
            let price = Decimal::new(99 + (s as i64 * 137) % 2000, 2);
            let qty = if weighed {
                Decimal::new(250 + (i as i64 * 31) % 900, 3)
            } else {
                Decimal::from(1 + i % 4)
            };
            let eur = |a| Money::new(a, Currency::EUR);
            PromoLine {
                index: i,
                sku: sku(s),
                product_id: ProductId::new(format!("P-{s}")).unwrap(),
                categories: vec![
                    category(s),
                    category(s + 5),
                    CategoryId::new("ALL").unwrap(),
                ],
                unit: if weighed { Unit::Kilogram } else { Unit::Piece },
                unit_price: eur(price),
                quantity: qty,
                gross: eur(round_half_away(price * qty, 2)),
                manual_discount: eur(Decimal::new(0, 2)),
                price_overridden: false,
                reward_of: None,
            }
        })
        .collect()
}

fn promotions() -> Vec<Promotion> {
    (0..PROMOTIONS)
        .map(|i| {
            let cats = Target::Categories(vec![category(i), category(i + 3)]);
            let skus = Target::Skus(vec![sku(i % SKUS), sku((i * 3) % SKUS)]);
            let reward = match i % 10 {
                0..=2 => Reward::PercentOff {
                    target: cats,
                    percent: Decimal::from(5 + i % 30),
                },
                3 | 4 => Reward::AmountOff {
                    target: skus,
                    amount: Decimal::new(20 + i as i64, 2),
                },
                5 => Reward::BuyXGetY {
                    buy: cats.clone(),
                    buy_quantity: 2,
                    get: cats,
                    get_quantity: 1,
                    percent: Decimal::ONE_HUNDRED,
                },
                6 => Reward::BuyXGetY {
                    buy: skus,
                    buy_quantity: 1,
                    get: cats,
                    get_quantity: 1,
                    percent: Decimal::from(50),
                },
                7 => Reward::NForPrice {
                    target: cats,
                    quantity: 3,
                    price: Decimal::new(1000, 2),
                },
                8 => Reward::TicketAmountOff {
                    amount: Decimal::new(500, 2),
                },
                _ => Reward::TicketPercentOff {
                    percent: Decimal::from(3),
                },
            };
            Promotion {
                id: PromotionId::new(format!("PROMO-{i:03}")).unwrap(),
                name: format!("Promotion {i}"),
                priority: (i % 7) as u32,
                trigger: if i % 12 == 11 {
                    Trigger::Coupon {
                        code: format!("CODE{i}"),
                        single_use: false,
                    }
                } else {
                    Trigger::Automatic
                },
                stacking: match i % 6 {
                    0 => Stacking::Stackable,
                    1 => Stacking::Exclusive,
                    _ => Stacking::Normal,
                },
                conditions: Conditions {
                    min_spend: (i % 10 == 8).then(|| Decimal::new(5000, 2)),
                    ..Conditions::default()
                },
                reward,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lines = cart();
    let promos = promotions();
    let mut ctx = PromoContext::new(
        Currency::EUR,
        Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap(),
    );
    ctx.utc_offset_minutes = 60;
    ctx.coupons = vec!["code11".into(), "CODE23".into(), "UNKNOWN".into()];
    let out = promotion::apply(&lines, &promos, &ctx).unwrap();
    assert!(
        out.applied.len() >= 10,
        "the cart should trigger promotions"
    );
    c.bench_function("promotion_apply_100_lines_50_promotions", |b| {
        b.iter(|| promotion::apply(black_box(&lines), black_box(&promos), black_box(&ctx)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
