//! Parsing one scanned barcode: an EAN-13 and a GS1-128 element string
//! (GTIN + net weight + expiry + batch), through the GTIN/GS1 parsers and
//! through `describe` (which also builds the serialisable `BarcodeInfo`).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use pos_hw::barcode::gs1::parse_element_string;
use pos_hw::barcode::linear::parse_product_code;
use pos_hw::barcode::{ScanContext, describe};
use std::hint::black_box;

const EAN13: &str = "4006381333931";
const GS1_128: &str = "0109506000134352\u{1d}3103000750\u{1d}17261200\u{1d}10AB-12";

fn bench(c: &mut Criterion) {
    let context = ScanContext::new(2026);
    c.bench_function("barcode/parse_ean13", |b| {
        b.iter(|| parse_product_code(black_box(EAN13)))
    });
    c.bench_function("barcode/parse_gs1_128", |b| {
        b.iter(|| parse_element_string(black_box(GS1_128), 2026))
    });
    c.bench_function("barcode/describe_ean13", |b| {
        b.iter(|| describe(black_box(EAN13), &context))
    });
    c.bench_function("barcode/describe_gs1_128", |b| {
        b.iter(|| describe(black_box(GS1_128), &context))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
