//! Archive and purge on the till (issue 18): a till file whose size depends
//! on how many days it keeps, not on how many years it has sold.
//!
//! The cycle, each step its own call so an app can run it when idle:
//! 1. [`Register::archive_closed_months`] makes the archive of each whole
//!    calendar month that is closed and not yet archived (pos-fiscal's
//!    `make_archive`: signed A record, JET 20) and keeps the file in
//!    `archive_uploads` until the server confirms it.
//! 2. [`crate::sync::push_archives`] sends each waiting file to the sync
//!    server, which verifies and stores it for six years and answers a
//!    receipt; the till then drops its copy of the file and keeps the
//!    receipt.
//! 3. [`Register::purge_confirmed`] deletes the detail the confirmed
//!    archives cover whose days are older than the `journal_days_kept`
//!    setting: fiscal records (pos-fiscal's rules: only archived detail,
//!    each series' last record kept, totals, closures, JET and archive
//!    records kept, JET 20 `action=purge` logged), the business copy of
//!    those tickets (and which of them were printed), and stock movements
//!    older than the purged days (stock levels already hold them). Loyalty
//!    and stored-value ledgers, customers and orders are kept; the outbox
//!    compacts itself at each acknowledgement (`outbox.rs`).
//! 4. [`Register::reclaim_space`] gives freed pages back to the file system
//!    with `PRAGMA incremental_vacuum`, a bounded number of pages per step
//!    so a sale waiting on the connection is never held long.

use super::{Register, stamp};
use crate::SdkError;
use chrono::{Datelike, NaiveDate};
use pos_core::ids::OperatorId;
use pos_fiscal::archive::{ArchiveOutput, archive_records, purge_archived_upto};
use pos_fiscal::model::Series;
use pos_fiscal::store;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// Pages given back per `incremental_vacuum` step (1 MB at 4 KB pages).
pub const VACUUM_PAGES_PER_STEP: u32 = 256;

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PurgeReport {
    /// Fiscal records deleted (0: nothing was due).
    pub records: u64,
    /// Business copies of tickets deleted.
    pub tickets: u64,
    /// Stock movements deleted.
    pub stock_movements: u64,
    /// Days before this one were purged (`None`: nothing due).
    pub before: Option<NaiveDate>,
}

/// An archive waiting for, or holding, the server's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArchiveUpload {
    /// SHA-256 of its manifest.
    pub manifest_sha256: String,
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// The file, while the server has not confirmed it.
    pub file: Option<Vec<u8>>,
    /// The server's receipt (JSON), once confirmed.
    pub receipt: Option<String>,
}

fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year().checked_add(1)?, 1)
    } else {
        (d.year(), d.month().checked_add(1)?)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn date(s: &str) -> Result<NaiveDate, SdkError> {
    s.parse().map_err(|_| SdkError::Corrupt {
        what: "archive period",
    })
}

impl Register {
    /// The first day no archive covers yet (the day of the journal's first
    /// record when nothing is archived).
    fn first_unarchived_day(&self) -> Result<Option<NaiveDate>, SdkError> {
        if let Some(last) = archive_records(&self.conn)?.last() {
            return Ok(date(&last.to)?.succ_opt());
        }
        let first: Option<(String, i32)> = self
            .conn
            .query_row(
                "SELECT ts, utc_offset_min FROM fiscal_record ORDER BY seq LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(first
            .and_then(|(ts, off)| pos_fiscal::model::Stamp::parse(&ts, off))
            .and_then(|s| s.local_date()))
    }

    /// Archives every whole calendar month that is closed (its last day
    /// closed by a Z) and not yet archived, oldest first, one archive per
    /// month (the first may start mid-month, where the journal starts).
    /// Each file waits in the till for the server's confirmation.
    pub fn archive_closed_months(
        &mut self,
        operator: &OperatorId,
    ) -> Result<Vec<ArchiveOutput>, SdkError> {
        let mut made = Vec::new();
        let Some(closed) = store::last_closed_day(&self.conn)? else {
            return Ok(made);
        };
        while let Some(from) = self.first_unarchived_day()? {
            let Some(to) = last_day_of_month(from) else {
                break;
            };
            if to > closed {
                break;
            }
            let now = stamp(&self.config, self.checked_now()?)?;
            let tx = self.conn.transaction()?;
            let out = pos_fiscal::archive::make_archive(
                &tx,
                self.signer.as_ref(),
                now,
                from,
                to,
                operator.as_str(),
            )?;
            tx.execute(
                "INSERT INTO archive_uploads(manifest_sha256, from_day, to_day, file, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    out.manifest_sha256,
                    from.to_string(),
                    to.to_string(),
                    out.bytes,
                    now.utc_string()
                ],
            )?;
            tx.commit()?;
            made.push(out);
        }
        Ok(made)
    }

    /// The archives the till made for the server, oldest first.
    pub fn archive_uploads(&self) -> Result<Vec<ArchiveUpload>, SdkError> {
        let mut st = self.conn.prepare(
            "SELECT manifest_sha256, from_day, to_day, file, receipt FROM archive_uploads
             ORDER BY to_day",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (manifest_sha256, from, to, file, receipt) = row?;
            out.push(ArchiveUpload {
                manifest_sha256,
                from: date(&from)?,
                to: date(&to)?,
                file,
                receipt,
            });
        }
        Ok(out)
    }

    /// Records the server's receipt of an archive and drops the till's copy
    /// of the file. Refused for an archive this till did not make.
    pub(crate) fn confirm_archive(
        &mut self,
        manifest_sha256: &str,
        receipt_json: &str,
    ) -> Result<(), SdkError> {
        let now = stamp(&self.config, self.clock.now())?;
        let n = self.conn.execute(
            "UPDATE archive_uploads SET file = NULL, confirmed_at = ?2, receipt = ?3
             WHERE manifest_sha256 = ?1",
            params![manifest_sha256, now.utc_string(), receipt_json],
        )?;
        if n == 0 {
            return Err(SdkError::NotFound {
                what: "archive",
                id: manifest_sha256.chars().take(16).collect(),
            });
        }
        Ok(())
    }

    /// Purges what confirmed archives cover and the `journal_days_kept`
    /// setting lets go (nothing when the setting is unset). See the module
    /// documentation for what is deleted and what stays.
    pub fn purge_confirmed(&mut self, operator: &OperatorId) -> Result<PurgeReport, SdkError> {
        let Some(days) = self.config.journal_days_kept else {
            return Ok(PurgeReport::default());
        };
        let now = self.checked_now()?;
        let today = now.with_timezone(&self.config.time_zone).date_naive();
        let keep_from = today
            .checked_sub_days(chrono::Days::new(u64::from(days)))
            .ok_or(SdkError::Corrupt { what: "date" })?;
        let confirmed: Vec<String> = {
            let mut st = self.conn.prepare(
                "SELECT manifest_sha256 FROM archive_uploads WHERE confirmed_at IS NOT NULL",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        // Limits per series from the confirmed archives whose whole period
        // is older than the days kept; archives chain in order, so the
        // limit is contiguous with the purge allowance.
        let mut upto: BTreeMap<Series, u64> = BTreeMap::new();
        let mut before = None;
        for a in archive_records(&self.conn)? {
            let to = date(&a.to)?;
            if to >= keep_from || !confirmed.contains(&a.manifest_sha256) {
                break;
            }
            before = to.succ_opt();
            for (s, r) in &a.ranges {
                if s.purgeable() {
                    let e = upto.entry(*s).or_insert(0);
                    *e = (*e).max(r.last);
                }
            }
        }
        let Some(before) = before else {
            return Ok(PurgeReport::default());
        };
        let stamped = stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        let records =
            purge_archived_upto(&tx, self.signer.as_ref(), stamped, operator.as_str(), &upto)?;
        // A ticket's business copy goes with its purged record, unless a
        // kept ticket (a refund of it) still references it.
        const PURGED: &str = "t.number <= COALESCE((SELECT upto FROM fiscal_purge_allow p WHERE p.series = t.series), 0)
              AND NOT EXISTS (SELECT 1 FROM fiscal_record r WHERE r.series = t.series AND r.number = t.number)";
        tx.execute(
            &format!(
                "DELETE FROM receipt_prints WHERE ticket_id IN (SELECT t.id FROM tickets t WHERE {PURGED})"
            ),
            [],
        )?;
        let tickets = tx.execute(
            &format!(
                "DELETE FROM tickets WHERE id IN (
                   SELECT t.id FROM tickets t WHERE {PURGED}
                   AND t.id NOT IN (SELECT k.original_id FROM tickets k
                       WHERE k.original_id IS NOT NULL AND NOT (
                         k.number <= COALESCE((SELECT upto FROM fiscal_purge_allow p WHERE p.series = k.series), 0)
                         AND NOT EXISTS (SELECT 1 FROM fiscal_record r WHERE r.series = k.series AND r.number = k.number)))
                   AND t.id NOT IN (SELECT ticket_id FROM receipt_prints))"
            ),
            [],
        )?;
        // Stock movements of the purged days: stock levels already hold
        // them. The trigger lets only these go.
        let cut = before.to_string();
        crate::db::meta_set(&tx, "stock_purged_before", &cut)?;
        let stock_movements = tx.execute("DELETE FROM stock_movements WHERE at < ?1", [&cut])?;
        tx.commit()?;
        Ok(PurgeReport {
            records,
            tickets: u64::try_from(tickets).unwrap_or(0),
            stock_movements: u64::try_from(stock_movements).unwrap_or(0),
            before: Some(before),
        })
    }

    /// Gives free pages back to the file system, at most `steps` steps of
    /// [`VACUUM_PAGES_PER_STEP`] pages, each its own short write (a sale
    /// waits at most one step). Returns the pages given back.
    pub fn reclaim_space(&mut self, steps: u32) -> Result<u64, SdkError> {
        let free = |c: &rusqlite::Connection| -> Result<i64, SdkError> {
            Ok(c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?)
        };
        let start = free(&self.conn)?;
        for _ in 0..steps {
            if free(&self.conn)? <= 0 {
                break;
            }
            // The pragma frees one page per step of its statement: run it
            // to the end (one short write transaction of at most N pages).
            let mut st = self.conn.prepare_cached(&format!(
                "PRAGMA incremental_vacuum({VACUUM_PAGES_PER_STEP})"
            ))?;
            let mut rows = st.query([])?;
            while rows.next()?.is_some() {}
        }
        let end = free(&self.conn)?;
        Ok(u64::try_from(start.saturating_sub(end)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_end_on_their_last_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(last_day_of_month(d("2026-02-10")), Some(d("2026-02-28")));
        assert_eq!(last_day_of_month(d("2028-02-01")), Some(d("2028-02-29")));
        assert_eq!(last_day_of_month(d("2026-12-31")), Some(d("2026-12-31")));
    }
}
