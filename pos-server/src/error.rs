//! The server's error type: a sync-protocol error (decoding, validation,
//! authentication, domain rules) or a failure of the server's own storage
//! and back office. Messages never carry personal or card data.
//!
//! A failure of the database that says "not now" (busy or locked, the
//! connection refused or lost, a timeout, the server shutting down or
//! starting up, contention that outlived the retries) is
//! [`ServerError::is_unavailable`]: HTTP 503 with `Retry-After`, code
//! `unavailable`, so a till tries again later. Any other storage failure
//! (a constraint, a row this build cannot read) is a 500, and a refusal of
//! the request a 4xx.

pub use pos_sync::{AuthFailure, SyncError};

/// Everything that can go wrong on the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A protocol, validation, authentication or domain error.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The SQLite store.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL store.
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// A back-office request or command was refused.
    #[error("back office: {0}")]
    BackOffice(#[from] crate::backoffice::BackOfficeFailure),
    /// A change or request breaks a rule of pos-core's types (names the field).
    #[error(transparent)]
    Refused(#[from] crate::validate::Refusal),
    /// The database was made by another version of the schema (see
    /// [`crate::schema`]): the server does not run on it.
    #[error(
        "database schema version {found} is not this build's version {expected}: migrate it or start from an empty database"
    )]
    SchemaVersion {
        /// The database's version.
        found: u32,
        /// This build's version.
        expected: u32,
    },
}

impl From<AuthFailure> for ServerError {
    fn from(e: AuthFailure) -> Self {
        ServerError::Sync(e.into())
    }
}

impl From<pos_core::CoreError> for ServerError {
    fn from(e: pos_core::CoreError) -> Self {
        ServerError::Sync(e.into())
    }
}

impl From<pos_fiscal::FiscalError> for ServerError {
    fn from(e: pos_fiscal::FiscalError) -> Self {
        ServerError::Sync(e.into())
    }
}

impl From<pos_sync::digital::DigitalFailure> for ServerError {
    fn from(e: pos_sync::digital::DigitalFailure) -> Self {
        ServerError::Sync(e.into())
    }
}

impl ServerError {
    /// A stable machine-readable code (the `code` of error bodies).
    pub fn code(&self) -> &'static str {
        if self.is_unavailable() {
            return "unavailable";
        }
        match self {
            ServerError::Sync(e) => e.code(),
            ServerError::Sqlite(_) | ServerError::Postgres(_) => "storage",
            ServerError::BackOffice(f) => f.code(),
            ServerError::Refused(r) => r.field.code(),
            ServerError::SchemaVersion { .. } => "schema_version",
        }
    }

    /// The HTTP status the server answers with for this error.
    pub fn http_status(&self) -> u16 {
        if self.is_unavailable() {
            return 503;
        }
        match self {
            ServerError::Sync(e) => e.http_status(),
            ServerError::Sqlite(_) | ServerError::Postgres(_) => 500,
            ServerError::BackOffice(f) => f.http_status(),
            ServerError::Refused(_) => 400,
            ServerError::SchemaVersion { .. } => 500,
        }
    }

    /// Whether this is a failure of the server's own database (as opposed
    /// to a refusal of the request).
    pub fn is_storage(&self) -> bool {
        matches!(self, ServerError::Sqlite(_) | ServerError::Postgres(_))
    }

    /// Whether the database cannot serve now but may soon (see the module
    /// docs): the request was not applied and may be sent again.
    pub fn is_unavailable(&self) -> bool {
        self.outage().is_some()
    }

    /// Seconds a client should wait before trying again (the `Retry-After`
    /// of a 503), for an unavailable database.
    pub fn retry_after_s(&self) -> Option<u32> {
        self.outage().map(|o| match o {
            Outage::Contention => RETRY_AFTER_CONTENTION_S,
            Outage::Down => RETRY_AFTER_DOWN_S,
        })
    }

    fn outage(&self) -> Option<Outage> {
        match self {
            ServerError::Sqlite(e) => crate::sqlite::outage(e),
            ServerError::Postgres(e) => crate::postgres::outage(e),
            _ => None,
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// Why the database cannot serve now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outage {
    /// Other writers hold it (busy, locked, serialization, deadlock, lock
    /// timeout): a moment is enough.
    Contention,
    /// It is unreachable, failing or restarting: it takes longer.
    Down,
}

/// `Retry-After` for contention.
const RETRY_AFTER_CONTENTION_S: u32 = 1;
/// `Retry-After` for a database that is down or restarting.
const RETRY_AFTER_DOWN_S: u32 = 2;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> ServerError {
        ServerError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn a_busy_or_failing_sqlite_is_unavailable_a_constraint_is_not() {
        use rusqlite::ffi;
        for (code, after) in [
            (ffi::SQLITE_BUSY, 1),
            (ffi::SQLITE_LOCKED, 1),
            (ffi::SQLITE_IOERR, 2),
            (ffi::SQLITE_FULL, 2),
            (ffi::SQLITE_CANTOPEN, 2),
        ] {
            let e = sqlite(code);
            assert_eq!(
                (e.http_status(), e.code(), e.retry_after_s()),
                (503, "unavailable", Some(after)),
                "{e}"
            );
            assert!(e.is_storage());
        }
        for code in [
            ffi::SQLITE_CONSTRAINT,
            ffi::SQLITE_MISMATCH,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_ERROR,
        ] {
            let e = sqlite(code);
            assert_eq!(
                (e.http_status(), e.code(), e.retry_after_s()),
                (500, "storage", None),
                "{e}"
            );
        }
        let bad_row = ServerError::Sqlite(rusqlite::Error::InvalidColumnType(
            0,
            "x".into(),
            rusqlite::types::Type::Null,
        ));
        assert_eq!((bad_row.http_status(), bad_row.code()), (500, "storage"));
        let refused = ServerError::from(SyncError::SequenceConflict { seq: 1 });
        assert_eq!(
            (refused.http_status(), refused.retry_after_s()),
            (409, None)
        );
    }
}
