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

mod two_stores;

use two_stores::{TwoStores, db, json, ok, pos};

#[test]
fn a_sale_at_one_store_is_exchanged_once_at_another() {
    let t = TwoStores::start();
    let (a, b, url, dir) = (t.a.clone(), t.b.clone(), t.url.clone(), &t.dir);
    let one = dir.path().join("one.json");
    std::fs::write(&one, r#"{"items":[{"code":"3760123000352"}]}"#).unwrap();
    let two = dir.path().join("two.json");
    std::fs::write(&two, r#"{"items":[{"code":"3760123001472"}]}"#).unwrap();

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
