#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
//! Credentials that belong to a retailer, on SQLite and PostgreSQL:
//! enrolment codes refused when reused, expired, revoked, for another store
//! or another retailer's store, or when `replaces` is not what the code
//! names, each with a typed 4xx and nothing written (devices and codes
//! compared before and after); web keys refused outside their stores on
//! every web route; a signature replayed in upper-case hex refused.

mod support;

use chrono::{DateTime, Duration, Utc};
use pos_server::{Server, SqliteStorage, Storage};
use pos_sync::auth;
use pos_sync::transport::{HttpRequest, HttpResponse};
use support::till::{TestTill, t0};

const HOUR_MS: i64 = 3_600_000;

/// Retailer A (stores SA1, SA2) and retailer B (store SB1).
fn tenants<S: Storage>(server: &Server<S>) {
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("RA", "Retailer A", "123456789")?;
            tx.bo_put_retailer("RB", "Retailer B", "987654321")?;
            assert!(tx.bo_put_store("SA1", "RA")?);
            assert!(tx.bo_put_store("SA2", "RA")?);
            assert!(tx.bo_put_store("SB1", "RB")?);
            Ok(())
        })
        .unwrap();
}

/// Every device (with its secret and retirement) and every code and key of
/// both retailers: what a refused enrolment must leave untouched.
fn snapshot<S: Storage>(server: &Server<S>) -> String {
    server
        .with_tx(|tx| {
            let mut out = Vec::new();
            for store in ["SA1", "SA2", "SB1"] {
                for id in tx.bo_devices(store)? {
                    out.push(format!("{:?}", tx.device(&id)?));
                }
            }
            for retailer in ["RA", "RB"] {
                out.push(format!("{:?}", tx.credentials().codes(retailer)?));
                out.push(format!("{:?}", tx.credentials().web_keys(retailer)?));
            }
            Ok(out.join("\n"))
        })
        .unwrap()
}

fn code<S: Storage>(
    server: &Server<S>,
    retailer: &str,
    store: &str,
    replaces: Option<&str>,
    ttl_ms: i64,
) -> String {
    server
        .enrolment_code(retailer, store, replaces, ttl_ms, t0())
        .unwrap()
        .0
        .secret
}

fn enrol_request(code: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: "POST",
        path: "/v1/enroll".into(),
        headers: vec![(auth::HEADER_ENROLMENT_CODE.into(), code.into())],
        body,
    }
}

/// Enrols over the server's front; the answer's status and error code.
fn enrol<S: Storage>(
    server: &Server<S>,
    code: &str,
    till: &TestTill,
    replaces: Option<&str>,
    at: DateTime<Utc>,
) -> (u16, String) {
    let r = server.handle(&enrol_request(code, till.enroll_request(replaces)), at);
    (r.status, error_code(&r))
}

fn error_code(r: &HttpResponse) -> String {
    if r.status < 400 {
        return String::new();
    }
    pos_sync::wire::decode_error(&r.body).unwrap().code
}

fn enrolment_codes_are_refused_with_nothing_written<S: Storage>(server: Server<S>) {
    tenants(&server);
    let a1 = TestTill::new("till-1", "SA1", "L1", 1);
    let b1 = TestTill::new("till-1", "SB1", "L1", 2);

    // Two retailers both have a `till-1`: ids are namespaced by store.
    let ca = code(&server, "RA", "SA1", None, HOUR_MS);
    let cb = code(&server, "RB", "SB1", None, HOUR_MS);
    let before = snapshot(&server);
    // A code of retailer A for a store of B, and for another store of A.
    assert_eq!(
        enrol(&server, &ca, &b1, None, t0()),
        (403, "wrong_store".into())
    );
    let a2 = TestTill::new("till-2", "SA2", "L1", 3);
    assert_eq!(
        enrol(&server, &ca, &a2, None, t0()),
        (403, "wrong_store".into())
    );
    // A code of B for A's store.
    assert_eq!(
        enrol(&server, &cb, &a1, None, t0()),
        (403, "wrong_store".into())
    );
    // Unknown, malformed and missing codes.
    assert_eq!(
        enrol(&server, "pec_0000", &a1, None, t0()),
        (401, "enrolment_code_invalid".into())
    );
    let no_header = server.handle(
        &HttpRequest {
            headers: vec![],
            ..enrol_request("", a1.enroll_request(None))
        },
        t0(),
    );
    assert_eq!(no_header.status, 401);
    // Expired (a code lives one hour here).
    let late = t0() + Duration::hours(2);
    assert_eq!(
        enrol(&server, &ca, &a1, None, late),
        (401, "enrolment_code_expired".into())
    );
    // `replaces` the code does not name.
    assert_eq!(
        enrol(&server, &ca, &a1, Some("SA1/till-9"), t0()),
        (403, "replaces_not_authorised".into())
    );
    assert_eq!(snapshot(&server), before, "nothing written by a refusal");

    // The right code for the right store enrols, once.
    let (status, _) = enrol(&server, &ca, &a1, None, t0());
    assert_eq!(status, 200);
    let (status, _) = enrol(&server, &cb, &b1, None, t0());
    assert_eq!(status, 200);
    let devices = server
        .with_tx(|tx| Ok((tx.bo_devices("SA1")?, tx.bo_devices("SB1")?)))
        .unwrap();
    assert_eq!(
        devices,
        (vec!["SA1/till-1".into()], vec!["SB1/till-1".into()])
    );
    let before = snapshot(&server);
    let again = TestTill::new("till-3", "SA1", "L1", 4);
    assert_eq!(
        enrol(&server, &ca, &again, None, t0()),
        (401, "enrolment_code_used".into())
    );

    // Revoked.
    let revoked = server
        .enrolment_code("RA", "SA1", None, HOUR_MS, t0())
        .unwrap();
    server
        .with_tx(|tx| pos_server::credentials::revoke_code(tx, "RA", &revoked.1.id, 0))
        .unwrap();
    let before_revoked = snapshot(&server);
    assert_eq!(
        enrol(&server, &revoked.0.secret, &again, None, t0()),
        (401, "enrolment_code_revoked".into())
    );
    assert_eq!(snapshot(&server), before_revoked);
    // Retailer B cannot revoke (or see) A's codes.
    let other = server
        .enrolment_code("RA", "SA1", None, HOUR_MS, t0())
        .unwrap();
    let foreign =
        server.with_tx(|tx| pos_server::credentials::revoke_code(tx, "RB", &other.1.id, 0));
    assert_eq!(foreign.unwrap_err().code(), "not_found");
    assert!(
        server
            .with_tx(|tx| tx.credentials().codes("RB"))
            .unwrap()
            .iter()
            .all(|c| c.retailer == "RB")
    );
    let _ = before;

    // Replacing: only through a code that names the till, of its store.
    let lost = "SA1/till-1";
    let plain = code(&server, "RA", "SA1", None, HOUR_MS);
    let before = snapshot(&server);
    assert_eq!(
        enrol(&server, &plain, &again, Some(lost), t0()),
        (403, "replaces_not_authorised".into())
    );
    // B cannot issue a code replacing A's till, nor A one for B's.
    assert_eq!(
        server
            .enrolment_code("RB", "SA1", Some(lost), HOUR_MS, t0())
            .unwrap_err()
            .code(),
        "foreign_store"
    );
    assert_eq!(
        server
            .enrolment_code("RA", "SA1", Some("SB1/till-1"), HOUR_MS, t0())
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(snapshot(&server), before);
    let naming = code(&server, "RA", "SA1", Some(lost), HOUR_MS);
    // The code names the till: a plain enrolment with it is refused too.
    assert_eq!(
        enrol(&server, &naming, &again, None, t0()),
        (403, "replaces_not_authorised".into())
    );
    let r = server.handle(
        &enrol_request(&naming, again.enroll_request(Some(lost))),
        t0(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let enrolled = pos_sync::wire::decode_enroll_response(&r.body).unwrap();
    assert_eq!(enrolled.device, "SA1/till-3");
    assert_eq!(enrolled.replaced.unwrap().device, lost);
    let retired = server.with_tx(|tx| tx.device(lost)).unwrap().unwrap();
    assert_eq!(retired.replaced_by.as_deref(), Some("SA1/till-3"));
    // B's till-1 is untouched.
    let b = server
        .with_tx(|tx| tx.device("SB1/till-1"))
        .unwrap()
        .unwrap();
    assert!(b.replaced_by.is_none());
    assert_eq!(b.register, "till-1");
}

#[test]
fn sqlite_enrolment_codes_are_refused_with_nothing_written() {
    enrolment_codes_are_refused_with_nothing_written(Server::new(
        SqliteStorage::in_memory().unwrap(),
    ));
}

#[test]
fn postgres_enrolment_codes_are_refused_with_nothing_written() {
    let pg = support::pg::Pg::start();
    enrolment_codes_are_refused_with_nothing_written(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

fn web(key: &str, method: &'static str, path: &str, body: &str) -> HttpRequest {
    HttpRequest {
        method,
        path: path.into(),
        headers: vec![("authorization".into(), format!("Bearer {key}"))],
        body: body.as_bytes().to_vec(),
    }
}

fn movement(id: &str, qty: i64) -> String {
    serde_json::json!([{
        "id": id, "reason": "receipt", "sku": "APPLE", "location": "L1",
        "quantity": qty.to_string(), "operator": "backoffice", "at": t0(), "reference": null,
    }])
    .to_string()
}

fn web_keys_reach_only_their_stores<S: Storage>(server: Server<S>) {
    tenants(&server);
    let now = Utc::now();
    let key = server.web_key("RA", &["SA1".into()], now).unwrap().0.secret;
    let stock = movement("00000000-0000-7000-8000-0000000000d1", 10);
    for store in ["SA1", "SA2", "SB1"] {
        server
            .add_stock(store, &serde_json::from_str::<Vec<_>>(&stock).unwrap())
            .unwrap();
    }
    let order = |store: &str| {
        serde_json::json!({
            "id": "W1", "channel": "web", "location": "L1",
            "lines": [{ "sku": "APPLE", "quantity": "1" }],
            "customer": null, "pickup_at": null, "store": store,
        })
        .to_string()
    };
    let transfer = |to_store: Option<&str>| {
        serde_json::json!({
            "id": "TR-1", "sku": "APPLE", "from": "L1", "to": "L2",
            "to_store": to_store, "quantity": "1",
        })
        .to_string()
    };
    let audit = |s: &Server<S>| {
        ["SA2", "SB1"]
            .iter()
            .map(|st| format!("{:?}", s.stock_audit(st).unwrap()))
            .collect::<Vec<_>>()
    };
    let before = audit(&server);
    for foreign in ["SA2", "SB1"] {
        let routes = [
            web(
                &key,
                "GET",
                &format!("/v1/web/stock?store={foreign}&sku=APPLE&location=L1"),
                "",
            ),
            web(
                &key,
                "POST",
                &format!("/v1/web/stock?store={foreign}"),
                &movement("00000000-0000-7000-8000-0000000000d2", 5),
            ),
            web(
                &key,
                "POST",
                &format!("/v1/web/transfers?store={foreign}"),
                &transfer(None),
            ),
            web(
                &key,
                "POST",
                &format!("/v1/web/orders?store={foreign}"),
                &order(foreign),
            ),
            web(
                &key,
                "POST",
                &format!("/v1/web/orders/W1/state?store={foreign}"),
                r#"{"state":"cancelled"}"#,
            ),
            // A transfer out of the key's store into a store outside it.
            web(
                &key,
                "POST",
                "/v1/web/transfers?store=SA1",
                &transfer(Some(foreign)),
            ),
        ];
        for req in routes {
            let r = server.handle(&req, now);
            assert_eq!(
                (r.status, error_code(&r).as_str()),
                (403, "wrong_store"),
                "{} {}",
                req.method,
                req.path
            );
        }
    }
    assert_eq!(audit(&server), before, "nothing moved in other stores");
    // In scope it works; a revoked or unknown key is 401.
    let ok = server.handle(
        &web(
            &key,
            "GET",
            "/v1/web/stock?store=SA1&sku=APPLE&location=L1",
            "",
        ),
        now,
    );
    assert_eq!(ok.status, 200);
    let id = server
        .with_tx(|tx| tx.credentials().web_keys("RA"))
        .unwrap()[0]
        .id
        .clone();
    server
        .with_tx(|tx| pos_server::credentials::revoke_web_key(tx, "RA", &id, 0))
        .unwrap();
    for k in [key.as_str(), "pwk_unknown", ""] {
        let r = server.handle(
            &web(
                k,
                "GET",
                "/v1/web/stock?store=SA1&sku=APPLE&location=L1",
                "",
            ),
            now,
        );
        assert_eq!(r.status, 401, "{k}");
    }
}

#[test]
fn sqlite_web_keys_reach_only_their_stores() {
    web_keys_reach_only_their_stores(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn postgres_web_keys_reach_only_their_stores() {
    let pg = support::pg::Pg::start();
    web_keys_reach_only_their_stores(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

fn signed(device: &str, secret: &[u8], at: DateTime<Utc>, upper: bool) -> HttpRequest {
    let ts = at.timestamp_millis();
    let body = b"{}";
    let mut sig = auth::sign(secret, "POST", "/v1/status", ts, body);
    if upper {
        sig = sig.to_ascii_uppercase();
    }
    HttpRequest {
        method: "POST",
        path: "/v1/status".into(),
        headers: vec![
            (auth::HEADER_DEVICE.into(), device.into()),
            (auth::HEADER_TIMESTAMP.into(), ts.to_string()),
            (auth::HEADER_SIGNATURE.into(), sig),
        ],
        body: body.to_vec(),
    }
}

fn upper_case_hex_is_the_same_signature<S: Storage>(server: Server<S>) {
    tenants(&server);
    let mut till = TestTill::new("till-1", "SA1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    let now = Utc::now();
    let first = server.handle(&signed(&till.server_id, &till.secret, now, false), now);
    assert_eq!(first.status, 200);
    let replay = server.handle(&signed(&till.server_id, &till.secret, now, true), now);
    assert_eq!(
        (replay.status, error_code(&replay).as_str()),
        (401, "replayed")
    );
    // Upper case first, then lower case: also one signature.
    let later = now + Duration::seconds(1);
    assert_eq!(
        server
            .handle(&signed(&till.server_id, &till.secret, later, true), later)
            .status,
        200
    );
    assert_eq!(
        server
            .handle(&signed(&till.server_id, &till.secret, later, false), later)
            .status,
        401
    );

    // Incoming webhooks: the same.
    let server = server.with_webhook_secret(b"hook-secret");
    let key = server.web_key("RA", &["SA1".into()], now).unwrap().0.secret;
    let path = "/v1/web/stock?store=SA1";
    let body = movement("00000000-0000-7000-8000-0000000000e1", 1);
    let ts = now.timestamp_millis();
    let sig = pos_server::webhooks::sign(b"hook-secret", "POST", path, ts, body.as_bytes());
    let hook = |sig: String| {
        let mut r = web(&key, "POST", path, &body);
        r.headers.push((
            pos_server::webhooks::HEADER_TIMESTAMP.into(),
            ts.to_string(),
        ));
        r.headers
            .push((pos_server::webhooks::HEADER_SIGNATURE.into(), sig));
        server.handle(&r, now)
    };
    assert_eq!(hook(sig.clone()).status, 200);
    let replay = hook(sig.to_ascii_uppercase());
    assert_eq!(
        (replay.status, error_code(&replay).as_str()),
        (401, "replayed")
    );
}

#[test]
fn sqlite_upper_case_hex_is_the_same_signature() {
    upper_case_hex_is_the_same_signature(Server::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn postgres_upper_case_hex_is_the_same_signature() {
    let pg = support::pg::Pg::start();
    upper_case_hex_is_the_same_signature(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}

/// Two servers starting at once on one empty PostgreSQL database: one first
/// start only (one retailer, one code, one key printed).
#[test]
fn postgres_concurrent_first_starts_happen_once() {
    use pos_server::credentials::{CODE_PREFIX, KEY_PREFIX, first_start, fresh};
    let pg = support::pg::Pg::start();
    let ready = std::sync::Arc::new(std::sync::Barrier::new(4));
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (url, ready) = (pg.url.clone(), ready.clone());
            std::thread::spawn(move || {
                let server = Server::new(pos_server::PostgresStorage::connect(&url).unwrap());
                ready.wait();
                server
                    .with_tx(|tx| {
                        first_start(
                            tx,
                            ("r1", "Retailer", "123456789"),
                            "shop-1",
                            fresh(CODE_PREFIX),
                            fresh(KEY_PREFIX),
                            0,
                        )
                    })
                    .unwrap()
            })
        })
        .collect();
    let done: Vec<_> = starts.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(done.iter().filter(|f| f.is_some()).count(), 1, "{done:?}");
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    assert_eq!(
        server
            .with_tx(|tx| tx.credentials().codes("r1"))
            .unwrap()
            .len(),
        1
    );
}
