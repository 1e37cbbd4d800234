//! Archive rows in PostgreSQL.

use super::ArchiveRows;
use super::sqlite::{receipt, row_values};
use crate::error::Result;
use pos_sync::archive::ArchiveReceipt;
use postgres::{Row, Transaction};

/// The archive table (created with the rest of the schema). Rows are never
/// updated; nothing here deletes them.
pub(crate) const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS till_archives (
    device TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, file_sha256 TEXT NOT NULL,
    from_day TEXT NOT NULL, to_day TEXT NOT NULL, previous TEXT NOT NULL,
    bytes BIGINT NOT NULL, records BIGINT NOT NULL, stored_ms BIGINT NOT NULL,
    keep_until TEXT NOT NULL, verification TEXT NOT NULL, file BYTEA NOT NULL,
    PRIMARY KEY (device, manifest_sha256));
CREATE INDEX IF NOT EXISTS till_archives_by_period ON till_archives(device, to_day);
";

struct Rows<'a, 't>(&'a mut Transaction<'t>);

/// The archive rows of a PostgreSQL transaction.
pub(crate) fn pg_tx<'a, 't>(tx: &'a mut Transaction<'t>) -> Box<dyn ArchiveRows + 'a>
where
    't: 'a,
{
    Box::new(Rows(tx))
}

const COLUMNS: &str = "device, manifest_sha256, file_sha256, from_day, to_day, bytes, records, stored_ms, keep_until, verification";

fn read(r: &Row) -> Result<ArchiveReceipt> {
    receipt((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
        r.try_get(9)?,
    ))
}

impl ArchiveRows for Rows<'_, '_> {
    fn archive(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<ArchiveReceipt>> {
        let rows = self.0.query(
            &format!(
                "SELECT {COLUMNS} FROM till_archives WHERE device = $1 AND manifest_sha256 = $2"
            ),
            &[&device, &manifest_sha256],
        )?;
        rows.first().map(read).transpose()
    }

    fn archives(&mut self, device: &str) -> Result<Vec<ArchiveReceipt>> {
        let rows = self.0.query(
            &format!(
                "SELECT {COLUMNS} FROM till_archives WHERE device = $1 ORDER BY to_day, stored_ms"
            ),
            &[&device],
        )?;
        rows.iter().map(read).collect()
    }

    fn insert_archive(&mut self, r: &ArchiveReceipt, previous: &str, file: &[u8]) -> Result<()> {
        let (bytes, records) = row_values(r)?;
        self.0.execute(
            "INSERT INTO till_archives(device, manifest_sha256, file_sha256, from_day, to_day, previous,
                bytes, records, stored_ms, keep_until, verification, file)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &r.device,
                &r.manifest_sha256,
                &r.file_sha256,
                &r.from,
                &r.to,
                &previous,
                &bytes,
                &records,
                &r.stored_at.timestamp_millis(),
                &r.keep_until,
                &r.verification,
                &file,
            ],
        )?;
        Ok(())
    }

    fn archive_file(&mut self, device: &str, manifest_sha256: &str) -> Result<Option<Vec<u8>>> {
        let rows = self.0.query(
            "SELECT file FROM till_archives WHERE device = $1 AND manifest_sha256 = $2",
            &[&device, &manifest_sha256],
        )?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
    }
}
