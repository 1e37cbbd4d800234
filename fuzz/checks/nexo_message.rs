//! Checks of the `nexo_message` target (the Adyen Terminal API, nexo JSON in
//! local mode), shared with pos-hw's replay test. The input is read twice by
//! the till's client, as every answer of a payment, a status query and a
//! reversal: once as the raw bytes on the wire (the encrypted envelope), and
//! once as the decrypted message, encrypted and signed by the harness with
//! the shared key (so the JSON behind the HMAC is reached). Every call ends
//! with an outcome or an error, never a panic; an approval is for the
//! request's id with whole minor units and a card shown by its last four
//! digits only. Envelopes and response bodies that parse serialise and parse
//! back to the same value.

use pos_core::{Currency, Money};
use pos_hw::payment::nexo::message::{ResponseEnvelope, SecuredEnvelope};
use pos_hw::payment::nexo::{
    AdyenLocalClient, NexoConfig, NexoTransport, NonceSource, SecurityKey, TimeSource,
    TransportFailure, encrypt,
};
use pos_hw::payment::{
    Approval, Outcome, PaymentKind, PaymentRequest, PaymentTerminal, StatusAnswer, TransactionId,
};

const KEY_ID: &str = "PosSdkFuzzKey";

/// The key (derived once: the derivation is slow on purpose).
fn key() -> SecurityKey {
    static KEY: std::sync::OnceLock<SecurityKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SecurityKey::new("pos-sdk fuzz passphrase", KEY_ID, 1, 1))
        .clone()
}

/// Answers every request with the input, as is or encrypted under the key.
struct Terminal {
    answer: Vec<u8>,
}

impl NexoTransport for Terminal {
    fn exchange(&mut self, _request: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        Ok(self.answer.clone())
    }
}

struct FixedNonce;
impl NonceSource for FixedNonce {
    fn nonce(&mut self) -> [u8; 16] {
        [7; 16]
    }
}

struct FixedTime;
impl TimeSource for FixedTime {
    fn timestamp(&mut self) -> String {
        "2026-11-28T17:30:00.000Z".to_owned()
    }
}

fn check_approval(a: &Approval, id: &TransactionId) {
    assert_eq!(&a.id, id);
    assert!(a.amount.to_minor_units().is_ok());
    if let Some(tip) = &a.tip {
        assert!(tip.to_minor_units().is_ok());
    }
    if let Some(card) = &a.card {
        assert!(card.last4().len() == 4 && card.last4().bytes().all(|b| b.is_ascii_digit()));
    }
}

fn drive(answer: Vec<u8>) {
    let config = NexoConfig {
        sale_id: "POS-1".to_owned(),
        poi_id: "V400m-123456789".to_owned(),
        key: key(),
    };
    let mut client = AdyenLocalClient::new(
        Terminal { answer },
        config,
        Box::new(FixedNonce),
        Box::new(FixedTime),
    );
    let id = TransactionId::new("T0000042").expect("a valid id");
    let amount = Money::from_minor_units(1250, Currency::EUR);
    let request =
        PaymentRequest::new(id.clone(), PaymentKind::Sale, amount).expect("a valid request");
    if let Ok(Outcome::Approved(a)) = client.pay(&request) {
        check_approval(&a, &id);
        assert_eq!(a.amount.currency(), Currency::EUR);
    }
    if let Ok(StatusAnswer::Completed(Outcome::Approved(a))) = client.transaction_status(&id) {
        check_approval(&a, &id);
    }
    let original = Approval {
        id: id.clone(),
        amount,
        tip: None,
        authorization_code: None,
        card: None,
        terminal_reference: Some("POI-1 2026-11-28T17:29:00.000Z".to_owned()),
        scheme: None,
    };
    let reversal = TransactionId::new("R0000042").expect("a valid id");
    if let Ok(Outcome::Approved(a)) = client.reverse(&reversal, &original) {
        check_approval(&a, &reversal);
    }
}

/// Runs the client on `data` as wire bytes and as a decrypted message.
pub fn check(data: &[u8]) {
    if let Ok(envelope) = serde_json::from_slice::<SecuredEnvelope>(data) {
        let bytes = serde_json::to_vec(&envelope).expect("an envelope serialises");
        let again: SecuredEnvelope = serde_json::from_slice(&bytes).expect("and parses back");
        assert_eq!(again, envelope);
    }
    if let Ok(body) = serde_json::from_slice::<ResponseEnvelope>(data) {
        let bytes = serde_json::to_vec(&body).expect("a response serialises");
        let again: ResponseEnvelope = serde_json::from_slice(&bytes).expect("and parses back");
        assert_eq!(again, body);
    }
    drive(data.to_vec());
    let secured = encrypt(
        serde_json::json!({ "MessageType": "Response" }),
        data,
        &key(),
        [9; 16],
    );
    let wire = serde_json::to_vec(&SecuredEnvelope {
        request: None,
        response: Some(secured),
    })
    .expect("an envelope serialises");
    drive(wire);
}
