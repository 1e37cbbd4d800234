//! pos-fiscal benchmarks: sign-and-append of one ticket record (the
//! software signer, and p256's own signing for comparison), bare signing
//! (p256, the software signer's fixed-base path, ring), and the
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
use pos_fiscal::{PublicKey, RawSignature, Signer, SignerError, SoftwareSigner, Stamp};
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
        original_register: None,
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
    // The same with the signature made by p256's generic k·G (what the
    // software signer did before its fixed-base table), in the same run.
    let slow = P256Signer(signer_key());
    let slow_conn = fresh(&signer);
    g.bench_function("sign_and_append_ticket_p256_signer", |b| {
        b.iter_batched(
            || {
                i += 1;
                i
            },
            |i| {
                let tx = slow_conn.unchecked_transaction().unwrap();
                let r = store::record_ticket(&tx, &slow, stamp(i), &t).unwrap();
                tx.commit().unwrap();
                black_box(r)
            },
            BatchSize::SmallInput,
        );
    });
    let message: &[u8] = b"envelope bytes of about this size........";
    let key = signer_key();
    g.bench_function("bare_p256_sign", |b| {
        b.iter(|| {
            let s: p256::ecdsa::Signature = key.sign(black_box(message));
            black_box(s)
        })
    });
    // The software signer alone: same RFC 6979 bytes, k·G from its table.
    g.bench_function("bare_fast_sign", |b| {
        b.iter(|| black_box(signer.sign(black_box(message)).unwrap()))
    });
    // ring (assembly, randomised nonces): the reference floor, not used.
    let rng = ring::rand::SystemRandom::new();
    let ring_key = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &[7u8; 32],
        &signer.public_key_sec1(),
        &rng,
    )
    .unwrap();
    g.bench_function("bare_ring_sign", |b| {
        b.iter(|| black_box(ring_key.sign(&rng, black_box(message)).unwrap()))
    });
    // What a signature costs besides k·G, on p256's arithmetic: the
    // inversion of k (p256's; the signer's own is a windowed version of
    // the same exponentiation) and the projective-to-affine conversion of
    // k·G (one field inversion).
    let k = *key.as_nonzero_scalar().as_ref();
    g.bench_function("p256_scalar_invert", |b| {
        b.iter(|| black_box(black_box(k).invert()))
    });
    let point = p256::ProjectivePoint::GENERATOR * k;
    g.bench_function("p256_point_to_affine", |b| {
        b.iter(|| black_box(black_box(point).to_affine()))
    });
    g.finish();
}

fn signer_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap()
}

/// A signer on p256's own `SigningKey::sign` (generic k·G), for comparison.
struct P256Signer(p256::ecdsa::SigningKey);

impl Signer for P256Signer {
    fn sign(&self, message: &[u8]) -> Result<RawSignature, SignerError> {
        let s: p256::ecdsa::Signature = self.0.sign(message);
        Ok(RawSignature::Fixed(s.to_bytes().into()))
    }
    fn public_key_sec1(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }
    fn key_id(&self) -> String {
        pos_fiscal::signer::key_id_of(&self.public_key_sec1())
    }
    fn needs_self_check(&self) -> bool {
        false
    }
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
