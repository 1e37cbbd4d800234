//! A till killed in the middle of a sync: `pos sync` is SIGKILLed at
//! random moments while it pushes a backlog of offline sales to a real
//! `pos sync-server` process, with more sales made between the kills. After
//! a last complete sync, the server holds every outbox event of the till
//! exactly once, in sequence, and every fiscal record with the till's hash,
//! none kept aside (the server accepts a record only after checking its
//! chain and signature, so accepted-and-none-quarantined means verified).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn pos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pos"))
}

fn simulate(db: &Path, sales: u32, seed: u64) {
    let out = pos()
        .args(["simulate", "--db"])
        .arg(db)
        .args(["--sales", &sales.to_string(), "--seed", &seed.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(out.success(), "pos simulate failed");
}

fn sync_cmd(db: &Path, url: &str, code: &str) -> Command {
    let mut c = pos();
    c.args(["sync", "--db"])
        .arg(db)
        .args(["--server", url, "--enrolment-code", code])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The sync server on a free loopback port; killed when dropped.
struct ServerProcess(Child, String);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(db: &Path) -> ServerProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = pos()
        .args(["sync-server", "--listen", &listen, "--db"])
        .arg(db)
        .args(["--first-retailer", "r1", "--first-store", "demo-store"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "the sync server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    ServerProcess(child, format!("http://{listen}"))
}

#[test]
fn sigkill_during_sync_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let till = dir.path().join("till.sqlite");
    let server_db = dir.path().join("server.sqlite");
    let server = start_server(&server_db);
    simulate(&till, 300, 1);
    // An enrolment code for the CLI till's store (`demo-store`), issued by
    // the retailer the server's first start created.
    let out = pos()
        .args(["backoffice", "enrolment-code", "--db"])
        .arg(&server_db)
        .args(["--retailer", "r1", "--store", "demo-store"])
        .output()
        .unwrap();
    assert!(out.status.success(), "no enrolment code");
    let issued: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = issued["code"].as_str().unwrap().to_owned();

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut killed_mid_round = 0;
    for round in 0..10u64 {
        let mut child = sync_cmd(&till, &server.1, &code).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(20..400)));
        if child.try_wait().unwrap().is_none() {
            killed_mid_round += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // More offline sales between the kills.
        simulate(&till, 20, 100 + round);
    }
    assert!(killed_mid_round > 0, "no kill landed during a sync");
    let done = sync_cmd(&till, &server.1, &code).status().unwrap();
    assert!(done.success(), "the last sync failed");
    drop(server);

    let t = Connection::open(&till).unwrap();
    let s = Connection::open(&server_db).unwrap();
    let device: String = s
        .query_row("SELECT id FROM devices", [], |r| r.get(0))
        .unwrap();
    let till_events: Vec<(i64, String)> = t
        .prepare("SELECT seq, event_id FROM outbox ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let server_events: Vec<(i64, String)> = s
        .prepare("SELECT seq, event_id FROM events WHERE device = ?1 ORDER BY seq")
        .unwrap()
        .query_map([&device], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(till_events.len() >= 500, "at least one event per sale");
    assert_eq!(server_events, till_events, "every event once, in sequence");
    let sales_on_server: i64 = s
        .query_row(
            "SELECT count(*) FROM events WHERE device = ?1 AND kind = 'sale'",
            [&device],
            |r| r.get(0),
        )
        .unwrap();
    let tickets: i64 = t
        .query_row("SELECT count(*) FROM tickets WHERE series = 'T'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(sales_on_server, tickets);
    assert_eq!(tickets, 500);

    // Every fiscal record, and the chain verifies on the server's copy.
    let till_records = pos_fiscal::store::rows::load_records(&t).unwrap();
    let server_records: Vec<(String, i64, String)> = s
        .prepare("SELECT series, number, hash FROM fiscal_records WHERE device = ?1")
        .unwrap()
        .query_map([&device], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(server_records.len(), till_records.len());
    for r in &till_records {
        assert!(
            server_records
                .iter()
                .any(|(series, n, h)| *series == r.series.code()
                    && *n == r.number as i64
                    && *h == r.hash),
            "fiscal record {}{} is on the server",
            r.series,
            r.number
        );
    }
    let quarantined: i64 = s
        .query_row("SELECT count(*) FROM fiscal_quarantine", [], |r| r.get(0))
        .unwrap();
    assert_eq!(quarantined, 0, "nothing kept aside");
}
