//! The wire protocol: JSON messages between a till and the server.
//!
//! Version 1. Every request is a JSON body signed with HMAC-SHA256 (see
//! [`crate::auth`]). Decoders enforce a size limit and the protocol's rules
//! (ordered, gapless sequences inside a batch, UUID event ids), so a bad
//! message is refused whole before anything is applied.

use crate::error::{Result, SyncError};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The largest request or response body accepted (16 MiB).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Paths of the protocol's endpoints.
pub mod paths {
    /// Device enrolment.
    pub const ENROLL: &str = "/v1/enroll";
    /// Push the outbox and fiscal records.
    pub const PUSH: &str = "/v1/push";
    /// Pull changes since a cursor.
    pub const PULL: &str = "/v1/pull";
    /// The device's sync state as the server sees it.
    pub const STATUS: &str = "/v1/status";
    /// The device's registered fiscal keys and the fiscal heads the server
    /// mirrors ([`super::ServerAnchor`]), to check a till file against.
    pub const ANCHOR: &str = "/v1/anchor";
}

/// A hybrid logical clock stamp: wall time, a counter and the node id.
/// Ordered by (wall, counter, node), so any two stamps compare the same way
/// everywhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Hlc {
    /// Milliseconds since the epoch.
    pub wall_ms: i64,
    /// Logical counter for events within one millisecond.
    pub counter: u32,
    /// The device (or `server`) that made the stamp.
    pub node: String,
}

/// One outbox event as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireEvent {
    /// Gapless per-device sequence, from 1.
    pub seq: u64,
    /// UUID (v7), the idempotency key.
    pub event_id: String,
    /// `sale`, `refund`, `stock`, `customer`, `customer_erased`,
    /// `stored_value`, `order_state`...
    pub kind: String,
    /// When the till made the change.
    pub created_at: DateTime<Utc>,
    /// Hybrid logical clock stamp (orders last-writer-wins fields).
    #[serde(default)]
    pub hlc: Hlc,
    /// The change itself.
    pub payload: serde_json::Value,
}

/// Enrolment: the retailer's single-use code (header
/// [`crate::auth::HEADER_ENROLMENT_CODE`]) authorises a new device in the
/// code's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The new device's register id (unique within its store).
    pub device: String,
    /// The store it sells in.
    pub store: String,
    /// Its stock location.
    pub location: String,
    /// Its fiscal public key, SEC1 hex.
    pub public_key: String,
    /// The device it replaces (lost or broken till), if any: the server's
    /// id of that device, which the enrolment code must name.
    #[serde(default)]
    pub replaces: Option<String>,
}

/// The device's secret, given once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    /// The server's id of this device (namespaced by store): the till
    /// sends it in [`crate::auth::HEADER_DEVICE`].
    pub device: String,
    /// The HMAC key, hex.
    pub secret: String,
    /// What the server had from the replaced device, if any.
    #[serde(default)]
    pub replaced: Option<DeviceStatus>,
}

/// A batch of outbox events plus the fiscal records not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Protocol version.
    pub protocol: u32,
    /// Events in strictly increasing, gapless sequence order.
    pub events: Vec<WireEvent>,
    /// Fiscal records in the till's append order.
    #[serde(default)]
    pub fiscal: Vec<StoredRecord>,
}

/// A fiscal batch that was kept aside instead of accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalQuarantine {
    /// Server id of the quarantined batch.
    pub id: u64,
    /// Records in the batch.
    pub records: u64,
    /// Defect kinds found (`gap`, `fork`, `forged`, ...), with series and number.
    pub defects: Vec<String>,
}

/// Why an applied event had no effect on some state (reported, not fatal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// The event's sequence.
    pub seq: u64,
    /// The error code (e.g. `invalid_transition`).
    pub code: String,
}

/// The server's answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    /// Highest contiguous sequence applied for this device.
    pub acked_seq: u64,
    /// Per series, the last fiscal record number accepted.
    pub fiscal_heads: BTreeMap<Series, u64>,
    /// Fiscal batches kept aside by this request.
    #[serde(default)]
    pub quarantined: Vec<FiscalQuarantine>,
    /// Events applied but refused by a merge rule (e.g. an order transition).
    #[serde(default)]
    pub rejections: Vec<Rejection>,
}

/// Pull the store's changes after a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The last cursor received (0 at first).
    pub cursor: u64,
    /// At most this many changes.
    pub limit: u32,
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new catalog version (server-authoritative).
    Catalog,
    /// A stock movement from another till or the web shop.
    Stock,
    /// A customer's merged fields.
    Customer,
    /// A loyalty points movement.
    Loyalty,
    /// A stored-value (gift card, credit) movement or account.
    StoredValue,
    /// A web or click & collect order and its state.
    Order,
    /// Lines of a ticket of this store refunded at another till
    /// ([`crate::refunds::RefundedElsewhere`]).
    Refund,
    /// An operator of the store made or changed in the back office
    /// ([`crate::operators::OperatorChange`]).
    Operator,
}

/// One change in the store's feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The server cursor of this change.
    pub cursor: u64,
    /// What it is about.
    pub kind: ChangeKind,
    /// Its key (movement id, customer id, order id, catalog version).
    pub key: String,
    /// The device it came from (`None` for the server or web shop).
    pub origin: Option<String>,
    /// The data.
    pub data: serde_json::Value,
}

/// The server's answer to a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    /// Changes in cursor order.
    pub changes: Vec<Change>,
    /// The cursor to send next time.
    pub cursor: u64,
    /// More changes are waiting.
    pub more: bool,
}

/// A device's sync state as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    /// The device.
    pub device: String,
    /// Highest contiguous event sequence received.
    pub acked_seq: u64,
    /// Last fiscal record per series.
    pub fiscal_heads: BTreeMap<Series, u64>,
    /// Quarantined fiscal batches.
    pub quarantined: u64,
    /// Last successful push (RFC 3339), if any.
    pub last_push: Option<DateTime<Utc>>,
}

/// A fiscal key the server registered for a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredKey {
    /// Its key id (first 8 bytes of SHA-256 of the SEC1 key, hex).
    pub key_id: String,
    /// The public key, SEC1 uncompressed, hex.
    pub public_key: String,
    /// The number of the E record (JET 310, key change) that introduced
    /// it; 0 for the key registered at enrolment.
    pub since: u64,
}

/// The last record of one series the server accepted from a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadEntry {
    /// Its number.
    pub last: u64,
    /// Its hash (hex).
    pub hash: String,
}

/// What the server holds to check a till file against: the keys registered
/// for the device (oldest first; the last one signs new records) and, per
/// series, the last record it accepted. A till file whose chains do not
/// reach these heads with these hashes was cut, forked or restored from an
/// old copy; a record signed by a key not listed here was re-signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerAnchor {
    /// The device (register id).
    pub device: String,
    /// Registered public keys, oldest first.
    pub public_keys: Vec<RegisteredKey>,
    /// Mirrored heads per series.
    pub heads: BTreeMap<Series, HeadEntry>,
}

/// Decodes an anchor response.
pub fn decode_server_anchor(bytes: &[u8]) -> Result<ServerAnchor> {
    decode(bytes, "server anchor")
}

/// An error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code (see [`SyncError::code`]).
    pub code: String,
    /// Readable message (no personal data).
    pub message: String,
}

/// Decodes a JSON message of at most [`MAX_MESSAGE_BYTES`].
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    message: &'static str,
) -> Result<T> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(SyncError::TooLarge {
            size: bytes.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|source| SyncError::Decode { message, source })
}

/// Refuses a message of another protocol version.
pub(crate) fn check_version(got: u32) -> Result<()> {
    if got == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(SyncError::Version {
            got,
            expected: PROTOCOL_VERSION,
        })
    }
}

/// Decodes and validates a push request.
pub fn decode_push_request(bytes: &[u8]) -> Result<PushRequest> {
    let req: PushRequest = decode(bytes, "push request")?;
    check_version(req.protocol)?;
    let invalid = |rule| SyncError::Invalid {
        message: "push request",
        rule,
    };
    let mut prev: Option<u64> = None;
    for e in &req.events {
        if e.seq == 0 {
            return Err(invalid("sequences start at 1"));
        }
        if let Some(p) = prev
            && p.checked_add(1) != Some(e.seq)
        {
            return Err(invalid("events must be in gapless sequence order"));
        }
        if uuid::Uuid::parse_str(&e.event_id).is_err() {
            return Err(invalid("event ids are UUIDs"));
        }
        if e.kind.is_empty() || e.kind.len() > 64 {
            return Err(invalid("event kind is 1 to 64 characters"));
        }
        prev = Some(e.seq);
    }
    Ok(req)
}

/// Decodes and validates a pull request.
pub fn decode_pull_request(bytes: &[u8]) -> Result<PullRequest> {
    let req: PullRequest = decode(bytes, "pull request")?;
    check_version(req.protocol)?;
    if req.limit == 0 {
        return Err(SyncError::Invalid {
            message: "pull request",
            rule: "limit is at least 1",
        });
    }
    // Cursors are the server's change numbers: databases keep them as
    // signed 64-bit integers, so a larger one names no change.
    if i64::try_from(req.cursor).is_err() {
        return Err(SyncError::Invalid {
            message: "pull request",
            rule: "cursor is below 2^63",
        });
    }
    Ok(req)
}

/// Decodes an enrolment request.
pub fn decode_enroll_request(bytes: &[u8]) -> Result<EnrollRequest> {
    let req: EnrollRequest = decode(bytes, "enrolment request")?;
    let ok = |s: &str| !s.is_empty() && s.len() <= 128;
    if !(ok(&req.device) && ok(&req.store) && ok(&req.location)) {
        return Err(SyncError::Invalid {
            message: "enrolment request",
            rule: "device, store and location are 1 to 128 characters",
        });
    }
    if hex::decode(&req.public_key)
        .ok()
        .and_then(|b| pos_fiscal::PublicKey::from_sec1(&b).ok())
        .is_none()
    {
        return Err(SyncError::Invalid {
            message: "enrolment request",
            rule: "public_key is a SEC1 P-256 key in hex",
        });
    }
    Ok(req)
}

/// Decodes a push response.
pub fn decode_push_response(bytes: &[u8]) -> Result<PushResponse> {
    decode(bytes, "push response")
}

/// Decodes a pull response (and checks cursors increase).
pub fn decode_pull_response(bytes: &[u8]) -> Result<PullResponse> {
    let resp: PullResponse = decode(bytes, "pull response")?;
    let mut prev = 0u64;
    for c in &resp.changes {
        if c.cursor <= prev || c.cursor > resp.cursor {
            return Err(SyncError::Invalid {
                message: "pull response",
                rule: "change cursors increase up to the response cursor",
            });
        }
        prev = c.cursor;
    }
    Ok(resp)
}

/// Decodes an enrolment response.
pub fn decode_enroll_response(bytes: &[u8]) -> Result<EnrollResponse> {
    decode(bytes, "enrolment response")
}

/// Decodes an error body.
pub fn decode_error(bytes: &[u8]) -> Result<ErrorBody> {
    decode(bytes, "error body")
}

/// Encodes any message (infallible for these types; an error is reported
/// as [`SyncError::Corrupt`]).
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(msg).map_err(|_| SyncError::Corrupt {
        what: "message encoding",
    })
}
