//! Period archives: one open-format file per period (format in
//! `pos-fiscal/docs/ARCHIVE.md`), chained to the previous archive, plus the
//! purge of archived detail.
//!
//! An archive is an uncompressed tar holding `README.txt`, `manifest.json`
//! (canonical JSON: period, per-file SHA-256, per-series ranges and chain
//! anchors, public keys, previous archive's manifest hash), `manifest.sig`
//! (ECDSA P-256 signature of `manifest.json`, hex), `public_key.pem`,
//! `records.jsonl` (one canonical JSON record per line, all series, append
//! order) and `totals.json`.

mod check;
mod purge;
pub mod tarball;

pub use check::{decode_jsonl, read_manifest, verify_archive};
pub use purge::purge_archived_upto;

use crate::canon;
use crate::error::{FiscalError, Result};
use crate::head::SignedHead;
use crate::jet::JetCode;
use crate::model::{Series, Stamp};
use crate::payload::{ArchivePayload, ArchiveRange};
use crate::record::{StoredRecord, sha256_hex};
use crate::signer::{PublicKey, Signer, sign_fixed};
use crate::store::{self, Recorded, VerifyOptions, rows};
use crate::verify::Report;
use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The archive format name in manifests.
pub const ARCHIVE_FORMAT: &str = "pos-fiscal-archive/1";

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// Register id.
    pub register: String,
    /// First local day covered.
    pub from: String,
    /// Last local day covered.
    pub to: String,
    /// UTC time the archive was made.
    pub created_at: String,
    /// SHA-256 (hex) of every other file in the archive.
    pub files: BTreeMap<String, String>,
    /// Per-series ranges and chain anchors.
    pub ranges: BTreeMap<Series, ArchiveRange>,
    /// Public keys by key id (SPKI PEM) that signed records in the archive.
    pub keys: BTreeMap<String, String>,
    /// Key id of the key that signed this manifest (`public_key.pem`).
    pub manifest_key_id: String,
    /// SHA-256 of the previous archive's manifest ("" for the first).
    pub previous_manifest_sha256: String,
    /// The till's signed head when the archive was made.
    pub head: SignedHead,
    /// Verdict of the chain verification run while making the archive.
    pub verification: String,
}

/// A made archive.
#[derive(Debug, Clone)]
pub struct ArchiveOutput {
    /// The archive file bytes (tar).
    pub bytes: Vec<u8>,
    /// Suggested file name: `<register>_<from>_<to>.tar`.
    pub file_name: String,
    /// SHA-256 of its manifest.
    pub manifest_sha256: String,
    /// The verification run before archiving.
    pub report: Report,
    /// The A record made.
    pub record: Recorded,
}

/// Every archive (A) record's payload, oldest first.
pub fn archive_records(conn: &Connection) -> Result<Vec<ArchivePayload>> {
    rows::load_series(conn, Series::A)?
        .iter()
        .map(|r| canon::from_canonical(r.payload.as_bytes(), "archive payload"))
        .collect()
}

fn check_period(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    previous_to: Option<NaiveDate>,
) -> Result<()> {
    let bad = |rule| Err(FiscalError::InvalidArchivePeriod { rule });
    if from > to {
        return bad("from is after to");
    }
    if to > today {
        return bad("an archive never covers the future");
    }
    let year_later = from
        .with_year(from.year().saturating_add(1))
        .or_else(|| {
            from.succ_opt()
                .and_then(|d| d.with_year(from.year().saturating_add(1)))
        })
        .ok_or(FiscalError::InvalidArchivePeriod {
            rule: "date out of range",
        })?;
    if to >= year_later {
        return bad("an archive covers at most one year");
    }
    if previous_to.is_some_and(|p| from <= p) {
        return bad("the period overlaps the previous archive");
    }
    Ok(())
}

const README: &str = "pos-fiscal NF525 archive (format pos-fiscal-archive/1).\n\
Open with any tar tool. manifest.json lists the SHA-256 of every file; \
manifest.sig is the hex ECDSA P-256/SHA-256 signature (r||s) of manifest.json \
under public_key.pem. records.jsonl holds one record per line; see \
pos-fiscal/docs/ARCHIVE.md for how to recompute envelopes, hashes and chains.\n";

/// The last day of the period a closure record closes.
fn closure_end(z: &StoredRecord) -> Option<NaiveDate> {
    use crate::payload::{ClosureLevel, ClosurePayload};
    let level = [ClosureLevel::Day, ClosureLevel::Month, ClosureLevel::Year]
        .into_iter()
        .find(|l| l.kind() == z.kind)?;
    let p: ClosurePayload = canon::from_canonical(z.payload.as_bytes(), "closure payload").ok()?;
    crate::closure::period_end(level, &p.period).ok()
}

/// Makes the archive of local days `[from, to]` (every day of it with
/// documents closed first; each closure goes with the period it closes): re-verifies the chains
/// (JET 90 on a defect), writes the file, appends the A record chained to
/// the previous archive, logs JET 20 (or 30 for a whole calendar year), and
/// allows purging the archived detail.
pub fn make_archive(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    from: NaiveDate,
    to: NaiveDate,
    operator: &str,
) -> Result<ArchiveOutput> {
    let earlier = archive_records(conn)?;
    let previous = earlier.last().cloned();
    let previous_to = previous.as_ref().and_then(|p| p.to.parse().ok());
    let today = now
        .local_date()
        .ok_or(FiscalError::Malformed { what: "timestamp" })?;
    check_period(from, to, today, previous_to)?;
    let register = rows::meta_required(conn, "register")?;
    let report = store::verify_store(conn, &VerifyOptions::default())?;
    store::begin(conn, signer, &now)?;
    if !report.is_intact() {
        let mut d = BTreeMap::new();
        d.insert("defects".to_string(), report.defects.len().to_string());
        d.insert("during".to_string(), "archive".to_string());
        store::jet(conn, signer, &now, JetCode::IntegrityDefect, operator, d)?;
    }
    let all = rows::load_records(conn)?;
    let (f, t) = (from.to_string(), to.to_string());
    let closed = store::last_closed_day(conn)?;
    let unclosed_docs = all.iter().any(|r| {
        r.series.counts_in_totals()
            && r.stamp()
                .and_then(|s| s.local_date())
                .is_some_and(|d| d >= from && d <= to && closed.is_none_or(|c| d > c))
    });
    if unclosed_docs {
        return Err(FiscalError::InvalidArchivePeriod {
            rule: "every day of the period with documents is closed first",
        });
    }
    // A closure goes with the period it closes (a Z made the next morning
    // is archived with its day): the unarchived closures, in number order,
    // as long as the period they close ends by `to` (a contiguous range).
    let z_from = earlier
        .iter()
        .filter_map(|a| a.ranges.get(&Series::Z).map(|r| r.last))
        .max()
        .unwrap_or(0);
    let mut closures: BTreeSet<u64> = BTreeSet::new();
    let mut zs: Vec<&StoredRecord> = all
        .iter()
        .filter(|r| r.series == Series::Z && r.number > z_from)
        .collect();
    zs.sort_by_key(|r| r.number);
    for z in zs {
        let end = closure_end(z);
        if end.is_none_or(|e| e > to) {
            break;
        }
        closures.insert(z.number);
    }
    let in_period: Vec<&StoredRecord> = all
        .iter()
        .filter(|r| {
            if r.series == Series::Z {
                return closures.contains(&r.number);
            }
            r.stamp()
                .and_then(|s| s.local_date())
                .is_some_and(|d| d >= from && d <= to)
        })
        .collect();
    let mut ranges: BTreeMap<Series, ArchiveRange> = BTreeMap::new();
    for s in Series::ALL {
        let mut these: Vec<&&StoredRecord> = in_period.iter().filter(|r| r.series == s).collect();
        these.sort_by_key(|r| r.number);
        let (Some(first), Some(last)) = (these.first(), these.last()) else {
            continue;
        };
        let before = all
            .iter()
            .find(|r| r.series == s && Some(r.number) == first.number.checked_sub(1));
        ranges.insert(
            s,
            ArchiveRange {
                first: first.number,
                last: last.number,
                anchor: first.prev_hash.clone(),
                // After a purge the previous record may live only in an
                // earlier archive, whose A record names its signature.
                anchor_signature: before
                    .and_then(|b| b.signature_b64())
                    .or_else(|| {
                        earlier
                            .iter()
                            .rev()
                            .find_map(|a| {
                                a.ranges
                                    .get(&s)
                                    .filter(|r| Some(r.last) == first.number.checked_sub(1))
                            })
                            .map(|r| r.last_signature.clone())
                    })
                    .unwrap_or_default(),
                last_hash: last.hash.clone(),
                last_signature: last.signature_b64().unwrap_or_default(),
            },
        );
    }
    let mut jsonl = Vec::new();
    for r in &in_period {
        jsonl.extend_from_slice(&canon::to_canonical(r)?);
        jsonl.push(b'\n');
    }
    let mut keys = BTreeMap::new();
    for k in store::stored_keys(conn)? {
        keys.insert(k.key_id(), k.to_spki_pem()?);
    }
    let signer_key = PublicKey::from_sec1(&signer.public_key_sec1())?;
    let pem = signer_key.to_spki_pem()?;
    let totals = totals_json(conn)?;
    let mut files = BTreeMap::new();
    files.insert("README.txt".to_string(), sha256_hex(README.as_bytes()));
    files.insert("records.jsonl".to_string(), sha256_hex(&jsonl));
    files.insert("public_key.pem".to_string(), sha256_hex(pem.as_bytes()));
    files.insert("totals.json".to_string(), sha256_hex(&totals));
    // The manifest carries a head covering every record archived.
    store::seal(conn, signer, &now)?;
    let head = rows::load_head(conn)?.ok_or(FiscalError::JournalState { state: "no head" })?;
    let previous_manifest_sha256 = previous.map(|p| p.manifest_sha256).unwrap_or_default();
    let manifest = Manifest {
        format: ARCHIVE_FORMAT.into(),
        register: register.clone(),
        from: f.clone(),
        to: t.clone(),
        created_at: now.utc_string(),
        files,
        ranges: ranges.clone(),
        keys,
        manifest_key_id: signer.key_id(),
        previous_manifest_sha256: previous_manifest_sha256.clone(),
        head,
        verification: report.verdict.to_string(),
    };
    let mbytes = canon::to_canonical(&manifest)?;
    let msig = hex::encode(sign_fixed(signer, &mbytes)?);
    let mtime = u64::try_from(now.utc.timestamp()).unwrap_or(0);
    let bytes = tarball::write(
        &[
            ("README.txt", README.as_bytes()),
            ("manifest.json", &mbytes),
            ("manifest.sig", msig.as_bytes()),
            ("public_key.pem", pem.as_bytes()),
            ("records.jsonl", &jsonl),
            ("totals.json", &totals),
        ],
        mtime,
    )?;
    let manifest_sha256 = sha256_hex(&mbytes);
    let payload = ArchivePayload {
        register: register.clone(),
        from: f.clone(),
        to: t.clone(),
        manifest_sha256: manifest_sha256.clone(),
        previous_manifest_sha256,
        ranges: ranges.clone(),
    };
    let rec = store::append(conn, signer, Series::A, "archive", &now, &payload, None, 0)?;
    for (s, r) in &ranges {
        // Purge may only reach records every one of which is archived:
        // the allowance grows only when this range continues it.
        let allowed: i64 = conn.query_row(
            "SELECT COALESCE(MAX(upto), 0) FROM fiscal_purge_allow WHERE series = ?1",
            [s.code()],
            |x| x.get(0),
        )?;
        let allowed = u64::try_from(allowed).unwrap_or(0);
        if s.purgeable() && r.first <= allowed.saturating_add(1) && r.last > allowed {
            let upto =
                i64::try_from(r.last).map_err(|_| FiscalError::Overflow { what: "number" })?;
            conn.execute(
                "INSERT INTO fiscal_purge_allow(series, upto) VALUES (?1, ?2)
                 ON CONFLICT(series) DO UPDATE SET upto = excluded.upto",
                rusqlite::params![s.code(), upto],
            )?;
        }
    }
    let whole_year = from.month() == 1
        && from.day() == 1
        && to.month() == 12
        && to.day() == 31
        && from.year() == to.year();
    let mut d = BTreeMap::new();
    d.insert("archive".to_string(), format!("A{}", rec.number));
    d.insert("from".to_string(), f.clone());
    d.insert("to".to_string(), t.clone());
    d.insert("manifest_sha256".to_string(), manifest_sha256.clone());
    let code = if whole_year {
        JetCode::YearArchive
    } else {
        JetCode::PeriodArchive
    };
    store::jet(conn, signer, &now, code, operator, d)?;
    store::finish(conn, signer, &now)?;
    store::seal(conn, signer, &now)?;
    let b64 = rec.signature_b64().unwrap_or_default();
    Ok(ArchiveOutput {
        bytes,
        file_name: format!("{register}_{f}_{t}.tar"),
        manifest_sha256,
        report,
        record: Recorded {
            doc: crate::DocRef {
                series: Series::A,
                number: rec.number,
            },
            hash: rec.hash.clone(),
            extract: crate::record::receipt_extract(&b64),
            signature_b64: b64,
        },
    })
}

fn totals_json(conn: &Connection) -> Result<Vec<u8>> {
    let mut st = conn.prepare(
        "SELECT scope, period, rate_bps, net, vat, gross, docs FROM fiscal_totals ORDER BY scope, period, rate_bps",
    )?;
    let rows = st.query_map([], |r| {
        Ok(serde_json::json!({
            "scope": r.get::<_, String>(0)?, "period": r.get::<_, String>(1)?,
            "rate_bps": r.get::<_, i64>(2)?, "net": r.get::<_, i64>(3)?, "vat": r.get::<_, i64>(4)?,
            "gross": r.get::<_, i64>(5)?, "docs": r.get::<_, i64>(6)?,
        }))
    })?;
    let mut v = Vec::new();
    for r in rows {
        v.push(r?);
    }
    canon::to_canonical(&v)
}

/// Deletes archived detail (series T, I, C, X, B up to what archives
/// cover, always keeping each series' last record so the chain continues).
/// Closures, JET, archive records and running totals stay. Logged as a
/// JET 20 with `action=purge`. Returns how many records were deleted.
pub fn purge_archived(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    operator: &str,
) -> Result<u64> {
    if archive_records(conn)?.is_empty() {
        return Err(FiscalError::PurgeRefused {
            reason: "nothing is archived",
        });
    }
    store::begin(conn, signer, &now)?;
    let n = conn.execute(
        "DELETE FROM fiscal_record WHERE seq IN (
            SELECT r.seq FROM fiscal_record r JOIN fiscal_purge_allow p ON p.series = r.series
            WHERE r.number <= p.upto
              AND r.number < (SELECT MAX(number) FROM fiscal_record m WHERE m.series = r.series))",
        [],
    )?;
    let mut d = BTreeMap::new();
    d.insert("action".to_string(), "purge".to_string());
    d.insert("deleted".to_string(), n.to_string());
    store::jet(conn, signer, &now, JetCode::PeriodArchive, operator, d)?;
    store::finish(conn, signer, &now)?;
    store::seal(conn, signer, &now)?;
    u64::try_from(n).map_err(|_| FiscalError::Overflow { what: "count" })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_over_a_year_or_in_the_future_are_refused() {
        let today = d("2026-11-28");
        assert!(check_period(d("2025-11-29"), d("2026-11-28"), today, None).is_ok());
        assert!(check_period(d("2025-11-28"), d("2026-11-28"), today, None).is_err());
        assert!(check_period(d("2026-11-01"), d("2026-11-29"), today, None).is_err());
        assert!(check_period(d("2026-11-02"), d("2026-11-01"), today, None).is_err());
        assert!(
            check_period(
                d("2026-11-01"),
                d("2026-11-10"),
                today,
                Some(d("2026-11-01"))
            )
            .is_err()
        );
        assert!(check_period(d("2024-02-29"), d("2025-02-28"), d("2026-01-01"), None).is_ok());
    }
}
