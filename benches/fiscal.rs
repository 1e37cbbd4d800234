//! pos-fiscal benchmarks: sign-and-append of one ticket record, and the
//! verifier's rate (records per second, both cores via rayon) next to the
//! bare p256 signature-verify rate measured in the same run.
//!
//! `POS_BENCH_RECORDS` sets the journal size for the verification rate
//! (default 100 000; 1 000 000 needs about 1.2 GB of memory and a few
//! minutes to generate).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use pos_fiscal::record::StoredRecord;
use pos_fiscal::store;
use pos_fiscal::ticket::{
    LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
};
use pos_fiscal::verify::{VerifyContext, verify_records};
use pos_fiscal::{PublicKey, Signer, SoftwareSigner, Stamp};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hint::black_box;

fn ticket() -> TicketInput {
    let mut vat = BTreeMap::new();
    vat.insert(
        2000,
        VatAmounts {
            net: 1000,
            vat: 200,
            gross: 1200,
        },
    );
    vat.insert(
        550,
        VatAmounts {
            net: 521,
            vat: 29,
            gross: 550,
        },
    );
    TicketInput {
        establishment: "SHOP1".into(),
        operator: "alice".into(),
        mode: TicketMode::Ticket,
        operation: Operation::Sale,
        original: None,
        currency: "EUR".into(),
        lines: vec![
            LineInput {
                label: "Wine".into(),
                qty_milli: 1000,
                unit_price: 1200,
                discount: 0,
                amount: 1200,
                vat_bps: 2000,
            },
            LineInput {
                label: "Bread".into(),
                qty_milli: 2000,
                unit_price: 275,
                discount: 0,
                amount: 550,
                vat_bps: 550,
            },
        ],
        vat,
        total: 1750,
        payments: vec![PaymentInput {
            method: PaymentMethod::Card,
            amount: 1750,
        }],
        change: 0,
        customer: None,
    }
}

fn stamp(secs: i64) -> Stamp {
    Stamp::new(
        chrono::DateTime::from_timestamp(1_793_000_000 + secs, 0).unwrap(),
        60,
    )
    .unwrap()
}

fn fresh(signer: &SoftwareSigner) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    store::migrate(&c).unwrap();
    store::init(&c, signer, "R1", stamp(0)).unwrap();
    c
}

fn sign_and_append(c: &mut Criterion) {
    let signer = SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
    let conn = fresh(&signer);
    let t = ticket();
    let mut i = 1i64;
    let mut g = c.benchmark_group("fiscal");
    // One ticket: validation, signed record, running totals, signed head,
    // inside one (in-memory) transaction; the file commit is the facade's.
    g.bench_function("sign_and_append_ticket", |b| {
        b.iter_batched(
            || {
                i += 1;
                i
            },
            |i| {
                let tx = conn.unchecked_transaction().unwrap();
                let r = store::record_ticket(&tx, &signer, stamp(i), &t).unwrap();
                tx.commit().unwrap();
                black_box(r)
            },
            BatchSize::SmallInput,
        );
    });
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    g.bench_function("bare_p256_sign", |b| {
        b.iter(|| {
            let s: p256::ecdsa::Signature =
                key.sign(black_box(b"envelope bytes of about this size........"));
            black_box(s)
        })
    });
    g.finish();
}

fn journal(n: usize) -> (Vec<StoredRecord>, PublicKey) {
    let signer = SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
    let conn = fresh(&signer);
    let t = ticket();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..n.saturating_sub(1) {
        store::record_ticket(&tx, &signer, stamp(i as i64 + 1), &t).unwrap();
    }
    tx.commit().unwrap();
    let records = store::rows::load_records(&conn).unwrap();
    (
        records,
        PublicKey::from_sec1(&signer.public_key_sec1()).unwrap(),
    )
}

fn verification(c: &mut Criterion) {
    let n: usize = std::env::var("POS_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (records, key) = journal(n);
    let ctx = VerifyContext {
        source: "records".into(),
        keys: vec![key],
        ..Default::default()
    };
    assert!(verify_records(&records, &ctx).is_intact());
    let mut g = c.benchmark_group("fiscal");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function(
        format!("verify_journal_{}_records_all_cores", records.len()),
        |b| b.iter(|| black_box(verify_records(&records, &ctx))),
    );
    // The bare p256 verify over the same envelopes, all cores, for comparison.
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&ctx.keys[0].sec1()).unwrap();
    let pairs: Vec<(Vec<u8>, p256::ecdsa::Signature)> = records
        .iter()
        .map(|r| {
            let sig = p256::ecdsa::Signature::from_slice(&r.signature_bytes().unwrap()).unwrap();
            (r.envelope_bytes().unwrap(), sig)
        })
        .collect();
    g.bench_function(format!("bare_p256_verify_{}_all_cores", pairs.len()), |b| {
        b.iter(|| pairs.par_iter().all(|(m, s)| vk.verify(m, s).is_ok()))
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("bare_p256_verify_one", |b| {
        let (m, s) = &pairs[1];
        b.iter(|| vk.verify(black_box(m), black_box(s)).is_ok())
    });
    // The bare ring verify (what the journal verifier uses on native builds).
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        ctx.keys[0].sec1(),
    );
    g.bench_function("bare_ring_verify_one", |b| {
        let (m, s) = &pairs[1];
        let s = s.to_bytes();
        b.iter(|| ring_key.verify(black_box(m), black_box(&s)).is_ok())
    });
    g.finish();
}

criterion_group!(benches, sign_and_append, verification);
criterion_main!(benches);
