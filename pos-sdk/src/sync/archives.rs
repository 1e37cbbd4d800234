//! Sending the till's period archives to the sync server (issue 18; see
//! `register/purge.rs` for the whole archive-and-purge cycle).

use super::{credentials, till};
use crate::Register;
use pos_sync::archive::{ArchiveReceipt, decode_archive_receipt, paths};
use pos_sync::client::{server_error, signed};
use pos_sync::transport::Transport;
use pos_sync::{Result, SyncError};

/// Sends every archive the server has not confirmed yet, oldest first, and
/// records each receipt (the till then drops its copy of the file). Stops
/// at the first refusal: archives chain, so a later one cannot be
/// confirmed before it. Returns the receipts received in this call.
pub fn push_archives(
    register: &mut Register,
    transport: &mut dyn Transport,
) -> Result<Vec<ArchiveReceipt>> {
    let creds = credentials(register)?.ok_or(SyncError::NotFound {
        what: "sync enrolment",
    })?;
    let mut out = Vec::new();
    for upload in register.archive_uploads().map_err(till)? {
        let Some(file) = upload.file else {
            continue;
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        let resp = transport.send(&signed(&creds, "POST", paths::ARCHIVE, file, now_ms))?;
        if resp.status != 200 {
            return Err(server_error(&resp));
        }
        let receipt = decode_archive_receipt(&resp.body)?;
        if receipt.device != creds.device || receipt.manifest_sha256 != upload.manifest_sha256 {
            return Err(SyncError::Invalid {
                message: "archive receipt",
                rule: "the receipt names the archive sent, for this device",
            });
        }
        let json = serde_json::to_string(&receipt).map_err(|_| SyncError::Corrupt {
            what: "archive receipt",
        })?;
        register
            .confirm_archive(&upload.manifest_sha256, &json)
            .map_err(till)?;
        out.push(receipt);
    }
    Ok(out)
}
