//! Enrolment with per-retailer codes for the test tills.

use super::till::{TestTill, t0};
use pos_server::{Server, Storage};

/// Codes of the helpers live 30 days from the real clock (tests enrol at
/// [`t0`] or now).
const MONTH_MS: i64 = 30 * 24 * 3600 * 1000;

/// The retailer the helpers file unknown stores under.
pub const RETAILER: &str = "R1";

/// Files `store` under [`RETAILER`] unless it already belongs to a retailer.
pub fn ensure_store<S: Storage>(server: &Server<S>, store: &str) -> String {
    server
        .with_tx(|tx| {
            if let Some(r) = tx.bo_store_retailer(store)? {
                return Ok(r);
            }
            if tx.bo_retailer(RETAILER)?.is_none() {
                tx.bo_put_retailer(RETAILER, "Retailer One", "123456789")?;
            }
            tx.bo_put_store(store, RETAILER)?;
            Ok(RETAILER.to_owned())
        })
        .unwrap()
}

/// A fresh enrolment code for `store` (and the till it replaces).
pub fn code<S: Storage>(server: &Server<S>, store: &str, replaces: Option<&str>) -> String {
    let retailer = ensure_store(server, store);
    server
        .enrolment_code(&retailer, store, replaces, MONTH_MS, chrono::Utc::now())
        .unwrap()
        .0
        .secret
}

/// Enrols `till` (replacing the server's device `replaces`) with a fresh
/// code and keeps its secret.
pub fn enroll<S: Storage>(
    server: &Server<S>,
    till: &mut TestTill,
    replaces: Option<&str>,
) -> pos_sync::wire::EnrollResponse {
    let code = code(server, &till.store, replaces);
    let secret: Vec<u8> = till.device.bytes().chain(*b"-secret").collect();
    let r = server
        .enroll_device(&code, &till.enroll_request(replaces), secret.clone(), t0())
        .unwrap();
    assert_eq!(r.device, till.server_id);
    till.secret = secret;
    r
}

/// A web key of the retailer of `stores` (all of one retailer).
pub fn web_key<S: Storage>(server: &Server<S>, stores: &[&str]) -> String {
    let mut retailer = String::new();
    for s in stores {
        retailer = ensure_store(server, s);
    }
    let stores: Vec<String> = stores.iter().map(|s| (*s).to_owned()).collect();
    server
        .web_key(&retailer, &stores, chrono::Utc::now())
        .unwrap()
        .0
        .secret
}
