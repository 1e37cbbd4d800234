//! Ids that are not globally unique by construction are namespaced by store
//! (or by retailer): the same stock movement id, transfer id, order id,
//! web-shop movement id and customer id used in two stores of two retailers
//! work independently, on SQLite and PostgreSQL. And a database made by
//! another schema version is refused, not run on the wrong keys.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::panic
)]

mod support;

use pos_server::digital::CustomerLink;
use pos_server::{Server, ServerError, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::wire::{ChangeKind, WireEvent};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use support::enrol::{enroll, web_key};
use support::till::{TestTill, t0, ticking};

struct Direct<S: Storage>(Server<S>, chrono::DateTime<chrono::Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

fn mv(id: &str, reason: &str, location: &str, quantity: &str) -> Value {
    json!({"id": id, "reason": reason, "sku": "APPLE", "location": location,
           "quantity": quantity, "operator": "alice", "at": t0(), "reference": null})
}

fn call<S: Storage>(
    server: &Server<S>,
    method: &'static str,
    path: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let req = HttpRequest {
        method,
        path: path.to_owned(),
        headers: vec![("authorization".into(), format!("Bearer {key}"))],
        body: body.to_string().into_bytes(),
    };
    let r = server.handle(&req, t0());
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    )
}

fn level<S: Storage>(server: &Server<S>, store: &str, location: &str) -> (Decimal, Decimal) {
    server
        .stock_audit(store)
        .unwrap()
        .0
        .get(&("APPLE".to_string(), location.to_string()))
        .copied()
        .unwrap_or_default()
}

fn scenario<S: Storage>(server: Server<S>) {
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("RA", "Retailer A", "111111111")?;
            tx.bo_put_retailer("RB", "Retailer B", "222222222")?;
            assert!(tx.bo_put_store("SA", "RA")?);
            assert!(tx.bo_put_store("SA2", "RA")?);
            assert!(tx.bo_put_store("SB", "RB")?);
            Ok(())
        })
        .unwrap();
    let clock = ticking();
    let mut t = Direct(server.clone(), t0());
    // Two tills with the same register id, one per retailer.
    let mut ta = TestTill::new("T1", "SA", "L1", 1);
    let mut tb = TestTill::new("T1", "SB", "L1", 2);
    enroll(&server, &mut ta, None);
    enroll(&server, &mut tb, None);

    // The same movement id pushed by both tills: both count.
    for (n, till) in [&mut ta, &mut tb].into_iter().enumerate() {
        till.outbox.push(WireEvent {
            seq: 1,
            event_id: uuid::Uuid::from_u128(0xB000 + n as u128).to_string(),
            kind: "stock".into(),
            created_at: t0(),
            hlc: Default::default(),
            payload: json!({"stock_movements": [mv("m-1", "receipt", "L1", "10")]}),
        });
        let r = sync_once(&till.client(), till, &mut t, &clock).unwrap();
        assert!(r.rejections.is_empty(), "{:?}", r.rejections);
    }
    for store in ["SA", "SB"] {
        assert_eq!(
            level(&server, store, "L1"),
            (Decimal::from(10), Decimal::ZERO)
        );
        let feed = server
            .with_tx(|tx| tx.changes_since(store, 0, 100))
            .unwrap();
        assert!(
            feed.iter()
                .any(|c| c.kind == ChangeKind::Stock && c.key == "m-1"),
            "{store}'s feed has its own m-1"
        );
    }

    let key_a = web_key(&server, &["SA", "SA2"]);
    let key_b = web_key(&server, &["SB"]);
    // The same web-shop movement id in both stores: both added.
    for (store, key) in [("SA", &key_a), ("SB", &key_b)] {
        let (status, body) = call(
            &server,
            "POST",
            &format!("/v1/web/stock?store={store}"),
            key,
            json!([mv("w-1", "receipt", "L1", "5")]),
        );
        assert_eq!((status, body["added"].as_u64()), (200, Some(1)), "{store}");
        assert_eq!(level(&server, store, "L1").0, Decimal::from(15));
    }
    // The same transfer id in both stores: both move their goods.
    for (store, key) in [("SA", &key_a), ("SB", &key_b)] {
        let (status, body) = call(
            &server,
            "POST",
            &format!("/v1/web/transfers?store={store}"),
            key,
            json!({"id": "TR-1", "sku": "APPLE", "from": "L1", "to": "L2", "quantity": "3"}),
        );
        assert_eq!(status, 201, "{store}: {body}");
        assert_eq!(level(&server, store, "L1").0, Decimal::from(12));
        assert_eq!(level(&server, store, "L2").0, Decimal::from(3));
    }
    // The same order id in both stores: both reserve.
    for (store, key) in [("SA", &key_a), ("SB", &key_b)] {
        let (status, body) = call(
            &server,
            "POST",
            &format!("/v1/web/orders?store={store}"),
            key,
            json!({"id": "O-1", "channel": "web", "location": "L1",
                   "lines": [{"sku": "APPLE", "quantity": "2"}]}),
        );
        assert_eq!(status, 201, "{store}: {body}");
        assert_eq!(level(&server, store, "L1").1, Decimal::from(2));
        let (status, _) = call(
            &server,
            "POST",
            &format!("/v1/web/orders/O-1/state?store={store}"),
            key,
            json!({"state": "cancelled"}),
        );
        assert_eq!(status, 200);
        assert_eq!(level(&server, store, "L1").1, Decimal::ZERO);
    }
    // A transfer into another store of the retailer, then that store's own
    // transfer of the same id: its leg id is taken there, so it is refused
    // (never "created" with nothing moved).
    let (status, _) = call(
        &server,
        "POST",
        "/v1/web/transfers?store=SA",
        &key_a,
        json!({"id": "TR-9", "sku": "APPLE", "from": "L1", "to": "L1",
               "to_store": "SA2", "quantity": "1"}),
    );
    assert_eq!(status, 201);
    let before = level(&server, "SA2", "L1");
    let (status, body) = call(
        &server,
        "POST",
        "/v1/web/transfers?store=SA2",
        &key_a,
        json!({"id": "TR-9", "sku": "APPLE", "from": "L1", "to": "L2", "quantity": "1"}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_transfer_id"))
    );
    assert_eq!(level(&server, "SA2", "L1"), before);

    // Customer links are keyed by the retailer: the same customer id of two
    // retailers gets two links, each found only in its own scope.
    let scope = |store: &str| {
        server
            .with_tx(|tx| pos_server::digital::service::customer_scope(tx, store))
            .unwrap()
    };
    assert_eq!(scope("SA"), scope("SA2"));
    assert_ne!(scope("SA"), scope("SB"));
    assert_eq!(scope("S-unfiled"), "store:S-unfiled");
    for (store, token) in [("SA", "token-of-a"), ("SB", "token-of-b")] {
        let link = CustomerLink {
            token: token.into(),
            scope: scope(store),
            customer: "c1".into(),
            store: store.into(),
        };
        assert!(server.with_tx(|tx| tx.dr_put_customer_link(&link)).unwrap());
    }
    let found = |store: &str| {
        let scope = scope(store);
        server
            .with_tx(|tx| tx.dr_customer_link(&scope, "c1"))
            .unwrap()
            .unwrap()
            .token
    };
    assert_eq!(found("SA"), "token-of-a");
    assert_eq!(found("SA2"), "token-of-a");
    assert_eq!(found("SB"), "token-of-b");
}

#[test]
fn the_same_ids_in_two_retailers_stores_work_independently_sqlite() {
    scenario(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn the_same_ids_in_two_retailers_stores_work_independently_postgres() {
    let pg = support::pg::Pg::start();
    scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

fn is_version_error(e: ServerError, found: u32) {
    match e {
        ServerError::SchemaVersion {
            found: f,
            expected: pos_server::schema::SCHEMA_VERSION,
        } if f == found => {
            assert!(e_message(found).contains("schema version"));
        }
        other => panic!("expected a schema version error, got {other:?}"),
    }
}

fn e_message(found: u32) -> String {
    ServerError::SchemaVersion {
        found,
        expected: pos_server::schema::SCHEMA_VERSION,
    }
    .to_string()
}

#[test]
fn sqlite_databases_of_another_schema_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A database from before schema versions (globally keyed movements).
    let old = dir.path().join("old.sqlite");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch(
            "CREATE TABLE stock_movements (id TEXT PRIMARY KEY, store TEXT NOT NULL,
             sku TEXT NOT NULL, location TEXT NOT NULL, quantity TEXT NOT NULL, origin TEXT);",
        )
        .unwrap();
    is_version_error(SqliteStorage::open(&old).unwrap_err(), 1);
    // A newer one.
    let newer = dir.path().join("newer.sqlite");
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.pragma_update(None, "user_version", pos_server::schema::SCHEMA_VERSION + 1)
        .unwrap();
    c.execute_batch("CREATE TABLE future (x INTEGER);").unwrap();
    drop(c);
    is_version_error(
        SqliteStorage::open(&newer).unwrap_err(),
        pos_server::schema::SCHEMA_VERSION + 1,
    );
    // A new database gets the version and opens again.
    let fresh = dir.path().join("fresh.sqlite");
    drop(SqliteStorage::open(&fresh).unwrap());
    drop(SqliteStorage::open(&fresh).unwrap());
    let v: u32 = rusqlite::Connection::open(&fresh)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, pos_server::schema::SCHEMA_VERSION);
}

#[test]
fn postgres_databases_of_another_schema_version_are_refused() {
    let pg = support::pg::Pg::start();
    let mut admin = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    // One statement per call: CREATE DATABASE refuses a transaction block.
    admin.batch_execute("CREATE DATABASE old").unwrap();
    admin.batch_execute("CREATE DATABASE newer").unwrap();
    let url = |db: &str| pg.url.replace("dbname=postgres", &format!("dbname={db}"));
    postgres::Client::connect(&url("old"), postgres::NoTls)
        .unwrap()
        .batch_execute("CREATE TABLE devices (id TEXT PRIMARY KEY);")
        .unwrap();
    is_version_error(
        pos_server::PostgresStorage::connect(&url("old")).unwrap_err(),
        1,
    );
    postgres::Client::connect(&url("newer"), postgres::NoTls)
        .unwrap()
        .batch_execute(
            "CREATE TABLE schema_version (version BIGINT NOT NULL);
             INSERT INTO schema_version VALUES (99);",
        )
        .unwrap();
    is_version_error(
        pos_server::PostgresStorage::connect(&url("newer")).unwrap_err(),
        99,
    );
    // A new database is created at this version and opens again.
    drop(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    drop(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    let v: i64 = admin
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, i64::from(pos_server::schema::SCHEMA_VERSION));
}
