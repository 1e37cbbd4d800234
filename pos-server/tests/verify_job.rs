//! Journal verification as a background job: the verdict is cached per
//! till and extended incrementally (a second run reads only the records
//! accepted since), a tampered record is reported, requests are
//! deduplicated, and a till's `/v1/status` and pushes are answered while a
//! verification runs (it reads on a read-only connection of its own: the
//! writer is free). On a SQLite file (WAL) and on PostgreSQL.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use chrono::{DateTime, Utc};
use pos_server::verify_job::{VerifyJobs, verify_device};
use pos_server::{PostgresStorage, Server, SqliteStorage, Storage};
use pos_sync::client::{signed, sync_once};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use std::time::{Duration, Instant};
use support::till::{TestTill, t0, ticking};

struct Direct<S: Storage>(Server<S>, DateTime<Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

fn sell_and_push<S: Storage>(server: &Server<S>, till: &mut TestTill, sales: usize) {
    for i in 0..sales {
        till.sell(
            if i % 2 == 0 { "BAGUETTE" } else { "CROISSANT" },
            1,
            None,
            None,
        );
    }
    let mut direct = Direct(server.clone(), t0());
    sync_once(&till.client(), till, &mut direct, &ticking()).unwrap();
}

fn records<S: Storage>(server: &Server<S>, till: &TestTill) -> u64 {
    server
        .with_tx(|tx| tx.fiscal_records(&till.server_id))
        .unwrap()
        .len() as u64
}

/// Verdicts are cached and extended with only the new records; a record
/// changed in the database after it was accepted is reported.
fn incremental<S: Storage>(server: &Server<S>, tamper: impl Fn(&str)) {
    let mut till = TestTill::new("CAISSE-V1", "S1", "L1", 1);
    support::enrol::enroll(server, &mut till, None);
    sell_and_push(server, &mut till, 30);
    let id = till.server_id.clone();
    let first = records(server, &till);
    assert!(first > 30);

    let mut reader = server.storage().journal_reader().unwrap();
    let totals = std::cell::RefCell::new(Vec::new());
    let step = |done: u64, total: u64| {
        totals.borrow_mut().push((done, total));
        true
    };
    let v = verify_device(server, reader.as_mut(), &id, &step, &Utc::now).unwrap();
    assert_eq!(v.records, first);
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(totals.borrow().last(), Some(&(first, first)));
    assert_eq!(
        server
            .with_tx(|tx| tx.journal_verdict(&id))
            .unwrap()
            .as_ref(),
        Some(&v),
        "the verdict is stored"
    );

    // Ten more sales: the next run reads only what came since.
    sell_and_push(server, &mut till, 10);
    let now = records(server, &till);
    totals.borrow_mut().clear();
    let v2 = verify_device(server, reader.as_mut(), &id, &step, &Utc::now).unwrap();
    assert_eq!(v2.records, now);
    assert!(v2.is_intact(), "{v2:?}");
    assert_eq!(
        totals.borrow().last(),
        Some(&(now - first, now - first)),
        "only the new records were read"
    );
    assert!(v2.position > v.position);

    // A new record altered in the database is caught by the next run.
    sell_and_push(server, &mut till, 1);
    tamper(&id);
    let v3 = verify_device(server, reader.as_mut(), &id, &|_, _| true, &Utc::now).unwrap();
    assert!(!v3.is_intact(), "{v3:?}");
    assert!(v3.defects.iter().any(|d| d.contains("Modified")), "{v3:?}");
}

fn status_ms<S: Storage>(server: &Server<S>, till: &TestTill) -> (u16, Duration) {
    let creds = pos_sync::client::Credentials {
        device: till.server_id.clone(),
        secret: till.secret.clone(),
    };
    // A distinct timestamp each time: the same signature twice is a replay.
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let now = Utc::now()
        + chrono::Duration::milliseconds(SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let req = signed(
        &creds,
        "POST",
        pos_sync::wire::paths::STATUS,
        b"{}".to_vec(),
        now.timestamp_millis(),
    );
    let t = Instant::now();
    let status = server.handle(&req, now).status;
    (status, t.elapsed())
}

/// While a background verification runs, another till's status and
/// pushes are answered (generous bound: the verification holds no lock on
/// the writer), and asking again for the same till is deduplicated.
fn status_answers_while_verifying<S: Storage>(server: &Server<S>) {
    let mut big = TestTill::new("CAISSE-V2", "S1", "L1", 2);
    support::enrol::enroll(server, &mut big, None);
    sell_and_push(server, &mut big, 400);
    let mut small = TestTill::new("CAISSE-V3", "S1", "L1", 3);
    support::enrol::enroll(server, &mut small, None);
    sell_and_push(server, &mut small, 1);

    let jobs = VerifyJobs::start(server.clone(), 1);
    assert!(jobs.request(&big.server_id));
    let mut answered_while_running = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while jobs.progress(&big.server_id).is_some() && Instant::now() < deadline {
        assert!(!jobs.request(&big.server_id), "one run per till at a time");
        let (status, took) = status_ms(server, &small);
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(2), "status took {took:?}");
        if jobs.progress(&big.server_id).is_some_and(|p| p.running) {
            answered_while_running += 1;
            // A push goes through too.
            sell_and_push(server, &mut small, 1);
        }
    }
    assert!(jobs.wait_idle(Duration::from_secs(120)));
    assert!(jobs.failure(&big.server_id).is_none());
    assert!(
        answered_while_running > 0,
        "the verification finished before a status could be asked"
    );
    let v = server
        .with_tx(|tx| tx.journal_verdict(&big.server_id))
        .unwrap()
        .unwrap();
    assert_eq!(v.records, records(server, &big));
    assert!(v.is_intact());
}

#[test]
fn sqlite_file_verdicts_are_incremental_and_status_stays_free() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let server = Server::new(SqliteStorage::open(&path).unwrap());
    let file = path.clone();
    incremental(&server, move |device| {
        let c = rusqlite::Connection::open(&file).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        let n = c
            .execute(
                "UPDATE fiscal_records SET json = replace(json, '\"hash\":\"', '\"hash\":\"0')
                 WHERE rowid = (SELECT max(rowid) FROM fiscal_records WHERE device = ?1)",
                [device],
            )
            .unwrap();
        assert_eq!(n, 1);
    });
    status_answers_while_verifying(&server);
}

#[test]
fn sqlite_in_memory_verifies_through_short_statements() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    status_answers_while_verifying(&server);
}

#[test]
fn postgres_verdicts_are_incremental_and_status_stays_free() {
    let pg = support::pg::Pg::start();
    let server = Server::new(PostgresStorage::connect(&pg.url).unwrap());
    let url = pg.url.clone();
    incremental(&server, move |device| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let n = c
            .execute(
                "UPDATE fiscal_records SET json = replace(json, '\"hash\":\"', '\"hash\":\"0')
                 WHERE id = (SELECT max(id) FROM fiscal_records WHERE device = $1)",
                &[&device],
            )
            .unwrap();
        assert_eq!(n, 1);
    });
    status_answers_while_verifying(&server);
}

/// The `/journal` page shows the cached verdict and never verifies inline:
/// the first view finds no verdict and queues the run; a later view shows
/// the verdict the background job saved.
#[test]
fn the_journal_page_shows_the_cached_verdict() {
    use pos_server::backoffice::{Config, Role, service};
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Boulangerie Dupont", "123456789")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_user(
                tx,
                "r1",
                "owner1",
                Role::Owner,
                "correct horse battery",
                [9; 16],
            )
        })
        .unwrap();
    let mut till = TestTill::new("CAISSE-P1", "S1", "L1", 4);
    support::enrol::enroll(&server, &mut till, None);
    sell_and_push(&server, &mut till, 20);
    let running = pos_server::spawn_app(pos_server::backoffice::router(
        server.clone(),
        Config::default(),
    ))
    .unwrap();
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let login = agent
        .post(&format!("{}/login", running.url()))
        .send_form(&[
            ("username", "owner1"),
            ("password", "correct horse battery"),
        ])
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = || {
        agent
            .get(&format!("{}/journal", running.url()))
            .set("Cookie", &cookie)
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    };
    let first = page();
    assert!(first.contains("pas encore vérifié"), "{first}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = page();
        if body.contains("chaîne et signatures vérifiées") {
            assert!(
                body.contains(&format!(">{}<", records(&server, &till))),
                "{body}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
