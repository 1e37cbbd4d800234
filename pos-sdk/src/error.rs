//! The one error type of the facade.

use pos_core::CoreError;
use pos_fiscal::FiscalError;

/// What a till operation can refuse or fail with. Messages carry no personal
/// or card data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdkError {
    /// The domain refused the operation (bad input, business rule).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The fiscal journal refused or failed.
    #[error(transparent)]
    Fiscal(#[from] FiscalError),
    /// The SQLite file failed.
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The signing key's store refused or failed (never the till file).
    #[error(transparent)]
    KeyStore(#[from] crate::keystore::KeyStoreError),
    /// A stored document did not decode: the file was changed outside the SDK.
    #[error("stored {what} is corrupt")]
    Corrupt {
        /// Which document.
        what: &'static str,
    },
    /// The file was written by a newer version of the SDK.
    #[error("the till file has schema version {found}; this build supports up to {supported}")]
    SchemaTooNew {
        /// Version found in the file.
        found: u32,
        /// Highest version this build knows.
        supported: u32,
    },
    /// The file belongs to another register than the configuration says.
    #[error("this till file belongs to register `{file}`, not `{config}`")]
    WrongRegister {
        /// The register recorded in the file.
        file: String,
        /// The register of the configuration.
        config: String,
    },
    /// A peripheral or barcode problem.
    #[error(transparent)]
    Device(#[from] pos_hw::HwError),
    /// A document that does not exist.
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked up.
        what: &'static str,
        /// Its identifier.
        id: String,
    },
    /// Something the SDK does not do yet, said plainly rather than faked.
    #[error("not supported yet: {what}")]
    Unsupported {
        /// What.
        what: &'static str,
    },
    /// An argument outside what the operation accepts.
    #[error("invalid {field}: expected {expected}")]
    InvalidInput {
        /// Which argument.
        field: &'static str,
        /// What is accepted.
        expected: &'static str,
    },
    /// An operation that needs a setup step first (e.g. an open cash session).
    #[error("{what} is required first")]
    Precondition {
        /// What is missing.
        what: &'static str,
    },
    /// While offline, this till already let this card or customer spend its
    /// offline allowance: sync first, or take another tender.
    #[error("the offline allowance of this {ledger} is spent on this till: sync first")]
    OfflineCapReached {
        /// `stored_value` or `points`.
        ledger: &'static str,
    },
    /// Something that may be open only once is open already (a cash session).
    #[error("{what} is already open")]
    AlreadyOpen {
        /// What.
        what: &'static str,
    },
}

impl SdkError {
    /// A stable snake_case name for bindings and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            SdkError::Core(e) => e.kind(),
            SdkError::Fiscal(_) => "fiscal",
            SdkError::Storage(_) => "storage",
            SdkError::KeyStore(_) => "key_store",
            SdkError::Corrupt { .. } => "corrupt",
            SdkError::SchemaTooNew { .. } => "schema_too_new",
            SdkError::NotFound { .. } => "not_found",
            SdkError::WrongRegister { .. } => "wrong_register",
            SdkError::Device(_) => "device",
            SdkError::Precondition { .. } => "precondition",
            SdkError::OfflineCapReached { .. } => "offline_cap_reached",
            SdkError::Unsupported { .. } => "unsupported",
            SdkError::InvalidInput { .. } => "invalid_input",
            SdkError::AlreadyOpen { .. } => "already_open",
        }
    }
}

impl From<serde_json::Error> for SdkError {
    fn from(_: serde_json::Error) -> SdkError {
        SdkError::Corrupt {
            what: "JSON document",
        }
    }
}
