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

mod two_stores;

use two_stores::{TwoStores, db, json, ok, pos};

#[test]
fn a_sale_at_one_store_is_refunded_once_at_another() {
    let t = TwoStores::start();
    let (a, b, url) = (t.a.clone(), t.b.clone(), t.url.clone());

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
