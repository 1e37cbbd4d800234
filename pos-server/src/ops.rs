//! Operations: an online backup of a SQLite server database, the
//! readiness probe and the metrics scrape (served by [`crate::http`] at
//! `/healthz`, `/readyz` and `/metrics`).
//!
//! # Backups
//! [`backup_sqlite`] copies a live server database with SQLite's online
//! backup API. The copy is one consistent snapshot: the source connection
//! holds one read transaction for the whole copy (in WAL mode a reader
//! never blocks the server's writer, and a snapshot held open keeps the
//! copy from restarting when the server commits meanwhile). Pages are
//! copied a few at a time with a pause between steps, so the copy does not
//! hog the disk. The copy is written to a temporary file beside the output,
//! switched to a rollback journal (one self-contained file), fsynced,
//! renamed into place and its directory fsynced; then it is reopened and
//! `PRAGMA integrity_check` and the row count of every table are reported.
//! While the copy runs, the server's WAL cannot be checkpointed past the
//! held snapshot, so it grows by what the server writes meanwhile and
//! shrinks again at the next checkpoint after the copy.

use crate::error::{Result, ServerError, SyncError};
use crate::metrics::ScrapeGauges;
use crate::store::Storage;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Live tills' last pushes, per store (the same text on both back ends).
pub(crate) const LAST_PUSHES_SQL: &str =
    "SELECT store, last_push FROM devices WHERE last_push IS NOT NULL AND replaced_by IS NULL";

/// The latest of each store's pushes from `(store, RFC 3339)` rows.
pub(crate) fn latest_by_store(
    rows: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, DateTime<Utc>>> {
    let mut out: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    for (store, at) in rows {
        let at = DateTime::parse_from_rfc3339(&at)
            .map_err(|_| SyncError::Corrupt { what: "timestamp" })?
            .with_timezone(&Utc);
        let e = out.entry(store).or_insert(at);
        if at > *e {
            *e = at;
        }
    }
    Ok(out)
}

/// Why a backup failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The output file exists and replacing it was not asked for.
    #[error("{path} exists: pass --force to replace it")]
    OutputExists {
        /// The output path.
        path: PathBuf,
    },
    /// The source is not a server database (or not this build's version).
    #[error("the source is not a pos-server database of this version: {0}")]
    NotAServerDatabase(#[source] ServerError),
    /// The source or the copy failed in SQLite.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing, syncing or renaming the copy failed.
    #[error("{step}: {source}")]
    Io {
        /// What was being done (`sync the copy`, `rename the copy`).
        step: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The copy does not pass `PRAGMA integrity_check` (it is kept under
    /// its temporary name for inspection).
    #[error("the copy fails its integrity check: {first}")]
    Integrity {
        /// The first problem SQLite reports.
        first: String,
    },
}

impl BackupError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::OutputExists { .. } => "backup_output_exists",
            BackupError::NotAServerDatabase(_) => "backup_source",
            BackupError::Sqlite(_) => "storage",
            BackupError::Io { .. } => "backup_io",
            BackupError::Integrity { .. } => "backup_integrity",
        }
    }
}

/// How a backup went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    /// The finished copy.
    pub out: PathBuf,
    /// Pages copied (the database's page count in the snapshot).
    pub pages: u64,
    /// Backup steps taken.
    pub steps: u64,
    /// Bytes of the finished copy.
    pub bytes: u64,
    /// `PRAGMA integrity_check` of the copy: `ok`.
    pub integrity: String,
    /// Rows of every table of the copy.
    pub rows: BTreeMap<String, u64>,
}

/// How a backup copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupOptions {
    /// Pages per backup step.
    pub pages_per_step: u16,
    /// Pause between steps.
    pub pause: Duration,
    /// Replace an existing output file.
    pub force: bool,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            pages_per_step: 64,
            pause: Duration::from_millis(2),
            force: false,
        }
    }
}

fn io(step: &'static str) -> impl FnOnce(std::io::Error) -> BackupError {
    move |source| BackupError::Io { step, source }
}

/// Copies the server database `src` to `out` while a server may be
/// writing to it (see the module docs), with the default options.
pub fn backup_sqlite(src: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    backup_sqlite_with(src, out, BackupOptions::default())
}

/// [`backup_sqlite`] with explicit options.
pub fn backup_sqlite_with(
    src: &Path,
    out: &Path,
    opts: BackupOptions,
) -> Result<BackupReport, BackupError> {
    if !opts.force && out.exists() {
        return Err(BackupError::OutputExists {
            path: out.to_path_buf(),
        });
    }
    let source = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(10))?;
    // One read transaction for the whole copy: the snapshot of its first
    // read. The schema version is checked inside it.
    source.execute_batch("BEGIN DEFERRED")?;
    let version: u32 = source.pragma_query_value(None, "user_version", |r| r.get(0))?;
    crate::schema::check(version).map_err(BackupError::NotAServerDatabase)?;
    let devices: u32 = source.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'devices'",
        [],
        |r| r.get(0),
    )?;
    if devices == 0 {
        return Err(BackupError::NotAServerDatabase(
            SyncError::NotFound {
                what: "table devices",
            }
            .into(),
        ));
    }

    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    for stale in ["", "-journal", "-wal"].map(|s| PathBuf::from(format!("{}{s}", tmp.display()))) {
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(io("remove a stale partial copy"))?;
        }
    }
    let (pages, steps) = {
        let mut dest = Connection::open(&tmp)?;
        let mut steps = 0u64;
        let pages = {
            let backup = rusqlite::backup::Backup::new(&source, &mut dest)?;
            loop {
                let r = backup.step(i32::from(opts.pages_per_step))?;
                steps = steps.saturating_add(1);
                match r {
                    rusqlite::backup::StepResult::Done => break,
                    rusqlite::backup::StepResult::More => std::thread::sleep(opts.pause),
                    // The writer holds a lock on the destination or source
                    // for a moment: wait and step again.
                    _ => std::thread::sleep(opts.pause.max(Duration::from_millis(10))),
                }
            }
            u64::try_from(backup.progress().pagecount).unwrap_or(0)
        };
        // One self-contained file (no -wal beside it); a server opening it
        // switches it back to WAL.
        dest.pragma_update(None, "journal_mode", "DELETE")?;
        dest.close().map_err(|(_, e)| e)?;
        (pages, steps)
    };
    source.execute_batch("COMMIT")?;
    drop(source);

    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io("sync the copy"))?;
    let (integrity, rows) = check_copy(&tmp)?;
    if integrity != "ok" {
        return Err(BackupError::Integrity { first: integrity });
    }
    std::fs::rename(&tmp, out).map_err(io("rename the copy"))?;
    // The rename itself must survive a power cut.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync the output directory"))?;
    let bytes = std::fs::metadata(out)
        .map_err(io("read the copy's size"))?
        .len();
    Ok(BackupReport {
        out: out.to_path_buf(),
        pages,
        steps,
        bytes,
        integrity,
        rows,
    })
}

/// `PRAGMA integrity_check` and the rows of every table of a copy.
fn check_copy(path: &Path) -> Result<(String, BTreeMap<String, u64>), BackupError> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let tables: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = BTreeMap::new();
    for t in tables {
        let quoted = t.replace('"', "\"\"");
        let n: i64 = c.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
            r.get(0)
        })?;
        rows.insert(t, u64::try_from(n).unwrap_or(0));
    }
    Ok((integrity, rows))
}

/// Why a server is not ready.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotReady {
    /// A stable code: `database_unavailable` or `schema_version`.
    pub reason: &'static str,
    /// What was found (no personal data, no connection string).
    pub detail: String,
}

/// The readiness probe: the database answers a trivial query and records
/// this build's schema version.
pub fn readiness<S: Storage>(storage: &S) -> Result<(), NotReady> {
    match storage.schema_version() {
        Ok(v) if v == crate::schema::SCHEMA_VERSION => Ok(()),
        Ok(v) => Err(NotReady {
            reason: "schema_version",
            detail: format!(
                "database schema version {v}, this build runs on {}",
                crate::schema::SCHEMA_VERSION
            ),
        }),
        Err(e) => Err(NotReady {
            reason: "database_unavailable",
            detail: e.code().to_owned(),
        }),
    }
}

/// The database state of a metrics scrape at server time `now`.
pub fn scrape_gauges<S: Storage>(storage: &S, now: DateTime<Utc>) -> Result<ScrapeGauges> {
    let lags = storage
        .last_push_by_store()?
        .into_iter()
        .map(|(store, at)| (store, now.signed_duration_since(at).num_seconds().max(0)))
        .collect();
    Ok(ScrapeGauges {
        store_lag_seconds: lags,
        pool_idle: storage.idle_connections(),
        pool_in_use: None,
    })
}

/// Compares an offered token with the configured one in time that does
/// not depend on where they differ.
pub fn token_matches(offered: &str, configured: &str) -> bool {
    use sha2::Digest;
    // Digests first: equal lengths, so the comparison below never leaks
    // the configured token's length either.
    let (a, b) = (
        sha2::Sha256::digest(offered),
        sha2::Sha256::digest(configured),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("s3cret-token", "s3cret-token"));
        assert!(!token_matches("s3cret-tokem", "s3cret-token"));
        assert!(!token_matches("", "s3cret-token"));
        assert!(!token_matches("s3cret-token-and-more", "s3cret-token"));
    }

    #[test]
    fn latest_push_per_store() {
        let m = latest_by_store([
            ("S1".to_owned(), "2026-01-01T10:00:00+00:00".to_owned()),
            ("S1".to_owned(), "2026-01-01T10:00:00.5+00:00".to_owned()),
            ("S2".to_owned(), "2026-01-01T09:00:00+00:00".to_owned()),
        ])
        .unwrap();
        assert_eq!(m["S1"].timestamp_millis() % 1000, 500);
        assert_eq!(m.len(), 2);
        assert!(latest_by_store([("S".to_owned(), "yesterday".to_owned())]).is_err());
    }
}
