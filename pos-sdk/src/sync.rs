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
mod caps;
mod ledgers;

pub use anchor::{
    HeadEntry, RegisteredKey, ServerAnchor, anchor_with, credentials_in, open_read_only,
    server_anchor,
};
pub use caps::{POINTS, STORED_VALUE, offline_allowance, set_offline_caps};
pub(crate) use caps::{charge_points, charge_sale};

use crate::{Register, SdkError, db, outbox};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::jet::JetCode;
use pos_fiscal::record::StoredRecord;
use pos_sync::client::{ClientState, RoundReport, SyncClient, TillStore, sync_once};
use pos_sync::transport::Transport;
use pos_sync::wire::{Change, ChangeKind, WireEvent};
use pos_sync::{Result, SyncError};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

const STATE_KEY: &str = "sync.state";
const OFFLINE_KEY: &str = "sync.offline_since";

fn till(e: SdkError) -> SyncError {
    SyncError::Till {
        source: Box::new(e),
    }
}

fn sql(e: rusqlite::Error) -> SyncError {
    till(SdkError::from(e))
}

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
        tx.commit().map_err(sql)
    }

    fn apply_changes(&mut self, changes: &[Change]) -> Result<()> {
        let me = self.register.config().register.to_string();
        let program = self.register.loyalty_program().map_err(till)?;
        let mut catalog = None;
        {
            let tx = self
                .register
                .connection()
                .unchecked_transaction()
                .map_err(sql)?;
            for c in changes {
                match c.kind {
                    ChangeKind::Stock if c.origin.as_deref() != Some(me.as_str()) => {
                        let m: pos_core::stock::StockMovement =
                            serde_json::from_value(c.data.clone()).map_err(|_| {
                                SyncError::Invalid {
                                    message: "pulled change",
                                    rule: "stock changes are movements",
                                }
                            })?;
                        let known = tx
                            .query_row(
                                "SELECT 1 FROM stock_movements WHERE id = ?1",
                                [m.id.as_str()],
                                |_| Ok(()),
                            )
                            .optional()
                            .map_err(sql)?
                            .is_some();
                        if !known {
                            crate::register::apply_movement(&tx, &m, None).map_err(till)?;
                        }
                    }
                    ChangeKind::Order => {
                        let state = c.data.get("state").and_then(|s| s.as_str()).unwrap_or("");
                        let pickup = c.data.get("pickup_at").and_then(|s| s.as_str());
                        tx.execute(
                            "INSERT INTO orders(id, state, pickup_at, updated_at, json) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT(id) DO UPDATE SET state = excluded.state, pickup_at = excluded.pickup_at,
                             updated_at = excluded.updated_at, json = excluded.json",
                            params![c.key, state, pickup, self.register.now().to_rfc3339(), c.data.to_string()],
                        )
                        .map_err(sql)?;
                    }
                    ChangeKind::Customer if c.origin.as_deref() != Some(me.as_str()) => {
                        if c.data.get("erased").and_then(|e| e.as_bool()) == Some(true) {
                            let id =
                                pos_core::ids::CustomerId::new(c.key.as_str()).map_err(|_| {
                                    SyncError::Invalid {
                                        message: "pulled change",
                                        rule: "a customer erasure names a customer id",
                                    }
                                })?;
                            crate::register::erase_pulled(&tx, &id, self.register.now())
                                .map_err(till)?;
                        } else if serde_json::from_value::<pos_core::customer::Customer>(
                            c.data.clone(),
                        )
                        .is_ok()
                        {
                            tx.execute(
                                "INSERT INTO customers(id, json, updated_at) VALUES (?1, ?2, ?3)
                                 ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                                 WHERE customers.erased = 0",
                                params![c.key, c.data.to_string(), self.register.now().to_rfc3339()],
                            )
                            .map_err(sql)?;
                        }
                    }
                    ChangeKind::StoredValue if c.origin.as_deref() != Some(me.as_str()) => {
                        ledgers::apply_stored_value(&tx, c, self.register.now()).map_err(till)?;
                    }
                    ChangeKind::Loyalty if c.origin.as_deref() != Some(me.as_str()) => {
                        ledgers::apply_points(&tx, c, self.register.now(), program.as_ref())
                            .map_err(till)?;
                    }
                    ChangeKind::Catalog => {
                        catalog = c.data.get("catalog").map(|v| v.to_string());
                    }
                    _ => {}
                }
            }
            tx.commit().map_err(sql)?;
        }
        if let Some(json) = catalog {
            self.register.import_catalog_json(&json).map_err(till)?;
        }
        Ok(())
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
}

/// Pending count, oldest pending event, last success, offline state.
pub fn status(register: &mut Register) -> Result<SyncStatus> {
    let state = TillSync::new(register).load_state()?;
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    let (pending, oldest_pending) = outbox::status(&tx).map_err(till)?;
    let offline_since = db::meta_get(&tx, OFFLINE_KEY)
        .map_err(till)?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc));
    Ok(SyncStatus {
        pending,
        oldest_pending,
        last_success: state.last_success,
        offline_since,
    })
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

/// One sync round for a register. A transport failure starts an offline
/// period (JET 70) if none is open; the first success ends it (JET 120),
/// so the journal brackets every offline period.
pub fn sync_register(
    register: &mut Register,
    client: &SyncClient,
    transport: &mut dyn Transport,
) -> Result<RoundReport> {
    let offline = status(register)?.offline_since.is_some();
    let now = || Utc::now();
    let clock_now = register.now();
    let result = {
        let mut store = TillSync::new(register);
        sync_once(client, &mut store, transport, &now)
    };
    match &result {
        Err(SyncError::Transport { .. }) if !offline => {
            record_jet(register, JetCode::OfflineStart, clock_now)?;
        }
        Ok(_) if offline => {
            record_jet(register, JetCode::OfflineEnd, clock_now)?;
            // Push the JET 120 record right away (best effort).
            let mut store = TillSync::new(register);
            let _ = sync_once(client, &mut store, transport, &now);
        }
        _ => {}
    }
    result
}

const SECRET_KEY: &str = "sync.secret";

/// Enrols this till with the server (operator's `token`) and keeps the
/// returned secret in the till file. `replaces` names a lost or broken
/// till this one takes over from: the change of terminal is then logged in
/// this till's journal, JET 127 (terminal removed: the old one) then JET 126
/// (terminal added: this one), in the same transaction as the secret, and
/// reaches the server with the next push.
pub fn enroll(
    register: &mut Register,
    transport: &mut dyn Transport,
    token: &str,
    replaces: Option<&str>,
) -> Result<pos_sync::wire::EnrollResponse> {
    let config = register.config();
    let body = pos_sync::wire::encode(&pos_sync::wire::EnrollRequest {
        device: config.register.to_string(),
        store: config.store.to_string(),
        location: config.location.to_string(),
        public_key: hex::encode(register.signer().public_key_sec1()),
        replaces: replaces.map(str::to_owned),
    })?;
    let req = pos_sync::transport::HttpRequest {
        method: "POST",
        path: pos_sync::wire::paths::ENROLL.into(),
        headers: vec![
            (pos_sync::auth::HEADER_ENROLMENT.into(), token.into()),
            ("content-type".into(), "application/json".into()),
        ],
        body,
    };
    let resp = transport.send(&req)?;
    if resp.status != 200 {
        return Err(pos_sync::client::server_error(&resp));
    }
    let enrolled = pos_sync::wire::decode_enroll_response(&resp.body)?;
    let stamp = crate::register::stamp(register.config(), register.now()).map_err(till)?;
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    db::meta_set(&tx, SECRET_KEY, &enrolled.secret).map_err(till)?;
    if let Some(old) = replaces {
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
        device: register.config().register.to_string(),
        secret,
    }))
}
