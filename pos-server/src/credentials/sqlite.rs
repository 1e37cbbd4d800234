//! Credential rows in SQLite.

use super::{CredentialRows, EnrolmentCode, WebKey, corrupt};
use crate::error::Result;
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// The credential tables (created with the rest of the schema).
pub(crate) const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS enrolment_codes (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, retailer TEXT NOT NULL,
    store TEXT NOT NULL, replaces TEXT, created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL, used_ms INTEGER, used_by TEXT, revoked_ms INTEGER);
CREATE INDEX IF NOT EXISTS enrolment_codes_by_retailer ON enrolment_codes(retailer, created_ms);
CREATE TABLE IF NOT EXISTS web_keys (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, retailer TEXT NOT NULL,
    stores TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER);
CREATE INDEX IF NOT EXISTS web_keys_by_retailer ON web_keys(retailer, created_ms);
";

struct Rows<'a>(&'a Transaction<'a>);

/// The credential rows of a SQLite transaction.
pub(crate) fn sqlite_tx<'a>(tx: &'a Transaction<'a>) -> Box<dyn CredentialRows + 'a> {
    Box::new(Rows(tx))
}

const CODE_COLUMNS: &str =
    "id, retailer, store, replaces, created_ms, expires_ms, used_ms, used_by, revoked_ms";

fn code(r: &Row<'_>) -> rusqlite::Result<EnrolmentCode> {
    Ok(EnrolmentCode {
        id: r.get(0)?,
        retailer: r.get(1)?,
        store: r.get(2)?,
        replaces: r.get(3)?,
        created_ms: r.get(4)?,
        expires_ms: r.get(5)?,
        used_ms: r.get(6)?,
        used_by: r.get(7)?,
        revoked_ms: r.get(8)?,
    })
}

fn key(r: &Row<'_>) -> rusqlite::Result<(String, String, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
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

impl CredentialRows for Rows<'_> {
    fn insert_code(&mut self, c: &EnrolmentCode, digest: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO enrolment_codes(id, digest, retailer, store, replaces, created_ms, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![c.id, digest, c.retailer, c.store, c.replaces, c.created_ms, c.expires_ms],
        )?;
        Ok(())
    }

    fn code_by_digest(&mut self, digest: &str) -> Result<Option<EnrolmentCode>> {
        // The writer holds the database lock (IMMEDIATE transaction).
        Ok(self
            .0
            .query_row(
                &format!("SELECT {CODE_COLUMNS} FROM enrolment_codes WHERE digest = ?1"),
                [digest],
                code,
            )
            .optional()?)
    }

    fn use_code(&mut self, id: &str, device: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE enrolment_codes SET used_ms = ?2, used_by = ?3
             WHERE id = ?1 AND used_ms IS NULL AND revoked_ms IS NULL",
            params![id, at_ms, device],
        )?;
        Ok(n == 1)
    }

    fn codes(&mut self, retailer: &str) -> Result<Vec<EnrolmentCode>> {
        let mut st = self.0.prepare(&format!(
            "SELECT {CODE_COLUMNS} FROM enrolment_codes WHERE retailer = ?1
             ORDER BY created_ms DESC, id"
        ))?;
        let rows = st.query_map([retailer], code)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn revoke_code(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE enrolment_codes SET revoked_ms = ?3
             WHERE retailer = ?1 AND id = ?2 AND used_ms IS NULL AND revoked_ms IS NULL",
            params![retailer, id, at_ms],
        )?;
        Ok(n == 1)
    }

    fn insert_web_key(&mut self, k: &WebKey, digest: &str) -> Result<()> {
        let stores = serde_json::to_string(&k.stores).map_err(|_| corrupt("web key stores"))?;
        self.0.execute(
            "INSERT INTO web_keys(id, digest, retailer, stores, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![k.id, digest, k.retailer, stores, k.created_ms],
        )?;
        Ok(())
    }

    fn web_key_by_digest(&mut self, digest: &str) -> Result<Option<WebKey>> {
        self.0
            .query_row(
                "SELECT id, retailer, stores, created_ms, revoked_ms FROM web_keys WHERE digest = ?1",
                [digest],
                key,
            )
            .optional()?
            .map(web_key)
            .transpose()
    }

    fn web_keys(&mut self, retailer: &str) -> Result<Vec<WebKey>> {
        let mut st = self.0.prepare(
            "SELECT id, retailer, stores, created_ms, revoked_ms FROM web_keys WHERE retailer = ?1
             ORDER BY created_ms DESC, id",
        )?;
        let rows = st
            .query_map([retailer], key)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(web_key).collect()
    }

    fn revoke_web_key(&mut self, retailer: &str, id: &str, at_ms: i64) -> Result<bool> {
        let n = self.0.execute(
            "UPDATE web_keys SET revoked_ms = ?3
             WHERE retailer = ?1 AND id = ?2 AND revoked_ms IS NULL",
            params![retailer, id, at_ms],
        )?;
        Ok(n == 1)
    }

    fn is_empty(&mut self) -> Result<bool> {
        let n: i64 = self.0.query_row(
            "SELECT (SELECT COUNT(*) FROM bo_retailers) + (SELECT COUNT(*) FROM devices)
                  + (SELECT COUNT(*) FROM enrolment_codes) + (SELECT COUNT(*) FROM web_keys)",
            [],
            |r| r.get(0),
        )?;
        Ok(n == 0)
    }
}
