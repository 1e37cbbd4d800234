//! Back office and RGPD tools: two retailers with their stores and tills,
//! real fiscal journals synced to the server, the dashboard's day total
//! against the tills' Z closures, tenant isolation on every route, login,
//! cookies, CSRF and throttling over HTTP, escaping, and the RGPD export,
//! erasure, retention and access log on SQLite and PostgreSQL.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pos_fiscal::Signer;
use pos_fiscal::model::Stamp;
use pos_fiscal::verify::{VerifyContext, verify_records};
use pos_server::backoffice::service::{self, Viewer};
use pos_server::backoffice::{Config, Role, rgpd};
use pos_server::{Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::wire::ChangeKind;
use support::till::{TestTill, t0, ticking};

const PASSWORD: &str = "correct horse battery staple";

struct Direct<S: Storage>(Server<S>, DateTime<Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

/// The day of the test sales (t0 is 2026-01-01 10:00 UTC, 11:00 in Paris).
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

struct World<S: Storage> {
    server: Server<S>,
    tills: Vec<TestTill>,
}

/// Retailer r1 (stores S1, S2; tills CAISSE-A1, -A2) and r2 (store S3;
/// till CAISSE-B1),
/// users of each role, sales with customers, a day closed on A1 and B1.
fn world<S: Storage>(server: Server<S>, xss: bool) -> World<S> {
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Boulangerie Dupont", "123456789")?;
            service::add_retailer(tx, "r2", "Cave Martin", "987654321")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_store(tx, "r1", "S2")?;
            service::add_store(tx, "r2", "S3")?;
            for (u, r, role) in [
                ("owner1", "r1", Role::Owner),
                ("manager1", "r1", Role::Manager),
                ("accountant1", "r1", Role::Accountant),
                ("owner2", "r2", Role::Owner),
            ] {
                service::add_user(tx, r, u, role, PASSWORD, [9; 16])?;
            }
            Ok(())
        })
        .unwrap();
    let mut tills = vec![
        TestTill::new("CAISSE-A1", "S1", "L1", 1),
        TestTill::new("CAISSE-A2", "S2", "L2", 2),
        TestTill::new("CAISSE-B1", "S3", "L3", 3),
    ];
    for t in &mut tills {
        support::enrol::enroll(&server, t, None);
    }
    tills[0].sell("BAGUETTE", 3, Some("C1"), None);
    tills[0].sell("CROISSANT", 2, None, None);
    tills[1].sell("BAGUETTE", 1, Some("C9"), None);
    tills[2].sell("BORDEAUX", 4, Some("C3"), None);
    if xss {
        tills[0].sell("<script>alert(1)</script>", 1, None, None);
    }
    // A1 and B1 close the day; A2 does not (yet).
    let close_at = Stamp::new(t0() + Duration::hours(12), 60).unwrap();
    for i in [0, 2] {
        let t = &tills[i];
        pos_fiscal::store::close_day(&t.journal, &t.signer, close_at, day(), None, "alice")
            .unwrap();
    }
    let clock = ticking();
    let mut direct = Direct(server.clone(), t0());
    for t in &mut tills {
        sync_once(&t.client(), t, &mut direct, &clock).unwrap();
    }
    World { server, tills }
}

fn viewer<S: Storage>(server: &Server<S>, user: &str) -> Viewer {
    // Each sign-in its own session id (a suite may sign a user in twice).
    static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let sid = format!("sid-{user}-{n}");
    let now = Utc::now();
    service::login(
        server,
        user,
        PASSWORD,
        std::net::Ipv4Addr::LOCALHOST.into(),
        &sid,
        "csrf",
        now,
    )
    .unwrap();
    service::viewer(server, &sid, now).unwrap()
}

fn verify_chain<S: Storage>(server: &Server<S>, till: &TestTill) {
    let records = server
        .with_tx(|tx| tx.fiscal_records(&till.server_id))
        .unwrap();
    assert_eq!(records.len(), till.records().len());
    let report = verify_records(
        &records,
        &VerifyContext {
            source: "test".into(),
            keys: vec![pos_fiscal::PublicKey::from_sec1(&till.signer.public_key_sec1()).unwrap()],
            ..Default::default()
        },
    );
    assert!(report.is_intact(), "{}", report.to_json());
}

/// The dashboard's day total is the sum of the day's Z records, to the
/// cent, and each retailer sees only its own stores.
fn day_total_matches_z<S: Storage>(w: &World<S>) {
    let v1 = viewer(&w.server, "owner1");
    assert_eq!(v1.stores, ["S1", "S2"]);
    // A1 alone is closed: its store's total equals its Z.
    let d = service::dashboard(&w.server, &v1, Some("S1"), day()).unwrap();
    assert_eq!(d.total, 5000);
    assert_eq!(d.closures.len(), 1);
    assert_eq!(d.closures_total, d.total);
    let z: i64 = w
        .server
        .with_tx(|tx| tx.fiscal_records("S1/CAISSE-A1"))
        .unwrap()
        .iter()
        .filter_map(|r| pos_server::backoffice::report::closure_fact("S1", r))
        .map(|c| c.payload.period_total)
        .sum();
    assert_eq!(z, d.total);
    // Both stores: A2's sale counts, and has no closure yet.
    let all = service::dashboard(&w.server, &v1, None, day()).unwrap();
    assert_eq!(all.total, 6000);
    assert_eq!(all.by_store["S2"], 1000);
    assert_eq!(all.by_till["CAISSE-A1"], 5000);
    assert_eq!(all.by_payment["card"], 6000);
    assert_eq!(all.by_hour[&11], 6000);
    assert!(!all.by_store.contains_key("S3"));
    // Retailer 2: its own till only, and its Z equals its day.
    let v2 = viewer(&w.server, "owner2");
    assert_eq!(v2.stores, ["S3"]);
    let d2 = service::dashboard(&w.server, &v2, None, day()).unwrap();
    assert_eq!(d2.total, 4000);
    assert_eq!(d2.closures_total, 4000);
    assert_eq!(
        service::dashboard(&w.server, &v2, Some("S1"), day())
            .unwrap_err()
            .code(),
        "foreign_store"
    );
    assert_eq!(
        service::fec(&w.server, &v2, "S1/CAISSE-A1")
            .unwrap_err()
            .code(),
        "foreign_store"
    );
    let (name, fec) = service::fec(&w.server, &v1, "S1/CAISSE-A1").unwrap();
    assert_eq!(name, "123456789FEC20260101.txt");
    assert!(String::from_utf8_lossy(&fec).contains("50,00"));
    // The first look queues the background verifications; once they are
    // done, the cached verdicts cover every accepted record.
    let jobs = pos_server::verify_job::VerifyJobs::start(w.server.clone(), 1);
    service::journal_status(&w.server, &v1, &jobs).unwrap();
    assert!(jobs.wait_idle(std::time::Duration::from_secs(60)));
    let status = service::journal_status(&w.server, &v1, &jobs).unwrap();
    assert_eq!(status.len(), 2);
    assert!(
        status.iter().all(|s| s.verified() && s.quarantined == 0),
        "{status:?}"
    );
}

/// Export, erasure that keeps the fiscal chain verifiable, retention with
/// an injected clock, and the access log.
fn rgpd_suite<S: Storage>(w: &World<S>) {
    let s = &w.server;
    let created = t0() - Duration::days(5 * 365);
    s.with_tx(|tx| {
        let doc = |id: &str, at: DateTime<Utc>| {
            serde_json::json!({
                "id": id, "created_at": at,
                "personal": {"first_name": "Jeanne", "last_name": "Durand", "email": "jeanne@example.fr"},
                "consents": {"email": {"state": "granted"}},
                "consent_history": [{"channel": "email", "state": "granted"}],
                "purchases": [],
            })
            .to_string()
        };
        tx.put_document("customer", "S1", "C1", &doc("C1", created), "{}")?;
        tx.put_document("customer", "S1", "C2", &doc("C2", created), "{}")?;
        tx.put_document("customer", "S3", "C3", &doc("C3", created), "{}")?;
        Ok(())
    })
    .unwrap();
    let now = t0() + Duration::days(1);
    let export = s.with_tx(|tx| rgpd::export(tx, "S1", "C1", now)).unwrap();
    assert_eq!(export["format"], rgpd::EXPORT_FORMAT);
    assert_eq!(export["document"]["personal"]["email"], "jeanne@example.fr");
    assert_eq!(export["consents"]["email"]["state"], "granted");
    assert_eq!(export["purchases"].as_array().unwrap().len(), 1);
    assert_eq!(export["purchases"][0]["ticket"]["customer"], "C1");
    assert_eq!(export["loyalty"]["balance"], "30");
    // Retention: C2 (created five years ago, never bought) is anonymised;
    // C1 bought at t0 and stays; the other retailer's C3 is not touched.
    let done = s
        .with_tx(|tx| {
            rgpd::apply_retention(tx, "r1", "retention", rgpd::DEFAULT_RETENTION_DAYS, now)
        })
        .unwrap();
    assert_eq!(done, [("S1".to_string(), "C2".to_string())]);
    // Three years later C1 is inactive too.
    let later = now + Duration::days(3 * 365 + 1);
    let done = s
        .with_tx(|tx| {
            rgpd::apply_retention(tx, "r1", "retention", rgpd::DEFAULT_RETENTION_DAYS, later)
        })
        .unwrap();
    assert_eq!(done, [("S1".to_string(), "C1".to_string())]);
    let (c1, _) = s
        .with_tx(|tx| tx.document("customer", "S1", "C1"))
        .unwrap()
        .unwrap();
    assert!(!c1.contains("Jeanne") && !c1.contains("jeanne@") && !c1.contains("consent"));
    let c1: serde_json::Value = serde_json::from_str(&c1).unwrap();
    assert_eq!(c1["erased"], true);
    assert_eq!(c1["id"], "C1");
    // An explicit erasure of an erased customer changes nothing.
    assert!(!s.with_tx(|tx| rgpd::erase(tx, "S1", "C1", later)).unwrap());
    // Tills pull the erasure as a customer change.
    let changes = s.with_tx(|tx| tx.changes_since("S1", 0, 1000)).unwrap();
    let erased: Vec<_> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Customer && c.data["erased"] == true)
        .map(|c| c.key.clone())
        .collect();
    assert_eq!(erased, ["C2", "C1"]);
    // The fiscal chain is untouched and still verifies.
    verify_chain(s, &w.tills[0]);
    // The access log: the retention runs, newest first, for r1 only.
    let log = s.with_tx(|tx| tx.bo_access_log("r1", 10)).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].customer, "C1");
    assert_eq!(log[0].action, "anonymise");
    assert!(
        s.with_tx(|tx| tx.bo_access_log("r2", 10))
            .unwrap()
            .is_empty()
    );
    let (c3, _) = s
        .with_tx(|tx| tx.document("customer", "S3", "C3"))
        .unwrap()
        .unwrap();
    assert!(c3.contains("Jeanne"));
}

#[test]
fn sqlite_day_total_equals_the_sum_of_the_days_z_records() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    day_total_matches_z(&w);
}

/// An exchange is revenue by its balance: the back office's day total,
/// per till and per payment, equals the till's Z with a sale and two
/// exchanges (one paid, one paid back) in the day.
#[test]
fn sqlite_exchanges_count_in_the_day_total_like_the_z() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Boulangerie Dupont", "123456789")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_user(tx, "r1", "owner1", Role::Owner, PASSWORD, [9; 16])?;
            Ok(())
        })
        .unwrap();
    let mut till = TestTill::new("CAISSE-A1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    till.sell("BAGUETTE", 3, None, None); // T1: +30.00
    till.exchange(1, "BAGUETTE", 1, "CROISSANT", 3); // +20.00
    till.exchange(1, "BAGUETTE", 2, "TARTE", 1); // -10.00
    let close_at = Stamp::new(t0() + Duration::hours(12), 60).unwrap();
    pos_fiscal::store::close_day(&till.journal, &till.signer, close_at, day(), None, "alice")
        .unwrap();
    let clock = ticking();
    let mut direct = Direct(server.clone(), t0());
    sync_once(&till.client(), &mut till, &mut direct, &clock).unwrap();
    verify_chain(&server, &till);
    let z: Vec<_> = server
        .with_tx(|tx| tx.fiscal_records("S1/CAISSE-A1"))
        .unwrap()
        .iter()
        .filter_map(|r| pos_server::backoffice::report::closure_fact("S1", r))
        .collect();
    assert_eq!(z.len(), 1);
    assert_eq!(z[0].payload.period_total, 4000);
    let v = viewer(&server, "owner1");
    let d = service::dashboard(&server, &v, None, day()).unwrap();
    assert_eq!(d.total, 4000);
    assert_eq!(d.closures_total, d.total);
    assert_eq!(d.by_till["CAISSE-A1"], 4000);
    assert_eq!(d.by_payment["card"], 4000);
}

/// A stock receipt of `qty` units.
fn movement(id: &str, sku: &str, loc: &str, qty: i64) -> pos_core::stock::StockMovement {
    serde_json::from_value(serde_json::json!({
        "id": id, "reason": "receipt", "sku": sku, "location": loc,
        "quantity": qty.to_string(), "operator": "backoffice", "at": t0(), "reference": null,
    }))
    .unwrap()
}

/// Web orders paid online count in the day's revenue, charts and best
/// sellers under their channel; an order paid at pickup, a cancelled one
/// and another retailer's count nowhere; the tills' part still equals the
/// Z closures.
fn web_revenue_by_channel<S: Storage>(w: &World<S>) {
    use pos_server::web::{WebOrder, WebOrderLine};
    let v1 = viewer(&w.server, "owner1");
    let before = service::dashboard(&w.server, &v1, None, day()).unwrap();
    for (store, loc, sku) in [
        ("S1", "L1", "CROISSANT"),
        ("S2", "L2", "TARTE"),
        ("S3", "L3", "BORDEAUX"),
    ] {
        w.server
            .add_stock(
                store,
                &[movement(
                    &format!("00000000-0000-7000-8000-0000000{store}b01"),
                    sku,
                    loc,
                    50,
                )],
            )
            .unwrap();
    }
    let order = |id: &str,
                 channel: &str,
                 loc: &str,
                 sku: &str,
                 qty: &str,
                 price: Option<&str>,
                 paid: bool| WebOrder {
        id: id.into(),
        channel: channel.into(),
        location: loc.into(),
        lines: vec![WebOrderLine {
            sku: sku.into(),
            quantity: qty.parse().unwrap(),
            unit_price: price.map(|p| p.parse().unwrap()),
        }],
        pickup_at: None,
        paid_online: paid,
    };
    let at = t0() + Duration::hours(9); // 20:00 in Paris, the same day
    let s = &w.server;
    // Shipped: 3 × 1.25 = 3.75.
    s.create_order_at(
        "S1",
        &order("WEB-1", "web", "L1", "CROISSANT", "3", Some("1.25"), true),
        at,
    )
    .unwrap();
    // Collected, paid online: 2 × 12.40 = 24.80.
    s.create_order_at(
        "S2",
        &order(
            "CC-1",
            "click_collect",
            "L2",
            "TARTE",
            "2",
            Some("12.40"),
            true,
        ),
        at,
    )
    .unwrap();
    // Paid at pickup: the till's ticket will count it, not the order.
    s.create_order_at(
        "S2",
        &order(
            "CC-2",
            "click_collect",
            "L2",
            "TARTE",
            "1",
            Some("12.40"),
            false,
        ),
        at,
    )
    .unwrap();
    // Paid, then cancelled: nothing.
    s.create_order_at(
        "S1",
        &order("WEB-2", "web", "L1", "CROISSANT", "1", Some("1.25"), true),
        at,
    )
    .unwrap();
    s.set_order_state("S1", "WEB-2", "cancelled").unwrap();
    // Another retailer's order.
    s.create_order_at(
        "S3",
        &order("WEB-9", "web", "L3", "BORDEAUX", "1", Some("10.00"), true),
        at,
    )
    .unwrap();
    // Paid online without prices, or with a bad one: refused, nothing kept.
    for bad in [
        order("WEB-3", "web", "L1", "CROISSANT", "1", None, true),
        order("WEB-4", "web", "L1", "CROISSANT", "1", Some("-1"), true),
        order("WEB-5", "web", "L1", "CROISSANT", "1", Some("0.001"), true),
    ] {
        let e = s.create_order_at("S1", &bad, at).unwrap_err();
        assert_eq!(e.code(), "invalid_amount", "{}", bad.id);
        assert!(s.with_tx(|tx| tx.order("S1", &bad.id)).unwrap().is_none());
    }
    // Resent: counted once.
    s.create_order_at(
        "S1",
        &order("WEB-1", "web", "L1", "CROISSANT", "3", Some("1.25"), true),
        at,
    )
    .unwrap();

    let d = service::dashboard(s, &v1, None, day()).unwrap();
    assert_eq!(d.total, before.total + 375 + 2480);
    assert_eq!(d.by_channel["store"], before.total);
    assert_eq!(d.by_channel["web"], 375);
    assert_eq!(d.by_channel["click_collect"], 2480);
    assert_eq!(d.by_till, before.by_till);
    assert_eq!(d.by_store["S1"], before.by_store["S1"] + 375);
    assert_eq!(d.by_store["S2"], before.by_store["S2"] + 2480);
    assert_eq!(d.by_payment["online"], 2855);
    assert_eq!(d.by_hour[&20], 2855);
    assert_eq!(d.tickets, before.tickets + 2);
    let tarte = d.top.iter().find(|p| p.label == "TARTE").unwrap();
    assert_eq!((tarte.qty_milli, tarte.revenue), (2000, 2480));
    // Store S1 alone: its Z still equals its tills' part.
    let d1 = service::dashboard(s, &v1, Some("S1"), day()).unwrap();
    assert_eq!(d1.closures_total, d1.by_channel["store"]);
    assert_eq!(d1.total, d1.closures_total + 375);
    // The page says so and shows the channels.
    let page = pos_server::backoffice::pages::charts(&d);
    assert!(
        page.contains("Click &amp; collect") || page.contains("Click & collect"),
        "{page}"
    );
    // Retailer 2 sees its own order only.
    let v2 = viewer(s, "owner2");
    let d2 = service::dashboard(s, &v2, None, day()).unwrap();
    assert_eq!(d2.by_channel["web"], 1000);
    assert!(!d2.by_channel.contains_key("click_collect"));
}

#[test]
fn sqlite_web_orders_paid_online_count_by_channel() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    web_revenue_by_channel(&w);
}

#[test]
fn sqlite_rgpd_export_erasure_retention_and_access_log() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    rgpd_suite(&w);
}

#[test]
fn postgres_back_office_parity() {
    let pg = support::pg::Pg::start();
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    let w = world(server, false);
    day_total_matches_z(&w);
    rgpd_suite(&w);
    http_suite(&w);
    web_revenue_by_channel(&w);
}

#[test]
fn a_store_belongs_to_one_retailer_and_names_are_checked() {
    let s = Server::new(SqliteStorage::in_memory().unwrap());
    s.with_tx(|tx| {
        service::add_retailer(tx, "r1", "Un", "123456789")?;
        service::add_retailer(tx, "r2", "Deux", "123456789")?;
        service::add_store(tx, "r1", "S1")
    })
    .unwrap();
    let code = |r: pos_server::Result<()>| r.unwrap_err().code();
    assert_eq!(
        code(s.with_tx(|tx| service::add_store(tx, "r2", "S1"))),
        "foreign_store"
    );
    assert_eq!(
        code(s.with_tx(|tx| service::add_store(tx, "nobody", "S9"))),
        "unknown_retailer"
    );
    assert_eq!(
        code(s.with_tx(|tx| service::add_retailer(tx, "r3", "x", "12"))),
        "bad_name"
    );
    assert_eq!(
        code(s.with_tx(|tx| service::add_user(tx, "r1", "a b", Role::Owner, PASSWORD, [1; 16]))),
        "bad_name"
    );
    s.with_tx(|tx| service::add_user(tx, "r1", "ann", Role::Owner, PASSWORD, [1; 16]))
        .unwrap();
    assert_eq!(
        code(s.with_tx(|tx| service::add_user(tx, "r2", "ann", Role::Owner, PASSWORD, [1; 16]))),
        "user_exists"
    );
    let u = s.with_tx(|tx| tx.bo_user("ann")).unwrap().unwrap();
    assert!(u.password_hash.starts_with("$argon2id$"));
    assert!(!u.password_hash.contains(PASSWORD));
}

// ---- over HTTP ----

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn call(req: ureq::Request, form: Option<&[(&str, &str)]>) -> Resp {
    let r = match form {
        Some(f) => req.send_form(f),
        None => req.call(),
    };
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let headers = resp
        .headers_names()
        .into_iter()
        .flat_map(|n| {
            resp.all(&n)
                .into_iter()
                .map(|v| (n.clone(), v.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    Resp {
        status,
        headers,
        body: resp.into_string().unwrap_or_default(),
    }
}

fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn sign_in(url: &str, user: &str) -> (String, String) {
    let r = call(
        agent().post(&format!("{url}/login")),
        Some(&[("username", user), ("password", PASSWORD)]),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = header(&r, "set-cookie").unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "loopback: {cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let home = call(agent().get(&format!("{url}/")).set("Cookie", &pair), None);
    let csrf = home
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (pair, csrf)
}

/// Checks that every element is closed in order (void elements aside) and
/// that the document is one `<html>`: the pages are hand-written HTML.
fn assert_well_formed(path: &str, html: &str) {
    const VOID: [&str; 5] = ["meta", "link", "input", "br", "img"];
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"),
        "{path}"
    );
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html.strip_prefix("<!DOCTYPE html>").unwrap();
    while let Some(start) = rest.find('<') {
        let end = start
            + rest[start..]
                .find('>')
                .unwrap_or_else(|| panic!("{path}: unclosed tag"));
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "{path}: `<` inside a tag: {tag}");
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{path}: stray </{closing}>"));
            assert_eq!(open, name, "{path}: <{open}> closed by </{name}>");
        } else if !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "{path}: unclosed {stack:?}");
}

fn get(url: &str, path: &str, cookie: &str) -> Resp {
    call(
        agent().get(&format!("{url}{path}")).set("Cookie", cookie),
        None,
    )
}

fn http_suite<S: Storage>(w: &World<S>) {
    let app = pos_server::http::router(w.server.clone()).merge(pos_server::backoffice::router(
        w.server.clone(),
        Config::default(),
    ));
    let running = pos_server::spawn_app(app).unwrap();
    let url = running.url().to_owned();
    // Signed out: `/` is the login page, other pages send there.
    let r = call(agent().get(&format!("{url}/")), None);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("action=\"/login\""));
    assert!(
        header(&r, "content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(
        call(agent().get(&format!("{url}/closures")), None).status,
        303
    );
    assert_eq!(
        call(agent().get(&format!("{url}/api/dashboard")), None).status,
        401
    );
    // The sync API still answers next to the back office.
    assert!(
        call(agent().get(&format!("{url}/openapi.json")), None)
            .body
            .contains("openapi")
    );

    let (c1, csrf1) = sign_in(&url, "owner1");
    let (c2, _) = sign_in(&url, "owner2");
    let day = "2026-01-01";
    // Every page of retailer 2 shows none of retailer 1's stores or tills.
    for path in [
        format!("/?day={day}"),
        format!("/api/dashboard?day={day}"),
        format!("/chart?by=till&day={day}"),
        format!("/chart?by=store&day={day}"),
        "/closures".to_string(),
        "/refunds".to_string(),
        "/journal".to_string(),
        format!("/downloads?day={day}"),
        format!("/download/sales.csv?day={day}"),
        "/customers".to_string(),
        "/access-log".to_string(),
    ] {
        let r = get(&url, &path, &c2);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        for foreign in ["S1", "S2", "CAISSE-A", "BAGUETTE", "CROISSANT"] {
            assert!(!r.body.contains(foreign), "{path} leaks {foreign}");
        }
    }
    // Every page is well formed (retailer 1 has data on all of them).
    w.server
        .with_tx(|tx| {
            tx.put_document(
                "customer",
                "S1",
                "C7",
                r#"{"id":"C7","personal":{"first_name":"Zoé <b>"}}"#,
                "{}",
            )
        })
        .unwrap();
    for path in [
        format!("/?day={day}"),
        format!("/chart?by=hour&day={day}"),
        format!("/chart?by=category&day={day}"),
        format!("/chart?by=payment&day={day}"),
        format!("/chart?by=channel&day={day}"),
        "/closures".to_string(),
        "/refunds".to_string(),
        "/journal".to_string(),
        format!("/downloads?day={day}"),
        "/customers".to_string(),
        "/customers/S1/C7".to_string(),
        "/access-log".to_string(),
        "/chart?by=nothing".to_string(),
    ] {
        assert_well_formed(&path, &get(&url, &path, &c1).body);
    }
    assert_well_formed(
        "/login",
        &call(agent().get(&format!("{url}/login")), None).body,
    );
    assert!(
        get(&url, "/customers/S1/C7", &c1)
            .body
            .contains("Zoé &lt;b&gt;")
    );
    // And retailer 1's own pages do show them.
    let home = get(&url, &format!("/?day={day}"), &c1);
    assert!(
        home.body.contains("CAISSE-A1") && home.body.contains("60,00 €"),
        "{}",
        home.body
    );
    // Named foreign resources are refused.
    for path in [
        format!("/?day={day}&store=S1"),
        format!("/api/dashboard?day={day}&store=S1"),
        format!("/live?day={day}&store=S1"),
        "/download/fec?till=S1%2FCAISSE-A1".to_string(),
        "/download/journal?till=S1%2FCAISSE-A1".to_string(),
        "/customers/S1/C1".to_string(),
        "/customers/S1/C1/export".to_string(),
    ] {
        assert_eq!(get(&url, &path, &c2).status, 403, "{path}");
    }
    // Downloads for the right retailer.
    let fec = get(&url, "/download/fec?till=S1%2FCAISSE-A1", &c1);
    assert_eq!(fec.status, 200);
    assert!(
        header(&fec, "content-disposition")
            .unwrap()
            .contains("123456789FEC20260101.txt")
    );
    assert!(fec.body.starts_with("JournalCode|"));
    let csv = get(&url, &format!("/download/sales.csv?day={day}"), &c1);
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    let jsonl = get(&url, "/download/journal?till=S1%2FCAISSE-A1", &c1);
    assert_eq!(jsonl.body.lines().count(), w.tills[0].records().len());
    // Each line is a signed record: pos-fiscal reads them back and its
    // verifier checks chains and signatures with the till's public key.
    let (records, defects) = pos_fiscal::archive::decode_jsonl(jsonl.body.as_bytes());
    assert!(defects.is_empty(), "{defects:?}");
    let report = verify_records(
        &records,
        &VerifyContext {
            source: "download".into(),
            keys: vec![
                pos_fiscal::PublicKey::from_sec1(&w.tills[0].signer.public_key_sec1()).unwrap(),
            ],
            ..Default::default()
        },
    );
    assert!(report.is_intact(), "{}", report.to_json());
    // The dashboard JSON equals the Z figures.
    let j: serde_json::Value =
        serde_json::from_str(&get(&url, &format!("/api/dashboard?day={day}&store=S1"), &c1).body)
            .unwrap();
    assert_eq!(j["total"], 5000);
    assert_eq!(j["closures_total"], 5000);
    assert_eq!(j["total_fr"], "50,00 €");

    // Roles: the accountant reads figures and the FEC, no personal data.
    let (ca, csrfa) = sign_in(&url, "accountant1");
    assert_eq!(
        get(&url, "/download/fec?till=S1%2FCAISSE-A1", &ca).status,
        200
    );
    assert_eq!(get(&url, "/customers", &ca).status, 403);
    assert_eq!(get(&url, "/customers/S1/C1/export", &ca).status, 403);
    assert_eq!(get(&url, "/access-log", &ca).status, 403);
    let r = call(
        agent()
            .post(&format!("{url}/customers/S1/C1/erase"))
            .set("Cookie", &ca),
        Some(&[("csrf", csrfa.as_str())]),
    );
    assert_eq!(r.status, 403);

    // Personal data: a manager views and exports (logged), CSRF guards erasure.
    let (cm, csrfm) = sign_in(&url, "manager1");
    w.server
        .with_tx(|tx| {
            tx.put_document(
                "customer",
                "S1",
                "C9",
                r#"{"id":"C9","personal":{"first_name":"Paul"}}"#,
                "{}",
            )
        })
        .unwrap();
    let view = get(&url, "/customers/S1/C9", &cm);
    assert_eq!(view.status, 200);
    assert!(view.body.contains("Paul"));
    let export = get(&url, "/customers/S1/C9/export", &cm);
    assert!(
        header(&export, "content-disposition")
            .unwrap()
            .contains("client-C9.json")
    );
    let erase = |cookie: &str, form: &[(&str, &str)], origin: Option<&str>| {
        let mut req = agent()
            .post(&format!("{url}/customers/S1/C9/erase"))
            .set("Cookie", cookie);
        if let Some(o) = origin {
            req = req.set("Origin", o);
        }
        call(req, Some(form))
    };
    assert_eq!(erase(&cm, &[], None).status, 403, "no token");
    assert_eq!(
        erase(&cm, &[("csrf", csrf1.as_str())], None).status,
        403,
        "another session's token"
    );
    assert_eq!(
        erase(
            &cm,
            &[("csrf", csrfm.as_str())],
            Some("http://evil.example")
        )
        .status,
        403,
        "cross-origin"
    );
    let ok = erase(&cm, &[("csrf", csrfm.as_str())], Some(&url));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("id=\"erased\""));
    assert!(!get(&url, "/customers/S1/C9", &cm).body.contains("Paul"));
    // The owner sees who did what.
    let log = get(&url, "/access-log", &c1);
    assert_eq!(log.status, 200);
    for action in ["view", "export", "erase"] {
        assert!(
            log.body.contains(&format!("<td>{action}</td>")),
            "{action}: {}",
            log.body
        );
    }
    assert!(log.body.contains("manager1"));

    // The web API export, with the web shop's token.
    let r = call(
        agent().get(&format!("{url}/v1/web/customers/C3/export?store=S3")),
        None,
    );
    assert_eq!(r.status, 401);
    let web = support::enrol::web_key(&w.server, &["S1"]);
    for (path, status) in [
        // Another store of the same retailer, outside the key's scope.
        ("/v1/web/customers/C9/export?store=S2", 403),
        // Another retailer's store.
        ("/v1/web/customers/C3/export?store=S3", 403),
    ] {
        let r = call(
            agent()
                .get(&format!("{url}{path}"))
                .set("Authorization", &format!("Bearer {web}")),
            None,
        );
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
    let r = call(
        agent()
            .get(&format!("{url}/v1/web/customers/C1/export?store=S1"))
            .set("Authorization", &format!("Bearer {web}")),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let x: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(x["customer"], "C1");
    assert_eq!(x["purchases"].as_array().unwrap().len(), 1);

    // The owner's codes and keys page: the manager is refused, the forms
    // need the CSRF token and a store of the retailer; a code issued there
    // is shown once and enrols one till of its store; a revoke button
    // revokes; the other retailer's owner sees and revokes none of it.
    assert_eq!(get(&url, "/credentials", &cm).status, 403);
    let page = get(&url, "/credentials", &c1);
    assert_eq!(page.status, 200);
    assert_well_formed("/credentials", &page.body);
    let issue = |cookie: &str, form: &[(&str, &str)]| {
        call(
            agent()
                .post(&format!("{url}/credentials/codes"))
                .set("Cookie", cookie),
            Some(form),
        )
    };
    assert_eq!(issue(&c1, &[("store", "S1")]).status, 403, "no CSRF token");
    assert_eq!(
        issue(&c1, &[("csrf", &csrf1), ("store", "S3")]).status,
        403,
        "another retailer's store"
    );
    assert_eq!(
        issue(&cm, &[("csrf", &csrfm), ("store", "S1")]).status,
        403,
        "a manager"
    );
    let secret_of = |r: &Resp| {
        assert_eq!(r.status, 200, "{}", r.body);
        assert_well_formed("/credentials/codes", &r.body);
        r.body
            .split("id=\"issued-secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let code = secret_of(&issue(
        &c1,
        &[("csrf", &csrf1), ("store", "S1"), ("expires_in", "1h")],
    ));
    assert!(code.starts_with("pec_"), "{code}");
    assert!(!get(&url, "/credentials", &c1).body.contains(&code));
    let new_till = |name: &str| TestTill::new(name, "S1", "L1", 9).enroll_request(None);
    let enrolled = w
        .server
        .enroll_device(&code, &new_till("CAISSE-A9"), b"s9".to_vec(), Utc::now())
        .unwrap();
    assert_eq!(enrolled.device, "S1/CAISSE-A9");
    let reused = w
        .server
        .enroll_device(&code, &new_till("CAISSE-A8"), b"s8".to_vec(), Utc::now());
    assert_eq!(reused.unwrap_err().code(), "enrolment_code_used");
    let second = secret_of(&issue(&c1, &[("csrf", &csrf1), ("store", "S1")]));
    let id = w
        .server
        .with_tx(|tx| tx.credentials().codes("r1"))
        .unwrap()
        .into_iter()
        .find(|c| c.used_ms.is_none() && c.revoked_ms.is_none())
        .unwrap()
        .id;
    let revoke = |cookie: &str, csrf: &str| {
        call(
            agent()
                .post(&format!("{url}/credentials/codes/{id}/revoke"))
                .set("Cookie", cookie),
            Some(&[("csrf", csrf)]),
        )
        .status
    };
    assert!(!get(&url, "/credentials", &c2).body.contains(&id));
    let (c2b, csrf2) = sign_in(&url, "owner2");
    assert_eq!(revoke(&c2b, &csrf2), 404, "another retailer's code");
    assert_eq!(revoke(&c1, &csrf1), 303);
    let refused =
        w.server
            .enroll_device(&second, &new_till("CAISSE-A8"), b"s8".to_vec(), Utc::now());
    assert_eq!(refused.unwrap_err().code(), "enrolment_code_revoked");
    let key_page = call(
        agent()
            .post(&format!("{url}/credentials/web-keys"))
            .set("Cookie", &c1),
        Some(&[("csrf", &csrf1), ("store", "S2")]),
    );
    let key = secret_of(&key_page);
    assert_eq!(w.server.web_scope(&key).unwrap().stores, vec!["S2"]);

    // The owner's operators page: a manager is refused; an operator saved
    // there (CSRF token, a store of the retailer, a valid PIN) reaches its
    // store's feed with the PIN's Argon2id hash only; the other retailer's
    // owner neither sees nor disables them; a disable is a new revision.
    assert_eq!(get(&url, "/operators", &cm).status, 403);
    let put = |cookie: &str, form: &[(&str, &str)]| {
        call(
            agent()
                .post(&format!("{url}/operators"))
                .set("Cookie", cookie),
            Some(form),
        )
    };
    let anna = [
        ("csrf", csrf1.as_str()),
        ("store", "S1"),
        ("id", "anna"),
        ("name", "Anna"),
        ("role", "manager"),
        ("pin", "4821"),
    ];
    let operator_feed = || {
        w.server
            .with_tx(|tx| tx.changes_since("S1", 0, 10_000))
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == pos_sync::wire::ChangeKind::Operator)
            .map(|c| {
                assert!(!c.data.to_string().contains("4821"), "no PIN in the feed");
                serde_json::from_value::<pos_sync::operators::OperatorChange>(c.data).unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(put(&c1, &anna[1..]).status, 403, "no CSRF token");
    let mut foreign = anna;
    foreign[1] = ("store", "S3");
    assert_eq!(put(&c1, &foreign).status, 403, "another retailer's store");
    let mut weak = anna;
    weak[5] = ("pin", "12");
    assert_eq!(put(&c1, &weak).status, 400, "a PIN of 2 digits");
    let mut owner_role = anna;
    owner_role[4] = ("role", "owner");
    assert_eq!(put(&c1, &owner_role).status, 400, "a role not offered");
    assert!(operator_feed().is_empty(), "nothing published by a refusal");
    let saved = put(&c1, &anna);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_well_formed("/operators", &saved.body);
    assert!(saved.body.contains("révision 1"), "{}", saved.body);
    assert!(!saved.body.contains("4821"));
    let feed = operator_feed();
    assert_eq!(feed.len(), 1);
    let (op, hash) = feed[0].validate("anna").unwrap();
    assert_eq!(op.role, pos_core::operator::Role::Manager);
    assert!(hash.verify("4821") && !hash.verify("4822"));
    let listed = get(&url, "/operators", &c1);
    assert_well_formed("/operators", &listed.body);
    assert!(listed.body.contains("Responsable") && listed.body.contains(">actif<"));
    assert!(!get(&url, "/operators", &c2b).body.contains("anna"));
    let disable = |cookie: &str, csrf: &str| {
        call(
            agent()
                .post(&format!("{url}/operators/S1/anna/disable"))
                .set("Cookie", cookie),
            Some(&[("csrf", csrf)]),
        )
        .status
    };
    assert_eq!(disable(&c2b, &csrf2), 403, "another retailer's owner");
    assert_eq!(operator_feed().len(), 1);
    assert_eq!(disable(&c1, &csrf1), 303);
    let feed = operator_feed();
    assert_eq!(
        feed.iter()
            .map(|c| (c.revision, c.active))
            .collect::<Vec<_>>(),
        [(1, true), (2, false)]
    );
    assert!(get(&url, "/operators", &c1).body.contains("désactivé"));

    // Log out ends the session (CSRF-checked).
    let out = call(
        agent().post(&format!("{url}/logout")).set("Cookie", &c2),
        Some(&[("csrf", "wrong")]),
    );
    assert_eq!(out.status, 403);
}

#[test]
fn sqlite_http_isolation_roles_csrf_and_downloads() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    w.server
        .with_tx(|tx| tx.put_document("customer", "S1", "C1", r#"{"id":"C1"}"#, "{}"))
        .unwrap();
    http_suite(&w);
}

#[test]
fn logins_are_throttled_and_cookies_secure_off_loopback() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    let app = pos_server::backoffice::router(w.server.clone(), Config::default());
    let running = pos_server::spawn_app(app).unwrap();
    let url = running.url();
    let bad = || {
        call(
            agent().post(&format!("{url}/login")),
            Some(&[("username", "owner1"), ("password", "wrong password!")]),
        )
    };
    for _ in 0..4 {
        let r = bad();
        assert_eq!(r.status, 401);
        assert!(r.body.contains("incorrect"));
    }
    assert_eq!(bad().status, 401);
    // Locked now, even with the right password.
    let r = call(
        agent().post(&format!("{url}/login")),
        Some(&[("username", "owner1"), ("password", PASSWORD)]),
    );
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("Trop d"));
    // Unknown users get the same answer as wrong passwords.
    let r = call(
        agent().post(&format!("{url}/login")),
        Some(&[("username", "nobody"), ("password", PASSWORD)]),
    );
    assert_eq!(r.status, 401);
    // Behind a public host name the cookie is Secure.
    let r = call(
        agent()
            .post(&format!("{url}/login"))
            .set("Host", "backoffice.example.fr"),
        Some(&[("username", "owner2"), ("password", PASSWORD)]),
    );
    assert_eq!(r.status, 303);
    assert!(header(&r, "set-cookie").unwrap().contains("; Secure"));
    // A cross-site login post is refused.
    let r = call(
        agent()
            .post(&format!("{url}/login"))
            .set("Origin", "http://evil.example"),
        Some(&[("username", "owner2"), ("password", PASSWORD)]),
    );
    assert_eq!(r.status, 403);
    // The session id is stored hashed.
    let sid = header(
        &call(
            agent().post(&format!("{url}/login")),
            Some(&[("username", "owner2"), ("password", PASSWORD)]),
        ),
        "set-cookie",
    )
    .unwrap()
    .split(';')
    .next()
    .unwrap()
    .trim_start_matches("pos_bo=")
    .to_owned();
    let hashed = pos_server::backoffice::auth::hash_session_id(&sid);
    assert!(
        w.server
            .with_tx(|tx| tx.bo_session(&sid))
            .unwrap()
            .is_none()
    );
    assert!(
        w.server
            .with_tx(|tx| tx.bo_session(&hashed))
            .unwrap()
            .is_some()
    );
}

#[test]
fn an_xss_attempt_in_a_product_name_is_escaped_everywhere() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), true);
    let app = pos_server::backoffice::router(w.server.clone(), Config::default());
    let running = pos_server::spawn_app(app).unwrap();
    let url = running.url();
    let (c1, _) = sign_in(url, "owner1");
    for path in [
        "/?day=2026-01-01",
        "/chart?by=category&day=2026-01-01",
        "/chart?by=hour&day=2026-01-01",
    ] {
        let r = get(url, path, &c1);
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("<script>alert"), "{path}");
    }
    let home = get(url, "/?day=2026-01-01", &c1);
    assert!(home.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn the_live_feed_pushes_a_new_sale_without_reload() {
    use std::io::{BufRead, BufReader, Write};
    let mut w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    let app = pos_server::backoffice::router(w.server.clone(), Config::default());
    let running = pos_server::spawn_app(app).unwrap();
    let url = running.url().to_owned();
    let (c1, _) = sign_in(&url, "owner1");
    let addr = url.trim_start_matches("http://").to_owned();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(
        sock,
        "GET /live?day=2026-01-01 HTTP/1.1\r\nHost: {addr}\r\nCookie: {c1}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut lines = BufReader::new(sock).lines();
    let mut next_total = || loop {
        let l = lines.next().unwrap().unwrap();
        if let Some(data) = l.strip_prefix("data: ") {
            let v: serde_json::Value = serde_json::from_str(data).unwrap();
            return v["total_cents"].as_i64().unwrap();
        }
    };
    assert_eq!(next_total(), 6000);
    // A till sells and syncs: the open feed gets the new total.
    w.tills[1].sell("BAGUETTE", 2, None, None);
    let mut direct = Direct(w.server.clone(), t0());
    let t = &mut w.tills[1];
    sync_once(&t.client(), t, &mut direct, &ticking()).unwrap();
    assert_eq!(next_total(), 8000);
}

#[test]
fn stock_alerts_and_the_click_and_collect_queue() {
    let w = world(Server::new(SqliteStorage::in_memory().unwrap()), false);
    // S1 received 10 BAGUETTE and 100 FLOUR; the till sold 3 BAGUETTE.
    w.server
        .add_stock(
            "S1",
            &[
                movement("00000000-0000-7000-8000-00000000a001", "BAGUETTE", "L1", 10),
                movement("00000000-0000-7000-8000-00000000a002", "FLOUR", "L1", 100),
            ],
        )
        .unwrap();
    // S3 (other retailer) has a shortfall that r1 must not see.
    w.server
        .add_stock(
            "S3",
            &[movement(
                "00000000-0000-7000-8000-00000000a003",
                "BORDEAUX",
                "L3",
                1,
            )],
        )
        .unwrap();
    // A click & collect order reserves 6 BAGUETTE, a shipped one 1 FLOUR.
    use pos_server::web::{WebOrder, WebOrderLine};
    let order = |id: &str, channel: &str, sku: &str, qty: i64, pickup: Option<&str>| WebOrder {
        id: id.into(),
        channel: channel.into(),
        location: "L1".into(),
        lines: vec![WebOrderLine {
            sku: sku.into(),
            quantity: qty.into(),
            unit_price: None,
        }],
        pickup_at: pickup.map(Into::into),
        paid_online: false,
    };
    w.server
        .create_order("S1", &order("W1", "web", "FLOUR", 1, None))
        .unwrap();
    w.server
        .create_order(
            "S1",
            &order(
                "CC1",
                "click_collect",
                "BAGUETTE",
                6,
                Some("2026-01-01T17:00:00+01:00"),
            ),
        )
        .unwrap();
    w.server
        .create_order("S1", &order("CC0", "click_collect", "FLOUR", 1, None))
        .unwrap();
    w.server.set_order_state("S1", "CC0", "cancelled").unwrap();
    let v1 = viewer(&w.server, "owner1");
    let alerts = service::stock_alerts(&w.server, &v1, rust_decimal::Decimal::from(3)).unwrap();
    let got: Vec<(String, String, bool)> = alerts
        .iter()
        .map(|a| (a.store.clone(), a.sku.clone(), a.shortfall))
        .collect();
    // Shortfalls first, most negative first: CAISSE-A1 sold 2 CROISSANT
    // (-2) and CAISSE-A2 1 BAGUETTE in S2 (-1) with no stock. Then S1's
    // BAGUETTE: 10 - 3 = 7 on hand, 6 reserved: 1 available, under 3.
    // FLOUR (99 available) is no alert.
    assert_eq!(
        got,
        [
            ("S1".to_string(), "CROISSANT".to_string(), true),
            ("S2".to_string(), "BAGUETTE".to_string(), true),
            ("S1".to_string(), "BAGUETTE".to_string(), false),
        ]
    );
    assert_eq!(alerts[2].on_hand, rust_decimal::Decimal::from(7));
    assert_eq!(alerts[2].reserved, rust_decimal::Decimal::from(6));
    let queue: Vec<String> = service::order_queue(&w.server, &v1)
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(
        queue,
        ["CC1", "W1"],
        "click & collect first; cancelled gone"
    );
    let v2 = viewer(&w.server, "owner2");
    let other = service::stock_alerts(&w.server, &v2, rust_decimal::Decimal::from(3)).unwrap();
    assert!(other.iter().all(|a| a.store == "S3"));
    assert!(service::order_queue(&w.server, &v2).unwrap().is_empty());
}

/// Figures (ignored by default): `cargo test -p pos-sync --release --test
/// backoffice -- --ignored --nocapture dashboard_figures`. One till with
/// `POS_BO_SALES` sales (default 5,000), one every 7 minutes (history over
/// many days), synced to SQLite; then the time of one dashboard of the last
/// day and of one live-feed fingerprint.
#[test]
#[ignore]
fn dashboard_figures() {
    let sales: usize = std::env::var("POS_BO_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Un", "123456789")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_user(tx, "r1", "owner1", Role::Owner, PASSWORD, [9; 16])
        })
        .unwrap();
    let mut till = TestTill::new("CAISSE-A1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    for i in 0..sales {
        till.clock += Duration::minutes(7);
        till.sell(["BAGUETTE", "CROISSANT", "VIN"][i % 3], 1, None, None);
    }
    let last_day = (till.clock + Duration::hours(1)).date_naive();
    let clock = ticking();
    let mut direct = Direct(server.clone(), t0());
    while till.outbox_pending() > 0 || {
        let heads = server.device_status(&till.server_id).unwrap().fiscal_heads;
        heads.values().sum::<u64>() < till.records().len() as u64 - 1
    } {
        sync_once(&till.client(), &mut till, &mut direct, &clock).unwrap();
    }
    let v = viewer(&server, "owner1");
    let start = std::time::Instant::now();
    let d = service::dashboard(&server, &v, None, last_day).unwrap();
    let dash = start.elapsed();
    let start = std::time::Instant::now();
    service::fingerprint(&server, &v).unwrap();
    let fp = start.elapsed();
    println!(
        "dashboard over {} accepted records ({} tickets today): {:.1} ms; live fingerprint: {:.2} ms",
        server
            .with_tx(|tx| tx.fiscal_records("S1/CAISSE-A1"))
            .unwrap()
            .len(),
        d.tickets,
        dash.as_secs_f64() * 1000.0,
        fp.as_secs_f64() * 1000.0
    );
}
