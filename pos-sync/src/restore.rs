//! The restore messages: rebuilding a till whose disk died from what the
//! sync server holds for it.
//!
//! Two steps. [`paths::RESTORE_ENROLL`] re-enrols the *same* device (the
//! register keeps its id and its fiscal chain) on a new tablet, authorised
//! by a single-use enrolment code whose `replaces` names that device: the
//! server rotates the device's secret and registers the new tablet's public
//! key as the key that signs the register's next records (the old key was
//! lost with the device). Then [`paths::RESTORE`], signed with the new
//! secret, hands back the register's fiscal journal as the server accepted
//! it, page by page, with the event sequence the server acknowledged.

use crate::error::{Result, SyncError};
use crate::wire::{HeadEntry, PROTOCOL_VERSION, RegisteredKey};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Routes of the restore.
pub mod paths {
    /// Re-enrols a lost till's device on a new tablet (enrolment code).
    pub const RESTORE_ENROLL: &str = "/v1/restore/enroll";
    /// One page of the device's journal copy (signed request).
    pub const RESTORE: &str = "/v1/restore";
}

/// The most records one page holds.
pub const MAX_PAGE: u32 = 2000;

/// Asks for the records after position `after` of the device's journal copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// Protocol version.
    pub protocol: u32,
    /// Records already received (0 at first).
    pub after: u64,
    /// At most this many records (1 to [`MAX_PAGE`]).
    pub limit: u32,
}

/// One page of a device's journal copy and what the server knows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreResponse {
    /// The device (`{store}/{register}`).
    pub device: String,
    /// Records in the order the server accepted them (the till's append
    /// order), as signed.
    pub records: Vec<StoredRecord>,
    /// The position to ask from next.
    pub next: u64,
    /// More records wait.
    pub more: bool,
    /// Registered keys, oldest first; the last one is the new tablet's.
    pub public_keys: Vec<RegisteredKey>,
    /// The last record per series the server accepted.
    pub heads: BTreeMap<Series, HeadEntry>,
    /// The highest contiguous event sequence the server acknowledged.
    pub acked_seq: u64,
    /// The device's last push, if any: what the lost till did after it
    /// never reached the server.
    pub last_push: Option<DateTime<Utc>>,
}

/// Decodes and validates a restore request.
pub fn decode_restore_request(bytes: &[u8]) -> Result<RestoreRequest> {
    let req: RestoreRequest =
        serde_json::from_slice(bytes).map_err(|source| SyncError::Decode {
            message: "restore request",
            source,
        })?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(SyncError::Version {
            got: req.protocol,
            expected: PROTOCOL_VERSION,
        });
    }
    if req.limit == 0 || req.limit > MAX_PAGE {
        return Err(SyncError::Invalid {
            message: "restore request",
            rule: "limit is 1 to 2000",
        });
    }
    Ok(req)
}

/// Decodes a restore response.
pub fn decode_restore_response(bytes: &[u8]) -> Result<RestoreResponse> {
    if bytes.len() > crate::wire::MAX_MESSAGE_BYTES {
        return Err(SyncError::TooLarge {
            size: bytes.len(),
            limit: crate::wire::MAX_MESSAGE_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|source| SyncError::Decode {
        message: "restore response",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_a_bounded_page_of_this_protocol() {
        let ok = br#"{"protocol":1,"after":0,"limit":10}"#;
        assert_eq!(decode_restore_request(ok).unwrap().limit, 10);
        for bad in [
            &br#"{"protocol":1,"after":0,"limit":0}"#[..],
            br#"{"protocol":1,"after":0,"limit":2001}"#,
            br#"{"protocol":2,"after":0,"limit":10}"#,
            br#"{"protocol":1,"after":0,"limit":10,"device":"S2/R1"}"#,
        ] {
            assert!(decode_restore_request(bad).is_err());
        }
    }
}
