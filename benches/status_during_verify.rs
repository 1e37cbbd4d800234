//! A till's `/v1/status` latency (in-process server, SQLite file in WAL
//! mode) while 8 background journal verifications run
//! (`pos_server::verify_job`, 8 workers, each re-verifying a till's whole
//! journal of `POS_BENCH_VERIFY_RECORDS` records, default 20,000), against
//! the same server idle. Prints p50/p99 over 2,000 back-to-back status calls
//! on the idle server and over one call every 5 ms for the whole
//! verification run, then lets criterion time status calls while
//! verifications run (restarted from scratch when they finish).
//!
//! `cargo bench -p pos-benches --bench status_during_verify`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "support/apple.rs"]
mod apple;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use pos_fiscal::model::Stamp;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::{Signer, SoftwareSigner};
use pos_server::verify_job::VerifyJobs;
use pos_server::{Server, SqliteStorage};
use pos_sync::client::{Credentials, signed};
use std::path::Path;
use std::time::Instant;

const TILLS: usize = 8;
const CALLS: usize = 2_000;

fn records() -> usize {
    std::env::var("POS_BENCH_VERIFY_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// A signed journal of `n` tickets (plus its initialisation record).
fn journal(signer: &SoftwareSigner, n: usize) -> Vec<StoredRecord> {
    let t0 = DateTime::<Utc>::from_timestamp(1_767_261_600, 0).unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    pos_fiscal::store::migrate(&conn).unwrap();
    pos_fiscal::store::init(&conn, signer, "V1", Stamp::new(t0, 60).unwrap()).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for k in 1..=n {
        let at = t0 + Duration::seconds(k as i64);
        let input = apple::apple_ticket();
        pos_fiscal::store::record_ticket(&tx, signer, Stamp::new(at, 60).unwrap(), &input).unwrap();
    }
    tx.commit().unwrap();
    pos_fiscal::store::rows::load_records(&conn).unwrap()
}

/// Writes the tills and their accepted records straight into the server
/// file (what pushes would have stored), plus one small till to ask status.
fn seed(path: &Path, public_key: &str, records: &[StoredRecord]) {
    let c = rusqlite::Connection::open(path).unwrap();
    let tx = c.unchecked_transaction().unwrap();
    let secret = hex_of(b"bench-secret");
    for t in 0..=TILLS {
        let id = format!("S1/V{t}");
        tx.execute(
            "INSERT INTO devices(id, store, location, secret, public_key) VALUES (?1, 'S1', 'L1', ?2, ?3)",
            rusqlite::params![id, secret, public_key],
        )
        .unwrap();
        if t == 0 {
            continue; // the till that asks for its status
        }
        let mut st = tx
            .prepare(
                "INSERT INTO fiscal_records(device, series, number, hash, signature, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .unwrap();
        for r in records {
            st.execute(rusqlite::params![
                id,
                r.series.code(),
                r.number as i64,
                r.hash,
                r.signature,
                serde_json::to_string(r).unwrap()
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn status_once(server: &Server<SqliteStorage>, creds: &Credentials, seq: &mut i64) -> f64 {
    *seq += 1;
    let now = Utc::now() + Duration::milliseconds(*seq);
    let req = signed(
        creds,
        "POST",
        pos_sync::wire::paths::STATUS,
        b"{}".to_vec(),
        now.timestamp_millis(),
    );
    let t = Instant::now();
    let resp = server.handle(&req, now);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    ms
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), at(1.0))
}

/// Forgets the verdicts so the next requests verify every record again.
fn reset(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    c.execute("DELETE FROM journal_verdicts", []).unwrap();
}

fn bench(c: &mut Criterion) {
    let n = records();
    let signer = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    let records = journal(&signer, n);
    let public_key = hex_of(&signer.public_key_sec1());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite");
    let server = Server::new(SqliteStorage::open(&path).unwrap());
    seed(&path, &public_key, &records);
    let creds = Credentials {
        device: "S1/V0".into(),
        secret: b"bench-secret".to_vec(),
    };
    let mut seq = 0i64;

    let idle: Vec<f64> = (0..CALLS)
        .map(|_| status_once(&server, &creds, &mut seq))
        .collect();
    let jobs = VerifyJobs::start(server.clone(), TILLS);
    let start_all = |jobs: &VerifyJobs| {
        for t in 1..=TILLS {
            jobs.request(&format!("S1/V{t}"));
        }
    };
    start_all(&jobs);
    let started = Instant::now();
    // One call every 5 ms for as long as any verification runs, so the
    // calls cover the whole run.
    let mut busy = Vec::new();
    while (1..=TILLS).any(|t| jobs.progress(&format!("S1/V{t}")).is_some()) {
        busy.push(status_once(&server, &creds, &mut seq));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let calls = busy.len();
    jobs.wait_idle(std::time::Duration::from_secs(3600));
    let verify_secs = started.elapsed().as_secs_f64();
    let (i50, i99, imax) = percentiles(idle);
    let (b50, b99, bmax) = percentiles(busy);
    eprintln!(
        "FIGURE /v1/status idle: p50 {i50:.2} ms, p99 {i99:.2} ms, max {imax:.2} ms ({CALLS} calls)"
    );
    eprintln!(
        "FIGURE /v1/status during {TILLS} verifications of {} records each: p50 {b50:.2} ms, p99 {b99:.2} ms, max {bmax:.2} ms ({calls} calls); the verifications took {verify_secs:.1} s",
        records.len()
    );

    let mut g = c.benchmark_group("server");
    g.sample_size(20);
    g.bench_function("status_while_8_verifications", |b| {
        b.iter_custom(|iters| {
            if (1..=TILLS).all(|t| jobs.progress(&format!("S1/V{t}")).is_none()) {
                jobs.wait_idle(std::time::Duration::from_secs(3600));
                reset(&path);
                start_all(&jobs);
            }
            let t = Instant::now();
            for _ in 0..iters {
                status_once(&server, &creds, &mut seq);
            }
            t.elapsed()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
