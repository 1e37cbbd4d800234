//! Loading the till's software signing key from its key store (see
//! [`crate::keystore`]), making one on a new till, and moving the key out of
//! a till file written by an older build that kept it in `meta`
//! (`software_key_pem`).

use crate::keystore::{self, KeyStore, KeyStoreError};
use crate::{SdkError, db};
use pos_fiscal::Signer;
use pos_fiscal::signer::SoftwareSigner;
use rusqlite::Connection;

/// The `meta` key older builds kept the private key under.
const LEGACY_KEY: &str = "software_key_pem";

/// The till's key from `store`; a new till gets a fresh key (stored before
/// the journal is started with it). A till file that still holds its key
/// is migrated: key written to the store first, then scrubbed from the file.
pub fn load_or_create(
    conn: &mut Connection,
    store: &mut dyn KeyStore,
) -> Result<SoftwareSigner, SdkError> {
    let legacy = {
        let tx = conn.transaction()?;
        db::meta_get(&tx, LEGACY_KEY)?
    };
    let kept = store.load()?;
    let Some(pem) = legacy else {
        if let Some(k) = kept {
            return Ok(k);
        }
        if has_journal(conn)? {
            return Err(KeyStoreError::Missing {
                path: store.location(),
            }
            .into());
        }
        let fresh = keystore::generate()?;
        store.store(&fresh)?;
        return Ok(fresh);
    };
    let old = SoftwareSigner::from_pkcs8_pem(&pem).map_err(|_| SdkError::Corrupt {
        what: "signing key kept in the till file",
    })?;
    drop(pem);
    let signer = match kept {
        Some(k) if k.key_id() != old.key_id() => {
            return Err(KeyStoreError::Conflict {
                path: store.location(),
            }
            .into());
        }
        Some(k) => k,
        None => {
            store.store(&old)?;
            old
        }
    };
    scrub_legacy_key(conn)?;
    Ok(signer)
}

/// Whether the file already holds a fiscal journal (then only its own key
/// may continue it).
fn has_journal(conn: &Connection) -> Result<bool, SdkError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fiscal_meta')
             AND EXISTS (SELECT 1 FROM fiscal_meta WHERE key = 'current_key_id')",
        [],
        |r| r.get(0),
    )?)
}

/// Deletes the key row with `secure_delete` on (its bytes are overwritten
/// with zeros), then rebuilds the file (`VACUUM`) and truncates the WAL, so
/// no page of the till file or its `-wal` still holds the key.
fn scrub_legacy_key(conn: &mut Connection) -> Result<(), SdkError> {
    let before: i64 = conn.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM meta WHERE key = ?1", [LEGACY_KEY])?;
    tx.commit()?;
    conn.execute_batch("VACUUM")?;
    // In WAL mode VACUUM's pages sit in the -wal file until checkpointed;
    // TRUNCATE copies them over the old pages and empties the -wal. Busy
    // (another reader holds the WAL) only delays that copy to the next
    // checkpoint: the row itself is already gone.
    let _busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    conn.pragma_update(None, "secure_delete", before)?;
    Ok(())
}
