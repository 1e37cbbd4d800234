//! Period archives of the tills (issue 18): the server keeps each till's
//! archive files for six years after their period and confirms them, so
//! the till can purge the archived detail.
//!
//! [`Server::accept_archive`] takes a `pos-fiscal-archive/1` tar from the
//! device that signed the request and accepts it only when:
//! - the manifest names that device's register (a device archives only for
//!   itself; another register's archive is refused without being read
//!   further);
//! - it verifies (manifest signature, file hashes, records' signatures,
//!   hashes and chains) under the keys registered for the device;
//! - every archived series ends on the record the server's own journal copy
//!   holds under that number, with the same hash (the till syncs before it
//!   archives; a till cannot confirm detail the server never checked);
//! - it chains to the device's last stored archive (`previous_manifest_sha256`).
//!
//! It is then stored, never updated or deleted by this module, and the same
//! file sent again answers the same receipt.

mod postgres;
mod sqlite;

pub(crate) use postgres::{PG_SCHEMA, pg_tx};
pub(crate) use sqlite::{SQLITE_SCHEMA, sqlite_tx};

use super::Server;
use super::store::{Device, Storage};
use crate::error::{Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use pos_fiscal::PublicKey;
use pos_fiscal::archive::{read_manifest, verify_archive};
use pos_fiscal::record::sha256_hex;
use pos_sync::archive::{ArchiveReceipt, KEEP_YEARS};

/// The rows a transaction reads and writes for archives; each back end
/// implements them in its own file of this module.
pub trait ArchiveRows {
    /// The receipt of a stored archive of `device` by its manifest hash.
    fn archive(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<ArchiveReceipt>>;
    /// The device's archives, oldest period first.
    fn archives(&mut self, device: &str) -> Result<Vec<ArchiveReceipt>>;
    /// Stores an archive file with its receipt.
    fn insert_archive(&mut self, r: &ArchiveReceipt, previous: &str, file: &[u8]) -> Result<()>;
    /// The stored file of an archive.
    fn archive_file(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<Vec<u8>>>;
}

fn refused(rule: &'static str) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "archive",
        rule,
    })
}

fn corrupt(what: &'static str) -> ServerError {
    ServerError::from(SyncError::Corrupt { what })
}

/// The last day the server keeps an archive of a period ending `to`.
fn keep_until(to: &str) -> Result<String> {
    let to: NaiveDate = to.parse().map_err(|_| refused("`to` is a date"))?;
    let year = to.year().saturating_add(KEEP_YEARS);
    // 29 February six years on may not exist: keep to 1 March then.
    let day = to
        .with_year(year)
        .or_else(|| to.succ_opt().and_then(|d| d.with_year(year)))
        .ok_or(refused("`to` is a date"))?;
    Ok(day.to_string())
}

impl<S: Storage> Server<S> {
    /// `POST /v1/archives`: the signed device stores one of its archives.
    pub(crate) fn archive_route(
        &self,
        req: &HttpRequest,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        let dev = self.device_for(req, now)?;
        let receipt = self.accept_archive(&dev.id, &req.body, now)?;
        Ok(super::handler::json_response(200, &receipt))
    }

    /// Verifies and stores `file`, an archive of `device`'s register, and
    /// answers its receipt (the stored one when it is already held).
    pub fn accept_archive(
        &self,
        device: &str,
        file: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ArchiveReceipt> {
        let manifest = read_manifest(file).map_err(|_| refused("the body is an archive file"))?;
        let manifest_sha256 = {
            let files = pos_fiscal::archive::tarball::read(file)
                .map_err(|_| refused("the body is an archive file"))?;
            let m = files
                .get("manifest.json")
                .ok_or(refused("the archive holds a manifest"))?;
            sha256_hex(m)
        };
        let records = pos_fiscal::archive::tarball::read(file)
            .ok()
            .and_then(|f| {
                f.get("records.jsonl")
                    .map(|r| r.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count())
            })
            .unwrap_or(0);
        self.with_tx(|tx| {
            let dev: Device = tx
                .device(device)?
                .ok_or(SyncError::NotFound { what: "device" })?;
            if manifest.register != dev.register {
                return Err(refused("a device archives only its own register"));
            }
            if let Some(held) = tx.archives().archive(&dev.id, &manifest_sha256)? {
                return Ok(held);
            }
            let keys: Vec<PublicKey> = super::fiscal::registered_keys(tx, &dev)?
                .iter()
                .filter_map(|k| hex::decode(&k.public_key).ok())
                .filter_map(|b| PublicKey::from_sec1(&b).ok())
                .collect();
            let report =
                verify_archive(file, &keys).map_err(|_| refused("the archive verifies"))?;
            if !report.is_intact() {
                return Err(refused("the archive verifies (signatures, hashes, chains)"));
            }
            for (series, range) in &manifest.ranges {
                let held = tx.fiscal_hash(&dev.id, *series, range.last)?;
                if held.as_deref() != Some(range.last_hash.as_str()) {
                    return Err(refused(
                        "every archived series ends on a record the server holds (sync first)",
                    ));
                }
            }
            let previous = tx
                .archives()
                .archives(&dev.id)?
                .last()
                .map(|a| a.manifest_sha256.clone());
            // The first archive the server holds anchors the chain (a till
            // may have archived before it sent archives to the server).
            if let Some(p) = &previous
                && *p != manifest.previous_manifest_sha256
            {
                return Err(refused(
                    "archives arrive in order, each chained to the last",
                ));
            }
            let receipt = ArchiveReceipt {
                device: dev.id.clone(),
                manifest_sha256: manifest_sha256.clone(),
                file_sha256: sha256_hex(file),
                from: manifest.from.clone(),
                to: manifest.to.clone(),
                bytes: u64::try_from(file.len()).map_err(|_| corrupt("size"))?,
                records: u64::try_from(records).map_err(|_| corrupt("count"))?,
                stored_at: now,
                keep_until: keep_until(&manifest.to)?,
                verification: report.verdict.to_string(),
            };
            tx.archives()
                .insert_archive(&receipt, &manifest.previous_manifest_sha256, file)?;
            Ok(receipt)
        })
    }

    /// The archives held for `device`, oldest period first.
    pub fn device_archives(&self, device: &str) -> Result<Vec<ArchiveReceipt>> {
        self.with_tx(|tx| tx.archives().archives(device))
    }

    /// The stored file of one of `device`'s archives.
    pub fn archive_file(&self, device: &str, manifest_sha256: &str) -> Result<Option<Vec<u8>>> {
        self.with_tx(|tx| tx.archives().archive_file(device, manifest_sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_kept_six_years_after_their_period() {
        assert_eq!(keep_until("2026-01-31").unwrap(), "2032-01-31");
        assert_eq!(keep_until("2028-02-29").unwrap(), "2034-03-01");
        assert!(keep_until("2026-13-01").is_err());
    }
}
