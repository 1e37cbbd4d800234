//! What the sync server holds for a till, asked with the till file's own
//! credentials over real HTTP (server in process, loopback): the registered
//! key is the till's, the mirrored heads are the file's last records, and
//! asking changes nothing in the file (bytes equal, no -wal / -shm made),
//! even when the file is read-only. A till never enrolled, or with the
//! wrong secret, gets a typed error.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::Series;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_sync::SyncError;
use pos_sync::http_client::UreqTransport;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

#[path = "support/server.rs"]
mod support_server;

fn open(db: &Path, clock: &Arc<ManualClock>) -> Register {
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-a").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    Register::open_with_key_file(db, config, clock.clone(), IdGenerator::seeded(1)).unwrap()
}

fn sell(reg: &mut Register, clock: &ManualClock) {
    clock.advance_millis(60_000);
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(
            TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    reg.complete_sale(
        cart,
        payment,
        &SaleOptions::by(OperatorId::new("alice").unwrap()),
    )
    .unwrap();
}

/// The last number and hash of each series in the file.
fn file_heads(reg: &Register) -> BTreeMap<Series, (u64, String)> {
    let mut heads = BTreeMap::new();
    for r in pos_fiscal::store::rows::load_records(reg.connection()).unwrap() {
        let e = heads.entry(r.series).or_insert((0, String::new()));
        if r.number > e.0 {
            *e = (r.number, r.hash.clone());
        }
    }
    heads
}

fn sidecars(db: &Path) -> Vec<String> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .filter(|s| {
            let mut p = db.as_os_str().to_owned();
            p.push(s);
            Path::new(&p).exists()
        })
        .map(|s| (*s).to_owned())
        .collect()
}

#[test]
fn the_server_anchor_round_trip_reads_the_file_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = support_server::server(dir.path());
    let db = dir.path().join("till-a.sqlite");
    let clock = Arc::new(ManualClock::new("2026-09-01T08:00:00Z".parse().unwrap()));
    let mut reg = open(&db, &clock);
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();

    // Not enrolled yet: no credentials in the file.
    let err =
        pos_sdk::sync::server_anchor(&db, &mut UreqTransport::new(running.url())).unwrap_err();
    assert!(matches!(err, SyncError::Till { .. }), "{err:?}");

    let mut http = UreqTransport::new(running.url());
    let code = support_server::code(&server, None);
    pos_sdk::sync::enroll(&mut reg, &mut http, &code, None).unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    for _ in 0..3 {
        sell(&mut reg, &clock);
    }
    pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
    let heads = file_heads(&reg);
    let key_id: String = reg
        .connection()
        .query_row(
            "SELECT value FROM fiscal_meta WHERE key = 'current_key_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();

    // While the till is open (its -wal exists): read-only, not immutable.
    let live = pos_sdk::sync::server_anchor(&db, &mut http).unwrap();
    assert_eq!(live.device, "lille-1/till-a");
    drop(reg);

    // A closed till, its file made read-only: immutable, nothing created.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    assert!(sidecars(&db).is_empty(), "{:?}", sidecars(&db));
    let before = std::fs::read(&db).unwrap();
    let anchor = pos_sdk::sync::server_anchor(&db, &mut http).unwrap();
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
    assert!(sidecars(&db).is_empty(), "{:?}", sidecars(&db));

    assert_eq!(anchor, live);
    assert_eq!(anchor.public_keys.len(), 1);
    assert_eq!(anchor.public_keys[0].key_id, key_id);
    assert_eq!(anchor.public_keys[0].since, 0);
    let mirrored: BTreeMap<Series, (u64, String)> = anchor
        .heads
        .iter()
        .map(|(s, h)| (*s, (h.last, h.hash.clone())))
        .collect();
    assert_eq!(mirrored, heads, "the server mirrors the file's heads");
    assert_eq!(anchor.heads[&Series::T].last, 3);
    assert_eq!(anchor, server.server_anchor("lille-1/till-a").unwrap());

    // The wrong secret is refused by the server.
    let mut creds = {
        let conn = pos_sdk::sync::open_read_only(&db).unwrap();
        pos_sdk::sync::credentials_in(&conn).unwrap()
    };
    creds.secret[0] ^= 1;
    let err = pos_sdk::sync::anchor_with(&creds, &mut http, chrono::Utc::now().timestamp_millis())
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Server { status: 401, .. }),
        "{err:?}"
    );
}
