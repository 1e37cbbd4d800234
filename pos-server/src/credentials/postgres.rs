//! Credential rows in PostgreSQL.

use super::{CredentialRows, EnrolmentCode, WebKey, corrupt};
use crate::error::Result;
use postgres::{Row, Transaction};

/// The credential tables (created with the rest of the schema).
pub(crate) const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS enrolment_codes (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, retailer TEXT NOT NULL,
    store TEXT NOT NULL, replaces TEXT, created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL, used_ms BIGINT, used_by TEXT, revoked_ms BIGINT);
CREATE INDEX IF NOT EXISTS enrolment_codes_by_retailer ON enrolment_codes(retailer, created_ms);
CREATE TABLE IF NOT EXISTS web_keys (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, retailer TEXT NOT NULL,
    stores TEXT NOT NULL, created_ms BIGINT NOT NULL, revoked_ms BIGINT);
CREATE INDEX IF NOT EXISTS web_keys_by_retailer ON web_keys(retailer, created_ms);
";

struct Rows<'a, 't>(&'a mut Transaction<'t>);

/// The credential rows of a PostgreSQL transaction.
pub(crate) fn pg_tx<'a, 't>(tx: &'a mut Transaction<'t>) -> Box<dyn CredentialRows + 'a>
where
    't: 'a,
{
    Box::new(Rows(tx))
}

const CODE_COLUMNS: &str =
    "id, retailer, store, replaces, created_ms, expires_ms, used_ms, used_by, revoked_ms";

fn code(r: &Row) -> Result<EnrolmentCode> {
    Ok(EnrolmentCode {
        id: r.try_get(0)?,
        retailer: r.try_get(1)?,
        store: r.try_get(2)?,
        replaces: r.try_get(3)?,
        created_ms: r.try_get(4)?,
        expires_ms: r.try_get(5)?,
        used_ms: r.try_get(6)?,
        used_by: r.try_get(7)?,
        revoked_ms: r.try_get(8)?,
    })
}

fn key(r: &Row) -> Result<(String, String, String, i64, Option<i64>)> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    ))
}

fn web_key(row: (String, String, String, i64, Option<i64>)) -> Result<WebKey> {
    let (id, retailer, stores, created_ms, revoked_ms) = row;
    Ok(WebKey {
        id,
        retailer,
        stores: serde_json::from_str(&stores).map_err(|_| corrupt("web key stores"))?,
        created_ms,
        revoked_ms,
    })
}

impl CredentialRows for Rows<'_, '_> {
    fn insert_code(&mut self, c: &EnrolmentCode, digest: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO enrolment_codes(id, digest, retailer, store, replaces, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&c.id, &digest, &c.retailer, &c.store, &c.replaces, &c.created_ms, &c.expires_ms],
        )?;
        Ok(())
    }

    fn code_by_digest(&mut self, digest: &str) -> Result<Option<EnrolmentCode>> {
        let rows = self.0.query(
            &format!("SELECT {CODE_COLUMNS} FROM enrolment_codes WHERE digest = $1 FOR UPDATE"),
            &[&digest],
        )?;
        rows.first().map(code).transpose()
    }

    fn use_code(&mut self, id: &str, device: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE enrolment_codes SET used_ms = $2, used_by = $3
             WHERE id = $1 AND used_ms IS NULL AND revoked_ms IS NULL",
            &[&id, &at_ms, &device],
        )?;
        Ok(n == 1)
    }

    fn codes(&mut self, retailer: &str) -> Result<Vec<EnrolmentCode>> {
        let rows = self.0.query(
            &format!(
                "SELECT {CODE_COLUMNS} FROM enrolment_codes WHERE retailer = $1
                 ORDER BY created_ms DESC, id"
            ),
            &[&retailer],
        )?;
        rows.iter().map(code).collect()
    }

    fn revoke_code(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE enrolment_codes SET revoked_ms = $3
             WHERE retailer = $1 AND id = $2 AND used_ms IS NULL AND revoked_ms IS NULL",
            &[&retailer, &id, &at_ms],
        )?;
        Ok(n == 1)
    }

    fn insert_web_key(&mut self, k: &WebKey, digest: &str) -> Result<()> {
        let stores = serde_json::to_string(&k.stores).map_err(|_| corrupt("web key stores"))?;
        self.0.execute(
            "INSERT INTO web_keys(id, digest, retailer, stores, created_ms) VALUES ($1, $2, $3, $4, $5)",
            &[&k.id, &digest, &k.retailer, &stores, &k.created_ms],
        )?;
        Ok(())
    }

    fn web_key_by_digest(&mut self, digest: &str) -> Result<Option<WebKey>> {
        let rows = self.0.query(
            "SELECT id, retailer, stores, created_ms, revoked_ms FROM web_keys WHERE digest = $1",
            &[&digest],
        )?;
        rows.first().map(key).transpose()?.map(web_key).transpose()
    }

    fn web_keys(&mut self, retailer: &str) -> Result<Vec<WebKey>> {
        let rows = self.0.query(
            "SELECT id, retailer, stores, created_ms, revoked_ms FROM web_keys WHERE retailer = $1
             ORDER BY created_ms DESC, id",
            &[&retailer],
        )?;
        rows.iter().map(|r| key(r).and_then(web_key)).collect()
    }

    fn revoke_web_key(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE web_keys SET revoked_ms = $3
             WHERE retailer = $1 AND id = $2 AND revoked_ms IS NULL",
            &[&retailer, &id, &at_ms],
        )?;
        Ok(n == 1)
    }

    fn is_empty(&mut self) -> Result<bool> {
        // Two servers starting on one empty database: the second waits for
        // the first's transaction, then sees its retailer (one first start).
        self.0.batch_execute("SELECT pg_advisory_xact_lock(7266)")?;
        let rows = self.0.query(
            "SELECT (SELECT COUNT(*) FROM bo_retailers) + (SELECT COUNT(*) FROM devices)
                  + (SELECT COUNT(*) FROM enrolment_codes) + (SELECT COUNT(*) FROM web_keys)",
            &[],
        )?;
        let n: i64 = rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0);
        Ok(n == 0)
    }
}
