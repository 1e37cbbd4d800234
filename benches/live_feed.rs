//! The back office's live feed: time from a till's push being acknowledged
//! (its `/v1/push` answer read over loopback HTTP) to the sale's
//! `dashboard` event read from an open `/live` stream (Server-Sent Events)
//! of the same axum server, with notifications (SQLite in-process,
//! PostgreSQL LISTEN/NOTIFY) and with the polling of before (700 ms).
//!
//! One sale per iteration; criterion reports the mean, and the p50/p99 of
//! every latency measured are printed at the end of each case. The
//! PostgreSQL cases start a throw-away cluster (as the pos-server tests
//! do) and are skipped when its binaries are missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/apple.rs"]
mod apple;
#[path = "../pos-server/tests/support/live.rs"]
mod live;
#[path = "support/mem_till.rs"]
mod mem_till;
#[path = "../pos-server/tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

use chrono::Utc;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mem_till::MemTill;
use pos_fiscal::SoftwareSigner;
use pos_fiscal::record::StoredRecord;
use pos_server::backoffice::{Config, Role, service};
use pos_server::{PostgresStorage, Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use pos_sync::wire::WireEvent;
use std::sync::mpsc;
use std::time::Instant;

/// Sales made ready (more than any case pushes).
const SALES: u64 = 1_500;
const PASSWORD: &str = "correct horse battery staple";

/// A served back office with one retailer, one till and an open feed.
struct Case {
    socket: std::net::TcpStream,
    _running: pos_server::InProcess,
    /// Dropped after the server's runtime stopped: a PostgreSQL client
    /// must not be dropped inside it.
    _server: Box<dyn std::any::Any>,
    /// The polling interval, if the feed polls.
    poll: Option<std::time::Duration>,
    url: String,
    till: MemTill,
    feed: mpsc::Receiver<Instant>,
    latencies: Vec<std::time::Duration>,
}

/// Closes the stream first: the server's graceful stop waits for it.
impl Drop for Case {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }
}

fn case<S: Storage>(
    server: Server<S>,
    live_poll: Option<std::time::Duration>,
    public_key: &str,
    data: &(Vec<WireEvent>, Vec<StoredRecord>),
) -> Case {
    server
        .with_tx(|tx| {
            service::add_retailer(tx, "R1", "Retailer One", "123456789")?;
            service::add_store(tx, "R1", "S1")?;
            service::add_user(tx, "R1", "owner", Role::Owner, PASSWORD, [9; 16])?;
            Ok(())
        })
        .unwrap();
    mem_till::enroll(&server, public_key);
    let config = Config {
        live_poll,
        ..Config::default()
    };
    let app = pos_server::http::router(server.clone())
        .merge(pos_server::backoffice::router(server.clone(), config));
    let running = pos_server::spawn_app(app).unwrap();
    let url = running.url().to_owned();
    let cookie = live::sign_in(&url, "owner", PASSWORD);
    let (socket, feed) = live::open_feed(&url, &cookie, |_| Instant::now());
    // The feed's first event (the day as it stands).
    feed.recv_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    Case {
        socket,
        _running: running,
        _server: Box::new(server),
        poll: live_poll,
        url,
        till: MemTill::new(data, 0),
        feed,
        latencies: Vec::new(),
    }
}

impl Case {
    /// One sale pushed; the time from its acknowledgement to its event.
    fn one(&mut self) -> std::time::Duration {
        let client = mem_till::client();
        let mut http = pos_sync::http_client::UreqTransport::new(&self.url);
        if let Some(every) = self.poll {
            // Tills push at any moment of a polling interval, not just
            // after a poll: spread the pushes evenly over it.
            let step = (self.till.made as u128 * 7_919) % every.as_millis().max(1);
            std::thread::sleep(std::time::Duration::from_millis(step as u64));
        }
        self.till.made += 1;
        assert!(self.till.made <= SALES as usize, "more sales than made");
        let r = sync_once(&client, &mut self.till, &mut http, &Utc::now).unwrap();
        let acked = Instant::now();
        assert_eq!(r.acked_seq, self.till.made as u64);
        let seen = self
            .feed
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the sale on the live feed");
        // An event can beat the push's answer to the reader: zero then.
        let d = seen.saturating_duration_since(acked);
        self.latencies.push(d);
        d
    }

    fn report(&self, name: &str) {
        let mut l = self.latencies.clone();
        l.sort();
        let at = |p: usize| l[(l.len() * p / 100).min(l.len() - 1)];
        eprintln!(
            "{name}: {} sales, push acknowledged -> on the live feed: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            l.len(),
            at(50).as_secs_f64() * 1e3,
            at(99).as_secs_f64() * 1e3,
            l.last().unwrap().as_secs_f64() * 1e3,
        );
    }
}

fn run(c: &mut Criterion, name: &str, mut case: Case) {
    let mut g = c.benchmark_group("live_feed");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function(name, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| case.one()).sum())
    });
    g.finish();
    case.report(name);
}

fn bench(c: &mut Criterion) {
    let signer = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    let data = mem_till::signed_sales(&signer, SALES, None, None);
    let key = mem_till::public_key_hex(&signer);
    let poll = Some(std::time::Duration::from_millis(700));
    for (name, mode) in [("sqlite_notify", None), ("sqlite_poll_700ms", poll)] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::new(SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap());
        run(c, name, case(server, mode, &key, &data));
    }
    if !std::path::Path::new("/usr/lib/postgresql").exists() {
        eprintln!("live_feed: PostgreSQL binaries missing, PostgreSQL cases skipped");
        return;
    }
    for (name, mode) in [("postgres_notify", None), ("postgres_poll_700ms", poll)] {
        let pg = pg::Pg::start();
        let server = Server::new(PostgresStorage::connect(&pg.url).unwrap());
        run(c, name, case(server, mode, &key, &data));
        drop(pg);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
