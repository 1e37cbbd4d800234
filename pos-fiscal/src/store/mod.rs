//! The SQLite edge: the `fiscal_` tables inside the till's one SQLite file.
//!
//! The facade owns the file and its transactions. Every write here takes a
//! `&Connection` that must be inside the caller's transaction (a
//! `rusqlite::Transaction` derefs to it), so ticket, fiscal record and
//! totals commit together or not at all. Triggers refuse UPDATE and DELETE
//! on records; the only DELETE allowed is [`crate::archive::purge_archived`]
//! of detail already archived.

mod closing;
mod journal;
pub mod rows;
mod schema;
pub mod totals;

pub use closing::{CashCount, StoredZ, close_day, close_month, close_year, closures};
pub use journal::{
    Recorded, SEAL_EVERY, change_key, init, last_closed_day, open, record_duplicate, record_event,
    record_ticket, seal,
};
pub use schema::{SCHEMA_VERSION, migrate};

pub(crate) use journal::{append, begin, finish, jet};

use crate::error::{FiscalError, Result};
use crate::head::HeadMark;
use crate::jet::JetCode;
use crate::model::{Series, Stamp};
use crate::signer::{PublicKey, Signer};
use crate::verify::{Defect, DefectKind, Report, VerifyContext, caches, verify_records};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// How to verify a store.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Keys to trust. Empty: trust the genesis key recorded in the file
    /// (an inspector should pass the register's registered key instead, so
    /// a file re-signed with another key is caught).
    pub keys: Vec<PublicKey>,
    /// The head mark mirrored outside the file, if the app keeps one.
    pub known_head: Option<HeadMark>,
    /// The heads the sync server accepted for this register (last number
    /// and hash per series): the file must hold each of those records.
    pub mirrored_heads: BTreeMap<Series, crate::payload::HeadEntry>,
}

/// The public keys recorded in the file's meta table.
pub fn stored_keys(conn: &Connection) -> Result<Vec<PublicKey>> {
    let mut st =
        conn.prepare("SELECT value FROM fiscal_meta WHERE key LIKE 'public_key:%' ORDER BY key")?;
    let mut out = Vec::new();
    for v in st.query_map([], |r| r.get::<_, String>(0))? {
        let b = hex::decode(v?).map_err(|_| FiscalError::InvalidKey)?;
        out.push(PublicKey::from_sec1(&b)?);
    }
    Ok(out)
}

/// The genesis key recorded in the file.
pub fn genesis_key(conn: &Connection) -> Result<PublicKey> {
    let id = rows::meta_required(conn, "genesis_key_id")?;
    let v = rows::meta_required(conn, &format!("public_key:{id}"))?;
    PublicKey::from_sec1(&hex::decode(v).map_err(|_| FiscalError::InvalidKey)?)
}

/// Chain anchors after a purge: for each series whose first stored record
/// is not number 1, the last archived record's hash from the signed A records.
fn purge_anchors(conn: &Connection) -> Result<BTreeMap<Series, crate::verify::Anchor>> {
    let mut out = BTreeMap::new();
    let archives = crate::archive::archive_records(conn)?;
    for s in Series::ALL {
        let first: Option<i64> = conn.query_row(
            "SELECT MIN(number) FROM fiscal_record WHERE series = ?1",
            [s.code()],
            |r| r.get(0),
        )?;
        let Some(first) = first.and_then(|f| u64::try_from(f).ok()) else {
            continue;
        };
        if first <= 1 {
            continue;
        }
        let want = first.saturating_sub(1);
        if let Some(range) = archives
            .iter()
            .rev()
            .find_map(|a| a.ranges.get(&s).filter(|r| r.last == want))
        {
            out.insert(
                s,
                crate::verify::Anchor {
                    first,
                    prev_hash: range.last_hash.clone(),
                    prev_signature: Some(range.last_signature.clone()),
                },
            );
        }
    }
    Ok(out)
}

/// Opens a till file for verification without ever writing to it: read-only,
/// and `immutable` (no lock, no `-shm`) when no `-wal` file lies beside it.
/// A file on a read-only medium or without write permission opens the same.
pub fn open_read_only(path: &std::path::Path) -> Result<Connection> {
    use rusqlite::OpenFlags;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let mut uri = format!("file:{}?mode=ro", uri_path(path));
    if !has_wal {
        uri.push_str("&immutable=1");
    }
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// The path part of a SQLite `file:` URI: RFC 3986 percent-encoding of
/// every byte but unreserved characters and `/`.
fn uri_path(path: &std::path::Path) -> String {
    use std::fmt::Write;
    let raw = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Verifies every record of the store and everything stored beside the
/// records (derived columns, head row, meta, running totals, closures,
/// closed periods, purge allowances) against the signed data. Reads only.
pub fn verify_store(conn: &Connection, opts: &VerifyOptions) -> Result<Report> {
    let rows = rows::load_rows(conn)?;
    let derived = rows::load_derived(conn)?;
    let mut records = Vec::with_capacity(rows.len());
    let mut record_derived = Vec::with_capacity(rows.len());
    let mut malformed = Vec::new();
    for (pos, r) in rows {
        match r {
            Ok(r) => {
                let d = derived.get(pos).cloned().flatten();
                if d.is_none() {
                    malformed.push(Defect::at_place(
                        DefectKind::Cache,
                        "fiscal_record",
                        format!("{}{}", r.series.code(), r.number),
                        "local_date",
                        "query columns are not well-formed",
                    ));
                }
                record_derived.push(d);
                records.push(r);
            }
            Err(_) => malformed.push(Defect {
                kind: DefectKind::Malformed,
                series: None,
                number: None,
                last_number: None,
                position: Some(pos),
                detail: "row is not a well-formed record",
                place: None,
            }),
        }
    }
    let keys = if opts.keys.is_empty() {
        vec![genesis_key(conn)?]
    } else {
        opts.keys.clone()
    };
    let head_rows = rows::load_head_rows(conn)?;
    let ctx = VerifyContext {
        source: "sqlite".into(),
        keys,
        anchors: purge_anchors(conn)?,
        head: head_rows.first().map(|(_, h)| h.clone()),
        known_head: opts.known_head.clone(),
    };
    let mut report = verify_records(&records, &ctx);
    let d = &mut report.defects;
    if !records.is_empty() && head_rows.len() != 1 {
        d.push(Defect::at_place(
            DefectKind::MissingHead,
            "fiscal_head",
            "1",
            "payload",
            if head_rows.is_empty() {
                "the journal has records but no head"
            } else {
                "more than one head row"
            },
        ));
    }
    for (seq, h) in &head_rows {
        if h.decode().ok().and_then(|p| i64::try_from(p.head_seq).ok()) != Some(*seq) {
            d.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_head",
                "1",
                "head_seq",
                "head_seq column differs from the signed head",
            ));
        }
    }
    let views = caches::views(&records);
    caches::check_derived(&views, &record_derived, d);
    caches::check_meta(&views, &rows::load_meta(conn)?, d);
    caches::check_totals(&views, &rows::load_totals(conn)?, d);
    caches::check_closures(&views, d);
    caches::check_closed_periods(&views, d);
    caches::check_purge_allow(&views, &rows::load_purge_allow(conn)?, d);
    check_mirrored(&records, &opts.mirrored_heads, d);
    d.extend(malformed);
    if !report.defects.is_empty() {
        report.verdict = "defects";
    }
    Ok(report)
}

/// The server's mirrored heads: every record it accepted must be in the
/// file with the same hash (a cut tail or an old backup put back is not).
fn check_mirrored(
    records: &[crate::record::StoredRecord],
    mirrored: &BTreeMap<Series, crate::payload::HeadEntry>,
    defects: &mut Vec<Defect>,
) {
    for (s, h) in mirrored {
        let last = records
            .iter()
            .filter(|r| r.series == *s)
            .map(|r| r.number)
            .max();
        let hit = records
            .iter()
            .find(|r| r.series == *s && r.number == h.last);
        let (kind, detail) = match (hit, last) {
            (Some(r), _) if r.hash == h.hash => continue,
            (Some(_), _) => (
                DefectKind::RestoredBackup,
                "record differs from the one the server accepted",
            ),
            (None, Some(l)) if l > h.last => continue,
            _ => (
                DefectKind::TruncatedTail,
                "the server holds records the file does not",
            ),
        };
        defects.push(Defect {
            kind,
            series: Some(*s),
            number: Some(h.last),
            last_number: None,
            position: None,
            detail,
            place: None,
        });
    }
}

/// A tax-audit verification on a live store: verifies, then logs the
/// verdict as JET 280 (and JET 90 if a defect was found) in the caller's
/// transaction. Verifying alone ([`verify_store`]) never writes.
pub fn audit(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    operator: &str,
    opts: &VerifyOptions,
) -> Result<Report> {
    let report = verify_store(conn, opts)?;
    record_audit(conn, signer, now, operator, &report)?;
    Ok(report)
}

/// Logs a verification already made (by [`verify_store`] or a wider check
/// such as the facade's) as JET 280, preceded by JET 90 when it found
/// defects. An explicit till action, never a side effect of verifying.
pub fn record_audit(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    operator: &str,
    report: &Report,
) -> Result<()> {
    begin(conn, signer, &now)?;
    let mut d = BTreeMap::new();
    d.insert("verdict".to_string(), report.verdict.to_string());
    d.insert("records".to_string(), report.records.to_string());
    if !report.is_intact() {
        let mut dd = d.clone();
        dd.insert("defects".to_string(), report.defects.len().to_string());
        jet(conn, signer, &now, JetCode::IntegrityDefect, operator, dd)?;
    }
    jet(conn, signer, &now, JetCode::TaxAudit, operator, d)?;
    finish(conn, signer, &now)
}

/// Exports the daily closures as a FEC file (see [`crate::fec`]) and logs
/// the export (JET 110). Returns `(file name, ISO-8859-15 bytes)`.
pub fn export_fec(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    siren: &str,
    operator: &str,
) -> Result<(String, Vec<u8>)> {
    let register = rows::meta_required(conn, "register")?;
    let days: Vec<(u64, crate::payload::ClosurePayload)> =
        closures(conn, crate::payload::ClosureLevel::Day)?
            .into_iter()
            .map(|(z, p)| (z.number, p))
            .collect();
    let out = crate::fec::file(siren, &register, &days)?;
    begin(conn, signer, &now)?;
    let mut d = BTreeMap::new();
    d.insert("format".to_string(), "FEC".to_string());
    d.insert("file".to_string(), out.0.clone());
    jet(conn, signer, &now, JetCode::Export, operator, d)?;
    finish(conn, signer, &now)?;
    Ok(out)
}

/// Records the establishment's SIREN (used to name FEC files) and logs the
/// setting change (JET 270).
pub fn set_siren(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    siren: &str,
    operator: &str,
) -> Result<()> {
    if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FiscalError::InvalidExport {
            rule: "SIREN is 9 digits",
        });
    }
    begin(conn, signer, &now)?;
    rows::meta_set(conn, "siren", siren)?;
    let mut d = BTreeMap::new();
    d.insert("setting".to_string(), "siren".to_string());
    d.insert("value".to_string(), siren.to_string());
    jet(conn, signer, &now, JetCode::SettingChange, operator, d)?;
    finish(conn, signer, &now)
}
