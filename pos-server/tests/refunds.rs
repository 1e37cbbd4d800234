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
             "variants": [{"sku": "TS-M", "barcodes": ["2000000000015"], "price": "19.90"}]},
            {"id": "P-CH", "name": "Chemise", "categories": ["c"], "vat": "20",
             "variants": [{"sku": "CH-M", "price": "30.00"}, {"sku": "CH-L", "price": "30.00"}]}
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

    // The back office lists it for the retailer's owner, and not for
    // another retailer's.
    let page = pos_server::backoffice::pages::refund_flags(
        &owner(&server, "R1"),
        &pos_server::backoffice::service::refund_flags(&server, &owner(&server, "R1")).unwrap(),
    );
    for shown in [
        "remboursé au-delà du vendu",
        over.ticket.id(),
        id.as_str(),
        "oui, sans vérification",
        "s-b/B3",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    code(&server, "R2", "x-1");
    let other = owner(&server, "R2");
    assert!(
        pos_server::backoffice::service::refund_flags(&server, &other)
            .unwrap()
            .is_empty()
    );
    let page = pos_server::backoffice::pages::refund_flags(&other, &[]);
    assert!(page.contains("Aucun remboursement signalé") && !page.contains(&id));
}

/// A back-office owner of `retailer`, signed in.
fn owner<S: Storage>(
    server: &Server<S>,
    retailer: &str,
) -> pos_server::backoffice::service::Viewer {
    use pos_server::backoffice::service;
    let user = format!("owner-{retailer}");
    let now = Utc::now();
    server
        .with_tx(|tx| {
            if tx.bo_user(&user)?.is_none() {
                service::add_user(
                    tx,
                    retailer,
                    &user,
                    pos_server::backoffice::Role::Owner,
                    "a long enough password",
                    [7; 16],
                )?;
            }
            Ok(())
        })
        .unwrap();
    static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let sid = format!(
        "sid-{user}-{}",
        SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    service::login(
        server,
        &user,
        "a long enough password",
        std::net::Ipv4Addr::LOCALHOST.into(),
        &sid,
        "csrf",
        now,
    )
    .unwrap();
    service::viewer(server, &sid, now).unwrap()
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

/// Pays `cart` by card (charged or paid back) for `who`.
fn pay_by_card(
    register: &mut Register,
    cart: pos_core::cart::Cart,
    who: &str,
    customer: Option<&pos_core::ids::CustomerId>,
) -> pos_sdk::CompletedSale {
    let mut pay = register.start_payment(&cart, None).unwrap();
    let due = pay.outstanding().unwrap();
    if !due.is_zero() {
        pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
    }
    let mut options = SaleOptions::by(OperatorId::new(who).unwrap());
    options.customer = customer.cloned();
    register.complete_sale(cart, pay, &options).unwrap()
}

/// A day of a chain (issue 16): two stores × two tills and a web shop on
/// one server. A customer buys four shirts (M) at A1; B1 exchanges one
/// for an L; A2 refunds two; B2 asks for two more online (refused: one is
/// left) and, offline under manager approval, refunds the last one, which
/// the server counts when B2 syncs; the web shop sells an L paid online.
/// Every journal verifies; every till's Z and the back office agree to
/// the cent; stock and loyalty points add up across the stores.
fn chain_day_scenario<S: Storage>(server: Server<S>) {
    use pos_core::ids::{LocationId as Loc, Sku};
    use pos_core::stock::MovementReason;
    let mut tills: Vec<Register> = [("s-a", "A1"), ("s-a", "A2"), ("s-b", "B1"), ("s-b", "B2")]
        .iter()
        .zip(31u8..)
        .map(|((store, reg), seed)| till(&server, "R1", store, reg, seed))
        .collect();
    let boss = OperatorId::new("boss").unwrap();
    let manager = pos_core::cart::Actor::new(boss.clone(), pos_core::cart::Permissions::manager());
    let program = pos_core::loyalty::LoyaltyProgram {
        currency: pos_core::Currency::EUR,
        points_per_unit: Decimal::ONE,
        bonuses: vec![],
        tiers: vec![],
        rewards: vec![],
        point_value: pos_core::Money::parse("0.01", pos_core::Currency::EUR).unwrap(),
        expiry_days: Some(365),
        tier_window_days: 365,
    };
    // Each store receives 10 of each size (recorded by its first till).
    for i in [0, 2] {
        for sku in ["CH-M", "CH-L"] {
            tills[i]
                .record_stock(
                    MovementReason::Receipt,
                    &Sku::new(sku).unwrap(),
                    &Loc::new("shop").unwrap(),
                    Decimal::TEN,
                    &boss,
                    None,
                )
                .unwrap();
        }
    }
    for t in &mut tills {
        t.set_loyalty_program(Some(&program)).unwrap();
    }
    let customer = tills[0]
        .create_customer(
            pos_core::customer::PersonalData {
                given_name: Some("Léa".into()),
                family_name: Some("Martin".into()),
                email: Some("lea.martin@example.fr".into()),
                phone: None,
                address: None,
            },
            None,
        )
        .unwrap()
        .id()
        .clone();

    // A1: four M shirts for the customer, 120.00 by card (120 points).
    let sale = {
        let a1 = &mut tills[0];
        let ctx = a1.price_context(None);
        let mut cart = a1.new_cart();
        a1.scan(&mut cart, "CH-M", &ctx).unwrap();
        let line = cart.lines()[0].id();
        cart.set_quantity(line, Decimal::from(4)).unwrap();
        pay_by_card(a1, cart, "alice", Some(&customer))
    };
    let original = sale.ticket.id().to_owned();
    for t in &mut tills {
        sync(&server, t);
    }

    // B1: one M exchanged for an L, even, after a reservation.
    {
        let b1 = &mut tills[2];
        let found = b1
            .find_original(
                &format!("s-a/A1/T{}", sale.number),
                Some(&mut Direct(server.clone())),
            )
            .unwrap();
        assert!(found.verified);
        let one = [pos_sdk::RefundLine {
            line: 1,
            quantity: Decimal::ONE,
        }];
        let mut cart = b1.exchange_cart_from(&found, &one, &manager).unwrap();
        b1.reserve_refund(&found, &cart, "b1-x", &mut Direct(server.clone()))
            .unwrap();
        let ctx = b1.price_context(None);
        b1.scan(&mut cart, "CH-L", &ctx).unwrap();
        let done = pay_by_card(b1, cart, "boss", Some(&customer));
        assert!(done.ticket.total().is_zero());
        sync(&server, b1);
    }
    // A2: two M refunded by card (-60.00).
    {
        let a2 = &mut tills[1];
        let found = a2
            .find_original(&original, Some(&mut Direct(server.clone())))
            .unwrap();
        assert_eq!(found.refundable[&1], Decimal::from(3));
        let two = [pos_sdk::RefundLine {
            line: 1,
            quantity: Decimal::from(2),
        }];
        let cart = a2.refund_cart_from(&found, Some(&two), &manager).unwrap();
        a2.reserve_refund(&found, &cart, "a2-r", &mut Direct(server.clone()))
            .unwrap();
        let done = pay_by_card(a2, cart, "boss", Some(&customer));
        assert_eq!(
            done.ticket.total(),
            pos_core::Money::parse("-60.00", pos_core::Currency::EUR).unwrap()
        );
        sync(&server, a2);
    }
    // B2: two more asked online: refused, one is left.
    {
        let b2 = &mut tills[3];
        let found = b2
            .find_original(&original, Some(&mut Direct(server.clone())))
            .unwrap();
        assert_eq!(found.refundable[&1], Decimal::ONE);
        let two = [pos_sdk::RefundLine {
            line: 1,
            quantity: Decimal::from(2),
        }];
        assert_eq!(
            b2.refund_cart_from(&found, Some(&two), &manager)
                .unwrap_err()
                .code(),
            "refund_exceeds_remaining"
        );
        // Offline, under manager approval: the last one, then synced.
        b2.set_offline_refund_policy("manager_approval", &boss)
            .unwrap();
        let found = b2.find_original(&original, Some(&mut Offline)).unwrap();
        assert!(!found.verified);
        b2.check_offline_refund(&found, &manager).unwrap();
        let one = [pos_sdk::RefundLine {
            line: 1,
            quantity: Decimal::ONE,
        }];
        let cart = b2.refund_cart_from(&found, Some(&one), &manager).unwrap();
        pay_by_card(b2, cart, "boss", Some(&customer));
        sync(&server, b2);
    }
    // Reconciled: every unit of the original is accounted for, none twice.
    let b_dev = raw_device(&server, "R1", "s-b", "B9");
    let (_, v) = lookup(&server, &b_dev, &original);
    assert_eq!(v["lines"][0]["refunded"], "4", "{v}");
    assert_eq!(refundable(&v, 0), Decimal::ZERO, "{v}");
    assert!(
        server
            .refund_flags("R1")
            .unwrap()
            .iter()
            .all(|f| f.reason != "over_refund")
    );

    // The web shop: an L paid online at store A (30.00).
    let now = Utc::now();
    server
        .create_order_at(
            "s-a",
            &pos_server::web::WebOrder {
                id: "WEB-100".into(),
                channel: "web".into(),
                location: "shop".into(),
                lines: vec![pos_server::web::WebOrderLine {
                    sku: "CH-L".into(),
                    quantity: Decimal::ONE,
                    unit_price: Some(Decimal::new(3000, 2)),
                }],
                pickup_at: None,
                paid_online: true,
            },
            now,
        )
        .unwrap();

    // Every till closes its day and syncs; every journal verifies.
    for t in &mut tills {
        t.close_day(None, None, &boss).unwrap();
        sync(&server, t);
        let report =
            pos_sdk::verify::verify_connection(t.connection(), &Default::default()).unwrap();
        assert!(report.defects.is_empty(), "{:?}", report.defects);
    }
    // The Zs: 120.00 at A1, -60.00 at A2, 0 at B1, -30.00 at B2.
    let mut z_total = 0;
    for (store, reg, expected) in [
        ("s-a", "A1", 12000),
        ("s-a", "A2", -6000),
        ("s-b", "B1", 0),
        ("s-b", "B2", -3000),
    ] {
        let z: Vec<_> = server
            .with_tx(|tx| tx.fiscal_records(&format!("{store}/{reg}")))
            .unwrap()
            .iter()
            .filter_map(|r| pos_server::backoffice::report::closure_fact(store, r))
            .collect();
        assert_eq!(z.len(), 1, "{reg}");
        assert_eq!(z[0].payload.period_total, expected, "{reg}");
        z_total += z[0].payload.period_total;
    }
    // The back office: the tills' part equals the Zs, the web adds 30.00.
    let viewer = owner(&server, "R1");
    let day = pos_server::backoffice::web::paris_today(now);
    let d = pos_server::backoffice::service::dashboard(&server, &viewer, None, day).unwrap();
    assert_eq!(d.by_channel["store"], z_total);
    assert_eq!(d.closures_total, z_total);
    assert_eq!(d.by_channel["web"], 3000);
    assert_eq!(d.total, z_total + 3000);
    assert_eq!(d.by_store["s-a"], 12000 - 6000 + 3000);
    assert_eq!(d.by_store["s-b"], -3000);

    // Stock across the stores, as any till sees it: A sold 4 and took 2
    // back (the web order reserves an L); B took 1 M back in the exchange
    // and 1 in the offline refund, and gave an L.
    let levels = pos_sdk::chain::stock_in_stores(
        &tills[3],
        &mut Direct(server.clone()),
        &Sku::new("CH-M").unwrap(),
    )
    .unwrap();
    let on_hand = |store: &str| -> Decimal {
        levels
            .iter()
            .filter(|l| l.store.as_str() == store)
            .map(|l| l.on_hand)
            .sum()
    };
    assert_eq!(
        (on_hand("s-a"), on_hand("s-b")),
        (Decimal::from(8), Decimal::from(12)),
        "{levels:?}"
    );
    let levels = pos_sdk::chain::stock_in_stores(
        &tills[0],
        &mut Direct(server.clone()),
        &Sku::new("CH-L").unwrap(),
    )
    .unwrap();
    let at = |store: &str| {
        levels
            .iter()
            .find(|l| l.store.as_str() == store)
            .map(|l| (l.on_hand, l.reserved))
            .unwrap()
    };
    assert_eq!(at("s-a"), (Decimal::TEN, Decimal::ONE), "{levels:?}");
    assert_eq!(at("s-b"), (Decimal::from(9), Decimal::ZERO), "{levels:?}");

    // Loyalty across the stores: 120 earned, 30 given back and 30 earned
    // in the exchange, 60 and 30 given back by the refunds.
    let found = pos_sdk::chain::search_customers(
        &tills[3],
        &mut Direct(server.clone()),
        "lea.martin@example.fr",
    )
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].points, 30, "{found:?}");
}

#[test]
fn a_chain_day_adds_up_on_sqlite() {
    chain_day_scenario(Server::new(pos_server::SqliteStorage::in_memory().unwrap()));
}

#[test]
fn a_chain_day_adds_up_on_postgres() {
    let pg = support::pg::Pg::start();
    chain_day_scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
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
