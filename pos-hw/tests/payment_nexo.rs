//! Adyen Terminal API (nexo, local mode): the golden encryption vector shared
//! with the Node check, and our client against our terminal simulator,
//! including lost requests and lost answers resolved without double charges.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use pos_core::{Currency, Money};
use pos_hw::payment::nexo::message::SecuredEnvelope;
use pos_hw::payment::nexo::{
    AdyenLocalClient, AdyenSimulator, NexoConfig, NexoFault, NexoSimConfig, NonceSource,
    SecurityKey, TimeSource, decrypt, encrypt,
};
use pos_hw::payment::{
    Outcome, PaymentKind, PaymentRequest, PaymentTerminal, RecoveryPolicy, Settled, StatusAnswer,
    TransactionId, UnknownStage, pay_once, recover,
};
use rust_decimal::Decimal;
use serde_json::Value;

fn golden() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/payment/nexo_crypto.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn golden_vector_key_derivation() {
    let g = golden();
    let keys = SecurityKey::new(g["passphrase"].as_str().unwrap(), "k", 1, 1).derive();
    assert_eq!(
        keys.hmac_key.to_vec(),
        unhex(g["derived"]["hmac_key_hex"].as_str().unwrap())
    );
    assert_eq!(
        keys.cipher_key.to_vec(),
        unhex(g["derived"]["cipher_key_hex"].as_str().unwrap())
    );
    assert_eq!(
        keys.iv.to_vec(),
        unhex(g["derived"]["iv_hex"].as_str().unwrap())
    );
}

#[test]
fn golden_vector_encryption_is_byte_exact() {
    let g = golden();
    let key = SecurityKey::new(
        g["passphrase"].as_str().unwrap(),
        g["key_identifier"].as_str().unwrap(),
        1,
        1,
    );
    let nonce: [u8; 16] = unhex(g["nonce_hex"].as_str().unwrap()).try_into().unwrap();
    let plaintext = g["plaintext"].as_str().unwrap();
    let secured = encrypt(
        g["message_header"].clone(),
        plaintext.as_bytes(),
        &key,
        nonce,
    );
    assert_eq!(secured.nexo_blob, g["nexo_blob"].as_str().unwrap());
    assert_eq!(secured.security_trailer.hmac, g["hmac"].as_str().unwrap());
    assert_eq!(secured.security_trailer.nonce, g["nonce"].as_str().unwrap());
    let wire = serde_json::to_string(&SecuredEnvelope {
        request: Some(secured),
        response: None,
    })
    .unwrap();
    assert_eq!(wire, g["wire"].as_str().unwrap());

    let parsed: SecuredEnvelope = serde_json::from_str(&wire).unwrap();
    assert_eq!(
        decrypt(&parsed.request.unwrap(), &key).unwrap(),
        plaintext.as_bytes()
    );
}

/// Nonces from a counter: tests must be repeatable.
struct CountingNonces(u8);

impl NonceSource for CountingNonces {
    fn nonce(&mut self) -> [u8; 16] {
        self.0 = self.0.wrapping_add(1);
        [self.0; 16]
    }
}

struct FixedTime;

impl TimeSource for FixedTime {
    fn timestamp(&mut self) -> String {
        "2026-03-01T09:30:00.000Z".to_owned()
    }
}

fn key() -> SecurityKey {
    SecurityKey::new("pos-sdk simulator passphrase", "PosSdkSimKey", 1, 1)
}

fn client_with(sim: NexoSimConfig, client_key: SecurityKey) -> AdyenLocalClient<AdyenSimulator> {
    AdyenLocalClient::new(
        AdyenSimulator::new(sim),
        NexoConfig {
            sale_id: "TILL-01".into(),
            poi_id: "V400m-324688179".into(),
            key: client_key,
        },
        Box::new(CountingNonces(0)),
        Box::new(FixedTime),
    )
}

fn sim_config() -> NexoSimConfig {
    NexoSimConfig {
        key: key(),
        decline_from: None,
        partial_cap: None,
        tip: None,
    }
}

fn client() -> AdyenLocalClient<AdyenSimulator> {
    client_with(sim_config(), key())
}

fn euros(cents: i64) -> Money {
    Money::from_minor_units(cents, Currency::EUR)
}

fn request(id: &str, kind: PaymentKind, cents: i64) -> PaymentRequest {
    PaymentRequest::new(TransactionId::new(id).unwrap(), kind, euros(cents)).unwrap()
}

#[test]
fn approved_sale_with_masked_card_and_approval_code() {
    let mut c = client();
    let outcome = c.pay(&request("sale-1", PaymentKind::Sale, 1250)).unwrap();
    let Outcome::Approved(approval) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(approval.amount, euros(1250));
    assert_eq!(approval.card.unwrap().last4(), "0019");
    assert!(approval.authorization_code.is_some());
    assert!(
        approval
            .terminal_reference
            .as_deref()
            .unwrap()
            .starts_with("SIM")
    );
    assert!(!format!("{outcome:?}").contains("541333"));
    assert_eq!(c.transport().charges(), 1);
    // The ticket's card reference: the terminal's transaction reference,
    // the approval code, the masked card and the brand (`mc`).
    let card = approval.card_reference().unwrap();
    assert_eq!(
        card.processor_reference(),
        approval.terminal_reference.as_deref()
    );
    assert_eq!(
        card.authorisation_code(),
        approval.authorization_code.as_deref()
    );
    assert_eq!(
        card.masked_pan().unwrap().to_string(),
        "**** **** **** 0019"
    );
    assert_eq!(
        card.scheme(),
        Some(&pos_core::tender::CardScheme::Mastercard)
    );
    assert!(!format!("{card:?}").contains("541333"));
}

#[test]
fn declined_sale_charges_nothing() {
    let mut c = client_with(
        NexoSimConfig {
            decline_from: Some(Decimal::new(100, 0)),
            ..sim_config()
        },
        key(),
    );
    let outcome = c
        .pay(&request("sale-2", PaymentKind::Sale, 15_000))
        .unwrap();
    assert!(matches!(outcome, Outcome::Declined { .. }), "{outcome:?}");
    assert_eq!(c.transport().charges(), 0);
}

#[test]
fn partial_approval_and_tip_are_reported() {
    let config = NexoSimConfig {
        partial_cap: Some(Decimal::new(2000, 2)),
        tip: Some(Decimal::new(150, 2)),
        ..sim_config()
    };
    let mut c = client_with(config, key());
    let asked = request("sale-3", PaymentKind::Sale, 3000);
    let Outcome::Approved(approval) = c.pay(&asked).unwrap() else {
        panic!()
    };
    assert_eq!(approval.amount, euros(2000));
    assert!(approval.is_partial(&asked.amount));
    assert_eq!(approval.tip, Some(euros(150)));
}

#[test]
fn refund_and_reversal() {
    let mut c = client();
    let Outcome::Approved(paid) = c.pay(&request("sale-4", PaymentKind::Sale, 900)).unwrap() else {
        panic!()
    };
    let reversed = c
        .reverse(&TransactionId::new("rev-4").unwrap(), &paid)
        .unwrap();
    assert!(matches!(reversed, Outcome::Approved(_)), "{reversed:?}");
    // A second reversal of the same payment is refused.
    let again = c
        .reverse(&TransactionId::new("rev-4b").unwrap(), &paid)
        .unwrap();
    assert!(matches!(again, Outcome::Declined { .. }), "{again:?}");
    let refund = c.pay(&request("ref-4", PaymentKind::Refund, 300)).unwrap();
    assert!(matches!(refund, Outcome::Approved(_)), "{refund:?}");
    assert_eq!(c.transport().net_charged(), Decimal::new(-300, 2));
}

#[test]
fn lost_answer_then_status_says_approved_no_second_charge() {
    let mut c = client();
    c.transport_mut().inject(NexoFault::DropAnswer);
    let req = request("sale-5", PaymentKind::Sale, 4200);
    let settled = pay_once(&mut c, &req, RecoveryPolicy::default()).unwrap();
    let Settled::Approved(approval) = settled else {
        panic!("{settled:?}")
    };
    assert_eq!(approval.amount, euros(4200));
    assert_eq!(c.transport().charges(), 1, "charged exactly once");
    // One payment and one status query reached the terminal, no second payment.
    assert_eq!(c.transport().requests_seen(), 2);
}

#[test]
fn lost_request_then_status_says_not_found_safe_retry() {
    let mut c = client();
    c.transport_mut().inject(NexoFault::DropRequest);
    let req = request("sale-6", PaymentKind::Sale, 1999);
    let first = c.pay(&req).unwrap();
    assert_eq!(
        first,
        Outcome::Unknown {
            id: req.id.clone(),
            stage: UnknownStage::RequestMaybeDelivered
        }
    );
    assert_eq!(
        c.transaction_status(&req.id).unwrap(),
        StatusAnswer::NotFound
    );

    let mut c = client();
    c.transport_mut().inject(NexoFault::DropRequest);
    let settled = pay_once(&mut c, &req, RecoveryPolicy::default()).unwrap();
    assert!(matches!(settled, Settled::Approved(_)), "{settled:?}");
    assert_eq!(c.transport().charges(), 1);
}

#[test]
fn in_progress_is_asked_again() {
    let mut c = client();
    c.transport_mut().inject(NexoFault::DropAnswer);
    c.transport_mut().inject(NexoFault::StatusInProgress);
    let settled = pay_once(
        &mut c,
        &request("sale-7", PaymentKind::Sale, 500),
        RecoveryPolicy::default(),
    )
    .unwrap();
    assert!(matches!(settled, Settled::Approved(_)), "{settled:?}");
    assert_eq!(c.transport().charges(), 1);
}

#[test]
fn recovery_after_restart_uses_only_the_transaction_id() {
    let mut c = client();
    c.transport_mut().inject(NexoFault::DropAnswer);
    let req = request("sale-8", PaymentKind::Sale, 750);
    assert!(matches!(c.pay(&req).unwrap(), Outcome::Unknown { .. }));
    // "Restart": a fresh client over the same terminal knows only the id.
    let sim = c.transport().clone();
    let mut fresh = AdyenLocalClient::new(
        sim,
        NexoConfig {
            sale_id: "TILL-01".into(),
            poi_id: "V400m-324688179".into(),
            key: key(),
        },
        Box::new(CountingNonces(100)),
        Box::new(FixedTime),
    );
    let settled = recover(&mut fresh, &req.id, RecoveryPolicy::default()).unwrap();
    assert!(matches!(settled, Some(Settled::Approved(_))), "{settled:?}");
    assert_eq!(fresh.transport().charges(), 1);
}

#[test]
fn wrong_key_never_charges_and_goes_to_the_operator() {
    let wrong = SecurityKey::new("not the terminal's passphrase", "PosSdkSimKey", 1, 1);
    let mut c = client_with(sim_config(), wrong);
    let req = request("sale-9", PaymentKind::Sale, 100);
    let settled = pay_once(&mut c, &req, RecoveryPolicy::default()).unwrap();
    assert_eq!(settled, Settled::OperatorDecision { id: req.id.clone() });
    assert_eq!(c.transport().charges(), 0);
}
