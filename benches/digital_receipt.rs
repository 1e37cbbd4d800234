//! Digital receipts: the link token a till computes per sale, the server's
//! receipt page (pos-hw HTML of the receipt facts) and the receipt e-mail
//! (text + HTML parts) built for one ticket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn facts() -> pos_hw::receipt::ReceiptFacts {
    let lines: Vec<serde_json::Value> = (0..12)
        .map(|i| {
            serde_json::json!({"label": format!("Article n°{i} <bio> & local"), "quantity": "1",
                "unit": null, "unit_price": "2.50", "amount": "2.50", "vat_label": "A",
                "discount": null, "durable_good": i == 0})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "currency": "EUR",
        "trader": {"name": "Épicerie du Marché", "address": ["1 rue X", "75011 Paris"],
                   "siret": "55210055400018", "vat_number": "FR40552100554"},
        "register": "T1", "ticket_number": "T42", "local_time": "2026-05-02T12:00:00",
        "operator": "Claire", "lines": lines,
        "vat": [{"label": "A", "rate": "5,50 %", "net": "28.44", "vat": "1.56", "gross": "30.00"}],
        "total": "30.00",
        "payments": [{"tender": "card", "label": "Carte bancaire", "amount": "30.00"}],
        "change": "0", "software_name": "pos-sdk", "software_version": "0.1.0",
        "certificate": null, "signature_extract": "AbCd",
        "receipt_url": "https://recus.example.fr/r/019a2b3c-4d5e-7f00-8123-456789abcdef.VNya7bISAFl7CUL-uQuU2g",
        "kind": {"kind": "sale"}
    }))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let key = [7u8; 32];
    c.bench_function("digital_receipt/link_token", |b| {
        b.iter(|| {
            pos_server::digital::token::link_token(
                black_box(&key),
                black_box("019a2b3c-4d5e-7f00-8123-456789abcdef"),
            )
            .unwrap()
        })
    });
    let f = facts();
    c.bench_function("digital_receipt/page_12_lines", |b| {
        b.iter(|| {
            pos_server::digital::page::receipt_page(
                black_box(&f),
                Some("https://recus.example.fr/c/x"),
            )
            .unwrap()
        })
    });
    c.bench_function("digital_receipt/email_12_lines", |b| {
        b.iter(|| {
            pos_server::digital::service::receipt_mail(
                black_box(&f),
                "camille@example.org",
                "https://recus.example.fr/r/t",
                "t",
                "example.fr",
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
