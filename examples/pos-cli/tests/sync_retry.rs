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

use rusqlite::Connection;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pos"))
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
        .args(["--sqlite-busy-timeout-ms", "50"])
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

fn simulate(db: &Path, sales: u32, seed: u64) {
    let ok = pos()
        .args(["simulate", "--db"])
        .arg(db)
        .args(["--sales", &sales.to_string(), "--seed", &seed.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "pos simulate failed");
}

fn sync(db: &Path, url: &str, code: &str, budget: &str) -> Command {
    let mut c = pos();
    c.args(["sync", "--db"])
        .arg(db)
        .args(["--server", url, "--enrolment-code", code])
        .args(["--retry-budget", budget]);
    c
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout is not one JSON line: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A till enrolled and synced once with a fresh server.
fn synced_till(
    dir: &Path,
) -> (
    ServerProcess,
    std::path::PathBuf,
    std::path::PathBuf,
    String,
) {
    let till = dir.join("till.sqlite");
    let server_db = dir.join("server.sqlite");
    let server = start_server(&server_db);
    simulate(&till, 5, 1);
    let out = pos()
        .args(["backoffice", "enrolment-code", "--db"])
        .arg(&server_db)
        .args(["--retailer", "r1", "--store", "demo-store"])
        .output()
        .unwrap();
    assert!(out.status.success(), "no enrolment code");
    let code = json(&out)["code"].as_str().unwrap().to_owned();
    let first = sync(&till, &server.1, &code, "0").output().unwrap();
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
    let child = sync(&till, &server.1, &code, "30")
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
    let out = sync(&till, &server.1, &code, "1").output().unwrap();
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
    let out = sync(&till, &format!("{}/nowhere", server.1), &code, "30")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // Nothing was lost: the next sync pushes the pending sales.
    let out = sync(&till, &server.1, &code, "5").output().unwrap();
    assert!(out.status.success());
    assert_eq!(json(&out)["pending"], 0);
}
