//! The business copy of a ticket (`tickets` row) checked against its signed
//! fiscal record. Receipts, reprints and refunds read the copy for its
//! richer detail (names, tender references, promotion reasons); everything
//! the journal signs must agree with it, or the copy is refused: a receipt
//! is never printed under a genuine signature extract from altered data.

use super::fiscal_map;
use crate::SdkError;
use pos_core::ticket::Ticket;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::model::{DocRef, Series};
use pos_fiscal::store::rows;
use pos_fiscal::ticket::TicketPayload;
use pos_fiscal::verify::{Defect, DefectKind};
use rusqlite::{Connection, OptionalExtension, params};

/// One `tickets` row as stored.
#[derive(Debug, Clone)]
struct CopyRow {
    id: String,
    series: String,
    number: i64,
    kind: String,
    created_at: String,
    total: String,
    customer_id: Option<String>,
    original_id: Option<String>,
    json: String,
}

const COLUMNS: &str = "id, series, number, kind, created_at, total, customer_id, original_id, json";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<CopyRow> {
    Ok(CopyRow {
        id: r.get(0)?,
        series: r.get(1)?,
        number: r.get(2)?,
        kind: r.get(3)?,
        created_at: r.get(4)?,
        total: r.get(5)?,
        customer_id: r.get(6)?,
        original_id: r.get(7)?,
        json: r.get(8)?,
    })
}

/// The columns of `row` that disagree with the signed record, with why.
fn differences(
    conn: &Connection,
    row: &CopyRow,
) -> Result<Vec<(&'static str, &'static str)>, SdkError> {
    let mut out = Vec::new();
    let doc = Series::parse(&row.series)
        .zip(u64::try_from(row.number).ok())
        .map(|(series, number)| DocRef { series, number });
    let Some(doc) = doc else {
        out.push(("series", "series or number is not a fiscal reference"));
        return Ok(out);
    };
    let Some(record) = rows::record_by_ref(conn, doc)? else {
        // Detail purged after a signed archive (numbers before the first
        // record still in the file) keeps its business copy; nothing is
        // printed from it any more (there is no record to print under).
        let first: Option<i64> = conn.query_row(
            "SELECT MIN(number) FROM fiscal_record WHERE series = ?1",
            [doc.series.code()],
            |r| r.get(0),
        )?;
        let archived: Option<i64> = conn
            .query_row(
                "SELECT upto FROM fiscal_purge_allow WHERE series = ?1",
                [doc.series.code()],
                |r| r.get(0),
            )
            .optional()?;
        let purged = first.is_some_and(|f| row.number < f)
            && archived.is_some_and(|upto| row.number <= upto);
        if !purged {
            out.push(("number", "no fiscal record for this ticket"));
        }
        return Ok(out);
    };
    let Ok(signed) = from_canonical::<TicketPayload>(record.payload.as_bytes(), "ticket") else {
        out.push(("number", "the fiscal record is not a ticket"));
        return Ok(out);
    };
    if row.kind != record.kind {
        out.push(("kind", "kind differs from the signed record"));
    }
    let created = chrono::DateTime::parse_from_rfc3339(&row.created_at)
        .ok()
        .map(|t| t.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    if created.as_deref() != Some(record.ts.as_str()) {
        out.push(("created_at", "time differs from the signed record"));
    }
    if row.customer_id != signed.ticket.customer {
        out.push(("customer_id", "customer differs from the signed record"));
    }
    let Ok(ticket) = serde_json::from_str::<Ticket>(&row.json) else {
        out.push(("json", "the copy does not decode"));
        return Ok(out);
    };
    if ticket.id() != row.id {
        out.push(("id", "id differs from the copy's own"));
    }
    if ticket.total().format_plain() != row.total {
        out.push(("total", "total column differs from the copy"));
    }
    let original = match &row.original_id {
        // Another till's original: the reference the refund looked up.
        None => match ticket.originals().first() {
            Some(o) => super::refund_anywhere::remote_ref(conn, o, "")?.map(|(doc, _)| doc),
            None => None,
        },
        Some(id) => conn
            .query_row(
                "SELECT series, number FROM tickets WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?
            .and_then(|(s, n)| {
                Some(DocRef {
                    series: Series::parse(&s)?,
                    number: u64::try_from(n).ok()?,
                })
            }),
    };
    let training = doc.series == Series::X;
    let Ok(mapped) = fiscal_map::ticket_input(&ticket, original, training) else {
        out.push(("json", "the copy cannot be recorded as it stands"));
        return Ok(out);
    };
    let s = &signed.ticket;
    let checks: [(bool, &'static str, &'static str); 8] = [
        (
            mapped.total == s.total,
            "total",
            "total differs from the signed record",
        ),
        (
            mapped.lines == s.lines,
            "json",
            "lines differ from the signed record",
        ),
        (
            mapped.vat == s.vat,
            "json",
            "VAT breakdown differs from the signed record",
        ),
        (
            mapped.payments == s.payments,
            "json",
            "payments differ from the signed record",
        ),
        (
            mapped.change == s.change,
            "json",
            "change differs from the signed record",
        ),
        (
            mapped.original == s.original,
            "original_id",
            "original differs from the signed record",
        ),
        (
            (
                &mapped.operator,
                &mapped.establishment,
                &mapped.currency,
                mapped.operation,
            ) == (&s.operator, &s.establishment, &s.currency, s.operation),
            "json",
            "operator, store, currency or operation differ from the signed record",
        ),
        (
            mapped.customer == s.customer,
            "json",
            "customer differs from the signed record",
        ),
    ];
    for (ok, column, why) in checks {
        if !ok && !out.iter().any(|(c, w)| *c == column && *w == why) {
            out.push((column, why));
        }
    }
    Ok(out)
}

/// Refuses the business copy of `doc` when it disagrees with its signed
/// record (used before printing or refunding from it).
pub(crate) fn ensure_agrees(conn: &Connection, doc: DocRef) -> Result<(), SdkError> {
    let n = i64::try_from(doc.number).map_err(|_| SdkError::Corrupt {
        what: "ticket number",
    })?;
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM tickets WHERE series = ?1 AND number = ?2"),
            params![doc.series.code(), n],
            read,
        )
        .optional()?;
    let Some(row) = row else {
        return Err(SdkError::NotFound {
            what: "ticket",
            id: format!("{}{}", doc.series.code(), doc.number),
        });
    };
    if differences(conn, &row)?.is_empty() {
        Ok(())
    } else {
        Err(SdkError::Corrupt {
            what: "ticket copy (it differs from its signed fiscal record)",
        })
    }
}

/// Rule 7 of FORMAT.md: every `tickets` row against its signed record.
pub(crate) fn check_all(conn: &Connection, defects: &mut Vec<Defect>) -> Result<(), SdkError> {
    let has_table: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'tickets'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(());
    }
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM tickets ORDER BY rowid"))?;
    let rows = st.query_map([], |r| Ok(read(r).ok()))?;
    for row in rows {
        let Some(row) = row? else {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "tickets",
                "?",
                "json",
                "row is not well-formed",
            ));
            continue;
        };
        for (column, why) in differences(conn, &row)? {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "tickets",
                row.id.clone(),
                column,
                why,
            ));
        }
    }
    Ok(())
}
