//! What the sync server holds to check a till file against: the public
//! keys it registered for the till (enrolment, then each accepted key
//! change) and the last record of each series it accepted. A till owner or
//! an inspector holding the till file asks with the till's own credentials
//! (the HMAC secret kept in the file since enrolment), without opening the
//! file for writing: the file examined is never changed.
//!
//! ```no_run
//! # fn demo() -> Result<(), pos_sync::SyncError> {
//! # #[cfg(any())] {
//! let mut http = pos_sync::http_client::UreqTransport::new("https://sync.example.fr");
//! let anchor = pos_sdk::sync::server_anchor("till.sqlite".as_ref(), &mut http)?;
//! for (series, head) in &anchor.heads {
//!     println!("{series:?}: last {} hash {}", head.last, head.hash);
//! }
//! # }
//! # Ok(()) }
//! ```

use super::{DEVICE_KEY, SECRET_KEY, sql, till};
use crate::SdkError;
use pos_sync::client::{Credentials, server_error, signed};
use pos_sync::transport::Transport;
use pos_sync::wire::{self, paths};
use pos_sync::{Result, SyncError};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

pub use pos_sync::wire::{HeadEntry, RegisteredKey, ServerAnchor};

/// Opens a till file read-only (see [`pos_fiscal::store::open_read_only`]):
/// nothing is written to it, and no `-wal` or `-shm` file is created
/// beside a closed till or a copy.
pub fn open_read_only(path: &Path) -> std::result::Result<Connection, SdkError> {
    if !path.is_file() {
        return Err(SdkError::NotFound {
            what: "till file",
            id: path.display().to_string(),
        });
    }
    Ok(pos_fiscal::store::open_read_only(path)?)
}

/// The sync credentials kept in a till file (the device id and the HMAC
/// secret the server gave at enrolment).
pub fn credentials_in(conn: &Connection) -> Result<Credentials> {
    let get = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(sql)
    };
    let not_enrolled = || {
        till(SdkError::Precondition {
            what: "enrolment with a sync server",
        })
    };
    let device = match get(DEVICE_KEY)? {
        Some(d) => d,
        None => get("register")?.ok_or_else(not_enrolled)?,
    };
    let secret = get(SECRET_KEY)?.ok_or_else(not_enrolled)?;
    let secret = hex::decode(&secret).map_err(|_| SyncError::Corrupt {
        what: "sync secret",
    })?;
    Ok(Credentials { device, secret })
}

/// Asks the server for the anchor of the till at `till` (opened read-only,
/// see [`open_read_only`]), authenticated by the till's own credentials.
pub fn server_anchor(till_path: &Path, transport: &mut dyn Transport) -> Result<ServerAnchor> {
    let conn = open_read_only(till_path).map_err(till)?;
    let creds = credentials_in(&conn)?;
    drop(conn);
    anchor_with(&creds, transport, chrono::Utc::now().timestamp_millis())
}

/// Asks the server for a device's anchor with its credentials at `now_ms`.
pub fn anchor_with(
    creds: &Credentials,
    transport: &mut dyn Transport,
    now_ms: i64,
) -> Result<ServerAnchor> {
    let req = signed(creds, "POST", paths::ANCHOR, b"{}".to_vec(), now_ms);
    let resp = transport.send(&req)?;
    if resp.status != 200 {
        return Err(server_error(&resp));
    }
    let anchor = wire::decode_server_anchor(&resp.body)?;
    if anchor.device != creds.device {
        return Err(SyncError::Invalid {
            message: "server anchor",
            rule: "the anchor is the asking device's",
        });
    }
    Ok(anchor)
}
