//! `pos sync` against a server whose database is unavailable: the real
//! `pos sync-server` answers 503 (its SQLite file is held by another
//! writer past a short busy timeout). `pos sync` waits and tries again
//! within `--retry-budget`, printing a line per wait, and succeeds once the
//! database is free; when the budget runs out it exits 75 (EX_TEMPFAIL)
//! with "server unavailable, will retry", not 2 as for a refusal.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::pos::{ServerSpec, SyncServer, enrolment_code_sqlite, json, simulate, sync_cmd};

/// A till enrolled and synced once with a fresh server (its SQLite busy
/// timeout short, so that a held file answers 503 at once).
fn synced_till(dir: &Path) -> (SyncServer, PathBuf, PathBuf, String) {
    let till = dir.join("till.sqlite");
    let server_db = dir.join("server.sqlite");
    let server = ServerSpec::sqlite(&server_db)
        .args(&["--sqlite-busy-timeout-ms", "50"])
        .start();
    simulate(&till, 5, 1);
    let code = enrolment_code_sqlite(&server_db);
    let first = sync_cmd(&till, &server.url(), &code, 0).output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert_eq!(json(&first)["pending"], 0);
    (server, till, server_db, code)
}

#[test]
fn sync_waits_out_a_503_and_succeeds_when_the_database_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (server, till, server_db, code) = synced_till(dir.path());
    simulate(&till, 5, 2);

    let holder = Connection::open(&server_db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = sync_cmd(&till, &server.url(), &code, 30)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The database is busy for a while, then free again.
    std::thread::sleep(Duration::from_millis(1500));
    holder.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(json(&out)["pending"], 0);
    let waits: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("server unavailable (HTTP 503)") && l.contains("retry "))
        .collect();
    assert!(!waits.is_empty(), "one line per wait: {stderr}");
    assert!(waits[0].contains("server_unavailable"), "{}", waits[0]);
}

#[test]
fn sync_exits_75_when_the_retry_budget_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let (server, till, server_db, code) = synced_till(dir.path());
    simulate(&till, 3, 3);

    let holder = Connection::open(&server_db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let out = sync_cmd(&till, &server.url(), &code, 1).output().unwrap();
    let took = started.elapsed();
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(75), "EX_TEMPFAIL");
    let v = json(&out);
    assert_eq!(v["error"], "server_unavailable");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("server unavailable, will retry"),
        "{v}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("retry 1 in"), "{stderr}");
    assert!(took < Duration::from_secs(20), "the budget bounds the time");

    // A refusal is still exit 2, at once: a wrong server URL path answers 404.
    let out = sync_cmd(&till, &format!("{}/nowhere", server.url()), &code, 30)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // Nothing was lost: the next sync pushes the pending sales.
    let out = sync_cmd(&till, &server.url(), &code, 5).output().unwrap();
    assert!(out.status.success());
    assert_eq!(json(&out)["pending"], 0);
}
