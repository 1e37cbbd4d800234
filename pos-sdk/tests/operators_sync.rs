//! Operators made in the back office reach the tills of their store through
//! the sync feed (issue 14): a real till file pulls from a real sync server
//! (in process, HTTP on loopback) operator changes as the back office
//! appends them to the store's feed: the operator can sign in with the PIN
//! whose hash the server made; a newer revision disabling them is applied
//! and sign-in refused; an older revision pulled late changes nothing; a
//! change that pos-core refuses (a weak hash, a bad name) is set aside with
//! its code and nothing of it is kept. Each applied change is a JET 130.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::operator::{PinHash, Role};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig};
use pos_server::{InProcess, Server, SqliteStorage};
use pos_sync::client::SyncClient;
use pos_sync::http_client::UreqTransport;
use pos_sync::operators::OperatorChange;
use pos_sync::wire::ChangeKind;
use std::path::Path;
use std::sync::Arc;

const STORE: &str = "lille-1";

fn open_till(path: &Path) -> Register {
    let clock = Arc::new(ManualClock::new("2026-09-01T08:00:00Z".parse().unwrap()));
    let config = RegisterConfig::france(
        StoreId::new(STORE).unwrap(),
        RegisterId::new("till-a").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    Register::open_with_key_file(path, config, clock, IdGenerator::seeded(1)).unwrap()
}

fn start_server(dir: &Path) -> (Server<SqliteStorage>, InProcess) {
    let server = Server::new(SqliteStorage::open(&dir.join("server.sqlite")).unwrap());
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store(STORE, "r1")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    (server, running)
}

fn enrol(server: &Server<SqliteStorage>, reg: &mut Register, url: &str) -> SyncClient {
    let (code, _) = server
        .enrolment_code("r1", STORE, None, 3_600_000, chrono::Utc::now())
        .unwrap();
    let mut http = UreqTransport::new(url);
    pos_sdk::sync::enroll(reg, &mut http, &code.secret, None).unwrap();
    pos_sdk::sync::client(reg).unwrap().unwrap()
}

fn sync(reg: &mut Register, client: &SyncClient, url: &str) {
    let mut http = UreqTransport::new(url);
    pos_sdk::sync::sync_register(reg, client, &mut http).unwrap();
}

/// What the back office appends to the store's feed for an operator.
fn publish(server: &Server<SqliteStorage>, change: &OperatorChange) {
    let data = serde_json::to_string(change).unwrap();
    server
        .with_tx(|tx| tx.add_change(STORE, ChangeKind::Operator, &change.id, None, &data))
        .unwrap();
}

fn anna(revision: i64, active: bool, pin: &str) -> OperatorChange {
    OperatorChange {
        id: "anna".into(),
        name: "Anna".into(),
        role: Role::Manager,
        active,
        pin_hash: PinHash::derive(pin, [revision as u8; 16])
            .unwrap()
            .to_text(),
        revision,
    }
}

fn jet_130(reg: &Register) -> i64 {
    reg.connection()
        .query_row(
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E' AND payload LIKE '%\"operator\":\"anna\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn back_office_operators_sign_in_at_the_till_and_disabling_them_locks_them_out() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = start_server(dir.path());
    let url = running.url().to_owned();
    let mut reg = open_till(&dir.path().join("till-a.sqlite"));
    let client = enrol(&server, &mut reg, &url);
    let id = OperatorId::new("anna").unwrap();

    publish(&server, &anna(1, true, "4821"));
    sync(&mut reg, &client, &url);
    let actor = reg.sign_in(&id, "4821").unwrap();
    assert!(actor.permissions.has(pos_core::cart::Permission::Closure));
    assert_eq!(reg.operators().unwrap()[0].name, "Anna");

    // Revision 2 disables her; revision 1 pulled again later is ignored.
    publish(&server, &anna(2, false, "4821"));
    publish(&server, &anna(1, true, "1111"));
    sync(&mut reg, &client, &url);
    assert_eq!(
        reg.sign_in(&id, "4821").unwrap_err().kind(),
        "operator_inactive"
    );
    // Revision 3 enables her with a new PIN.
    publish(&server, &anna(3, true, "907315"));
    sync(&mut reg, &client, &url);
    assert_eq!(reg.sign_in(&id, "4821").unwrap_err().kind(), "wrong_pin");
    reg.sign_in(&id, "907315").unwrap();

    // Refused by pos-core: set aside with their code, nothing kept.
    let mut weak = anna(9, true, "4821");
    weak.pin_hash = weak.pin_hash.replacen("m=19456", "m=8", 1);
    let mut unnamed = anna(10, true, "4821");
    unnamed.name = " ".into();
    publish(&server, &weak);
    publish(&server, &unnamed);
    sync(&mut reg, &client, &url);
    let mut skipped = pos_sdk::sync::skipped_changes(&reg, 100).unwrap();
    skipped.sort_by_key(|s| s.cursor);
    assert_eq!(skipped.len(), 2);
    for (s, why) in skipped
        .iter()
        .zip(["invalid_pin_hash", "invalid_operator_name"])
    {
        assert_eq!(
            (s.kind, s.key.as_str(), s.code.as_str()),
            (ChangeKind::Operator, "anna", "refused")
        );
        assert!(s.message.contains(why), "{}", s.message);
        assert!(!s.message.contains("argon2"), "no hash in a skip message");
    }
    reg.sign_in(&id, "907315").unwrap();
    let revision: i64 = reg
        .connection()
        .query_row(
            "SELECT revision FROM operators WHERE id = 'anna'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(revision, 3);
    // One signed rights change per applied revision (1, 2, 3).
    assert_eq!(jet_130(&reg), 3);
    assert!(reg.verify().unwrap().is_intact());
}
