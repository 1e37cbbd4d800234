//! The sync outbox: every change the till makes is an event appended in the
//! same transaction as the change, with a UUID v7 (its idempotency key) and a
//! gapless per-device sequence. pos-sync pushes them in order and the server
//! acknowledges by sequence.
//!
//! The server answers after its commit, so an acknowledged event is durable
//! there and the till keeps only what it still needs: the sequence
//! watermark (`outbox_state.last_seq`, so the next sequence continues
//! whatever rows are gone), and the id, kind and time of the last
//! [`ACKED_ID_WINDOW`] acknowledged events (idempotency and diagnostics).
//! [`ack_through`] drops the payloads of the events it acknowledges in the
//! ack's transaction; [`compact_step`] deletes older rows and drops the
//! payloads a file from before migration 4 still holds, a small batch per
//! transaction.

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

/// How many acknowledged events keep their row (id, kind, time; no payload).
pub const ACKED_ID_WINDOW: u64 = 10_000;

/// The outbox watermarks: the last sequence given, the last acknowledged,
/// and the sequence up to which every row is compacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    /// The last sequence given to an event (0 before the first).
    pub last_seq: u64,
    /// The last sequence the server acknowledged through [`ack_through`].
    pub acked_seq: u64,
    /// Every row at or below this sequence has no payload (or is deleted).
    pub compacted_seq: u64,
}

fn seq_out(v: i64) -> Result<u64, SdkError> {
    u64::try_from(v).map_err(|_| SdkError::Corrupt {
        what: "outbox sequence",
    })
}

fn seq_in(v: u64) -> Result<i64, SdkError> {
    i64::try_from(v).map_err(|_| SdkError::Corrupt {
        what: "outbox sequence",
    })
}

/// Reads the watermarks. The last sequence also accounts for a row written
/// without them (the marker a restore writes at the server's sequence).
pub fn watermark(tx: &Transaction<'_>) -> Result<Watermark, SdkError> {
    let (last, acked, compacted, max_row): (i64, i64, i64, Option<i64>) = tx
        .prepare_cached(
            "SELECT last_seq, acked_seq, compacted_seq, (SELECT MAX(seq) FROM outbox)
             FROM outbox_state WHERE id = 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?
        .ok_or(SdkError::Corrupt {
            what: "outbox watermark",
        })?;
    Ok(Watermark {
        last_seq: seq_out(last.max(max_row.unwrap_or(0)))?,
        acked_seq: seq_out(acked)?,
        compacted_seq: seq_out(compacted)?,
    })
}

/// Appends an event inside the caller's transaction and returns its sequence.
pub fn append(
    tx: &Transaction<'_>,
    event_id: &str,
    kind: &str,
    at: DateTime<Utc>,
    payload: &serde_json::Value,
) -> Result<u64, SdkError> {
    let last = watermark(tx)?.last_seq;
    let seq = last.checked_add(1).ok_or(SdkError::Corrupt {
        what: "outbox sequence",
    })?;
    let seq_sql = seq_in(seq)?;
    tx.prepare_cached(
        "INSERT INTO outbox(seq, event_id, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        seq_sql,
        event_id,
        kind,
        at.to_rfc3339(),
        payload.to_string()
    ])?;
    tx.prepare_cached("UPDATE outbox_state SET last_seq = ?1 WHERE id = 1")?
        .execute([seq_sql])?;
    Ok(seq)
}

/// The oldest `limit` events not yet acknowledged, in sequence order.
pub fn pending(tx: &Transaction<'_>, limit: u32) -> Result<Vec<OutboxEvent>, SdkError> {
    let mut stmt = tx.prepare_cached(
        "SELECT seq, event_id, kind, created_at, payload FROM outbox
         WHERE seq > (SELECT compacted_seq FROM outbox_state WHERE id = 1) AND acked = 0
         ORDER BY seq LIMIT ?1",
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

/// Marks every event up to `seq` as acknowledged by the server and drops
/// their payloads (the server holds them durably); acking an older sequence
/// again is harmless (idempotent). A sequence the till never gave is
/// refused and changes nothing. Returns how many events it acknowledged.
pub fn ack_through(tx: &Transaction<'_>, seq: u64) -> Result<usize, SdkError> {
    let mark = watermark(tx)?;
    if seq > mark.last_seq {
        return Err(SdkError::InvalidInput {
            field: "acknowledged sequence",
            expected: "a sequence this till gave to an event",
        });
    }
    // Only the events this ack covers are rewritten here (a file from
    // before migration 4 leaves its older rows to `compact_step`).
    let first_pending: Option<i64> = tx
        .prepare_cached("SELECT MIN(seq) FROM outbox WHERE seq > ?1 AND acked = 0")?
        .query_row([seq_in(mark.compacted_seq)?], |r| r.get(0))?;
    let n = tx
        .prepare_cached("UPDATE outbox SET acked = 1 WHERE seq > ?1 AND seq <= ?2 AND acked = 0")?
        .execute([seq_in(mark.compacted_seq)?, seq_in(seq)?])?;
    if let Some(first) = first_pending {
        slim(tx, seq_out(first)?.saturating_sub(1), seq)?;
    }
    if seq > mark.acked_seq {
        tx.prepare_cached(
            "UPDATE outbox_state SET acked_seq = ?1, last_seq = MAX(last_seq, ?2) WHERE id = 1",
        )?
        .execute([seq_in(seq)?, seq_in(mark.last_seq)?])?;
    }
    Ok(n)
}

/// Drops the payloads of the acknowledged rows in `(after, through]`. A row
/// is deleted and written again without its payload rather than updated:
/// SQLite gives a page back only when rows are deleted from it, and an
/// update that shrinks a row in place would leave the outbox's pages as
/// many as before. Returns how many rows it rewrote.
fn slim(tx: &Transaction<'_>, after: u64, through: u64) -> Result<usize, SdkError> {
    let (after, through) = (seq_in(after)?, seq_in(through)?);
    let mut stmt = tx.prepare_cached(
        "SELECT seq, event_id, kind, created_at FROM outbox
         WHERE seq > ?1 AND seq <= ?2 AND acked = 1 AND payload != '' ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([after, through], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1 AND acked = 1")?;
    for (seq, ..) in &rows {
        delete.execute([seq])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO outbox(seq, event_id, kind, created_at, payload, acked)
         VALUES (?1, ?2, ?3, ?4, '', 1)",
    )?;
    for (seq, event_id, kind, created_at) in &rows {
        insert.execute(params![seq, event_id, kind, created_at])?;
    }
    Ok(rows.len())
}

/// One small compaction batch, in the caller's transaction: deletes up to
/// `batch` acknowledged rows older than the [`ACKED_ID_WINDOW`], then drops
/// the payloads of up to `batch` acknowledged rows not compacted yet (a file
/// from before migration 4) and moves the compaction mark. Returns how many
/// rows it deleted or emptied; 0 means there is nothing left to compact.
/// Pending events are never touched.
pub fn compact_step(tx: &Transaction<'_>, batch: u32) -> Result<usize, SdkError> {
    let mark = watermark(tx)?;
    let cutoff = mark.acked_seq.saturating_sub(ACKED_ID_WINDOW);
    let deleted = tx
        .prepare_cached(
            "DELETE FROM outbox WHERE seq IN (
                SELECT seq FROM outbox WHERE seq <= ?1 AND acked = 1 ORDER BY seq LIMIT ?2)",
        )?
        .execute(params![seq_in(cutoff)?, batch])?;
    let start = mark.compacted_seq.max(cutoff);
    let end = start
        .saturating_add(u64::from(batch))
        .min(mark.acked_seq)
        .max(mark.compacted_seq);
    let emptied = slim(tx, start, end)?;
    if end > mark.compacted_seq {
        tx.prepare_cached("UPDATE outbox_state SET compacted_seq = ?1 WHERE id = 1")?
            .execute([seq_in(end)?])?;
    }
    let moved = usize::from(end > mark.compacted_seq);
    Ok(deleted.saturating_add(emptied).saturating_add(moved))
}

/// Pending count and the creation time of the oldest pending event.
pub fn status(tx: &Transaction<'_>) -> Result<(u64, Option<DateTime<Utc>>), SdkError> {
    let count: i64 = tx.query_row(
        "SELECT COUNT(*) FROM outbox
         WHERE seq > (SELECT compacted_seq FROM outbox_state WHERE id = 1) AND acked = 0",
        [],
        |r| r.get(0),
    )?;
    let oldest: Option<String> = tx
        .query_row(
            "SELECT created_at FROM outbox
             WHERE seq > (SELECT compacted_seq FROM outbox_state WHERE id = 1) AND acked = 0
             ORDER BY seq LIMIT 1",
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
        assert!(
            tx.execute("UPDATE outbox SET payload = '' WHERE seq = 4", [])
                .is_err(),
            "a pending event keeps its payload"
        );
        assert!(
            tx.execute("UPDATE outbox SET acked = 0 WHERE seq = 1", [])
                .is_err(),
            "an ack is never taken back"
        );
    }

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_700_000_000_000).unwrap()
    }

    fn add(tx: &Transaction<'_>, n: u64) -> Vec<u64> {
        let first = watermark(tx).unwrap().last_seq;
        (0..n)
            .map(|i| {
                append(
                    tx,
                    &format!("e{}", first + i),
                    "sale",
                    at(),
                    &serde_json::json!({"ticket": "x".repeat(200)}),
                )
                .unwrap()
            })
            .collect()
    }

    fn compact_all(tx: &Transaction<'_>) {
        while compact_step(tx, 7).unwrap() > 0 {}
    }

    fn payload_bytes(tx: &Transaction<'_>, acked: bool) -> i64 {
        tx.query_row(
            "SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox WHERE acked = ?1",
            [acked],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn rows(tx: &Transaction<'_>) -> i64 {
        tx.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_ack_drops_the_payloads_and_keeps_the_pending_ones() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        add(&tx, 10);
        assert_eq!(ack_through(&tx, 6).unwrap(), 6);
        assert_eq!(payload_bytes(&tx, true), 0);
        assert!(payload_bytes(&tx, false) > 4 * 200);
        let p = pending(&tx, 100).unwrap();
        assert_eq!(p.iter().map(|e| e.seq).collect::<Vec<_>>(), [7, 8, 9, 10]);
        assert_eq!(p[0].payload["ticket"].as_str().unwrap().len(), 200);
        assert_eq!(status(&tx).unwrap().0, 4);
        let w = watermark(&tx).unwrap();
        assert_eq!((w.last_seq, w.acked_seq), (10, 6));
        // The ids of the recent acknowledged events stay (within the window).
        assert_eq!(rows(&tx), 10);
        compact_all(&tx);
        assert_eq!(rows(&tx), 10);
        assert_eq!(watermark(&tx).unwrap().compacted_seq, 6);
    }

    #[test]
    fn the_sequence_stays_gapless_once_acked_rows_are_deleted() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        let n = ACKED_ID_WINDOW + 20;
        add(&tx, n);
        ack_through(&tx, n).unwrap();
        compact_all(&tx);
        // Only the window of ids is left, and the watermark survives it.
        assert_eq!(rows(&tx), i64::try_from(ACKED_ID_WINDOW).unwrap());
        let oldest: i64 = tx
            .query_row("SELECT MIN(seq) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(oldest, 21);
        assert_eq!(watermark(&tx).unwrap().last_seq, n);
        assert_eq!(add(&tx, 2), [n + 1, n + 2]);
        // Even with every row gone, the next event continues the sequence.
        tx.execute("DELETE FROM outbox WHERE acked = 1", [])
            .unwrap();
        ack_through(&tx, n + 2).unwrap();
        tx.execute("DELETE FROM outbox", []).unwrap();
        assert_eq!(rows(&tx), 0);
        assert_eq!(add(&tx, 1), [n + 3]);
        // A pending event still cannot be deleted.
        assert!(tx.execute("DELETE FROM outbox", []).is_err());
    }

    #[test]
    fn a_reopened_file_continues_the_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till.db");
        {
            let mut conn = crate::db::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            add(&tx, 5);
            ack_through(&tx, 5).unwrap();
            compact_all(&tx);
            tx.execute("DELETE FROM outbox", []).unwrap();
            tx.commit().unwrap();
        }
        let mut conn = crate::db::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(watermark(&tx).unwrap().last_seq, 5);
        assert_eq!(add(&tx, 1), [6]);
    }

    #[test]
    fn an_ack_beyond_the_last_sequence_is_refused_and_changes_nothing() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        assert!(matches!(
            ack_through(&tx, 1),
            Err(SdkError::InvalidInput { .. })
        ));
        add(&tx, 3);
        assert!(matches!(
            ack_through(&tx, 4),
            Err(SdkError::InvalidInput { .. })
        ));
        assert_eq!(status(&tx).unwrap().0, 3);
        assert_eq!(watermark(&tx).unwrap().acked_seq, 0);
        assert!(payload_bytes(&tx, false) > 0);
        // Acking again an older sequence is harmless.
        assert_eq!(ack_through(&tx, 2).unwrap(), 2);
        assert_eq!(ack_through(&tx, 1).unwrap(), 0);
        assert_eq!(watermark(&tx).unwrap().acked_seq, 2);
    }

    #[test]
    fn a_file_from_before_compacts_at_its_next_ack() {
        // A file at schema 3 (rows acknowledged with their payloads), then
        // migrated: the watermark starts at its last row and the next acks
        // compact the old rows.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(crate::db::open(&path).unwrap());
        {
            // Back to schema 3: its outbox triggers, no watermark table.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute_batch(
                "DROP TABLE outbox_state;
                 DROP TRIGGER outbox_keep_pending;
                 DROP TRIGGER outbox_only_ack;
                 CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
                     BEGIN SELECT RAISE(ABORT, 'outbox events are kept'); END;
                 CREATE TRIGGER outbox_only_ack BEFORE UPDATE ON outbox
                     WHEN NEW.seq != OLD.seq OR NEW.payload != OLD.payload
                     BEGIN SELECT RAISE(ABORT, 'outbox events are immutable'); END;",
            )
            .unwrap();
            tx.pragma_update(None, "user_version", 3).unwrap();
            let n = ACKED_ID_WINDOW + 300;
            for seq in 1..=n {
                tx.execute(
                    "INSERT INTO outbox(seq, event_id, kind, created_at, payload, acked)
                     VALUES (?1, ?2, 'sale', ?3, ?4, ?5)",
                    params![
                        i64::try_from(seq).unwrap(),
                        format!("old{seq}"),
                        at().to_rfc3339(),
                        format!("\"{}\"", "y".repeat(100)),
                        seq <= n - 2
                    ],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let mut conn = crate::db::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        let n = ACKED_ID_WINDOW + 300;
        assert_eq!(watermark(&tx).unwrap().last_seq, n);
        assert_eq!(status(&tx).unwrap().0, 2);
        assert_eq!(add(&tx, 1), [n + 1]);
        ack_through(&tx, n - 1).unwrap();
        // The ack itself rewrites only the event it acknowledged.
        assert_eq!(
            payload_bytes(&tx, true),
            i64::try_from(n - 2).unwrap() * 102
        );
        compact_all(&tx);
        assert_eq!(payload_bytes(&tx, true), 0);
        assert_eq!(rows(&tx), i64::try_from(ACKED_ID_WINDOW + 2).unwrap());
        assert_eq!(
            pending(&tx, 10)
                .unwrap()
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>(),
            [n, n + 1]
        );
    }
}
