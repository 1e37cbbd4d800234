//! Transient failures are transient: while the database is unavailable
//! (PostgreSQL stopped, SQLite held by another writer) the server answers
//! 503 `unavailable` with `Retry-After`, and serves again as soon as the
//! database is back, without a restart of the server; the till's retry
//! loop rides over the outage, never retries a refusal, and a push whose
//! answer was lost is applied once.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::panic
)]

mod support;

use pos_server::{PgTimeouts, PostgresStorage, Server, SqliteStorage, Storage};
use pos_sync::SyncError;
use pos_sync::client::{TillStore, sync_once, sync_with_retry};
use pos_sync::retry::{RetryPolicy, SimulatedEnv};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::wire::ErrorBody;
use std::time::Duration;
use support::till::{TestTill, ticking};

/// Sends one push of the till's pending events and returns the raw answer.
fn push_raw(till: &mut TestTill, transport: &mut dyn Transport) -> HttpResponse {
    let client = till.client();
    let mut state = till.load_state().unwrap();
    let events = till.pending_events(500).unwrap();
    let req = client
        .push_request(
            &mut state,
            events,
            Vec::new(),
            chrono::Utc::now().timestamp_millis(),
        )
        .unwrap();
    transport.send(&req).unwrap()
}

/// The answer is a 503 `unavailable` asking to wait `after` seconds.
fn assert_unavailable(resp: &HttpResponse, after: &str) {
    assert_eq!(resp.status, 503, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.header("retry-after"), Some(after));
    let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(body.code, "unavailable");
}

/// Sells `n` apples, syncs once and returns the sequence the server acknowledged.
fn sell_and_sync(till: &mut TestTill, transport: &mut dyn Transport, n: usize) -> u64 {
    for _ in 0..n {
        till.sell("APPLE", 1, None, None);
    }
    sync_once(&till.client(), till, transport, &chrono::Utc::now)
        .unwrap()
        .acked_seq
}

fn events_on_server<S: Storage>(server: &Server<S>, till: &TestTill) -> u64 {
    server
        .with_tx(|tx| tx.event_count(&till.server_id))
        .unwrap()
}

#[test]
fn postgres_stopped_mid_run_answers_503_and_the_same_server_recovers() {
    let pg = support::pg::Pg::start();
    let timeouts = PgTimeouts {
        connect: Duration::from_secs(2),
        ..PgTimeouts::default()
    };
    let server = Server::new(PostgresStorage::connect_with(&pg.url, timeouts).unwrap());
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let mut till = TestTill::new("T1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    let mut http = pos_sync::http_client::UreqTransport::new(running.url());
    let now = chrono::Utc::now;
    assert_eq!(sell_and_sync(&mut till, &mut http, 3), 3);

    // A restart with no request in between: the pooled connections are
    // dead, and the next request is served on a fresh one, not refused.
    pg.stop();
    pg.start_again();
    assert_eq!(sell_and_sync(&mut till, &mut http, 1), 4);

    // Down: every request answers 503 + Retry-After, never a 500.
    pg.stop();
    till.sell("APPLE", 1, None, None);
    for _ in 0..2 {
        assert_unavailable(&push_raw(&mut till, &mut http), "2");
    }
    match sync_once(&till.client(), &mut till, &mut http, &now) {
        Err(SyncError::Unavailable {
            status: 503,
            retry_after_s: Some(2),
        }) => {}
        other => panic!("expected server_unavailable, got {other:?}"),
    }
    // The till's retry loop waits the outage out: the database comes back
    // while it waits, and the same server process serves the push.
    till.sell("APPLE", 1, None, None);
    let mut waits = 0;
    let report = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(1500));
            pg.start_again();
        });
        sync_with_retry(
            &till.client(),
            &mut till,
            &mut http,
            &now,
            &RetryPolicy::with_budget(Duration::from_secs(60)),
            &mut pos_sdk::sync::SystemRetryEnv::new(),
            &mut |w| {
                assert!(w.cause.is_transient());
                waits += 1;
            },
        )
        .unwrap()
    });
    assert!(waits >= 1, "the first attempt found the database down");
    assert_eq!(report.acked_seq, 6);
    assert_eq!(
        events_on_server(&server, &till),
        6,
        "nothing lost or doubled"
    );
}

#[test]
fn sqlite_held_by_another_writer_answers_503_until_it_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite");
    let storage = SqliteStorage::open(&path)
        .unwrap()
        .with_busy_timeout(Duration::from_millis(100))
        .unwrap();
    let server = Server::new(storage);
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let mut till = TestTill::new("T1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    let mut http = pos_sync::http_client::UreqTransport::new(running.url());
    till.sell("APPLE", 1, None, None);
    assert_eq!(push_raw(&mut till, &mut http).status, 200);

    // Another connection holds a write transaction past the busy timeout.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    till.sell("APPLE", 1, None, None);
    assert_unavailable(&push_raw(&mut till, &mut http), "1");
    let now = chrono::Utc::now;
    assert!(matches!(
        sync_once(&till.client(), &mut till, &mut http, &now),
        Err(SyncError::Unavailable { status: 503, .. })
    ));
    other.execute_batch("COMMIT").unwrap();

    let r = sync_once(&till.client(), &mut till, &mut http, &now).unwrap();
    assert_eq!(r.acked_seq, 2);
    assert_eq!(events_on_server(&server, &till), 2);
}

/// Delivers every request to the server; the answers of the pushes it is
/// told to lose never come back (the connection drops after delivery).
struct LosesAnswers<S: Storage> {
    server: Server<S>,
    lose: Vec<bool>,
    pushes: usize,
    now: Box<dyn Fn() -> chrono::DateTime<chrono::Utc>>,
}

impl<S: Storage> Transport for LosesAnswers<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        let resp = self.server.handle(req, (self.now)());
        if req.path == pos_sync::wire::paths::PUSH {
            let lost = self.lose.get(self.pushes).copied().unwrap_or(false);
            self.pushes += 1;
            if lost {
                return Err(SyncError::Transport { kind: "connection" });
            }
        }
        Ok(resp)
    }
}

#[test]
fn a_push_retried_after_its_answer_was_lost_is_applied_once() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut till = TestTill::new("T1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    for _ in 0..5 {
        till.sell("APPLE", 1, None, None);
    }
    let clock = ticking();
    let mut transport = LosesAnswers {
        server: server.clone(),
        // The first two pushes are applied but their answers are lost.
        lose: vec![true, true],
        pushes: 0,
        now: Box::new(ticking()),
    };
    let mut env = SimulatedEnv::new(|upper| upper);
    let report = sync_with_retry(
        &till.client(),
        &mut till,
        &mut transport,
        &clock,
        &RetryPolicy::default(),
        &mut env,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(env.slept.len(), 2, "two lost answers, two waits");
    assert_eq!(report.acked_seq, 5);
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert_eq!(till.outbox_pending(), 0);
    assert_eq!(events_on_server(&server, &till), 5, "each sale once");
    let records = server
        .with_tx(|tx| tx.fiscal_records(&till.server_id))
        .unwrap();
    assert_eq!(records.len(), till.records().len(), "each record once");
}

#[test]
fn a_refusal_is_not_retried() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut till = TestTill::new("T1", "S1", "L1", 1);
    support::enrol::enroll(&server, &mut till, None);
    till.secret = b"not the secret".to_vec();
    till.sell("APPLE", 1, None, None);
    let mut transport = LosesAnswers {
        server,
        lose: Vec::new(),
        pushes: 0,
        now: Box::new(ticking()),
    };
    let mut env = SimulatedEnv::new(|upper| upper);
    let out = sync_with_retry(
        &till.client(),
        &mut till,
        &mut transport,
        &ticking(),
        &RetryPolicy::default(),
        &mut env,
        &mut |_| {},
    );
    assert!(matches!(out, Err(SyncError::Server { status: 401, .. })));
    assert!(env.slept.is_empty());
    assert_eq!(transport.pushes, 1);
}
