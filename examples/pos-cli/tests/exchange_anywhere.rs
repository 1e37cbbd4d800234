//! `pos exchange --server` across stores with a real in-process sync
//! server: a line of a sale at till A1 of store s-a is exchanged at till B1
//! of store s-b (found by `A1/T1`, reserved, pushed); the same line is
//! refused again at B1 and, after its pull, at A1; offline, B1's default
//! policy refuses and a manager's approval lets it through; every journal
//! verifies.
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
fn a_sale_at_one_store_is_exchanged_once_at_another() {
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
    let one = dir.path().join("one.json");
    std::fs::write(&one, r#"{"items":[{"code":"3760123000352"}]}"#).unwrap();
    let two = dir.path().join("two.json");
    std::fs::write(&two, r#"{"items":[{"code":"3760123001472"}]}"#).unwrap();
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

    // B1 exchanges line 1 of A1's first ticket for the same item (an even
    // exchange), found by its number through the server.
    let v = ok(&pos(&[
        "exchange",
        "--db",
        db(&b),
        "--ticket",
        "A1/T1",
        "--return",
        "1:1",
        "--basket",
        db(&one),
        "--server",
        &url,
    ]));
    assert_eq!(v["kind"], "exchange", "{v}");
    assert_eq!(v["original_reference"], "s-a/A1/T1", "{v}");
    assert_eq!(v["verified"], true);
    assert!(v["reservation"].is_string(), "{v}");
    assert_eq!(v["pushed"], true);
    assert_eq!(
        v["balance"].as_str().unwrap().parse::<f64>().unwrap(),
        0.0,
        "{v}"
    );
    let original = v["original"].as_str().unwrap().to_owned();

    // The same line again at B1, as an exchange or a refund: refused by
    // the server's count.
    let out = pos(&[
        "exchange",
        "--db",
        db(&b),
        "--ticket",
        &original,
        "--return",
        "1:1",
        "--basket",
        db(&one),
        "--server",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "refund_exceeds_remaining");

    // A1 pulls: line 1 is taken back; it cannot refund it.
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
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "refund_exceeds_remaining");

    // Offline, B1's default policy refuses an exchange of another till's
    // ticket; with a manager's approval under manager_approval it goes.
    let offline = [
        "exchange",
        "--db",
        db(&b),
        "--ticket",
        &original,
        "--return",
        "2:1",
        "--basket",
        db(&two),
        "--server",
        "http://127.0.0.1:9",
    ];
    let out = pos(&offline);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "offline_refund_refused");
    let mut approved = offline.to_vec();
    approved.extend([
        "--offline-policy",
        "manager_approval",
        "--approved-by",
        "boss",
    ]);
    let v = ok(&pos(&approved));
    assert_eq!(v["verified"], false, "{v}");
    assert_eq!(v["pushed"], false, "{v}");

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
