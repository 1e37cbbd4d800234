//! Operators kept by the back office (issue 14), on SQLite and PostgreSQL:
//! an owner creates, updates and disables an operator of one of their
//! stores; each change goes to the store's feed as an operator change with
//! the server-made PIN hash (never the PIN) and a growing revision. Another
//! retailer's owner gets `not_found` for that store and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod support;

use pos_core::operator::{PinHash, Role};
use pos_server::operators::{self, OperatorInput};
use pos_server::{Server, Storage};
use pos_sync::operators::OperatorChange;
use pos_sync::wire::ChangeKind;

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-09-01T08:00:00Z".parse().unwrap()
}

fn input(pin: Option<&str>, active: bool) -> OperatorInput {
    serde_json::from_value(serde_json::json!({
        "id": "anna", "name": "Anna", "role": {"role": "manager"},
        "active": active, "pin": pin,
    }))
    .unwrap()
}

fn feed<S: Storage>(server: &Server<S>, store: &str) -> Vec<OperatorChange> {
    server
        .with_tx(|tx| tx.changes_since(store, 0, 100))
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == ChangeKind::Operator)
        .map(|c| {
            assert_eq!(c.key, "anna");
            assert!(!c.data.to_string().contains("4821"), "no PIN in the feed");
            serde_json::from_value(c.data).unwrap()
        })
        .collect()
}

fn scenario<S: Storage>(server: Server<S>) {
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store("lille-1", "r1")?;
            tx.bo_put_retailer("r2", "Retailer Two", "987654321")?;
            tx.bo_put_store("lyon-1", "r2")?;
            Ok(())
        })
        .unwrap();
    // Created with a PIN: the feed carries its Argon2id hash, revision 1.
    let made = server
        .with_tx(|tx| {
            operators::put(
                tx,
                "r1",
                "lille-1",
                &input(Some("4821"), true),
                [5; 16],
                now(),
            )
        })
        .unwrap();
    assert_eq!(
        (made.role.as_str(), made.active, made.revision),
        ("manager", true, 1)
    );
    let changes = feed(&server, "lille-1");
    assert_eq!(changes.len(), 1);
    let (op, hash) = changes[0].validate("anna").unwrap();
    assert_eq!(op.role, Role::Manager);
    assert!(hash.verify("4821"));
    // Bad input: refused, nothing published.
    for bad in [Some("12"), None] {
        let mut i = input(bad, true);
        i.id = "zoe".into();
        assert!(
            server
                .with_tx(|tx| operators::put(tx, "r1", "lille-1", &i, [6; 16], now()))
                .is_err()
        );
    }
    assert_eq!(feed(&server, "lille-1").len(), 1);

    // Another retailer's owner: not found, nothing changed or published.
    let e = server
        .with_tx(|tx| {
            operators::put(
                tx,
                "r2",
                "lille-1",
                &input(Some("1111"), true),
                [7; 16],
                now(),
            )
        })
        .unwrap_err();
    assert!(e.to_string().contains("store not found"), "{e}");
    assert!(
        server
            .with_tx(|tx| operators::disable(tx, "r2", "lille-1", "anna", now()))
            .is_err()
    );
    assert!(
        server
            .with_tx(|tx| operators::list(tx, "r2", "lille-1"))
            .is_err()
    );
    assert!(
        server
            .with_tx(|tx| operators::list(tx, "r2", "lyon-1"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(feed(&server, "lille-1").len(), 1);
    assert!(feed(&server, "lyon-1").is_empty());

    // Updated without a PIN keeps it; disabled: revision 3, inactive.
    let mut renamed = input(None, true);
    renamed.name = "Anna B.".into();
    server
        .with_tx(|tx| operators::put(tx, "r1", "lille-1", &renamed, [8; 16], now()))
        .unwrap();
    let off = server
        .with_tx(|tx| operators::disable(tx, "r1", "lille-1", "anna", now()))
        .unwrap();
    assert_eq!((off.active, off.revision), (false, 3));
    let changes = feed(&server, "lille-1");
    assert_eq!(
        changes.iter().map(|c| c.revision).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(changes[2].name, "Anna B.");
    assert!(!changes[2].active);
    assert!(PinHash::parse(&changes[2].pin_hash).unwrap().verify("4821"));
    let listed = server
        .with_tx(|tx| operators::list(tx, "r1", "lille-1"))
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].active),
        ("Anna B.", false)
    );
}

#[test]
fn sqlite_operators_are_kept_and_published_per_retailer() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Server::new(
        pos_server::SqliteStorage::open(&dir.path().join("server.db")).unwrap(),
    ));
}

#[test]
fn postgres_operators_are_kept_and_published_per_retailer() {
    let pg = support::pg::Pg::start();
    scenario(Server::new(
        pos_server::PostgresStorage::connect(&pg.url).unwrap(),
    ));
}
