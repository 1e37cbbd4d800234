//! `pos retention` end to end (issue 18): a till that sold every day for
//! 75 days (made with the facade and a clock set back, then left to the
//! CLI at the real time) keeps 31 days of journal: the command archives
//! the closed months, sends them to a real `pos sync-server`, purges what
//! the server confirmed and is older than 31 days, reclaims the space;
//! `pos verify` still proves the whole history; a second run does nothing.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use chrono::{Duration, Utc};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use std::sync::Arc;
use support::pos::{ServerSpec, enrolment_code_sqlite, json, pos};

fn run(c: &mut std::process::Command) -> serde_json::Value {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn records(db: &std::path::Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM fiscal_record", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn retention_archives_sends_purges_and_the_journal_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server_db = dir.path().join("server.sqlite");
    let server = ServerSpec::sqlite(&server_db).start();
    let url = server.url();
    let code = enrolment_code_sqlite(&server_db);
    let db = dir.path().join("till.sqlite");
    let op = OperatorId::new("alice").unwrap();

    // 75 days of two sales and a Z, ending yesterday evening.
    let first = (Utc::now() - Duration::days(75))
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_utc();
    let clock = Arc::new(ManualClock::new(first));
    let config = RegisterConfig::france(
        StoreId::new("demo-store").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg =
        Register::open_with_key_file(&db, config, clock.clone(), IdGenerator::seeded(3)).unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let mut settings = reg.settings();
    settings.set("journal_days_kept", "31").unwrap();
    assert!(reg.set_settings(settings, &op).unwrap());
    let mut http = pos_sync::http_client::UreqTransport::new(&url);
    pos_sdk::sync::enroll(&mut reg, &mut http, &code, None).unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    for day in 0..75 {
        let morning = first + Duration::days(day) + Duration::hours(1);
        clock.set(morning);
        for _ in 0..2 {
            clock.advance_millis(60_000);
            let ctx = reg.price_context(None);
            let mut cart = reg.new_cart();
            reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
            let mut pay = reg.start_payment(&cart, None).unwrap();
            let due = pay.remaining().unwrap();
            pay.add(Tender::new(TenderMethod::Card, due)).unwrap();
            reg.complete_sale(cart, pay, &SaleOptions::by(op.clone()))
                .unwrap();
        }
        clock.set(morning + Duration::hours(10));
        reg.close_day(None, None, &op).unwrap();
        if day % 15 == 14 {
            pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
        }
    }
    drop(reg);
    let before = records(&db);

    let out = run(pos()
        .args(["retention", "--db"])
        .arg(&db)
        .args(["--server", &url]));
    let archived = out["archived"].as_array().unwrap();
    let sent = out["sent"].as_array().unwrap();
    assert!(archived.len() >= 2, "{out}");
    assert_eq!(sent.len(), archived.len(), "{out}");
    for (a, s) in archived.iter().zip(sent) {
        assert_eq!(a["manifest_sha256"], s["manifest_sha256"], "{out}");
        assert!(s["records"].as_u64().unwrap() > 0, "{out}");
    }
    // What is older than 31 days and confirmed is gone from the till.
    let purged = out["purged"]["records"].as_u64().unwrap();
    assert!(purged > 0, "{out}");
    let keep_from = (Utc::now() - Duration::days(31)).date_naive();
    let before_day: chrono::NaiveDate = out["purged"]["before"].as_str().unwrap().parse().unwrap();
    assert!(before_day <= keep_from, "{out}");
    assert!(records(&db) < before, "{out}");

    // The journal still proves its whole history, purge included.
    let v = pos().arg("verify").arg(&db).output().unwrap();
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );

    // Nothing more to do the second time.
    let again = run(pos()
        .args(["retention", "--db"])
        .arg(&db)
        .args(["--server", &url]));
    assert_eq!(again["archived"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["sent"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["purged"]["records"], 0, "{again}");

    // A till that is not enrolled cannot send: refused, nothing purged.
    let lone = dir.path().join("lone.sqlite");
    support::pos::new_till(&lone, "till-9");
    let out = pos()
        .args(["retention", "--db"])
        .arg(&lone)
        .args(["--server", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        json(&out)["error"],
        "not_found",
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
