//! Operators at the till and parked carts (issue 14), through the facade
//! over a real till file reopened: PIN sign-in with a lockout that survives
//! a restart, rights enforced on no-sale drawer openings and closures,
//! parked carts that survive a restart, and migration 6 from a version-5
//! file.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::cart::{Actor, Permission, Permissions};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::operator::Role;
use pos_sdk::{Clock, IdGenerator, ManualClock, Register, RegisterConfig, SdkError};
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

fn open(path: &Path, clock: &Arc<ManualClock>, seed: u64) -> Register {
    Register::open_with_key_file(path, config(), clock.clone(), IdGenerator::seeded(seed)).unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-09-01T08:00:00Z".parse().unwrap()))
}

fn op(id: &str) -> OperatorId {
    OperatorId::new(id).unwrap()
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn sign_in_checks_the_pin_and_locks_after_five_wrong_tries_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    let mut reg = open(&path, &clock, 1);
    let jet_before = count(
        &reg,
        "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E'",
    );
    reg.add_operator(&op("anna"), "Anna", Role::Cashier, "4821")
        .unwrap();
    reg.add_operator(&op("marc"), "Marc", Role::Manager, "907315")
        .unwrap();
    // Each addition is a signed rights change (JET 130).
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E'"
        ),
        jet_before + 2
    );
    // The PIN is kept only as an Argon2id hash.
    let stored: String = reg
        .connection()
        .query_row(
            "SELECT pin_hash FROM operators WHERE id = 'anna'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("4821"));
    // Same id twice, bad PINs, bad names: refused, nothing added.
    let e = reg
        .add_operator(&op("anna"), "Anna B", Role::Cashier, "1111")
        .unwrap_err();
    assert_eq!(e.kind(), "invalid_input");
    for pin in ["123", "123456789", "12a4"] {
        let e = reg
            .add_operator(&op("zoe"), "Zoé", Role::Cashier, pin)
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_pin", "{pin}");
    }
    assert_eq!(
        reg.add_operator(&op("zoe"), "", Role::Cashier, "1234")
            .unwrap_err()
            .kind(),
        "invalid_operator_name"
    );
    assert_eq!(reg.operators().unwrap().len(), 2);

    let actor = reg.sign_in(&op("anna"), "4821").unwrap();
    assert_eq!(actor, Actor::new(op("anna"), Permissions::cashier()));
    let marc = reg.sign_in(&op("marc"), "907315").unwrap();
    assert!(marc.permissions.has(Permission::Closure));
    assert_eq!(
        reg.sign_in(&op("nobody"), "4821").unwrap_err().kind(),
        "unknown_operator"
    );

    // Four wrong PINs, then a restart: the count goes on.
    for left in [4, 3, 2, 1] {
        let e = reg.sign_in(&op("anna"), "0000").unwrap_err();
        assert_eq!(e.kind(), "wrong_pin");
        assert_eq!(
            e.to_string(),
            format!("wrong PIN for operator `anna`: {left} tries left")
        );
    }
    drop(reg);
    let mut reg = open(&path, &clock, 2);
    let e = reg.sign_in(&op("anna"), "0000").unwrap_err();
    assert!(matches!(
        &e,
        SdkError::Operator(pos_core::operator::OperatorError::WrongPin { tries_left: 0, .. })
    ));
    // Locked: even the right PIN is refused, and across a restart.
    let e = reg.sign_in(&op("anna"), "4821").unwrap_err();
    assert_eq!(e.kind(), "operator_locked");
    assert!(!e.to_string().contains("4821"));
    drop(reg);
    let mut reg = open(&path, &clock, 3);
    clock.advance_millis(4 * 60_000);
    assert_eq!(
        reg.sign_in(&op("anna"), "4821").unwrap_err().kind(),
        "operator_locked"
    );
    // Another operator is not affected.
    reg.sign_in(&op("marc"), "907315").unwrap();
    // Five minutes after the fifth wrong PIN, the right PIN works and the
    // count starts again.
    clock.advance_millis(60_000);
    reg.sign_in(&op("anna"), "4821").unwrap();
    let e = reg.sign_in(&op("anna"), "1111").unwrap_err();
    assert_eq!(e.to_string(), "wrong PIN for operator `anna`: 4 tries left");

    // Disabled: refused with its own code; enabled again: signs in.
    assert!(reg.set_operator_active(&op("anna"), false).unwrap());
    assert!(!reg.set_operator_active(&op("anna"), false).unwrap());
    assert_eq!(
        reg.sign_in(&op("anna"), "4821").unwrap_err().kind(),
        "operator_inactive"
    );
    assert!(reg.set_operator_active(&op("anna"), true).unwrap());
    reg.sign_in(&op("anna"), "4821").unwrap();
    // A PIN never shows in an error, whatever the refusal.
    let e = reg.sign_in(&op("anna"), "99999999").unwrap_err();
    assert!(!format!("{e} {e:?}").contains("99999999"));
    assert!(reg.verify().unwrap().is_intact());
}

#[test]
fn rights_guard_no_sale_openings_and_closures() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut reg = open(&dir.path().join("till.sqlite"), &clock, 1);
    reg.add_operator(&op("anna"), "Anna", Role::Cashier, "4821")
        .unwrap();
    reg.add_operator(
        &op("lea"),
        "Léa",
        Role::from_parts("custom", &["no_sale"]).unwrap(),
        "5555",
    )
    .unwrap();
    reg.add_operator(&op("marc"), "Marc", Role::Manager, "907315")
        .unwrap();
    let anna = reg.sign_in(&op("anna"), "4821").unwrap();
    let lea = reg.sign_in(&op("lea"), "5555").unwrap();
    let marc = reg.sign_in(&op("marc"), "907315").unwrap();

    let e = reg.open_drawer_no_sale(&anna, Some("change")).unwrap_err();
    assert_eq!(e.kind(), "permission_required");
    assert_eq!(
        e.to_string(),
        "opening the drawer without a sale needs the `no_sale` permission (a manager's right)"
    );
    assert_eq!(
        reg.no_sale_count(clock.now() - chrono::Duration::hours(1))
            .unwrap(),
        0
    );
    let opening = reg
        .open_drawer_no_sale(&lea, Some("change for the bakery"))
        .unwrap();
    assert!(!opening.bytes.is_empty());
    reg.open_drawer_no_sale(&marc, None).unwrap();
    assert_eq!(
        reg.no_sale_count(clock.now() - chrono::Duration::hours(1))
            .unwrap(),
        2
    );

    let z_before = count(
        &reg,
        "SELECT COUNT(*) FROM fiscal_record WHERE series = 'Z'",
    );
    for who in [&anna, &lea] {
        let e = reg.close_day_as(who, None, None).unwrap_err();
        assert_eq!(e.kind(), "permission_required");
        assert!(e.to_string().contains("`closure`"), "{e}");
        assert_eq!(
            reg.close_month_as(who, 2026, 8).unwrap_err().kind(),
            "permission_required"
        );
        assert_eq!(
            reg.close_year_as(who, 2025).unwrap_err().kind(),
            "permission_required"
        );
    }
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'Z'"
        ),
        z_before
    );
    let made = reg.close_day_as(&marc, None, None).unwrap();
    assert_eq!(made.len(), 1);
}

fn cart_of(reg: &Register, barcodes: &[&str]) -> pos_core::cart::Cart {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    for b in barcodes {
        reg.scan(&mut cart, b, &ctx).unwrap();
    }
    cart
}

#[test]
fn parked_carts_survive_a_restart_and_keep_their_prices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    let mut reg = open(&path, &clock, 1);
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let first = cart_of(&reg, &["3760123000352", "3760123001472"]); // 24.90 + 8.90
    let total = first.total();
    assert_eq!(total.amount().to_string(), "33.80");
    let a = reg.park_cart(&first, "  table 4 ").unwrap();
    clock.advance_millis(1_000);
    let b = reg
        .park_cart(&cart_of(&reg, &["3760123001472"]), "Mme Martin")
        .unwrap();
    // Bad labels, empty carts: refused, nothing parked.
    for label in ["", "   ", &"x".repeat(65), "a\nb"] {
        assert_eq!(
            reg.park_cart(&first, label).unwrap_err().kind(),
            "invalid_input"
        );
    }
    assert_eq!(
        reg.park_cart(&reg.new_cart(), "empty").unwrap_err().kind(),
        "invalid_input"
    );
    drop(reg);

    // A restart, and the catalog's Comté goes up meanwhile.
    let mut reg = open(&path, &clock, 2);
    let listed = reg.parked_carts().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, a);
    assert_eq!(listed[0].label, "table 4");
    assert_eq!(listed[0].line_count, 2);
    assert_eq!(listed[0].total, total);
    assert_eq!(listed[1].label, "Mme Martin");
    assert!(listed[0].parked_at < listed[1].parked_at);
    let dearer = pos_core::catalog::sample_catalog_json().replacen("24.90", "26.90", 1);
    assert_ne!(dearer, pos_core::catalog::sample_catalog_json());
    reg.import_catalog_json(&dearer).unwrap();
    let fresh = cart_of(&reg, &["3760123000352"]);
    assert_eq!(fresh.total().amount().to_string(), "26.90");

    let resumed = reg.resume_parked(&a).unwrap();
    assert_eq!(resumed.total(), total, "the price the customer was told");
    assert_eq!(resumed.lines().len(), 2);
    assert_eq!(
        reg.resume_parked(&a).unwrap_err().kind(),
        "not_found",
        "a resumed cart is no longer parked"
    );
    // The resumed cart sells like any other.
    let mut payment = reg.start_payment(&resumed, None).unwrap();
    payment
        .add(pos_core::tender::Tender::new(
            pos_core::tender::TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    reg.complete_sale(resumed, payment, &pos_sdk::SaleOptions::by(op("anna")))
        .unwrap();

    reg.discard_parked(&b).unwrap();
    assert_eq!(reg.discard_parked(&b).unwrap_err().kind(), "not_found");
    assert!(reg.parked_carts().unwrap().is_empty());
    assert!(reg.verify().unwrap().is_intact());
}

#[test]
fn a_refund_cart_is_not_parked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut reg = open(&dir.path().join("till.sqlite"), &clock, 1);
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let cart = cart_of(&reg, &["3760123001472"]);
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(pos_core::tender::Tender::new(
            pos_core::tender::TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    let sale = reg
        .complete_sale(cart, payment, &pos_sdk::SaleOptions::by(op("anna")))
        .unwrap();
    let manager = Actor::new(op("marc"), Permissions::manager());
    let refund = reg.refund_cart(sale.ticket.id(), None, &manager).unwrap();
    let e = reg.park_cart(&refund, "refund").unwrap_err();
    assert_eq!(e.kind(), "invalid_input");
    assert!(reg.parked_carts().unwrap().is_empty());
}

#[test]
fn migration_6_upgrades_a_version_5_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    let clock = clock();
    let reg = open(&path, &clock, 1);
    drop(reg);
    // A version-5 file: this build's file without migration 6's tables.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE operators; DROP TABLE operator_sign_ins; DROP TABLE parked_carts;
             DROP TABLE no_sale_openings; PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let mut reg = open(&path, &clock, 2);
    let version: u32 = reg
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, pos_sdk::db::SCHEMA_VERSION);
    assert_eq!(version, 6);
    reg.add_operator(&op("anna"), "Anna", Role::Trainee, "4821")
        .unwrap();
    let anna = reg.sign_in(&op("anna"), "4821").unwrap();
    assert_eq!(anna.permissions, Permissions::none());
    assert!(reg.parked_carts().unwrap().is_empty());
    assert!(reg.verify().unwrap().is_intact());
}
