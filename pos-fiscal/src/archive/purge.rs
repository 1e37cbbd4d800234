//! Purge of archived detail up to a chosen point: a till that keeps N days
//! of journal purges only the archives whose period ended before them, and
//! only those the sync server confirmed it holds (the caller decides which;
//! this module enforces what NF525 fixes whatever the caller asks).
//!
//! Rules kept here: nothing is purged before an archive; a record is
//! deleted only if its number is within both the caller's limit and the
//! series' purge allowance (written when a signed archive covered it);
//! only detail series (T, I, C, X, B) are purged, and a series only up to
//! the end of an archived range followed by a kept record, so the chain
//! resumes on an anchor the A records sign; closures, JET, archive records and
//! running totals stay. The purge is logged as a JET 20 with
//! `action=purge`, the count and the limit per series.

use super::archive_records;
use crate::error::{FiscalError, Result};
use crate::jet::JetCode;
use crate::model::{Series, Stamp};
use crate::signer::Signer;
use crate::store;
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// Deletes the archived detail of each series in `upto` up to that number
/// (clamped to the purge allowance). A series is purged only when a record
/// after that point stays, so the chain resumes right after an archived
/// range's end (the anchor the verifier takes from the A records).
/// Returns how many records were deleted; 0 deletes nothing and logs
/// nothing.
pub fn purge_archived_upto(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    operator: &str,
    upto: &BTreeMap<Series, u64>,
) -> Result<u64> {
    if archive_records(conn)?.is_empty() {
        return Err(FiscalError::PurgeRefused {
            reason: "nothing is archived",
        });
    }
    if upto.keys().any(|s| !s.purgeable()) {
        return Err(FiscalError::PurgeRefused {
            reason: "only detail series (T, I, C, X, B) are purged",
        });
    }
    // Per series, the last number purged: the caller's limit within the
    // allowance, and only when a later record stays, so the first record
    // left follows an archive's range end and the verifier anchors it.
    let mut planned: Vec<(Series, i64)> = Vec::new();
    for (s, n) in upto {
        let limit = i64::try_from(*n).map_err(|_| FiscalError::Overflow { what: "number" })?;
        let (allowed, max, first): (Option<i64>, Option<i64>, Option<i64>) = conn.query_row(
            "SELECT (SELECT upto FROM fiscal_purge_allow WHERE series = ?1),
                    (SELECT MAX(number) FROM fiscal_record WHERE series = ?1),
                    (SELECT MIN(number) FROM fiscal_record WHERE series = ?1)",
            [s.code()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let (Some(allowed), Some(max), Some(first)) = (allowed, max, first) else {
            continue;
        };
        let cut = limit.min(allowed);
        if cut < first || max <= cut {
            continue;
        }
        planned.push((*s, cut));
    }
    if planned.is_empty() {
        return Ok(0);
    }
    store::begin(conn, signer, &now)?;
    let mut deleted: u64 = 0;
    let mut d = BTreeMap::new();
    for (s, cut) in &planned {
        let n = conn.execute(
            "DELETE FROM fiscal_record WHERE series = ?1 AND number <= ?2",
            params![s.code(), cut],
        )?;
        let n = u64::try_from(n).map_err(|_| FiscalError::Overflow { what: "count" })?;
        deleted = deleted
            .checked_add(n)
            .ok_or(FiscalError::Overflow { what: "count" })?;
        d.insert(format!("upto_{}", s.code()), cut.to_string());
    }
    d.insert("action".to_string(), "purge".to_string());
    d.insert("deleted".to_string(), deleted.to_string());
    store::jet(conn, signer, &now, JetCode::PeriodArchive, operator, d)?;
    store::finish(conn, signer, &now)?;
    store::seal(conn, signer, &now)?;
    Ok(deleted)
}
