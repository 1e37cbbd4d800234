//! Foreign traits: what the app plugs in (its clock, its signing key in the
//! Secure Enclave / Android Keystore, its printer transport), and the
//! adapters that make them the facade's own traits.

use crate::PosError;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The app's clock.
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    /// Now, in epoch milliseconds (UTC).
    fn now_millis(&self) -> i64;
}

/// The app's P-256 signing key (hardware keystore or software).
#[uniffi::export(with_foreign)]
pub trait Signer: Send + Sync {
    /// ECDSA P-256 over SHA-256(`message`): 64 bytes r||s or ASN.1 DER.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, PosError>;
    /// The public key, SEC1 uncompressed (65 bytes, `04 || x || y`).
    fn public_key_sec1(&self) -> Vec<u8>;
}

/// Where receipt bytes go (USB, Bluetooth, network socket: the app's own).
#[uniffi::export(with_foreign)]
pub trait PrinterTransport: Send + Sync {
    /// Writes all of `bytes` to the printer.
    fn write(&self, bytes: Vec<u8>) -> Result<(), PosError>;
}

/// The facade's clock over the app's.
pub(crate) struct ClockAdapter(pub(crate) Arc<dyn Clock>);

impl pos_sdk::Clock for ClockAdapter {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0.now_millis()).unwrap_or_default()
    }
}

/// The fiscal signer over the app's key.
pub(crate) struct SignerAdapter {
    key: Arc<dyn Signer>,
    public: Vec<u8>,
}

impl SignerAdapter {
    /// Reads the public key once: it identifies every record signed.
    pub(crate) fn new(key: Arc<dyn Signer>) -> SignerAdapter {
        let public = key.public_key_sec1();
        SignerAdapter { key, public }
    }
}

impl pos_fiscal::Signer for SignerAdapter {
    fn sign(&self, message: &[u8]) -> Result<pos_fiscal::RawSignature, pos_fiscal::SignerError> {
        let bytes = self
            .key
            .sign(message.to_vec())
            .map_err(|_| pos_fiscal::SignerError::Unavailable)?;
        Ok(match <[u8; 64]>::try_from(bytes.as_slice()) {
            Ok(fixed) => pos_fiscal::RawSignature::Fixed(fixed),
            Err(_) => pos_fiscal::RawSignature::Der(bytes),
        })
    }

    fn public_key_sec1(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn key_id(&self) -> String {
        pos_fiscal::signer::key_id_of(&self.public)
    }
}
