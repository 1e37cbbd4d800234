//! pos_sdk::chain against a real in-process sync server: a customer created
//! at store `lille-1` is found at a till of `lille-2` (same retailer) from
//! its pulled cache and online; bad queries are refused before anything is
//! sent; a till that is not enrolled cannot ask.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod support_server;

use chrono::Utc;
use pos_core::customer::PersonalData;
use pos_core::ids::{LocationId, RegisterId, StoreId};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, chain};
use pos_sync::http_client::UreqTransport;
use std::sync::Arc;

fn till(dir: &std::path::Path, store: &str, register: &str, seed: u64) -> Register {
    let config = RegisterConfig::france(
        StoreId::new(store).unwrap(),
        RegisterId::new(register).unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = Register::open_with_key_file(
        &dir.join(format!("{store}-{register}.sqlite")),
        config,
        Arc::new(ManualClock::new(Utc::now())),
        IdGenerator::seeded(seed),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    reg
}

fn sync(reg: &mut Register, url: &str) {
    let client = pos_sdk::sync::client(reg).unwrap().unwrap();
    let report = pos_sdk::sync::sync_register(reg, &client, &mut UreqTransport::new(url)).unwrap();
    assert!(report.rejections.is_empty());
}

#[test]
fn a_customer_of_one_store_is_found_at_the_other_stores_till() {
    let dir = tempfile::tempdir().unwrap();
    let (server, running) = support_server::server(dir.path());
    server
        .with_tx(|tx| tx.bo_put_store("lille-2", "r1").map(|_| ()))
        .unwrap();
    let url = running.url().to_owned();

    let mut one = till(dir.path(), "lille-1", "till-1", 1);
    let mut two = till(dir.path(), "lille-2", "till-1", 2);
    // Not enrolled: refused before anything is sent.
    let e = chain::search_customers(&two, &mut UreqTransport::new(&url), "helene").unwrap_err();
    assert_eq!(e.code(), "invalid");

    let code = support_server::code(&server, None);
    pos_sdk::sync::enroll(&mut one, &mut UreqTransport::new(&url), &code, None).unwrap();
    let (code2, _) = server
        .enrolment_code("r1", "lille-2", None, 3_600_000, Utc::now())
        .unwrap();
    pos_sdk::sync::enroll(&mut two, &mut UreqTransport::new(&url), &code2.secret, None).unwrap();

    let c = one
        .create_customer(
            PersonalData {
                given_name: Some("Zoé".into()),
                family_name: Some("Lefèvre".into()),
                email: Some("zoe.lefevre@example.org".into()),
                phone: Some("07 11 22 33 44".into()),
                address: None,
            },
            None,
        )
        .unwrap();
    // Before any sync, lille-2 knows nothing of her.
    assert!(two.find_customers("zoe").unwrap().is_empty());
    let found = chain::search_customers(&two, &mut UreqTransport::new(&url), "zoe").unwrap();
    assert!(found.is_empty());

    sync(&mut one, &url);
    // Online, before lille-2 pulled: found, and kept in its cache.
    let found =
        chain::search_customers(&two, &mut UreqTransport::new(&url), "+33711223344").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].customer.id(), c.id());
    assert_eq!(two.find_customers("LEFEVRE").unwrap().len(), 1);

    // And through the feed: a second till of lille-2 pulls her.
    let mut three = till(dir.path(), "lille-2", "till-2", 3);
    let (code3, _) = server
        .enrolment_code("r1", "lille-2", None, 3_600_000, Utc::now())
        .unwrap();
    pos_sdk::sync::enroll(
        &mut three,
        &mut UreqTransport::new(&url),
        &code3.secret,
        None,
    )
    .unwrap();
    assert!(three.find_customers("zoe").unwrap().is_empty());
    sync(&mut three, &url);
    assert_eq!(three.find_customers("zoe lefevre").unwrap().len(), 1);
    for q in [
        "zoé",
        "ZOE.LEFEVRE@EXAMPLE.ORG",
        "07.11.22.33.44",
        c.id().as_str(),
    ] {
        assert_eq!(two.find_customers(q).unwrap().len(), 1, "{q}");
    }
    // Bad queries: refused with the text rule, nothing sent.
    let e = two.find_customers("   ").unwrap_err();
    assert_eq!(e.kind(), "invalid_text");
    let e = chain::search_customers(&two, &mut UreqTransport::new(&url), "").unwrap_err();
    assert_eq!(e.code(), "till");
    drop(running);
}
