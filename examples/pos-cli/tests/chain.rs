//! `pos customer`, `pos stock` and `pos transfer` end to end (issue 16):
//! a sync server with two stores of retailer `r1` (`demo-store`, `lyon`),
//! a till in each made by `pos simulate`. A customer added at demo-store's
//! till is found at Lyon's till offline after a sync and online by phone,
//! with their history; an item's stock in both stores is listed from
//! Lyon; a transfer larger than the stock, or to a store of no retailer of
//! the till's, is refused; a malformed query is refused with its code.
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

fn run(c: &mut std::process::Command) -> (i32, serde_json::Value) {
    let out = c.output().unwrap();
    (out.status.code().unwrap_or(-1), json(&out))
}

fn ok(c: &mut std::process::Command) -> serde_json::Value {
    let (code, v) = run(c);
    assert_eq!(code, 0, "{v}");
    v
}

fn backoffice(server_db: &Path, args: &[&str]) -> serde_json::Value {
    ok(pos()
        .args(["backoffice", args[0], "--db"])
        .arg(server_db)
        .args(&args[1..]))
}

/// A SKU the till sold (from its own stock movements).
fn sold_sku(db: &Path) -> String {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT sku FROM stock_movements ORDER BY seq LIMIT 1",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn customers_and_stock_of_the_other_store_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let server_db = dir.path().join("server.sqlite");
    let server = ServerSpec::sqlite(&server_db).start();
    let url = server.url();
    backoffice(
        &server_db,
        &["add-store", "--retailer", "r1", "--store", "lyon"],
    );

    let paris = dir.path().join("paris.sqlite");
    simulate(&paris, 2, 1);
    let added = ok(pos().args(["customer", "add", "--db"]).arg(&paris).args([
        "--given-name",
        "Hélène",
        "--family-name",
        "Dupré",
        "--phone",
        "+33 6 12 34 56 78",
        "--email",
        "helene@example.org",
    ]));
    let id = added["id"].as_str().unwrap().to_owned();
    let code = enrolment_code_sqlite(&server_db);
    ok(&mut sync_once_cmd(&paris, &url, &code));

    let lyon = dir.path().join("lyon.sqlite");
    let made = pos()
        .args(["simulate", "--db"])
        .arg(&lyon)
        .args(["--sales", "1", "--seed", "2"])
        .args(["--store", "lyon", "--register", "till-1"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let lyon_code = backoffice(
        &server_db,
        &["enrolment-code", "--retailer", "r1", "--store", "lyon"],
    )["code"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&mut sync_once_cmd(&lyon, &url, &lyon_code));

    // Offline, from Lyon's pulled cache.
    let found = ok(pos()
        .args(["customer", "search", "dupre helene", "--db"])
        .arg(&lyon));
    assert_eq!(found["source"], "till");
    assert_eq!(found["customers"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["customers"][0]["id"], id.as_str());
    // Online, by phone as typed.
    let found = ok(pos()
        .args(["customer", "search", "06 12 34 56 78", "--db"])
        .arg(&lyon)
        .args(["--server", &url]));
    assert_eq!(found["source"], "server");
    assert_eq!(found["customers"][0]["id"], id.as_str());
    assert_eq!(found["customers"][0]["points"], 0);
    let nobody = ok(pos()
        .args(["customer", "search", "martin", "--db"])
        .arg(&lyon));
    assert!(nobody["customers"].as_array().unwrap().is_empty());
    let (code, refused) = run(pos().args(["customer", "search", "  ", "--db"]).arg(&lyon));
    assert_eq!(code, 2);
    assert_eq!(refused["error"]["kind"], "invalid_text", "{refused}");

    let history = ok(pos()
        .args(["customer", "history", &id, "--db"])
        .arg(&lyon)
        .args(["--server", &url]));
    assert_eq!(history["customer"], id.as_str());
    assert!(history["tickets"].as_array().unwrap().is_empty());

    // Stock of both stores from Lyon: what demo-store's till sold shows.
    let sku = sold_sku(&paris);
    let stock = ok(pos()
        .args(["stock", &sku, "--db"])
        .arg(&lyon)
        .args(["--server", &url]));
    let stores: Vec<&str> = stock["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["store"].as_str().unwrap())
        .collect();
    assert!(stores.contains(&"demo-store"), "{stock}");
    let local = ok(pos().args(["stock", &sku, "--db"]).arg(&lyon));
    assert_eq!(local["levels"][0]["store"], "lyon");

    // A transfer of stock that is not there, or to an unknown store: refused.
    let transfer = |to: &str| {
        run(pos()
            .args(["transfer", "--db"])
            .arg(&lyon)
            .args(["--server", &url, "--sku", &sku, "--quantity", "1"])
            .args(["--from", "demo-store", "--to", to]))
    };
    let (code, out) = transfer("lyon");
    assert_eq!(code, 2);
    assert_eq!(out["error"]["kind"], "insufficient_stock", "{out}");
    let (code, out) = transfer("elsewhere");
    assert_eq!(code, 2);
    assert_eq!(out["error"]["kind"], "not_found", "{out}");
    drop(server);
}
