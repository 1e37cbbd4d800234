//! `pos refund` across stores with a real in-process sync server: a sale
//! at till A1 of store s-a is refunded at till B1 of store s-b (looked up
//! by `A1/T1`, reserved, pushed); A1 pulls and refuses to refund the same
//! line again; B1 offline under the default policy is refused; every
//! journal verifies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Output};

fn pos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(args)
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

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

fn db(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_sale_at_one_store_is_refunded_once_at_another() {
    let dir = tempfile::tempdir().unwrap();
    let server = pos_server::Server::new(
        pos_server::SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap(),
    );
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store("s-a", "r1")?;
            tx.bo_put_store("s-b", "r1")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let url = running.url().to_owned();
    let code = |store: &str| {
        server
            .enrolment_code("r1", store, None, 3_600_000, chrono::Utc::now())
            .unwrap()
            .0
            .secret
    };
    let basket = dir.path().join("basket.json");
    std::fs::write(
        &basket,
        r#"{"items":[{"code":"3760123000352"},{"code":"3760123001472"}]}"#,
    )
    .unwrap();
    let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    for (file, store, register) in [(&a, "s-a", "A1"), (&b, "s-b", "B1")] {
        ok(&pos(&[
            "sell",
            "--db",
            db(file),
            "--basket",
            db(&basket),
            "--pay",
            "card",
            "--store",
            store,
            "--register",
            register,
        ]));
        let c = code(store);
        ok(&pos(&[
            "sync",
            "--db",
            db(file),
            "--server",
            &url,
            "--enrolment-code",
            &c,
        ]));
    }

    // B1 refunds line 1 of A1's first ticket, found by its number.
    let v = ok(&pos(&[
        "refund",
        "--db",
        db(&b),
        "--ticket",
        "A1/T1",
        "--line",
        "1:1",
        "--pay",
        "card",
        "--server",
        &url,
    ]));
    assert_eq!(v["original"]["reference"], "s-a/A1/T1", "{v}");
    assert_eq!(v["original"]["verified"], true);
    assert!(v["reservation"].is_string(), "{v}");
    assert_eq!(v["pushed"], true);
    assert!(v["total"].as_str().unwrap().starts_with('-'));
    let original = v["original"]["ticket"].as_str().unwrap().to_owned();

    // The same line again at B1: refused by the server's count.
    let out = pos(&[
        "refund",
        "--db",
        db(&b),
        "--ticket",
        &original,
        "--line",
        "1:1",
        "--pay",
        "card",
        "--server",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "refund_exceeds_remaining");

    // A1 pulls: line 1 is refunded; it cannot refund it, even offline.
    ok(&pos(&["sync", "--db", db(&a), "--server", &url]));
    let out = pos(&[
        "refund",
        "--db",
        db(&a),
        "--ticket",
        "A1/T1",
        "--line",
        "1:1",
        "--pay",
        "cash",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json(&out)["error"]["kind"], "refund_exceeds_remaining");
    // Line 2 is still A1's to refund.
    let v = ok(&pos(&[
        "refund",
        "--db",
        db(&a),
        "--ticket",
        "A1/T1",
        "--line",
        "2:1",
        "--pay",
        "cash",
        "--server",
        &url,
    ]));
    assert_eq!(v["original"]["reference"], "A1/T1");

    // Offline, B1's default policy refuses.
    let out = pos(&[
        "refund",
        "--db",
        db(&b),
        "--ticket",
        &original,
        "--line",
        "2:1",
        "--pay",
        "card",
        "--server",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "offline_refund_refused");

    for file in [&a, &b] {
        let out = pos(&["verify", db(file)]);
        assert!(
            out.status.success(),
            "{} {:?}{}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
