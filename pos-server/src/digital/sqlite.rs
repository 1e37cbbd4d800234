//! The SQLite side of the digital-receipt storage operations; the
//! `SqliteTx` implementation of [`crate::Tx`] delegates here.

use super::model::{CustomerLink, SendLogEntry, SendRecord, StoredReceipt};
use crate::error::{Result, SyncError};
use rusqlite::{Connection, OptionalExtension, Row, params};

const RECEIPT_COLUMNS: &str = "token, store, device, ticket_id, customer, at, total, facts";

fn receipt(r: &Row<'_>) -> rusqlite::Result<StoredReceipt> {
    Ok(StoredReceipt {
        token: r.get(0)?,
        store: r.get(1)?,
        device: r.get(2)?,
        ticket_id: r.get(3)?,
        customer: r.get(4)?,
        at: r.get(5)?,
        total: r.get(6)?,
        facts: r.get(7)?,
    })
}

/// See [`crate::Tx::dr_insert_receipt`].
pub fn insert_receipt(c: &Connection, r: &StoredReceipt) -> Result<bool> {
    let n = c.execute(
        "INSERT INTO digital_receipts(token, store, device, ticket_id, customer, at, total, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        params![
            r.token,
            r.store,
            r.device,
            r.ticket_id,
            r.customer,
            r.at,
            r.total,
            r.facts
        ],
    )?;
    Ok(n == 1)
}

/// See [`crate::Tx::dr_receipt_by_token`].
pub fn receipt_by_token(c: &Connection, token: &str) -> Result<Option<StoredReceipt>> {
    Ok(c.query_row(
        &format!("SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE token = ?1"),
        [token],
        receipt,
    )
    .optional()?)
}

/// See [`crate::Tx::dr_receipt_by_ticket`].
pub fn receipt_by_ticket(c: &Connection, ticket_id: &str) -> Result<Option<StoredReceipt>> {
    Ok(c.query_row(
        &format!("SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE ticket_id = ?1"),
        [ticket_id],
        receipt,
    )
    .optional()?)
}

/// See [`crate::Tx::dr_customer_receipts`].
pub fn customer_receipts(
    c: &Connection,
    customer: &str,
    stores: &[String],
) -> Result<Vec<StoredReceipt>> {
    let mut st = c.prepare(&format!(
        "SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE customer = ?1 ORDER BY at DESC, ticket_id"
    ))?;
    let rows = st.query_map([customer], receipt)?;
    let mut out = Vec::new();
    for r in rows {
        let r = r?;
        if stores.contains(&r.store) {
            out.push(r);
        }
    }
    Ok(out)
}

/// See [`crate::Tx::dr_retailer_stores`]. Reads the back office's
/// store-to-retailer table.
pub fn retailer_stores(c: &Connection, store: &str) -> Result<Vec<String>> {
    let mut st = c.prepare(
        "SELECT store FROM bo_stores WHERE retailer = (SELECT retailer FROM bo_stores WHERE store = ?1) ORDER BY store",
    )?;
    let rows = st.query_map([store], |r| r.get::<_, String>(0))?;
    let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    if out.is_empty() {
        out.push(store.to_owned());
    }
    Ok(out)
}

/// See [`crate::Tx::dr_send`].
pub fn send(c: &Connection, ticket_id: &str, channel: &str) -> Result<Option<SendRecord>> {
    let row = c
        .query_row(
            "SELECT ticket_id, channel, state, attempts, updated_at, reference, error
             FROM digital_sends WHERE ticket_id = ?1 AND channel = ?2",
            params![ticket_id, channel],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?;
    row.map(
        |(ticket_id, channel, state, attempts, updated_at, reference, error)| {
            Ok(SendRecord {
                ticket_id,
                channel,
                state,
                attempts: u32::try_from(attempts)
                    .map_err(|_| SyncError::Corrupt { what: "attempts" })?,
                updated_at,
                reference,
                error,
            })
        },
    )
    .transpose()
}

/// See [`crate::Tx::dr_put_send`].
pub fn put_send(c: &Connection, s: &SendRecord) -> Result<()> {
    c.execute(
        "INSERT INTO digital_sends(ticket_id, channel, state, attempts, updated_at, reference, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(ticket_id, channel) DO UPDATE SET state = excluded.state,
           attempts = excluded.attempts, updated_at = excluded.updated_at,
           reference = excluded.reference, error = excluded.error",
        params![
            s.ticket_id,
            s.channel,
            s.state,
            i64::from(s.attempts),
            s.updated_at,
            s.reference,
            s.error
        ],
    )?;
    Ok(())
}

/// See [`crate::Tx::dr_log_send`].
pub fn log_send(c: &Connection, e: &SendLogEntry) -> Result<()> {
    c.execute(
        "INSERT INTO digital_send_log(at, subject, customer, channel, requested_by, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            e.at,
            e.subject,
            e.customer,
            e.channel,
            e.requested_by,
            e.outcome
        ],
    )?;
    Ok(())
}

/// See [`crate::Tx::dr_send_log`].
pub fn send_log(c: &Connection, subject: &str) -> Result<Vec<SendLogEntry>> {
    let mut st = c.prepare(
        "SELECT at, subject, customer, channel, requested_by, outcome FROM digital_send_log
         WHERE subject = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([subject], |r| {
        Ok(SendLogEntry {
            at: r.get(0)?,
            subject: r.get(1)?,
            customer: r.get(2)?,
            channel: r.get(3)?,
            requested_by: r.get(4)?,
            outcome: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn link(r: &Row<'_>) -> rusqlite::Result<CustomerLink> {
    Ok(CustomerLink {
        token: r.get(0)?,
        scope: r.get(1)?,
        customer: r.get(2)?,
        store: r.get(3)?,
    })
}

/// See [`crate::Tx::dr_customer_link`].
pub fn customer_link(c: &Connection, scope: &str, customer: &str) -> Result<Option<CustomerLink>> {
    Ok(c.query_row(
        "SELECT token, scope, customer, store FROM digital_customer_links
         WHERE scope = ?1 AND customer = ?2",
        [scope, customer],
        link,
    )
    .optional()?)
}

/// See [`crate::Tx::dr_put_customer_link`].
pub fn put_customer_link(c: &Connection, l: &CustomerLink) -> Result<bool> {
    let n = c.execute(
        "INSERT INTO digital_customer_links(token, scope, customer, store) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        params![l.token, l.scope, l.customer, l.store],
    )?;
    Ok(n == 1)
}

/// See [`crate::Tx::dr_customer_by_link`].
pub fn customer_by_link(c: &Connection, token: &str) -> Result<Option<CustomerLink>> {
    Ok(c.query_row(
        "SELECT token, scope, customer, store FROM digital_customer_links WHERE token = ?1",
        [token],
        link,
    )
    .optional()?)
}
