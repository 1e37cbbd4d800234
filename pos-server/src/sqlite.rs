//! The embedded SQLite storage (zero setup; one server process).

use super::store::{Device, DeviceKey, FiscalHead, JournalReader, Storage, StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::wire::{Change, ChangeKind, WireEvent};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// The server schema (shared in spirit with the PostgreSQL one).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, store TEXT NOT NULL, location TEXT NOT NULL,
    secret TEXT NOT NULL, public_key TEXT NOT NULL, replaced_by TEXT,
    genesis TEXT, acked_seq INTEGER NOT NULL DEFAULT 0, last_push TEXT);
CREATE TABLE IF NOT EXISTS device_keys (
    device TEXT NOT NULL, since INTEGER NOT NULL, key_id TEXT NOT NULL, public_key TEXT NOT NULL,
    PRIMARY KEY (device, since));
CREATE TABLE IF NOT EXISTS seen_signatures (signature TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, device TEXT NOT NULL, seq INTEGER NOT NULL, store TEXT NOT NULL,
    kind TEXT NOT NULL, created_at TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (device, seq));
CREATE TABLE IF NOT EXISTS stock_movements (
    id TEXT NOT NULL, store TEXT NOT NULL, sku TEXT NOT NULL, location TEXT NOT NULL,
    quantity TEXT NOT NULL, origin TEXT, PRIMARY KEY (store, id));
CREATE TABLE IF NOT EXISTS stock_levels (
    store TEXT NOT NULL, sku TEXT NOT NULL, location TEXT NOT NULL,
    on_hand TEXT NOT NULL, reserved TEXT NOT NULL, PRIMARY KEY (store, sku, location));
CREATE TABLE IF NOT EXISTS ledger (
    ledger TEXT NOT NULL, id TEXT NOT NULL, store TEXT NOT NULL, account TEXT NOT NULL,
    delta TEXT NOT NULL, PRIMARY KEY (ledger, store, id));
CREATE INDEX IF NOT EXISTS ledger_by_account ON ledger(ledger, store, account);
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
    stamps TEXT NOT NULL, PRIMARY KEY (kind, store, id));
CREATE TABLE IF NOT EXISTS orders (
    store TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (store, id));
CREATE TABLE IF NOT EXISTS changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT, store TEXT NOT NULL, kind TEXT NOT NULL,
    key TEXT NOT NULL, origin TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_by_store ON changes(store, cursor);
CREATE TABLE IF NOT EXISTS fiscal_records (
    device TEXT NOT NULL, series TEXT NOT NULL, number INTEGER NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, json TEXT NOT NULL,
    UNIQUE (device, series, number));
CREATE INDEX IF NOT EXISTS fiscal_records_by_device ON fiscal_records(device);
CREATE TABLE IF NOT EXISTS journal_verdicts (device TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fiscal_quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT, device TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
    records TEXT NOT NULL, defects TEXT NOT NULL);
-- ---- back office ----
CREATE TABLE IF NOT EXISTS bo_retailers (id TEXT PRIMARY KEY, name TEXT NOT NULL, siren TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_stores (store TEXT PRIMARY KEY, retailer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_users (
    username TEXT PRIMARY KEY, retailer TEXT NOT NULL, role TEXT NOT NULL,
    password_hash TEXT NOT NULL, failures INTEGER NOT NULL, locked_until_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bo_login_counters (
    key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until_ms INTEGER NOT NULL,
    last_failure_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bo_login_counters_by_time ON bo_login_counters(last_failure_ms);
CREATE TABLE IF NOT EXISTS bo_sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
    expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bo_access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, retailer TEXT NOT NULL,
    username TEXT NOT NULL, store TEXT NOT NULL, customer TEXT NOT NULL, action TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bo_events_by_store_time ON events(store, created_at);
-- ---- end back office ----
-- ---- digital receipts ----
CREATE TABLE IF NOT EXISTS digital_receipts (
    token TEXT PRIMARY KEY, store TEXT NOT NULL, device TEXT NOT NULL,
    ticket_id TEXT NOT NULL UNIQUE, customer TEXT, at TEXT NOT NULL, total TEXT NOT NULL,
    facts TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS digital_receipts_by_customer ON digital_receipts(customer, at);
CREATE TABLE IF NOT EXISTS digital_sends (
    ticket_id TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL, updated_at TEXT NOT NULL, reference TEXT, error TEXT,
    PRIMARY KEY (ticket_id, channel));
CREATE TABLE IF NOT EXISTS digital_send_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, subject TEXT NOT NULL,
    customer TEXT, channel TEXT NOT NULL, requested_by TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS digital_send_log_by_subject ON digital_send_log(subject, id);
CREATE TABLE IF NOT EXISTS digital_customer_links (
    token TEXT PRIMARY KEY, scope TEXT NOT NULL, customer TEXT NOT NULL, store TEXT NOT NULL,
    UNIQUE (scope, customer));
";

/// Whether a SQLite failure says the database cannot serve now (another
/// writer held it past the busy timeout; an I/O error, a full disk, a file
/// it cannot open) rather than a bug or a row it refuses (a constraint, a
/// type mismatch, corruption: not transient).
pub(crate) fn outage(e: &rusqlite::Error) -> Option<crate::error::Outage> {
    use crate::error::Outage;
    use rusqlite::ErrorCode as C;
    match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::DatabaseBusy | C::DatabaseLocked => Some(Outage::Contention),
            C::SystemIoFailure | C::DiskFull | C::CannotOpen => Some(Outage::Down),
            _ => None,
        },
        _ => None,
    }
}

/// SQLite storage over one file (or memory).
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    /// The file, for read-only connections beside the writer (none in memory).
    path: Option<PathBuf>,
    /// Told which stores a committed transaction changed.
    live: crate::notify::LiveFeed,
}

impl SqliteStorage {
    /// Opens (or creates) the server database file.
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged event must survive a power cut (the till stops
        // resending what the server acknowledged).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        SqliteStorage::init(conn, Some(path.to_path_buf()))
    }

    /// Sets how long a request waits for another writer of the file
    /// (default 10 s) before the server answers 503 `unavailable`.
    pub fn with_busy_timeout(self, timeout: std::time::Duration) -> Result<SqliteStorage> {
        self.conn
            .lock()
            .map_err(|_| SyncError::Corrupt {
                what: "storage lock poisoned",
            })?
            .busy_timeout(timeout)?;
        Ok(self)
    }

    /// A server database in memory (tests).
    pub fn in_memory() -> Result<SqliteStorage> {
        SqliteStorage::init(Connection::open_in_memory()?, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<SqliteStorage> {
        // The schema version (see `crate::schema`): a database with tables
        // but no version predates versioning.
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tables: u32 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        match (version, tables) {
            (0, 0) => {}
            (0, _) => crate::schema::check(crate::schema::UNVERSIONED)?,
            (v, _) => crate::schema::check(v)?,
        }
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", crate::schema::SCHEMA_VERSION)?;
        conn.execute_batch(crate::credentials::SQLITE_SCHEMA)?;
        conn.execute_batch(crate::refunds_rows::SCHEMA)?;
        conn.execute_batch(crate::web_sales::SCHEMA)?;
        conn.execute_batch(crate::operators::SCHEMA)?;
        conn.execute_batch(crate::archives::SQLITE_SCHEMA)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            path,
            live: crate::notify::LiveFeed::new(),
        })
    }
}

impl Storage for SqliteStorage {
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut guard = self.conn.lock().map_err(|_| SyncError::Corrupt {
            what: "storage lock poisoned",
        })?;
        let tx = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut t = SqliteTx {
            tx: &tx,
            touched: BTreeSet::new(),
        };
        f(&mut t)?;
        let touched = std::mem::take(&mut t.touched);
        tx.commit()?;
        drop(guard);
        for store in &touched {
            self.live.publish(store);
        }
        Ok(())
    }

    fn journal_reader(&self) -> Result<Box<dyn JournalReader>> {
        let Some(path) = &self.path else {
            // An in-memory database cannot be opened twice: read through the
            // writer's connection, one short statement per chunk.
            return Ok(Box::new(SqliteJournalReader::Shared(Arc::clone(
                &self.conn,
            ))));
        };
        // WAL mode: this reader sees the last commit and never blocks the
        // writer (nor is blocked by it).
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Box::new(SqliteJournalReader::Own(conn)))
    }

    fn schema_version(&self) -> Result<u32> {
        let guard = self.conn.lock().map_err(|_| SyncError::Corrupt {
            what: "storage lock poisoned",
        })?;
        Ok(guard.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn last_push_by_store(&self) -> Result<BTreeMap<String, DateTime<Utc>>> {
        let guard = self.conn.lock().map_err(|_| SyncError::Corrupt {
            what: "storage lock poisoned",
        })?;
        let mut stmt = guard.prepare_cached(crate::ops::LAST_PUSHES_SQL)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        crate::ops::latest_by_store(rows)
    }

    fn live_feed(&self) -> Option<crate::notify::LiveFeed> {
        Some(self.live.clone())
    }
}

/// A journal reader: its own read-only connection to the file, or (in
/// memory) the writer's connection taken per statement.
enum SqliteJournalReader {
    Own(Connection),
    Shared(Arc<Mutex<Connection>>),
}

impl SqliteJournalReader {
    fn with<R>(&mut self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        match self {
            SqliteJournalReader::Own(c) => f(c),
            SqliteJournalReader::Shared(m) => {
                let guard = m.lock().map_err(|_| SyncError::Corrupt {
                    what: "storage lock poisoned",
                })?;
                f(&guard)
            }
        }
    }
}

impl JournalReader for SqliteJournalReader {
    fn records_after(
        &mut self,
        device: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, StoredRecord)>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT rowid, json FROM fiscal_records WHERE device = ?1 AND rowid > ?2
                 ORDER BY rowid LIMIT ?3",
            )?;
            let rows = st.query_map(params![device, after, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (at, json) = row?;
                let rec = serde_json::from_str(&json)
                    .map_err(|_| SyncError::Corrupt { what: "record" })?;
                out.push((at, rec));
            }
            Ok(out)
        })
    }

    fn count_after(&mut self, device: &str, after: i64) -> Result<u64> {
        self.with(|c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM fiscal_records WHERE device = ?1 AND rowid > ?2",
                params![device, after],
                |r| r.get(0),
            )?;
            u(n)
        })
    }
}

struct SqliteTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    /// Stores whose events or fiscal records this transaction wrote.
    touched: BTreeSet<String>,
}

fn dec(s: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|_| ServerError::from(SyncError::Corrupt { what: "decimal" }))
}

fn i(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| ServerError::from(SyncError::Overflow { what: "integer" }))
}

fn u(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| ServerError::from(SyncError::Corrupt { what: "integer" }))
}

pub(crate) fn series_of(code: &str) -> Result<Series> {
    Series::ALL
        .into_iter()
        .find(|s| s.code() == code)
        .ok_or(ServerError::from(SyncError::Corrupt { what: "series" }))
}

pub(crate) fn kind_name(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Catalog => "catalog",
        ChangeKind::Stock => "stock",
        ChangeKind::Customer => "customer",
        ChangeKind::Loyalty => "loyalty",
        ChangeKind::StoredValue => "stored_value",
        ChangeKind::Order => "order",
        ChangeKind::Refund => "refund",
        ChangeKind::Operator => "operator",
    }
}

pub(crate) fn kind_of(s: &str) -> Result<ChangeKind> {
    Ok(match s {
        "catalog" => ChangeKind::Catalog,
        "stock" => ChangeKind::Stock,
        "customer" => ChangeKind::Customer,
        "loyalty" => ChangeKind::Loyalty,
        "stored_value" => ChangeKind::StoredValue,
        "order" => ChangeKind::Order,
        "refund" => ChangeKind::Refund,
        "operator" => ChangeKind::Operator,
        _ => {
            return Err(ServerError::from(SyncError::Corrupt {
                what: "change kind",
            }));
        }
    })
}

pub(crate) fn genesis_to_json(g: &(String, String, String)) -> String {
    serde_json::json!([g.0, g.1, g.2]).to_string()
}

pub(crate) fn genesis_from_json(s: &str) -> Result<(String, String, String)> {
    serde_json::from_str(s).map_err(|_| ServerError::from(SyncError::Corrupt { what: "genesis" }))
}

impl Tx for SqliteTx<'_> {
    fn credentials(&mut self) -> Box<dyn crate::credentials::CredentialRows + '_> {
        crate::credentials::sqlite_tx(self.tx)
    }

    fn refunds(&mut self) -> Box<dyn crate::refunds_rows::RefundRows + '_> {
        crate::refunds_rows::sqlite(self.tx)
    }

    fn archives(&mut self) -> Box<dyn crate::archives::ArchiveRows + '_> {
        crate::archives::sqlite_tx(self.tx)
    }

    fn device(&mut self, id: &str) -> Result<Option<Device>> {
        let row = self
            .tx
            .query_row(
                "SELECT id, store, location, secret, public_key, replaced_by, genesis FROM devices WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(id, store, location, secret, public_key, replaced_by, genesis)| {
                Ok(Device {
                    register: Device::register_of(&id, &store).to_owned(),
                    id,
                    store,
                    location,
                    secret: hex::decode(secret)
                        .map_err(|_| SyncError::Corrupt { what: "secret" })?,
                    public_key,
                    replaced_by,
                    genesis: genesis.as_deref().map(genesis_from_json).transpose()?,
                })
            },
        )
        .transpose()
    }

    fn insert_device(&mut self, d: &Device) -> Result<()> {
        self.tx.execute(
            "INSERT INTO devices(id, store, location, secret, public_key) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![d.id, d.store, d.location, hex::encode(&d.secret), d.public_key],
        )?;
        Ok(())
    }

    fn retire_device(&mut self, old: &str, new: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET replaced_by = ?2 WHERE id = ?1",
            params![old, new],
        )?;
        Ok(())
    }

    fn set_device_secret(&mut self, id: &str, secret: &[u8]) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET secret = ?2 WHERE id = ?1",
            params![id, hex::encode(secret)],
        )?;
        Ok(())
    }

    fn set_genesis(&mut self, device: &str, g: &(String, String, String)) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET genesis = ?2 WHERE id = ?1",
            params![device, genesis_to_json(g)],
        )?;
        Ok(())
    }

    fn device_keys(&mut self, device: &str) -> Result<Vec<DeviceKey>> {
        let mut st = self.tx.prepare_cached(
            "SELECT since, key_id, public_key FROM device_keys WHERE device = ?1 ORDER BY since",
        )?;
        let rows = st.query_map([device], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (since, key_id, public_key) = row?;
            out.push(DeviceKey {
                since: u(since)?,
                key_id,
                public_key,
            });
        }
        Ok(out)
    }

    fn add_device_key(&mut self, device: &str, key: &DeviceKey) -> Result<()> {
        self.tx.execute(
            "INSERT INTO device_keys(device, since, key_id, public_key) VALUES (?1, ?2, ?3, ?4)",
            params![device, i(key.since)?, key.key_id, key.public_key],
        )?;
        Ok(())
    }

    fn remember_signature(&mut self, signature: &str, at_ms: i64) -> Result<bool> {
        let cutoff = at_ms.saturating_sub(crate::auth::MAX_SKEW_MS.saturating_mul(2));
        self.tx
            .execute("DELETE FROM seen_signatures WHERE at_ms < ?1", [cutoff])?;
        let n = self.tx.execute(
            "INSERT INTO seen_signatures(signature, at_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![signature, at_ms],
        )?;
        Ok(n == 1)
    }

    fn progress_for_update(&mut self, device: &str) -> Result<u64> {
        let v: i64 = self
            .tx
            .query_row(
                "SELECT acked_seq FROM devices WHERE id = ?1",
                [device],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(SyncError::NotFound { what: "device" })?;
        u(v)
    }

    fn set_progress(&mut self, device: &str, seq: u64, at: DateTime<Utc>) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET acked_seq = ?2, last_push = ?3 WHERE id = ?1",
            params![device, i(seq)?, at.to_rfc3339()],
        )?;
        Ok(())
    }

    fn last_push(&mut self, device: &str) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self
            .tx
            .query_row(
                "SELECT last_push FROM devices WHERE id = ?1",
                [device],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| ServerError::from(SyncError::Corrupt { what: "timestamp" }))
        })
        .transpose()
    }

    fn event_id_at(&mut self, device: &str, seq: u64) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row(
                "SELECT event_id FROM events WHERE device = ?1 AND seq = ?2",
                params![device, i(seq)?],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn event_exists(&mut self, event_id: &str) -> Result<bool> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM events WHERE event_id = ?1",
                [event_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn insert_event(&mut self, device: &str, store: &str, e: &WireEvent) -> Result<()> {
        self.tx.execute(
            "INSERT INTO events(event_id, device, seq, store, kind, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                e.event_id,
                device,
                i(e.seq)?,
                store,
                e.kind,
                e.created_at.to_rfc3339(),
                crate::wire::encode(e).map(|b| String::from_utf8_lossy(&b).into_owned())?
            ],
        )?;
        self.touched.insert(store.to_owned());
        Ok(())
    }

    fn insert_stock_movement(
        &mut self,
        id: &str,
        store: &str,
        sku: &str,
        location: &str,
        quantity: Decimal,
        origin: Option<&str>,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT INTO stock_movements(id, store, sku, location, quantity, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![id, store, sku, location, quantity.to_string(), origin],
        )?;
        Ok(n == 1)
    }

    fn stock_level(
        &mut self,
        store: &str,
        sku: &str,
        location: &str,
    ) -> Result<(Decimal, Decimal)> {
        let row: Option<(String, String)> = self
            .tx
            .query_row(
                "SELECT on_hand, reserved FROM stock_levels WHERE store = ?1 AND sku = ?2 AND location = ?3",
                params![store, sku, location],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((a, b)) => Ok((dec(&a)?, dec(&b)?)),
            None => Ok((Decimal::ZERO, Decimal::ZERO)),
        }
    }

    fn set_stock_level(
        &mut self,
        store: &str,
        sku: &str,
        location: &str,
        on_hand: Decimal,
        reserved: Decimal,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO stock_levels(store, sku, location, on_hand, reserved) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(store, sku, location) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved",
            params![store, sku, location, on_hand.to_string(), reserved.to_string()],
        )?;
        Ok(())
    }

    fn stock_movement_sums(&mut self, store: &str) -> Result<BTreeMap<(String, String), Decimal>> {
        let mut st = self
            .tx
            .prepare("SELECT sku, location, quantity FROM stock_movements WHERE store = ?1")?;
        let rows = st.query_map([store], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for row in rows {
            let (sku, loc, q) = row?;
            let e = out.entry((sku, loc)).or_default();
            *e = e
                .checked_add(dec(&q)?)
                .ok_or(SyncError::Overflow { what: "stock sum" })?;
        }
        Ok(out)
    }

    fn stock_levels(
        &mut self,
        store: &str,
    ) -> Result<BTreeMap<(String, String), (Decimal, Decimal)>> {
        let mut st = self.tx.prepare(
            "SELECT sku, location, on_hand, reserved FROM stock_levels WHERE store = ?1",
        )?;
        let rows = st.query_map([store], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (sku, loc, a, b) = row?;
            out.insert((sku, loc), (dec(&a)?, dec(&b)?));
        }
        Ok(out)
    }

    fn insert_ledger(
        &mut self,
        ledger: &str,
        id: &str,
        store: &str,
        account: &str,
        delta: Decimal,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT INTO ledger(ledger, id, store, account, delta) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            params![ledger, id, store, account, delta.to_string()],
        )?;
        Ok(n == 1)
    }

    fn ledger_balance(&mut self, ledger: &str, store: &str, account: &str) -> Result<Decimal> {
        let mut st = self.tx.prepare_cached(
            "SELECT delta FROM ledger WHERE ledger = ?1 AND store = ?2 AND account = ?3",
        )?;
        let rows = st.query_map(params![ledger, store, account], |r| r.get::<_, String>(0))?;
        let mut sum = Decimal::ZERO;
        for r in rows {
            sum = sum.checked_add(dec(&r?)?).ok_or(SyncError::Overflow {
                what: "ledger balance",
            })?;
        }
        Ok(sum)
    }

    fn document(&mut self, kind: &str, store: &str, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .tx
            .query_row(
                "SELECT json, stamps FROM documents WHERE kind = ?1 AND store = ?2 AND id = ?3",
                params![kind, store, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn put_document(
        &mut self,
        kind: &str,
        store: &str,
        id: &str,
        json: &str,
        stamps: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO documents(kind, store, id, json, stamps) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(kind, store, id) DO UPDATE SET json = excluded.json, stamps = excluded.stamps",
            params![kind, store, id, json, stamps],
        )?;
        Ok(())
    }

    fn order(&mut self, store: &str, id: &str) -> Result<Option<StoredOrder>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id, store, state, json FROM orders WHERE store = ?1 AND id = ?2",
                params![store, id],
                |r| {
                    Ok(StoredOrder {
                        id: r.get(0)?,
                        store: r.get(1)?,
                        state: r.get(2)?,
                        json: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_order(&mut self, o: &StoredOrder) -> Result<()> {
        self.tx.execute(
            "INSERT INTO orders(store, id, state, json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(store, id) DO UPDATE SET state = excluded.state, json = excluded.json",
            params![o.store, o.id, o.state, o.json],
        )?;
        Ok(())
    }

    fn add_change(
        &mut self,
        store: &str,
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: &str,
    ) -> Result<u64> {
        self.tx.execute(
            "INSERT INTO changes(store, kind, key, origin, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![store, kind_name(kind), key, origin, data],
        )?;
        u(self.tx.last_insert_rowid())
    }

    fn changes_since(&mut self, store: &str, cursor: u64, limit: u32) -> Result<Vec<Change>> {
        let mut st = self.tx.prepare_cached(
            "SELECT cursor, kind, key, origin, data FROM changes WHERE store = ?1 AND cursor > ?2 ORDER BY cursor LIMIT ?3",
        )?;
        let rows = st.query_map(params![store, i(cursor)?, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (c, k, key, origin, data) = row?;
            out.push(Change {
                cursor: u(c)?,
                kind: kind_of(&k)?,
                key,
                origin,
                data: serde_json::from_str(&data)
                    .map_err(|_| SyncError::Corrupt { what: "change" })?,
            });
        }
        Ok(out)
    }

    fn fiscal_heads(&mut self, device: &str) -> Result<BTreeMap<Series, FiscalHead>> {
        let mut st = self.tx.prepare_cached(
            "SELECT series, number, hash, signature FROM fiscal_records f WHERE device = ?1
             AND number = (SELECT MAX(number) FROM fiscal_records g WHERE g.device = f.device AND g.series = f.series)",
        )?;
        let rows = st.query_map([device], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (s, n, hash, signature) = row?;
            out.insert(
                series_of(&s)?,
                FiscalHead {
                    number: u(n)?,
                    hash,
                    signature,
                },
            );
        }
        Ok(out)
    }

    fn fiscal_hash(&mut self, device: &str, series: Series, number: u64) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row(
                "SELECT hash FROM fiscal_records WHERE device = ?1 AND series = ?2 AND number = ?3",
                params![device, series.code(), i(number)?],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn insert_fiscal(&mut self, device: &str, r: &StoredRecord) -> Result<()> {
        let json = serde_json::to_string(r).map_err(|_| SyncError::Corrupt { what: "record" })?;
        self.tx.execute(
            "INSERT INTO fiscal_records(device, series, number, hash, signature, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                device,
                r.series.code(),
                i(r.number)?,
                r.hash,
                r.signature,
                json
            ],
        )?;
        if let Some(store) = crate::notify::store_of_device(device) {
            self.touched.insert(store.to_owned());
        }
        Ok(())
    }

    fn fiscal_records(&mut self, device: &str) -> Result<Vec<StoredRecord>> {
        let mut st = self
            .tx
            .prepare("SELECT json FROM fiscal_records WHERE device = ?1 ORDER BY rowid")?;
        let rows = st.query_map([device], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                serde_json::from_str(&row?).map_err(|_| SyncError::Corrupt { what: "record" })?,
            );
        }
        Ok(out)
    }

    fn quarantine(
        &mut self,
        device: &str,
        digest: &str,
        records: &str,
        defects: &str,
    ) -> Result<u64> {
        self.tx.execute(
            "INSERT INTO fiscal_quarantine(device, digest, records, defects) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            params![device, digest, records, defects],
        )?;
        let id: i64 = self.tx.query_row(
            "SELECT id FROM fiscal_quarantine WHERE digest = ?1",
            [digest],
            |r| r.get(0),
        )?;
        u(id)
    }

    fn quarantine_count(&mut self, device: &str) -> Result<u64> {
        let n: i64 = self.tx.query_row(
            "SELECT COUNT(*) FROM fiscal_quarantine WHERE device = ?1",
            [device],
            |r| r.get(0),
        )?;
        u(n)
    }

    fn event_count(&mut self, device: &str) -> Result<u64> {
        let n: i64 = self.tx.query_row(
            "SELECT COUNT(*) FROM events WHERE device = ?1",
            [device],
            |r| r.get(0),
        )?;
        u(n)
    }

    // ---- back office ----
    fn journal_verdict(&mut self, device: &str) -> Result<Option<crate::verify_job::Verdict>> {
        let state: Option<String> = self
            .tx
            .query_row(
                "SELECT state FROM journal_verdicts WHERE device = ?1",
                [device],
                |r| r.get(0),
            )
            .optional()?;
        state
            .map(|s| crate::verify_job::Verdict::from_json(&s))
            .transpose()
    }

    fn put_journal_verdict(&mut self, v: &crate::verify_job::Verdict) -> Result<()> {
        self.tx.execute(
            "INSERT INTO journal_verdicts(device, state) VALUES (?1, ?2)
             ON CONFLICT(device) DO UPDATE SET state = excluded.state",
            params![v.device, v.to_json()?],
        )?;
        Ok(())
    }

    fn bo_put_retailer(&mut self, id: &str, name: &str, siren: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_retailers(id, name, siren) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, siren = excluded.siren",
            params![id, name, siren],
        )?;
        Ok(())
    }

    fn bo_retailer(&mut self, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .tx
            .query_row(
                "SELECT name, siren FROM bo_retailers WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn bo_put_store(&mut self, store: &str, retailer: &str) -> Result<bool> {
        self.tx.execute(
            "INSERT INTO bo_stores(store, retailer) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![store, retailer],
        )?;
        let owner: String = self.tx.query_row(
            "SELECT retailer FROM bo_stores WHERE store = ?1",
            [store],
            |r| r.get(0),
        )?;
        Ok(owner == retailer)
    }

    fn bo_stores(&mut self, retailer: &str) -> Result<Vec<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT store FROM bo_stores WHERE retailer = ?1 ORDER BY store")?;
        let rows = st.query_map([retailer], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_put_user(&mut self, u: &crate::backoffice::BoUser) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_users(username, retailer, role, password_hash, failures, locked_until_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(username) DO UPDATE SET retailer = excluded.retailer, role = excluded.role,
             password_hash = excluded.password_hash, failures = excluded.failures,
             locked_until_ms = excluded.locked_until_ms",
            params![
                u.username,
                u.retailer,
                u.role.as_str(),
                u.password_hash,
                u.failures,
                u.locked_until_ms
            ],
        )?;
        Ok(())
    }

    fn bo_user(&mut self, username: &str) -> Result<Option<crate::backoffice::BoUser>> {
        let row = self
            .tx
            .query_row(
                "SELECT username, retailer, role, password_hash, failures, locked_until_ms
                 FROM bo_users WHERE username = ?1",
                [username],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, u32>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(username, retailer, role, password_hash, failures, locked_until_ms)| {
                Ok(crate::backoffice::BoUser {
                    username,
                    retailer,
                    role: crate::backoffice::Role::parse(&role)
                        .ok_or(SyncError::Corrupt { what: "role" })?,
                    password_hash,
                    failures,
                    locked_until_ms,
                })
            },
        )
        .transpose()
    }

    fn bo_put_session(&mut self, s: &crate::backoffice::BoSession) -> Result<()> {
        self.tx.execute(
            "DELETE FROM bo_sessions WHERE expires_ms < ?1",
            [s.expires_ms.saturating_sub(2_592_000_000)],
        )?;
        self.tx.execute(
            "INSERT INTO bo_sessions(id_hash, username, csrf, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![s.id_hash, s.username, s.csrf, s.expires_ms],
        )?;
        Ok(())
    }

    fn bo_session(&mut self, id_hash: &str) -> Result<Option<crate::backoffice::BoSession>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id_hash, username, csrf, expires_ms FROM bo_sessions WHERE id_hash = ?1",
                [id_hash],
                |r| {
                    Ok(crate::backoffice::BoSession {
                        id_hash: r.get(0)?,
                        username: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_ms: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn bo_login_counter_for_update(
        &mut self,
        key: &str,
    ) -> Result<crate::backoffice::auth::LoginCounter> {
        // Every transaction here is BEGIN IMMEDIATE: it holds the write lock
        // from its start, so this read and the caller's write are atomic.
        let row = self
            .tx
            .query_row(
                "SELECT failures, locked_until_ms, last_failure_ms FROM bo_login_counters WHERE key = ?1",
                [key],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        let mut c = crate::backoffice::auth::LoginCounter::fresh(key);
        if let Some((failures, locked_until_ms, last_failure_ms)) = row {
            c.failures = u32::try_from(failures).unwrap_or(u32::MAX);
            c.locked_until_ms = locked_until_ms;
            c.last_failure_ms = last_failure_ms;
        }
        Ok(c)
    }

    fn bo_put_login_counter(&mut self, c: &crate::backoffice::auth::LoginCounter) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_login_counters(key, failures, locked_until_ms, last_failure_ms)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,
             locked_until_ms = excluded.locked_until_ms, last_failure_ms = excluded.last_failure_ms",
            params![c.key, c.failures, c.locked_until_ms, c.last_failure_ms],
        )?;
        Ok(())
    }

    fn bo_prune_login_counters(&mut self, now_ms: i64, quiet_since_ms: i64) -> Result<()> {
        self.tx.execute(
            "DELETE FROM bo_login_counters WHERE last_failure_ms < ?1 AND locked_until_ms <= ?2",
            params![quiet_since_ms, now_ms],
        )?;
        Ok(())
    }

    fn bo_delete_session(&mut self, id_hash: &str) -> Result<()> {
        self.tx
            .execute("DELETE FROM bo_sessions WHERE id_hash = ?1", [id_hash])?;
        Ok(())
    }

    fn bo_events(
        &mut self,
        store: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<crate::backoffice::StoredEvent>> {
        let mut st = self.tx.prepare_cached(
            "SELECT event_id, device, store, kind, created_at, json FROM events
             WHERE store = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY rowid",
        )?;
        let rows = st.query_map(params![store, from, to], |r| {
            Ok(crate::backoffice::StoredEvent {
                event_id: r.get(0)?,
                device: r.get(1)?,
                store: r.get(2)?,
                kind: r.get(3)?,
                created_at: r.get(4)?,
                json: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_devices(&mut self, store: &str) -> Result<Vec<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT id FROM devices WHERE store = ?1 ORDER BY id")?;
        let rows = st.query_map([store], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_orders(&mut self, store: &str) -> Result<Vec<StoredOrder>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id, store, state, json FROM orders WHERE store = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([store], |r| {
            Ok(StoredOrder {
                id: r.get(0)?,
                store: r.get(1)?,
                state: r.get(2)?,
                json: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_documents(&mut self, kind: &str, store: &str) -> Result<Vec<(String, String)>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id, json FROM documents WHERE kind = ?1 AND store = ?2 ORDER BY id",
        )?;
        let rows = st.query_map(params![kind, store], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_ledger_entries(
        &mut self,
        ledger: &str,
        store: &str,
        account: &str,
    ) -> Result<Vec<(String, Decimal)>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id, delta FROM ledger WHERE ledger = ?1 AND store = ?2 AND account = ?3 ORDER BY id",
        )?;
        let rows = st.query_map(params![ledger, store, account], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, d) = row?;
            out.push((id, dec(&d)?));
        }
        Ok(out)
    }

    fn bo_log_access(&mut self, e: &crate::backoffice::AccessEntry) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_access_log(at, retailer, username, store, customer, action)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.at, e.retailer, e.username, e.store, e.customer, e.action],
        )?;
        Ok(())
    }

    fn bo_access_log(
        &mut self,
        retailer: &str,
        limit: u32,
    ) -> Result<Vec<crate::backoffice::AccessEntry>> {
        let mut st = self.tx.prepare_cached(
            "SELECT at, retailer, username, store, customer, action FROM bo_access_log
             WHERE retailer = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![retailer, limit], |r| {
            Ok(crate::backoffice::AccessEntry {
                at: r.get(0)?,
                retailer: r.get(1)?,
                username: r.get(2)?,
                store: r.get(3)?,
                customer: r.get(4)?,
                action: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn bo_store_retailer(&mut self, store: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row(
                "SELECT retailer FROM bo_stores WHERE store = ?1",
                [store],
                |r| r.get(0),
            )
            .optional()?)
    }
    // ---- end back office ----

    // ---- digital receipts ----
    fn dr_insert_receipt(&mut self, r: &crate::digital::StoredReceipt) -> Result<bool> {
        crate::digital::sqlite::insert_receipt(self.tx, r)
    }

    fn dr_receipt_by_token(
        &mut self,
        token: &str,
    ) -> Result<Option<crate::digital::StoredReceipt>> {
        crate::digital::sqlite::receipt_by_token(self.tx, token)
    }

    fn dr_receipt_by_ticket(
        &mut self,
        ticket_id: &str,
    ) -> Result<Option<crate::digital::StoredReceipt>> {
        crate::digital::sqlite::receipt_by_ticket(self.tx, ticket_id)
    }

    fn dr_customer_receipts(
        &mut self,
        customer: &str,
        stores: &[String],
    ) -> Result<Vec<crate::digital::StoredReceipt>> {
        crate::digital::sqlite::customer_receipts(self.tx, customer, stores)
    }

    fn dr_retailer_stores(&mut self, store: &str) -> Result<Vec<String>> {
        crate::digital::sqlite::retailer_stores(self.tx, store)
    }

    fn dr_send(
        &mut self,
        ticket_id: &str,
        channel: &str,
    ) -> Result<Option<crate::digital::SendRecord>> {
        crate::digital::sqlite::send(self.tx, ticket_id, channel)
    }

    fn dr_put_send(&mut self, s: &crate::digital::SendRecord) -> Result<()> {
        crate::digital::sqlite::put_send(self.tx, s)
    }

    fn dr_log_send(&mut self, e: &crate::digital::SendLogEntry) -> Result<()> {
        crate::digital::sqlite::log_send(self.tx, e)
    }

    fn dr_send_log(&mut self, subject: &str) -> Result<Vec<crate::digital::SendLogEntry>> {
        crate::digital::sqlite::send_log(self.tx, subject)
    }

    fn dr_customer_link(
        &mut self,
        scope: &str,
        customer: &str,
    ) -> Result<Option<crate::digital::CustomerLink>> {
        crate::digital::sqlite::customer_link(self.tx, scope, customer)
    }

    fn dr_put_customer_link(&mut self, link: &crate::digital::CustomerLink) -> Result<bool> {
        crate::digital::sqlite::put_customer_link(self.tx, link)
    }

    fn dr_customer_by_link(&mut self, token: &str) -> Result<Option<crate::digital::CustomerLink>> {
        crate::digital::sqlite::customer_by_link(self.tx, token)
    }
}
