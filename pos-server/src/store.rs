//! What the server core needs from a database, as primitive operations run
//! inside ONE transaction ([`Storage::transact`]). The SQLite and PostgreSQL
//! implementations pass the same conformance suite (tests/storage.rs).

use crate::error::Result;
use crate::wire::{Change, ChangeKind, WireEvent};
use chrono::{DateTime, Utc};
use pos_core::stock::StockMovement;
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// An enrolled till.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The server's id of the device, namespaced by its store
    /// (`{store}/{register}`, see [`Device::id_for`]).
    pub id: String,
    /// Its store.
    pub store: String,
    /// Its register id (unique within the store; what its fiscal records
    /// name).
    pub register: String,
    /// Its stock location.
    pub location: String,
    /// HMAC secret.
    pub secret: Vec<u8>,
    /// Fiscal public key, SEC1 hex.
    pub public_key: String,
    /// The device that replaced it, if retired.
    pub replaced_by: Option<String>,
    /// Genesis parameters of its fiscal journal (register, key id, init ts),
    /// once its JET 260 record was accepted.
    pub genesis: Option<(String, String, String)>,
}

impl Device {
    /// The server's id of register `register` of `store`. Store ids are
    /// unique across retailers and hold no `/`, so ids never collide.
    pub fn id_for(store: &str, register: &str) -> String {
        format!("{store}/{register}")
    }

    /// The register part of a device id of `store` (the whole id for a
    /// device enrolled before ids were namespaced).
    pub fn register_of<'a>(id: &'a str, store: &str) -> &'a str {
        id.strip_prefix(store)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(id)
    }
}

/// The last accepted fiscal record of one series of one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalHead {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: String,
    /// Its signature (hex).
    pub signature: String,
}

/// A fiscal key introduced by an accepted key change (JET 310).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceKey {
    /// The E number of the JET 310 record (0: the enrolment key).
    pub since: u64,
    /// Key id.
    pub key_id: String,
    /// Public key, SEC1 hex.
    pub public_key: String,
}

/// A web or click & collect order as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    /// Order id.
    pub id: String,
    /// Store.
    pub store: String,
    /// State name.
    pub state: String,
    /// The order document (JSON).
    pub json: String,
}

/// Primitive operations inside one transaction.
pub trait Tx {
    /// A device by id.
    fn device(&mut self, id: &str) -> Result<Option<Device>>;
    /// Adds a device.
    fn insert_device(&mut self, d: &Device) -> Result<()>;
    /// Marks a device retired in favour of another.
    fn retire_device(&mut self, old: &str, new: &str) -> Result<()>;
    /// Gives a device a new HMAC secret (a till restored on a new tablet:
    /// the lost one's secret stops working).
    fn set_device_secret(&mut self, id: &str, secret: &[u8]) -> Result<()>;
    /// Records the genesis parameters of a device's journal.
    fn set_genesis(&mut self, device: &str, genesis: &(String, String, String)) -> Result<()>;
    /// Keys introduced by accepted key changes (JET 310), oldest first (the
    /// enrolment key is [`Device::public_key`]).
    fn device_keys(&mut self, device: &str) -> Result<Vec<DeviceKey>>;
    /// Records a key introduced by an accepted key change.
    fn add_device_key(&mut self, device: &str, key: &DeviceKey) -> Result<()>;
    /// Remembers a request signature; false if it was already seen.
    fn remember_signature(&mut self, signature: &str, at_ms: i64) -> Result<bool>;
    /// The device's acknowledged sequence, locking its row until commit.
    fn progress_for_update(&mut self, device: &str) -> Result<u64>;
    /// Sets the acknowledged sequence and last push time.
    fn set_progress(&mut self, device: &str, seq: u64, at: DateTime<Utc>) -> Result<()>;
    /// Last successful push of a device.
    fn last_push(&mut self, device: &str) -> Result<Option<DateTime<Utc>>>;
    /// The event id stored at (device, seq).
    fn event_id_at(&mut self, device: &str, seq: u64) -> Result<Option<String>>;
    /// Whether an event id is already stored.
    fn event_exists(&mut self, event_id: &str) -> Result<bool>;
    /// Stores an event (unique event id and (device, seq)).
    fn insert_event(&mut self, device: &str, store: &str, e: &WireEvent) -> Result<()>;
    /// Adds a stock movement; false if its id was already there.
    fn insert_stock_movement(
        &mut self,
        id: &str,
        store: &str,
        sku: &str,
        location: &str,
        quantity: Decimal,
        origin: Option<&str>,
    ) -> Result<bool>;
    /// (on hand, reserved) of an item at a location, locked until commit.
    fn stock_level(&mut self, store: &str, sku: &str, location: &str)
    -> Result<(Decimal, Decimal)>;
    /// Writes (on hand, reserved).
    fn set_stock_level(
        &mut self,
        store: &str,
        sku: &str,
        location: &str,
        on_hand: Decimal,
        reserved: Decimal,
    ) -> Result<()>;
    /// Every stock movement quantity of a store, per (sku, location), for audits.
    fn stock_movement_sums(&mut self, store: &str) -> Result<BTreeMap<(String, String), Decimal>>;
    /// Every stock level of a store.
    fn stock_levels(
        &mut self,
        store: &str,
    ) -> Result<BTreeMap<(String, String), (Decimal, Decimal)>>;
    /// Adds a ledger movement (`points` or `stored_value`); false if known.
    fn insert_ledger(
        &mut self,
        ledger: &str,
        id: &str,
        store: &str,
        account: &str,
        delta: Decimal,
    ) -> Result<bool>;
    /// Balance of a ledger account.
    fn ledger_balance(&mut self, ledger: &str, store: &str, account: &str) -> Result<Decimal>;
    /// A document (customer, stored-value account) with its LWW stamps JSON.
    fn document(&mut self, kind: &str, store: &str, id: &str) -> Result<Option<(String, String)>>;
    /// Writes a document and its stamps.
    fn put_document(
        &mut self,
        kind: &str,
        store: &str,
        id: &str,
        json: &str,
        stamps: &str,
    ) -> Result<()>;
    /// An order.
    fn order(&mut self, store: &str, id: &str) -> Result<Option<StoredOrder>>;
    /// Writes an order.
    fn put_order(&mut self, o: &StoredOrder) -> Result<()>;
    /// Appends to the store's change feed and returns the cursor.
    fn add_change(
        &mut self,
        store: &str,
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: &str,
    ) -> Result<u64>;
    /// Changes of a store after a cursor, at most `limit`.
    fn changes_since(&mut self, store: &str, cursor: u64, limit: u32) -> Result<Vec<Change>>;
    /// Last accepted fiscal record per series.
    fn fiscal_heads(&mut self, device: &str) -> Result<BTreeMap<Series, FiscalHead>>;
    /// The stored hash of an accepted fiscal record.
    fn fiscal_hash(&mut self, device: &str, series: Series, number: u64) -> Result<Option<String>>;
    /// Stores an accepted fiscal record.
    fn insert_fiscal(&mut self, device: &str, r: &StoredRecord) -> Result<()>;
    /// Every accepted fiscal record of a device, in acceptance order.
    fn fiscal_records(&mut self, device: &str) -> Result<Vec<StoredRecord>>;
    /// Keeps a refused fiscal batch aside; returns its id (the same id if
    /// the same batch was already kept).
    fn quarantine(
        &mut self,
        device: &str,
        digest: &str,
        records: &str,
        defects: &str,
    ) -> Result<u64>;
    /// Number of quarantined batches of a device.
    fn quarantine_count(&mut self, device: &str) -> Result<u64>;
    /// Number of events stored for a device.
    fn event_count(&mut self, device: &str) -> Result<u64>;
    /// The cached journal verification verdict of a device.
    fn journal_verdict(&mut self, device: &str) -> Result<Option<crate::verify_job::Verdict>>;
    /// Stores a device's journal verification verdict.
    fn put_journal_verdict(&mut self, v: &crate::verify_job::Verdict) -> Result<()>;

    /// Appends to the change feed when the cursor is not needed now: a back
    /// end may assign it at commit, in commit order. Default: [`Tx::add_change`].
    fn append_change(
        &mut self,
        store: &str,
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: &str,
    ) -> Result<()> {
        self.add_change(store, kind, key, origin, data).map(|_| ())
    }
    /// Which of `ids` are already stored as events (one query per batch
    /// where the back end can).
    fn known_event_ids(&mut self, ids: &[&str]) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for id in ids {
            if self.event_exists(id)? {
                out.insert((*id).to_owned());
            }
        }
        Ok(out)
    }
    /// Takes stock movements to write at commit (movement, level, change;
    /// a known id adds nothing). False: this back end does not defer, the
    /// caller writes them now.
    fn defer_stock_movements(
        &mut self,
        _store: &str,
        _origin: Option<&str>,
        _movements: &[StockMovement],
    ) -> Result<bool> {
        Ok(false)
    }
    /// Takes a ledger movement to write at commit (with its change unless
    /// the id is known). False: the caller writes it now.
    fn defer_ledger(
        &mut self,
        _ledger: &str,
        _id: &str,
        _store: &str,
        _account: &str,
        _delta: Decimal,
        _origin: Option<&str>,
    ) -> Result<bool> {
        Ok(false)
    }

    /// Enrolment codes and web-shop keys ([`crate::credentials`]).
    fn credentials(&mut self) -> Box<dyn crate::credentials::CredentialRows + '_>;
    /// The refund tables ([`crate::refunds`]).
    fn refunds(&mut self) -> Box<dyn crate::refunds_rows::RefundRows + '_>;

    /// Tills' period archives ([`crate::archives`]).
    fn archives(&mut self) -> Box<dyn crate::archives::ArchiveRows + '_>;

    // ---- back office ----
    /// Adds a retailer or updates its name and SIREN.
    fn bo_put_retailer(&mut self, id: &str, name: &str, siren: &str) -> Result<()>;
    /// A retailer's (name, SIREN).
    fn bo_retailer(&mut self, id: &str) -> Result<Option<(String, String)>>;
    /// Attaches a store to a retailer; false if it belongs to another one.
    fn bo_put_store(&mut self, store: &str, retailer: &str) -> Result<bool>;
    /// The stores of a retailer, sorted.
    fn bo_stores(&mut self, retailer: &str) -> Result<Vec<String>>;
    /// Adds or updates a back-office user.
    fn bo_put_user(&mut self, u: &crate::backoffice::BoUser) -> Result<()>;
    /// A back-office user by name.
    fn bo_user(&mut self, username: &str) -> Result<Option<crate::backoffice::BoUser>>;
    /// Stores a session.
    fn bo_put_session(&mut self, s: &crate::backoffice::BoSession) -> Result<()>;
    /// The failed-login counter of a key (an account or a client address;
    /// created at zero when absent), its row locked until commit.
    fn bo_login_counter_for_update(
        &mut self,
        key: &str,
    ) -> Result<crate::backoffice::auth::LoginCounter>;
    /// Writes a failed-login counter.
    fn bo_put_login_counter(&mut self, c: &crate::backoffice::auth::LoginCounter) -> Result<()>;
    /// Deletes the counters neither locked at `now_ms` nor counted since
    /// `quiet_since_ms`.
    fn bo_prune_login_counters(&mut self, now_ms: i64, quiet_since_ms: i64) -> Result<()>;
    /// A session by the hash of its id.
    fn bo_session(&mut self, id_hash: &str) -> Result<Option<crate::backoffice::BoSession>>;
    /// Ends a session.
    fn bo_delete_session(&mut self, id_hash: &str) -> Result<()>;
    /// Events of a store created in `[from, to)` (RFC 3339 UTC), in push order.
    fn bo_events(
        &mut self,
        store: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<crate::backoffice::StoredEvent>>;
    /// Ids of the devices enrolled in a store, sorted.
    fn bo_devices(&mut self, store: &str) -> Result<Vec<String>>;
    /// Every order of a store.
    fn bo_orders(&mut self, store: &str) -> Result<Vec<StoredOrder>>;
    /// Every document of a kind in a store: (id, json), sorted by id.
    fn bo_documents(&mut self, kind: &str, store: &str) -> Result<Vec<(String, String)>>;
    /// Movements of one ledger account: (movement id, delta), sorted by id.
    fn bo_ledger_entries(
        &mut self,
        ledger: &str,
        store: &str,
        account: &str,
    ) -> Result<Vec<(String, Decimal)>>;
    /// Appends to the personal-data access log.
    fn bo_log_access(&mut self, e: &crate::backoffice::AccessEntry) -> Result<()>;
    /// The latest entries of a retailer's access log, newest first.
    fn bo_access_log(
        &mut self,
        retailer: &str,
        limit: u32,
    ) -> Result<Vec<crate::backoffice::AccessEntry>>;
    /// The retailer a store belongs to.
    fn bo_store_retailer(&mut self, store: &str) -> Result<Option<String>>;
    // ---- end back office ----

    // ---- digital receipts ----
    /// Keeps a ticket's digital receipt; false if that ticket's was already kept.
    fn dr_insert_receipt(&mut self, r: &crate::digital::StoredReceipt) -> Result<bool>;
    /// A receipt by its link token.
    fn dr_receipt_by_token(&mut self, token: &str)
    -> Result<Option<crate::digital::StoredReceipt>>;
    /// A receipt by its ticket id.
    fn dr_receipt_by_ticket(
        &mut self,
        ticket_id: &str,
    ) -> Result<Option<crate::digital::StoredReceipt>>;
    /// A customer's receipts in the given stores, newest first.
    fn dr_customer_receipts(
        &mut self,
        customer: &str,
        stores: &[String],
    ) -> Result<Vec<crate::digital::StoredReceipt>>;
    /// The stores of the retailer that owns `store` (just `store` when no
    /// retailer is recorded), sorted.
    fn dr_retailer_stores(&mut self, store: &str) -> Result<Vec<String>>;
    /// The send state of (ticket, channel), locked until commit.
    fn dr_send(
        &mut self,
        ticket_id: &str,
        channel: &str,
    ) -> Result<Option<crate::digital::SendRecord>>;
    /// Writes the send state of (ticket, channel).
    fn dr_put_send(&mut self, s: &crate::digital::SendRecord) -> Result<()>;
    /// Appends to the send log.
    fn dr_log_send(&mut self, e: &crate::digital::SendLogEntry) -> Result<()>;
    /// The send log of a subject (ticket id), oldest first.
    fn dr_send_log(&mut self, subject: &str) -> Result<Vec<crate::digital::SendLogEntry>>;
    /// The page link of a customer of a scope (`retailer:<id>` or
    /// `store:<id>`, see `digital::service::customer_scope`), if one was made.
    fn dr_customer_link(
        &mut self,
        scope: &str,
        customer: &str,
    ) -> Result<Option<crate::digital::CustomerLink>>;
    /// Keeps a customer's page link; false if the customer (in its scope)
    /// already has one.
    fn dr_put_customer_link(&mut self, link: &crate::digital::CustomerLink) -> Result<bool>;
    /// A customer page link by its token.
    fn dr_customer_by_link(&mut self, token: &str) -> Result<Option<crate::digital::CustomerLink>>;
}

/// Read-only access to the accepted fiscal journals for background work
/// (journal verification), on a connection of its own: never the writer's,
/// so a long verification does not hold up pushes or status requests.
pub trait JournalReader: Send {
    /// Accepted records of a device stored after position `after` (0: from
    /// the first), in acceptance order, at most `limit`, each with its
    /// position (a number that grows with acceptance order per device).
    fn records_after(
        &mut self,
        device: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, StoredRecord)>>;
    /// How many records of a device are stored after position `after`.
    fn count_after(&mut self, device: &str, after: i64) -> Result<u64>;
}

/// A server database.
pub trait Storage: Send + Sync + 'static {
    /// Runs `f` in one transaction: committed if it returns Ok, rolled back
    /// otherwise. Implementations retry serialization failures.
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// A read-only reader of the fiscal journals, separate from the writer.
    fn journal_reader(&self) -> Result<Box<dyn JournalReader>>;
    /// The schema version the database records now, read with a trivial
    /// query outside any write transaction (the readiness probe).
    fn schema_version(&self) -> Result<u32>;
    /// The latest push of any live till of each store (the sync-lag gauge).
    fn last_push_by_store(&self) -> Result<BTreeMap<String, DateTime<Utc>>>;
    /// Idle connections kept by the back end's pool, if it pools them.
    fn idle_connections(&self) -> Option<u64> {
        None
    }
    /// Messages naming each store whose pushed data committed (the back
    /// office's live feed); none if the back end cannot tell.
    fn live_feed(&self) -> Option<crate::notify::LiveFeed> {
        None
    }
}
