//! Period archives sent to the sync server: the till's copy of each closed
//! period (a `pos-fiscal-archive/1` tar, see `pos-fiscal/docs/ARCHIVE.md`)
//! kept by the server for the six years NF525 asks, and the server's
//! confirmation, after which the till may purge the archived detail.
//!
//! [`paths::ARCHIVE`] takes the tar itself as the body of a request signed
//! with the device's secret (a device archives only for itself: the
//! manifest's register must be the signing device's). The server verifies
//! the manifest signature, every file's hash and every record's chain under
//! the device's registered keys, checks that each archived series ends on
//! the record its own journal copy holds, stores the file and answers an
//! [`ArchiveReceipt`]. Sending the same archive again answers the same
//! receipt.

use crate::error::{Result, SyncError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Routes of archives.
pub mod paths {
    /// Stores one archive (body: the tar; signed request).
    pub const ARCHIVE: &str = "/v1/archives";
}

/// How many years the server keeps an archive after the end of its period.
pub const KEEP_YEARS: i32 = 6;

/// The server's confirmation that it holds and verified an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveReceipt {
    /// The device (`{store}/{register}`).
    pub device: String,
    /// SHA-256 of the archive's `manifest.json`.
    pub manifest_sha256: String,
    /// SHA-256 of the whole file as stored.
    pub file_sha256: String,
    /// First local day covered.
    pub from: String,
    /// Last local day covered.
    pub to: String,
    /// Size of the stored file.
    pub bytes: u64,
    /// Records in `records.jsonl`.
    pub records: u64,
    /// When the server first stored it.
    pub stored_at: DateTime<Utc>,
    /// The server keeps it at least until this day (`to` + 6 years).
    pub keep_until: String,
    /// The verification verdict (always `intact` in a receipt).
    pub verification: String,
}

/// Decodes an archive receipt.
pub fn decode_archive_receipt(bytes: &[u8]) -> Result<ArchiveReceipt> {
    if bytes.len() > crate::wire::MAX_MESSAGE_BYTES {
        return Err(SyncError::TooLarge {
            size: bytes.len(),
            limit: crate::wire::MAX_MESSAGE_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|source| SyncError::Decode {
        message: "archive receipt",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_round_trips_and_refuses_unknown_fields() {
        let r = ArchiveReceipt {
            device: "S1/T1".into(),
            manifest_sha256: "ab".into(),
            file_sha256: "cd".into(),
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            bytes: 10,
            records: 2,
            stored_at: DateTime::from_timestamp(0, 0).unwrap(),
            keep_until: "2032-01-31".into(),
            verification: "intact".into(),
        };
        let b = serde_json::to_vec(&r).unwrap();
        assert_eq!(decode_archive_receipt(&b).unwrap(), r);
        let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["extra"] = serde_json::json!(1);
        assert!(decode_archive_receipt(v.to_string().as_bytes()).is_err());
    }
}
