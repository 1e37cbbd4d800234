//! Push of 10,000 offline sales (events plus their fiscal records) from one
//! till to the reference server on loopback HTTP, SQLite storage in a file.
//! Each iteration starts a fresh server; the till's journal is made once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

#[path = "support/apple.rs"]
mod apple;

use chrono::{DateTime, Duration, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pos_fiscal::model::Stamp;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::{Series, Signer, SoftwareSigner};
use pos_server::{Server, SqliteStorage};
use pos_sync::client::{ClientState, Credentials, SyncClient, TillStore, sync_once};
use pos_sync::wire::{Change, EnrollRequest, WireEvent};
use std::collections::BTreeMap;

const SALES: u64 = 10_000;

struct MemTill {
    events: Vec<WireEvent>,
    records: Vec<StoredRecord>,
    acked: usize,
    state: ClientState,
}

impl TillStore for MemTill {
    fn pending_events(&mut self, limit: u32) -> pos_sync::Result<Vec<WireEvent>> {
        Ok(self
            .events
            .iter()
            .skip(self.acked)
            .take(limit as usize)
            .cloned()
            .collect())
    }
    fn fiscal_after(
        &mut self,
        heads: &BTreeMap<Series, u64>,
        limit: usize,
    ) -> pos_sync::Result<Vec<StoredRecord>> {
        Ok(self
            .records
            .iter()
            .filter(|r| r.number > heads.get(&r.series).copied().unwrap_or(0))
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

fn offline_day(signer: &SoftwareSigner) -> (Vec<WireEvent>, Vec<StoredRecord>) {
    let t0 = DateTime::<Utc>::from_timestamp(1_767_261_600, 0).unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    pos_fiscal::store::migrate(&conn).unwrap();
    pos_fiscal::store::init(&conn, signer, "B1", Stamp::new(t0, 60).unwrap()).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    let mut events = Vec::new();
    for n in 1..=SALES {
        let at = t0 + Duration::seconds(n as i64);
        let input = apple::apple_ticket();
        let rec =
            pos_fiscal::store::record_ticket(&tx, signer, Stamp::new(at, 60).unwrap(), &input)
                .unwrap();
        let id = uuid::Uuid::from_u128(u128::from(n)).to_string();
        let mid = uuid::Uuid::from_u128((1u128 << 64) | u128::from(n)).to_string();
        events.push(WireEvent {
            seq: n,
            event_id: id,
            kind: "sale".into(),
            created_at: at,
            hlc: Default::default(),
            payload: serde_json::json!({
                "ticket": {"store": "S1", "customer": "c1", "payments": []},
                "fiscal": {"series": "T", "number": rec.doc.number, "hash": rec.hash},
                "stock_movements": [{"id": mid, "reason": "sale", "sku": "APPLE", "location": "L1",
                    "quantity": "-1", "operator": "alice", "at": at, "reference": null}],
                "loyalty_points": 10,
            }),
        });
    }
    tx.commit().unwrap();
    (
        events,
        pos_fiscal::store::rows::load_records(&conn).unwrap(),
    )
}

fn bench(c: &mut Criterion) {
    let signer = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    let (events, records) = offline_day(&signer);
    let public_key: String = signer
        .public_key_sec1()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut g = c.benchmark_group("sync");
    g.sample_size(10);
    g.bench_function("push_10000_offline_sales_sqlite_loopback", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let server =
                    Server::new(SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap());
                server
                    .with_tx(|tx| {
                        tx.bo_put_retailer("R1", "Retailer One", "123456789")?;
                        tx.bo_put_store("S1", "R1")?;
                        Ok(())
                    })
                    .unwrap();
                let (code, _) = server
                    .enrolment_code("R1", "S1", None, 3_600_000, Utc::now())
                    .unwrap();
                let body = serde_json::to_vec(&EnrollRequest {
                    device: "B1".into(),
                    store: "S1".into(),
                    location: "L1".into(),
                    public_key: public_key.clone(),
                    replaces: None,
                })
                .unwrap();
                server
                    .enroll_device(&code.secret, &body, b"bench-secret".to_vec(), Utc::now())
                    .unwrap();
                let running = pos_server::spawn_in_process(server).unwrap();
                let till = MemTill {
                    events: events.clone(),
                    records: records.clone(),
                    acked: 0,
                    state: ClientState::default(),
                };
                (dir, running, till)
            },
            |(_dir, running, mut till)| {
                let client = SyncClient::new(Credentials {
                    device: "S1/B1".into(),
                    secret: b"bench-secret".to_vec(),
                });
                let mut http = pos_sync::http_client::UreqTransport::new(running.url());
                let r = sync_once(&client, &mut till, &mut http, &Utc::now).unwrap();
                assert_eq!(r.acked_seq, SALES);
                drop(running);
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
