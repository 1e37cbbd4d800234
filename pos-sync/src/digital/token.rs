//! The receipt link token: `{ticket id}.{tag}`, where the tag is the first
//! 128 bits of HMAC-SHA256 of the ticket id under a per-register secret
//! (kept in the till file, never sent), base64url without padding.
//!
//! Why an HMAC rather than a random token per ticket: the till computes the
//! same link offline, for every print, duplicate or e-mail of the ticket,
//! without storing one more value per ticket; the sale path draws no
//! randomness (the secret is drawn once from the OS at the edge). The
//! server learns each token from the sale event and cannot forge one for a
//! ticket it has not received. The ticket id prefix makes a link readable
//! for support; the 128-bit tag is what makes it unguessable.

use crate::error::{Result, SyncError};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of a per-register link secret, in bytes.
pub const KEY_BYTES: usize = 32;
/// Length of the tag, in bytes (128 bits).
pub const TAG_BYTES: usize = 16;
/// Longest token the server accepts (ticket id plus tag).
pub const MAX_TOKEN_LEN: usize = 200;

const DOMAIN: &[u8] = b"pos-sdk receipt link v1\0";

/// The link token of `ticket_id` under the register's `key`.
pub fn link_token(key: &[u8], ticket_id: &str) -> Result<String> {
    if key.len() < KEY_BYTES {
        return Err(SyncError::Invalid {
            message: "receipt link key",
            rule: "a link key has at least 32 bytes",
        });
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| SyncError::Invalid {
        message: "receipt link key",
        rule: "a link key is a valid HMAC key",
    })?;
    mac.update(DOMAIN);
    mac.update(ticket_id.as_bytes());
    let full = mac.finalize().into_bytes();
    let tag = full
        .get(..TAG_BYTES)
        .ok_or(SyncError::Corrupt { what: "hmac" })?;
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag);
    Ok(format!("{ticket_id}.{tag}"))
}

/// Whether a token has the shape of one (`{id}.{22 base64url chars}`), a
/// cheap check before any database lookup.
pub fn is_well_formed(token: &str) -> bool {
    if token.len() > MAX_TOKEN_LEN {
        return false;
    }
    match token.rsplit_once('.') {
        Some((id, tag)) => {
            !id.is_empty()
                && tag.len() == 22
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    }
}

/// The ticket id a token names.
pub fn ticket_of(token: &str) -> Option<&str> {
    token.rsplit_once('.').map(|(id, _)| id)
}

/// The public URL of a receipt page: `{base}/r/{token}` (a base that already
/// ends in `/r` is accepted as is), the token percent-encoded.
pub fn receipt_url(base: &str, token: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/r").unwrap_or(base);
    format!("{base}/r/{}", percent_encode(token))
}

/// The public URL of a customer's receipts page: `{base}/c/{token}`.
pub fn customer_url(base: &str, token: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/r").unwrap_or(base);
    format!("{base}/c/{}", percent_encode(token))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_stable_keyed_and_well_formed() {
        let key = [7u8; 32];
        let t = link_token(&key, "0190a-1").unwrap();
        assert_eq!(t, link_token(&key, "0190a-1").unwrap());
        assert_ne!(t, link_token(&[8u8; 32], "0190a-1").unwrap());
        assert_ne!(t, link_token(&key, "0190a-2").unwrap());
        assert!(t.starts_with("0190a-1."));
        assert!(is_well_formed(&t));
        assert_eq!(ticket_of(&t), Some("0190a-1"));
        assert!(!is_well_formed("0190a-1"));
        assert!(!is_well_formed("0190a-1.short"));
        assert!(!is_well_formed(&format!(
            "{}.{}",
            "x".repeat(200),
            "A".repeat(22)
        )));
        assert!(link_token(&[1u8; 16], "x").is_err());
    }

    #[test]
    fn golden_token() {
        // HMAC-SHA256(key = 32 x 0x01, "pos-sdk receipt link v1\0" || "T-1"),
        // first 16 bytes, base64url: recomputable with any HMAC tool.
        let t = link_token(&[1u8; 32], "T-1").unwrap();
        assert_eq!(t, "T-1.mC1zfSr7pzxnoGHwXCAJRA");
    }

    #[test]
    fn urls() {
        assert_eq!(receipt_url("https://h/r", "a.b"), "https://h/r/a.b");
        assert_eq!(receipt_url("https://h/", "a.b"), "https://h/r/a.b");
        assert_eq!(receipt_url("https://h", "a b/c"), "https://h/r/a%20b%2Fc");
        assert_eq!(customer_url("https://h/r/", "k"), "https://h/c/k");
    }
}
