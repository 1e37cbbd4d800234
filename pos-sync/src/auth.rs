//! Request authentication: HMAC-SHA256 with the device's enrolment secret
//! over `method`, `path`, timestamp and the body's SHA-256.
//!
//! The string signed is
//! `POS-HMAC-SHA256\n{METHOD}\n{path}\n{timestamp_ms}\n{hex sha256(body)}`.
//! The server refuses a timestamp more than [`MAX_SKEW_MS`] away from its
//! clock and a signature it has already seen (replay); a client re-signs
//! every retry with a fresh timestamp, so retries are never replays.

use crate::error::{AuthFailure, Result};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Header naming the device.
pub const HEADER_DEVICE: &str = "x-pos-device";
/// Header with the timestamp (milliseconds since the epoch).
pub const HEADER_TIMESTAMP: &str = "x-pos-timestamp";
/// Header with the hex HMAC.
pub const HEADER_SIGNATURE: &str = "x-pos-signature";
/// Header with the single-use enrolment code (enrolment only), issued by
/// the retailer's owner for one store (and, for a replacement, one till).
pub const HEADER_ENROLMENT_CODE: &str = "x-pos-enrolment-code";

/// How far a request's timestamp may be from the server clock (5 minutes).
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

/// The canonical string that is signed.
pub fn string_to_sign(method: &str, path: &str, timestamp_ms: i64, body: &[u8]) -> String {
    format!(
        "POS-HMAC-SHA256\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path,
        timestamp_ms,
        hex::encode(Sha256::digest(body))
    )
}

/// The hex HMAC-SHA256 of a request under `secret`.
pub fn sign(secret: &[u8], method: &str, path: &str, timestamp_ms: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(string_to_sign(method, path, timestamp_ms, body).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signature (constant time) and the timestamp window. Replay is
/// checked by the caller against its store of seen signatures.
pub fn verify(
    secret: &[u8],
    method: &str,
    path: &str,
    timestamp_ms: i64,
    body: &[u8],
    signature_hex: &str,
    now_ms: i64,
) -> Result<(), AuthFailure> {
    let skew = timestamp_ms.saturating_sub(now_ms);
    if skew.saturating_abs() > MAX_SKEW_MS {
        return Err(AuthFailure::Stale {
            skew_seconds: skew.checked_div(1000).unwrap_or(0),
        });
    }
    let sig = hex::decode(signature_hex).map_err(|_| AuthFailure::MissingHeader {
        header: HEADER_SIGNATURE,
    })?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| AuthFailure::BadSignature)?;
    mac.update(string_to_sign(method, path, timestamp_ms, body).as_bytes());
    mac.verify_slice(&sig)
        .map_err(|_| AuthFailure::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_round_trips_and_detects_changes() {
        let s = sign(b"k", "post", "/v1/push", 1000, b"{}");
        assert!(verify(b"k", "POST", "/v1/push", 1000, b"{}", &s, 1000).is_ok());
        let bad = [
            verify(b"x", "POST", "/v1/push", 1000, b"{}", &s, 1000),
            verify(b"k", "GET", "/v1/push", 1000, b"{}", &s, 1000),
            verify(b"k", "POST", "/v1/pull", 1000, b"{}", &s, 1000),
            verify(b"k", "POST", "/v1/push", 1001, b"{}", &s, 1001),
            verify(b"k", "POST", "/v1/push", 1000, b"{ }", &s, 1000),
        ];
        for b in bad {
            assert_eq!(b, Err(AuthFailure::BadSignature));
        }
    }

    #[test]
    fn stale_requests_are_refused_both_ways() {
        let s = sign(b"k", "POST", "/p", 0, b"");
        assert_eq!(
            verify(b"k", "POST", "/p", 0, b"", &s, MAX_SKEW_MS + 1),
            Err(AuthFailure::Stale { skew_seconds: -300 })
        );
        assert!(verify(b"k", "POST", "/p", 0, b"", &s, -MAX_SKEW_MS).is_ok());
        assert!(verify(b"k", "POST", "/p", 0, b"", &s, -MAX_SKEW_MS - 1).is_err());
    }

    #[test]
    fn golden_vector() {
        // Checkable with: printf 'POS-HMAC-SHA256\nPOST\n/v1/push\n1700000000000\n<sha256 of "{}">'
        // | openssl dgst -sha256 -hmac secret
        let s = string_to_sign("POST", "/v1/push", 1_700_000_000_000, b"{}");
        assert_eq!(
            s,
            "POS-HMAC-SHA256\nPOST\n/v1/push\n1700000000000\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
