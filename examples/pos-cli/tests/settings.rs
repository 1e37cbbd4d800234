//! `pos init --settings` and `pos config`: the merchant's settings are set
//! at setup, kept in the till file, changed with `--set` (a refused value
//! changes nothing), and every print of a ticket made by `pos receipt`
//! carries the merchant and the QR link signed at its sale, never a demo
//! identity.
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

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|_| panic!("not JSON: {}", stdout(out)))
}

const SETTINGS: &str = r#"{
    "trader_name": "Fromagerie Bellecour",
    "address": ["2 place Bellecour", "69002 Lyon"],
    "siret": "404 833 048 00022",
    "vat_number": "FR83404833048",
    "receipt_link_base": "https://recus.fromagerie.fr",
    "footer": ["À bientôt"],
    "meal_voucher_cap": 20
}"#;

fn init(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("till.sqlite");
    let file = dir.join("settings.json");
    std::fs::write(&file, SETTINGS).unwrap();
    let out = pos(&["init", "--settings", file.to_str().unwrap()], &db);
    assert!(out.status.success(), "{}", stdout(&out));
    let s = json(&out);
    assert_eq!(s["trader_name"], "Fromagerie Bellecour");
    assert_eq!(s["address"][1], "69002 Lyon");
    assert_eq!(s["meal_voucher_cap"], "20");
    db
}

fn sell(dir: &Path, db: &Path) {
    let basket = dir.join("basket.json");
    std::fs::write(&basket, r#"{"items":[{"code":"3760123000352"}]}"#).unwrap();
    let out = pos(
        &[
            "sell",
            "--basket",
            basket.to_str().unwrap(),
            "--pay",
            "cash",
        ],
        db,
    );
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn receipt(db: &Path, format: &str) -> Output {
    pos(&["receipt", "--ticket", "T1", "--format", format], db)
}

#[test]
fn settings_set_at_init_are_read_back_and_printed_on_every_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let shown = json(&pos(&["config"], &db));
    assert_eq!(shown["siret"], "40483304800022");
    assert_eq!(shown["currency"], "EUR");
    assert_eq!(shown["tax_mode"], "inclusive");
    sell(dir.path(), &db);

    let original = receipt(&db, "text");
    assert!(original.status.success(), "{}", stdout(&original));
    let text = stdout(&original);
    assert!(text.contains("Fromagerie Bellecour"), "{text}");
    assert!(text.contains("404 833 048 00022"), "{text}");
    assert!(text.contains("À bientôt"), "{text}");
    assert!(!text.contains("démonstration"), "{text}");
    let html = stdout(&pos(
        &["receipt", "--ticket", "T1", "--format", "html", "--preview"],
        &db,
    ));
    assert!(
        html.contains("https://recus.fromagerie.fr/r/"),
        "QR link: {html}"
    );

    // The merchant renames itself: the old ticket's copy keeps its name.
    let changed = pos(
        &[
            "config",
            "--set",
            "trader_name=Fromagerie Nouvelle",
            "--set",
            "tax_mode=exclusive",
        ],
        &db,
    );
    assert!(changed.status.success(), "{}", stdout(&changed));
    assert_eq!(json(&changed)["trader_name"], "Fromagerie Nouvelle");
    assert_eq!(json(&pos(&["config"], &db))["tax_mode"], "exclusive");
    let dup = stdout(&receipt(&db, "text"));
    assert!(dup.contains("DUPLICATA n°1"), "{dup}");
    assert!(dup.contains("Fromagerie Bellecour"), "{dup}");
    assert!(!dup.contains("Nouvelle"), "{dup}");
    let html = stdout(&pos(
        &["receipt", "--ticket", "T1", "--format", "html", "--preview"],
        &db,
    ));
    assert!(
        html.contains("https://recus.fromagerie.fr/r/"),
        "same QR: {html}"
    );
    let verify = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["verify"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", stdout(&verify));
}

#[test]
fn a_refused_setting_names_its_code_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let before = stdout(&pos(&["config"], &db));
    for (set, code) in [
        ("siret=40483304800023", "invalid_siret"),
        ("currency=ZZZ", "unknown_currency"),
        ("time_zone=Europe/Pariss", "unknown_time_zone"),
        ("meal_voucher_cap=-5", "negative_meal_voucher_cap"),
        ("printer_profile=laserjet", "unknown_printer_profile"),
        ("colour=blue", "unknown_setting"),
    ] {
        // A valid change next to the refused one is not applied either.
        let out = pos(&["config", "--set", "trader_name=Autre", "--set", set], &db);
        assert_eq!(out.status.code(), Some(2), "{set}");
        assert_eq!(json(&out)["error"]["kind"], code, "{set}");
        assert_eq!(stdout(&pos(&["config"], &db)), before, "{set}");
    }
}

#[test]
fn init_refuses_bad_settings_and_an_existing_till_and_an_unset_merchant_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"trader_name": "X", "siret": "123"}"#).unwrap();
    let db = dir.path().join("bad.sqlite");
    let out = pos(&["init", "--settings", bad.to_str().unwrap()], &db);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "invalid_siret");
    assert!(!db.exists(), "a refused init leaves no till file");

    let db = init(dir.path());
    let file = dir.path().join("settings.json");
    let again = pos(&["init", "--settings", file.to_str().unwrap()], &db);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(json(&again)["error"]["kind"], "invalid_input");

    // A till made without settings has no merchant: its receipts refuse.
    let bare = dir.path().join("bare.sqlite");
    sell(dir.path(), &bare);
    let out = receipt(&bare, "text");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "merchant_not_configured");
}
