//! Payment terminal protocol costs: Concert frame encode/decode, Caisse-AP
//! TLV decode, nexo message encryption and decryption (key derived once), a
//! whole Concert sale through client and simulator over a socket pair.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pos_core::{Currency, Money};
use pos_hw::payment::caisse_ap::TlvMessage;
use pos_hw::payment::concert::message::{
    AnswerDelay, ConcertRequest, ForceAuthorization, MODE_CARD, PrivateData, TransactionType,
};
use pos_hw::payment::concert::{
    ConcertClient, ConcertSimulator, LinkTimings, SimConfig, decode_frame, encode_frame,
};
use pos_hw::payment::nexo::{SecurityKey, decrypt, encrypt};
use pos_hw::payment::{PaymentKind, PaymentRequest, PaymentTerminal, TransactionId};

fn concert(c: &mut Criterion) {
    let request = ConcertRequest {
        pos_number: 1,
        amount_cents: 1250,
        full_answer: true,
        payment_mode: MODE_CARD,
        transaction_type: TransactionType::Debit,
        currency_numeric: 978,
        private: PrivateData::new("T0000042").unwrap(),
        delay: AnswerDelay::EndOfTransaction,
        authorization: ForceAuthorization::No,
    };
    let frame = encode_frame(&request.encode().unwrap()).unwrap();
    c.bench_function("concert_request_encode_frame", |b| {
        b.iter(|| encode_frame(&black_box(&request).encode().unwrap()).unwrap())
    });
    c.bench_function("concert_frame_decode_request", |b| {
        b.iter(|| ConcertRequest::decode(decode_frame(black_box(&frame)).unwrap()).unwrap())
    });
}

fn caisse_ap(c: &mut Criterion) {
    let wire = b"CZ0040300CJ012012345678901CA00201CB0041250CD0010CE003978CF0180192f3a4-5b6c-7d8eBA0010AE00210AA016497010######0055AC006123456";
    c.bench_function("caisse_ap_tlv_decode", |b| {
        b.iter(|| TlvMessage::decode(black_box(wire)).unwrap())
    });
}

fn nexo(c: &mut Criterion) {
    let key = SecurityKey::new("pos-sdk bench passphrase", "BenchKey", 1, 1);
    let plaintext = br#"{"SaleToPOIRequest":{"MessageHeader":{"ProtocolVersion":"3.0","MessageClass":"Service","MessageCategory":"Payment","MessageType":"Request","ServiceID":"a1b2c3d4e5","SaleID":"TILL-01","POIID":"V400m-324688179"},"PaymentRequest":{"SaleData":{"SaleTransactionID":{"TransactionID":"0192f3a4-5b6c-7d8e-9f00-112233445566","TimeStamp":"2026-03-01T09:30:00.000Z"}},"PaymentTransaction":{"AmountsReq":{"Currency":"EUR","RequestedAmount":12.5}}}}}"#;
    // The clear header does not enter the cryptography: an empty one will do.
    let header = Default::default();
    let secured = encrypt(header, plaintext, &key, [9; 16]);
    c.bench_function("nexo_encrypt_payment_request", |b| {
        b.iter(|| encrypt(Default::default(), black_box(plaintext), &key, [9; 16]))
    });
    c.bench_function("nexo_decrypt_payment_request", |b| {
        b.iter(|| decrypt(black_box(&secured), &key).unwrap())
    });
    c.bench_function("nexo_key_derivation_pbkdf2_4000", |b| {
        b.iter(|| SecurityKey::new(black_box("pos-sdk bench passphrase"), "BenchKey", 1, 1))
    });
}

fn concert_sale_round_trip(c: &mut Criterion) {
    let timings = LinkTimings {
        ack_timeout: Duration::from_millis(500),
        max_sends: 3,
        byte_timeout: Duration::from_millis(500),
        answer_timeout: Duration::from_secs(2),
    };
    let (till, terminal) = UnixStream::pair().unwrap();
    let sim_thread = std::thread::spawn(move || {
        let mut sim = ConcertSimulator::new(SimConfig::default(), timings);
        let _ = sim.run(terminal);
    });
    let mut client = ConcertClient::new(till, 1, timings).unwrap();
    let request = PaymentRequest::new(
        TransactionId::new("B1").unwrap(),
        PaymentKind::Sale,
        Money::from_minor_units(1250, Currency::EUR),
    )
    .unwrap();
    c.bench_function("concert_sale_client_and_simulator_socketpair", |b| {
        b.iter(|| client.pay(black_box(&request)).unwrap())
    });
    drop(client);
    sim_thread.join().unwrap();
}

criterion_group!(benches, concert, caisse_ap, nexo, concert_sale_round_trip);
criterion_main!(benches);
