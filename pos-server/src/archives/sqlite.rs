//! Archive rows in SQLite.

use super::{ArchiveRows, corrupt};
use crate::error::Result;
use pos_sync::archive::ArchiveReceipt;
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// The archive table (created with the rest of the schema). Rows are never
/// updated; nothing here deletes them.
pub(crate) const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS till_archives (
    device TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, file_sha256 TEXT NOT NULL,
    from_day TEXT NOT NULL, to_day TEXT NOT NULL, previous TEXT NOT NULL,
    bytes INTEGER NOT NULL, records INTEGER NOT NULL, stored_ms INTEGER NOT NULL,
    keep_until TEXT NOT NULL, verification TEXT NOT NULL, file BLOB NOT NULL,
    PRIMARY KEY (device, manifest_sha256));
CREATE INDEX IF NOT EXISTS till_archives_by_period ON till_archives(device, to_day);
";

struct Rows<'a>(&'a Transaction<'a>);

/// The archive rows of a SQLite transaction.
pub(crate) fn sqlite_tx<'a>(tx: &'a Transaction<'a>) -> Box<dyn ArchiveRows + 'a> {
    Box::new(Rows(tx))
}

const COLUMNS: &str = "device, manifest_sha256, file_sha256, from_day, to_day, bytes, records, stored_ms, keep_until, verification";

type Raw = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    String,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

pub(super) fn receipt(r: Raw) -> Result<ArchiveReceipt> {
    let (
        device,
        manifest_sha256,
        file_sha256,
        from,
        to,
        bytes,
        records,
        stored_ms,
        keep_until,
        verification,
    ) = r;
    Ok(ArchiveReceipt {
        device,
        manifest_sha256,
        file_sha256,
        from,
        to,
        bytes: u64::try_from(bytes).map_err(|_| corrupt("archive size"))?,
        records: u64::try_from(records).map_err(|_| corrupt("archive records"))?,
        stored_at: chrono::DateTime::from_timestamp_millis(stored_ms)
            .ok_or(corrupt("archive time"))?,
        keep_until,
        verification,
    })
}

pub(super) fn row_values(r: &ArchiveReceipt) -> Result<(i64, i64)> {
    Ok((
        i64::try_from(r.bytes).map_err(|_| corrupt("archive size"))?,
        i64::try_from(r.records).map_err(|_| corrupt("archive records"))?,
    ))
}

impl ArchiveRows for Rows<'_> {
    fn archive(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<ArchiveReceipt>> {
        self.0
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM till_archives WHERE device = ?1 AND manifest_sha256 = ?2"
                ),
                params![device, manifest_sha256],
                raw,
            )
            .optional()?
            .map(receipt)
            .transpose()
    }

    fn archives(&mut self, device: &str) -> Result<Vec<ArchiveReceipt>> {
        let mut st = self.0.prepare(&format!(
            "SELECT {COLUMNS} FROM till_archives WHERE device = ?1 ORDER BY to_day, stored_ms"
        ))?;
        let rows = st.query_map([device], raw)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(receipt(r?)?);
        }
        Ok(out)
    }

    fn insert_archive(&mut self, r: &ArchiveReceipt, previous: &str, file: &[u8]) -> Result<()> {
        let (bytes, records) = row_values(r)?;
        self.0.execute(
            "INSERT INTO till_archives(device, manifest_sha256, file_sha256, from_day, to_day, previous,
                bytes, records, stored_ms, keep_until, verification, file)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.device,
                r.manifest_sha256,
                r.file_sha256,
                r.from,
                r.to,
                previous,
                bytes,
                records,
                r.stored_at.timestamp_millis(),
                r.keep_until,
                r.verification,
                file
            ],
        )?;
        Ok(())
    }

    fn archive_file(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .query_row(
                "SELECT file FROM till_archives WHERE device = ?1 AND manifest_sha256 = ?2",
                params![device, manifest_sha256],
                |r| r.get(0),
            )
            .optional()?)
    }
}
