//! Catalog benchmarks on a generated 100k-variant catalog: lookups by
//! barcode, SKU and article code, name search, and building the catalog
//! from in-memory parts and from JSON text.
//!
//! `cargo bench -p pos-benches --bench catalog`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use chrono::DateTime;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pos_core::catalog::{Attribute, Catalog, CatalogDocument, Category, Product, Variant, gs1};
use pos_core::ids::{Barcode, CategoryId, ProductId, Sku};
use pos_core::item::{ItemSource, PriceContext, Unit};
use pos_core::{Currency, Money, VatRate};
use std::hint::black_box;

const VARIANTS: usize = 100_000;

const NOUNS: [&str; 16] = [
    "Comté",
    "Baguette",
    "Jambon",
    "Croissant",
    "Chocolat",
    "Café",
    "Thé",
    "Confiture",
    "Pâtes",
    "Huile",
    "Vin",
    "Bière",
    "Eau",
    "Pomme",
    "Tomate",
    "Fromage",
];
const QUALIFIERS: [&str; 12] = [
    "bio",
    "AOP",
    "fermier",
    "de Bayonne",
    "noir",
    "pur arabica",
    "extra",
    "rouge",
    "blanc",
    "artisanal",
    "à l'ancienne",
    "de saison",
];

/// A deterministic pseudo-random sequence (no `rand` in benches).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) as usize
    }
}

/// 100k variants in 50k products of two variants each, one EAN-13 each.
fn parts() -> (Vec<Category>, Vec<Product>) {
    let cat = CategoryId::new("all").unwrap();
    let categories = vec![Category {
        id: cat.clone(),
        name: "Tout".into(),
        parent: None,
    }];
    let mut rng = Lcg(42);
    let mut products = Vec::with_capacity(VARIANTS / 2);
    for p in 0..VARIANTS / 2 {
        let name = format!(
            "{} {} {}",
            NOUNS[rng.next() % NOUNS.len()],
            QUALIFIERS[rng.next() % QUALIFIERS.len()],
            rng.next() % 1000
        );
        let variants = (0..2)
            .map(|v| {
                let n = p * 2 + v;
                Variant {
                    sku: Sku::new(format!("SKU-{n:06}")).unwrap(),
                    attributes: vec![Attribute {
                        name: "format".into(),
                        value: ["S", "L"][v].into(),
                    }],
                    barcodes: vec![Barcode::new(ean(n)).unwrap()],
                    price: Money::from_minor_units((100 + n % 5000) as i64, Currency::EUR),
                    article_code: None,
                    quantity_breaks: vec![],
                }
            })
            .collect();
        products.push(Product {
            id: ProductId::new(format!("P-{p:06}")).unwrap(),
            name,
            categories: vec![cat.clone()],
            vat_rate: VatRate::FR_REDUCED,
            unit: Unit::Piece,
            meal_voucher_eligible: true,
            durable_good: false,
            variants,
        });
    }
    (categories, products)
}

fn ean(n: usize) -> String {
    gs1::with_check_digit(&format!("376{n:09}")).unwrap()
}

fn build(categories: Vec<Category>, products: Vec<Product>) -> Catalog {
    Catalog::from_parts(Currency::EUR, Some("FR"), categories, products, vec![]).unwrap()
}

fn lookups(c: &mut Criterion) {
    let (categories, products) = parts();
    let catalog = build(categories, products);
    let ctx = PriceContext {
        store: None,
        customer_group: None,
        at: DateTime::UNIX_EPOCH,
    };
    let codes: Vec<String> = (0..1024).map(|i| ean(i * 97 % VARIANTS)).collect();
    let skus: Vec<Sku> = (0..1024)
        .map(|i| Sku::new(format!("SKU-{:06}", i * 89 % VARIANTS)).unwrap())
        .collect();

    let mut g = c.benchmark_group("catalog_100k");
    let mut i = 0usize;
    g.bench_function("variant_by_barcode", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(catalog.variant_by_barcode(black_box(&codes[i])).is_some())
        })
    });
    g.bench_function("variant_by_sku", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(
                catalog
                    .variant_by_sku(black_box(skus[i].as_str()))
                    .is_some(),
            )
        })
    });
    g.bench_function("item_by_barcode_snapshot", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(catalog.item_by_barcode(black_box(&codes[i]), &ctx).unwrap())
        })
    });
    g.bench_function("item_by_sku_snapshot", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(catalog.item_by_sku(black_box(&skus[i]), &ctx).unwrap())
        })
    });
    g.bench_function("barcode_miss", |b| {
        b.iter(|| {
            black_box(
                catalog
                    .variant_by_barcode(black_box("3769999999995"))
                    .is_none(),
            )
        })
    });
    for query in ["comt", "jambon bayonne", "cafe arabica 12", "b"] {
        g.bench_with_input(
            BenchmarkId::new("search_limit_20", query),
            &query,
            |b, q| b.iter(|| black_box(catalog.search(black_box(q), 20).len())),
        );
    }
    g.finish();
}

fn loading(c: &mut Criterion) {
    let (categories, products) = parts();
    let json = build(categories.clone(), products.clone()).to_json();
    println!("100k-variant catalog JSON: {} bytes", json.len());
    let mut g = c.benchmark_group("catalog_100k_build");
    g.sample_size(10);
    g.bench_function("from_parts", |b| {
        b.iter_batched(
            || (categories.clone(), products.clone()),
            |(c, p)| black_box(build(c, p)),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("parse_json_document_only", |b| {
        b.iter(|| black_box(CatalogDocument::from_json(black_box(&json)).unwrap()))
    });
    g.bench_function("from_json", |b| {
        b.iter(|| black_box(Catalog::from_json(black_box(&json)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, lookups, loading);
criterion_main!(benches);
