//! Poison changes: every change pos-core refuses (quantity 0, 4 decimals, a
//! negative receipt, a malformed customer id, gift-card code "x", a
//! negative or sub-cent stored-value load...) pushed by a till is stored
//! but refused with a code naming its field, has no effect, and never
//! reaches the store's change feed (so no other till can choke on it). The
//! same on SQLite and PostgreSQL. Also: pos-core's effect of each movement
//! (a reservation moves `reserved`, not on hand), gift-card codes booked
//! under one normalised code, and the web routes' 4xx answers.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::panic
)]

mod support;

use pos_server::{STORED_VALUE, Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::wire::{ChangeKind, WireEvent};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::enrol::{enroll, web_key};
use support::till::{TestTill, t0, ticking};

struct Direct<S: Storage>(Server<S>, chrono::DateTime<chrono::Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

fn push(till: &mut TestTill, kind: &str, payload: Value) -> u64 {
    let seq = till.outbox.len() as u64 + 1;
    let n = 0xA000 + seq;
    till.outbox.push(WireEvent {
        seq,
        event_id: uuid::Uuid::from_u128((7u128 << 64) | u128::from(n)).to_string(),
        kind: kind.into(),
        created_at: t0(),
        hlc: Default::default(),
        payload,
    });
    seq
}

fn mv(id: &str, reason: &str, sku: &str, quantity: &str) -> Value {
    json!({"id": id, "reason": reason, "sku": sku, "location": "L1", "quantity": quantity,
           "operator": "alice", "at": t0(), "reference": null})
}

fn stock(movements: Vec<Value>) -> Value {
    json!({ "stock_movements": movements })
}

fn money(amount: &str) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

fn sale(store: &str, id: &str, customer: Option<&str>, card: &str, movement: Value) -> Value {
    json!({
        "ticket": {"id": id, "store": store, "customer": customer, "payments": [{
            "method": {"method": "gift_card", "reference": card},
            "tendered": money("5.00"), "applied": money("5.00"), "forfeited": money("0.00"),
        }]},
        "stock_movements": [movement],
        "loyalty_points": if customer.is_some() { 10 } else { 0 },
    })
}

/// The poison scenario on one server.
fn poison_scenario<S: Storage>(server: Server<S>) {
    let clock = ticking();
    let mut a = TestTill::new("T1", "S1", "L1", 1);
    let mut b = TestTill::new("T2", "S1", "L1", 2);
    enroll(&server, &mut a, None);
    enroll(&server, &mut b, None);
    let mut t = Direct(server.clone(), t0());

    // Valid changes first: 10 received, 2 reserved (on hand stays 10).
    push(
        &mut a,
        "stock",
        stock(vec![mv("ok-receipt", "receipt", "APPLE", "10")]),
    );
    push(
        &mut a,
        "stock",
        stock(vec![mv("ok-reserve", "reservation", "APPLE", "2")]),
    );
    // A card issued under its normalised code, loaded and paid with as typed.
    push(
        &mut a,
        "stored_value_load",
        json!({"code": "gc-1234 5678", "amount": money("20.00")}),
    );
    push(
        &mut a,
        "sale",
        sale(
            "S1",
            "t-1",
            Some("c1"),
            "GC12-3456-78",
            mv("ok-sale", "sale", "APPLE", "-1"),
        ),
    );

    // A customer record as pos-sdk pushes it (pos-core's serialisation).
    let ada = pos_core::customer::Customer::new(
        pos_core::ids::CustomerId::new("c1").unwrap(),
        t0(),
        pos_core::customer::PersonalData {
            given_name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    push(&mut a, "customer", serde_json::to_value(&ada).unwrap());

    // The poison: each expected to be refused with its code.
    let long = "x".repeat(65);
    let mut expected: BTreeMap<u64, &str> = BTreeMap::new();
    let mut poison = |kind: &str, payload: Value, code: &'static str| {
        let seq = push(&mut a, kind, payload);
        expected.insert(seq, code);
    };
    poison(
        "stock",
        stock(vec![mv("p-zero", "loss", "APPLE", "0")]),
        "invalid_quantity",
    );
    poison(
        "stock",
        stock(vec![mv("p-4dp", "receipt", "APPLE", "1.0005")]),
        "invalid_quantity",
    );
    poison(
        "stock",
        stock(vec![mv("p-neg", "receipt", "APPLE", "-3")]),
        "invalid_quantity",
    );
    poison(
        "stock",
        stock(vec![mv("p-negres", "reservation", "APPLE", "-1")]),
        "invalid_quantity",
    );
    // Releases more than is reserved (2).
    poison(
        "stock",
        stock(vec![mv("p-release", "release", "APPLE", "-5")]),
        "invalid_quantity",
    );
    // All or nothing: a valid movement beside an invalid one is not applied.
    poison(
        "stock",
        stock(vec![
            mv("p-pair-ok", "receipt", "APPLE", "4"),
            mv("p-pair-bad", "receipt", "APPLE", "0"),
        ]),
        "invalid_quantity",
    );
    poison(
        "stock",
        stock(vec![mv(&long, "receipt", "APPLE", "1")]),
        "invalid_movement_id",
    );
    poison(
        "stock",
        stock(vec![mv("p-reason", "stolen", "APPLE", "-1")]),
        "invalid_reason",
    );
    poison(
        "stock",
        stock(vec![mv("p-sku", "receipt", "", "1")]),
        "invalid_sku",
    );
    poison(
        "stock",
        stock(vec![mv(
            "p-huge",
            "receipt",
            "APPLE",
            "79228162514264337593543950335",
        )]),
        "invalid_quantity",
    );
    let mut old = mv("p-date", "receipt", "APPLE", "1");
    old["at"] = json!("1970-01-01T00:00:00Z");
    poison("stock", stock(vec![old]), "invalid_date");
    poison(
        "customer_erased",
        json!({"customer": " c1"}),
        "invalid_customer_id",
    );
    poison(
        "customer_erased",
        json!({"customer": long}),
        "invalid_customer_id",
    );
    poison(
        "customer",
        json!({"id": "c9", "email": "not a customer record"}),
        "invalid_customer",
    );
    poison(
        "stored_value_load",
        json!({"code": "x", "amount": money("10.00")}),
        "invalid_card_code",
    );
    poison(
        "stored_value_load",
        json!({"code": "GC12345678", "amount": money("-1000.00")}),
        "invalid_amount",
    );
    poison(
        "stored_value_load",
        json!({"code": "GC12345678", "amount": money("10.005")}),
        "invalid_amount",
    );
    poison(
        "stored_value_load",
        json!({"code": "GC12345678", "amount": money("0")}),
        "invalid_amount",
    );
    poison(
        "loyalty_reward",
        json!({"customer": "", "points": 5}),
        "invalid_customer_id",
    );
    poison(
        "loyalty_reward",
        json!({"customer": "c1", "points": -5}),
        "invalid_points",
    );
    // A sale paid with card "x": refused whole (its movement too).
    poison(
        "sale",
        sale(
            "S1",
            "t-2",
            None,
            "x",
            mv("p-sale-x", "sale", "APPLE", "-1"),
        ),
        "invalid_card_code",
    );
    poison(
        "sale",
        sale(
            "S1",
            "t-3",
            Some("bad\ncustomer"),
            "GC12345678",
            mv("p-sale-c", "sale", "APPLE", "-1"),
        ),
        "invalid_customer_id",
    );
    poison(
        "order_state",
        json!({"order": long, "state": "cancelled"}),
        "invalid_order_id",
    );
    let poison_ids: BTreeSet<&str> = [
        "p-zero",
        "p-4dp",
        "p-neg",
        "p-negres",
        "p-release",
        "p-pair-ok",
        "p-pair-bad",
        "p-reason",
        "p-sku",
        "p-huge",
        "p-date",
        "p-sale-x",
        "p-sale-c",
    ]
    .into_iter()
    .collect();
    // A valid change after the poison still goes through.
    push(
        &mut a,
        "stock",
        stock(vec![mv("ok-after", "receipt", "PEAR", "3")]),
    );

    let r = sync_once(&a.client(), &mut a, &mut t, &clock).unwrap();
    assert_eq!(r.acked_seq, a.outbox.len() as u64, "every event is stored");
    let got: BTreeMap<u64, &str> = r
        .rejections
        .iter()
        .map(|x| (x.seq, x.code.as_str()))
        .collect();
    assert_eq!(got, expected);

    // Effects: only the valid events'.
    let (levels, sums) = server.stock_audit("S1").unwrap();
    let apple = ("APPLE".to_string(), "L1".to_string());
    // 10 received, 1 sold; the reservation holds 2 without leaving the shelf.
    assert_eq!(levels[&apple], (Decimal::from(9), Decimal::from(2)));
    assert_eq!(
        levels[&("PEAR".to_string(), "L1".to_string())].0,
        Decimal::from(3)
    );
    assert_eq!(sums.len(), 2);
    // The card's load and payment are booked under ONE normalised code.
    let balance = |code: &str| {
        server
            .with_tx(|tx| tx.ledger_balance(STORED_VALUE, "S1", code))
            .unwrap()
    };
    assert_eq!(balance("GC12345678"), Decimal::new(1500, 2));
    assert_eq!(balance("GC12-3456-78"), Decimal::ZERO);
    assert_eq!(balance("gc-1234 5678"), Decimal::ZERO);

    // The feed holds no poison: every change decodes with pos-core's types.
    let feed = server
        .with_tx(|tx| tx.changes_since("S1", 0, 10_000))
        .unwrap();
    for c in &feed {
        assert!(!poison_ids.contains(c.key.as_str()), "{} in feed", c.key);
        match c.kind {
            ChangeKind::Stock => {
                let m: pos_core::stock::StockMovement =
                    serde_json::from_value(c.data.clone()).unwrap();
                m.validate().unwrap();
            }
            ChangeKind::StoredValue => {
                let code = c.data["account"].as_str().unwrap();
                assert_eq!(
                    pos_core::stored_value::GiftCardCode::new(code)
                        .unwrap()
                        .reveal(),
                    code
                );
            }
            ChangeKind::Customer | ChangeKind::Loyalty => {
                let id = if c.kind == ChangeKind::Customer {
                    c.key.as_str()
                } else {
                    c.data["account"].as_str().unwrap()
                };
                pos_core::ids::CustomerId::new(id).unwrap();
            }
            _ => {}
        }
    }
    let stock_keys: BTreeSet<&str> = feed
        .iter()
        .filter(|c| c.kind == ChangeKind::Stock)
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(
        stock_keys,
        ["ok-receipt", "ok-reserve", "ok-sale", "ok-after"]
            .into_iter()
            .collect()
    );
    let customers: Vec<&str> = feed
        .iter()
        .filter(|c| c.kind == ChangeKind::Customer)
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(customers, ["c1"], "only the valid customer record went out");
    let doc: pos_core::customer::Customer = serde_json::from_value(
        feed.iter()
            .find(|c| c.kind == ChangeKind::Customer)
            .unwrap()
            .data
            .clone(),
    )
    .unwrap();
    assert_eq!(doc, ada);
    // The customer's RGPD export finds the card they paid with under its
    // normalised code, with the load and the payment.
    let export = server
        .with_tx(|tx| pos_server::backoffice::rgpd::export(tx, "S1", "c1", t0()))
        .unwrap();
    let cards = export["stored_value"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "{export}");
    assert_eq!(cards[0]["account"], "GC12345678");
    let exported: Decimal = cards[0]["balance"].as_str().unwrap().parse().unwrap();
    assert_eq!(exported, Decimal::new(1500, 2));
    assert_eq!(cards[0]["movements"].as_array().unwrap().len(), 2);
    // The other till pulls it all and keeps pulling.
    let r = sync_once(&b.client(), &mut b, &mut t, &clock).unwrap();
    assert_eq!(r.pulled, feed.len() as u64);
    assert_eq!(r.skipped, 0);
}

#[test]
fn poison_changes_are_refused_and_never_fanned_out_sqlite() {
    poison_scenario(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn poison_changes_are_refused_and_never_fanned_out_postgres() {
    let pg = support::pg::Pg::start();
    poison_scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

// ---- the web shop's routes and the pull: 4xx with a code, never 500 ----

fn web(method: &'static str, path: &str, key: &str, body: Value) -> HttpRequest {
    HttpRequest {
        method,
        path: path.to_owned(),
        headers: vec![("authorization".into(), format!("Bearer {key}"))],
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    }
}

fn answer<S: Storage>(server: &Server<S>, req: &HttpRequest) -> (u16, String) {
    let r = server.handle(req, t0());
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let code = body["code"].as_str().unwrap_or("").to_owned();
    (r.status, code)
}

fn order(id: &str, location: &str, sku: &str, pickup_at: Option<&str>) -> Value {
    json!({"id": id, "channel": "click_collect", "location": location,
           "lines": [{"sku": sku, "quantity": "1"}], "pickup_at": pickup_at})
}

#[test]
fn web_routes_answer_4xx_with_the_field_named() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let key = web_key(&server, &["S1"]);
    let receipt = json!([mv("w-1", "receipt", "APPLE", "5")]);
    let r = answer(
        &server,
        &web("POST", "/v1/web/stock?store=S1", &key, receipt.clone()),
    );
    assert_eq!(r, (200, String::new()));
    // Poisoned movements: refused, nothing stored.
    for (m, code) in [
        (mv("w-2", "loss", "APPLE", "0"), "invalid_quantity"),
        (mv("w-3", "receipt", "APPLE", "0.0001"), "invalid_quantity"),
        (mv("w-4", "receipt", "APPLE", "-1"), "invalid_quantity"),
        (mv("w-5", "release", "APPLE", "-1"), "invalid_quantity"),
        (mv("", "receipt", "APPLE", "1"), "invalid_movement_id"),
        (
            mv("w-6", "receipt", "APPLE", "79228162514264337593543950335"),
            "invalid_quantity",
        ),
    ] {
        let r = answer(
            &server,
            &web("POST", "/v1/web/stock?store=S1", &key, json!([m])),
        );
        assert_eq!(r, (400, code.to_owned()));
    }
    // Stock overflow by repetition cannot happen (bounded movements), and
    // what was refused left no trace.
    let (levels, _) = server.stock_audit("S1").unwrap();
    assert_eq!(
        levels[&("APPLE".to_string(), "L1".to_string())],
        (Decimal::from(5), Decimal::ZERO)
    );
    assert_eq!(
        server
            .with_tx(|tx| tx.changes_since("S1", 0, 100))
            .unwrap()
            .len(),
        1
    );
    // A reservation through the web stock route moves `reserved` only.
    let r = answer(
        &server,
        &web(
            "POST",
            "/v1/web/stock?store=S1",
            &key,
            json!([mv("w-7", "reservation", "APPLE", "2")]),
        ),
    );
    assert_eq!(r.0, 200);
    let (levels, _) = server.stock_audit("S1").unwrap();
    assert_eq!(
        levels[&("APPLE".to_string(), "L1".to_string())],
        (Decimal::from(5), Decimal::from(2))
    );

    // Orders: ids, locations and SKUs as pos-core's newtypes, pickup times.
    let long = "x".repeat(65);
    let tomorrow = (t0() + chrono::Duration::days(1)).to_rfc3339();
    for (o, code) in [
        (order(&long, "L1", "APPLE", None), "invalid_order_id"),
        (order("o-1", &long, "APPLE", None), "invalid_location"),
        (order("o-1", "L1", &long, None), "invalid_sku"),
        (
            order("o-1", "L1", "APPLE", Some("next tuesday")),
            "invalid_pickup_at",
        ),
        (
            order("o-1", "L1", "APPLE", Some("9999-12-31T23:59:59Z")),
            "invalid_pickup_at",
        ),
        (
            order("o-1", "L1", "APPLE", Some("1999-12-31T23:59:59Z")),
            "invalid_pickup_at",
        ),
    ] {
        let r = answer(&server, &web("POST", "/v1/web/orders?store=S1", &key, o));
        assert_eq!(r, (400, code.to_owned()));
    }
    let r = answer(
        &server,
        &web(
            "POST",
            "/v1/web/orders?store=S1",
            &key,
            order("o-1", "L1", "APPLE", Some(&tomorrow)),
        ),
    );
    assert_eq!(r.0, 201);

    // An order id in the path is percent-decoded too.
    let r = answer(
        &server,
        &web(
            "POST",
            "/v1/web/orders?store=S1",
            &key,
            order("O 2", "L1", "APPLE", None),
        ),
    );
    assert_eq!(r.0, 201);
    let r = answer(
        &server,
        &web(
            "POST",
            "/v1/web/orders/O%202/state?store=S1",
            &key,
            json!({"state": "cancelled"}),
        ),
    );
    assert_eq!(r.0, 200);
    // Query strings are percent-decoded: `L%201` is the location `L 1`.
    answer(
        &server,
        &web(
            "POST",
            "/v1/web/stock?store=S1",
            &key,
            json!([{"id": "w-8", "reason": "receipt", "sku": "PAIN AU CHOCOLAT",
                    "location": "L 1", "quantity": "4", "operator": "op", "at": t0(),
                    "reference": null}]),
        ),
    );
    let r = server.handle(
        &web(
            "GET",
            "/v1/web/stock?store=S1&sku=PAIN+AU%20CHOCOLAT&location=L%201",
            &key,
            Value::Null,
        ),
        t0(),
    );
    assert_eq!(r.status, 200);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["on_hand"], "4");
    assert_eq!(body["sku"], "PAIN AU CHOCOLAT");
    // A malformed escape is a 400, not a guess.
    let r = answer(
        &server,
        &web(
            "GET",
            "/v1/web/stock?store=S1&sku=%E9&location=L1",
            &key,
            Value::Null,
        ),
    );
    assert_eq!(r.0, 400);
}

#[test]
fn a_pull_cursor_beyond_2_pow_63_is_a_400() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut a = TestTill::new("T1", "S1", "L1", 1);
    enroll(&server, &mut a, None);
    let mut state = a.state.clone();
    state.cursor = 1u64 << 63;
    let req = a
        .client()
        .pull_request(&state, t0().timestamp_millis())
        .unwrap();
    let (status, code) = answer(&server, &req);
    assert_eq!((status, code.as_str()), (400, "invalid"));
    state.cursor = u64::MAX;
    let req = a
        .client()
        .pull_request(&state, t0().timestamp_millis() + 1)
        .unwrap();
    assert_eq!(answer(&server, &req).0, 400);
    // The largest valid cursor is fine (nothing after it).
    state.cursor = (1u64 << 63) - 1;
    let req = a
        .client()
        .pull_request(&state, t0().timestamp_millis() + 2)
        .unwrap();
    assert_eq!(answer(&server, &req).0, 200);
}

#[test]
fn a_fec_without_closure_is_a_404_and_download_links_are_url_encoded() {
    use pos_server::backoffice::{Role, pages, service};
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut a = TestTill::new("caisse-1", "S1", "L1", 1);
    enroll(&server, &mut a, None);
    let retailer = server
        .with_tx(|tx| tx.bo_store_retailer("S1"))
        .unwrap()
        .unwrap();
    let password = "correct horse battery staple";
    server
        .with_tx(|tx| service::add_user(tx, &retailer, "owner", Role::Owner, password, [3; 16]))
        .unwrap();
    let now = chrono::Utc::now();
    service::login(
        &server,
        "owner",
        password,
        std::net::Ipv4Addr::LOCALHOST.into(),
        "sid-owner",
        "csrf",
        now,
    )
    .unwrap();
    let v = service::viewer(&server, "sid-owner", now).unwrap();
    // The till has no daily closure yet: nothing to export, not a 500.
    let e = service::fec(&server, &v, &a.server_id).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, "not_found"));
    // Links carry the till id as ONE query component.
    let tills = service::tills(&server, &v).unwrap();
    let page = pages::downloads(&v, &tills, "2026-01-01");
    let encoded = pages::url(&a.server_id);
    assert!(
        page.contains(&format!("/download/fec?till={encoded}\"")),
        "{page}"
    );
    assert!(page.contains(&format!("/download/journal?till={encoded}\"")));
    assert!(!a.server_id.contains('/') || encoded.contains("%2F"));
}

#[test]
fn a_catalog_tills_could_not_import_is_refused() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    for bad in ["{}", r#"{"currency":"EUR","products":[{"sku":""}]}"#, "[]"] {
        let e = server.publish_catalog("S1", 1, bad).unwrap_err();
        assert_eq!(
            (e.http_status(), e.code()),
            (400, "invalid_catalog"),
            "{bad}"
        );
    }
    assert!(
        server
            .with_tx(|tx| tx.changes_since("S1", 0, 10))
            .unwrap()
            .is_empty()
    );
    server
        .publish_catalog("S1", 1, pos_core::catalog::sample_catalog_json())
        .unwrap();
}
