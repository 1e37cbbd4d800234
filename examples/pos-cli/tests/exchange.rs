//! `pos exchange`: lines of a ticket given back and a basket sold on one
//! ticket of kind `exchange`; the journal still verifies; an exchange of
//! lines already given back is refused with nothing written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Output};

fn pos(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(&args[..1])
        .arg("--db")
        .arg(db)
        .args(&args[1..])
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn basket(dir: &Path, name: &str, items: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!(r#"{{"items":[{items}]}}"#)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn pos_exchange_records_one_exchange_ticket_and_refuses_a_line_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till.sqlite");
    // Olive oil 8.90 and a camembert 4.20, cash.
    let sold = basket(
        dir.path(),
        "sale.json",
        r#"{"code":"3760123000987"},{"code":"3760123000499"}"#,
    );
    let out = pos(&["sell", "--basket", &sold, "--pay", "cash:20.00"], &db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sale = json(&out);
    let number = sale["ticket"].as_u64().unwrap();

    // The oil back, a jam (3.60) taken: 5.30 paid back in cash.
    let new = basket(dir.path(), "new.json", r#"{"code":"3760123001120"}"#);
    let reference = format!("T{number}");
    let out = pos(
        &[
            "exchange", "--ticket", &reference, "--return", "1:1", "--basket", &new, "--pay",
            "cash",
        ],
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let x = json(&out);
    assert_eq!(x["kind"], "exchange");
    assert_eq!(x["balance"], "-5.30");
    assert_eq!(x["returned"][0]["amount"], "-8.90");
    assert_eq!(x["sold"][0]["amount"], "3.60");
    assert_eq!(x["payments"][0]["amount"], "-5.30");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM fiscal_record WHERE kind = 'exchange' AND ref_series = 'T'"
        ),
        1
    );

    // The same line again (by the ticket's id this time): refused, nothing written.
    let id = sale["id"].as_str().unwrap();
    // (Opening the till logs its start-up, JET 80: only the tickets count.)
    let before = count(&db, "SELECT COUNT(*) FROM fiscal_record WHERE series = 'T'");
    let out = pos(
        &[
            "exchange", "--ticket", id, "--return", "1:1", "--basket", &new, "--pay", "cash",
        ],
        &db,
    );
    assert_eq!(out.status.code(), Some(2));
    let e = json(&out);
    assert_eq!(e["error"]["kind"], "refund_exceeds_refundable", "{e}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM fiscal_record WHERE series = 'T'"),
        before
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), 2);

    let out = Command::new(env!("CARGO_BIN_EXE_pos"))
        .arg("verify")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
