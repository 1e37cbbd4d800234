//! A "poison" change in a store's feed (a stock movement of quantity 0 or
//! with 4 decimals, an erasure naming a malformed customer id, a gift-card
//! change with code "x" or a bad amount, points that are not whole, an order
//! with an unknown state or junk data, a catalog that does not import) no
//! longer freezes the till's pulls: a real till file pulls from a real sync
//! server (in process, HTTP on loopback) a feed where such changes sit
//! between valid ones; the valid ones before and after apply, each invalid
//! one is set aside with its stable code, the cursor reaches the end of the
//! feed and `last_success` is set; a second pull lists nothing new. Direct
//! calls show that a change failing half-way is rolled back to its own
//! savepoint, that a failure of the till file itself still stops the round
//! with nothing kept, and that an older till file gets the new table.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::customer::{Customer, PersonalData};
use pos_core::ids::StoreId;
use pos_core::ids::{CustomerId, LocationId, MovementId, OperationId, OperatorId, RegisterId, Sku};
use pos_core::stock::{MovementContext, MovementReason, StockMovement};
use pos_core::stored_value::{GiftCardCode, StoredValueAccount, StoredValueKind};
use pos_core::{Currency, Money};
use pos_sdk::sync::TillSync;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig};
use pos_server::{InProcess, Server, SqliteStorage};
use pos_sync::client::{ClientState, SyncClient, TillStore};
use pos_sync::http_client::UreqTransport;
use pos_sync::wire::{Change, ChangeKind};
use rust_decimal::Decimal;
use serde_json::json;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

const STORE: &str = "lille-1";
const CARD: &str = "GIFT00007731";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn shop() -> LocationId {
    LocationId::new("shop").unwrap()
}

fn baguette() -> Sku {
    Sku::new("BAG-TRAD").unwrap()
}

fn open_till(path: &Path) -> Register {
    let clock = Arc::new(ManualClock::new(at("2026-09-01T08:00:00Z")));
    let config = RegisterConfig::france(
        StoreId::new(STORE).unwrap(),
        RegisterId::new("till-a").unwrap(),
        shop(),
    )
    .unwrap();
    let mut reg =
        Register::open_with_key_file(path, config, clock, IdGenerator::seeded(1)).unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    reg
}

fn start_server(dir: &Path) -> (Server<SqliteStorage>, InProcess) {
    let server = Server::new(SqliteStorage::open(&dir.join("server.sqlite")).unwrap());
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store(STORE, "r1")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    (server, running)
}

/// Enrols the till with the server with a fresh enrolment code of its
/// store; the one place that knows how.
fn enrol(server: &Server<SqliteStorage>, reg: &mut Register, url: &str) -> SyncClient {
    let (code, _) = server
        .enrolment_code("r1", STORE, None, 3_600_000, chrono::Utc::now())
        .unwrap();
    let mut http = UreqTransport::new(url);
    pos_sdk::sync::enroll(reg, &mut http, &code.secret, None).unwrap();
    pos_sdk::sync::client(reg).unwrap().unwrap()
}

fn sync(reg: &mut Register, client: &SyncClient, url: &str) -> pos_sync::client::RoundReport {
    let mut http = UreqTransport::new(url);
    pos_sdk::sync::sync_register(reg, client, &mut http).unwrap()
}

/// Appends a change from another till straight into the store's feed and
/// returns its cursor.
fn inject(server: &Server<SqliteStorage>, kind: ChangeKind, key: &str, data: &str) -> u64 {
    server
        .with_tx(|tx| tx.add_change(STORE, kind, key, Some("other-till"), data))
        .unwrap()
}

fn movement(id: &str, quantity: &str) -> StockMovement {
    StockMovement::new(
        MovementId::new(id).unwrap(),
        MovementReason::Receipt,
        baguette(),
        shop(),
        dec(quantity),
        &MovementContext {
            operator: OperatorId::new("bob").unwrap(),
            at: at("2026-09-01T07:00:00Z"),
            reference: None,
        },
    )
    .unwrap()
}

/// A movement whose quantity was changed after validation (what a broken
/// peer could send).
fn bad_movement(id: &str, quantity: &str) -> String {
    let mut v = serde_json::to_value(movement(id, "1")).unwrap();
    v["quantity"] = json!(quantity);
    v.to_string()
}

fn customer(id: &str, name: &str) -> String {
    let c = Customer::new(
        CustomerId::new(id).unwrap(),
        at("2026-08-01T10:00:00Z"),
        PersonalData {
            given_name: Some(name.into()),
            ..PersonalData::default()
        },
    )
    .unwrap();
    serde_json::to_string(&c).unwrap()
}

fn card_document() -> String {
    let account = StoredValueAccount::issue(
        GiftCardCode::new(CARD).unwrap(),
        StoredValueKind::GiftCard,
        OperationId::new("ev-1/issue").unwrap(),
        at("2026-08-30T10:00:00Z"),
        Money::new(dec("20.00"), Currency::EUR),
        None,
        None,
    )
    .unwrap();
    json!({ "account": CARD, "document": account }).to_string()
}

fn cursor_of(reg: &Register) -> u64 {
    let json: String = reg
        .connection()
        .query_row("SELECT value FROM meta WHERE key = 'sync.state'", [], |r| {
            r.get(0)
        })
        .unwrap();
    serde_json::from_str::<ClientState>(&json).unwrap().cursor
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn skipped_codes(reg: &Register) -> Vec<(u64, ChangeKind, String, String)> {
    let mut rows: Vec<_> = pos_sdk::sync::skipped_changes(reg, 100)
        .unwrap()
        .into_iter()
        .map(|s| (s.cursor, s.kind, s.key, s.code))
        .collect();
    rows.sort();
    rows
}

#[test]
fn invalid_changes_are_set_aside_and_the_pull_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = start_server(dir.path());
    let url = running.url().to_owned();
    let mut reg = open_till(&dir.path().join("till-a.sqlite"));
    let client = enrol(&server, &mut reg, &url);
    let stock_before = reg.stock_level(&baguette(), &shop()).unwrap().on_hand;

    let long_id = "c".repeat(65);
    let mut bad: Vec<(u64, ChangeKind, String, &str)> = Vec::new();
    let mut poison = |kind: ChangeKind, key: &str, data: &str, code: &'static str| {
        let cursor = inject(&server, kind, key, data);
        bad.push((cursor, kind, key.to_owned(), code));
    };

    // Valid changes before.
    let mv_before = serde_json::to_string(&movement("mv-before", "5")).unwrap();
    inject(&server, ChangeKind::Stock, "mv-before", &mv_before);
    inject(
        &server,
        ChangeKind::Customer,
        "cust-before",
        &customer("cust-before", "Ada"),
    );
    inject(
        &server,
        ChangeKind::StoredValue,
        "ev-1/account",
        &card_document(),
    );

    // One invalid change of each kind, interleaved.
    poison(
        ChangeKind::Stock,
        "mv-zero",
        &bad_movement("mv-zero", "0"),
        "invalid_stock_movement",
    );
    poison(
        ChangeKind::Stock,
        "mv-4dp",
        &bad_movement("mv-4dp", "1.2345"),
        "invalid_stock_movement",
    );
    poison(
        ChangeKind::Stock,
        "mv-junk",
        r#"{"sku": 12}"#,
        "undecodable",
    );
    poison(
        ChangeKind::Customer,
        &long_id,
        &json!({ "id": long_id, "erased": true }).to_string(),
        "invalid_customer_id",
    );
    poison(
        ChangeKind::Customer,
        "cust-mismatch",
        &customer("cust-other", "Zoe Secret"),
        "invalid_customer_id",
    );
    poison(
        ChangeKind::StoredValue,
        "sv-code",
        r#"{"account": "x", "delta": "5.00"}"#,
        "invalid_card_code",
    );
    poison(
        ChangeKind::StoredValue,
        "sv-subcent",
        &json!({ "account": CARD, "delta": "5.001" }).to_string(),
        "invalid_amount",
    );
    poison(
        ChangeKind::StoredValue,
        "sv-text",
        &json!({ "account": CARD, "delta": "lots" }).to_string(),
        "invalid_amount",
    );
    poison(
        ChangeKind::Loyalty,
        "pt-half",
        r#"{"account": "cust-before", "delta": "1.5"}"#,
        "invalid_points",
    );
    poison(
        ChangeKind::Order,
        "web-1",
        r#"{"state": "teleported"}"#,
        "invalid_order_state",
    );
    poison(ChangeKind::Order, "web-2", r#""junk""#, "undecodable");
    poison(
        ChangeKind::Order,
        "web-3",
        r#"{"state": "received", "pickup_at": "tomorrow"}"#,
        "invalid_pickup_time",
    );
    poison(
        ChangeKind::Catalog,
        "v9",
        r#"{"catalog": {"products": 5}}"#,
        "invalid_catalog",
    );

    // Valid changes after.
    let mv_after = serde_json::to_string(&movement("mv-after", "3")).unwrap();
    inject(&server, ChangeKind::Stock, "mv-after", &mv_after);
    inject(
        &server,
        ChangeKind::Customer,
        "cust-after",
        &customer("cust-after", "Bea"),
    );
    inject(
        &server,
        ChangeKind::StoredValue,
        "sv-load",
        &json!({ "account": CARD, "delta": "5.00" }).to_string(),
    );
    inject(
        &server,
        ChangeKind::Loyalty,
        "pt-ok",
        r#"{"account": "cust-before", "delta": "10"}"#,
    );
    let last = inject(
        &server,
        ChangeKind::Order,
        "web-ok",
        r#"{"id": "web-ok", "channel": "web", "location": "shop", "lines": [], "state": "received"}"#,
    );

    let report = sync(&mut reg, &client, &url);
    assert_eq!(report.skipped, bad.len() as u64);
    assert_eq!(report.pulled, bad.len() as u64 + 8);

    // The valid changes, before and after the invalid ones, are applied.
    assert_eq!(
        reg.stock_level(&baguette(), &shop()).unwrap().on_hand,
        stock_before + dec("8")
    );
    reg.customer(&CustomerId::new("cust-before").unwrap())
        .unwrap();
    reg.customer(&CustomerId::new("cust-after").unwrap())
        .unwrap();
    assert_eq!(
        reg.stored_value(CARD).unwrap().balance().amount(),
        dec("25.00")
    );
    assert_eq!(
        reg.loyalty_balance(&CustomerId::new("cust-before").unwrap())
            .unwrap(),
        10
    );
    assert_eq!(
        count(&reg, "SELECT COUNT(*) FROM orders WHERE id = 'web-ok'"),
        1
    );

    // The invalid ones left the till's tables alone.
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM stock_movements WHERE id LIKE 'mv-%'"
        ),
        2
    );
    assert_eq!(count(&reg, "SELECT COUNT(*) FROM customers"), 2);
    assert_eq!(count(&reg, "SELECT COUNT(*) FROM orders"), 1);
    assert_eq!(count(&reg, "SELECT COUNT(*) FROM loyalty_movements"), 1);
    assert_eq!(
        count(&reg, "SELECT COUNT(*) FROM catalog WHERE version > 1"),
        0
    );

    // Each invalid one is listed with its code; the messages name the rule,
    // not the data.
    let mut expected: Vec<_> = bad
        .iter()
        .map(|(c, k, key, code)| (*c, *k, key.clone(), (*code).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(skipped_codes(&reg), expected);
    for s in pos_sdk::sync::skipped_changes(&reg, 100).unwrap() {
        assert!(!s.message.contains("Zoe"), "{}", s.message);
        assert!(!s.message.contains(CARD), "{}", s.message);
        assert!(!s.message.contains("teleported"), "{}", s.message);
        assert_eq!(s.skipped_at, at("2026-09-01T08:00:00Z"));
    }
    let newest = pos_sdk::sync::skipped_changes(&reg, 1).unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0].code, "invalid_catalog");

    // The cursor reached the end of the feed and the round succeeded.
    assert_eq!(cursor_of(&reg), last);
    let status = pos_sdk::sync::status(&mut reg).unwrap();
    assert!(status.last_success.is_some());
    assert_eq!(status.skipped, bad.len() as u64);

    // A second pull lists nothing again.
    let again = sync(&mut reg, &client, &url);
    assert_eq!((again.pulled, again.skipped), (0, 0));
    assert_eq!(skipped_codes(&reg), expected);
    assert_eq!(
        pos_sdk::sync::status(&mut reg).unwrap().skipped,
        bad.len() as u64
    );

    // And later changes keep flowing past a new poison one.
    let late_bad = inject(
        &server,
        ChangeKind::Stock,
        "mv-late",
        &bad_movement("mv-late", "0.0001"),
    );
    let mv_late = serde_json::to_string(&movement("mv-late-ok", "1")).unwrap();
    let end = inject(&server, ChangeKind::Stock, "mv-late-ok", &mv_late);
    let third = sync(&mut reg, &client, &url);
    assert_eq!((third.pulled, third.skipped), (2, 1));
    assert_eq!(cursor_of(&reg), end);
    assert_eq!(
        reg.stock_level(&baguette(), &shop()).unwrap().on_hand,
        stock_before + dec("9")
    );
    let newest = pos_sdk::sync::skipped_changes(&reg, 1).unwrap();
    assert_eq!(
        (newest[0].cursor, newest[0].code.as_str()),
        (late_bad, "invalid_stock_movement")
    );
}

fn change(cursor: u64, kind: ChangeKind, key: &str, data: serde_json::Value) -> Change {
    Change {
        cursor,
        kind,
        key: key.to_owned(),
        origin: Some("other-till".to_owned()),
        data,
    }
}

#[test]
fn a_change_failing_half_way_is_rolled_back_to_its_savepoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open_till(&dir.path().join("till-a.sqlite"));
    let before = reg.stock_level(&baguette(), &shop()).unwrap().on_hand;
    // The movement row goes in first; the level write after it is refused.
    reg.connection()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_level BEFORE UPDATE ON main.stock_levels
             BEGIN SELECT RAISE(ABORT, 'refused'); END;
             CREATE TEMP TRIGGER refuse_level_insert BEFORE INSERT ON main.stock_levels
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let changes = [
        change(
            1,
            ChangeKind::Stock,
            "mv-1",
            serde_json::to_value(movement("mv-1", "2")).unwrap(),
        ),
        change(
            2,
            ChangeKind::Customer,
            "cust-1",
            serde_json::from_str(&customer("cust-1", "Ada")).unwrap(),
        ),
    ];
    let skipped = TillSync::new(&mut reg).apply_pulled(&changes).unwrap();
    assert_eq!(skipped, 1);
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM stock_movements WHERE id = 'mv-1'"
        ),
        0
    );
    assert_eq!(
        reg.stock_level(&baguette(), &shop()).unwrap().on_hand,
        before
    );
    reg.customer(&CustomerId::new("cust-1").unwrap()).unwrap();
    let rows = pos_sdk::sync::skipped_changes(&reg, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].cursor, rows[0].code.as_str()),
        (1, "storage_refused")
    );
    assert_eq!(rows[0].kind, ChangeKind::Stock);

    // The same batch again (a crash before the cursor was saved) records
    // nothing twice.
    TillSync::new(&mut reg).apply_pulled(&changes).unwrap();
    assert_eq!(pos_sdk::sync::skipped_changes(&reg, 10).unwrap().len(), 1);
}

/// Which SQLite errors count as the file failing is unit-tested next to the
/// code (`sync::tests`); here the whole round's behaviour: an error, and
/// nothing of the batch kept, neither applied nor recorded as skipped.
#[test]
fn a_failure_of_the_till_file_itself_stops_the_round_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open_till(&dir.path().join("till-a.sqlite"));
    let before = reg.stock_level(&baguette(), &shop()).unwrap().on_hand;
    let changes = [
        change(
            1,
            ChangeKind::Stock,
            "mv-1",
            serde_json::to_value(movement("mv-1", "2")).unwrap(),
        ),
        change(
            2,
            ChangeKind::Stock,
            "mv-zero",
            serde_json::from_str(&bad_movement("mv-zero", "0")).unwrap(),
        ),
    ];
    // Every write now fails as on a read-only file (SQLITE_READONLY).
    reg.connection()
        .execute_batch("PRAGMA query_only = ON")
        .unwrap();
    let err = TillSync::new(&mut reg).apply_pulled(&changes).unwrap_err();
    assert!(matches!(err, pos_sync::SyncError::Till { .. }), "{err:?}");
    reg.connection()
        .execute_batch("PRAGMA query_only = OFF")
        .unwrap();
    assert!(pos_sdk::sync::skipped_changes(&reg, 10).unwrap().is_empty());
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM stock_movements WHERE id = 'mv-1'"
        ),
        0
    );
    assert_eq!(
        reg.stock_level(&baguette(), &shop()).unwrap().on_hand,
        before
    );

    // Once the file works again, the same batch applies.
    assert_eq!(TillSync::new(&mut reg).apply_pulled(&changes).unwrap(), 1);
    assert_eq!(
        reg.stock_level(&baguette(), &shop()).unwrap().on_hand,
        before + dec("2")
    );
}

#[test]
fn an_older_till_file_gets_the_skipped_changes_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till-a.sqlite");
    drop(open_till(&path));
    {
        // Back to the first schema, as a file written before this table.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE sync_skipped_changes; PRAGMA user_version = 1;")
            .unwrap();
    }
    let mut reg = open_till(&path);
    let version: u32 = reg
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, pos_sdk::db::SCHEMA_VERSION);
    assert_eq!(pos_sdk::sync::status(&mut reg).unwrap().skipped, 0);
    let changes = [change(7, ChangeKind::Order, "", json!({}))];
    assert_eq!(TillSync::new(&mut reg).apply_pulled(&changes).unwrap(), 1);
    assert_eq!(
        pos_sdk::sync::skipped_changes(&reg, 10).unwrap()[0].code,
        "invalid_order_id"
    );
}

/// The checks refuse nothing the server itself writes: a click & collect
/// order made through the web shop's API reaches the till as before.
#[test]
fn a_web_order_made_by_the_server_is_applied_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = start_server(dir.path());
    let url = running.url().to_owned();
    let mut reg = open_till(&dir.path().join("till-a.sqlite"));
    let client = enrol(&server, &mut reg, &url);
    server
        .with_tx(|tx| {
            tx.set_stock_level(STORE, "BAG-TRAD", "shop", dec("10"), Decimal::ZERO)?;
            pos_server::web::create_order(
                tx,
                STORE,
                &pos_server::web::WebOrder {
                    id: "web-1".into(),
                    channel: "click_collect".into(),
                    location: "shop".into(),
                    lines: vec![pos_server::web::WebOrderLine {
                        sku: "BAG-TRAD".into(),
                        quantity: dec("2"),
                        unit_price: None,
                    }],
                    pickup_at: Some("2026-09-01T17:00:00Z".into()),
                    paid_online: false,
                },
                Some(at("2026-09-01T08:00:00Z")),
            )
        })
        .unwrap();
    let report = sync(&mut reg, &client, &url);
    assert_eq!((report.pulled, report.skipped), (1, 0));
    let (state, pickup): (String, String) = reg
        .connection()
        .query_row(
            "SELECT state, pickup_at FROM orders WHERE id = 'web-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (state.as_str(), pickup.as_str()),
        ("received", "2026-09-01T17:00:00Z")
    );
    assert!(pos_sdk::sync::skipped_changes(&reg, 10).unwrap().is_empty());
}
