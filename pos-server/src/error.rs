//! The server's error type: a sync-protocol error (decoding, validation,
//! authentication, domain rules) or a failure of the server's own storage
//! and back office. Messages never carry personal or card data.

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
}

/// Shorthand for results in this crate.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;
