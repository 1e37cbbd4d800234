//! The till side of sync end to end: real `Register` files sell, lose the
//! network, sell offline and sync through a real sync server (in process,
//! HTTP on loopback, over a SQLite server file): every sale arrives exactly
//! once, each till sees the other's stock, offline periods are bracketed by
//! JET 70 / 120 in the journals the server holds, the status figures say
//! what is pending, and a replacement till logs the change of terminal
//! (JET 127 / 126).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::Series;
use pos_fiscal::jet::JetCode;
use pos_fiscal::payload::JetPayload;
use pos_fiscal::record::StoredRecord;
use pos_sdk::{Clock, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::{InProcess, Server, SqliteStorage};
use pos_sync::client::SyncClient;
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

#[path = "support/server.rs"]
mod support_server;
use support_server::{code, server};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn baguette() -> Sku {
    Sku::new("BAG-TRAD").unwrap()
}

struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
    client: Option<SyncClient>,
}

fn till(dir: &std::path::Path, name: &str, seed: u64) -> Till {
    let clock = Arc::new(ManualClock::new(at("2026-09-01T08:00:00Z")));
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new(name).unwrap(),
        shop(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.join(format!("{name}.sqlite")),
        config,
        clock.clone(),
        IdGenerator::seeded(seed),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    Till {
        reg,
        clock,
        client: None,
    }
}

impl Till {
    /// Enrols with a fresh code the retailer issued for lille-1 (naming
    /// the replaced till, if any).
    fn enroll(
        &mut self,
        server: &Server<SqliteStorage>,
        url: &str,
        replaces: Option<&str>,
    ) -> pos_sync::wire::EnrollResponse {
        let code = code(server, replaces);
        let mut http = UreqTransport::new(url);
        let r = pos_sdk::sync::enroll(&mut self.reg, &mut http, &code, replaces).unwrap();
        self.client = pos_sdk::sync::client(&mut self.reg).unwrap();
        r
    }

    /// One baguette (1.30) paid cash.
    fn sell(&mut self) {
        self.clock.advance_millis(60_000);
        let ctx = self.reg.price_context(None);
        let mut cart = self.reg.new_cart();
        self.reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
        let mut payment = cart
            .start_payment(self.reg.config().tender_policy, Money::zero(Currency::EUR))
            .unwrap();
        payment
            .add(Tender::new(
                TenderMethod::Cash,
                Money::new(Decimal::from_str("1.30").unwrap(), Currency::EUR),
            ))
            .unwrap();
        self.reg
            .complete_sale(
                cart,
                payment,
                &SaleOptions::by(OperatorId::new("alice").unwrap()),
            )
            .unwrap();
    }

    fn sync(&mut self, url: &str) -> pos_sync::Result<pos_sync::client::RoundReport> {
        let mut http = UreqTransport::new(url);
        let client = self.client.clone().unwrap();
        pos_sdk::sync::sync_register(&mut self.reg, &client, &mut http)
    }

    fn baguettes(&self) -> Decimal {
        self.reg.stock_level(&baguette(), &shop()).unwrap().on_hand
    }

    fn records(&self) -> Vec<StoredRecord> {
        pos_fiscal::store::rows::load_records(self.reg.connection()).unwrap()
    }
}

/// The JET (series E) records' codes and details, in journal order.
fn jets(records: &[StoredRecord]) -> Vec<(u32, std::collections::BTreeMap<String, String>)> {
    records
        .iter()
        .filter(|r| r.series == Series::E)
        .map(|r| {
            let p: JetPayload =
                pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "jet").unwrap();
            (p.code, p.detail)
        })
        .collect()
}

fn count(records: &[StoredRecord], code: JetCode) -> usize {
    jets(records)
        .iter()
        .filter(|(c, _)| *c == code.code())
        .count()
}

/// A fresh enrolment code for a till of lille-1 (retailer r1).
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A server and one enrolled till whose offline caps are 30.00 of stored
/// value per card and `points` per customer.
fn capped_till(dir: &std::path::Path, points: i64) -> (Server<SqliteStorage>, InProcess, Till) {
    let (server, running) = server(dir);
    let mut a = till(dir, "till-a", 1);
    a.enroll(&server, running.url(), None);
    pos_sdk::sync::set_offline_caps(
        &mut a.reg,
        &pos_sync::merge::OfflineCaps {
            stored_value: Decimal::from(30),
            points,
        },
    )
    .unwrap();
    (server, running, a)
}

/// A port nothing listens on: the network is down.
const DOWN: &str = "http://127.0.0.1:9";

#[test]
fn two_tills_sell_offline_and_every_sale_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    let mut a = till(dir.path(), "till-a", 1);
    let mut b = till(dir.path(), "till-b", 2);
    a.enroll(&server, &url, None);
    b.enroll(&server, &url, None);

    // Online: 3 + 2 sales, synced.
    for _ in 0..3 {
        a.sell();
    }
    for _ in 0..2 {
        b.sell();
    }
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    assert_eq!(pos_sdk::sync::status(&mut a.reg).unwrap().pending, 0);

    // The network goes down: the failed round opens an offline period.
    let down_at = a.clock.now();
    assert!(matches!(
        a.sync(DOWN),
        Err(pos_sync::SyncError::Transport { .. })
    ));
    assert!(b.sync(DOWN).is_err());
    for _ in 0..4 {
        a.sell();
    }
    for _ in 0..3 {
        b.sell();
    }
    // A second failure does not open a second period.
    assert!(a.sync(DOWN).is_err());
    let st = pos_sdk::sync::status(&mut a.reg).unwrap();
    assert_eq!(st.offline_since, Some(down_at));
    assert!(st.pending >= 4, "the 4 offline sales wait: {st:?}");
    let first_offline_sale = down_at + chrono::Duration::seconds(60);
    assert_eq!(st.oldest_pending, Some(first_offline_sale));
    assert!(st.last_success.is_some());
    assert_eq!(count(&a.records(), JetCode::OfflineStart), 1);
    assert_eq!(count(&a.records(), JetCode::OfflineEnd), 0);

    // The network is back: both tills push, and a retry pushes nothing new.
    let ra = a.sync(&url).unwrap();
    let rb = b.sync(&url).unwrap();
    let again = a.sync(&url).unwrap();
    assert_eq!(again.acked_seq, ra.acked_seq);
    a.sync(&url).unwrap(); // pulls b's offline sales
    for t in [&mut a, &mut b] {
        let st = pos_sdk::sync::status(&mut t.reg).unwrap();
        assert_eq!((st.pending, st.offline_since), (0, None), "{st:?}");
        assert!(pos_sdk::sync::is_synced(&mut t.reg, 1).unwrap());
    }
    assert!(rb.acked_seq > 0);

    // Exactly once: the server holds each outbox event once, and the
    // baguette stock is minus the 12 sales on the server and on both tills.
    for (t, name) in [(&a, "till-a"), (&b, "till-b")] {
        let local: u64 = t
            .reg
            .connection()
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))
            .unwrap() as u64;
        assert_eq!(
            server
                .with_tx(|tx| tx.event_count(&format!("lille-1/{name}")))
                .unwrap(),
            local,
            "{name}"
        );
        let status = server.device_status(&format!("lille-1/{name}")).unwrap();
        assert_eq!(status.acked_seq, local);
        assert_eq!(status.quarantined, 0);
    }
    let (levels, sums) = server.stock_audit("lille-1").unwrap();
    let key = ("BAG-TRAD".to_string(), "shop".to_string());
    assert_eq!(sums[&key], Decimal::from(-12));
    assert_eq!(levels[&key].0, sums[&key]);
    assert_eq!(a.baguettes(), Decimal::from(-12));
    assert_eq!(b.baguettes(), Decimal::from(-12));

    // The journals on the server: complete, verified, with the offline
    // period bracketed by JET 70 then 120.
    for (t, name) in [(&a, "till-a"), (&b, "till-b")] {
        let on_server = server
            .with_tx(|tx| tx.fiscal_records(&format!("lille-1/{name}")))
            .unwrap();
        assert_eq!(
            on_server,
            t.records(),
            "{name}: every record, once, in order"
        );
        let codes: Vec<u32> = jets(&on_server).into_iter().map(|(c, _)| c).collect();
        let start = codes.iter().position(|c| *c == 70).unwrap();
        let end = codes.iter().position(|c| *c == 120).unwrap();
        assert!(start < end, "{name}: {codes:?}");
        assert_eq!(count(&on_server, JetCode::OfflineStart), 1);
        assert_eq!(count(&on_server, JetCode::OfflineEnd), 1);
        let device = server
            .with_tx(|tx| tx.device(&format!("lille-1/{name}")))
            .unwrap()
            .unwrap();
        let key = pos_fiscal::PublicKey::from_sec1(&unhex(&device.public_key)).unwrap();
        let report = pos_fiscal::verify::verify_records(
            &on_server,
            &pos_fiscal::verify::VerifyContext {
                source: "server".into(),
                keys: vec![key],
                anchors: Default::default(),
                head: None,
                known_head: None,
            },
        );
        assert!(report.defects.is_empty(), "{name}: {:?}", report.defects);
    }
}

#[test]
fn a_replacement_till_logs_the_change_of_terminal_and_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    let mut old = till(dir.path(), "till-a", 1);
    old.enroll(&server, &url, None);
    for _ in 0..2 {
        old.sell();
    }
    old.sync(&url).unwrap();
    // A plain enrolment logs no change of terminal.
    assert_eq!(count(&old.records(), JetCode::TerminalAdded), 0);

    // till-a breaks; till-c replaces it.
    let mut new = till(dir.path(), "till-c", 3);
    let used = code(&server, Some("lille-1/till-a"));
    let enrolled = pos_sdk::sync::enroll(
        &mut new.reg,
        &mut UreqTransport::new(&url),
        &used,
        Some("lille-1/till-a"),
    )
    .unwrap();
    new.client = pos_sdk::sync::client(&mut new.reg).unwrap();
    assert_eq!(enrolled.device, "lille-1/till-c");
    assert_eq!(enrolled.replaced.unwrap().acked_seq, 2);
    let jet = jets(&new.records());
    let n = jet.len();
    assert!(n >= 3, "genesis, start-up, then the change: {jet:?}");
    assert_eq!(jet[n - 2].0, JetCode::TerminalRemoved.code());
    assert_eq!(jet[n - 2].1["terminal"], "till-a");
    assert_eq!(jet[n - 2].1["replaced_by"], "till-c");
    assert_eq!(jet[n - 1].0, JetCode::TerminalAdded.code());
    assert_eq!(jet[n - 1].1["terminal"], "till-c");
    assert_eq!(jet[n - 1].1["replaces"], "till-a");

    // The new till pulls what the old one sold and pushes its journal with
    // the change of terminal; the old one is refused from now on.
    new.sync(&url).unwrap();
    assert_eq!(new.baguettes(), Decimal::from(-2));
    let on_server = server
        .with_tx(|tx| tx.fiscal_records("lille-1/till-c"))
        .unwrap();
    assert_eq!(count(&on_server, JetCode::TerminalRemoved), 1);
    assert_eq!(count(&on_server, JetCode::TerminalAdded), 1);
    assert!(matches!(
        old.sync(&url),
        Err(pos_sync::SyncError::Server { status: 401, .. })
    ));
    // The code is spent: enrolling again with it is refused and logs
    // nothing more; so is a fresh code for the retired till.
    let mut http = UreqTransport::new(&url);
    let spent = pos_sdk::sync::enroll(&mut new.reg, &mut http, &used, Some("lille-1/till-a"));
    assert!(matches!(
        spent,
        Err(pos_sync::SyncError::Server { status: 401, .. })
    ));
    assert!(
        server
            .enrolment_code(
                "r1",
                "lille-1",
                Some("lille-1/till-a"),
                60_000,
                chrono::Utc::now()
            )
            .is_err()
    );
    assert_eq!(count(&new.records(), JetCode::TerminalAdded), 1);
}

fn money(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

impl Till {
    /// One kilo of Comté (24.90): `card` euros on the gift card, the rest cash.
    fn sell_on_card(&mut self, card: &str) -> Result<(), pos_sdk::SdkError> {
        self.clock.advance_millis(60_000);
        let ctx = self.reg.price_context(None);
        let mut cart = self.reg.new_cart();
        self.reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let mut payment = cart
            .start_payment(self.reg.config().tender_policy, Money::zero(Currency::EUR))
            .unwrap();
        payment
            .add(Tender::new(
                TenderMethod::GiftCard {
                    reference: "GIFT00007731".into(),
                },
                money(card),
            ))
            .unwrap();
        let rest = payment.remaining().unwrap();
        if !rest.is_zero() {
            payment.add(Tender::new(TenderMethod::Cash, rest)).unwrap();
        }
        self.reg
            .complete_sale(
                cart,
                payment,
                &SaleOptions::by(OperatorId::new("alice").unwrap()),
            )
            .map(|_| ())
            .map_err(|refused| refused.error)
    }

    fn card_balance(&self) -> Money {
        self.reg.stored_value("GIFT00007731").unwrap().balance()
    }

    fn allowance(&mut self) -> Option<Decimal> {
        pos_sdk::sync::offline_allowance(&mut self.reg, "GIFT00007731").unwrap()
    }
}

#[test]
fn offline_gift_card_spending_is_capped_per_till_and_a_refusal_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running, mut a) = capped_till(dir.path(), 500);
    let url = running.url().to_owned();
    a.reg
        .issue_stored_value(
            "GIFT00007731",
            pos_core::stored_value::StoredValueKind::GiftCard,
            money("100.00"),
            None,
        )
        .unwrap();
    // Online: no cap.
    assert_eq!(a.allowance(), None);
    a.sell_on_card("20.00").unwrap();
    a.sync(&url).unwrap();

    // Offline: 30 per card on this till.
    assert!(a.sync(DOWN).is_err());
    assert_eq!(a.allowance(), Some(Decimal::from(30)));
    a.sell_on_card("20.00").unwrap();
    assert_eq!(a.allowance(), Some(Decimal::from(10)));
    let before = (
        a.card_balance(),
        pos_sdk::sync::status(&mut a.reg).unwrap().pending,
        a.records().len(),
    );
    let refused = a.sell_on_card("15.00");
    assert!(
        matches!(
            refused,
            Err(pos_sdk::SdkError::OfflineCapReached {
                ledger: "stored_value"
            })
        ),
        "{refused:?}"
    );
    assert_eq!(
        (
            a.card_balance(),
            pos_sdk::sync::status(&mut a.reg).unwrap().pending,
            a.records().len(),
        ),
        before,
        "a refused payment changes nothing"
    );
    assert_eq!(a.allowance(), Some(Decimal::from(10)));
    a.sell_on_card("10.00").unwrap();
    assert_eq!(a.allowance(), Some(Decimal::ZERO));
    assert!(a.sell_on_card("0.01").is_err());
    // Cash-only sales are not affected.
    a.sell();

    // Back online: the allowance is gone, the card spends normally again.
    a.sync(&url).unwrap();
    assert_eq!(a.allowance(), None);
    a.sell_on_card("15.00").unwrap();
    a.sync(&url).unwrap();
    assert_eq!(a.card_balance(), money("35.00"));
    assert_eq!(
        server
            .with_tx(|tx| tx.ledger_balance(pos_server::STORED_VALUE, "lille-1", "GIFT00007731"))
            .unwrap(),
        Decimal::from(35)
    );
}

#[test]
fn a_card_issued_and_loaded_at_one_till_is_spendable_at_another_after_a_pull() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    let mut a = till(dir.path(), "till-a", 1);
    let mut b = till(dir.path(), "till-b", 2);
    a.enroll(&server, &url, None);
    b.enroll(&server, &url, None);
    a.reg
        .issue_stored_value(
            "GIFT00007731",
            pos_core::stored_value::StoredValueKind::GiftCard,
            money("100.00"),
            None,
        )
        .unwrap();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    assert_eq!(b.card_balance(), money("100.00"), "issued at a, known at b");

    // b spends 20, a sees it; a loads 50, b sees it.
    b.sell_on_card("20.00").unwrap();
    b.sync(&url).unwrap();
    a.sync(&url).unwrap();
    assert_eq!(a.card_balance(), money("80.00"));
    a.sell();
    let ticket = a
        .reg
        .connection()
        .query_row(
            "SELECT id FROM tickets ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    a.reg
        .load_stored_value("GIFT00007731", money("50.00"), &ticket, None)
        .unwrap();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    assert_eq!(b.card_balance(), money("130.00"));

    // Pulling the same changes again changes nothing (idempotent by id).
    let st = pos_sdk::sync::status(&mut b.reg).unwrap();
    assert!(st.last_success.is_some());
    let mut http = UreqTransport::new(&url);
    let client = b.client.clone().unwrap();
    {
        use pos_sync::client::TillStore;
        let mut store = pos_sdk::sync::TillSync::new(&mut b.reg);
        let mut state = store.load_state().unwrap();
        state.cursor = 0;
        store.save_state(&state).unwrap();
    }
    pos_sdk::sync::sync_register(&mut b.reg, &client, &mut http).unwrap();
    assert_eq!(b.card_balance(), money("130.00"));
    assert_eq!(a.card_balance(), money("130.00"));

    // The whole loaded balance is spendable at b (up to the ticket total).
    b.sell_on_card("24.90").unwrap();
    b.sync(&url).unwrap();
    a.sync(&url).unwrap();
    assert_eq!(a.card_balance(), money("105.10"));
    assert_eq!(
        server
            .with_tx(|tx| tx.ledger_balance(pos_server::STORED_VALUE, "lille-1", "GIFT00007731"))
            .unwrap(),
        Decimal::from_str("105.10").unwrap()
    );
}

#[test]
fn an_erasure_made_at_one_till_removes_the_personal_data_at_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    let mut a = till(dir.path(), "till-a", 1);
    let mut b = till(dir.path(), "till-b", 2);
    a.enroll(&server, &url, None);
    b.enroll(&server, &url, None);
    let customer = a
        .reg
        .create_customer(
            pos_core::customer::PersonalData {
                given_name: Some("Camille".into()),
                family_name: Some("Martin".into()),
                email: Some("camille@example.org".into()),
                phone: Some("+33612345678".into()),
                address: None,
            },
            None,
        )
        .unwrap();
    let id = customer.id().clone();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    let at_b = b.reg.customer(&id).unwrap();
    assert_eq!(
        at_b.personal().and_then(|p| p.email.as_deref()),
        Some("camille@example.org"),
        "the customer reached the other till"
    );

    a.reg
        .erase_customer(&id, &OperatorId::new("manager").unwrap())
        .unwrap();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    let at_b = b.reg.customer(&id).unwrap();
    assert!(at_b.is_erased());
    assert!(at_b.personal().is_none(), "no personal data left at b");
    let raw: String = b
        .reg
        .connection()
        .query_row(
            "SELECT json FROM customers WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !raw.contains("camille"),
        "not even in the stored row: {raw}"
    );
    assert!(!raw.contains("+33612345678"));

    // A later pull of the same erasure changes nothing.
    b.sync(&url).unwrap();
    assert!(b.reg.customer(&id).unwrap().is_erased());
}

#[test]
fn offline_reward_redemptions_are_capped_per_customer_and_a_refusal_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, running, mut a) = capped_till(dir.path(), 15);
    let url = running.url().to_owned();
    let coffee = pos_core::ids::RewardId::new("coffee").unwrap();
    a.reg.set_loyalty_program(Some(&coffee_program())).unwrap();
    let customer = a
        .reg
        .create_customer(pos_core::customer::PersonalData::default(), None)
        .unwrap()
        .id()
        .clone();
    // Four 24.90 card sales earn 24 points each.
    for _ in 0..4 {
        a.sell_comte_to(&customer);
    }
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 96);
    // Online: no cap (two coffees = 20 points > 15).
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    a.sync(&url).unwrap();
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 76);

    // Offline: 15 points per customer on this till: one coffee, not two.
    assert!(a.sync(DOWN).is_err());
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    let pending = pos_sdk::sync::status(&mut a.reg).unwrap().pending;
    let refused = a.reg.redeem_loyalty_reward(&customer, &coffee, None);
    assert!(
        matches!(
            refused,
            Err(pos_sdk::SdkError::OfflineCapReached { ledger: "points" })
        ),
        "{refused:?}"
    );
    assert_eq!(
        a.reg.loyalty_balance(&customer).unwrap(),
        66,
        "nothing burned"
    );
    assert_eq!(pos_sdk::sync::status(&mut a.reg).unwrap().pending, pending);

    // Back online: the cap is lifted.
    a.sync(&url).unwrap();
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 56);
}

/// A loyalty program with one reward: a coffee for 10 points.
fn coffee_program() -> pos_core::loyalty::LoyaltyProgram {
    use pos_core::loyalty::{LoyaltyProgram, Reward, RewardKind};
    LoyaltyProgram {
        currency: Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![Reward {
            id: pos_core::ids::RewardId::new("coffee").unwrap(),
            name: "Café".into(),
            cost: 10,
            kind: RewardKind::AmountOff(money("2.00")),
        }],
        point_value: money("0.01"),
        expiry_days: None,
        tier_window_days: 365,
    }
}

impl Till {
    /// A Comté (24.90) paid by card by a loyalty member: 24 points.
    fn sell_comte_to(&mut self, customer: &pos_core::ids::CustomerId) {
        self.clock.advance_millis(60_000);
        let ctx = self.reg.price_context(None);
        let mut cart = self.reg.new_cart();
        self.reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let mut payment = self.reg.start_payment(&cart, Some(customer)).unwrap();
        payment
            .add(Tender::new(TenderMethod::Card, money("24.90")))
            .unwrap();
        let mut options = SaleOptions::by(OperatorId::new("alice").unwrap());
        options.customer = Some(customer.clone());
        self.reg.complete_sale(cart, payment, &options).unwrap();
    }
}

#[test]
fn points_earned_and_spent_at_one_till_show_at_the_other_after_a_pull() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = server(dir.path());
    let url = running.url().to_owned();
    let mut a = till(dir.path(), "till-a", 1);
    let mut b = till(dir.path(), "till-b", 2);
    a.enroll(&server, &url, None);
    b.enroll(&server, &url, None);
    a.reg.set_loyalty_program(Some(&coffee_program())).unwrap();
    b.reg.set_loyalty_program(Some(&coffee_program())).unwrap();
    let customer = a
        .reg
        .create_customer(pos_core::customer::PersonalData::default(), None)
        .unwrap()
        .id()
        .clone();
    a.sell_comte_to(&customer);
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 24);
    assert_eq!(b.reg.loyalty_balance(&customer).unwrap(), 24, "earned at a");

    // b gives a coffee (10 points) and earns 24 more; a learns both.
    let coffee = pos_core::ids::RewardId::new("coffee").unwrap();
    b.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    b.sell_comte_to(&customer);
    b.sync(&url).unwrap();
    a.sync(&url).unwrap();
    assert_eq!(b.reg.loyalty_balance(&customer).unwrap(), 38);
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 38);

    // Pulling everything again changes nothing (keyed by movement id).
    {
        use pos_sync::client::TillStore;
        let mut store = pos_sdk::sync::TillSync::new(&mut a.reg);
        let mut state = store.load_state().unwrap();
        state.cursor = 0;
        store.save_state(&state).unwrap();
    }
    a.sync(&url).unwrap();
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 38);
    // a spends all of it; b follows.
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    a.reg
        .redeem_loyalty_reward(&customer, &coffee, None)
        .unwrap();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    assert_eq!(a.reg.loyalty_balance(&customer).unwrap(), 8);
    assert_eq!(b.reg.loyalty_balance(&customer).unwrap(), 8);
}
