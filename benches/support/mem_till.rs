//! The in-memory till of the sync benches: a day of signed apple sales
//! (events and fiscal records), revealed to the sync client as the till
//! "makes" them, and its enrolment as device `S1/B1`. Included with
//! `#[path]` by `sync_push` and `live_feed`, next to `apple.rs` (as
//! `crate::apple`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use chrono::{DateTime, Duration, Utc};
use pos_fiscal::model::Stamp;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::{Series, Signer, SoftwareSigner};
use pos_server::{Server, Storage};
use pos_sync::client::{ClientState, Credentials, SyncClient, TillStore};
use pos_sync::wire::{Change, EnrollRequest, WireEvent};
use std::collections::BTreeMap;

/// The till's shared secret once enrolled.
const SECRET: &[u8] = b"bench-secret";

/// A till whose journal is made in advance; it reveals its sales one at
/// a time (`made`).
pub struct MemTill {
    pub events: Vec<WireEvent>,
    pub records: Vec<StoredRecord>,
    /// Sales the till has made so far (the first `made` of `events`).
    pub made: usize,
    pub acked: usize,
    pub state: ClientState,
}

impl MemTill {
    /// A till that has made the first `made` sales of `data`.
    pub fn new(data: &(Vec<WireEvent>, Vec<StoredRecord>), made: usize) -> MemTill {
        MemTill {
            events: data.0.clone(),
            records: data.1.clone(),
            made,
            acked: 0,
            state: ClientState::default(),
        }
    }
}

impl TillStore for MemTill {
    fn pending_events(&mut self, limit: u32) -> pos_sync::Result<Vec<WireEvent>> {
        Ok(self.events[self.acked..self.made]
            .iter()
            .take(limit as usize)
            .cloned()
            .collect())
    }
    fn fiscal_after(
        &mut self,
        heads: &BTreeMap<Series, u64>,
        limit: usize,
    ) -> pos_sync::Result<Vec<StoredRecord>> {
        let made = self.made as u64;
        let made_yet = |r: &&StoredRecord| r.series != Series::T || r.number <= made;
        let unsent = |r: &&StoredRecord| r.number > heads.get(&r.series).copied().unwrap_or(0);
        Ok(self
            .records
            .iter()
            .filter(made_yet)
            .filter(unsent)
            .take(limit)
            .cloned()
            .collect())
    }
    fn ack_through(&mut self, seq: u64) -> pos_sync::Result<()> {
        self.acked = self.acked.max(seq as usize);
        Ok(())
    }
    fn apply_changes(&mut self, _: &[Change]) -> pos_sync::Result<()> {
        Ok(())
    }
    fn load_state(&mut self) -> pos_sync::Result<ClientState> {
        Ok(self.state.clone())
    }
    fn save_state(&mut self, s: &ClientState) -> pos_sync::Result<()> {
        self.state = s.clone();
        Ok(())
    }
}

/// `count` apple sales of 2026-01-01 (from 11:00 Paris time, one per
/// second) signed by till `B1` of store `S1`, with their fiscal records.
/// The sales are to `customer` and earn `loyalty_points` when given.
pub fn signed_sales(
    signer: &SoftwareSigner,
    count: u64,
    customer: Option<&str>,
    loyalty_points: Option<u64>,
) -> (Vec<WireEvent>, Vec<StoredRecord>) {
    let t0 = DateTime::<Utc>::from_timestamp(1_767_261_600, 0).unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    pos_fiscal::store::migrate(&conn).unwrap();
    pos_fiscal::store::init(&conn, signer, "B1", Stamp::new(t0, 60).unwrap()).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    let mut events = Vec::new();
    for n in 1..=count {
        let at = t0 + Duration::seconds(n as i64);
        let rec = pos_fiscal::store::record_ticket(
            &tx,
            signer,
            Stamp::new(at, 60).unwrap(),
            &crate::apple::apple_ticket(),
        )
        .unwrap();
        let mid = uuid::Uuid::from_u128((1u128 << 64) | u128::from(n)).to_string();
        let mut payload = serde_json::json!({
            "ticket": {"store": "S1", "customer": customer, "payments": []},
            "fiscal": {"series": "T", "number": rec.doc.number, "hash": rec.hash},
            "stock_movements": [{"id": mid, "reason": "sale", "sku": "APPLE", "location": "L1",
                "quantity": "-1", "operator": "alice", "at": at, "reference": null}],
        });
        if let Some(points) = loyalty_points {
            payload["loyalty_points"] = points.into();
        }
        events.push(WireEvent {
            seq: n,
            event_id: uuid::Uuid::from_u128(u128::from(n)).to_string(),
            kind: "sale".into(),
            created_at: at,
            hlc: Default::default(),
            payload,
        });
    }
    tx.commit().unwrap();
    (
        events,
        pos_fiscal::store::rows::load_records(&conn).unwrap(),
    )
}

/// The signer's public key, SEC1 in hex (as an enrolment sends it).
pub fn public_key_hex(signer: &SoftwareSigner) -> String {
    signer
        .public_key_sec1()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Enrols till `B1` at location `L1` of store `S1` of retailer `R1`
/// (both already on the server).
pub fn enroll<S: Storage>(server: &Server<S>, public_key: &str) {
    let (code, _) = server
        .enrolment_code("R1", "S1", None, 3_600_000, Utc::now())
        .unwrap();
    let body = serde_json::to_vec(&EnrollRequest {
        device: "B1".into(),
        store: "S1".into(),
        location: "L1".into(),
        public_key: public_key.to_owned(),
        replaces: None,
    })
    .unwrap();
    server
        .enroll_device(&code.secret, &body, SECRET.to_vec(), Utc::now())
        .unwrap();
}

/// The sync client of the enrolled till.
pub fn client() -> SyncClient {
    SyncClient::new(Credentials {
        device: "S1/B1".into(),
        secret: SECRET.to_vec(),
    })
}
