//! nexo crypto helper for cross-checks with other implementations.
//!
//! - `payment_nexo_tool golden`: prints the golden vector of
//!   `pos-hw/testdata/payment/nexo_crypto.json` (fixed key, nonce, message).
//! - `payment_nexo_tool decrypt PASSPHRASE KEY_ID KEY_VERSION`: reads a
//!   protected `{"SaleToPOIRequest"|"SaleToPOIResponse": {...}}` on stdin,
//!   checks its HMAC and prints the plaintext JSON.

use pos_hw::payment::nexo::message::{
    AmountsReq, MessageHeader, PaymentRequest, PaymentTransaction, RequestEnvelope, SaleData,
    SaleToPoiRequest, SecuredEnvelope, TransactionIdentification,
};
use pos_hw::payment::nexo::{SecurityKey, decrypt, encrypt};
use rust_decimal::Decimal;
use std::io::Read;
use std::process::ExitCode;

const PASSPHRASE: &str = "pos-sdk nexo golden passphrase";
const KEY_ID: &str = "PosSdkGoldenKey";
const NONCE: [u8; 16] = *b"pos-sdk-nonce-01";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn golden() -> Result<String, Box<dyn std::error::Error>> {
    let header = MessageHeader {
        protocol_version: "3.0".into(),
        message_class: "Service".into(),
        message_category: "Payment".into(),
        message_type: "Request".into(),
        service_id: "a1b2c3d4e5".into(),
        sale_id: "TILL-01".into(),
        poi_id: "V400m-324688179".into(),
    };
    let body = RequestEnvelope {
        sale_to_poi_request: SaleToPoiRequest {
            message_header: header.clone(),
            payment_request: Some(PaymentRequest {
                sale_data: SaleData {
                    sale_transaction_id: TransactionIdentification {
                        transaction_id: "0192f3a4-5b6c-7d8e-9f00-112233445566".into(),
                        time_stamp: "2026-03-01T09:30:00.000Z".into(),
                    },
                },
                payment_transaction: PaymentTransaction {
                    amounts_req: AmountsReq {
                        currency: "EUR".into(),
                        requested_amount: Decimal::new(1250, 2),
                    },
                },
                payment_data: None,
            }),
            reversal_request: None,
            transaction_status_request: None,
        },
    };
    let plaintext = serde_json::to_string(&body)?;
    let key = SecurityKey::new(PASSPHRASE, KEY_ID, 1, 1);
    let keys = key.derive();
    let secured = encrypt(
        serde_json::to_value(&header)?,
        plaintext.as_bytes(),
        &key,
        NONCE,
    );
    let envelope = serde_json::to_string(&SecuredEnvelope {
        request: Some(secured.clone()),
        response: None,
    })?;
    let golden = serde_json::json!({
        "comment": "nexo local-mode encryption golden vector, produced by pos-hw (payment_nexo_tool golden) and checked byte for byte against @adyen/api-library by pos-hw/nodetests",
        "passphrase": PASSPHRASE,
        "key_identifier": KEY_ID,
        "key_version": 1,
        "adyen_crypto_version": 1,
        "nonce_hex": hex(&NONCE),
        "derived": {
            "hmac_key_hex": hex(&keys.hmac_key),
            "cipher_key_hex": hex(&keys.cipher_key),
            "iv_hex": hex(&keys.iv),
        },
        "message_header": header,
        "plaintext": plaintext,
        "nexo_blob": secured.nexo_blob,
        "hmac": secured.security_trailer.hmac,
        "nonce": secured.security_trailer.nonce,
        "wire": envelope,
    });
    Ok(serde_json::to_string_pretty(&golden)?)
}

fn decrypt_stdin(args: &[String]) -> Result<String, Box<dyn std::error::Error>> {
    let [passphrase, key_id, version] = args else {
        return Err("usage: decrypt PASSPHRASE KEY_ID KEY_VERSION".into());
    };
    let key = SecurityKey::new(passphrase, key_id, version.parse()?, 1);
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let envelope: SecuredEnvelope = serde_json::from_slice(&input)?;
    let secured = envelope
        .request
        .or(envelope.response)
        .ok_or("no SaleToPOIRequest/Response")?;
    let plaintext = decrypt(&secured, &key)?;
    Ok(String::from_utf8(plaintext)?)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("golden") => golden(),
        Some("decrypt") => decrypt_stdin(args.get(1..).unwrap_or_default()),
        _ => Err("usage: payment_nexo_tool golden | decrypt PASSPHRASE KEY_ID KEY_VERSION".into()),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("payment_nexo_tool: {e}");
            ExitCode::FAILURE
        }
    }
}
