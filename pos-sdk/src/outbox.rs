//! The sync outbox: every change the till makes is an event appended in the
//! same transaction as the change, with a UUID v7 (its idempotency key) and a
//! gapless per-device sequence. pos-sync pushes them in order and the server
//! acknowledges by sequence.

use crate::SdkError;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// One event waiting to be pushed (or already acknowledged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Gapless per-device sequence, from 1.
    pub seq: u64,
    /// UUID v7, stable across retries and restarts.
    pub event_id: String,
    /// What changed (`sale`, `refund`, `stock`, `customer`, ...).
    pub kind: String,
    /// When the till made the change.
    pub created_at: DateTime<Utc>,
    /// The change itself, as JSON.
    pub payload: serde_json::Value,
}

/// Appends an event inside the caller's transaction and returns its sequence.
pub fn append(
    tx: &Transaction<'_>,
    event_id: &str,
    kind: &str,
    at: DateTime<Utc>,
    payload: &serde_json::Value,
) -> Result<u64, SdkError> {
    let last: Option<i64> = tx
        .prepare_cached("SELECT MAX(seq) FROM outbox")?
        .query_row([], |r| r.get(0))?;
    let seq = last.unwrap_or(0).checked_add(1).ok_or(SdkError::Corrupt {
        what: "outbox sequence",
    })?;
    tx.prepare_cached(
        "INSERT INTO outbox(seq, event_id, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        seq,
        event_id,
        kind,
        at.to_rfc3339(),
        payload.to_string()
    ])?;
    u64::try_from(seq).map_err(|_| SdkError::Corrupt {
        what: "outbox sequence",
    })
}

/// The oldest `limit` events not yet acknowledged, in sequence order.
pub fn pending(tx: &Transaction<'_>, limit: u32) -> Result<Vec<OutboxEvent>, SdkError> {
    let mut stmt = tx.prepare_cached(
        "SELECT seq, event_id, kind, created_at, payload FROM outbox WHERE acked = 0 ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, event_id, kind, created_at, payload) = row?;
        out.push(OutboxEvent {
            seq: u64::try_from(seq).map_err(|_| SdkError::Corrupt {
                what: "outbox sequence",
            })?,
            event_id,
            kind,
            created_at: DateTime::parse_from_rfc3339(&created_at)
                .map_err(|_| SdkError::Corrupt {
                    what: "outbox timestamp",
                })?
                .with_timezone(&Utc),
            payload: serde_json::from_str(&payload)?,
        });
    }
    Ok(out)
}

/// Marks every event up to `seq` as acknowledged by the server; acking an
/// older sequence again is harmless (idempotent).
pub fn ack_through(tx: &Transaction<'_>, seq: u64) -> Result<usize, SdkError> {
    let seq = i64::try_from(seq).map_err(|_| SdkError::Corrupt {
        what: "outbox sequence",
    })?;
    Ok(tx.execute(
        "UPDATE outbox SET acked = 1 WHERE seq <= ?1 AND acked = 0",
        [seq],
    )?)
}

/// Pending count and the creation time of the oldest pending event.
pub fn status(tx: &Transaction<'_>) -> Result<(u64, Option<DateTime<Utc>>), SdkError> {
    let count: i64 = tx.query_row("SELECT COUNT(*) FROM outbox WHERE acked = 0", [], |r| {
        r.get(0)
    })?;
    let oldest: Option<String> = tx
        .query_row(
            "SELECT created_at FROM outbox WHERE acked = 0 ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let oldest = oldest
        .map(|s| DateTime::parse_from_rfc3339(&s).map(|d| d.with_timezone(&Utc)))
        .transpose()
        .map_err(|_| SdkError::Corrupt {
            what: "outbox timestamp",
        })?;
    Ok((u64::try_from(count).unwrap_or(0), oldest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_gapless_and_acks_are_idempotent() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let at = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let tx = conn.transaction().unwrap();
        for i in 0..5 {
            let seq = append(
                &tx,
                &format!("e{i}"),
                "sale",
                at,
                &serde_json::json!({"i": i}),
            )
            .unwrap();
            assert_eq!(seq, i + 1);
        }
        assert_eq!(ack_through(&tx, 3).unwrap(), 3);
        assert_eq!(ack_through(&tx, 3).unwrap(), 0);
        let p = pending(&tx, 10).unwrap();
        assert_eq!(p.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(status(&tx).unwrap().0, 2);
        // The same event id twice is refused: idempotency key.
        assert!(append(&tx, "e0", "sale", at, &serde_json::json!({})).is_err());
        // Events cannot be rewritten or deleted.
        assert!(
            tx.execute("UPDATE outbox SET payload = '{}' WHERE seq = 1", [])
                .is_err()
        );
        assert!(tx.execute("DELETE FROM outbox", []).is_err());
    }
}
