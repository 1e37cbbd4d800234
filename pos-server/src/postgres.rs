//! The PostgreSQL storage: several server processes may share one
//! database. Per-device pushes serialize on the device row (`FOR UPDATE`),
//! unique keys on event id and (device, sequence) make a double apply
//! impossible. A push's rows are written at commit, one statement per table
//! ([`super::pg_batch`]); stock levels are added to in key order and the
//! change feed is appended last under a per-store advisory lock held until
//! commit, so cursors of a store commit in order (a pull never skips a
//! change that commits late) while pushes of one store run concurrently up
//! to that point. Serialization failures and deadlocks retry.
//!
//! Every connection has a connect timeout, a statement timeout, an
//! idle-in-transaction timeout and TCP keepalives ([`PgTimeouts`]), so a
//! database host that vanishes without resetting its connections fails a
//! request within bounded time instead of hanging it. A connection that
//! broke is dropped, never pooled again; a pooled one found broken when its
//! transaction begins (the database restarted, or failed over) is replaced
//! by a fresh one at once. Failures that mean "not now" answer 503 (see
//! [`crate::error`]).

use super::pg_batch::{Pending, StmtCache, prepared};
use super::sqlite::{genesis_from_json, genesis_to_json, kind_name, kind_of, series_of};
use super::store::{Device, DeviceKey, FiscalHead, JournalReader, Storage, StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::wire::{Change, ChangeKind, WireEvent};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, store TEXT NOT NULL, location TEXT NOT NULL,
    secret TEXT NOT NULL, public_key TEXT NOT NULL, replaced_by TEXT,
    genesis TEXT, acked_seq BIGINT NOT NULL DEFAULT 0, last_push TEXT);
CREATE TABLE IF NOT EXISTS device_keys (
    device TEXT NOT NULL, since BIGINT NOT NULL, key_id TEXT NOT NULL, public_key TEXT NOT NULL,
    PRIMARY KEY (device, since));
CREATE TABLE IF NOT EXISTS seen_signatures (signature TEXT PRIMARY KEY, at_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS seen_signatures_by_time ON seen_signatures(at_ms);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, device TEXT NOT NULL, seq BIGINT NOT NULL, store TEXT NOT NULL,
    kind TEXT NOT NULL, created_at TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (device, seq));
CREATE TABLE IF NOT EXISTS stock_movements (
    id TEXT NOT NULL, store TEXT NOT NULL, sku TEXT NOT NULL, location TEXT NOT NULL,
    quantity TEXT NOT NULL, origin TEXT, PRIMARY KEY (store, id));
CREATE INDEX IF NOT EXISTS stock_movements_by_store ON stock_movements(store);
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
    cursor BIGSERIAL PRIMARY KEY, store TEXT NOT NULL, kind TEXT NOT NULL,
    key TEXT NOT NULL, origin TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_by_store ON changes(store, cursor);
CREATE TABLE IF NOT EXISTS fiscal_records (
    id BIGSERIAL PRIMARY KEY, device TEXT NOT NULL, series TEXT NOT NULL, number BIGINT NOT NULL,
    hash TEXT NOT NULL, signature TEXT NOT NULL, json TEXT NOT NULL,
    UNIQUE (device, series, number));
CREATE INDEX IF NOT EXISTS fiscal_records_by_device ON fiscal_records(device, id);
CREATE TABLE IF NOT EXISTS journal_verdicts (device TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fiscal_quarantine (
    id BIGSERIAL PRIMARY KEY, device TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
    records TEXT NOT NULL, defects TEXT NOT NULL);
-- ---- back office ----
CREATE TABLE IF NOT EXISTS bo_retailers (id TEXT PRIMARY KEY, name TEXT NOT NULL, siren TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_stores (store TEXT PRIMARY KEY, retailer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_users (
    username TEXT PRIMARY KEY, retailer TEXT NOT NULL, role TEXT NOT NULL,
    password_hash TEXT NOT NULL, failures BIGINT NOT NULL, locked_until_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_login_counters (
    key TEXT PRIMARY KEY, failures BIGINT NOT NULL, locked_until_ms BIGINT NOT NULL,
    last_failure_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS bo_login_counters_by_time ON bo_login_counters(last_failure_ms);
CREATE TABLE IF NOT EXISTS bo_sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
    expires_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS bo_access_log (
    id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, retailer TEXT NOT NULL,
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
    attempts BIGINT NOT NULL, updated_at TEXT NOT NULL, reference TEXT, error TEXT,
    PRIMARY KEY (ticket_id, channel));
CREATE TABLE IF NOT EXISTS digital_send_log (
    id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL,
    customer TEXT, channel TEXT NOT NULL, requested_by TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS digital_send_log_by_subject ON digital_send_log(subject, id);
CREATE TABLE IF NOT EXISTS digital_customer_links (
    token TEXT PRIMARY KEY, scope TEXT NOT NULL, customer TEXT NOT NULL, store TEXT NOT NULL,
    UNIQUE (scope, customer));
";

/// Timeouts and keepalives of every connection to PostgreSQL (a zero
/// duration turns that one off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgTimeouts {
    /// Establishing a connection, per host of the connection string.
    pub connect: Duration,
    /// One statement, lock waits included (`statement_timeout`).
    pub statement: Duration,
    /// A transaction left idle by a stuck client
    /// (`idle_in_transaction_session_timeout`).
    pub idle_in_transaction: Duration,
    /// Silence on a connection before the first TCP keepalive probe.
    pub keepalive_idle: Duration,
    /// Between keepalive probes.
    pub keepalive_interval: Duration,
    /// Unanswered probes after which the connection is dead.
    pub keepalive_retries: u32,
    /// Sent data left unacknowledged this long kills the connection
    /// (`TCP_USER_TIMEOUT`, Linux): a host gone in the middle of a request.
    pub tcp_user: Duration,
}

impl Default for PgTimeouts {
    /// Connect 5 s, statement 30 s, idle in transaction 60 s; keepalive
    /// probes after 10 s of silence, every 5 s, dead after 3 (25 s);
    /// unacknowledged data 20 s.
    fn default() -> PgTimeouts {
        PgTimeouts {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(30),
            idle_in_transaction: Duration::from_secs(60),
            keepalive_idle: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(5),
            keepalive_retries: 3,
            tcp_user: Duration::from_secs(20),
        }
    }
}

impl PgTimeouts {
    /// The client-side settings on a parsed connection string.
    fn configure(&self, config: &mut postgres::Config) {
        if !self.connect.is_zero() {
            config.connect_timeout(self.connect);
        }
        if !self.tcp_user.is_zero() {
            config.tcp_user_timeout(self.tcp_user);
        }
        config.keepalives(!self.keepalive_idle.is_zero());
        if !self.keepalive_idle.is_zero() {
            config.keepalives_idle(self.keepalive_idle);
            if !self.keepalive_interval.is_zero() {
                config.keepalives_interval(self.keepalive_interval);
            }
            if self.keepalive_retries > 0 {
                config.keepalives_retries(self.keepalive_retries);
            }
        }
    }

    /// The server-side settings of a session (`0` turns a timeout off).
    fn session_sql(&self) -> String {
        let ms = |d: Duration| d.as_millis();
        format!(
            "SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {}",
            ms(self.statement),
            ms(self.idle_in_transaction)
        )
    }
}

/// Whether a PostgreSQL failure says the database cannot serve now: the
/// connection was refused, reset, timed out or closed; the server is
/// shutting down, starting up or out of resources; a statement or lock
/// timed out; contention outlived the retries; or the connection reached a
/// read-only standby (a failover in progress). Constraint violations, bad
/// rows, syntax or authentication errors are not transient.
pub(crate) fn outage(e: &postgres::Error) -> Option<crate::error::Outage> {
    use crate::error::Outage;
    if let Some(code) = e.code() {
        let c = code.code();
        return match c {
            // serialization_failure, deadlock_detected, lock_not_available,
            // query_canceled (statement_timeout)
            "40001" | "40P01" | "55P03" | "57014" => Some(Outage::Contention),
            // admin_shutdown, crash_shutdown, cannot_connect_now (starting
            // up / shutting down), idle_session_timeout,
            // idle_in_transaction_session_timeout, read_only_sql_transaction
            // (a standby), io_error
            "57P01" | "57P02" | "57P03" | "57P05" | "25P03" | "25006" | "58030" => {
                Some(Outage::Down)
            }
            // connection_exception, insufficient_resources (too many
            // connections, disk full, out of memory)
            _ if c.starts_with("08") || c.starts_with("53") => Some(Outage::Down),
            _ => None,
        };
    }
    // No SQLSTATE: the socket failed (refused, reset, timed out) or the
    // connection is closed.
    let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
    (e.is_closed() || io).then_some(Outage::Down)
}

/// Whether the connection that failed with `e` must not be used again.
fn broken(e: &ServerError) -> bool {
    matches!(e, ServerError::Postgres(pe) if outage(pe) == Some(crate::error::Outage::Down))
}

/// PostgreSQL storage with a small connection pool.
pub struct PostgresStorage {
    config: postgres::Config,
    timeouts: PgTimeouts,
    pool: Mutex<Vec<(Client, StmtCache)>>,
    /// The live feed and its `LISTEN` connection, started by the first
    /// caller of [`Storage::live_feed`].
    live: std::sync::OnceLock<Option<(crate::notify::LiveFeed, crate::notify::PgListener)>>,
}

/// The synchronous `postgres` client runs its own tokio runtime; dropping
/// one inside another runtime (an axum server holding the last copy of the
/// storage when it shuts down) would abort with "Cannot start a runtime
/// from within a runtime". The pooled connections are then closed on a
/// plain thread instead.
impl Drop for PostgresStorage {
    fn drop(&mut self) {
        let pool = match self.pool.get_mut() {
            Ok(pool) => std::mem::take(pool),
            Err(poisoned) => std::mem::take(poisoned.into_inner()),
        };
        if pool.is_empty() || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let closer = std::thread::spawn(move || drop(pool));
        let _ = closer.join();
    }
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

/// Checks the database's schema version (see `crate::schema`), then
/// creates what is missing and records the version of a new database.
fn create_schema(c: &mut Client) -> Result<()> {
    let has = |c: &mut Client, table: &str| -> Result<bool> {
        let row = c.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?;
        Ok(row.get(0))
    };
    if has(c, "schema_version")? {
        let found: Option<i64> = c
            .query_opt("SELECT version FROM schema_version", &[])?
            .map(|r| r.get(0));
        let found = found.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        crate::schema::check(found)?;
    } else if has(c, "devices")? {
        crate::schema::check(crate::schema::UNVERSIONED)?;
    }
    c.batch_execute(SCHEMA)?;
    c.batch_execute(crate::credentials::PG_SCHEMA)?;
    c.batch_execute(crate::refunds_rows::SCHEMA)?;
    c.batch_execute(crate::web_sales::SCHEMA)?;
    c.batch_execute(crate::operators::SCHEMA)?;
    c.batch_execute(crate::archives::PG_SCHEMA)?;
    c.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    c.execute(
        "INSERT INTO schema_version(version) SELECT $1
         WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
        &[&i64::from(crate::schema::SCHEMA_VERSION)],
    )?;
    Ok(())
}

impl PostgresStorage {
    /// Connects (`postgresql://user@host:port/db`) with the default
    /// [`PgTimeouts`] and creates the schema.
    pub fn connect(url: &str) -> Result<PostgresStorage> {
        PostgresStorage::connect_with(url, PgTimeouts::default())
    }

    /// Connects with these timeouts and creates the schema.
    pub fn connect_with(url: &str, timeouts: PgTimeouts) -> Result<PostgresStorage> {
        let mut config: postgres::Config = url.parse()?;
        timeouts.configure(&mut config);
        let mut c = open(&config, &timeouts)?;
        // Concurrent server processes may race to create the schema.
        c.batch_execute("SELECT pg_advisory_lock(7265)")?;
        let created = create_schema(&mut c);
        c.batch_execute("SELECT pg_advisory_unlock(7265)")?;
        created?;
        Ok(PostgresStorage {
            config,
            timeouts,
            pool: Mutex::new(vec![(c, StmtCache::new())]),
            live: std::sync::OnceLock::new(),
        })
    }

    /// The timeouts of this storage's connections.
    pub fn timeouts(&self) -> &PgTimeouts {
        &self.timeouts
    }

    fn take(&self) -> Result<(Client, StmtCache)> {
        self.take_pooled().map(|(c, cache, _)| (c, cache))
    }

    /// A connection from the pool (`true`) or a new one (`false`).
    fn take_pooled(&self) -> Result<(Client, StmtCache, bool)> {
        let pooled = self
            .pool
            .lock()
            .map_err(|_| SyncError::Corrupt { what: "pool lock" })?
            .pop();
        match pooled {
            Some((c, cache)) if !c.is_closed() => Ok((c, cache, true)),
            _ => Ok((open(&self.config, &self.timeouts)?, StmtCache::new(), false)),
        }
    }

    /// Pools a connection again, unless it is closed.
    fn give_back(&self, c: (Client, StmtCache)) {
        if c.0.is_closed() {
            return;
        }
        if let Ok(mut p) = self.pool.lock()
            && p.len() < 64
        {
            p.push(c);
        }
    }

    /// Drops every pooled connection (one was found broken: the others
    /// went to the same server and are likely broken too).
    fn drop_pool(&self) {
        if let Ok(mut p) = self.pool.lock() {
            p.clear();
        }
    }
}

/// A new connection with the session timeouts set.
fn open(config: &postgres::Config, timeouts: &PgTimeouts) -> Result<Client> {
    let mut c = config.connect(NoTls)?;
    c.batch_execute(&timeouts.session_sql())?;
    Ok(c)
}

fn retryable(e: &ServerError) -> bool {
    match e {
        ServerError::Postgres(pe) => pe.code().is_some_and(|c| {
            *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                || *c == postgres::error::SqlState::UNIQUE_VIOLATION
        }),
        _ => false,
    }
}

impl Storage for PostgresStorage {
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut attempt = 0u32;
        let mut reconnected = false;
        loop {
            let (mut client, mut cache, pooled) = self.take_pooled()?;
            let mut began = false;
            let outcome = (|| {
                let tx = client.transaction()?;
                began = true;
                let mut t = PgTx {
                    tx,
                    cache: &mut cache,
                    pending: Pending::default(),
                    touched: BTreeSet::new(),
                };
                f(&mut t)?;
                t.pending.flush_all(&mut t.tx, t.cache)?;
                if !t.touched.is_empty() {
                    // Delivered by PostgreSQL at commit, never on rollback.
                    let stores: Vec<String> = std::mem::take(&mut t.touched).into_iter().collect();
                    t.rows(
                        crate::notify::PG_NOTIFY_SQL,
                        &[&crate::notify::PG_CHANNEL, &stores],
                    )?;
                }
                t.tx.commit()?;
                Ok(())
            })();
            let dead = outcome.as_ref().err().is_some_and(broken);
            if dead {
                // Never pooled again.
                drop(client);
            } else {
                self.give_back((client, cache));
            }
            match outcome {
                // A pooled connection that died while idle: nothing was
                // sent, so begin again once on a fresh one.
                Err(_) if dead && pooled && !began && !reconnected => {
                    self.drop_pool();
                    reconnected = true;
                }
                Err(e) if retryable(&e) && attempt < 20 => {
                    attempt = attempt.saturating_add(1);
                }
                other => return other,
            }
        }
    }

    fn journal_reader(&self) -> Result<Box<dyn JournalReader>> {
        // A connection of its own, read-only: it never takes a row lock,
        // and the writer's pool is left to requests.
        let mut c = open(&self.config, &self.timeouts)?;
        c.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
        Ok(Box::new(PgJournalReader(c)))
    }

    fn schema_version(&self) -> Result<u32> {
        let (mut c, cache) = self.take()?;
        let found = c.query_opt("SELECT version FROM schema_version", &[]);
        self.give_back((c, cache));
        let found: Option<i64> = found?.map(|r| r.try_get(0)).transpose()?;
        Ok(found.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
    }

    fn last_push_by_store(&self) -> Result<BTreeMap<String, DateTime<Utc>>> {
        let (mut c, cache) = self.take()?;
        let rows = c.query(crate::ops::LAST_PUSHES_SQL, &[]);
        self.give_back((c, cache));
        let rows = rows?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>, postgres::Error>>()?;
        crate::ops::latest_by_store(rows)
    }

    fn idle_connections(&self) -> Option<u64> {
        let idle = self.pool.lock().ok()?.len();
        u64::try_from(idle).ok()
    }

    fn live_feed(&self) -> Option<crate::notify::LiveFeed> {
        let live = self.live.get_or_init(|| {
            let feed = crate::notify::LiveFeed::new();
            let listener = crate::notify::PgListener::spawn(self.config.clone(), feed.clone());
            listener.ok().map(|l| (feed, l))
        });
        live.as_ref().map(|(feed, _)| feed.clone())
    }
}

/// A read-only connection for background reads of the fiscal journals.
struct PgJournalReader(Client);

impl JournalReader for PgJournalReader {
    fn records_after(
        &mut self,
        device: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, StoredRecord)>> {
        let rows = self.0.query(
            "SELECT id, json FROM fiscal_records WHERE device = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&device, &after, &i64::from(limit)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let json: String = r.get(1);
            let rec =
                serde_json::from_str(&json).map_err(|_| SyncError::Corrupt { what: "record" })?;
            out.push((r.get(0), rec));
        }
        Ok(out)
    }

    fn count_after(&mut self, device: &str, after: i64) -> Result<u64> {
        let n: i64 = self
            .0
            .query_one(
                "SELECT count(*) FROM fiscal_records WHERE device = $1 AND id > $2",
                &[&device, &after],
            )?
            .get(0);
        u(n)
    }
}

struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    cache: &'a mut StmtCache,
    pending: Pending,
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

impl PgTx<'_> {
    /// Runs a cached prepared statement.
    fn exec(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let st = prepared(&mut self.tx, self.cache, sql)?;
        Ok(self.tx.execute(&st, params)?)
    }

    /// Queries with a cached prepared statement.
    fn rows(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let st = prepared(&mut self.tx, self.cache, sql)?;
        Ok(self.tx.query(&st, params)?)
    }
}

impl Tx for PgTx<'_> {
    fn credentials(&mut self) -> Box<dyn crate::credentials::CredentialRows + '_> {
        crate::credentials::pg_tx(&mut self.tx)
    }

    fn refunds(&mut self) -> Box<dyn crate::refunds_rows::RefundRows + '_> {
        crate::refunds_rows::pg(&mut self.tx)
    }

    fn archives(&mut self) -> Box<dyn crate::archives::ArchiveRows + '_> {
        crate::archives::pg_tx(&mut self.tx)
    }

    fn device(&mut self, id: &str) -> Result<Option<Device>> {
        let rows = self.rows(
            "SELECT id, store, location, secret, public_key, replaced_by, genesis FROM devices WHERE id = $1",
            &[&id],
        )?;
        rows.first()
            .map(|r| {
                let secret: String = r.get(3);
                let genesis: Option<String> = r.get(6);
                let (id, store): (String, String) = (r.get(0), r.get(1));
                Ok(Device {
                    register: Device::register_of(&id, &store).to_owned(),
                    id,
                    store,
                    location: r.get(2),
                    secret: hex::decode(secret)
                        .map_err(|_| SyncError::Corrupt { what: "secret" })?,
                    public_key: r.get(4),
                    replaced_by: r.get(5),
                    genesis: genesis.as_deref().map(genesis_from_json).transpose()?,
                })
            })
            .transpose()
    }

    fn insert_device(&mut self, d: &Device) -> Result<()> {
        self.tx.execute(
            "INSERT INTO devices(id, store, location, secret, public_key) VALUES ($1, $2, $3, $4, $5)",
            &[&d.id, &d.store, &d.location, &hex::encode(&d.secret), &d.public_key],
        )?;
        Ok(())
    }

    fn retire_device(&mut self, old: &str, new: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET replaced_by = $2 WHERE id = $1",
            &[&old, &new],
        )?;
        Ok(())
    }

    fn set_device_secret(&mut self, id: &str, secret: &[u8]) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET secret = $2 WHERE id = $1",
            &[&id, &hex::encode(secret)],
        )?;
        Ok(())
    }

    fn set_genesis(&mut self, device: &str, g: &(String, String, String)) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET genesis = $2 WHERE id = $1",
            &[&device, &genesis_to_json(g)],
        )?;
        Ok(())
    }

    fn device_keys(&mut self, device: &str) -> Result<Vec<DeviceKey>> {
        let rows = self.rows(
            "SELECT since, key_id, public_key FROM device_keys WHERE device = $1 ORDER BY since",
            &[&device],
        )?;
        rows.iter()
            .map(|r| {
                Ok(DeviceKey {
                    since: u(r.get(0))?,
                    key_id: r.get(1),
                    public_key: r.get(2),
                })
            })
            .collect()
    }

    fn add_device_key(&mut self, device: &str, key: &DeviceKey) -> Result<()> {
        self.exec(
            "INSERT INTO device_keys(device, since, key_id, public_key) VALUES ($1, $2, $3, $4)",
            &[&device, &i(key.since)?, &key.key_id, &key.public_key],
        )?;
        Ok(())
    }

    fn remember_signature(&mut self, signature: &str, at_ms: i64) -> Result<bool> {
        let cutoff = at_ms.saturating_sub(crate::auth::MAX_SKEW_MS.saturating_mul(2));
        self.exec("DELETE FROM seen_signatures WHERE at_ms < $1", &[&cutoff])?;
        let n = self.exec(
            "INSERT INTO seen_signatures(signature, at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&signature, &at_ms],
        )?;
        Ok(n == 1)
    }

    fn progress_for_update(&mut self, device: &str) -> Result<u64> {
        // Pushes of one device serialize on its row; pushes of other
        // devices of the store run concurrently (the change feed orders
        // itself at commit).
        let rows = self.rows(
            "SELECT acked_seq FROM devices WHERE id = $1 FOR UPDATE",
            &[&device],
        )?;
        let row = rows.first().ok_or(SyncError::NotFound { what: "device" })?;
        u(row.get(0))
    }

    fn set_progress(&mut self, device: &str, seq: u64, at: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE devices SET acked_seq = $2, last_push = $3 WHERE id = $1",
            &[&device, &i(seq)?, &at.to_rfc3339()],
        )?;
        Ok(())
    }

    fn last_push(&mut self, device: &str) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self
            .tx
            .query_opt("SELECT last_push FROM devices WHERE id = $1", &[&device])?
            .and_then(|r| r.get(0));
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| ServerError::from(SyncError::Corrupt { what: "timestamp" }))
        })
        .transpose()
    }

    fn event_id_at(&mut self, device: &str, seq: u64) -> Result<Option<String>> {
        self.pending.flush_events(&mut self.tx, self.cache)?;
        Ok(self
            .tx
            .query_opt(
                "SELECT event_id FROM events WHERE device = $1 AND seq = $2",
                &[&device, &i(seq)?],
            )?
            .map(|r| r.get(0)))
    }

    fn event_exists(&mut self, event_id: &str) -> Result<bool> {
        if self.pending.has_event(event_id) {
            return Ok(true);
        }
        Ok(self
            .tx
            .query_opt("SELECT 1 FROM events WHERE event_id = $1", &[&event_id])?
            .is_some())
    }

    fn insert_event(&mut self, device: &str, store: &str, e: &WireEvent) -> Result<()> {
        let json = String::from_utf8_lossy(&crate::wire::encode(e)?).into_owned();
        self.pending.event((
            e.event_id.clone(),
            device.to_owned(),
            i(e.seq)?,
            store.to_owned(),
            e.kind.clone(),
            e.created_at.to_rfc3339(),
            json,
        ));
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
        self.pending.flush_levels(&mut self.tx, self.cache)?;
        let n = self.tx.execute(
            "INSERT INTO stock_movements(id, store, sku, location, quantity, origin) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&id, &store, &sku, &location, &quantity.to_string(), &origin],
        )?;
        Ok(n == 1)
    }

    fn stock_level(
        &mut self,
        store: &str,
        sku: &str,
        location: &str,
    ) -> Result<(Decimal, Decimal)> {
        self.pending.flush_levels(&mut self.tx, self.cache)?;
        let row = self.tx.query_opt(
            "SELECT on_hand, reserved FROM stock_levels WHERE store = $1 AND sku = $2 AND location = $3 FOR UPDATE",
            &[&store, &sku, &location],
        )?;
        match row {
            Some(r) => {
                let a: String = r.get(0);
                let b: String = r.get(1);
                Ok((dec(&a)?, dec(&b)?))
            }
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
        self.pending.flush_levels(&mut self.tx, self.cache)?;
        self.tx.execute(
            "INSERT INTO stock_levels(store, sku, location, on_hand, reserved) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT(store, sku, location) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved",
            &[&store, &sku, &location, &on_hand.to_string(), &reserved.to_string()],
        )?;
        Ok(())
    }

    fn stock_movement_sums(&mut self, store: &str) -> Result<BTreeMap<(String, String), Decimal>> {
        self.pending.flush_levels(&mut self.tx, self.cache)?;
        let rows = self.tx.query(
            "SELECT sku, location, quantity FROM stock_movements WHERE store = $1",
            &[&store],
        )?;
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for r in rows {
            let q: String = r.get(2);
            let e = out.entry((r.get(0), r.get(1))).or_default();
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
        self.pending.flush_levels(&mut self.tx, self.cache)?;
        let rows = self.tx.query(
            "SELECT sku, location, on_hand, reserved FROM stock_levels WHERE store = $1",
            &[&store],
        )?;
        let mut out = BTreeMap::new();
        for r in rows {
            let a: String = r.get(2);
            let b: String = r.get(3);
            out.insert((r.get(0), r.get(1)), (dec(&a)?, dec(&b)?));
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
        self.pending.flush_ledger(&mut self.tx, self.cache)?;
        let n = self.tx.execute(
            "INSERT INTO ledger(ledger, id, store, account, delta) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&ledger, &id, &store, &account, &delta.to_string()],
        )?;
        Ok(n == 1)
    }

    fn ledger_balance(&mut self, ledger: &str, store: &str, account: &str) -> Result<Decimal> {
        self.pending.flush_ledger(&mut self.tx, self.cache)?;
        let rows = self.tx.query(
            "SELECT delta FROM ledger WHERE ledger = $1 AND store = $2 AND account = $3",
            &[&ledger, &store, &account],
        )?;
        let mut sum = Decimal::ZERO;
        for r in rows {
            let d: String = r.get(0);
            sum = sum.checked_add(dec(&d)?).ok_or(SyncError::Overflow {
                what: "ledger balance",
            })?;
        }
        Ok(sum)
    }

    fn document(&mut self, kind: &str, store: &str, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .tx
            .query_opt(
                "SELECT json, stamps FROM documents WHERE kind = $1 AND store = $2 AND id = $3 FOR UPDATE",
                &[&kind, &store, &id],
            )?
            .map(|r| (r.get(0), r.get(1))))
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
            "INSERT INTO documents(kind, store, id, json, stamps) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT(kind, store, id) DO UPDATE SET json = excluded.json, stamps = excluded.stamps",
            &[&kind, &store, &id, &json, &stamps],
        )?;
        Ok(())
    }

    fn order(&mut self, store: &str, id: &str) -> Result<Option<StoredOrder>> {
        Ok(self
            .tx
            .query_opt(
                "SELECT id, store, state, json FROM orders WHERE store = $1 AND id = $2 FOR UPDATE",
                &[&store, &id],
            )?
            .map(|r| StoredOrder {
                id: r.get(0),
                store: r.get(1),
                state: r.get(2),
                json: r.get(3),
            }))
    }

    fn put_order(&mut self, o: &StoredOrder) -> Result<()> {
        self.tx.execute(
            "INSERT INTO orders(store, id, state, json) VALUES ($1, $2, $3, $4)
             ON CONFLICT(store, id) DO UPDATE SET state = excluded.state, json = excluded.json",
            &[&o.store, &o.id, &o.state, &o.json],
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
        // Earlier appends of this transaction go first, then this one, all
        // under the store's lock.
        self.pending.flush_all(&mut self.tx, self.cache)?;
        self.exec("SELECT pg_advisory_xact_lock(hashtext($1))", &[&store])?;
        let row = self.tx.query_one(
            "INSERT INTO changes(store, kind, key, origin, data) VALUES ($1, $2, $3, $4, $5) RETURNING cursor",
            &[&store, &kind_name(kind), &key, &origin, &data],
        )?;
        u(row.get(0))
    }

    fn changes_since(&mut self, store: &str, cursor: u64, limit: u32) -> Result<Vec<Change>> {
        self.pending.flush_all(&mut self.tx, self.cache)?;
        let rows = self.tx.query(
            "SELECT cursor, kind, key, origin, data FROM changes WHERE store = $1 AND cursor > $2 ORDER BY cursor LIMIT $3",
            &[&store, &i(cursor)?, &i64::from(limit)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let k: String = r.get(1);
            let data: String = r.get(4);
            out.push(Change {
                cursor: u(r.get(0))?,
                kind: kind_of(&k)?,
                key: r.get(2),
                origin: r.get(3),
                data: serde_json::from_str(&data)
                    .map_err(|_| SyncError::Corrupt { what: "change" })?,
            });
        }
        Ok(out)
    }

    fn fiscal_heads(&mut self, device: &str) -> Result<BTreeMap<Series, FiscalHead>> {
        self.pending.flush_fiscal(&mut self.tx, self.cache)?;
        let rows = self.rows(
            "SELECT DISTINCT ON (series) series, number, hash, signature FROM fiscal_records
             WHERE device = $1 ORDER BY series, number DESC",
            &[&device],
        )?;
        let mut out = BTreeMap::new();
        for r in rows {
            let s: String = r.get(0);
            out.insert(
                series_of(&s)?,
                FiscalHead {
                    number: u(r.get(1))?,
                    hash: r.get(2),
                    signature: r.get(3),
                },
            );
        }
        Ok(out)
    }

    fn fiscal_hash(&mut self, device: &str, series: Series, number: u64) -> Result<Option<String>> {
        self.pending.flush_fiscal(&mut self.tx, self.cache)?;
        Ok(self
            .tx
            .query_opt(
                "SELECT hash FROM fiscal_records WHERE device = $1 AND series = $2 AND number = $3",
                &[&device, &series.code(), &i(number)?],
            )?
            .map(|r| r.get(0)))
    }

    fn insert_fiscal(&mut self, device: &str, r: &StoredRecord) -> Result<()> {
        let json = serde_json::to_string(r).map_err(|_| SyncError::Corrupt { what: "record" })?;
        self.pending.fiscal((
            device.to_owned(),
            r.series.code().to_owned(),
            i(r.number)?,
            r.hash.clone(),
            r.signature.clone(),
            json,
        ));
        if let Some(store) = crate::notify::store_of_device(device) {
            self.touched.insert(store.to_owned());
        }
        Ok(())
    }

    fn fiscal_records(&mut self, device: &str) -> Result<Vec<StoredRecord>> {
        self.pending.flush_fiscal(&mut self.tx, self.cache)?;
        let rows = self.tx.query(
            "SELECT json FROM fiscal_records WHERE device = $1 ORDER BY id",
            &[&device],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let j: String = r.get(0);
            out.push(serde_json::from_str(&j).map_err(|_| SyncError::Corrupt { what: "record" })?);
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
            "INSERT INTO fiscal_quarantine(device, digest, records, defects) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&device, &digest, &records, &defects],
        )?;
        let row = self.tx.query_one(
            "SELECT id FROM fiscal_quarantine WHERE digest = $1",
            &[&digest],
        )?;
        u(row.get(0))
    }

    fn quarantine_count(&mut self, device: &str) -> Result<u64> {
        let row = self.tx.query_one(
            "SELECT COUNT(*) FROM fiscal_quarantine WHERE device = $1",
            &[&device],
        )?;
        u(row.get(0))
    }

    fn event_count(&mut self, device: &str) -> Result<u64> {
        self.pending.flush_events(&mut self.tx, self.cache)?;
        let row = self
            .tx
            .query_one("SELECT COUNT(*) FROM events WHERE device = $1", &[&device])?;
        u(row.get(0))
    }

    fn append_change(
        &mut self,
        store: &str,
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: &str,
    ) -> Result<()> {
        self.pending.change(store, kind, key, origin, data);
        Ok(())
    }

    fn known_event_ids(&mut self, ids: &[&str]) -> Result<BTreeSet<String>> {
        let mut out: BTreeSet<String> = ids
            .iter()
            .filter(|id| self.pending.has_event(id))
            .map(|id| (*id).to_owned())
            .collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let list: Vec<&str> = ids.to_vec();
        for r in self.rows(
            "SELECT event_id FROM events WHERE event_id = ANY($1)",
            &[&list],
        )? {
            out.insert(r.get(0));
        }
        Ok(out)
    }

    fn defer_stock_movements(
        &mut self,
        store: &str,
        origin: Option<&str>,
        movements: &[pos_core::stock::StockMovement],
    ) -> Result<bool> {
        self.pending.movements(store, origin, movements)
    }

    fn defer_ledger(
        &mut self,
        ledger: &str,
        id: &str,
        store: &str,
        account: &str,
        delta: Decimal,
        origin: Option<&str>,
    ) -> Result<bool> {
        self.pending
            .ledger(ledger, id, store, account, delta, origin);
        Ok(true)
    }

    // ---- back office ----
    fn journal_verdict(&mut self, device: &str) -> Result<Option<crate::verify_job::Verdict>> {
        self.tx
            .query_opt(
                "SELECT state FROM journal_verdicts WHERE device = $1",
                &[&device],
            )?
            .map(|r| crate::verify_job::Verdict::from_json(&r.get::<_, String>(0)))
            .transpose()
    }

    fn put_journal_verdict(&mut self, v: &crate::verify_job::Verdict) -> Result<()> {
        self.tx.execute(
            "INSERT INTO journal_verdicts(device, state) VALUES ($1, $2)
             ON CONFLICT (device) DO UPDATE SET state = excluded.state",
            &[&v.device, &v.to_json()?],
        )?;
        Ok(())
    }

    fn bo_put_retailer(&mut self, id: &str, name: &str, siren: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_retailers(id, name, siren) VALUES ($1, $2, $3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, siren = excluded.siren",
            &[&id, &name, &siren],
        )?;
        Ok(())
    }

    fn bo_retailer(&mut self, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .tx
            .query_opt("SELECT name, siren FROM bo_retailers WHERE id = $1", &[&id])?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn bo_put_store(&mut self, store: &str, retailer: &str) -> Result<bool> {
        self.tx.execute(
            "INSERT INTO bo_stores(store, retailer) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&store, &retailer],
        )?;
        let row = self
            .tx
            .query_one("SELECT retailer FROM bo_stores WHERE store = $1", &[&store])?;
        let owner: String = row.get(0);
        Ok(owner == retailer)
    }

    fn bo_stores(&mut self, retailer: &str) -> Result<Vec<String>> {
        Ok(self
            .tx
            .query(
                "SELECT store FROM bo_stores WHERE retailer = $1 ORDER BY store",
                &[&retailer],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn bo_put_user(&mut self, u: &crate::backoffice::BoUser) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_users(username, retailer, role, password_hash, failures, locked_until_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT(username) DO UPDATE SET retailer = excluded.retailer, role = excluded.role,
             password_hash = excluded.password_hash, failures = excluded.failures,
             locked_until_ms = excluded.locked_until_ms",
            &[
                &u.username,
                &u.retailer,
                &u.role.as_str(),
                &u.password_hash,
                &i64::from(u.failures),
                &u.locked_until_ms,
            ],
        )?;
        Ok(())
    }

    fn bo_user(&mut self, username: &str) -> Result<Option<crate::backoffice::BoUser>> {
        let row = self.tx.query_opt(
            "SELECT username, retailer, role, password_hash, failures, locked_until_ms
             FROM bo_users WHERE username = $1 FOR UPDATE",
            &[&username],
        )?;
        row.map(|r| {
            let role: String = r.get(2);
            let failures: i64 = r.get(4);
            Ok(crate::backoffice::BoUser {
                username: r.get(0),
                retailer: r.get(1),
                role: crate::backoffice::Role::parse(&role)
                    .ok_or(SyncError::Corrupt { what: "role" })?,
                password_hash: r.get(3),
                failures: u32::try_from(failures)
                    .map_err(|_| SyncError::Corrupt { what: "failures" })?,
                locked_until_ms: r.get(5),
            })
        })
        .transpose()
    }

    fn bo_put_session(&mut self, s: &crate::backoffice::BoSession) -> Result<()> {
        self.tx.execute(
            "DELETE FROM bo_sessions WHERE expires_ms < $1",
            &[&s.expires_ms.saturating_sub(2_592_000_000)],
        )?;
        self.tx.execute(
            "INSERT INTO bo_sessions(id_hash, username, csrf, expires_ms) VALUES ($1, $2, $3, $4)",
            &[&s.id_hash, &s.username, &s.csrf, &s.expires_ms],
        )?;
        Ok(())
    }

    fn bo_session(&mut self, id_hash: &str) -> Result<Option<crate::backoffice::BoSession>> {
        Ok(self
            .tx
            .query_opt(
                "SELECT id_hash, username, csrf, expires_ms FROM bo_sessions WHERE id_hash = $1",
                &[&id_hash],
            )?
            .map(|r| crate::backoffice::BoSession {
                id_hash: r.get(0),
                username: r.get(1),
                csrf: r.get(2),
                expires_ms: r.get(3),
            }))
    }

    fn bo_login_counter_for_update(
        &mut self,
        key: &str,
    ) -> Result<crate::backoffice::auth::LoginCounter> {
        // One statement creates the row if needed, locks it until commit and
        // returns its latest committed values: concurrent attempts on the
        // same key queue here.
        let r = self.tx.query_one(
            "INSERT INTO bo_login_counters(key, failures, locked_until_ms, last_failure_ms)
             VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO UPDATE SET key = excluded.key
             RETURNING failures, locked_until_ms, last_failure_ms",
            &[&key],
        )?;
        let failures: i64 = r.get(0);
        Ok(crate::backoffice::auth::LoginCounter {
            key: key.to_owned(),
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            locked_until_ms: r.get(1),
            last_failure_ms: r.get(2),
        })
    }

    fn bo_put_login_counter(&mut self, c: &crate::backoffice::auth::LoginCounter) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_login_counters(key, failures, locked_until_ms, last_failure_ms)
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
             locked_until_ms = excluded.locked_until_ms, last_failure_ms = excluded.last_failure_ms",
            &[
                &c.key,
                &i64::from(c.failures),
                &c.locked_until_ms,
                &c.last_failure_ms,
            ],
        )?;
        Ok(())
    }

    fn bo_prune_login_counters(&mut self, now_ms: i64, quiet_since_ms: i64) -> Result<()> {
        self.tx.execute(
            "DELETE FROM bo_login_counters WHERE last_failure_ms < $1 AND locked_until_ms <= $2",
            &[&quiet_since_ms, &now_ms],
        )?;
        Ok(())
    }

    fn bo_delete_session(&mut self, id_hash: &str) -> Result<()> {
        self.tx
            .execute("DELETE FROM bo_sessions WHERE id_hash = $1", &[&id_hash])?;
        Ok(())
    }

    fn bo_events(
        &mut self,
        store: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<crate::backoffice::StoredEvent>> {
        // `device, seq` is the push order within a till; across tills the
        // order does not matter to the back office.
        Ok(self
            .tx
            .query(
                "SELECT event_id, device, store, kind, created_at, json FROM events
                 WHERE store = $1 AND created_at >= $2 AND created_at < $3 ORDER BY device, seq",
                &[&store, &from, &to],
            )?
            .iter()
            .map(|r| crate::backoffice::StoredEvent {
                event_id: r.get(0),
                device: r.get(1),
                store: r.get(2),
                kind: r.get(3),
                created_at: r.get(4),
                json: r.get(5),
            })
            .collect())
    }

    fn bo_devices(&mut self, store: &str) -> Result<Vec<String>> {
        Ok(self
            .tx
            .query(
                "SELECT id FROM devices WHERE store = $1 ORDER BY id",
                &[&store],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn bo_orders(&mut self, store: &str) -> Result<Vec<StoredOrder>> {
        Ok(self
            .tx
            .query(
                "SELECT id, store, state, json FROM orders WHERE store = $1 ORDER BY id",
                &[&store],
            )?
            .iter()
            .map(|r| StoredOrder {
                id: r.get(0),
                store: r.get(1),
                state: r.get(2),
                json: r.get(3),
            })
            .collect())
    }

    fn bo_documents(&mut self, kind: &str, store: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .tx
            .query(
                "SELECT id, json FROM documents WHERE kind = $1 AND store = $2 ORDER BY id",
                &[&kind, &store],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn bo_ledger_entries(
        &mut self,
        ledger: &str,
        store: &str,
        account: &str,
    ) -> Result<Vec<(String, Decimal)>> {
        let rows = self.tx.query(
            "SELECT id, delta FROM ledger WHERE ledger = $1 AND store = $2 AND account = $3 ORDER BY id",
            &[&ledger, &store, &account],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let d: String = r.get(1);
            out.push((r.get(0), dec(&d)?));
        }
        Ok(out)
    }

    fn bo_log_access(&mut self, e: &crate::backoffice::AccessEntry) -> Result<()> {
        self.tx.execute(
            "INSERT INTO bo_access_log(at, retailer, username, store, customer, action)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &e.at,
                &e.retailer,
                &e.username,
                &e.store,
                &e.customer,
                &e.action,
            ],
        )?;
        Ok(())
    }

    fn bo_access_log(
        &mut self,
        retailer: &str,
        limit: u32,
    ) -> Result<Vec<crate::backoffice::AccessEntry>> {
        Ok(self
            .tx
            .query(
                "SELECT at, retailer, username, store, customer, action FROM bo_access_log
                 WHERE retailer = $1 ORDER BY id DESC LIMIT $2",
                &[&retailer, &i64::from(limit)],
            )?
            .iter()
            .map(|r| crate::backoffice::AccessEntry {
                at: r.get(0),
                retailer: r.get(1),
                username: r.get(2),
                store: r.get(3),
                customer: r.get(4),
                action: r.get(5),
            })
            .collect())
    }

    fn bo_store_retailer(&mut self, store: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_opt("SELECT retailer FROM bo_stores WHERE store = $1", &[&store])?
            .map(|r| r.get(0)))
    }
    // ---- end back office ----

    // ---- digital receipts ----
    fn dr_insert_receipt(&mut self, r: &crate::digital::StoredReceipt) -> Result<bool> {
        crate::digital::postgres::insert_receipt(&mut self.tx, r)
    }

    fn dr_receipt_by_token(
        &mut self,
        token: &str,
    ) -> Result<Option<crate::digital::StoredReceipt>> {
        crate::digital::postgres::receipt_by_token(&mut self.tx, token)
    }

    fn dr_receipt_by_ticket(
        &mut self,
        ticket_id: &str,
    ) -> Result<Option<crate::digital::StoredReceipt>> {
        crate::digital::postgres::receipt_by_ticket(&mut self.tx, ticket_id)
    }

    fn dr_customer_receipts(
        &mut self,
        customer: &str,
        stores: &[String],
    ) -> Result<Vec<crate::digital::StoredReceipt>> {
        crate::digital::postgres::customer_receipts(&mut self.tx, customer, stores)
    }

    fn dr_retailer_stores(&mut self, store: &str) -> Result<Vec<String>> {
        crate::digital::postgres::retailer_stores(&mut self.tx, store)
    }

    fn dr_send(
        &mut self,
        ticket_id: &str,
        channel: &str,
    ) -> Result<Option<crate::digital::SendRecord>> {
        crate::digital::postgres::send(&mut self.tx, ticket_id, channel)
    }

    fn dr_put_send(&mut self, s: &crate::digital::SendRecord) -> Result<()> {
        crate::digital::postgres::put_send(&mut self.tx, s)
    }

    fn dr_log_send(&mut self, e: &crate::digital::SendLogEntry) -> Result<()> {
        crate::digital::postgres::log_send(&mut self.tx, e)
    }

    fn dr_send_log(&mut self, subject: &str) -> Result<Vec<crate::digital::SendLogEntry>> {
        crate::digital::postgres::send_log(&mut self.tx, subject)
    }

    fn dr_customer_link(
        &mut self,
        scope: &str,
        customer: &str,
    ) -> Result<Option<crate::digital::CustomerLink>> {
        crate::digital::postgres::customer_link(&mut self.tx, scope, customer)
    }

    fn dr_put_customer_link(&mut self, link: &crate::digital::CustomerLink) -> Result<bool> {
        crate::digital::postgres::put_customer_link(&mut self.tx, link)
    }

    fn dr_customer_by_link(&mut self, token: &str) -> Result<Option<crate::digital::CustomerLink>> {
        crate::digital::postgres::customer_by_link(&mut self.tx, token)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_connection_gets_the_timeouts_and_keepalives() {
        let t = PgTimeouts::default();
        let mut config: postgres::Config = "host=127.0.0.1 user=pos dbname=pos".parse().unwrap();
        t.configure(&mut config);
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(5)));
        assert_eq!(
            config.get_tcp_user_timeout(),
            Some(&Duration::from_secs(20))
        );
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(10));
        assert_eq!(
            config.get_keepalives_interval(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(config.get_keepalives_retries(), Some(3));
        assert_eq!(
            t.session_sql(),
            "SET statement_timeout = 30000; SET idle_in_transaction_session_timeout = 60000"
        );
        // Zero turns one off.
        let off = PgTimeouts {
            connect: Duration::ZERO,
            keepalive_idle: Duration::ZERO,
            ..t
        };
        let mut config: postgres::Config = "host=127.0.0.1".parse().unwrap();
        off.configure(&mut config);
        assert_eq!(config.get_connect_timeout(), None);
        assert!(!config.get_keepalives());
    }
}
