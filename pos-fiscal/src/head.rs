//! The signed head: the last number and hash of every series.
//!
//! Rewritten (with `head_seq + 1`) by every journal write, in the same
//! transaction. It detects a cut tail: deleting the last records leaves a
//! head naming records that are gone. It cannot by itself detect a whole old
//! copy of the file put back (that copy holds its own consistent old head):
//! for that the application mirrors [`HeadMark`] (head_seq and head hash)
//! outside the file — sync server acknowledgement, OS keystore counter — and
//! passes it to the verifier, which reports a head older than the mirror.

use crate::canon;
use crate::error::{FiscalError, Result};
use crate::payload::HeadPayload;
use crate::record::{sha256_hex, strict_hex};
use crate::signer::{PublicKey, Signer, sign_fixed};
use serde::{Deserialize, Serialize};

/// A head as stored: canonical payload and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedHead {
    /// Canonical JSON of a [`HeadPayload`].
    pub payload: String,
    /// ECDSA P-256 signature over the payload bytes, 64 bytes hex.
    pub signature: String,
}

/// What an application mirrors outside the till file to detect an old
/// backup put back: the head counter and the head's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadMark {
    /// The head counter.
    pub head_seq: u64,
    /// SHA-256 (hex) of the head payload bytes.
    pub hash: String,
}

impl SignedHead {
    /// Signs a head payload.
    pub fn sign(payload: &HeadPayload, signer: &dyn Signer) -> Result<SignedHead> {
        let bytes = canon::to_canonical(payload)?;
        let sig = sign_fixed(signer, &bytes)?;
        let payload =
            String::from_utf8(bytes).map_err(|_| FiscalError::Malformed { what: "head" })?;
        Ok(SignedHead {
            payload,
            signature: hex::encode(sig),
        })
    }

    /// Decodes the payload (canonical form enforced).
    pub fn decode(&self) -> Result<HeadPayload> {
        let p: HeadPayload = canon::from_canonical(self.payload.as_bytes(), "head")?;
        if p.kind != "head" {
            return Err(FiscalError::Malformed { what: "head" });
        }
        Ok(p)
    }

    /// Verifies the signature under `key`.
    pub fn verify(&self, key: &PublicKey) -> bool {
        strict_hex::<64>(&self.signature).is_some_and(|s| key.verify(self.payload.as_bytes(), &s))
    }

    /// The mark an application mirrors elsewhere.
    pub fn mark(&self) -> Result<HeadMark> {
        Ok(HeadMark {
            head_seq: self.decode()?.head_seq,
            hash: sha256_hex(self.payload.as_bytes()),
        })
    }
}
