//! Operating `pos sync-server`: `pos sync-server backup` copies the SQLite
//! database of a server that is serving (the copy holds every synced sale
//! and refuses to overwrite a file unless `--force`), a server started on
//! the copy takes the till's next sync (the restore drill); with
//! `--log-format json` each request is one JSON line on stderr that names
//! its route family and status and never the bearer token; `/metrics`
//! answers with the token from `POS_METRICS_TOKEN` only.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::pos::{ServerSpec, SyncServer, enrolment_code_sqlite, pos, simulate};

const TOKEN: &str = "ops-token-5b1c9e";
const WEB_KEY: &str = "pos_wk_not-a-real-key-0c7d";

/// The sync server on the SQLite file `db`, stderr to `log`, the metrics
/// token set; killed when dropped.
fn start_server(db: &Path, log: &Path, extra: &[&str]) -> SyncServer {
    ServerSpec::sqlite(db)
        .args(extra)
        .env("POS_METRICS_TOKEN", TOKEN)
        .log(log)
        .start()
}

/// `GET path` over HTTP/1.1 with an optional bearer token: the status.
fn get(listen: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(listen).unwrap();
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {listen}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    (status, body)
}

fn json_line(out: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(out);
    serde_json::from_str(text.lines().last().unwrap_or("")).unwrap()
}

fn sync(till: &Path, listen: &str, code: &str) -> serde_json::Value {
    let out = pos()
        .args(["sync", "--db"])
        .arg(till)
        .args([
            "--server",
            &format!("http://{listen}"),
            "--enrolment-code",
            code,
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    json_line(&out.stdout)
}

fn backup(db: &Path, out: &Path, force: bool) -> (Option<i32>, serde_json::Value) {
    let mut c = pos();
    c.args(["sync-server", "backup", "--db"])
        .arg(db)
        .arg("--out")
        .arg(out);
    if force {
        c.arg("--force");
    }
    let o = c.output().unwrap();
    (o.status.code(), json_line(&o.stdout))
}

#[test]
fn backup_while_serving_then_restore_drill() {
    let dir = tempfile::tempdir().unwrap();
    let (till, db) = (
        dir.path().join("till.sqlite"),
        dir.path().join("server.sqlite"),
    );
    let server = start_server(&db, &dir.path().join("server.log"), &[]);
    let code = enrolment_code_sqlite(&db);
    simulate(&till, 40, 1);
    assert_eq!(sync(&till, &server.addr, &code)["pending"], 0);

    // The server is serving (and its file in WAL mode) while the copy is made.
    let copy = dir.path().join("copy.sqlite");
    let (exit, report) = backup(&db, &copy, false);
    assert_eq!(exit, Some(0), "{report}");
    assert_eq!(report["integrity"], "ok");
    let events = report["rows"]["events"].as_u64().unwrap();
    assert!(events >= 40, "{report}");
    assert_eq!(report["rows"]["devices"], 1);

    // No silent overwrite.
    let (exit, refused) = backup(&db, &copy, false);
    assert_eq!(exit, Some(2));
    assert_eq!(refused["error"], "backup_output_exists");
    let (exit, again) = backup(&db, &copy, true);
    assert_eq!(exit, Some(0), "{again}");
    // A file that is not a server database is refused, nothing written.
    let (exit, bad) = backup(&till, &dir.path().join("x.sqlite"), false);
    assert_eq!(exit, Some(2), "{bad}");
    assert!(!dir.path().join("x.sqlite").exists());
    drop(server);

    // The restore drill: a server on the copy takes the till's next sales.
    let restored = start_server(&copy, &dir.path().join("restored.log"), &[]);
    assert_eq!(get(&restored.addr, "/readyz", None).0, 200);
    simulate(&till, 5, 2);
    let after = sync(&till, &restored.addr, &code);
    assert_eq!(after["pending"], 0, "{after}");
    assert_eq!(after["acked_seq"].as_u64().unwrap(), events + 5);
}

#[test]
fn json_request_logs_carry_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = start_server(
        &dir.path().join("server.sqlite"),
        &log,
        &["--log-format", "json"],
    );
    assert_eq!(get(&server.addr, "/metrics", None).0, 401);
    assert_eq!(get(&server.addr, "/metrics", Some("wrong")).0, 401);
    let (status, body) = get(&server.addr, "/metrics", Some(TOKEN));
    assert_eq!(status, 200);
    assert!(body.contains("pos_http_requests_total"));
    assert_eq!(
        get(&server.addr, "/v1/web/stock?sku=APPLE", Some(WEB_KEY)).0,
        401
    );
    assert_eq!(get(&server.addr, "/healthz", None).0, 200);
    std::thread::sleep(Duration::from_millis(200));
    drop(server);

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(TOKEN), "the metrics token reached the log");
    assert!(!text.contains(WEB_KEY), "a web key reached the log");
    assert!(!text.contains("APPLE"), "a query string reached the log");
    let requests: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "answered")
        .collect();
    assert_eq!(requests.len(), 5, "one line per request:\n{text}");
    let web = requests
        .iter()
        .find(|v| v["span"]["family"] == "web")
        .unwrap_or_else(|| panic!("no web request line:\n{text}"));
    assert_eq!(web["fields"]["status"], 401);
    assert_eq!(web["span"]["method"], "GET");
    assert!(web["fields"]["latency_ms"].is_u64());
    assert_eq!(web["level"], "INFO");
}

#[test]
fn a_stderr_nobody_reads_never_stalls_the_server() {
    // stderr is a pipe that is never read: once its buffer (64 KB on Linux)
    // is full, a blocking log write would stall every request, /healthz
    // included (schemathesis found it: the server stopped answering).
    // 2,000 requests write ~200 KB of log lines; every one must be answered.
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = pos()
        .args(["sync-server", "--listen", &addr, "--db"])
        .arg(dir.path().join("server.sqlite"))
        .args(["--first-retailer", "r1", "--first-store", "S1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    support::wait_listening("pos sync-server", port);
    let mut answered = 0;
    for _ in 0..2000 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        if s.read_to_string(&mut out).is_err() || !out.starts_with("HTTP/1.1 200") {
            break;
        }
        answered += 1;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        answered, 2000,
        "the server stalled behind its unread stderr"
    );
}
