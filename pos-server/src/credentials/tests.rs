//! Issuing and consuming codes and keys against the SQLite store.

use super::*;
use crate::{Server, SqliteStorage};

fn server() -> Server<SqliteStorage> {
    let s = Server::new(SqliteStorage::in_memory().unwrap());
    s.with_tx(|tx| {
        tx.bo_put_retailer("RA", "A", "123456789")?;
        tx.bo_put_retailer("RB", "B", "987654321")?;
        tx.bo_put_store("SA1", "RA")?;
        tx.bo_put_store("SA2", "RA")?;
        tx.bo_put_store("SB1", "RB")?;
        Ok(())
    })
    .unwrap();
    s
}

fn issue(s: &Server<SqliteStorage>, retailer: &str, store: &str, ttl_ms: i64) -> Result<Fresh> {
    let fresh = fresh(CODE_PREFIX);
    let req = CodeRequest {
        retailer: retailer.into(),
        store: store.into(),
        replaces: None,
        ttl_ms,
    };
    s.with_tx(|tx| issue_code(tx, &fresh, &req, 1_000))?;
    Ok(fresh)
}

fn consume(s: &Server<SqliteStorage>, secret: &str, store: &str, at: i64) -> Result<EnrolmentCode> {
    s.with_tx(|tx| consume_code(tx, secret, store, None, &format!("{store}/T"), at))
}

fn code_of(e: Result<impl std::fmt::Debug>) -> &'static str {
    e.unwrap_err().code()
}

#[test]
fn secrets_are_long_random_and_stored_only_as_digests() {
    let (a, b) = (fresh(CODE_PREFIX), fresh(CODE_PREFIX));
    assert_ne!(a.secret, b.secret);
    assert_eq!(a.secret.len(), CODE_PREFIX.len() + 40);
    assert!(!format!("{a:?}").contains(&a.secret));
    let s = server();
    let f = issue(&s, "RA", "SA1", 60_000).unwrap();
    let listed = s.with_tx(|tx| tx.credentials().codes("RA")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, f.id);
    assert!(!format!("{listed:?}").contains(&f.secret));
    assert_eq!(digest(&f.secret).len(), 64);
}

#[test]
fn a_code_is_used_once_for_its_own_store_before_it_expires() {
    let s = server();
    let f = issue(&s, "RA", "SA1", 60_000).unwrap();
    assert_eq!(code_of(consume(&s, &f.secret, "SA2", 2_000)), "wrong_store");
    assert_eq!(code_of(consume(&s, &f.secret, "SB1", 2_000)), "wrong_store");
    assert_eq!(
        code_of(consume(&s, &f.secret, "SA1", 61_000)),
        "enrolment_code_expired"
    );
    let used = consume(&s, &f.secret, "SA1", 2_000).unwrap();
    assert_eq!(used.store, "SA1");
    assert_eq!(
        code_of(consume(&s, &f.secret, "SA1", 3_000)),
        "enrolment_code_used"
    );
    assert_eq!(
        code_of(consume(&s, "pec_nope", "SA1", 3_000)),
        "enrolment_code_invalid"
    );
    let listed = s.with_tx(|tx| tx.credentials().codes("RA")).unwrap();
    assert_eq!(listed[0].used_by.as_deref(), Some("SA1/T"));
    assert_eq!(listed[0].state(3_000), "used");
}

#[test]
fn revoked_codes_and_codes_for_foreign_stores_are_refused() {
    let s = server();
    assert_eq!(code_of(issue(&s, "RA", "SB1", 60_000)), "foreign_store");
    assert_eq!(code_of(issue(&s, "RX", "SA1", 60_000)), "unknown_retailer");
    assert_eq!(code_of(issue(&s, "RA", "SA1", 0)), "invalid");
    let f = issue(&s, "RA", "SA1", 60_000).unwrap();
    // Another retailer cannot revoke it.
    assert!(s.with_tx(|tx| revoke_code(tx, "RB", &f.id, 1_500)).is_err());
    s.with_tx(|tx| revoke_code(tx, "RA", &f.id, 1_500)).unwrap();
    assert_eq!(
        code_of(consume(&s, &f.secret, "SA1", 2_000)),
        "enrolment_code_revoked"
    );
}

#[test]
fn replacing_needs_a_code_that_names_the_till() {
    let s = server();
    let f = fresh(CODE_PREFIX);
    let req = CodeRequest {
        retailer: "RA".into(),
        store: "SA1".into(),
        replaces: Some("SA1/OLD".into()),
        ttl_ms: 60_000,
    };
    // No such till yet.
    assert_eq!(
        code_of(s.with_tx(|tx| issue_code(tx, &f, &req, 1_000))),
        "not_found"
    );
    let plain = issue(&s, "RA", "SA1", 60_000).unwrap();
    let refused =
        s.with_tx(|tx| consume_code(tx, &plain.secret, "SA1", Some("SA1/OLD"), "SA1/NEW", 2_000));
    assert_eq!(code_of(refused), "replaces_not_authorised");
}

#[test]
fn web_keys_reach_only_their_stores() {
    let s = server();
    let f = fresh(KEY_PREFIX);
    s.with_tx(|tx| issue_web_key(tx, &f, "RA", &["SA1".into()], 1_000))
        .unwrap();
    let scope = s.web_scope(&f.secret).unwrap();
    assert_eq!(scope.stores, vec!["SA1".to_owned()]);
    assert!(scope.check("SA1").is_ok());
    assert_eq!(code_of(scope.check("SA2")), "wrong_store");
    assert_eq!(code_of(scope.check("SB1")), "wrong_store");
    // A key for every store of the retailer.
    let all = fresh(KEY_PREFIX);
    s.with_tx(|tx| issue_web_key(tx, &all, "RA", &[], 1_000))
        .unwrap();
    assert_eq!(s.web_scope(&all.secret).unwrap().stores, vec!["SA1", "SA2"]);
    // Foreign stores cannot be put in a key.
    let bad = fresh(KEY_PREFIX);
    assert_eq!(
        code_of(s.with_tx(|tx| issue_web_key(tx, &bad, "RA", &["SB1".into()], 1_000))),
        "foreign_store"
    );
    s.with_tx(|tx| revoke_web_key(tx, "RA", &f.id, 2_000))
        .unwrap();
    assert_eq!(code_of(s.web_scope(&f.secret)), "web_key_invalid");
    assert_eq!(code_of(s.web_scope("")), "web_key_invalid");
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration_ms("24h"), Some(86_400_000));
    assert_eq!(parse_duration_ms("90s"), Some(90_000));
    assert_eq!(parse_duration_ms("7d"), Some(604_800_000));
    assert_eq!(parse_duration_ms("0h"), None);
    assert_eq!(parse_duration_ms("h"), None);
    assert_eq!(parse_duration_ms("5w"), None);
}

#[test]
fn first_start_happens_once_on_an_empty_database() {
    let s = Server::new(SqliteStorage::in_memory().unwrap());
    let first = s
        .with_tx(|tx| {
            first_start(
                tx,
                ("R1", "Retailer", "123456789"),
                "S1",
                fresh(CODE_PREFIX),
                fresh(KEY_PREFIX),
                1_000,
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        s.web_scope(&first.web_key.secret).unwrap().stores,
        vec!["S1"]
    );
    let again = s
        .with_tx(|tx| {
            first_start(
                tx,
                ("R1", "Retailer", "123456789"),
                "S1",
                fresh(CODE_PREFIX),
                fresh(KEY_PREFIX),
                2_000,
            )
        })
        .unwrap();
    assert!(again.is_none());
    // Not empty either when only another retailer exists.
    let other = server();
    let none = other
        .with_tx(|tx| {
            first_start(
                tx,
                ("R9", "X", "123456789"),
                "S9",
                fresh(CODE_PREFIX),
                fresh(KEY_PREFIX),
                0,
            )
        })
        .unwrap();
    assert!(none.is_none());
}
