//! `pos receipt --gift` (the gift receipt of a sale: no price, the GIFT-
//! code, logged as JET 340, never a duplicate) and `--store/--register` on
//! `pos sell` and `pos simulate` when they create a till file.
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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn error_kind(out: &Output) -> String {
    let v: serde_json::Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|_| panic!("not JSON: {}{}", stdout(out), stderr(out)));
    v["error"]["kind"].as_str().unwrap_or_default().to_owned()
}

fn meta(db: &Path, key: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn basket(dir: &Path) -> String {
    let basket = dir.join("basket.json");
    std::fs::write(
        &basket,
        r#"{"items":[{"code":"3760123000352"},{"code":"3760123001472"}]}"#,
    )
    .unwrap();
    basket.to_str().unwrap().to_owned()
}

#[test]
fn sell_and_simulate_make_the_till_file_with_the_given_store_and_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.sqlite");
    let out = pos(
        &[
            "simulate",
            "--sales",
            "2",
            "--store",
            "paris-1",
            "--register",
            "caisse-3",
        ],
        &db,
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(meta(&db, "store"), "paris-1");
    assert_eq!(meta(&db, "register"), "caisse-3");

    // The same ids again, or none: the file's own ids are kept.
    let b = basket(dir.path());
    for extra in [&["--store", "paris-1"][..], &[][..]] {
        let mut args = vec!["sell", "--basket", &b, "--pay", "cash"];
        args.extend_from_slice(extra);
        let out = pos(&args, &db);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    }
    let tickets = count(&db, "SELECT COUNT(*) FROM tickets");
    assert_eq!(tickets, 4);

    // Other ids on an existing file: refused, saying both, nothing sold.
    for extra in [
        &["--register", "caisse-4"][..],
        &["--store", "lyon-2", "--register", "caisse-3"][..],
    ] {
        let mut args = vec!["sell", "--basket", &b, "--pay", "cash"];
        args.extend_from_slice(extra);
        let out = pos(&args, &db);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(error_kind(&out), "wrong_register", "{}", stdout(&out));
        assert!(
            stdout(&out).contains("paris-1/caisse-3"),
            "{}",
            stdout(&out)
        );
        let out = pos(&["simulate", "--sales", "1", extra[0], extra[1]], &db);
        assert_eq!(error_kind(&out), "wrong_register", "{}", stdout(&out));
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), tickets);
    assert_eq!(meta(&db, "register"), "caisse-3");

    // `pos sell` makes a file with its ids too; a bad id makes no file.
    let db2 = dir.path().join("b.sqlite");
    let out = pos(
        &[
            "sell",
            "--basket",
            &b,
            "--pay",
            "cash",
            "--register",
            "caisse-9",
        ],
        &db2,
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(meta(&db2, "store"), "demo-store");
    assert_eq!(meta(&db2, "register"), "caisse-9");
    let db3 = dir.path().join("c.sqlite");
    for bad in [" x", "", "a\nb"] {
        let out = pos(&["simulate", "--sales", "1", "--store", bad], &db3);
        assert_eq!(error_kind(&out), "invalid_id", "{bad:?}: {}", stdout(&out));
        assert!(!db3.exists());
    }
}

const SETTINGS: &str = r#"{
    "trader_name": "Fromagerie Bellecour",
    "address": ["2 place Bellecour", "69002 Lyon"],
    "siret": "404 833 048 00022"
}"#;

#[test]
fn receipt_gift_prints_no_price_and_is_logged_as_jet_340() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till.sqlite");
    let settings = dir.path().join("settings.json");
    std::fs::write(&settings, SETTINGS).unwrap();
    let out = pos(&["init", "--settings", settings.to_str().unwrap()], &db);
    assert!(out.status.success(), "{}", stdout(&out));
    let b = basket(dir.path());
    let out = pos(&["sell", "--basket", &b, "--pay", "cash"], &db);
    assert!(out.status.success(), "{}", stdout(&out));
    let id: String = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT id FROM tickets WHERE number = 1", [], |r| r.get(0))
            .unwrap()
    };
    let jets = || {
        count(
            &db,
            "SELECT COUNT(*) FROM fiscal_record
             WHERE series = 'E' AND json_extract(payload, '$.code') = 340",
        )
    };
    let copies = || count(&db, "SELECT COUNT(*) FROM fiscal_record WHERE series = 'C'");
    let (e0, c0) = (jets(), copies());

    let out = pos(&["receipt", "--ticket", "T1", "--gift"], &db);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("TICKET CADEAU"), "{text}");
    assert!(text.contains(&format!("GIFT-{id}")), "{text}");
    assert!(text.contains("Comté AOP 18 mois"), "{text}");
    assert!(!text.contains('€') && !text.contains("TOTAL"), "{text}");
    assert!(stderr(&out).contains("JET 340"), "{}", stderr(&out));
    assert_eq!((jets(), copies()), (e0 + 1, c0));

    // One chosen line; a preview records nothing.
    let out = pos(
        &[
            "receipt",
            "--ticket",
            "T1",
            "--gift",
            "--line",
            "2",
            "--preview",
        ],
        &db,
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("Comté"), "{}", stdout(&out));
    assert_eq!((jets(), copies()), (e0 + 1, c0));

    // A line the ticket does not have: refused, nothing recorded.
    let out = pos(&["receipt", "--ticket", "T1", "--gift", "--line", "3"], &db);
    assert_eq!(error_kind(&out), "invalid_input", "{}", stdout(&out));
    // --line belongs to --gift.
    let out = pos(&["receipt", "--ticket", "T1", "--line", "1"], &db);
    assert!(!out.status.success());
    assert_eq!((jets(), copies()), (e0 + 1, c0));

    // The priced ticket's own prints are unchanged: original, then DUPLICATA n°1.
    let out = pos(&["receipt", "--ticket", "T1"], &db);
    assert!(stdout(&out).contains("TOTAL TTC"), "{}", stdout(&out));
    let out = pos(&["receipt", "--ticket", "T1"], &db);
    assert!(stdout(&out).contains("DUPLICATA n°1"), "{}", stdout(&out));
}
