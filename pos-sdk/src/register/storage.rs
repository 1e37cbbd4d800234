//! The till's storage headroom: a sale that may not fit is refused before
//! any payment is taken, as for a closed day.
//!
//! The facade cannot see how much space its host grants the till file (a
//! browser's storage quota for OPFS, a tablet's free disk), so the host
//! tells it ([`Register::set_storage_headroom`], e.g. from
//! `navigator.storage.estimate()` before each sale). Under
//! [`STORAGE_RESERVE_BYTES`], `start_payment` and the completion of a sale
//! are `storage_full` and write nothing. Independently, when SQLite itself
//! finds the disk full (SQLITE_FULL, from the OPFS VFS at the quota or a
//! native disk), the sale's one transaction is rolled back and the failure
//! is the same `storage_full`: nothing half-written, the next sale fine once
//! space is freed.

use super::Register;
use crate::SdkError;
use pos_fiscal::FiscalError;

/// The headroom a sale needs (1 MiB). A sale writes about 14 KB (ticket,
/// signed journal record, stock movements, outbox event; more for a large
/// basket, twice as much while its WAL frames are not checkpointed); the rest
/// keeps room for the day's closure (Z) and its journal records, which must
/// still be possible when sales are refused.
pub const STORAGE_RESERVE_BYTES: u64 = 1024 * 1024;

impl Register {
    /// Records the space its host says is left for the till file (`None`:
    /// unknown, nothing is refused for it). The value holds until the next
    /// call: hosts refresh it before each sale.
    pub fn set_storage_headroom(&mut self, bytes: Option<u64>) {
        self.storage_headroom = bytes;
    }

    /// The space left for the till file, as its host last said.
    pub fn storage_headroom(&self) -> Option<u64> {
        self.storage_headroom
    }

    /// `storage_full` when the reported headroom is under a sale's reserve.
    pub(crate) fn check_storage_headroom(&self) -> Result<(), SdkError> {
        match self.storage_headroom {
            Some(left) if left < STORAGE_RESERVE_BYTES => {
                tracing::warn!(target: "pos_sdk::storage", left, reserve = STORAGE_RESERVE_BYTES, "write refused: storage headroom under the reserve");
                Err(SdkError::StorageFull {
                    left: Some(left),
                    reserve: STORAGE_RESERVE_BYTES,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Whether SQLite failed because the database or its disk is full.
pub(crate) fn is_disk_full(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

/// A sale's failure as the refusal to show: a full disk is `storage_full`.
pub(crate) fn full_disk_refusal(e: SdkError) -> SdkError {
    let full = match &e {
        SdkError::Storage(s) | SdkError::Fiscal(FiscalError::Sqlite(s)) => is_disk_full(s),
        _ => false,
    };
    if full {
        tracing::warn!(target: "pos_sdk::storage", "write refused: the disk is full (rolled back)");
        SdkError::StorageFull {
            left: None,
            reserve: STORAGE_RESERVE_BYTES,
        }
    } else {
        e
    }
}

/// The `storage_full` message's detail.
pub(crate) fn describe_headroom(left: &Option<u64>, reserve: u64) -> String {
    match left {
        Some(left) => format!("{left} bytes left, a sale needs {reserve}"),
        None => "the disk refused the write; the sale was rolled back".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdGenerator, ManualClock, RegisterConfig, SaleOptions};
    use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
    use pos_core::tender::{Tender, TenderMethod};
    use std::path::Path;
    use std::sync::Arc;

    fn till(path: &Path) -> Register {
        let config = RegisterConfig::france(
            StoreId::new("s").unwrap(),
            RegisterId::new("r").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new("2026-03-01T10:00:00Z".parse().unwrap()));
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
        let mut reg = Register::open(
            path,
            config,
            clock,
            IdGenerator::seeded(1),
            Box::new(signer),
        )
        .unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        reg
    }

    /// Scans a sample item and pays it by card; the refusal, if any.
    fn sell(reg: &mut Register) -> Result<String, SdkError> {
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, "3760123000352", &ctx)?;
        let mut payment = reg.start_payment(&cart, None)?;
        let due = payment.remaining()?;
        payment.add(Tender::new(TenderMethod::Card, due))?;
        let options = SaleOptions::by(OperatorId::new("a").unwrap());
        Ok(reg
            .complete_sale(cart, payment, &options)?
            .ticket
            .id()
            .to_owned())
    }

    fn count(reg: &Register, table: &str) -> i64 {
        reg.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn journal_records(reg: &Register) -> u64 {
        let report = reg.verify().unwrap();
        assert!(report.is_intact(), "{:?}", report.defects);
        report.records
    }

    #[test]
    fn headroom_under_the_reserve_refuses_before_payment_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = till(&dir.path().join("till.db"));
        sell(&mut reg).unwrap();
        let (tickets, outbox, records) = (
            count(&reg, "tickets"),
            count(&reg, "outbox"),
            journal_records(&reg),
        );

        reg.set_storage_headroom(Some(STORAGE_RESERVE_BYTES - 1));
        assert_eq!(reg.storage_headroom(), Some(STORAGE_RESERVE_BYTES - 1));
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let e = reg.start_payment(&cart, None).unwrap_err();
        assert_eq!(e.kind(), "storage_full");
        assert_eq!(
            e.to_string(),
            format!(
                "the till's storage is full ({} bytes left, a sale needs {}): no sale can be recorded until space is freed",
                STORAGE_RESERVE_BYTES - 1,
                STORAGE_RESERVE_BYTES
            )
        );

        // A payment taken before the headroom fell: completion refuses too,
        // handing the cart and payment back.
        reg.set_storage_headroom(None);
        let mut payment = reg.start_payment(&cart, None).unwrap();
        let due = payment.remaining().unwrap();
        payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
        reg.set_storage_headroom(Some(0));
        let options = SaleOptions::by(OperatorId::new("a").unwrap());
        let refused = reg.complete_sale(cart, payment, &options).unwrap_err();
        assert_eq!(refused.kind(), "storage_full");
        assert_eq!(refused.payment.tenders().len(), 1);
        assert_eq!(count(&reg, "tickets"), tickets);
        assert_eq!(count(&reg, "outbox"), outbox);
        assert_eq!(journal_records(&reg), records);

        // Exactly the reserve left is enough.
        reg.set_storage_headroom(Some(STORAGE_RESERVE_BYTES));
        sell(&mut reg).unwrap();
        assert_eq!(count(&reg, "tickets"), tickets + 1);
    }

    #[test]
    fn a_full_disk_rolls_the_sale_back_as_storage_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till.db");
        let mut reg = till(&path);
        sell(&mut reg).unwrap();
        reg.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        let (tickets, outbox, records) = (
            count(&reg, "tickets"),
            count(&reg, "outbox"),
            journal_records(&reg),
        );

        // The file may not grow by a single page: SQLite reports SQLITE_FULL.
        let pages: i64 = reg
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        let freelist: i64 = reg
            .conn
            .query_row("PRAGMA freelist_count", [], |r| r.get(0))
            .unwrap();
        assert_eq!(freelist, 0, "free pages would let the sale fit");
        let _: i64 = reg
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .unwrap();
        let e = sell(&mut reg).unwrap_err();
        assert_eq!(e.kind(), "storage_full", "{e:?}");
        assert!(
            matches!(e, SdkError::StorageFull { left: None, .. }),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "the till's storage is full (the disk refused the write; the sale was rolled back): no sale can be recorded until space is freed"
        );
        assert_eq!(count(&reg, "tickets"), tickets);
        assert_eq!(count(&reg, "outbox"), outbox);
        assert_eq!(journal_records(&reg), records);

        // Space freed: the next sale records and the journal still verifies,
        // also read from the file by another connection.
        let _: i64 = reg
            .conn
            .query_row("PRAGMA max_page_count = 1073741823", [], |r| r.get(0))
            .unwrap();
        sell(&mut reg).unwrap();
        assert_eq!(count(&reg, "tickets"), tickets + 1);
        assert_eq!(journal_records(&reg), records + 1);
        drop(reg);
        let report =
            crate::verify::verify_file(&path, &pos_fiscal::store::VerifyOptions::default())
                .unwrap();
        assert!(report.is_intact(), "{:?}", report.defects);
    }

    #[test]
    fn a_disk_full_sqlite_error_has_the_storage_full_code() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert_eq!(SdkError::Storage(full).kind(), "storage_full");
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert_eq!(SdkError::Storage(busy).kind(), "storage");
    }
}
