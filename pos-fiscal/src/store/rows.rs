//! Row-level reads and writes of the fiscal tables.

use crate::error::{FiscalError, Result};
use crate::head::SignedHead;
use crate::model::{DocRef, Series};
use crate::record::StoredRecord;
use crate::ticket::TicketPayload;
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLS: &str = "format, register, series, number, kind, ts, utc_offset_min, key_id, payload, \
                    signed_string, prev_hash, signature, hash, head_seq";

/// Reads a meta value.
pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM fiscal_meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Writes a meta value.
pub fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO fiscal_meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Reads a required meta value.
pub fn meta_required(conn: &Connection, key: &str) -> Result<String> {
    meta_get(conn, key)?.ok_or(FiscalError::JournalState {
        state: "not initialised",
    })
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<std::result::Result<StoredRecord, FiscalError>> {
    let series: String = r.get(2)?;
    let number: i64 = r.get(3)?;
    let Some(series) = Series::parse(&series) else {
        return Ok(Err(FiscalError::Malformed { what: "series" }));
    };
    let Ok(number) = u64::try_from(number) else {
        return Ok(Err(FiscalError::Malformed { what: "number" }));
    };
    let head_seq: Option<i64> = r.get(13)?;
    let Ok(head_seq) = head_seq.map(u64::try_from).transpose() else {
        return Ok(Err(FiscalError::Malformed { what: "head_seq" }));
    };
    Ok(Ok(StoredRecord {
        format: r.get(0)?,
        head_seq,
        register: r.get(1)?,
        series,
        number,
        kind: r.get(4)?,
        ts: r.get(5)?,
        utc_offset_min: r.get(6)?,
        key_id: r.get(7)?,
        payload: r.get(8)?,
        signed_string: r.get(9)?,
        prev_hash: r.get(10)?,
        signature: r.get(11)?,
        hash: r.get(12)?,
    }))
}

/// One row as read: the record, or why it could not be decoded, with its
/// position in append order.
pub type RowResult = (usize, std::result::Result<StoredRecord, FiscalError>);

/// Every record in append order; undecodable rows are returned as errors
/// in place so the verifier can name them.
pub fn load_rows(conn: &Connection) -> Result<Vec<RowResult>> {
    let mut st = conn.prepare(&format!("SELECT {COLS} FROM fiscal_record ORDER BY seq"))?;
    let rows = st.query_map([], |r| {
        // A column of the wrong SQL type is a tamper sign, not a crash.
        Ok(from_row(r).unwrap_or(Err(FiscalError::Malformed { what: "record row" })))
    })?;
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        out.push((
            i,
            row.unwrap_or(Err(FiscalError::Malformed { what: "record row" })),
        ));
    }
    Ok(out)
}

/// Every well-formed record in append order.
pub fn load_records(conn: &Connection) -> Result<Vec<StoredRecord>> {
    Ok(load_rows(conn)?
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .collect())
}

/// The records of one series, in number order.
pub fn load_series(conn: &Connection, series: Series) -> Result<Vec<StoredRecord>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM fiscal_record WHERE series = ?1 ORDER BY number"
    ))?;
    let rows = st.query_map([series.code()], from_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

/// The last record of a series.
pub fn last_record(conn: &Connection, series: Series) -> Result<Option<StoredRecord>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM fiscal_record WHERE series = ?1 ORDER BY number DESC LIMIT 1"
    ))?;
    st.query_row([series.code()], from_row)
        .optional()?
        .transpose()
}

/// One record by reference.
pub fn record_by_ref(conn: &Connection, doc: DocRef) -> Result<Option<StoredRecord>> {
    let n = i64::try_from(doc.number).map_err(|_| FiscalError::Malformed { what: "number" })?;
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM fiscal_record WHERE series = ?1 AND number = ?2"
    ))?;
    st.query_row(params![doc.series.code(), n], from_row)
        .optional()?
        .transpose()
}

/// Records of some series dated (local date) within `[from, to]`, in number order.
pub fn records_between(
    conn: &Connection,
    series: &[Series],
    from: &str,
    to: &str,
) -> Result<Vec<StoredRecord>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM fiscal_record WHERE series = ?1 AND local_date BETWEEN ?2 AND ?3
         ORDER BY number"
    ))?;
    let mut out = Vec::new();
    for s in series {
        for r in st.query_map(params![s.code(), from, to], from_row)? {
            out.push(r??);
        }
    }
    Ok(out)
}

/// Query-only columns stored beside a record.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Local date `YYYY-MM-DD`.
    pub local_date: String,
    /// Referenced document.
    pub reference: Option<DocRef>,
    /// Signed amount (ticket total), 0 otherwise.
    pub amount: i64,
}

/// Appends a record row.
pub fn insert_record(conn: &Connection, r: &StoredRecord, d: &Derived) -> Result<()> {
    let n = i64::try_from(r.number).map_err(|_| FiscalError::Malformed { what: "number" })?;
    let head_seq = r
        .head_seq
        .map(i64::try_from)
        .transpose()
        .map_err(|_| FiscalError::Malformed { what: "head_seq" })?;
    let ref_number = d
        .reference
        .map(|x| i64::try_from(x.number))
        .transpose()
        .map_err(|_| FiscalError::Malformed { what: "number" })?;
    conn.prepare_cached(&format!(
        "INSERT INTO fiscal_record ({COLS}, local_date, ref_series, ref_number, amount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))?
    .execute(params![
        r.format,
        r.register,
        r.series.code(),
        n,
        r.kind,
        r.ts,
        r.utc_offset_min,
        r.key_id,
        r.payload,
        r.signed_string,
        r.prev_hash,
        r.signature,
        r.hash,
        head_seq,
        d.local_date,
        d.reference.map(|x| x.series.code()),
        ref_number,
        d.amount,
    ])?;
    Ok(())
}

/// The stored head, if any.
pub fn load_head(conn: &Connection) -> Result<Option<SignedHead>> {
    Ok(conn
        .prepare_cached("SELECT payload, signature FROM fiscal_head WHERE id = 1")?
        .query_row([], |r| {
            Ok(SignedHead {
                payload: r.get(0)?,
                signature: r.get(1)?,
            })
        })
        .optional()?)
}

/// The journal counter reached: the larger of the last record's counter
/// (the row appended last, found through the rowid without a scan) and the
/// stored head's (a format-1 journal counted operations in its head).
pub fn journal_counter(conn: &Connection) -> Result<u64> {
    let last: Option<Option<i64>> = conn
        .prepare_cached("SELECT head_seq FROM fiscal_record ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    let last = last.flatten().unwrap_or(0);
    let head = head_seq(conn)?.unwrap_or(0);
    u64::try_from(last.max(head)).map_err(|_| FiscalError::Malformed { what: "head_seq" })
}

/// The stored head's counter column, if there is a head.
pub fn head_seq(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT head_seq FROM fiscal_head WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Writes the head (insert or forward update).
pub fn store_head(conn: &Connection, head_seq: u64, h: &SignedHead) -> Result<()> {
    let seq = i64::try_from(head_seq).map_err(|_| FiscalError::Malformed { what: "head_seq" })?;
    conn.prepare_cached(
        "INSERT INTO fiscal_head(id, head_seq, payload, signature) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET head_seq = excluded.head_seq,
           payload = excluded.payload, signature = excluded.signature",
    )?
    .execute(params![seq, h.payload, h.signature])?;
    Ok(())
}

/// What the refunds and exchanges recorded at this till have taken back
/// from this till's `doc`: the sum of their negative (returned) line
/// amounts, so ≤ 0. Documents whose original is at another till
/// (`original_register`) name that till's `doc`, not this one's, and are
/// left out.
pub fn refunded_amount(conn: &Connection, doc: DocRef) -> Result<i64> {
    let n = i64::try_from(doc.number).map_err(|_| FiscalError::Malformed { what: "number" })?;
    let mut st = conn.prepare_cached(
        "SELECT payload FROM fiscal_record
         WHERE ref_series = ?1 AND ref_number = ?2 AND kind IN ('refund', 'exchange')",
    )?;
    let payloads = st.query_map(params![doc.series.code(), n], |r| r.get::<_, String>(0))?;
    let mut sum = 0i64;
    for p in payloads {
        let p: TicketPayload = crate::canon::from_canonical(p?.as_bytes(), "ticket payload")?;
        if p.ticket.original_register.is_some() {
            continue;
        }
        for l in p.ticket.lines.iter().filter(|l| l.amount < 0) {
            sum = sum
                .checked_add(l.amount)
                .ok_or(FiscalError::Overflow { what: "refund" })?;
        }
    }
    Ok(sum)
}

/// Number of duplicates already printed for `doc`.
pub fn reprints(conn: &Connection, doc: DocRef) -> Result<u32> {
    let n = i64::try_from(doc.number).map_err(|_| FiscalError::Malformed { what: "number" })?;
    let c: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM fiscal_record
             WHERE series = 'C' AND ref_series = ?1 AND ref_number = ?2",
        )?
        .query_row(params![doc.series.code(), n], |r| r.get(0))?;
    u32::try_from(c).map_err(|_| FiscalError::Malformed {
        what: "reprint count",
    })
}

/// The query columns of every row, in append order (aligned with
/// [`load_rows`]); `None` where a column has the wrong SQL type.
pub fn load_derived(
    conn: &Connection,
) -> Result<Vec<Option<crate::verify::caches::StoredDerived>>> {
    let mut st = conn.prepare(
        "SELECT local_date, ref_series, ref_number, amount FROM fiscal_record ORDER BY seq",
    )?;
    let rows = st.query_map([], |r| {
        Ok((|| -> rusqlite::Result<_> {
            Ok(crate::verify::caches::StoredDerived {
                local_date: r.get(0)?,
                ref_series: r.get(1)?,
                ref_number: r.get(2)?,
                amount: r.get(3)?,
            })
        })()
        .ok())
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.ok().flatten());
    }
    Ok(out)
}

/// Every meta key and value.
pub fn load_meta(conn: &Connection) -> Result<std::collections::BTreeMap<String, String>> {
    let mut st = conn.prepare("SELECT key, CAST(value AS TEXT) FROM fiscal_meta")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        let (k, v): (String, String) = row?;
        out.insert(k, v);
    }
    Ok(out)
}

/// Every running-totals row.
pub fn load_totals(conn: &Connection) -> Result<Vec<crate::verify::caches::TotalsEntry>> {
    let mut st = conn.prepare(
        "SELECT scope, period, rate_bps, net, vat, gross, docs FROM fiscal_totals
         ORDER BY scope, period, rate_bps",
    )?;
    let rows = st.query_map([], |r| {
        Ok(crate::verify::caches::TotalsEntry {
            scope: r.get(0)?,
            period: r.get(1)?,
            rate_bps: r.get(2)?,
            values: [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

/// Every head row as stored: `(head_seq column, head)`.
pub fn load_head_rows(conn: &Connection) -> Result<Vec<(i64, SignedHead)>> {
    let mut st = conn.prepare("SELECT head_seq, payload, signature FROM fiscal_head")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get(0)?,
            SignedHead {
                payload: r.get(1)?,
                signature: r.get(2)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

/// Every purge allowance `(series, upto)`.
pub fn load_purge_allow(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut st = conn.prepare("SELECT series, upto FROM fiscal_purge_allow")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}
