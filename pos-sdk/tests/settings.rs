//! Merchant settings: kept in the till file and read back at open, each
//! change a JET 270, bad values refused with a stable code and no change,
//! and every print of a ticket (original, duplicate, stored reprint) made
//! from the merchant block signed in force when the ticket was recorded.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::model::{DocRef, Series};
use pos_hw::receipt::{OutputFormat, ReceiptKind};
use pos_sdk::{
    IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions, SdkError, TillSettings,
};
use std::path::Path;
use std::sync::Arc;

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("lyon-1").unwrap(),
        RegisterId::new("caisse-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn open(path: &Path) -> Register {
    // Each open draws other ids (a reopened till must not reuse them).
    static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(5);
    let seed = SEED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let clock = Arc::new(ManualClock::new("2026-07-14T10:00:00Z".parse().unwrap()));
    let mut reg =
        Register::open_with_key_file(path, config(), clock, IdGenerator::seeded(seed)).unwrap();
    if reg.catalog().is_err() {
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
    }
    reg
}

fn op() -> OperatorId {
    OperatorId::new("manager").unwrap()
}

fn setting_changes(reg: &Register) -> i64 {
    reg.connection()
        .query_row(
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E'
             AND instr(payload, '\"code\":270') > 0",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn configure(reg: &mut Register, name: &str) {
    let mut s = reg.settings();
    s.set("trader_name", name).unwrap();
    s.set("address", r#"["2 place Bellecour", "69002 Lyon"]"#)
        .unwrap();
    s.set("siret", "404 833 048 00022").unwrap();
    s.set("vat_number", "FR83404833048").unwrap();
    s.set("receipt_link_base", "https://recus.fromagerie.fr")
        .unwrap();
    s.set("footer", r#"["À bientôt"]"#).unwrap();
    s.set("header", r#"["Ouvert 7j/7"]"#).unwrap();
    assert!(reg.set_settings(s, &op()).unwrap());
}

fn sell(reg: &mut Register) -> u64 {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(
            TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    reg.complete_sale(cart, payment, &SaleOptions::by(op()))
        .unwrap()
        .number
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn settings_are_kept_in_the_till_file_and_read_back_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    {
        let mut reg = open(&path);
        configure(&mut reg, "Fromagerie Bellecour");
        for (k, v) in [
            ("tax_mode", "exclusive"),
            ("time_zone", "America/Martinique"),
            ("cash_rounding", "0.05"),
            ("meal_voucher_cap", "19"),
            ("printer_profile", "generic-58mm"),
            ("stock_policies", r#"{"default":"block","per_sku":{}}"#),
        ] {
            assert!(reg.set_setting(k, v, &op()).unwrap(), "{k}");
        }
    }
    // Reopened with the bare French configuration: the file's settings win.
    let reg = open(&path);
    let s = reg.settings();
    assert_eq!(s.trader_name, "Fromagerie Bellecour");
    assert_eq!(s.siret, "40483304800022");
    assert_eq!(s.siret_printed(), "404 833 048 00022");
    assert_eq!(s.get("tax_mode").unwrap(), "exclusive");
    assert_eq!(s.get("meal_voucher_cap").unwrap(), "19");
    assert_eq!(s.get("cash_rounding").unwrap(), "0.05");
    let c = reg.config();
    assert_eq!(c.tax_mode, pos_core::TaxMode::Exclusive);
    assert_eq!(c.time_zone, chrono_tz::America::Martinique);
    assert_eq!(c.receipt.printer_profile, "generic-58mm");
    assert_eq!(
        c.tender_policy.meal_voucher.daily_cap.amount(),
        rust_decimal::Decimal::from(19)
    );
    assert!(c.tender_policy.cash_rounding.is_some());
    assert_eq!(
        c.stock_policies.default,
        pos_core::stock::NegativeStockPolicy::Block
    );
    assert!(reg.verify().unwrap().defects.is_empty());
}

#[test]
fn each_change_is_one_jet_270_and_no_change_logs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open(&dir.path().join("t.sqlite"));
    // The first settings of a till are logged at its first open.
    assert_eq!(setting_changes(&reg), 1);
    configure(&mut reg, "Fromagerie Bellecour");
    assert_eq!(setting_changes(&reg), 2);
    assert!(
        !reg.set_setting("trader_name", "Fromagerie Bellecour", &op())
            .unwrap()
    );
    assert_eq!(setting_changes(&reg), 2);
    let signed = reg
        .connection()
        .query_row(
            "SELECT payload FROM fiscal_record WHERE series = 'E' ORDER BY number DESC LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert!(signed.contains("\"setting\":\"till_settings\""), "{signed}");
    assert!(signed.contains("Fromagerie Bellecour"), "{signed}");
}

#[test]
fn bad_values_are_refused_with_a_stable_code_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open(&dir.path().join("t.sqlite"));
    configure(&mut reg, "Fromagerie Bellecour");
    let before = reg.settings();
    let jets = setting_changes(&reg);
    let cases = [
        ("siret", "40483304800023", "invalid_siret"),
        ("siret", "4048330480002", "invalid_siret"),
        ("vat_number", "FR84404833048", "invalid_vat_number"),
        ("vat_number", "FR96552100554", "vat_number_mismatch"),
        ("currency", "XYZ", "unknown_currency"),
        ("time_zone", "Mars/Olympus_Mons", "unknown_time_zone"),
        ("tax_mode", "b2b", "unknown_tax_mode"),
        ("meal_voucher_cap", "-1", "negative_meal_voucher_cap"),
        ("meal_voucher_cap", "lots", "invalid_amount"),
        ("cash_rounding", "0.001", "invalid_cash_rounding"),
        ("cash_rounding", "-0.05", "invalid_cash_rounding"),
        (
            "receipt_link_base",
            "ftp://example.fr",
            "invalid_receipt_link",
        ),
        ("address", "2 place Bellecour", "invalid_list"),
        (
            "logo",
            r#"{"width":8,"height":2,"bits":[1]}"#,
            "invalid_logo",
        ),
        (
            "stock_policies",
            "{\"default\":\"maybe\"}",
            "invalid_stock_policies",
        ),
        ("printer_profile", "laserjet-4", "unknown_printer_profile"),
        ("colour", "blue", "unknown_setting"),
    ];
    for (key, value, code) in cases {
        let err = reg.set_setting(key, value, &op()).unwrap_err();
        assert_eq!(err.kind(), code, "{key}={value}: {err}");
        assert!(matches!(err, SdkError::Settings(_)), "{key}");
        if !matches!(
            code,
            "unknown_setting" | "invalid_list" | "invalid_logo" | "invalid_stock_policies"
        ) {
            assert!(
                err.to_string().contains(value.trim_start_matches('-')),
                "{key}: the message names the value: {err}"
            );
        }
        assert_eq!(reg.settings(), before, "{key}");
        assert_eq!(setting_changes(&reg), jets, "{key}");
    }
    // The currency is fixed once the till has tickets.
    sell(&mut reg);
    let err = reg.set_setting("currency", "CHF", &op()).unwrap_err();
    assert_eq!(err.kind(), "currency_locked");
    assert_eq!(reg.settings(), before);
}

#[test]
fn a_till_without_a_merchant_prints_nothing_and_never_a_demo_identity() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open(&dir.path().join("t.sqlite"));
    let n = sell(&mut reg);
    let err = reg
        .print_receipt(Series::T, n, OutputFormat::Text, &op())
        .unwrap_err();
    assert_eq!(err.kind(), "merchant_not_configured", "{err}");
    let err = reg
        .preview_receipt(Series::T, n, OutputFormat::Text)
        .unwrap_err();
    assert_eq!(err.kind(), "merchant_not_configured");
    assert!(reg.settings().trader_name.is_empty());
}

#[test]
fn every_print_of_a_ticket_carries_the_merchant_and_link_signed_at_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    let mut reg = open(&path);
    configure(&mut reg, "Fromagerie Bellecour");
    let n = sell(&mut reg);
    let doc = DocRef {
        series: Series::T,
        number: n,
    };
    let facts = reg.stored_receipt_facts(Series::T, n).unwrap();
    let link = facts.receipt_url.clone().expect("a QR link");
    assert!(link.starts_with("https://recus.fromagerie.fr/r/"), "{link}");
    assert_eq!(facts.trader.siret, "404 833 048 00022");
    assert_eq!(
        facts.trader.address,
        ["2 place Bellecour", "69002 Lyon", "Ouvert 7j/7"]
    );
    assert_eq!(facts.footer, ["À bientôt"]);
    let original = reg
        .print_receipt(Series::T, n, OutputFormat::Text, &op())
        .unwrap();
    assert_eq!(original.kind, ReceiptKind::Sale);
    assert!(text(original.bytes).contains("Fromagerie Bellecour"));

    // The merchant renames and moves its link: the old ticket keeps its own.
    reg.set_setting("trader_name", "Fromagerie Nouvelle", &op())
        .unwrap();
    reg.set_setting("receipt_link_base", "https://autre.example.fr", &op())
        .unwrap();
    drop(reg);
    let mut reg = open(&path);
    let dup = reg
        .print_receipt(Series::T, n, OutputFormat::Text, &op())
        .unwrap();
    assert_eq!(dup.kind, ReceiptKind::Duplicate { number: 1 });
    let dup_text = text(dup.bytes);
    assert!(dup_text.contains("DUPLICATA n°1"), "{dup_text}");
    assert!(dup_text.contains("Fromagerie Bellecour"), "{dup_text}");
    assert!(!dup_text.contains("Nouvelle"), "{dup_text}");
    let again = reg.stored_receipt_facts(Series::T, n).unwrap();
    assert_eq!(again.receipt_url.as_deref(), Some(link.as_str()));
    assert_eq!(
        reg.receipt_link(&facts_ticket_id(&reg, n)).unwrap(),
        Some(link)
    );
    assert_eq!(
        reg.settings_of_record(doc).unwrap().trader_name,
        "Fromagerie Bellecour"
    );

    // A new sale prints the new merchant.
    let m = sell(&mut reg);
    let new = reg.stored_receipt_facts(Series::T, m).unwrap();
    assert_eq!(new.trader.name, "Fromagerie Nouvelle");
    assert!(
        new.receipt_url
            .unwrap()
            .starts_with("https://autre.example.fr/r/")
    );
    assert!(reg.verify().unwrap().defects.is_empty());
}

fn facts_ticket_id(reg: &Register, n: u64) -> String {
    reg.connection()
        .query_row(
            "SELECT id FROM tickets WHERE series = 'T' AND number = ?1",
            [i64::try_from(n).unwrap()],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_print_after_a_recorded_duplicate_is_the_next_duplicate_not_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = open(&dir.path().join("t.sqlite"));
    configure(&mut reg, "Fromagerie Bellecour");
    let n = sell(&mut reg);
    // The app printed the original itself, then reprinted through
    // `duplicate` (what the bindings' `reprint` does).
    let (_, k) = reg.duplicate(Series::T, n, &op()).unwrap();
    assert_eq!(k, 1);
    let printed = reg
        .print_receipt(Series::T, n, OutputFormat::Text, &op())
        .unwrap();
    assert_eq!(printed.kind, ReceiptKind::Duplicate { number: 2 });
    assert!(text(printed.bytes).contains("DUPLICATA n°2"));
}

#[test]
fn a_settings_row_edited_outside_the_sdk_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    {
        let mut reg = open(&path);
        configure(&mut reg, "Fromagerie Bellecour");
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE till_settings SET value = 'Autre commerce' WHERE key = 'trader_name'",
        [],
    )
    .unwrap();
    drop(conn);
    let clock = Arc::new(ManualClock::new("2026-07-14T11:00:00Z".parse().unwrap()));
    let err =
        Register::open_with_key_file(&path, config(), clock, IdGenerator::seeded(6)).unwrap_err();
    assert_eq!(err.kind(), "settings_inconsistent", "{err}");
}

#[test]
fn a_file_made_before_settings_existed_gets_the_configuration_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    {
        let mut reg = open(&path);
        sell(&mut reg);
    }
    // Back to schema 2: no settings table.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("DROP TABLE till_settings; PRAGMA user_version = 2;")
        .unwrap();
    drop(conn);
    let reg = open(&path);
    let version: u32 = reg
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, pos_sdk::db::SCHEMA_VERSION);
    assert_eq!(reg.settings(), TillSettings::from_config(&config()));
    assert_eq!(reg.settings().get("currency").unwrap(), "EUR");
    assert_eq!(reg.settings().get("meal_voucher_cap").unwrap(), "25");
    assert_eq!(setting_changes(&reg), 2);
    assert!(reg.verify().unwrap().defects.is_empty());
}

#[test]
fn a_settings_file_in_json_applies_every_key_or_none() {
    let base = TillSettings::from_config(&config());
    let ok = base
        .apply_json(
            r#"{"trader_name": "Épicerie", "siret": "40483304800022",
                "address": ["1 rue A", "75001 Paris"], "meal_voucher_cap": 20,
                "tax_mode": "exclusive"}"#,
        )
        .unwrap();
    assert_eq!(ok.address, ["1 rue A", "75001 Paris"]);
    assert_eq!(ok.get("meal_voucher_cap").unwrap(), "20");
    let err = base
        .apply_json(r#"{"trader_name": "Épicerie", "time_zone": "Europe/Pariss"}"#)
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_time_zone");
}

#[test]
fn a_file_whose_settings_rows_are_gone_keeps_the_signed_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    {
        let mut reg = open(&path);
        configure(&mut reg, "Fromagerie Bellecour");
    }
    // As a till rebuilt from its journal: the journal, no settings rows.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM till_settings", []).unwrap();
    drop(conn);
    let reg = open(&path);
    assert_eq!(reg.settings().trader_name, "Fromagerie Bellecour");
    assert_eq!(reg.settings().siret, "40483304800022");
    drop(reg);
    let reg = open(&path);
    assert_eq!(reg.settings().trader_name, "Fromagerie Bellecour");
    assert!(reg.verify().unwrap().defects.is_empty());
}
