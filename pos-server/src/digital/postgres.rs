//! The PostgreSQL side of the digital-receipt storage operations; the
//! `PgTx` implementation of [`crate::Tx`] delegates here. The send
//! state row is read `FOR UPDATE`, so two server processes handling the
//! same (ticket, channel) serialize on it.

use super::model::{CustomerLink, SendLogEntry, SendRecord, StoredReceipt};
use crate::error::{Result, SyncError};
use postgres::{Row, Transaction};

const RECEIPT_COLUMNS: &str = "token, store, device, ticket_id, customer, at, total, facts";

fn receipt(r: &Row) -> StoredReceipt {
    StoredReceipt {
        token: r.get(0),
        store: r.get(1),
        device: r.get(2),
        ticket_id: r.get(3),
        customer: r.get(4),
        at: r.get(5),
        total: r.get(6),
        facts: r.get(7),
    }
}

/// See [`crate::Tx::dr_insert_receipt`].
pub fn insert_receipt(t: &mut Transaction<'_>, r: &StoredReceipt) -> Result<bool> {
    let n = t.execute(
        "INSERT INTO digital_receipts(token, store, device, ticket_id, customer, at, total, facts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        &[
            &r.token,
            &r.store,
            &r.device,
            &r.ticket_id,
            &r.customer,
            &r.at,
            &r.total,
            &r.facts,
        ],
    )?;
    Ok(n == 1)
}

/// See [`crate::Tx::dr_receipt_by_token`].
pub fn receipt_by_token(t: &mut Transaction<'_>, token: &str) -> Result<Option<StoredReceipt>> {
    Ok(t.query_opt(
        &format!("SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE token = $1"),
        &[&token],
    )?
    .map(|r| receipt(&r)))
}

/// See [`crate::Tx::dr_receipt_by_ticket`].
pub fn receipt_by_ticket(
    t: &mut Transaction<'_>,
    ticket_id: &str,
) -> Result<Option<StoredReceipt>> {
    Ok(t.query_opt(
        &format!("SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE ticket_id = $1"),
        &[&ticket_id],
    )?
    .map(|r| receipt(&r)))
}

/// See [`crate::Tx::dr_customer_receipts`].
pub fn customer_receipts(
    t: &mut Transaction<'_>,
    customer: &str,
    stores: &[String],
) -> Result<Vec<StoredReceipt>> {
    let rows = t.query(
        &format!(
            "SELECT {RECEIPT_COLUMNS} FROM digital_receipts WHERE customer = $1 AND store = ANY($2)
             ORDER BY at DESC, ticket_id"
        ),
        &[&customer, &stores],
    )?;
    Ok(rows.iter().map(receipt).collect())
}

/// See [`crate::Tx::dr_retailer_stores`]. Reads the back office's
/// store-to-retailer table.
pub fn retailer_stores(t: &mut Transaction<'_>, store: &str) -> Result<Vec<String>> {
    let rows = t.query(
        "SELECT store FROM bo_stores WHERE retailer = (SELECT retailer FROM bo_stores WHERE store = $1) ORDER BY store",
        &[&store],
    )?;
    let mut out: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    if out.is_empty() {
        out.push(store.to_owned());
    }
    Ok(out)
}

/// See [`crate::Tx::dr_send`]. A transaction-scoped advisory lock
/// on (ticket, channel) comes first: `FOR UPDATE` locks nothing while the
/// row does not exist yet, and two servers must not both claim a first send.
pub fn send(t: &mut Transaction<'_>, ticket_id: &str, channel: &str) -> Result<Option<SendRecord>> {
    t.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("digital-send|{ticket_id}|{channel}")],
    )?;
    let row = t.query_opt(
        "SELECT ticket_id, channel, state, attempts, updated_at, reference, error
         FROM digital_sends WHERE ticket_id = $1 AND channel = $2 FOR UPDATE",
        &[&ticket_id, &channel],
    )?;
    row.map(|r| {
        let attempts: i64 = r.get(3);
        Ok(SendRecord {
            ticket_id: r.get(0),
            channel: r.get(1),
            state: r.get(2),
            attempts: u32::try_from(attempts)
                .map_err(|_| SyncError::Corrupt { what: "attempts" })?,
            updated_at: r.get(4),
            reference: r.get(5),
            error: r.get(6),
        })
    })
    .transpose()
}

/// See [`crate::Tx::dr_put_send`].
pub fn put_send(t: &mut Transaction<'_>, s: &SendRecord) -> Result<()> {
    t.execute(
        "INSERT INTO digital_sends(ticket_id, channel, state, attempts, updated_at, reference, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT(ticket_id, channel) DO UPDATE SET state = excluded.state,
           attempts = excluded.attempts, updated_at = excluded.updated_at,
           reference = excluded.reference, error = excluded.error",
        &[
            &s.ticket_id,
            &s.channel,
            &s.state,
            &i64::from(s.attempts),
            &s.updated_at,
            &s.reference,
            &s.error,
        ],
    )?;
    Ok(())
}

/// See [`crate::Tx::dr_log_send`].
pub fn log_send(t: &mut Transaction<'_>, e: &SendLogEntry) -> Result<()> {
    t.execute(
        "INSERT INTO digital_send_log(at, subject, customer, channel, requested_by, outcome)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &e.at,
            &e.subject,
            &e.customer,
            &e.channel,
            &e.requested_by,
            &e.outcome,
        ],
    )?;
    Ok(())
}

/// See [`crate::Tx::dr_send_log`].
pub fn send_log(t: &mut Transaction<'_>, subject: &str) -> Result<Vec<SendLogEntry>> {
    let rows = t.query(
        "SELECT at, subject, customer, channel, requested_by, outcome FROM digital_send_log
         WHERE subject = $1 ORDER BY id",
        &[&subject],
    )?;
    Ok(rows
        .iter()
        .map(|r| SendLogEntry {
            at: r.get(0),
            subject: r.get(1),
            customer: r.get(2),
            channel: r.get(3),
            requested_by: r.get(4),
            outcome: r.get(5),
        })
        .collect())
}

fn link(r: &Row) -> CustomerLink {
    CustomerLink {
        token: r.get(0),
        scope: r.get(1),
        customer: r.get(2),
        store: r.get(3),
    }
}

/// See [`crate::Tx::dr_customer_link`].
pub fn customer_link(
    t: &mut Transaction<'_>,
    scope: &str,
    customer: &str,
) -> Result<Option<CustomerLink>> {
    Ok(t.query_opt(
        "SELECT token, scope, customer, store FROM digital_customer_links
         WHERE scope = $1 AND customer = $2",
        &[&scope, &customer],
    )?
    .map(|r| link(&r)))
}

/// See [`crate::Tx::dr_put_customer_link`].
pub fn put_customer_link(t: &mut Transaction<'_>, l: &CustomerLink) -> Result<bool> {
    let n = t.execute(
        "INSERT INTO digital_customer_links(token, scope, customer, store) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[&l.token, &l.scope, &l.customer, &l.store],
    )?;
    Ok(n == 1)
}

/// See [`crate::Tx::dr_customer_by_link`].
pub fn customer_by_link(t: &mut Transaction<'_>, token: &str) -> Result<Option<CustomerLink>> {
    Ok(t.query_opt(
        "SELECT token, scope, customer, store FROM digital_customer_links WHERE token = $1",
        &[&token],
    )?
    .map(|r| link(&r)))
}
