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

mod support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::pos::{ServerSpec, enrolment_code_sqlite, outbox, simulate, sync_once_cmd, tickets};

/// `pos sync` of the till, its output discarded.
fn sync_cmd(db: &Path, url: &str, code: &str) -> Command {
    let mut c = sync_once_cmd(db, url, code);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

#[test]
fn sigkill_during_sync_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let till = dir.path().join("till.sqlite");
    let server_db = dir.path().join("server.sqlite");
    let server = ServerSpec::sqlite(&server_db).start();
    simulate(&till, 300, 1);
    // An enrolment code for the CLI till's store (`demo-store`), issued by
    // the retailer the server's first start created.
    let code = enrolment_code_sqlite(&server_db);

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut killed_mid_round = 0;
    for round in 0..10u64 {
        let mut child = sync_cmd(&till, &server.url(), &code).spawn().unwrap();
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
    let done = sync_cmd(&till, &server.url(), &code).status().unwrap();
    assert!(done.success(), "the last sync failed");
    drop(server);

    let t = Connection::open(&till).unwrap();
    let s = Connection::open(&server_db).unwrap();
    let device: String = s
        .query_row("SELECT id FROM devices", [], |r| r.get(0))
        .unwrap();
    let till_events = outbox(&till);
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
    let tickets = tickets(&till);
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
