//! The back office's live feed without polling: an SSE client on the real
//! axum server gets a pushed sale long before the feed's fallback re-read
//! (set to 60 s here, so only a notification can deliver in time), another
//! retailer's stream gets nothing of it, and on PostgreSQL the sale pushed
//! through one server process reaches a feed served by another (LISTEN /
//! NOTIFY), also after the database restarted.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use chrono::{DateTime, Utc};
use pos_server::backoffice::service;
use pos_server::backoffice::{Config, Role};
use pos_server::{PgTimeouts, PostgresStorage, Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use std::sync::mpsc;
use std::time::Duration;
use support::till::{TestTill, t0, ticking};

const PASSWORD: &str = "correct horse battery staple";
/// Far beyond every wait of the test: a feed that only re-reads on its
/// timer fails it.
const FALLBACK: Duration = Duration::from_secs(60);
/// How long a notified sale may take to show (generous for a loaded CI).
const DELIVERY: Duration = Duration::from_secs(10);
/// How long a stream is watched for something it must not get.
const QUIET: Duration = Duration::from_secs(2);

struct Direct<S: Storage>(Server<S>, DateTime<Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

/// Retailer r1 (store S1, till A1) and r2 (store S3, till B1), an owner
/// each, one synced sale each.
fn world<S: Storage>(server: &Server<S>) -> Vec<TestTill> {
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "r1", "Boulangerie Dupont", "123456789")?;
            service::add_retailer(tx, "r2", "Cave Martin", "987654321")?;
            service::add_store(tx, "r1", "S1")?;
            service::add_store(tx, "r2", "S3")?;
            service::add_user(tx, "r1", "owner1", Role::Owner, PASSWORD, [9; 16])?;
            service::add_user(tx, "r2", "owner2", Role::Owner, PASSWORD, [9; 16])?;
            Ok(())
        })
        .unwrap();
    let mut tills = vec![
        TestTill::new("CAISSE-A1", "S1", "L1", 1),
        TestTill::new("CAISSE-B1", "S3", "L3", 3),
    ];
    for t in &mut tills {
        support::enrol::enroll(server, t, None);
        t.sell("BAGUETTE", 1, None, None);
        push(server, t);
    }
    tills
}

/// The till syncs; returns once the server acknowledged the push.
fn push<S: Storage>(server: &Server<S>, till: &mut TestTill) {
    let mut direct = Direct(server.clone(), t0());
    let out = sync_once(&till.client(), till, &mut direct, &ticking()).unwrap();
    assert_eq!(till.outbox_pending(), 0, "{out:?}");
}

fn sign_in(url: &str, user: &str) -> String {
    support::live::sign_in(url, user, PASSWORD)
}

/// An open `/live` stream: each `dashboard` event's JSON arrives on the
/// channel (read by a thread from a raw socket).
fn open_feed(url: &str, cookie: &str) -> (std::net::TcpStream, mpsc::Receiver<serde_json::Value>) {
    support::live::open_feed(url, cookie, |data| serde_json::from_str(data).unwrap())
}

fn total(v: &serde_json::Value) -> i64 {
    v["total_cents"].as_i64().unwrap()
}

fn stores_shown(v: &serde_json::Value) -> Vec<String> {
    v["latest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["store"].as_str().unwrap().to_owned())
        .collect()
}

/// The next event, within `DELIVERY`.
fn next(feed: &mpsc::Receiver<serde_json::Value>, what: &str) -> serde_json::Value {
    feed.recv_timeout(DELIVERY)
        .unwrap_or_else(|e| panic!("{what}: no live event within {DELIVERY:?} ({e})"))
}

fn assert_quiet(feed: &mpsc::Receiver<serde_json::Value>, what: &str) {
    if let Ok(v) = feed.recv_timeout(QUIET) {
        panic!("{what}: unexpected live event {v}");
    }
}

fn config() -> Config {
    Config {
        live_fallback: FALLBACK,
        ..Config::default()
    }
}

/// Pushes go through `push_server`; the back office runs over
/// `feed_server` (the same storage on SQLite, another process's
/// connections to the same database on PostgreSQL).
struct Feeds {
    sockets: Vec<std::net::TcpStream>,
    _running: pos_server::InProcess,
    r1: mpsc::Receiver<serde_json::Value>,
    r2: mpsc::Receiver<serde_json::Value>,
}

/// Closes the streams first: the server's graceful stop waits for them.
impl Drop for Feeds {
    fn drop(&mut self) {
        for s in &self.sockets {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn open_both<F: Storage>(feed_server: &Server<F>) -> Feeds {
    let running = pos_server::spawn_app(pos_server::backoffice::router(
        feed_server.clone(),
        config(),
    ))
    .unwrap();
    let url = running.url().to_owned();
    let (c1, c2) = (sign_in(&url, "owner1"), sign_in(&url, "owner2"));
    let ((s1, r1), (s2, r2)) = (open_feed(&url, &c1), open_feed(&url, &c2));
    Feeds {
        sockets: vec![s1, s2],
        _running: running,
        r1,
        r2,
    }
}

/// Each retailer's sale reaches its own stream at once and nothing of it
/// reaches the other's.
fn sales_reach_their_retailer_only<S: Storage>(
    push_server: &Server<S>,
    tills: &mut [TestTill],
    feeds: &Feeds,
) {
    let before1 = total(&next(&feeds.r1, "r1 first event"));
    let before2 = total(&next(&feeds.r2, "r2 first event"));
    // A sale of r1's store S1.
    tills[0].sell("BAGUETTE", 2, None, None);
    push(push_server, &mut tills[0]);
    let ev = next(&feeds.r1, "r1 after its sale");
    assert!(total(&ev) > before1, "{ev}");
    assert!(stores_shown(&ev).iter().all(|s| s == "S1"), "{ev}");
    assert_quiet(&feeds.r2, "r2 after r1's sale");
    // And the other way round.
    tills[1].sell("BORDEAUX", 1, None, None);
    push(push_server, &mut tills[1]);
    let ev = next(&feeds.r2, "r2 after its sale");
    assert!(total(&ev) > before2, "{ev}");
    assert!(stores_shown(&ev).iter().all(|s| s == "S3"), "{ev}");
    assert_quiet(&feeds.r1, "r1 after r2's sale");
}

#[test]
fn sqlite_a_pushed_sale_reaches_its_retailers_feed_at_once() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut tills = world(&server);
    let feeds = open_both(&server);
    sales_reach_their_retailer_only(&server, &mut tills, &feeds);
}

#[test]
fn sqlite_without_notifications_the_feed_waits_for_its_poll() {
    // The old behaviour, kept reachable: polling every 30 s shows nothing
    // within the delivery time (so the test above shows notifications).
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut tills = world(&server);
    let running = pos_server::spawn_app(pos_server::backoffice::router(
        server.clone(),
        Config {
            live_poll: Some(Duration::from_secs(30)),
            ..config()
        },
    ))
    .unwrap();
    let url = running.url().to_owned();
    let (sock, r1) = open_feed(&url, &sign_in(&url, "owner1"));
    next(&r1, "first event");
    tills[0].sell("BAGUETTE", 2, None, None);
    push(&server, &mut tills[0]);
    assert_quiet(&r1, "polling every 30 s");
    sock.shutdown(std::net::Shutdown::Both).unwrap();
}

#[test]
fn postgres_notify_reaches_another_process_and_survives_a_restart() {
    let pg = support::pg::Pg::start();
    let timeouts = PgTimeouts {
        connect: Duration::from_secs(2),
        ..PgTimeouts::default()
    };
    // Two server processes' worth of connections: pushes on one, the back
    // office on the other, so only the database can carry the news.
    let push_server = Server::new(PostgresStorage::connect_with(&pg.url, timeouts).unwrap());
    let feed_server = Server::new(PostgresStorage::connect_with(&pg.url, timeouts).unwrap());
    let mut tills = world(&push_server);
    let feeds = open_both(&feed_server);
    sales_reach_their_retailer_only(&push_server, &mut tills, &feeds);

    // The database restarts: the listener reconnects by itself.
    pg.stop();
    pg.start_again();
    let mut reached = None;
    for _ in 0..50 {
        tills[0].sell("CROISSANT", 1, None, None);
        let mut direct = Direct(push_server.clone(), t0());
        if sync_once(&tills[0].client(), &mut tills[0], &mut direct, &ticking()).is_ok()
            && tills[0].outbox_pending() == 0
        {
            reached = Some(());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    reached.expect("the push server serves again after the restart");
    // The first sale may come through the reconnection's re-read; drain
    // what arrived, then the next sale must come through NOTIFY.
    let first = next(&feeds.r1, "r1 after the restart");
    let mut last = total(&first);
    while let Ok(v) = feeds.r1.recv_timeout(QUIET) {
        last = total(&v);
    }
    tills[0].sell("BAGUETTE", 1, None, None);
    push(&push_server, &mut tills[0]);
    let ev = next(&feeds.r1, "r1's next sale after the restart");
    assert!(total(&ev) > last, "{ev}");
    assert_quiet(&feeds.r2, "r2 across the restart");
}
