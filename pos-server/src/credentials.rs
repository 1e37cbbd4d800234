//! Credentials that belong to a retailer: single-use enrolment codes for
//! tills and web-shop API keys.
//!
//! - An **enrolment code** is issued by an owner for one store of their
//!   retailer (and, to replace a lost till, for that till only). It expires,
//!   can be revoked, and is consumed in the same transaction as the
//!   enrolment it authorises; the till's store must be the code's.
//! - A **web key** authenticates the web shop (`Authorization: Bearer`)
//!   for a list of the retailer's stores (empty: all of them, present and
//!   future); any other `?store=` is refused with 403.
//!
//! Only the SHA-256 of a code or key is stored; the secret is shown once,
//! when it is issued. Each has a short public id to list and revoke it by.
//! The randomness is drawn by the caller ([`fresh`]), so these functions
//! stay deterministic under test.

mod postgres;
mod sqlite;

pub(crate) use self::postgres::{PG_SCHEMA, pg_tx};
pub(crate) use self::sqlite::{SQLITE_SCHEMA, sqlite_tx};

use crate::backoffice::BackOfficeFailure;
use crate::error::{AuthFailure, Result, ServerError, SyncError};
use crate::store::Tx;
use sha2::{Digest, Sha256};

/// Prefix of enrolment codes (tells a code from a key when pasted).
pub const CODE_PREFIX: &str = "pec_";
/// Prefix of web-shop API keys.
pub const KEY_PREFIX: &str = "pwk_";
/// Default lifetime of an enrolment code: 24 hours.
pub const DEFAULT_CODE_TTL_MS: i64 = 24 * 3600 * 1000;
/// Longest lifetime of an enrolment code: 30 days.
pub const MAX_CODE_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// A newly drawn secret and its public id; the secret is shown once.
#[derive(Clone, PartialEq, Eq)]
pub struct Fresh {
    /// Public id (lists and revocation).
    pub id: String,
    /// The secret itself (code or key), never stored.
    pub secret: String,
}

/// The secret stays out of logs.
impl std::fmt::Debug for Fresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fresh")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Draws a fresh id (64 bits) and secret (160 bits) with `prefix`.
pub fn fresh(prefix: &str) -> Fresh {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 20];
    rand::Rng::fill(&mut rand::rng(), &mut id);
    rand::Rng::fill(&mut rand::rng(), &mut secret);
    Fresh {
        id: hex::encode(id),
        secret: format!("{prefix}{}", hex::encode(secret)),
    }
}

/// The stored form of a code or key: hex SHA-256 of its text.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// An enrolment code as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    /// Public id.
    pub id: String,
    /// The retailer that issued it.
    pub retailer: String,
    /// The store a till may enrol into with it.
    pub store: String,
    /// The server id of the till it replaces, if any.
    pub replaces: Option<String>,
    /// Issued at (ms since the epoch).
    pub created_ms: i64,
    /// Refused from this instant (ms since the epoch).
    pub expires_ms: i64,
    /// When it was used, if it was.
    pub used_ms: Option<i64>,
    /// The device it enrolled, if used.
    pub used_by: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}

impl EnrolmentCode {
    /// `valid`, `used`, `revoked` or `expired` at `now_ms`.
    pub fn state(&self, now_ms: i64) -> &'static str {
        if self.used_ms.is_some() {
            "used"
        } else if self.revoked_ms.is_some() {
            "revoked"
        } else if now_ms >= self.expires_ms {
            "expired"
        } else {
            "valid"
        }
    }
}

/// A web-shop API key as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebKey {
    /// Public id.
    pub id: String,
    /// The retailer it belongs to.
    pub retailer: String,
    /// The stores it reaches (empty: every store of the retailer).
    pub stores: Vec<String>,
    /// Issued at (ms since the epoch).
    pub created_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}

/// What an authenticated web-shop request may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebScope {
    /// The key's id.
    pub key: String,
    /// The key's retailer.
    pub retailer: String,
    /// The stores it may name, sorted.
    pub stores: Vec<String>,
}

impl WebScope {
    /// Refuses (403) a store outside the key's scope.
    pub fn check(&self, store: &str) -> Result<()> {
        if self.stores.iter().any(|s| s == store) {
            Ok(())
        } else {
            Err(AuthFailure::WrongStore.into())
        }
    }
}

/// The rows a transaction reads and writes for credentials; each back end
/// implements them in its own file of this module.
pub trait CredentialRows {
    /// Stores a new code under the digest of its secret.
    fn insert_code(&mut self, c: &EnrolmentCode, digest: &str) -> Result<()>;
    /// A code by the digest of its secret, locked until commit.
    fn code_by_digest(&mut self, digest: &str) -> Result<Option<EnrolmentCode>>;
    /// Marks an unused, unrevoked code used; false if it no longer was.
    fn use_code(&mut self, id: &str, device: &str, at_ms: i64) -> Result<bool>;
    /// Codes of a retailer, newest first.
    fn codes(&mut self, retailer: &str) -> Result<Vec<EnrolmentCode>>;
    /// Revokes an unused code of a retailer; false if none matched.
    fn revoke_code(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool>;
    /// Stores a new web key under the digest of its secret.
    fn insert_web_key(&mut self, k: &WebKey, digest: &str) -> Result<()>;
    /// A web key by the digest of its secret.
    fn web_key_by_digest(&mut self, digest: &str) -> Result<Option<WebKey>>;
    /// Web keys of a retailer, newest first.
    fn web_keys(&mut self, retailer: &str) -> Result<Vec<WebKey>>;
    /// Revokes a key of a retailer; false if none matched.
    fn revoke_web_key(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool>;
    /// True when the database holds no retailer, device, code or key yet.
    fn is_empty(&mut self) -> Result<bool>;
}

fn check_retailer_store(tx: &mut dyn Tx, retailer: &str, store: &str) -> Result<()> {
    if tx.bo_retailer(retailer)?.is_none() {
        return Err(BackOfficeFailure::UnknownRetailer.into());
    }
    if tx.bo_store_retailer(store)?.as_deref() != Some(retailer) {
        return Err(BackOfficeFailure::ForeignStore.into());
    }
    Ok(())
}

/// What an owner asks for when issuing an enrolment code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRequest {
    /// The retailer.
    pub retailer: String,
    /// One of its stores.
    pub store: String,
    /// The server id of a till of that store to replace.
    pub replaces: Option<String>,
    /// Lifetime in milliseconds (1 ms to [`MAX_CODE_TTL_MS`]).
    pub ttl_ms: i64,
}

/// Issues an enrolment code: the store must be the retailer's, and a
/// replaced till must be an active till of that store.
pub fn issue_code(
    tx: &mut dyn Tx,
    fresh: &Fresh,
    req: &CodeRequest,
    now_ms: i64,
) -> Result<EnrolmentCode> {
    check_retailer_store(tx, &req.retailer, &req.store)?;
    if req.ttl_ms <= 0 || req.ttl_ms > MAX_CODE_TTL_MS {
        return Err(SyncError::Invalid {
            message: "enrolment code",
            rule: "lifetime is more than 0 and at most 30 days",
        }
        .into());
    }
    if let Some(old) = &req.replaces {
        let dev = tx.device(old)?;
        if !dev.is_some_and(|d| d.store == req.store && d.replaced_by.is_none()) {
            return Err(SyncError::NotFound {
                what: "till to replace in this store",
            }
            .into());
        }
    }
    let code = EnrolmentCode {
        id: fresh.id.clone(),
        retailer: req.retailer.clone(),
        store: req.store.clone(),
        replaces: req.replaces.clone(),
        created_ms: now_ms,
        expires_ms: now_ms.saturating_add(req.ttl_ms),
        used_ms: None,
        used_by: None,
        revoked_ms: None,
    };
    tx.credentials()
        .insert_code(&code, &digest(&fresh.secret))?;
    Ok(code)
}

/// Checks an enrolment code for a till enrolling into `store` (replacing
/// `replaces`) at `now_ms`, and consumes it for `device`. Nothing is
/// written when it is refused.
pub fn consume_code(
    tx: &mut dyn Tx,
    secret: &str,
    store: &str,
    replaces: Option<&str>,
    device: &str,
    now_ms: i64,
) -> Result<EnrolmentCode> {
    let code = tx
        .credentials()
        .code_by_digest(&digest(secret))?
        .ok_or(AuthFailure::BadEnrolmentCode)?;
    match code.state(now_ms) {
        "used" => return Err(AuthFailure::EnrolmentCodeUsed.into()),
        "revoked" => return Err(AuthFailure::EnrolmentCodeRevoked.into()),
        "expired" => return Err(AuthFailure::EnrolmentCodeExpired.into()),
        _ => {}
    }
    if code.store != store || tx.bo_store_retailer(store)?.as_deref() != Some(&code.retailer) {
        return Err(AuthFailure::WrongStore.into());
    }
    if code.replaces.as_deref() != replaces {
        return Err(AuthFailure::ReplacesNotAuthorised.into());
    }
    if !tx.credentials().use_code(&code.id, device, now_ms)? {
        return Err(AuthFailure::EnrolmentCodeUsed.into());
    }
    Ok(code)
}

/// Revokes an unused enrolment code of a retailer.
pub fn revoke_code(tx: &mut dyn Tx, retailer: &str, id: &str, now_ms: i64) -> Result<()> {
    if tx.credentials().revoke_code(retailer, id, now_ms)? {
        Ok(())
    } else {
        Err(SyncError::NotFound {
            what: "unused enrolment code",
        }
        .into())
    }
}

/// Issues a web-shop key for `stores` of a retailer (empty: all of them).
pub fn issue_web_key(
    tx: &mut dyn Tx,
    fresh: &Fresh,
    retailer: &str,
    stores: &[String],
    now_ms: i64,
) -> Result<WebKey> {
    if tx.bo_retailer(retailer)?.is_none() {
        return Err(BackOfficeFailure::UnknownRetailer.into());
    }
    for s in stores {
        check_retailer_store(tx, retailer, s)?;
    }
    let mut stores = stores.to_vec();
    stores.sort();
    stores.dedup();
    let key = WebKey {
        id: fresh.id.clone(),
        retailer: retailer.to_owned(),
        stores,
        created_ms: now_ms,
        revoked_ms: None,
    };
    tx.credentials()
        .insert_web_key(&key, &digest(&fresh.secret))?;
    Ok(key)
}

/// Revokes a web key of a retailer.
pub fn revoke_web_key(tx: &mut dyn Tx, retailer: &str, id: &str, now_ms: i64) -> Result<()> {
    if tx.credentials().revoke_web_key(retailer, id, now_ms)? {
        Ok(())
    } else {
        Err(SyncError::NotFound { what: "web key" }.into())
    }
}

/// Authenticates a bearer key: its scope, limited to stores its retailer
/// still holds.
pub fn web_scope(tx: &mut dyn Tx, bearer: &str) -> Result<WebScope> {
    if bearer.is_empty() || bearer.len() > 256 {
        return Err(AuthFailure::BadWebKey.into());
    }
    let key = tx
        .credentials()
        .web_key_by_digest(&digest(bearer))?
        .filter(|k| k.revoked_ms.is_none())
        .ok_or(AuthFailure::BadWebKey)?;
    let owned = tx.bo_stores(&key.retailer)?;
    let stores = if key.stores.is_empty() {
        owned
    } else {
        key.stores
            .iter()
            .filter(|s| owned.contains(s))
            .cloned()
            .collect()
    };
    Ok(WebScope {
        key: key.id,
        retailer: key.retailer,
        stores,
    })
}

/// The first retailer of an empty server and its first credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstStart {
    /// The retailer created.
    pub retailer: String,
    /// Its store.
    pub store: String,
    /// A code to enrol the first till of that store (24 hours).
    pub code: Fresh,
    /// When the code expires (ms since the epoch).
    pub code_expires_ms: i64,
    /// A web-shop key for every store of the retailer.
    pub web_key: Fresh,
}

/// On a database with no retailer, device, code or key yet: creates the
/// retailer and its store and issues one enrolment code and one web key
/// (all in one transaction, so it happens once). `None` otherwise.
pub fn first_start(
    tx: &mut dyn Tx,
    retailer: (&str, &str, &str),
    store: &str,
    code: Fresh,
    web_key: Fresh,
    now_ms: i64,
) -> Result<Option<FirstStart>> {
    if !tx.credentials().is_empty()? {
        return Ok(None);
    }
    let (id, name, siren) = retailer;
    crate::backoffice::service::add_retailer(tx, id, name, siren)?;
    crate::backoffice::service::add_store(tx, id, store)?;
    let req = CodeRequest {
        retailer: id.to_owned(),
        store: store.to_owned(),
        replaces: None,
        ttl_ms: DEFAULT_CODE_TTL_MS,
    };
    let issued = issue_code(tx, &code, &req, now_ms)?;
    issue_web_key(tx, &web_key, id, &[], now_ms)?;
    Ok(Some(FirstStart {
        retailer: id.to_owned(),
        store: store.to_owned(),
        code,
        code_expires_ms: issued.expires_ms,
        web_key,
    }))
}

/// Parses a lifetime such as `90s`, `30m`, `24h` or `7d` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s.get(..s.len().checked_sub(1)?)?.parse().ok()?;
    let per = match unit {
        's' => 1000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    n.checked_mul(per).filter(|ms| *ms > 0)
}

/// Shorthand: an error for a missing credentials table row.
pub(crate) fn corrupt(what: &'static str) -> ServerError {
    ServerError::from(SyncError::Corrupt { what })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
