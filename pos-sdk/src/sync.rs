//! The till side of sync: the [`Register`]'s outbox, fiscal journal and
//! tables behind pos-sync's [`TillStore`], offline periods bracketed by
//! JET 70 / 120, and the sync status the app shows.
//!
//! ```no_run
//! # fn demo(register: &mut pos_sdk::Register, secret: Vec<u8>) -> Result<(), pos_sync::SyncError> {
//! use pos_sync::client::{Credentials, SyncClient};
//! let client = SyncClient::new(Credentials { device: "T1".into(), secret });
//! # #[cfg(any())] {
//! let mut http = pos_sync::http_client::UreqTransport::new("http://127.0.0.1:8080");
//! pos_sdk::sync::sync_register(register, &client, &mut http)?;
//! # }
//! # Ok(()) }
//! ```

mod anchor;
mod archives;
mod async_round;
mod caps;
mod ledgers;
mod pulled;
mod skipped;

pub use anchor::{
    HeadEntry, RegisteredKey, ServerAnchor, anchor_with, credentials_in, open_read_only,
    server_anchor,
};
pub use archives::push_archives;
pub use async_round::{SharedRegister, enroll_async, sync_register_async};
pub use caps::{POINTS, STORED_VALUE, offline_allowance, set_offline_caps};
pub(crate) use caps::{charge_points, charge_sale};
pub use skipped::{SkipReason, SkippedChange};

use crate::{Register, SdkError, db, outbox};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::jet::JetCode;
use pos_fiscal::record::StoredRecord;
use pos_sync::client::{ClientState, RoundReport, SyncClient, TillStore, sync_once};
use pos_sync::retry::{RetryEnv, RetryPolicy, Wait};
use pos_sync::transport::Transport;
use pos_sync::wire::{Change, WireEvent};
use pos_sync::{Result, SyncError};
use pulled::Pulled;
use rusqlite::{OptionalExtension, Transaction, params};
use skipped::{Skip, SkipReason as Why};
use std::collections::BTreeMap;

pub(crate) const STATE_KEY: &str = "sync.state";
const OFFLINE_KEY: &str = "sync.offline_since";

pub(crate) fn till(e: SdkError) -> SyncError {
    SyncError::Till {
        source: Box::new(e),
    }
}

pub(crate) fn sql(e: rusqlite::Error) -> SyncError {
    till(SdkError::from(e))
}

/// Outbox rows compacted per transaction after an ack.
const COMPACT_BATCH: u32 = 256;

/// A [`Register`] seen as a sync [`TillStore`].
#[derive(Debug)]
pub struct TillSync<'a> {
    register: &'a mut Register,
}

impl<'a> TillSync<'a> {
    /// Wraps a register for one sync round.
    pub fn new(register: &'a mut Register) -> TillSync<'a> {
        TillSync { register }
    }
}

impl TillStore for TillSync<'_> {
    fn pending_events(&mut self, limit: u32) -> Result<Vec<WireEvent>> {
        let conn = self.register.connection();
        let tx = conn.unchecked_transaction().map_err(sql)?;
        let events = outbox::pending(&tx, limit).map_err(till)?;
        Ok(events
            .into_iter()
            .map(|e| WireEvent {
                seq: e.seq,
                event_id: e.event_id,
                kind: e.kind,
                created_at: e.created_at,
                hlc: Default::default(),
                payload: e.payload,
            })
            .collect())
    }

    fn fiscal_after(
        &mut self,
        heads: &BTreeMap<Series, u64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        let records = pos_fiscal::store::rows::load_records(self.register.connection())?;
        Ok(records
            .into_iter()
            .filter(|r| r.number > heads.get(&r.series).copied().unwrap_or(0))
            .take(limit)
            .collect())
    }

    fn ack_through(&mut self, seq: u64) -> Result<()> {
        let tx = self
            .register
            .connection()
            .unchecked_transaction()
            .map_err(sql)?;
        outbox::ack_through(&tx, seq).map_err(till)?;
        tx.commit().map_err(sql)?;
        // Then the older acknowledged rows, a small batch per transaction
        // so that nothing else waits on the file for long.
        loop {
            let tx = self
                .register
                .connection()
                .unchecked_transaction()
                .map_err(sql)?;
            let touched = outbox::compact_step(&tx, COMPACT_BATCH).map_err(till)?;
            tx.commit().map_err(sql)?;
            if touched == 0 {
                return Ok(());
            }
        }
    }

    fn apply_changes(&mut self, changes: &[Change]) -> Result<()> {
        self.apply_pulled(changes).map(|_| ())
    }

    /// Each change is decoded and checked with pos-core's types, then
    /// applied inside its own savepoint. One that fails to decode, validate
    /// or apply is rolled back to its savepoint, recorded in
    /// `sync_skipped_changes` and skipped, so the cursor moves past it; only
    /// a failure of the till file itself (I/O, full disk, busy) stops the
    /// round, with nothing of the batch kept.
    fn apply_pulled(&mut self, changes: &[Change]) -> Result<u64> {
        // Changes this till made come back with its server id as origin.
        let me = device_id(self.register)?;
        let currency = self.register.config().currency;
        let now = self.register.now();
        let program = self.register.loyalty_program().map_err(till)?;
        let mut catalog = None;
        let mut skipped = 0u64;
        {
            let tx = self
                .register
                .connection()
                .unchecked_transaction()
                .map_err(sql)?;
            for c in changes {
                tx.execute_batch("SAVEPOINT pulled_change").map_err(sql)?;
                let outcome = match pulled::decode(c, &me, currency) {
                    Ok(Pulled::Operator(op)) => {
                        let (operator, hash, revision) = *op;
                        crate::register::stamp(self.register.config(), now)
                            .and_then(|stamp| {
                                let signer = self.register.signer();
                                crate::register::apply_pulled_operator(
                                    &tx, signer, stamp, &operator, &hash, revision, now,
                                )
                            })
                            .map(|_| ())
                            .map_err(Failure::from)
                    }
                    Ok(p) => apply_one(&tx, p, c, now, program.as_ref(), &mut catalog),
                    Err(skip) => Err(Failure::Skip(skip)),
                };
                match outcome {
                    Ok(()) => tx.execute_batch("RELEASE pulled_change").map_err(sql)?,
                    Err(Failure::Skip(skip)) => {
                        tx.execute_batch("ROLLBACK TO pulled_change; RELEASE pulled_change")
                            .map_err(sql)?;
                        skipped::record(&tx, c, &skip, now).map_err(till)?;
                        skipped = skipped.saturating_add(1);
                    }
                    Err(Failure::Fatal(e)) => return Err(e),
                }
            }
            tx.commit().map_err(sql)?;
        }
        if let Some(json) = catalog {
            self.register.import_catalog_json(&json).map_err(till)?;
        }
        Ok(skipped)
    }

    fn load_state(&mut self) -> Result<ClientState> {
        let tx = self
            .register
            .connection()
            .unchecked_transaction()
            .map_err(sql)?;
        match db::meta_get(&tx, STATE_KEY).map_err(till)? {
            Some(s) => {
                serde_json::from_str(&s).map_err(|_| SyncError::Corrupt { what: "sync state" })
            }
            None => Ok(ClientState::default()),
        }
    }

    fn save_state(&mut self, state: &ClientState) -> Result<()> {
        let json =
            serde_json::to_string(state).map_err(|_| SyncError::Corrupt { what: "sync state" })?;
        let tx = self
            .register
            .connection()
            .unchecked_transaction()
            .map_err(sql)?;
        db::meta_set(&tx, STATE_KEY, &json).map_err(till)?;
        tx.commit().map_err(sql)
    }
}

/// Why one pulled change did not apply.
enum Failure {
    /// The change is at fault: set it aside and go on.
    Skip(Skip),
    /// The till file failed: stop the round.
    Fatal(SyncError),
}

/// SQLite result codes that say the till file itself failed (I/O, space,
/// locks, corruption, memory), as opposed to a change its tables refuse.
fn file_failed(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    match e {
        rusqlite::Error::SqliteFailure(f, _) => !matches!(
            f.code,
            C::ConstraintViolation | C::TypeMismatch | C::TooBig | C::ParameterOutOfRange
        ),
        _ => false,
    }
}

impl From<crate::SdkError> for Failure {
    fn from(e: crate::SdkError) -> Failure {
        match e {
            crate::SdkError::Storage(s) if file_failed(&s) => Failure::Fatal(sql(s)),
            crate::SdkError::Storage(_) => Failure::Skip(Skip::new(Why::StorageRefused)),
            other => Failure::Skip(Skip::because(Why::Refused, other.kind())),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::from(crate::SdkError::from(e))
    }
}

/// Applies one checked change; a catalog is kept for after the commit.
fn apply_one(
    tx: &Transaction<'_>,
    p: Pulled,
    c: &Change,
    now: DateTime<Utc>,
    program: Option<&pos_core::loyalty::LoyaltyProgram>,
    catalog: &mut Option<String>,
) -> std::result::Result<(), Failure> {
    match p {
        Pulled::Nothing => {}
        Pulled::Stock(m) => {
            let known = tx
                .query_row(
                    "SELECT 1 FROM stock_movements WHERE id = ?1",
                    [m.id.as_str()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !known {
                crate::register::apply_movement(tx, &m, None)?;
            }
        }
        Pulled::Erasure(id) => crate::register::erase_pulled(tx, &id, now)?,
        Pulled::Customer(id) => {
            tx.execute(
                "INSERT INTO customers(id, json, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                 WHERE customers.erased = 0",
                params![id.as_str(), c.data.to_string(), now.to_rfc3339()],
            )?;
        }
        Pulled::CardAccount(account) => ledgers::apply_card_account(tx, &account, now)?,
        Pulled::CardMovement { code, op, delta } => {
            ledgers::apply_card_movement(tx, &code, op, delta, now)?;
        }
        Pulled::Points(points) => ledgers::apply_points(tx, points, &c.key, now, program)?,
        Pulled::Order {
            id,
            state,
            pickup_at,
        } => {
            tx.execute(
                "INSERT INTO orders(id, state, pickup_at, updated_at, json) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET state = excluded.state, pickup_at = excluded.pickup_at,
                 updated_at = excluded.updated_at, json = excluded.json",
                params![id.as_str(), state.as_str(), pickup_at, now.to_rfc3339(), c.data.to_string()],
            )?;
        }
        Pulled::Catalog(json) => *catalog = Some(json),
        Pulled::Refund(r) => crate::register::refund_anywhere::apply_pulled(tx, &r, &c.key)?,
        // Applied by the caller, which holds the till's key for its JET 130.
        Pulled::Operator(_) => {}
    }
    Ok(())
}

/// The sync status the app shows (per till).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// Events not yet acknowledged by the server.
    pub pending: u64,
    /// Creation time of the oldest pending event.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// The last complete successful round.
    pub last_success: Option<DateTime<Utc>>,
    /// Since when the till is offline (JET 70 recorded), if it is.
    pub offline_since: Option<DateTime<Utc>>,
    /// Pulled changes set aside as invalid, ever (listed by
    /// [`skipped_changes`]).
    pub skipped: u64,
}

/// Pending count, oldest pending event, last success, offline state,
/// skipped changes.
pub fn status(register: &mut Register) -> Result<SyncStatus> {
    let state = TillSync::new(register).load_state()?;
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    let (pending, oldest_pending) = outbox::status(&tx).map_err(till)?;
    let offline_since = db::meta_get(&tx, OFFLINE_KEY)
        .map_err(till)?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc));
    let skipped = skipped::count(&tx).map_err(till)?;
    Ok(SyncStatus {
        pending,
        oldest_pending,
        last_success: state.last_success,
        offline_since,
        skipped,
    })
}

/// The last `limit` pulled changes the till set aside as invalid, newest
/// first: cursor, kind, key, stable code and a message without personal
/// data. The pull moved past them; the server still holds them.
pub fn skipped_changes(register: &Register, limit: u32) -> Result<Vec<SkippedChange>> {
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    skipped::list(&tx, limit).map_err(till)
}

/// Whether an outbox event (by sequence) reached the server (per-document status).
pub fn is_synced(register: &mut Register, outbox_seq: u64) -> Result<bool> {
    Ok(TillSync::new(register).load_state()?.acked_seq >= outbox_seq)
}

fn record_jet(register: &Register, code: JetCode, now: DateTime<Utc>) -> Result<()> {
    let stamp = crate::register::stamp(register.config(), now).map_err(till)?;
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    pos_fiscal::store::record_event(
        &tx,
        register.signer(),
        stamp,
        code,
        register.config().system_operator.as_str(),
        BTreeMap::new(),
    )?;
    if code == JetCode::OfflineStart {
        db::meta_set(&tx, OFFLINE_KEY, &now.to_rfc3339()).map_err(till)?;
    } else {
        tx.execute("DELETE FROM meta WHERE key = ?1", [OFFLINE_KEY])
            .map_err(sql)?;
        caps::clear(&tx).map_err(till)?;
    }
    tx.commit().map_err(sql)
}

/// One sync round for a register. A transient failure (the server is
/// unreachable or unavailable) starts an offline period (JET 70) if none
/// is open; the first success ends it (JET 120), so the journal brackets
/// every offline period.
pub fn sync_register(
    register: &mut Register,
    client: &SyncClient,
    transport: &mut dyn Transport,
) -> Result<RoundReport> {
    round(register, client, transport, &mut |store, transport, now| {
        sync_once(client, store, transport, now)
    })
}

/// [`sync_register`] with the round tried again while it fails
/// transiently (503, connection refused or reset, timeout), within the
/// budget of `policy` (see [`pos_sync::retry`]); refusals are returned at
/// once. The offline period is opened only when the budget ran out, and
/// `on_wait` hears of each wait. [`SystemRetryEnv`] is the real clock.
pub fn sync_register_with_retry(
    register: &mut Register,
    client: &SyncClient,
    transport: &mut dyn Transport,
    policy: &RetryPolicy,
    env: &mut dyn RetryEnv,
    on_wait: &mut dyn FnMut(&Wait<'_>),
) -> Result<RoundReport> {
    round(register, client, transport, &mut |store, transport, now| {
        pos_sync::client::sync_with_retry(client, store, transport, now, policy, env, on_wait)
    })
}

/// The monotonic clock, `thread::sleep` and a thread-local random jitter:
/// the [`RetryEnv`] of a till (not for wasm, which cannot block).
#[derive(Debug, Clone, Copy)]
pub struct SystemRetryEnv {
    origin: std::time::Instant,
}

impl SystemRetryEnv {
    /// A clock starting now.
    pub fn new() -> SystemRetryEnv {
        SystemRetryEnv {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemRetryEnv {
    fn default() -> SystemRetryEnv {
        SystemRetryEnv::new()
    }
}

impl RetryEnv for SystemRetryEnv {
    fn elapsed(&mut self) -> std::time::Duration {
        self.origin.elapsed()
    }

    fn sleep(&mut self, d: std::time::Duration) {
        std::thread::sleep(d);
    }

    fn jitter(&mut self, upper: std::time::Duration) -> std::time::Duration {
        use rand::Rng;
        let upper_us = u64::try_from(upper.as_micros()).unwrap_or(u64::MAX);
        std::time::Duration::from_micros(rand::rng().random_range(0..=upper_us))
    }
}

/// A round function: one attempt or a retried one.
type RoundFn<'a> = dyn FnMut(&mut TillSync<'_>, &mut dyn Transport, &dyn Fn() -> DateTime<Utc>) -> Result<RoundReport>
    + 'a;

/// Runs `attempt` and brackets offline periods in the journal.
fn round(
    register: &mut Register,
    client: &SyncClient,
    transport: &mut dyn Transport,
    attempt: &mut RoundFn<'_>,
) -> Result<RoundReport> {
    let before = before_round(register)?;
    let now = || Utc::now();
    let result = {
        let mut store = TillSync::new(register);
        attempt(&mut store, transport, &now)
    };
    if after_round(register, &result, &before)? {
        // Push the JET 120 record right away (best effort).
        let mut store = TillSync::new(register);
        let _ = sync_once(client, &mut store, transport, &now);
    }
    register.sync_round_ended();
    result
}

/// What a round needs to know from before it started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BeforeRound {
    offline: bool,
    clock_now: DateTime<Utc>,
}

/// Reads whether the till is offline and seals the journal: a fresh head
/// before the push, so the server mirrors records a signed head covers.
pub(crate) fn before_round(register: &mut Register) -> Result<BeforeRound> {
    let offline = status(register)?.offline_since.is_some();
    register.seal().map_err(till)?;
    Ok(BeforeRound {
        offline,
        clock_now: register.now(),
    })
}

/// Brackets an offline period after a round: a transient failure opens
/// one (JET 70) if none is open, a success closes it (JET 120). Returns
/// whether the JET 120 record should be pushed right away.
pub(crate) fn after_round(
    register: &mut Register,
    result: &Result<RoundReport>,
    before: &BeforeRound,
) -> Result<bool> {
    match result {
        Err(e) if e.is_transient() && !before.offline => {
            record_jet(register, JetCode::OfflineStart, before.clock_now)?;
            register.connectivity_changed(false);
            Ok(false)
        }
        Ok(_) if before.offline => {
            record_jet(register, JetCode::OfflineEnd, before.clock_now)?;
            register.connectivity_changed(true);
            Ok(true)
        }
        _ => Ok(false),
    }
}

pub(crate) const SECRET_KEY: &str = "sync.secret";
/// The server's id of this till (`{store}/{register}`), given at enrolment.
pub(crate) const DEVICE_KEY: &str = "sync.device";

/// Enrols this till with the server, authorised by a single-use enrolment
/// `code` the retailer's owner issued for this till's store, and keeps the
/// returned device id and secret in the till file. `replaces` names (by its
/// server id) a lost or broken till this one takes over from, which the
/// code must name too: the change of terminal is then logged in this till's
/// journal, JET 127 (terminal removed: the old one) then JET 126 (terminal
/// added: this one), in the same transaction as the secret, and reaches the
/// server with the next push.
pub fn enroll(
    register: &mut Register,
    transport: &mut dyn Transport,
    code: &str,
    replaces: Option<&str>,
) -> Result<pos_sync::wire::EnrollResponse> {
    let req = enroll_request(register, code, replaces)?;
    let resp = transport.send(&req)?;
    enroll_answered(register, &resp, replaces)
}

/// The enrolment request of this till (see [`enroll`]).
pub(crate) fn enroll_request(
    register: &Register,
    code: &str,
    replaces: Option<&str>,
) -> Result<pos_sync::transport::HttpRequest> {
    let config = register.config();
    let body = pos_sync::wire::encode(&pos_sync::wire::EnrollRequest {
        device: config.register.to_string(),
        store: config.store.to_string(),
        location: config.location.to_string(),
        public_key: hex::encode(register.signer().public_key_sec1()),
        replaces: replaces.map(str::to_owned),
    })?;
    Ok(pos_sync::transport::HttpRequest {
        method: "POST",
        path: pos_sync::wire::paths::ENROLL.into(),
        headers: vec![
            (
                pos_sync::auth::HEADER_ENROLMENT_CODE.into(),
                code.trim().into(),
            ),
            ("content-type".into(), "application/json".into()),
        ],
        body,
    })
}

/// Keeps what the server answered to [`enroll_request`] (see [`enroll`]).
pub(crate) fn enroll_answered(
    register: &mut Register,
    resp: &pos_sync::transport::HttpResponse,
    replaces: Option<&str>,
) -> Result<pos_sync::wire::EnrollResponse> {
    if resp.status != 200 {
        return Err(pos_sync::client::server_error(resp));
    }
    let enrolled = pos_sync::wire::decode_enroll_response(&resp.body)?;
    let stamp = crate::register::stamp(register.config(), register.now()).map_err(till)?;
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    db::meta_set(&tx, SECRET_KEY, &enrolled.secret).map_err(till)?;
    db::meta_set(&tx, DEVICE_KEY, &enrolled.device).map_err(till)?;
    if let Some(old) = replaces {
        // The journal names registers: the replaced till's server id is
        // `{store}/{register}` in this till's own store.
        let store = register.config().store.to_string();
        let old = old
            .strip_prefix(store.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(old);
        let me = register.config().register.to_string();
        let operator = register.config().system_operator.to_string();
        for (code, detail) in [
            (
                JetCode::TerminalRemoved,
                [("terminal", old), ("replaced_by", me.as_str())],
            ),
            (
                JetCode::TerminalAdded,
                [("terminal", me.as_str()), ("replaces", old)],
            ),
        ] {
            let detail = detail
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            pos_fiscal::store::record_event(
                &tx,
                register.signer(),
                stamp,
                code,
                &operator,
                detail,
            )?;
        }
    }
    tx.commit().map_err(sql)?;
    Ok(enrolled)
}

/// The sync client of an enrolled till (`None` before enrolment).
pub fn client(register: &mut Register) -> Result<Option<SyncClient>> {
    Ok(credentials(register)?.map(SyncClient::new))
}

/// The signing credentials of an enrolled till (`None` before enrolment).
pub(crate) fn credentials(register: &Register) -> Result<Option<pos_sync::client::Credentials>> {
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    let Some(secret) = db::meta_get(&tx, SECRET_KEY).map_err(till)? else {
        return Ok(None);
    };
    let secret = hex::decode(&secret).map_err(|_| SyncError::Corrupt {
        what: "sync secret",
    })?;
    Ok(Some(pos_sync::client::Credentials {
        device: device_id_in(&tx, register)?,
        secret,
    }))
}

/// The server's id of this till: the one given at enrolment (the register
/// id for a till enrolled before ids were namespaced by store).
pub(crate) fn device_id(register: &Register) -> Result<String> {
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    device_id_in(&tx, register)
}

fn device_id_in(tx: &rusqlite::Transaction<'_>, register: &Register) -> Result<String> {
    Ok(db::meta_get(tx, DEVICE_KEY)
        .map_err(till)?
        .unwrap_or_else(|| register.config().register.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> crate::SdkError {
        crate::SdkError::Storage(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    fn skips(e: crate::SdkError) -> Option<&'static str> {
        match Failure::from(e) {
            Failure::Skip(s) => Some(s.reason.code()),
            Failure::Fatal(_) => None,
        }
    }

    #[test]
    fn only_a_failure_of_the_till_file_stops_the_round() {
        use rusqlite::ffi;
        for code in [
            ffi::SQLITE_IOERR,
            ffi::SQLITE_FULL,
            ffi::SQLITE_BUSY,
            ffi::SQLITE_LOCKED,
            ffi::SQLITE_READONLY,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_NOMEM,
            ffi::SQLITE_CANTOPEN,
        ] {
            assert_eq!(skips(sqlite(code)), None, "{code}");
        }
        assert_eq!(
            skips(sqlite(ffi::SQLITE_CONSTRAINT)),
            Some("storage_refused")
        );
        assert_eq!(skips(sqlite(ffi::SQLITE_TOOBIG)), Some("storage_refused"));
        assert_eq!(
            skips(pos_core::CoreError::InvalidCardCode.into()),
            Some("refused")
        );
        assert_eq!(
            skips(crate::SdkError::Corrupt { what: "customer" }),
            Some("refused")
        );
    }
}
