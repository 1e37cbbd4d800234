//! The version of the server's database schema. The schemas are written
//! with `CREATE TABLE IF NOT EXISTS`, which would silently keep an older
//! table (with its older keys) in place; so a database records the version
//! that created it (SQLite `PRAGMA user_version`, a one-row `schema_version`
//! table on PostgreSQL) and a database of another version is refused with
//! [`crate::ServerError::SchemaVersion`] instead of being run on the wrong
//! keys.
//!
//! - 1: (unrecorded) ids keyed globally.
//! - 2: stock movement and ledger ids keyed by store, customer links by
//!   retailer; credentials bound to retailers.

/// The schema version this build creates and runs on.
pub const SCHEMA_VERSION: u32 = 2;

/// The version of a database that has tables but records no version.
pub const UNVERSIONED: u32 = 1;

/// Refuses a database of another version.
pub fn check(found: u32) -> crate::Result<()> {
    if found == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(crate::ServerError::SchemaVersion {
            found,
            expected: SCHEMA_VERSION,
        })
    }
}
