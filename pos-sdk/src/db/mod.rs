//! The till's one SQLite file: opening with the durability settings,
//! migrations by `user_version`, and the small helpers the facade's writers
//! share. Every write runs inside a transaction handed to the writer.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction that
//! `commit()` reported is on disk before the sale is reported complete and
//! survives a power cut (with `NORMAL`, WAL may lose the last commits on
//! power loss, which for a till means losing a sale the customer paid). The
//! cost is measured in `benches/sale_commit.rs`.

mod schema;

use crate::SdkError;
use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::Path;

pub use schema::SCHEMA_VERSION;

/// Opens (creating if needed) the till file at `path` and migrates it.
pub fn open(path: &Path) -> Result<Connection, SdkError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let mut conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    enable_incremental_vacuum(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Opens a private in-memory database with the same schema (tests, wasm).
pub fn open_in_memory() -> Result<Connection, SdkError> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), SdkError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL returns the mode as a row; in-memory databases answer "memory".
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         PRAGMA foreign_keys=ON;
         PRAGMA temp_store=MEMORY;",
    )?;
    Ok(())
}

/// Switches the file to `auto_vacuum=INCREMENTAL` (issue 18) so pages freed
/// by compaction and purge can be given back in small steps
/// (`register/purge.rs`). A new file takes it before its first table; a
/// file written before (an older file, or a new one whose WAL header is
/// already on disk) needs one full `VACUUM`, done once here at open
/// (outside any transaction, as SQLite requires).
fn enable_incremental_vacuum(conn: &Connection) -> Result<(), SdkError> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode == 2 {
        return Ok(());
    }
    conn.execute_batch("PRAGMA auto_vacuum=INCREMENTAL")?;
    // The mode takes at once only on a file with no page written yet (WAL
    // mode already wrote the header); otherwise VACUUM rewrites it.
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode != 2 {
        conn.execute_batch("VACUUM")?;
    }
    Ok(())
}

/// Applies the migrations this file has not seen yet, each in a transaction.
fn migrate(conn: &mut Connection) -> Result<(), SdkError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(SdkError::SchemaTooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in schema::MIGRATIONS.iter().enumerate() {
        let version = u32::try_from(index)
            .map_err(|_| SdkError::Corrupt {
                what: "migration index",
            })?
            .saturating_add(1);
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    let tx = conn.transaction()?;
    pos_fiscal::store::migrate(&tx)?;
    tx.execute_batch(crate::register::refund_anywhere::SCHEMA)?;
    tx.commit()?;
    Ok(())
}

/// Reads a value of the `meta` table.
pub fn meta_get(tx: &Transaction<'_>, key: &str) -> Result<Option<String>, SdkError> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Writes a value of the `meta` table.
pub fn meta_set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}
