//! `pos restore` end to end (issue 17): a till sells offline and syncs,
//! sells two more that never reach the server, and its disk dies (file and
//! key gone). A new tablet restores the register from the server with a
//! single-use code naming it, sells again and syncs: the journal verifies
//! as one chain against the server, the server's event log has no
//! duplicate or skipped sequence, the day's Z is the sales of both files
//! that the server saw, and the two lost sales are reported as a gap,
//! never invented.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::path::Path;
use support::pos::{ServerSpec, enrolment_code_sqlite, json, pos, simulate, sync_once_cmd};

fn ok(c: &mut std::process::Command) -> serde_json::Value {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

/// (number, amount, hash) of each record of `series`, in number order.
fn series(db: &Path, series: &str) -> Vec<(i64, i64, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT number, amount, hash FROM fiscal_record WHERE series = ?1 ORDER BY number")
        .unwrap();
    st.query_map([series], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn jet_details(db: &Path, code: u32) -> Vec<serde_json::Value> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT payload FROM fiscal_record WHERE series = 'E' ORDER BY number")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| serde_json::from_str::<serde_json::Value>(&p.unwrap()).unwrap())
        .filter(|p| p["code"] == code)
        .map(|p| p["detail"].clone())
        .collect()
}

fn restore_code(server_db: &Path, replaces: &str) -> String {
    let out = ok(pos()
        .args(["backoffice", "enrolment-code", "--db"])
        .arg(server_db)
        .args([
            "--retailer",
            "r1",
            "--store",
            "demo-store",
            "--replaces",
            replaces,
        ]));
    out["code"].as_str().unwrap().to_owned()
}

fn verify_with_server(db: &Path, url: &str) -> serde_json::Value {
    let out = pos()
        .arg("verify")
        .arg(db)
        .args(["--server", url])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{report}");
    report
}

#[test]
fn a_till_restored_from_the_server_continues_one_chain_and_reports_the_lost_sales() {
    let dir = tempfile::tempdir().unwrap();
    let server_db = dir.path().join("server.sqlite");
    let server = ServerSpec::sqlite(&server_db).start();
    let url = server.url();
    let old = dir.path().join("old.sqlite");

    // The old tablet: 3 sales synced, then 2 that never reach the server.
    simulate(&old, 3, 1);
    let code = enrolment_code_sqlite(&server_db);
    let first = ok(&mut sync_once_cmd(&old, &url, &code));
    assert_eq!(first["pending"], 0);
    let synced = series(&old, "T");
    assert_eq!(synced.len(), 3);
    simulate(&old, 2, 2);
    let lost = series(&old, "T")[3..].to_vec();
    assert_eq!(lost.len(), 2);

    // Its disk dies: file and key gone.
    std::fs::remove_file(&old).unwrap();
    let _ = std::fs::remove_file(dir.path().join("old.sqlite.key.pem"));

    // A code that does not name the lost till restores nothing.
    let new = dir.path().join("new.sqlite");
    let plain = enrolment_code_sqlite(&server_db);
    let out = pos()
        .args([
            "restore",
            "--server",
            &url,
            "--enrolment-code",
            &plain,
            "--db",
        ])
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"], "replaces_not_authorised");
    assert!(!new.exists());

    // The new tablet restores the register.
    let code = restore_code(&server_db, "demo-store/till-1");
    let restored = ok(pos()
        .args([
            "restore",
            "--server",
            &url,
            "--enrolment-code",
            &code,
            "--db",
        ])
        .arg(&new));
    assert_eq!(restored["device"], "demo-store/till-1");
    assert_eq!(restored["gap"]["server_last"]["T"], 3);
    assert!(restored["records"].as_u64().unwrap() >= 3);
    // The same code again is refused (single use).
    let again = dir.path().join("again.sqlite");
    let out = pos()
        .args([
            "restore",
            "--server",
            &url,
            "--enrolment-code",
            &code,
            "--db",
        ])
        .arg(&again)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // The restored journal holds the synced sales as signed, then the
    // takeover by the new key, the terminal change and the gap.
    assert_eq!(series(&new, "T"), synced);
    let takeover = jet_details(&new, 310);
    assert_eq!(takeover.len(), 1);
    assert_eq!(jet_details(&new, 127)[0]["reason"], "restore");
    assert_eq!(
        jet_details(&new, 126)[0]["key_id"],
        takeover[0]["new_key_id"]
    );
    let gap = jet_details(&new, 90);
    assert_eq!(gap.len(), 1);
    assert_eq!(gap[0]["during"], "restore");
    assert!(gap[0]["server_last"].as_str().unwrap().contains("T3"));
    verify_with_server(&new, &url);

    // It sells again and syncs: nothing quarantined, nothing pending.
    simulate(&new, 2, 3);
    let after = ok(&mut sync_once_cmd(&new, &url, "unused"));
    assert_eq!(after["pending"], 0, "{after}");
    assert_eq!(after["quarantined"], 0, "{after}");
    assert_eq!(after["restore_gap"]["server_last"]["T"], 3);
    let report = verify_with_server(&new, &url);
    assert_eq!(report["verdict"], "intact");

    // The lost sales were not invented: the new T4 and T5 are other sales.
    let now = series(&new, "T");
    assert_eq!(now.len(), 5);
    for (l, n) in lost.iter().zip(&now[3..]) {
        assert_eq!(l.0, n.0);
        assert_ne!(l.2, n.2);
    }

    // The server's event log: one device, sequences 1..N once each, no
    // event id twice.
    let c = rusqlite::Connection::open(&server_db).unwrap();
    let (count, distinct, min, max): (i64, i64, i64, i64) = c
        .query_row(
            "SELECT count(*), count(DISTINCT event_id), min(seq), max(seq) FROM events
             WHERE device = 'demo-store/till-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((count, distinct, min), (max, max, 1));
    assert!(max > first["acked_seq"].as_i64().unwrap());
    drop(c);

    // The day's Z: the 3 sales the server saw plus the 2 new ones.
    let out = pos()
        .args(["close", "day", "--db"])
        .arg(&new)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let z = series(&new, "Z");
    let want: i64 = now.iter().map(|t| t.1).sum();
    assert_eq!(z.last().unwrap().1, want);
    let seen: i64 = synced.iter().chain(&now[3..]).map(|t| t.1).sum();
    assert_eq!(want, seen);
    let after = ok(&mut sync_once_cmd(&new, &url, "unused"));
    assert_eq!(after["quarantined"], 0, "{after}");
    assert_eq!(verify_with_server(&new, &url)["verdict"], "intact");
}
