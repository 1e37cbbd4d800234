//! Refunds anywhere in the retailer (issue 16), on SQLite and PostgreSQL:
//! an original sold at a till of store A is found by a till of store B by
//! each reference form, its lines reserved atomically (over-reservation
//! refused naming the line and what is left, idempotent on the key, eight
//! tills racing for the last unit: exactly one wins), a second retailer's
//! device finds and reserves nothing, and a pushed refund reaches the
//! original store's feed and counts against the line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod support;

use chrono::Utc;
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::signer::Signer;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::{Server, Storage};
use pos_sync::auth;
use pos_sync::refunds::{self, paths};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::wire::{ChangeKind, EnrollRequest};
use rust_decimal::Decimal;
use std::sync::{Arc, Barrier};

fn catalog() -> String {
    serde_json::json!({
        "currency": "EUR", "vat_country": "FR",
        "categories": [{"id": "c", "name": "C"}],
        "products": [
            {"id": "P-TS", "name": "T-shirt", "categories": ["c"], "vat": "20",
             "variants": [{"sku": "TS-M", "barcodes": ["2000000000015"], "price": "19.90"}]}
        ],
        "price_lists": []
    })
    .to_string()
}

/// The server called in process, at the real clock.
struct Direct<S: Storage>(Server<S>);

impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, Utc::now()))
    }
}

fn code<S: Storage>(server: &Server<S>, retailer: &str, store: &str) -> String {
    server
        .with_tx(|tx| {
            if tx.bo_retailer(retailer)?.is_none() {
                tx.bo_put_retailer(retailer, retailer, "123456789")?;
            }
            tx.bo_put_store(store, retailer)?;
            Ok(())
        })
        .unwrap();
    server
        .enrolment_code(retailer, store, None, 3_600_000, Utc::now())
        .unwrap()
        .0
        .secret
}

/// A real till that sells T-shirts and pushes.
fn till<S: Storage>(
    server: &Server<S>,
    retailer: &str,
    store: &str,
    reg: &str,
    seed: u8,
) -> Register {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let config = RegisterConfig::france(
        StoreId::new(store).unwrap(),
        RegisterId::new(reg).unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[seed; 32]).unwrap();
    let mut register = Register::in_memory(
        config,
        clock,
        IdGenerator::seeded(u64::from(seed)),
        Box::new(signer),
    )
    .unwrap();
    register.import_catalog_json(&catalog()).unwrap();
    let code = code(server, retailer, store);
    pos_sdk::sync::enroll(&mut register, &mut Direct(server.clone()), &code, None).unwrap();
    register
}

fn sell(register: &mut Register, units: usize) -> (String, u64) {
    let ctx = register.price_context(None);
    let mut cart = register.new_cart();
    register.scan(&mut cart, "TS-M", &ctx).unwrap();
    let line = cart.lines()[0].id();
    cart.set_quantity(line, Decimal::from(units)).unwrap();
    let mut payment = register.start_payment(&cart, None).unwrap();
    let due = payment.remaining().unwrap();
    payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
    let sale = register
        .complete_sale(
            cart,
            payment,
            &SaleOptions::by(OperatorId::new("bob").unwrap()),
        )
        .unwrap();
    (sale.ticket.id().to_owned(), sale.number)
}

fn sync<S: Storage>(server: &Server<S>, register: &mut Register) {
    let client = pos_sdk::sync::client(register).unwrap().unwrap();
    let report =
        pos_sdk::sync::sync_register(register, &client, &mut Direct(server.clone())).unwrap();
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
}

/// A raw device of `store`: (server id, secret).
fn raw_device<S: Storage>(
    server: &Server<S>,
    retailer: &str,
    store: &str,
    name: &str,
) -> (String, Vec<u8>) {
    let code = code(server, retailer, store);
    let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[9; 32]).unwrap();
    let body = serde_json::to_vec(&EnrollRequest {
        device: name.into(),
        store: store.into(),
        location: "shop".into(),
        public_key: hex::encode(signer.public_key_sec1()),
        replaces: None,
    })
    .unwrap();
    let secret = format!("{name}-secret").into_bytes();
    let r = server
        .enroll_device(&code, &body, secret.clone(), Utc::now())
        .unwrap();
    (r.device, secret)
}

fn call<S: Storage>(
    server: &Server<S>,
    dev: &(String, Vec<u8>),
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let body = body.to_string().into_bytes();
    // Two requests with the same body in one millisecond would sign the
    // same bytes (a replay): each request gets its own stamp.
    static LAST: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let now = Utc::now().timestamp_millis();
    let ts = 1 + LAST
        .fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |last| Some(last.max(now - 1) + 1),
        )
        .unwrap()
        .max(now - 1);
    let sig = auth::sign(&dev.1, "POST", path, ts, &body);
    let req = HttpRequest {
        method: "POST",
        path: path.to_owned(),
        headers: vec![
            (auth::HEADER_DEVICE.into(), dev.0.clone()),
            (auth::HEADER_TIMESTAMP.into(), ts.to_string()),
            (auth::HEADER_SIGNATURE.into(), sig),
        ],
        body,
    };
    let resp = server.handle(&req, Utc::now());
    let v = serde_json::from_slice(&resp.body).unwrap_or(serde_json::Value::Null);
    (resp.status, v)
}

fn lookup<S: Storage>(
    server: &Server<S>,
    dev: &(String, Vec<u8>),
    text: &str,
) -> (u16, serde_json::Value) {
    let reference = refunds::TicketRef::parse(text).unwrap();
    call(
        server,
        dev,
        paths::LOOKUP,
        &serde_json::json!({ "protocol": 1, "reference": reference }),
    )
}

fn reserve<S: Storage>(
    server: &Server<S>,
    dev: &(String, Vec<u8>),
    key: &str,
    ticket: &str,
    line: u32,
    qty: &str,
) -> (u16, serde_json::Value) {
    call(
        server,
        dev,
        paths::RESERVE,
        &serde_json::json!({ "protocol": 1, "key": key, "ticket_id": ticket,
            "lines": [{ "line": line, "quantity": qty }] }),
    )
}

fn refundable(v: &serde_json::Value, line: usize) -> Decimal {
    v["lines"][line]["refundable"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn scenario<S: Storage>(server: Server<S>) {
    let mut a1 = till(&server, "R1", "s-a", "A1", 1);
    let (id, number) = sell(&mut a1, 2);
    sync(&server, &mut a1);
    let b1 = raw_device(&server, "R1", "s-b", "B1");
    let x1 = raw_device(&server, "R2", "x-1", "X1");

    // Every reference form, from another store of the retailer.
    for text in [
        format!("A1/T{number}"),
        format!("s-a/A1/T{number}"),
        id.clone(),
        format!("https://receipts.example/r/{id}.abcdefghijklmnopqrstuv?c=k"),
        format!("GIFT-{id}"),
    ] {
        let (status, v) = lookup(&server, &b1, &text);
        assert_eq!(status, 200, "{text}: {v}");
        assert_eq!(v["ticket"]["id"], id.as_str());
        assert_eq!(v["store"], "s-a");
        assert_eq!(v["register"], "A1");
        assert_eq!(v["series"], "T");
        assert_eq!(v["number"], number);
        assert_eq!(v["gift"], text.starts_with("GIFT-"), "{text}");
        assert_eq!(refundable(&v, 0), Decimal::from(2), "{v}");
    }
    // Another register or number is not found.
    assert_eq!(lookup(&server, &b1, &format!("A2/T{number}")).0, 404);
    assert_eq!(lookup(&server, &b1, &format!("s-b/A1/T{number}")).0, 404);

    // Another retailer, with valid credentials, sees nothing of it.
    for text in [format!("A1/T{number}"), id.clone(), format!("GIFT-{id}")] {
        let (status, v) = lookup(&server, &x1, &text);
        assert_eq!(status, 404, "{text}: {v}");
        assert_eq!(v["code"], "not_found");
    }
    let (status, _) = reserve(&server, &x1, "x", &id, 1, "1");
    assert_eq!(status, 404);

    // Over the limit: refused, naming the line and what is left.
    let (status, v) = reserve(&server, &b1, "k1", &id, 1, "3");
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["code"], "refund_exceeds_remaining");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("line 1 of the original has 2 left"),
        "{v}"
    );
    assert_eq!(
        reserve(&server, &b1, "k1", &id, 2, "1").1["code"],
        "refund_exceeds_remaining"
    );

    // A reservation holds; the same key gives the same answer, another
    // request under it is a conflict.
    let (status, first) = reserve(&server, &b1, "k1", &id, 1, "1");
    assert_eq!(status, 200, "{first}");
    let (status, again) = reserve(&server, &b1, "k1", &id, 1, "1");
    assert_eq!((status, &again), (200, &first));
    let (status, v) = reserve(&server, &b1, "k1", &id, 1, "2");
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("reservation_key_conflict"))
    );
    let (_, v) = lookup(&server, &b1, &id);
    assert_eq!(refundable(&v, 0), Decimal::ONE);
    assert_eq!(v["lines"][0]["reserved"], "1");

    // The original's own till refunds one unit locally and pushes it: it
    // counts, and it reaches its store's feed.
    let manager = pos_core::cart::Actor::new(
        OperatorId::new("boss").unwrap(),
        pos_core::cart::Permissions::manager(),
    );
    let cart = a1
        .refund_cart(
            &id,
            Some(&[pos_sdk::RefundLine {
                line: 1,
                quantity: Decimal::ONE,
            }]),
            &manager,
        )
        .unwrap();
    let mut pay = a1.start_payment(&cart, None).unwrap();
    let back = pay.outstanding().unwrap();
    pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
    a1.complete_sale(
        cart,
        pay,
        &SaleOptions::by(OperatorId::new("boss").unwrap()),
    )
    .unwrap();
    sync(&server, &mut a1);
    let (_, v) = lookup(&server, &b1, &id);
    assert_eq!(v["lines"][0]["refunded"], "1");
    assert_eq!(refundable(&v, 0), Decimal::ZERO, "{v}");
    let feed = server
        .with_tx(|tx| tx.changes_since("s-a", 0, 1000))
        .unwrap();
    let refund_changes: Vec<_> = feed
        .iter()
        .filter(|c| c.kind == ChangeKind::Refund)
        .collect();
    assert_eq!(refund_changes.len(), 1);
    assert_eq!(refund_changes[0].data["original"], id.as_str());
    // The reserved unit is the last one: nothing more can be reserved.
    let (status, v) = reserve(&server, &b1, "k2", &id, 1, "1");
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("refund_exceeds_remaining"))
    );
    assert!(server.refund_flags("R1").unwrap().is_empty());

    // An unused reservation lapses after RESERVATION_TTL_MS: the unit is
    // refundable again, and another till may reserve it.
    let (lapsing, _) = sell(&mut a1, 1);
    sync(&server, &mut a1);
    let t0 = Utc::now();
    let req = refunds::ReserveRequest {
        protocol: 1,
        key: "lapse".into(),
        ticket_id: lapsing.clone(),
        lines: vec![refunds::LineQuantity {
            line: 1,
            quantity: Decimal::ONE,
        }],
    };
    let r = server.refund_reserve(&b1.0, &req, t0).unwrap();
    assert_eq!(
        r.expires_at_ms,
        t0.timestamp_millis() + refunds::RESERVATION_TTL_MS
    );
    let by_id = refunds::TicketRef::Id {
        ticket_id: lapsing.clone(),
    };
    let at = |ms: i64| t0 + chrono::Duration::milliseconds(ms);
    let left = |ms: i64| server.refund_lookup("s-b", &by_id, at(ms)).unwrap().lines[0].refundable;
    assert_eq!(left(refunds::RESERVATION_TTL_MS - 1), Decimal::ZERO);
    assert_eq!(left(refunds::RESERVATION_TTL_MS), Decimal::ONE);
    let mut other = req.clone();
    other.key = "after-lapse".into();
    let (race0, _) = raw_device(&server, "R1", "s-b", "late");
    server
        .refund_reserve(&race0, &other, at(refunds::RESERVATION_TTL_MS))
        .unwrap();

    // A race, ten times: eight tills of store B reserve the last unit of
    // a ticket at once; exactly one wins each time.
    let devices: Vec<_> = (0..8)
        .map(|i| raw_device(&server, "R1", "s-b", &format!("race{i}")))
        .collect();
    for round in 0..10 {
        let (last, _) = sell(&mut a1, 1);
        sync(&server, &mut a1);
        let barrier = Arc::new(Barrier::new(devices.len()));
        let handles: Vec<_> = devices
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, dev)| {
                let server = server.clone();
                let barrier = Arc::clone(&barrier);
                let last = last.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    reserve(&server, &dev, &format!("race-{round}-{i}"), &last, 1, "1")
                })
            })
            .collect();
        let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won = answers.iter().filter(|(s, _)| *s == 200).count();
        let lost = answers
            .iter()
            .filter(|(s, v)| *s == 409 && v["code"] == "refund_exceeds_remaining")
            .count();
        assert_eq!((won, lost), (1, 7), "round {round}: {answers:?}");
    }
}

/// An exchange at store B of store A's original, through the server: its
/// return line consumes its reservation and counts against the original
/// (A's feed is told), and its own sale line is a refundable original; an
/// offline exchange that over-refunds is flagged when it syncs.
fn exchange_scenario<S: Storage>(server: Server<S>) {
    let mut a1 = till(&server, "R1", "s-a", "A1", 11);
    let (id, _) = sell(&mut a1, 2);
    sync(&server, &mut a1);
    let mut b1 = till(&server, "R1", "s-b", "B1", 12);
    let b2 = raw_device(&server, "R1", "s-b", "B2");
    let manager = pos_core::cart::Actor::new(
        OperatorId::new("boss").unwrap(),
        pos_core::cart::Permissions::manager(),
    );
    let found = b1
        .find_original(&id, Some(&mut Direct(server.clone())))
        .unwrap();
    assert!(found.verified);
    let returns = [pos_sdk::RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }];
    let mut cart = b1.exchange_cart_from(&found, &returns, &manager).unwrap();
    b1.reserve_refund(&found, &cart, "x-1", &mut Direct(server.clone()))
        .unwrap();
    let (_, v) = lookup(&server, &b2, &id);
    assert_eq!(v["lines"][0]["reserved"], "1", "{v}");
    let ctx = b1.price_context(None);
    b1.scan(&mut cart, "TS-M", &ctx).unwrap();
    let pay = b1.start_payment(&cart, None).unwrap();
    assert!(pay.remaining().unwrap().is_zero());
    let sale = b1
        .complete_sale(
            cart,
            pay,
            &SaleOptions::by(OperatorId::new("boss").unwrap()),
        )
        .unwrap();
    let exchange = sale.ticket.id().to_owned();
    sync(&server, &mut b1);

    // The return counts, its reservation consumed (no longer held).
    let (_, v) = lookup(&server, &b2, &id);
    assert_eq!(v["lines"][0]["refunded"], "1", "{v}");
    assert_eq!(v["lines"][0]["reserved"], "0", "{v}");
    assert_eq!(refundable(&v, 0), Decimal::ONE, "{v}");
    let feed = server
        .with_tx(|tx| tx.changes_since("s-a", 0, 1000))
        .unwrap();
    let told: Vec<_> = feed
        .iter()
        .filter(|c| c.kind == ChangeKind::Refund)
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].data["original"], id.as_str());
    assert_eq!(told[0].data["refund_ticket"], exchange.as_str());
    // Only one unit of the original is left.
    let (status, v) = reserve(&server, &b2, "k2", &id, 1, "2");
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("refund_exceeds_remaining"))
    );

    // The exchange is itself an original: its sold line (2) is
    // refundable, its return line (1) is not.
    let (status, v) = lookup(&server, &b2, &exchange);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["store"], "s-b");
    assert_eq!(v["register"], "B1");
    assert_eq!(refundable(&v, 0), Decimal::ZERO, "{v}");
    assert_eq!(refundable(&v, 1), Decimal::ONE, "{v}");
    assert_eq!(reserve(&server, &b2, "k3", &exchange, 1, "1").0, 409);
    assert_eq!(reserve(&server, &b2, "k3", &exchange, 2, "1").0, 200);
    assert!(server.refund_flags("R1").unwrap().is_empty());

    // B3 looked the original up while online; offline, under
    // manager_approval, it exchanges two units of a line with one left
    // (its own count knows nothing of B1's exchange): the pushed exchange
    // is accepted, counted and flagged as an over-refund without verified
    // original.
    let mut b3 = till(&server, "R1", "s-b", "B3", 13);
    b3.find_original(&id, Some(&mut Direct(server.clone())))
        .unwrap();
    let found = b3.find_original(&id, Some(&mut Offline)).unwrap();
    assert!(!found.verified);
    let boss = OperatorId::new("boss").unwrap();
    b3.set_offline_refund_policy("manager_approval", &boss)
        .unwrap();
    b3.check_offline_refund(&found, &manager).unwrap();
    let two = [pos_sdk::RefundLine {
        line: 1,
        quantity: Decimal::from(2),
    }];
    let mut cart = b3.exchange_cart_from(&found, &two, &manager).unwrap();
    let ctx = b3.price_context(None);
    b3.scan(&mut cart, "TS-M", &ctx).unwrap();
    let mut pay = b3.start_payment(&cart, None).unwrap();
    let back = pay.outstanding().unwrap();
    pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
    let over = b3.complete_sale(cart, pay, &SaleOptions::by(boss)).unwrap();
    sync(&server, &mut b3);
    let flags = server.refund_flags("R1").unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].reason, "over_refund");
    assert_eq!(flags[0].original, id);
    assert_eq!(flags[0].refund_ticket, over.ticket.id());
    assert_eq!(flags[0].excess, Some(Decimal::ONE));
    assert!(flags[0].unverified);
}

/// A second retailer's till, holding valid credentials of its own, refunds
/// and exchanges the first retailer's ticket (its id and lines read off a
/// receipt, fed to the till by a forged lookup answer), once online and
/// once offline, and pushes them: the first retailer's refundable
/// quantities, feed and flags are unchanged, and the second retailer's
/// till keeps syncing.
fn cross_retailer_scenario<S: Storage>(server: Server<S>) {
    let mut a1 = till(&server, "R1", "s-a", "A1", 21);
    let (id, _) = sell(&mut a1, 4);
    sync(&server, &mut a1);
    let b1 = raw_device(&server, "R1", "s-b", "B1");
    let feed_a = |server: &Server<S>| {
        server
            .with_tx(|tx| tx.changes_since("s-a", 0, 1000))
            .unwrap()
            .len()
    };
    let feed_before = feed_a(&server);
    let (status, before) = lookup(&server, &b1, &id);
    assert_eq!(status, 200, "{before}");
    assert_eq!(refundable(&before, 0), Decimal::from(4), "{before}");

    let mut x1 = till(&server, "R2", "x-1", "X1", 22);
    let boss = OperatorId::new("boss").unwrap();
    let manager = pos_core::cart::Actor::new(boss.clone(), pos_core::cart::Permissions::manager());
    x1.set_offline_refund_policy("manager_approval", &boss)
        .unwrap();
    // The attacker's own transport answers the lookup with what the first
    // retailer's server would say.
    let mut forged = Forged(before.to_string().into_bytes());
    assert!(x1.find_original(&id, Some(&mut forged)).unwrap().verified);
    let one = [pos_sdk::RefundLine {
        line: 1,
        quantity: Decimal::ONE,
    }];
    for online in [true, false] {
        let found = if online {
            x1.find_original(&id, Some(&mut forged)).unwrap()
        } else {
            let found = x1.find_original(&id, Some(&mut Offline)).unwrap();
            x1.check_offline_refund(&found, &manager).unwrap();
            found
        };
        let cart = x1.refund_cart_from(&found, Some(&one), &manager).unwrap();
        let mut pay = x1.start_payment(&cart, None).unwrap();
        let back = pay.outstanding().unwrap();
        pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
        x1.complete_sale(cart, pay, &SaleOptions::by(boss.clone()))
            .unwrap();
        let mut cart = x1.exchange_cart_from(&found, &one, &manager).unwrap();
        let ctx = x1.price_context(None);
        x1.scan(&mut cart, "TS-M", &ctx).unwrap();
        let pay = x1.start_payment(&cart, None).unwrap();
        x1.complete_sale(cart, pay, &SaleOptions::by(boss.clone()))
            .unwrap();
        // The second retailer's till syncs as usual: nothing rejected.
        sync(&server, &mut x1);
    }

    // The first retailer sees nothing of it.
    let (_, after) = lookup(&server, &b1, &id);
    assert_eq!(after, before, "the original's counts moved");
    assert_eq!(feed_a(&server), feed_before, "the original's feed moved");
    assert!(server.refund_flags("R1").unwrap().is_empty());
    // Its own till still refunds every unit.
    let cart = a1
        .refund_cart(
            &id,
            Some(&[pos_sdk::RefundLine {
                line: 1,
                quantity: Decimal::from(4),
            }]),
            &manager,
        )
        .unwrap();
    let mut pay = a1.start_payment(&cart, None).unwrap();
    let back = pay.outstanding().unwrap();
    pay.add(Tender::new(TenderMethod::Card, back)).unwrap();
    a1.complete_sale(cart, pay, &SaleOptions::by(boss)).unwrap();
    sync(&server, &mut a1);
    let (_, v) = lookup(&server, &b1, &id);
    assert_eq!(v["lines"][0]["refunded"], "4", "{v}");
}

/// A transport that answers every request with the same 200 body.
struct Forged(Vec<u8>);

impl Transport for Forged {
    fn send(&mut self, _: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(HttpResponse::new(200, self.0.clone()))
    }
}

#[test]
fn cross_retailer_refunds_count_nothing_on_sqlite() {
    cross_retailer_scenario(Server::new(pos_server::SqliteStorage::in_memory().unwrap()));
}

#[test]
fn cross_retailer_refunds_count_nothing_on_postgres() {
    let pg = support::pg::Pg::start();
    cross_retailer_scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

/// A server that cannot be reached.
struct Offline;

impl Transport for Offline {
    fn send(&mut self, _: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Err(pos_sync::SyncError::Transport { kind: "connect" })
    }
}

#[test]
fn exchange_anywhere_on_sqlite() {
    exchange_scenario(Server::new(pos_server::SqliteStorage::in_memory().unwrap()));
}

#[test]
fn exchange_anywhere_on_postgres() {
    let pg = support::pg::Pg::start();
    exchange_scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

#[test]
fn refunds_anywhere_on_sqlite() {
    scenario(Server::new(pos_server::SqliteStorage::in_memory().unwrap()));
}

#[test]
fn refunds_anywhere_on_postgres() {
    let pg = support::pg::Pg::start();
    scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}
