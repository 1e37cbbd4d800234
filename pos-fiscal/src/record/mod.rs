//! The record envelope: what is signed, what is hashed, how series chain.
//!
//! Format version 2 (written since pos-fiscal 0.x with one signature per
//! record). The envelope bytes are the canonical JSON ([`crate::canon`]) of:
//! `format, head_seq, register, series, number, kind, ts (UTC, seconds, Z),
//! utc_offset_min, key_id, payload_sha256 (hex), signed_string, prev_hash`.
//! `head_seq` is the journal's global counter: +1 per record, across every
//! series, so the records of all series form one signed order and the
//! records written after the last signed head must continue its counter
//! without a gap (see [`crate::head`]). Format version 1 is the same
//! envelope without `head_seq`; its records still verify.
//! The signature is ECDSA P-256 / SHA-256 over the envelope bytes, stored as
//! 64 bytes `r || s` (low-S). The record hash is
//! `SHA-256(envelope bytes || 64 signature bytes)`, lowercase hex. Record `n`
//! of a series stores the hash of record `n - 1` of the same series; record 1
//! stores the series' genesis value ([`genesis_hash`]).

pub mod signed_string;

use crate::canon;
use crate::error::{FiscalError, Result};
use crate::model::{Series, Stamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first envelope format (no journal counter). Still verified, no
/// longer written.
pub const FORMAT_V1: u32 = 1;

/// The envelope format written today: version 1 plus `head_seq`. A later
/// format gets a new number; verifiers keep every old one.
pub const FORMAT_V2: u32 = 2;

/// One journal record exactly as stored (SQLite row, JSON Lines line, or a
/// sync message). Everything a verifier needs, plus the public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRecord {
    /// Envelope format version.
    pub format: u32,
    /// The journal counter this record brings the journal to (format 2;
    /// absent in format 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_seq: Option<u64>,
    /// Register (till) id.
    pub register: String,
    /// Series.
    pub series: Series,
    /// Gapless number in the series, from 1.
    pub number: u64,
    /// Kind ("sale", "refund", "duplicate", "jet", "closure_day", ...).
    pub kind: String,
    /// UTC time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub ts: String,
    /// Local UTC offset in minutes.
    pub utc_offset_min: i32,
    /// Key id of the signing key.
    pub key_id: String,
    /// Canonical payload bytes (canonical JSON text).
    pub payload: String,
    /// The NF525-style signed string.
    pub signed_string: String,
    /// Hash of the previous record in the series (hex).
    pub prev_hash: String,
    /// Signature, 64 bytes `r || s`, lowercase hex.
    pub signature: String,
    /// This record's hash (hex).
    pub hash: String,
}

#[derive(Serialize)]
struct EnvelopeV1<'a> {
    format: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_seq: Option<u64>,
    register: &'a str,
    series: Series,
    number: u64,
    kind: &'a str,
    ts: &'a str,
    utc_offset_min: i32,
    key_id: &'a str,
    payload_sha256: String,
    signed_string: &'a str,
    prev_hash: &'a str,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl StoredRecord {
    /// The bytes that are signed.
    pub fn envelope_bytes(&self) -> Result<Vec<u8>> {
        // Version 1 has no counter, version 2 always has one: one record,
        // one spelling.
        match (self.format, self.head_seq) {
            (FORMAT_V1, None) | (FORMAT_V2, Some(_)) => {}
            _ => {
                return Err(FiscalError::Malformed {
                    what: "record format version",
                });
            }
        }
        canon::to_canonical(&EnvelopeV1 {
            format: self.format,
            head_seq: self.head_seq,
            register: &self.register,
            series: self.series,
            number: self.number,
            kind: &self.kind,
            ts: &self.ts,
            utc_offset_min: self.utc_offset_min,
            key_id: &self.key_id,
            payload_sha256: sha256_hex(self.payload.as_bytes()),
            signed_string: &self.signed_string,
            prev_hash: &self.prev_hash,
        })
    }

    /// The signature bytes, if well-formed (64 bytes, lowercase hex).
    pub fn signature_bytes(&self) -> Option<[u8; 64]> {
        strict_hex::<64>(&self.signature)
    }

    /// Recomputes the hash from the envelope and signature.
    pub fn compute_hash(&self) -> Result<String> {
        let mut b = self.envelope_bytes()?;
        let sig = self
            .signature_bytes()
            .ok_or(FiscalError::Malformed { what: "signature" })?;
        b.extend_from_slice(&sig);
        Ok(sha256_hex(&b))
    }

    /// The record time.
    pub fn stamp(&self) -> Option<Stamp> {
        Stamp::parse(&self.ts, self.utc_offset_min)
    }

    /// Base64url (no padding) of the signature: the form chained in signed
    /// strings and printed (shortened) on receipts.
    pub fn signature_b64(&self) -> Option<String> {
        use base64::Engine as _;
        self.signature_bytes()
            .map(|s| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s))
    }
}

/// Parses lowercase hex of exactly `N` bytes (upper case is refused so one
/// value has one spelling).
pub fn strict_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

#[derive(Serialize)]
struct Genesis<'a> {
    genesis: &'a str,
    register: &'a str,
    key_id: &'a str,
    init_ts: &'a str,
    series: Series,
}

/// The genesis value of a series: SHA-256 over the canonical JSON of
/// `{"genesis":"pos-fiscal/v1","init_ts":..,"key_id":..,"register":..,"series":..}`.
pub fn genesis_hash(register: &str, key_id: &str, init_ts: &str, series: Series) -> Result<String> {
    let b = canon::to_canonical(&Genesis {
        genesis: "pos-fiscal/v1",
        register,
        key_id,
        init_ts,
        series,
    })?;
    Ok(sha256_hex(&b))
}

/// The printed signature extract: characters 3, 7, 13 and 19 (1-based) of
/// the base64url signature, as several French integrators do.
pub fn receipt_extract(signature_b64: &str) -> String {
    [2usize, 6, 12, 18]
        .iter()
        .filter_map(|&i| signature_b64.chars().nth(i))
        .collect()
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn strict_hex_refuses_upper_case_and_wrong_length() {
        assert_eq!(strict_hex::<2>("0aff"), Some([0x0a, 0xff]));
        assert_eq!(strict_hex::<2>("0AFF"), None);
        assert_eq!(strict_hex::<2>("0aff00"), None);
    }

    #[test]
    fn genesis_differs_per_series() {
        let a = genesis_hash("R1", "k", "2026-01-01T00:00:00Z", Series::T).unwrap();
        let b = genesis_hash("R1", "k", "2026-01-01T00:00:00Z", Series::E).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn extract_is_four_characters() {
        assert_eq!(receipt_extract("abcdefghijklmnopqrstuvwxyz"), "cgms");
    }
}
