//! A test till: a real fiscal journal (pos-fiscal over in-memory SQLite) and
//! an outbox of events made directly (a sale through the facade costs one
//! fsync; the events have the facade's payload shape).

use chrono::{DateTime, Duration, Utc};
use pos_fiscal::model::Stamp;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::ticket::{
    LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
};
use pos_fiscal::{Series, Signer, SoftwareSigner};
use pos_sync::client::{ClientState, Credentials, SyncClient, TillStore};
use pos_sync::wire::{Change, ChangeKind, EnrollRequest, WireEvent};
use pos_sync::{Result, SyncError};
use rusqlite::Connection;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

pub struct TestTill {
    /// Its register id.
    pub device: String,
    /// The server's id of it (`{store}/{register}`).
    pub server_id: String,
    pub store: String,
    pub location: String,
    pub signer: SoftwareSigner,
    pub journal: Connection,
    pub outbox: Vec<WireEvent>,
    pub acked: u64,
    pub state: ClientState,
    pub secret: Vec<u8>,
    /// Stock movements seen (own and pulled), by id.
    pub stock: BTreeMap<String, (String, String, Decimal)>,
    pub orders: BTreeMap<String, String>,
    pub catalog_version: u64,
    pub clock: DateTime<Utc>,
    n: u64,
}

pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_261_600, 0).unwrap()
}

fn stamp(at: DateTime<Utc>) -> Stamp {
    Stamp::new(at, 60).unwrap()
}

fn uuid(device_no: u64, n: u64) -> String {
    uuid::Uuid::from_u128((u128::from(device_no) << 64) | u128::from(n)).to_string()
}

impl TestTill {
    pub fn new(device: &str, store: &str, location: &str, key_seed: u8) -> TestTill {
        let signer = SoftwareSigner::from_secret(&[key_seed.max(1); 32]).unwrap();
        let journal = Connection::open_in_memory().unwrap();
        pos_fiscal::store::migrate(&journal).unwrap();
        pos_fiscal::store::init(&journal, &signer, device, stamp(t0())).unwrap();
        TestTill {
            device: device.into(),
            server_id: format!("{store}/{device}"),
            store: store.into(),
            location: location.into(),
            signer,
            journal,
            outbox: Vec::new(),
            acked: 0,
            state: ClientState::default(),
            secret: Vec::new(),
            stock: BTreeMap::new(),
            orders: BTreeMap::new(),
            catalog_version: 0,
            clock: t0(),
            n: 0,
        }
    }

    pub fn enroll_request(&self, replaces: Option<&str>) -> Vec<u8> {
        serde_json::to_vec(&EnrollRequest {
            device: self.device.clone(),
            store: self.store.clone(),
            location: self.location.clone(),
            public_key: hex::encode(self.signer.public_key_sec1()),
            replaces: replaces.map(Into::into),
        })
        .unwrap()
    }

    pub fn client(&self) -> SyncClient {
        let mut c = SyncClient::new(Credentials {
            device: self.server_id.clone(),
            secret: self.secret.clone(),
        });
        c.batch = 200;
        c.fiscal_batch = 150;
        c
    }

    fn next_id(&mut self) -> String {
        self.n += 1;
        let dev_no: u64 = self
            .device
            .bytes()
            .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
        uuid(dev_no, self.n)
    }

    fn push_event(&mut self, kind: &str, payload: serde_json::Value) {
        let event_id = self.next_id();
        self.outbox.push(WireEvent {
            seq: self.outbox.len() as u64 + 1,
            event_id,
            kind: kind.into(),
            created_at: self.clock,
            hlc: Default::default(),
            payload,
        });
    }

    /// Records a JET event (e.g. offline start / end).
    pub fn jet(&mut self, code: pos_fiscal::jet::JetCode) {
        pos_fiscal::store::record_event(
            &self.journal,
            &self.signer,
            stamp(self.clock),
            code,
            "alice",
            BTreeMap::new(),
        )
        .unwrap();
    }

    /// One sale of `qty` units of `sku` at 10.00 (20 % VAT): a fiscal T
    /// record, a stock movement, loyalty points and optionally a gift-card
    /// tender of `gift` euros.
    pub fn sell(&mut self, sku: &str, qty: i64, customer: Option<&str>, gift: Option<(&str, i64)>) {
        self.clock += Duration::seconds(7);
        let total = 1000 * qty;
        let net = (total * 1000 + 600) / 1200;
        let input = TicketInput {
            establishment: self.store.clone(),
            operator: "alice".into(),
            mode: TicketMode::Ticket,
            operation: Operation::Sale,
            original: None,
            original_register: None,
            currency: "EUR".into(),
            lines: vec![LineInput {
                label: sku.into(),
                qty_milli: qty * 1000,
                unit_price: 1000,
                discount: 0,
                amount: total,
                vat_bps: 2000,
            }],
            vat: BTreeMap::from([(
                2000,
                VatAmounts {
                    net,
                    vat: total - net,
                    gross: total,
                },
            )]),
            total,
            payments: vec![PaymentInput {
                method: PaymentMethod::Card,
                amount: total,
            }],
            change: 0,
            customer: customer.map(Into::into),
        };
        let rec = pos_fiscal::store::record_ticket(
            &self.journal,
            &self.signer,
            stamp(self.clock),
            &input,
        )
        .unwrap();
        let mid = self.next_id();
        let movement = serde_json::json!({
            "id": mid, "reason": "sale", "sku": sku, "location": self.location,
            "quantity": (-qty).to_string(), "operator": "alice", "at": self.clock, "reference": null,
        });
        self.stock.insert(
            mid,
            (sku.into(), self.location.clone(), Decimal::from(-qty)),
        );
        let mut payments = Vec::new();
        if let Some((card, euros)) = gift {
            payments.push(serde_json::json!({
                "method": {"method": "gift_card", "reference": card},
                "tendered": {"amount": format!("{euros}.00"), "currency": "EUR"},
                "applied": {"amount": format!("{euros}.00"), "currency": "EUR"},
                "forfeited": {"amount": "0.00", "currency": "EUR"},
            }));
        }
        let payload = serde_json::json!({
            "ticket": {"id": self.n.to_string(), "store": self.store, "customer": customer, "payments": payments},
            "fiscal": {"series": "T", "number": rec.doc.number, "hash": rec.hash},
            "stock_movements": [movement],
            "loyalty_points": if customer.is_some() { qty * 10 } else { 0 },
        });
        self.push_event("sale", payload);
    }

    /// One exchange on this till: `back` units of `sku` from sale number
    /// `original` given back and `new` units of `new_sku` sold, at 10.00
    /// each (20 % VAT), the balance settled by card: one fiscal record of
    /// kind `exchange`, both stock movements, one `exchange` event.
    #[allow(dead_code)]
    pub fn exchange(&mut self, original: u64, sku: &str, back: i64, new_sku: &str, new: i64) {
        self.clock += Duration::seconds(7);
        let returned = -1000 * back;
        let sold = 1000 * new;
        let total = returned + sold;
        let line = |label: &str, qty: i64, amount: i64| LineInput {
            label: label.into(),
            qty_milli: qty * 1000,
            unit_price: 1000,
            discount: 0,
            amount,
            vat_bps: 2000,
        };
        // Net of the rate's gross, rounded half away from zero.
        let net = (total * 1000 + total.signum() * 600) / 1200;
        let input = TicketInput {
            establishment: self.store.clone(),
            operator: "alice".into(),
            mode: TicketMode::Ticket,
            operation: Operation::Exchange,
            original: Some(pos_fiscal::model::DocRef {
                series: Series::T,
                number: original,
            }),
            original_register: None,
            currency: "EUR".into(),
            lines: vec![line(sku, -back, returned), line(new_sku, new, sold)],
            vat: BTreeMap::from([(
                2000,
                VatAmounts {
                    net,
                    vat: total - net,
                    gross: total,
                },
            )]),
            total,
            payments: vec![PaymentInput {
                method: PaymentMethod::Card,
                amount: total,
            }],
            change: 0,
            customer: None,
        };
        let rec = pos_fiscal::store::record_ticket(
            &self.journal,
            &self.signer,
            stamp(self.clock),
            &input,
        )
        .unwrap();
        let mut movements = Vec::new();
        for (s, q) in [(sku, back), (new_sku, -new)] {
            let mid = self.next_id();
            movements.push(serde_json::json!({
                "id": mid, "reason": if q > 0 { "return" } else { "sale" }, "sku": s,
                "location": self.location, "quantity": q.to_string(), "operator": "alice",
                "at": self.clock, "reference": null,
            }));
            self.stock
                .insert(mid, (s.into(), self.location.clone(), Decimal::from(q)));
        }
        let payload = serde_json::json!({
            "ticket": {"id": self.n.to_string(), "store": self.store, "customer": null, "payments": []},
            "fiscal": {"series": "T", "number": rec.doc.number, "hash": rec.hash},
            "stock_movements": movements,
            "loyalty_points": 0,
        });
        self.push_event("exchange", payload);
    }

    pub fn records(&self) -> Vec<StoredRecord> {
        pos_fiscal::store::rows::load_records(&self.journal).unwrap()
    }

    pub fn outbox_pending(&self) -> usize {
        self.outbox.len() - self.acked as usize
    }
}

impl TillStore for TestTill {
    fn pending_events(&mut self, limit: u32) -> Result<Vec<WireEvent>> {
        Ok(self
            .outbox
            .iter()
            .skip(self.acked as usize)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    fn fiscal_after(
        &mut self,
        heads: &BTreeMap<Series, u64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        Ok(self
            .records()
            .into_iter()
            .filter(|r| r.number > heads.get(&r.series).copied().unwrap_or(0))
            .take(limit)
            .collect())
    }

    fn ack_through(&mut self, seq: u64) -> Result<()> {
        if seq > self.outbox.len() as u64 {
            return Err(SyncError::Invalid {
                message: "ack",
                rule: "ack within the outbox",
            });
        }
        self.acked = self.acked.max(seq);
        Ok(())
    }

    fn apply_changes(&mut self, changes: &[Change]) -> Result<()> {
        for c in changes {
            match c.kind {
                ChangeKind::Stock => {
                    let sku = c.data["sku"].as_str().unwrap().to_owned();
                    let loc = c.data["location"].as_str().unwrap().to_owned();
                    let q: Decimal = c.data["quantity"].as_str().unwrap().parse().unwrap();
                    self.stock.entry(c.key.clone()).or_insert((sku, loc, q));
                }
                ChangeKind::Order => {
                    self.orders.insert(
                        c.key.clone(),
                        c.data["state"].as_str().unwrap_or("").to_owned(),
                    );
                }
                ChangeKind::Catalog => {
                    self.catalog_version = self
                        .catalog_version
                        .max(c.data["version"].as_u64().unwrap());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn load_state(&mut self) -> Result<ClientState> {
        Ok(self.state.clone())
    }

    fn save_state(&mut self, state: &ClientState) -> Result<()> {
        self.state = state.clone();
        Ok(())
    }
}

impl TestTill {
    /// Stock as this till sees it, per (sku, location).
    pub fn stock_view(&self) -> BTreeMap<(String, String), Decimal> {
        let mut out: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for (sku, loc, q) in self.stock.values() {
            *out.entry((sku.clone(), loc.clone())).or_default() += q;
        }
        out
    }

    pub fn seen_movements(&self) -> BTreeSet<String> {
        self.stock.keys().cloned().collect()
    }
}

/// A till clock that advances 1 ms at each reading (real clocks move; two
/// identical requests signed in the same millisecond are one request).
pub fn ticking() -> impl Fn() -> DateTime<Utc> {
    let ms = std::sync::atomic::AtomicI64::new(t0().timestamp_millis());
    move || {
        DateTime::from_timestamp_millis(ms.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            .unwrap()
    }
}
