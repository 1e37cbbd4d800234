//! The `fiscal_` tables and their versioned, idempotent migration.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};

/// The schema version this code writes (kept in `fiscal_meta`, not in the
/// file's `user_version`, which belongs to the facade).
pub const SCHEMA_VERSION: u32 = 3;

const V1: &str = r#"
CREATE TABLE IF NOT EXISTS fiscal_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Every signed record of every series, in append order (seq).
-- local_date, ref_series, ref_number and amount are derived from the
-- payload for queries; the verifier never trusts them.
CREATE TABLE IF NOT EXISTS fiscal_record (
    seq            INTEGER PRIMARY KEY,
    format         INTEGER NOT NULL,
    register       TEXT NOT NULL,
    series         TEXT NOT NULL,
    number         INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    ts             TEXT NOT NULL,
    utc_offset_min INTEGER NOT NULL,
    key_id         TEXT NOT NULL,
    payload        TEXT NOT NULL,
    signed_string  TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    signature      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    local_date     TEXT NOT NULL,
    ref_series     TEXT,
    ref_number     INTEGER,
    amount         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS fiscal_record_series_number ON fiscal_record(series, number);
CREATE INDEX IF NOT EXISTS fiscal_record_date ON fiscal_record(local_date, series);
CREATE INDEX IF NOT EXISTS fiscal_record_ref ON fiscal_record(ref_series, ref_number);
-- The signed head (one row, head_seq only grows).
CREATE TABLE IF NOT EXISTS fiscal_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    head_seq  INTEGER NOT NULL,
    payload   TEXT NOT NULL,
    signature TEXT NOT NULL
);
-- Running totals: scope day/month/year/perpetual, rate_bps -1 = all rates.
CREATE TABLE IF NOT EXISTS fiscal_totals (
    scope    TEXT NOT NULL,
    period   TEXT NOT NULL,
    rate_bps INTEGER NOT NULL,
    net      INTEGER NOT NULL,
    vat      INTEGER NOT NULL,
    gross    INTEGER NOT NULL,
    docs     INTEGER NOT NULL,
    PRIMARY KEY (scope, period, rate_bps)
);
-- Purge allowance: numbers up to `upto` of a series are archived (written
-- only by the archive code from a signed A record).
CREATE TABLE IF NOT EXISTS fiscal_purge_allow (
    series TEXT PRIMARY KEY,
    upto   INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS fiscal_record_no_update BEFORE UPDATE ON fiscal_record
BEGIN SELECT RAISE(ABORT, 'fiscal records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fiscal_record_no_delete BEFORE DELETE ON fiscal_record
WHEN OLD.series NOT IN ('T','I','C','X','B')
  OR OLD.number >= (SELECT MAX(number) FROM fiscal_record r WHERE r.series = OLD.series)
  OR OLD.number > COALESCE((SELECT upto FROM fiscal_purge_allow p WHERE p.series = OLD.series), 0)
BEGIN SELECT RAISE(ABORT, 'fiscal records are deleted only by purge after archive'); END;
CREATE TRIGGER IF NOT EXISTS fiscal_head_forward BEFORE UPDATE ON fiscal_head
WHEN NEW.head_seq <= OLD.head_seq
BEGIN SELECT RAISE(ABORT, 'the fiscal head only moves forward'); END;
CREATE TRIGGER IF NOT EXISTS fiscal_head_no_delete BEFORE DELETE ON fiscal_head
BEGIN SELECT RAISE(ABORT, 'the fiscal head is never deleted'); END;
CREATE TRIGGER IF NOT EXISTS fiscal_purge_allow_no_delete BEFORE DELETE ON fiscal_purge_allow
BEGIN SELECT RAISE(ABORT, 'purge allowances are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS fiscal_purge_allow_forward BEFORE UPDATE ON fiscal_purge_allow
WHEN NEW.upto < OLD.upto
BEGIN SELECT RAISE(ABORT, 'purge allowances only grow'); END;
"#;

/// Creates or upgrades the fiscal tables. Idempotent; versioned by
/// `fiscal_meta.schema_version`. Run it inside the facade's migration.
pub fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS fiscal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )?;
    let current: Option<String> = conn
        .query_row(
            "SELECT value FROM fiscal_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let current: u32 = current.and_then(|v| v.parse().ok()).unwrap_or(0);
    if current < 1 {
        conn.execute_batch(V1)?;
    }
    if current < 2 {
        // Version 2: the last closed day is read from the signed closures;
        // the mutable copy that version 1 kept goes.
        conn.execute("DELETE FROM fiscal_meta WHERE key = 'last_closed_day'", [])?;
    }
    if current < 3 {
        // Version 3: format-2 records carry the journal counter (signed);
        // format-1 rows keep NULL.
        conn.execute_batch("ALTER TABLE fiscal_record ADD COLUMN head_seq INTEGER;")?;
    }
    if current < SCHEMA_VERSION {
        conn.execute(
            "INSERT INTO fiscal_meta(key, value) VALUES ('schema_version', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION.to_string()],
        )?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn migrate_is_idempotent() {
        let c = Connection::open_in_memory().unwrap();
        migrate(&c).unwrap();
        migrate(&c).unwrap();
        let v: String = c
            .query_row(
                "SELECT value FROM fiscal_meta WHERE key='schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, "3");
        let uv: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(uv, 0, "user_version belongs to the facade");
    }
}
