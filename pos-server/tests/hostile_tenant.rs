//! The hostile tenant, on SQLite and on PostgreSQL: two retailers share one
//! server. Retailer B (stores `b-nice`, `b-lille`) runs real tills (pos-sdk
//! registers) with customers, a gift card, sales and a click & collect
//! order. Retailer A holds every credential a retailer legitimately has —
//! enrolment codes, an enrolled device and its secret, a web-shop key, an
//! owner's back-office session — and knows B's ids (guessed or leaked: the
//! device ids, customer ids, gift-card code, order id, code and key ids).
//! With them it tries every sync message and every HTTP route against B's
//! data. Every answer must be 401, 403 or 404; no row of the database that
//! mentions B (its retailer id, store ids, users, customer e-mail, gift-card
//! code) may be added, changed or removed; A's own pulls carry nothing of
//! B's; B's login is not locked by A's attempts; and B's tills keep
//! selling, pushing and pulling afterwards (nothing frozen).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod support;

use chrono::{DateTime, Utc};
use pos_core::customer::PersonalData;
use pos_core::ids::{CustomerId, LocationId, OperatorId, RegisterId, StoreId};
use pos_core::stored_value::StoredValueKind;
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::signer::Signer;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::backoffice::{Config, Role, service};
use pos_server::{InProcess, Server, Storage};
use pos_sync::auth;
use pos_sync::http_client::UreqTransport;
use pos_sync::restore;
use pos_sync::wire::{self, paths};
use std::sync::Arc;
use support::snapshot::{self, Snapshot};

const PASSWORD: &str = "correct horse battery staple";
const B_EMAIL: &str = "camille.victim@example.org";
const B_GIFT: &str = "GIFT-B-7788-1234";
const HOUR_MS: i64 = 3_600_000;

/// What identifies B's rows in any table (B's gift-card code is not one:
/// A may type the same code for a card of its own, in its own stores).
const B_MARKERS: [&str; 5] = ["retailer-b", "b-nice", "b-lille", "b-owner", B_EMAIL];

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

/// A real till of a store, enrolled with an enrolment code over HTTP.
struct Till {
    register: Register,
    clock: Arc<ManualClock>,
    url: String,
}

impl Till {
    fn new(url: &str, store: &str, register: &str, seed: u8, code: &str) -> Till {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let config = RegisterConfig::france(
            StoreId::new(store).unwrap(),
            RegisterId::new(register).unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[seed; 32]).unwrap();
        let mut register = Register::in_memory(
            config,
            clock.clone(),
            IdGenerator::seeded(u64::from(seed)),
            Box::new(signer),
        )
        .unwrap();
        register.import_catalog_json(&catalog()).unwrap();
        let mut http = UreqTransport::new(url);
        pos_sdk::sync::enroll(&mut register, &mut http, code, None).unwrap();
        Till {
            register,
            clock,
            url: url.to_owned(),
        }
    }

    /// The till's clock follows the real one (requests are signed with it).
    fn tick(&self) {
        use pos_sdk::Clock;
        self.clock.advance_millis(1);
        let now = Utc::now();
        if now > self.clock.now() {
            self.clock.set(now);
        }
    }

    fn sell(&mut self, customer: Option<&CustomerId>) -> String {
        self.tick();
        let ctx = self.register.price_context(None);
        let mut cart = self.register.new_cart();
        self.register.scan(&mut cart, "TS-M", &ctx).unwrap();
        let mut payment = self.register.start_payment(&cart, customer).unwrap();
        let due = payment.remaining().unwrap();
        payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
        let mut options = SaleOptions::by(OperatorId::new("bob").unwrap());
        options.customer = customer.cloned();
        let sale = self
            .register
            .complete_sale(cart, payment, &options)
            .unwrap();
        sale.ticket.id().to_owned()
    }

    fn sync(&mut self) -> pos_sync::client::RoundReport {
        self.tick();
        let client = pos_sdk::sync::client(&mut self.register).unwrap().unwrap();
        let mut http = UreqTransport::new(&self.url);
        let report = pos_sdk::sync::sync_register(&mut self.register, &client, &mut http).unwrap();
        assert!(report.rejections.is_empty(), "{:?}", report.rejections);
        report
    }
}

/// A raw device: its server id and HMAC secret, for hand-made requests.
struct RawDevice {
    id: String,
    secret: Vec<u8>,
}

struct Resp {
    status: u16,
    body: String,
}

fn send(req: ureq::Request, body: Option<&[u8]>) -> Resp {
    let r = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    match r {
        Ok(r) => Resp {
            status: r.status(),
            body: r.into_string().unwrap_or_default(),
        },
        Err(ureq::Error::Status(status, r)) => Resp {
            status,
            body: r.into_string().unwrap_or_default(),
        },
        Err(e) => panic!("{e}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

/// A request signed as `device` with `secret` (the header may name a
/// device the secret does not belong to).
fn signed(url: &str, path: &str, device: &str, secret: &[u8], body: &[u8]) -> Resp {
    let ts = Utc::now().timestamp_millis();
    let sig = auth::sign(secret, "POST", path, ts, body);
    send(
        agent()
            .post(&format!("{url}{path}"))
            .set(auth::HEADER_DEVICE, device)
            .set(auth::HEADER_TIMESTAMP, &ts.to_string())
            .set(auth::HEADER_SIGNATURE, &sig)
            .set("content-type", "application/json"),
        Some(body),
    )
}

fn enrol(url: &str, code: &str, body: &serde_json::Value) -> Resp {
    send(
        agent()
            .post(&format!("{url}{}", paths::ENROLL))
            .set(auth::HEADER_ENROLMENT_CODE, code)
            .set("content-type", "application/json"),
        Some(body.to_string().as_bytes()),
    )
}

fn public_key(seed: u8) -> String {
    let s = pos_fiscal::signer::SoftwareSigner::from_secret(&[seed; 32]).unwrap();
    hex::encode(s.public_key_sec1())
}

fn enrol_body(store: &str, device: &str, replaces: Option<&str>, seed: u8) -> serde_json::Value {
    serde_json::json!({
        "device": device, "store": store, "location": "shop",
        "public_key": public_key(seed), "replaces": replaces,
    })
}

fn code<S: Storage>(
    server: &Server<S>,
    retailer: &str,
    store: &str,
    replaces: Option<&str>,
) -> String {
    server
        .enrolment_code(retailer, store, replaces, HOUR_MS, Utc::now())
        .unwrap()
        .0
        .secret
}

/// Signs in over HTTP; returns the session cookie and the CSRF token.
fn sign_in(url: &str, user: &str) -> (String, String) {
    let r = agent()
        .post(&format!("{url}/login"))
        .send_form(&[("username", user), ("password", PASSWORD)]);
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(r.status(), 303, "login of {user}");
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let home = send(agent().get(&format!("{url}/")).set("Cookie", &cookie), None);
    let csrf = home
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (cookie, csrf)
}

/// Everything B has, made through its real tills and the public APIs.
struct Victim {
    tills: Vec<Till>,
    customer: CustomerId,
    ticket: String,
    order: String,
    devices: Vec<String>,
    code_id: String,
    key_id: String,
}

fn setup<S: Storage>(server: &Server<S>, url: &str) -> (Victim, RawDevice, String) {
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "retailer-a", "Attaquant SARL", "123456789")?;
            service::add_retailer(tx, "retailer-b", "Victime SAS", "987654321")?;
            service::add_store(tx, "retailer-a", "a-paris")?;
            service::add_store(tx, "retailer-b", "b-nice")?;
            service::add_store(tx, "retailer-b", "b-lille")?;
            service::add_user(tx, "retailer-a", "a-owner", Role::Owner, PASSWORD, [1; 16])?;
            service::add_user(tx, "retailer-b", "b-owner", Role::Owner, PASSWORD, [2; 16])?;
            Ok(())
        })
        .unwrap();
    // B: two tills (one named like A's), a customer, a gift card, sales,
    // a click & collect order, an unused code and a web key.
    let mut nice = Till::new(
        url,
        "b-nice",
        "till-1",
        21,
        &code(server, "retailer-b", "b-nice", None),
    );
    let lille = Till::new(
        url,
        "b-lille",
        "till-2",
        22,
        &code(server, "retailer-b", "b-lille", None),
    );
    nice.tick();
    let customer = nice
        .register
        .create_customer(
            PersonalData {
                given_name: Some("Camille".into()),
                family_name: Some("Victime".into()),
                email: Some(B_EMAIL.into()),
                phone: None,
                address: None,
            },
            None,
        )
        .unwrap()
        .id()
        .clone();
    nice.tick();
    nice.register
        .issue_stored_value(
            B_GIFT,
            StoredValueKind::GiftCard,
            Money::parse("50.00", Currency::EUR).unwrap(),
            None,
        )
        .unwrap();
    let ticket = nice.sell(Some(&customer));
    nice.sell(None);
    nice.sync();
    let b_key = server
        .web_key("retailer-b", &["b-nice".to_owned()], Utc::now())
        .unwrap();
    let b_bearer = format!("Bearer {}", b_key.0.secret);
    let stocked = send(
        agent()
            .post(&format!("{url}/v1/web/stock?store=b-nice"))
            .set("authorization", &b_bearer)
            .set("content-type", "application/json"),
        Some(
            serde_json::json!([{
                "id": "mv-b-receipt-1", "reason": "receipt", "sku": "TS-M", "location": "shop",
                "quantity": "20", "operator": "web", "at": Utc::now(), "reference": null,
            }])
            .to_string()
            .as_bytes(),
        ),
    );
    assert_eq!(stocked.status, 200, "{}", stocked.body);
    let order = send(
        agent()
            .post(&format!("{url}/v1/web/orders?store=b-nice"))
            .set("authorization", &b_bearer)
            .set("content-type", "application/json"),
        Some(
            serde_json::json!({
                "id": "WEB-1001", "channel": "click_collect", "location": "shop",
                "lines": [{"sku": "TS-M", "quantity": "1"}],
            })
            .to_string()
            .as_bytes(),
        ),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let unused = server
        .enrolment_code("retailer-b", "b-lille", None, HOUR_MS, Utc::now())
        .unwrap();
    let devices = ["b-nice", "b-lille"]
        .iter()
        .flat_map(|s| server.with_tx(|tx| tx.bo_devices(s)).unwrap())
        .collect();
    let victim = Victim {
        tills: vec![nice, lille],
        customer,
        ticket,
        order: "WEB-1001".into(),
        devices,
        code_id: unused.1.id.clone(),
        key_id: b_key.1.id.clone(),
    };
    // A: one raw device enrolled with A's own code.
    let r = enrol(
        url,
        &code(server, "retailer-a", "a-paris", None),
        &enrol_body("a-paris", "till-1", None, 31),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let enrolled: wire::EnrollResponse = serde_json::from_str(&r.body).unwrap();
    let attacker = RawDevice {
        id: enrolled.device,
        secret: hex::decode(enrolled.secret).unwrap(),
    };
    let a_key = server
        .web_key("retailer-a", &["a-paris".to_owned()], Utc::now())
        .unwrap()
        .0
        .secret;
    (victim, attacker, a_key)
}

fn refused(what: &str, r: &Resp) {
    assert!(
        matches!(r.status, 401 | 403 | 404),
        "{what}: answered {} {}",
        r.status,
        r.body
    );
}

/// Refused, or answered from A's own namespace with nothing of B's (A may
/// hold a record under the same id in its own store).
fn refused_or_own(what: &str, r: &Resp) {
    if r.status == 200 {
        for m in B_MARKERS {
            assert!(!r.body.contains(m), "{what}: shows {m}: {}", r.body);
        }
    } else {
        refused(what, r);
    }
}

fn event(seq: u64, kind: &str, payload: serde_json::Value) -> serde_json::Value {
    let id = uuid::Uuid::from_u128(0xa77a_c000_0000_7000_8000_0000_0000_0000 | u128::from(seq));
    serde_json::json!({
        "seq": seq, "event_id": id.to_string(), "kind": kind,
        "created_at": Utc::now(), "payload": payload,
    })
}

/// Every sync message against B: as B's devices with A's secret, enrolment
/// into B's stores and over B's tills, and A's own pushes naming B's ids.
fn sync_attacks(url: &str, v: &Victim, a: &RawDevice, a_code: &str, b_code_for_a: Option<&str>) {
    let pull = serde_json::json!({"protocol": 1, "cursor": 0, "limit": 100}).to_string();
    let push = serde_json::json!({"protocol": 1, "events": [], "fiscal": []}).to_string();
    let restore_page = serde_json::json!({"protocol": 1, "after": 0, "limit": 100}).to_string();
    for dev in v
        .devices
        .iter()
        .map(String::as_str)
        .chain(["till-1", "till-2", "b-nice/till-1"])
    {
        for (path, body) in [
            (paths::PUSH, push.as_str()),
            (paths::PULL, pull.as_str()),
            (paths::STATUS, "{}"),
            (paths::ANCHOR, "{}"),
            (restore::paths::RESTORE, restore_page.as_str()),
        ] {
            refused(
                &format!("{path} as {dev} with A's secret"),
                &signed(url, path, dev, &a.secret, body.as_bytes()),
            );
        }
    }
    // Enrolment into B's stores or over B's tills with A's codes.
    for (store, device, replaces) in [
        ("b-nice", "till-9", None),
        ("b-lille", "till-2", None),
        ("a-paris", "till-8", Some("b-nice/till-1")),
        ("a-paris", "till-8", Some("till-1")),
        ("b-nice", "till-1", Some("b-nice/till-1")),
    ] {
        let fresh = a_code;
        refused(
            &format!("enrol {device} into {store} replacing {replaces:?} with A's code"),
            &enrol(url, fresh, &enrol_body(store, device, replaces, 41)),
        );
    }
    // Restoring (re-enrolling) one of B's tills with A's code, in B's
    // store or in A's: the code is for A's store and names none of B's.
    for (store, device, replaces) in [
        ("b-nice", "till-1", "b-nice/till-1"),
        ("a-paris", "till-1", "b-nice/till-1"),
        ("b-lille", "till-2", "b-lille/till-2"),
    ] {
        refused(
            &format!("restore {replaces} as {store}/{device} with A's code"),
            &send(
                agent()
                    .post(&format!("{url}{}", restore::paths::RESTORE_ENROLL))
                    .set(auth::HEADER_ENROLMENT_CODE, a_code)
                    .set("content-type", "application/json"),
                Some(
                    enrol_body(store, device, Some(replaces), 44)
                        .to_string()
                        .as_bytes(),
                ),
            ),
        );
    }
    // A leaked code of B that is already used / another retailer's code
    // naming B's till is not A's to use; an unknown code is refused too.
    refused(
        "enrol with a made-up code",
        &enrol(
            url,
            "pos-enrol-0000",
            &enrol_body("b-nice", "till-9", None, 42),
        ),
    );
    if let Some(c) = b_code_for_a {
        // B's used enrolment code, replayed by A.
        refused(
            "enrol with B's used code",
            &enrol(url, c, &enrol_body("b-nice", "till-9", None, 43)),
        );
    }
    // A's own device pushes events naming B's ids: they land in A's store
    // (or are rejected), never in B's.
    let gift = B_GIFT;
    let events = serde_json::json!([
        event(
            1,
            "customer",
            serde_json::json!({
                "id": v.customer.as_str(), "personal": {"email": "attacker@example.com"},
            })
        ),
        event(
            2,
            "customer_erased",
            serde_json::json!({"customer": v.customer.as_str()})
        ),
        event(
            3,
            "stored_value_load",
            serde_json::json!({
                "code": gift, "amount": {"amount": "1000.00", "currency": "EUR"},
                "ticket": v.ticket, "op": "op-1",
            })
        ),
        event(
            4,
            "order_state",
            serde_json::json!({"order": v.order, "state": "cancelled"})
        ),
        event(
            5,
            "stock",
            serde_json::json!([{
                "id": "mv-attack-1", "reason": "adjustment", "sku": "TS-M", "location": "shop",
                "quantity": "-100", "operator": "x", "at": Utc::now(), "reference": null,
            }])
        ),
    ]);
    let body = serde_json::json!({"protocol": 1, "events": events, "fiscal": []}).to_string();
    let r = signed(url, paths::PUSH, &a.id, &a.secret, body.as_bytes());
    assert_eq!(r.status, 200, "A's own push: {}", r.body);
    // A's pull carries nothing of B's.
    let r = signed(url, paths::PULL, &a.id, &a.secret, pull.as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    for m in B_MARKERS {
        assert!(!r.body.contains(m), "A's pull carries {m}: {}", r.body);
    }
    // Digital receipts: sending B's ticket as A's device.
    let send_body =
        serde_json::json!({"ticket_id": v.ticket, "channel": "email_receipt"}).to_string();
    refused(
        "send B's receipt as A's device",
        &signed(
            url,
            pos_server::digital::request::SEND_PATH,
            &a.id,
            &a.secret,
            send_body.as_bytes(),
        ),
    );
}

/// Every web-shop route with A's key against B's stores and ids.
fn web_attacks(url: &str, v: &Victim, a_key: &str) {
    let bearer = format!("Bearer {a_key}");
    let get = |path: &str| {
        send(
            agent()
                .get(&format!("{url}{path}"))
                .set("authorization", &bearer),
            None,
        )
    };
    let post = |path: &str, body: serde_json::Value| {
        send(
            agent()
                .post(&format!("{url}{path}"))
                .set("authorization", &bearer)
                .set("content-type", "application/json"),
            Some(body.to_string().as_bytes()),
        )
    };
    let movement = serde_json::json!([{
        "id": "mv-web-attack", "reason": "receipt", "sku": "TS-M", "location": "shop",
        "quantity": "5", "operator": "web", "at": Utc::now(), "reference": null,
    }]);
    for store in ["b-nice", "b-lille", "b%2Dnice", "B-NICE"] {
        refused(
            "GET stock",
            &get(&format!(
                "/v1/web/stock?store={store}&sku=TS-M&location=shop"
            )),
        );
        refused(
            "POST stock",
            &post(&format!("/v1/web/stock?store={store}"), movement.clone()),
        );
        refused(
            "POST order",
            &post(
                &format!("/v1/web/orders?store={store}"),
                serde_json::json!({"id": "WEB-EVIL", "channel": "web", "location": "shop", "lines": [{"sku": "TS-M", "quantity": "1"}]}),
            ),
        );
        refused(
            "order state",
            &post(
                &format!("/v1/web/orders/{}/state?store={store}", v.order),
                serde_json::json!({"state": "cancelled"}),
            ),
        );
        refused(
            "transfer",
            &post(
                &format!("/v1/web/transfers?store={store}"),
                serde_json::json!({"id": "TR-EVIL", "sku": "TS-M", "from": "shop", "to": "shop",
                    "quantity": "1"}),
            ),
        );
        refused(
            "customer export",
            &get(&format!(
                "/v1/web/customers/{}/export?store={store}",
                v.customer.as_str()
            )),
        );
    }
    // From A's own store, towards B's data.
    refused(
        "transfer to B's store",
        &post(
            "/v1/web/transfers?store=a-paris",
            serde_json::json!({"id": "TR-EVIL-2", "sku": "TS-M", "from": "shop", "to": "shop",
                "to_store": "b-nice", "quantity": "1"}),
        ),
    );
    refused(
        "B's order through A's store",
        &post(
            &format!("/v1/web/orders/{}/state?store=a-paris", v.order),
            serde_json::json!({"state": "cancelled"}),
        ),
    );
    refused_or_own(
        "B's customer through A's store",
        &get(&format!(
            "/v1/web/customers/{}/export?store=a-paris",
            v.customer.as_str()
        )),
    );
}

/// Every back-office route with A's owner session against B's ids.
fn back_office_attacks(url: &str, v: &Victim, cookie: &str, csrf: &str) {
    let get = |path: &str| {
        send(
            agent().get(&format!("{url}{path}")).set("Cookie", cookie),
            None,
        )
    };
    let post = |path: &str, form: &[(&str, &str)]| {
        let r = agent()
            .post(&format!("{url}{path}"))
            .set("Cookie", cookie)
            .set("Origin", url)
            .send_form(form);
        match r {
            Ok(r) => Resp {
                status: r.status(),
                body: r.into_string().unwrap_or_default(),
            },
            Err(ureq::Error::Status(s, r)) => Resp {
                status: s,
                body: r.into_string().unwrap_or_default(),
            },
            Err(e) => panic!("{e}"),
        }
    };
    let c = v.customer.as_str();
    for store in ["b-nice", "b-lille"] {
        for path in [
            format!("/?store={store}"),
            format!("/api/dashboard?store={store}"),
            format!("/chart?store={store}&by=hour"),
            format!("/closures?store={store}"),
            format!("/download/fec?store={store}"),
            format!("/download/sales.csv?store={store}"),
            format!("/customers?store={store}"),
            format!("/customers/{store}/{c}"),
            format!("/customers/{store}/{c}/export"),
        ] {
            let r = get(&path);
            // Refused, or a page of A's own data (a page that ignores the
            // parameter) with nothing of B's.
            refused_or_own(&format!("GET {path}"), &r);
        }
        refused(
            "erase B's customer",
            &post(&format!("/customers/{store}/{c}/erase"), &[("csrf", csrf)]),
        );
        refused(
            "issue a code for B's store",
            &post(
                "/credentials/codes",
                &[
                    ("csrf", csrf),
                    ("store", store),
                    ("replaces", ""),
                    ("expires_in", "1h"),
                ],
            ),
        );
        refused(
            "issue a web key for B's store",
            &post("/credentials/web-keys", &[("csrf", csrf), ("store", store)]),
        );
    }
    for dev in &v.devices {
        let enc = dev.replace('/', "%2F");
        refused(
            &format!("journal of {dev}"),
            &get(&format!("/download/journal?till={enc}")),
        );
    }
    refused_or_own(
        "B's customer via A's store",
        &get(&format!("/customers/a-paris/{c}")),
    );
    refused(
        "revoke B's code",
        &post(
            &format!("/credentials/codes/{}/revoke", v.code_id),
            &[("csrf", csrf)],
        ),
    );
    refused(
        "revoke B's web key",
        &post(
            &format!("/credentials/web-keys/{}/revoke", v.key_id),
            &[("csrf", csrf)],
        ),
    );
    // The pages A may see hold nothing of B's.
    for path in [
        "/",
        "/customers",
        "/journal",
        "/closures",
        "/downloads",
        "/credentials",
        "/access-log",
    ] {
        let r = get(path);
        assert_eq!(r.status, 200, "A's own {path}");
        for m in B_MARKERS {
            assert!(!r.body.contains(m), "A's {path} shows {m}");
        }
    }
}

/// A cannot lock B's owner out: A's failures from A's address do not stop
/// B's owner signing in from B's address.
fn lockout_attack<S: Storage>(server: &Server<S>) {
    let a_addr: std::net::IpAddr = "198.51.100.66".parse().unwrap();
    let b_addr: std::net::IpAddr = "203.0.113.7".parse().unwrap();
    let now: DateTime<Utc> = Utc::now();
    for i in 0..20 {
        let r = service::login(
            server,
            "b-owner",
            "wrong password!!",
            a_addr,
            &format!("s{i}"),
            "c",
            now,
        );
        assert!(r.is_err());
    }
    service::login(
        server,
        "b-owner",
        PASSWORD,
        b_addr,
        "b-session",
        "b-csrf",
        now,
    )
    .expect("B's owner signs in from B's address after A's attempts");
}

fn suite<S: Storage>(server: Server<S>, snap: &dyn Fn() -> Snapshot) {
    let app = pos_server::http::router(server.clone())
        .merge(pos_server::backoffice::router(
            server.clone(),
            Config::default(),
        ))
        .merge(pos_server::digital::router(Arc::new(
            pos_server::digital::Digital::new(server.clone(), "https://recus.example.fr"),
        )));
    let running: InProcess = pos_server::spawn_app(app).unwrap();
    let url = running.url().to_owned();
    let (mut victim, attacker, a_key) = setup(&server, &url);
    let before = snap();
    assert!(
        !snapshot::mentioning(&before, &B_MARKERS)
            .values()
            .all(|rows| rows.is_empty()),
        "the victim has data"
    );

    let a_code = code(&server, "retailer-a", "a-paris", None);
    sync_attacks(&url, &victim, &attacker, &a_code, None);
    snapshot::assert_unchanged(&before, &snap(), &B_MARKERS, "sync messages");
    web_attacks(&url, &victim, &a_key);
    snapshot::assert_unchanged(&before, &snap(), &B_MARKERS, "web-shop API");
    let (cookie, csrf) = sign_in(&url, "a-owner");
    back_office_attacks(&url, &victim, &cookie, &csrf);
    let after = snap();
    // B's rows are the same, except the login attempts counted below.
    snapshot::assert_unchanged(&before, &after, &B_MARKERS, "back office");
    lockout_attack(&server);

    // Nothing of B is frozen: its tills sell, push and pull as before.
    let customer = victim.customer.clone();
    for (i, till) in victim.tills.iter_mut().enumerate() {
        // The customer was made at b-nice (the first till).
        till.sell((i == 0).then_some(&customer));
        let report = till.sync();
        assert_eq!(report.skipped, 0);
        let status = pos_sdk::sync::status(&mut till.register).unwrap();
        assert_eq!(status.pending, 0);
        assert!(status.last_success.is_some());
    }
    // The victim's gift card and customer are as B left them.
    let nice = &victim.tills[0];
    let card = nice.register.stored_value(B_GIFT).unwrap();
    assert_eq!(
        card.balance(),
        Money::parse("50.00", Currency::EUR).unwrap()
    );
    let c = nice.register.customer(&victim.customer).unwrap();
    assert_eq!(c.personal().and_then(|p| p.email.as_deref()), Some(B_EMAIL));
    drop(running);
}

#[test]
fn sqlite_a_second_retailer_can_neither_read_write_freeze_nor_lock_out_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let server = Server::new(pos_server::SqliteStorage::open(&path).unwrap());
    suite(server, &|| snapshot::sqlite(&path));
}

#[test]
fn postgres_a_second_retailer_can_neither_read_write_freeze_nor_lock_out_the_first() {
    let pg = support::pg::Pg::start();
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    let url = pg.url.clone();
    suite(server, &move || snapshot::postgres(&url));
}
