//! Rendering a 30-line French receipt to ESC/POS bytes (target: under 20 µs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{
    LineFacts, OutputFormat, PaymentFacts, ReceiptFacts, ReceiptKind, TraderFacts, VatFacts,
    build_french_receipt, render,
};
use rust_decimal::Decimal;

fn facts(lines: usize) -> ReceiptFacts {
    let labels = [
        "Crème brûlée",
        "Pain de campagne aux céréales",
        "Œufs plein air x6",
        "Café crème",
        "Comté affiné",
    ];
    ReceiptFacts {
        currency: pos_core::Currency::EUR,
        trader: TraderFacts {
            name: "Boulangerie Dupré".into(),
            address: vec!["12 rue de l'Église".into(), "75011 Paris".into()],
            siret: "12345678900012".into(),
            vat_number: Some("FR32123456789".into()),
        },
        register: "01".into(),
        ticket_number: "T-000042".into(),
        local_time: chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(14, 5, 9)
            .unwrap(),
        operator: "Zoé".into(),
        lines: (0..lines)
            .map(|i| LineFacts {
                label: labels[i % labels.len()].into(),
                quantity: Decimal::from(1 + i % 3),
                unit: None,
                unit_price: Decimal::new(250 + i as i64, 2),
                amount: Decimal::new((250 + i as i64) * (1 + (i % 3) as i64), 2),
                vat_label: "B".into(),
                discount: None,
                weighed: false,
                durable_good: false,
            })
            .collect(),
        vat: vec![VatFacts {
            label: "B".into(),
            rate: "10,00 %".into(),
            net: Decimal::new(10000, 2),
            vat: Decimal::new(1000, 2),
            gross: Decimal::new(11000, 2),
        }],
        total: Decimal::new(11000, 2),
        payments: vec![PaymentFacts {
            tender: "card".into(),
            label: "Carte bancaire".into(),
            amount: Decimal::new(11000, 2),
            cancelled: false,
            card: None,
        }],
        change: Decimal::ZERO,
        software_name: "pos-sdk".into(),
        software_version: "0.1.0".into(),
        certificate: Some("NF525 n° 0000-TEST".into()),
        signature_extract: "K7fQ".into(),
        receipt_url: Some("https://tickets.example.fr/r/01/T-000042?k=K7fQ".into()),
        kind: ReceiptKind::Sale,
        logo: None,
        footer: vec!["Merci de votre visite".into()],
    }
}

fn bench(c: &mut Criterion) {
    let facts = facts(30);
    let doc = build_french_receipt(&facts);
    let profile = PrinterProfile::epson_tm_t20();
    c.bench_function("receipt_escpos_30_lines", |b| {
        b.iter(|| render(black_box(&doc), OutputFormat::EscPos, black_box(&profile)).unwrap())
    });
    c.bench_function("receipt_build_and_escpos_30_lines", |b| {
        b.iter(|| {
            render(
                &build_french_receipt(black_box(&facts)),
                OutputFormat::EscPos,
                &profile,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
