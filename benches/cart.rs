//! Cart repricing benchmark: one operation (a quantity change) on a 100-line
//! cart, which clones the cart, runs the promotion engine with 50 or 500
//! active promotions and prices the ticket (targets: under 50 µs and under
//! 150 µs). The promotions spread over `n / 5` families and `4n / 5` SKUs:
//! with 50 every family and SKU of the cart is promoted several times; with
//! 500 the cart holds a tenth of the families and SKUs promoted (a store's
//! catalogue is larger than one basket).
//!
//! `cargo bench -p pos-benches --bench cart -- --warm-up-time 1 --measurement-time 3`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use pos_core::cart::{Actor, Cart, ItemQuantity, Permissions};
use pos_core::ids::{CategoryId, OperatorId, ProductId, Sku};
use pos_core::item::{SellableItem, Unit};
use pos_core::promotion::{PromoContext, Promotion, parse_promotions_json};
use pos_core::{Currency, Discount, Money, VatRate};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::sync::Arc;

/// `n` promotions over `n / 5` families and `4n / 5` SKUs: every reward kind.
fn promotions(n: usize) -> Arc<[Promotion]> {
    let mut json = Vec::new();
    for i in 0..n {
        let family = format!("FAM-{}", i % (n / 5));
        let sku = format!("SKU-{:02}", (i * 3) % (n * 4 / 5));
        let reward = match i % 8 {
            0 | 1 => format!(
                r#"{{"type": "percent_off", "target": {{"categories": ["{family}"]}}, "percent": "{}"}}"#,
                5 + i % 20
            ),
            2 => format!(
                r#"{{"type": "amount_off", "target": {{"skus": ["{sku}"]}}, "amount": "0.{:02}"}}"#,
                10 + i % 90
            ),
            3 => format!(
                r#"{{"type": "buy_x_get_y", "buy": {{"categories": ["{family}"]}}, "buy_quantity": 2, "get": {{"categories": ["{family}"]}}, "get_quantity": 1}}"#
            ),
            4 => format!(
                r#"{{"type": "n_for_price", "target": {{"skus": ["{sku}"]}}, "quantity": 3, "price": "5.00"}}"#
            ),
            5 => r#"{"type": "ticket_amount_off", "amount": "5.00"}"#.to_string(),
            6 => r#"{"type": "ticket_percent_off", "percent": "2"}"#.to_string(),
            _ => format!(
                r#"{{"type": "percent_off", "target": {{"products": ["P-{sku}"]}}, "percent": "10"}}"#
            ),
        };
        let stacking = if i % 5 == 0 { "stackable" } else { "normal" };
        json.push(format!(
            r#"{{"id": "BENCH-{i:02}", "name": "Promotion {i}", "priority": {}, "stacking": "{stacking}", "conditions": {{"min_spend": "{}.00"}}, "reward": {reward}}}"#,
            i % 7,
            if i % 8 >= 5 { 50 } else { 0 }
        ));
    }
    Arc::from(parse_promotions_json(&format!("[{}]", json.join(","))).unwrap())
}

fn item(i: usize) -> SellableItem {
    let s = (i * 7) % 40;
    let sku = format!("SKU-{s:02}");
    let weighed = i % 10 == 9;
    SellableItem {
        sku: Sku::new(sku.clone()).unwrap(),
        product_id: ProductId::new(format!("P-{sku}")).unwrap(),
        label: format!("Article {s}"),
        unit_price: Money::new(Decimal::new(99 + (s as i64 * 211) % 3000, 2), Currency::EUR),
        price_list: None,
        vat_rate: [
            VatRate::FR_STANDARD,
            VatRate::FR_REDUCED,
            VatRate::FR_INTERMEDIATE,
        ][s % 3],
        unit: if weighed { Unit::Kilogram } else { Unit::Piece },
        categories: vec![CategoryId::new(format!("FAM-{}", s % 10)).unwrap()],
        meal_voucher_eligible: s % 3 == 1,
        durable_good: false,
        scanned_barcode: None,
        quantity_breaks: vec![],
    }
}

fn cart(promotion_count: usize) -> Cart {
    let actor = Actor::new(OperatorId::new("bench").unwrap(), Permissions::manager());
    let mut cart = Cart::new(Currency::EUR);
    if promotion_count > 0 {
        let mut ctx = PromoContext::new(
            Currency::EUR,
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
        );
        ctx.utc_offset_minutes = 60;
        cart.set_promotions(promotions(promotion_count), ctx)
            .unwrap();
    }
    for i in 0..100 {
        let it = item(i);
        let qty = if it.unit == Unit::Kilogram {
            Decimal::new(250 + (i as i64 * 37) % 900, 3)
        } else {
            Decimal::from(1 + i % 4)
        };
        let id = cart.add_item(it, ItemQuantity::Quantity(qty)).unwrap();
        if i % 25 == 3 {
            cart.set_line_discount(
                id,
                Discount::Percent(Decimal::from(5)),
                "BENCH",
                None,
                &actor,
            )
            .unwrap();
        }
    }
    cart.set_ticket_discount(Discount::Percent(Decimal::from(1)), "BENCH", None, &actor)
        .unwrap();
    cart
}

fn reprice(c: &mut Criterion) {
    for (name, promotion_count) in [
        ("cart/reprice_100_lines_50_promotions", 50),
        ("cart/reprice_100_lines_500_promotions", 500),
        ("cart/reprice_100_lines_no_promotion", 0),
    ] {
        let mut cart = cart(promotion_count);
        if promotion_count > 0 {
            assert!(
                cart.promotion_outcome()
                    .is_some_and(|o| !o.applied.is_empty())
            );
        }
        let line = cart.lines()[0].id();
        let mut flip = false;
        let mut step = move |cart: &mut Cart| {
            flip = !flip;
            let q = if flip { Decimal::from(2) } else { Decimal::ONE };
            cart.set_quantity(black_box(line), q).unwrap();
            black_box(cart.total());
        };
        c.bench_function(name, |b| b.iter(|| step(&mut cart)));
    }
}

criterion_group!(benches, reprice);
criterion_main!(benches);
