//! Load figures (run in release, ignored by default):
//! `cargo test --release -p pos-server --test load -- --ignored --nocapture`.
//! - push of 10,000 offline sales from one till, loopback HTTP, SQLite;
//! - sustained events per second with 50 concurrent tills against
//!   PostgreSQL, next to a bare PostgreSQL insert of the same rows.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

mod support;

use pos_server::{PostgresStorage, Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use std::time::Instant;
use support::till::TestTill;

fn enroll<S: Storage>(server: &Server<S>, till: &mut TestTill) {
    support::enrol::enroll(server, till, None);
}

fn offline_till(name: &str, seed: u8, sales: usize) -> TestTill {
    let mut t = TestTill::new(name, "S1", "L1", seed);
    for s in 0..sales {
        t.sell("APPLE", 1, (s % 4 == 0).then_some("c1"), None);
    }
    t
}

#[test]
#[ignore = "load figure: run in release with --ignored --nocapture"]
fn push_10000_offline_sales_sqlite_loopback() {
    let mut till = offline_till("B1", 7, 10_000);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap());
    enroll(&server, &mut till);
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let mut http = pos_sync::http_client::UreqTransport::new(running.url());
    let mut client = till.client();
    client.batch = 1000;
    client.fiscal_batch = 1000;
    let start = Instant::now();
    let r = sync_once(&client, &mut till, &mut http, &chrono::Utc::now).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(r.acked_seq, 10_000);
    println!(
        "FIGURE push 10000 offline sales (+{} fiscal records), SQLite, loopback HTTP: {secs:.2} s ({:.0} events/s, {} requests)",
        till.records().len(),
        10_000.0 / secs,
        r.pushes
    );
}

/// Pushes every till's outbox concurrently (one thread per till); with
/// `fiscal` false the tills send events only. Returns the seconds taken.
fn push_all(url: &str, tills: Vec<TestTill>, fiscal: bool, sales: usize) -> (f64, Vec<TestTill>) {
    let start = Instant::now();
    let handles: Vec<_> = tills
        .into_iter()
        .map(|mut t| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let mut http = pos_sync::http_client::UreqTransport::new(&url);
                let mut c = t.client();
                c.batch = 100;
                if !fiscal {
                    c.fiscal_batch = 0;
                }
                let r = sync_once(&c, &mut t, &mut http, &chrono::Utc::now).unwrap();
                assert_eq!(r.acked_seq, sales as u64);
                t
            })
        })
        .collect();
    let tills = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (start.elapsed().as_secs_f64(), tills)
}

#[test]
#[ignore = "load figure: run in release with --ignored --nocapture"]
fn fifty_tills_against_postgres_vs_bare_insert() {
    const TILLS: usize = 50;
    const SALES: usize = 200;
    let pg = support::pg::Pg::start();
    let server = Server::new(PostgresStorage::connect(&pg.url).unwrap());
    let make = |prefix: &str, server: &Server<PostgresStorage>| -> Vec<TestTill> {
        let mut tills: Vec<TestTill> = (0..TILLS)
            .map(|i| offline_till(&format!("{prefix}{i:02}"), i as u8 + 1, SALES))
            .collect();
        for t in &mut tills {
            enroll(server, t);
        }
        tills
    };
    let (full, events_only) = (make("P", &server), make("Q", &server));
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let url = running.url().to_owned();
    let (sync_secs, tills) = push_all(&url, full, true, SALES);
    let (events_secs, _) = push_all(&url, events_only, false, SALES);
    let events = (TILLS * SALES) as f64;
    // Bare PostgreSQL: the same event rows, same batch size, 50 concurrent
    // connections, one INSERT per row in one transaction per batch.
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.batch_execute("CREATE TABLE bare_events (event_id TEXT PRIMARY KEY, device TEXT NOT NULL, seq BIGINT NOT NULL, json TEXT NOT NULL, UNIQUE (device, seq))").unwrap();
    let start = Instant::now();
    let handles: Vec<_> = tills
        .iter()
        .map(|t| {
            let url = pg.url.clone();
            let device = t.device.clone();
            let rows: Vec<(String, i64, String)> = t
                .outbox
                .iter()
                .map(|e| (e.event_id.clone(), e.seq as i64, serde_json::to_string(e).unwrap()))
                .collect();
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                for chunk in rows.chunks(100) {
                    let mut tx = c.transaction().unwrap();
                    for (id, seq, json) in chunk {
                        tx.execute(
                            "INSERT INTO bare_events(event_id, device, seq, json) VALUES ($1, $2, $3, $4)",
                            &[id, &device, seq, json],
                        )
                        .unwrap();
                    }
                    tx.commit().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let bare_secs = start.elapsed().as_secs_f64();
    let (sync_rate, events_rate, bare_rate) =
        (events / sync_secs, events / events_secs, events / bare_secs);
    println!(
        "FIGURE 50 tills x {SALES} sales to PostgreSQL over HTTP (events + fiscal records verified, ledgers, change feed): {sync_secs:.2} s = {sync_rate:.0} events/s = {:.0} % of bare",
        100.0 * sync_rate / bare_rate
    );
    println!(
        "FIGURE the same without fiscal records (events, ledgers, levels, change feed): {events_secs:.2} s = {events_rate:.0} events/s = {:.0} % of bare",
        100.0 * events_rate / bare_rate
    );
    println!(
        "FIGURE bare PostgreSQL insert of the same {events} event rows, 50 connections, batches of 100: {bare_secs:.2} s = {bare_rate:.0} rows/s"
    );
}

/// What the server's fiscal check costs per record (the CPU floor of a push).
#[test]
#[ignore = "load figure: run in release with --ignored --nocapture"]
fn fiscal_verification_cost_per_record() {
    let till = offline_till("V1", 9, 2000);
    let records = till.records();
    let key = pos_fiscal::PublicKey::from_sec1(&pos_fiscal::Signer::public_key_sec1(&till.signer))
        .unwrap();
    let start = Instant::now();
    let report = pos_fiscal::verify::verify_records(
        &records,
        &pos_fiscal::verify::VerifyContext {
            source: "bench".into(),
            keys: vec![key],
            anchors: Default::default(),
            head: None,
            known_head: None,
        },
    );
    let secs = start.elapsed().as_secs_f64();
    assert!(report.defects.is_empty());
    println!(
        "FIGURE fiscal verification of {} records: {secs:.2} s = {:.0} us per record",
        records.len(),
        secs * 1e6 / records.len() as f64
    );
}
