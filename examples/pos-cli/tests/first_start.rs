#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
//! `pos sync-server` has no default secret: the first start of an empty
//! database prints one enrolment code and one web key (one JSON line), a
//! later start prints nothing; `pos backoffice` issues, lists and revokes
//! codes and keys of the retailer's own stores only, never listing a secret.

mod support;

use std::path::Path;
use support::pos::{ServerSpec, pos};

/// Starts the server, waits until it listens, stops it; its stdout.
fn start_and_stop(db: &Path) -> String {
    ServerSpec::sqlite(db)
        .first_store("shop-1")
        .stdout_piped()
        .start()
        .stop()
}

fn backoffice(db: &Path, args: &[&str]) -> (bool, String) {
    let out = pos()
        .args(["backoffice", args[0], "--db"])
        .arg(db)
        .args(&args[1..])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

fn last_json(out: &str) -> serde_json::Value {
    serde_json::from_str(out.lines().last().unwrap()).unwrap()
}

#[test]
fn the_first_start_prints_one_code_and_one_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite");
    let first = start_and_stop(&db);
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {first}");
    let f = &last_json(&first)["first_start"];
    assert_eq!(f["retailer"], "r1");
    assert_eq!(f["store"], "shop-1");
    let code = f["enrolment_code"].as_str().unwrap().to_owned();
    let key = f["web_key"].as_str().unwrap().to_owned();
    assert!(code.starts_with("pec_") && key.starts_with("pwk_"));
    // A later start of the same database prints nothing.
    assert_eq!(start_and_stop(&db), "");

    // Lists show ids and states, never the secrets.
    let (ok, codes) = backoffice(&db, &["enrolment-codes", "--retailer", "r1"]);
    assert!(ok);
    assert!(
        codes.contains("\"valid\"") && !codes.contains(&code),
        "{codes}"
    );
    let (ok, keys) = backoffice(&db, &["web-keys", "--retailer", "r1"]);
    assert!(ok);
    assert!(!keys.contains(&key), "{keys}");

    // Another retailer's store is refused; a code for the own store is
    // printed once and can be revoked.
    let (ok, _) = backoffice(
        &db,
        &[
            "add-retailer",
            "--id",
            "r2",
            "--name",
            "B",
            "--siren",
            "123456789",
        ],
    );
    assert!(ok);
    let (ok, _) = backoffice(&db, &["add-store", "--retailer", "r2", "--store", "shop-2"]);
    assert!(ok);
    let (ok, out) = backoffice(
        &db,
        &["enrolment-code", "--retailer", "r1", "--store", "shop-2"],
    );
    assert!(!ok);
    assert_eq!(last_json(&out)["error"], "foreign_store");
    let (ok, out) = backoffice(
        &db,
        &[
            "enrolment-code",
            "--retailer",
            "r1",
            "--store",
            "shop-1",
            "--expires-in",
            "1h",
        ],
    );
    assert!(ok, "{out}");
    let issued = last_json(&out);
    assert!(issued["code"].as_str().unwrap().starts_with("pec_"));
    let id = issued["id"].as_str().unwrap();
    let (ok, out) = backoffice(
        &db,
        &["revoke-enrolment-code", "--retailer", "r2", "--id", id],
    );
    assert!(!ok, "another retailer cannot revoke it: {out}");
    let (ok, _) = backoffice(
        &db,
        &["revoke-enrolment-code", "--retailer", "r1", "--id", id],
    );
    assert!(ok);
    let (_, codes) = backoffice(&db, &["enrolment-codes", "--retailer", "r1"]);
    assert!(codes.contains("\"revoked\""), "{codes}");

    // A web key for some stores: only the retailer's.
    let (ok, out) = backoffice(&db, &["web-key", "--retailer", "r1", "--store", "shop-2"]);
    assert!(!ok, "{out}");
    let (ok, out) = backoffice(&db, &["web-key", "--retailer", "r1", "--store", "shop-1"]);
    assert!(ok, "{out}");
    assert_eq!(last_json(&out)["stores"], serde_json::json!(["shop-1"]));
}
