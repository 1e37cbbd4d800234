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
    /// An operator or sign-in refusal (unknown, disabled, locked, wrong PIN).
    #[error(transparent)]
    Operator(#[from] pos_core::operator::OperatorError),
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
    /// A merchant setting was refused, or the stored settings are not the
    /// signed ones (see [`crate::TillSettings`]).
    #[error(transparent)]
    Settings(#[from] crate::register::SettingsError),
    /// The cart (or its payment) already completed a sale: it is consumed.
    /// Start a new cart; the sale is already recorded.
    #[error("this cart was already completed as ticket {ticket}: start a new cart")]
    CartCompleted {
        /// The ticket it completed (`T3`).
        ticket: String,
    },
    /// The fiscal day of the till's date is closed (a Z was made): no sale
    /// can be recorded on it, so no payment may be taken for one.
    #[error("the fiscal day {day} is closed: no sale can be recorded until the next day")]
    DayClosed {
        /// The closed local day.
        day: chrono::NaiveDate,
    },
    /// The till sells only in an open cash session, and none is open.
    #[error("no cash session is open: open one before selling")]
    SessionClosed,
    /// The injected clock gives a time the journal cannot accept (set back,
    /// before the journal began, implausibly far ahead, or in the wrong
    /// unit). Nothing was recorded; the refusal is logged as JET 300.
    #[error("the clock says {at}, which is implausible: {reason} (last record at {last})")]
    ClockImplausible {
        /// Why.
        reason: &'static str,
        /// The refused time (UTC, RFC 3339).
        at: String,
        /// The journal's last record time (UTC).
        last: String,
    },
    /// The operator lacks the permission an action needs (a refund needs
    /// `return`, which a manager has).
    #[error("{action} needs the `{permission}` permission (a manager's right)")]
    PermissionRequired {
        /// What was attempted (`refunding a ticket`).
        action: &'static str,
        /// The permission's stable name ([`pos_core::cart::Permission::name`]).
        permission: &'static str,
    },
    /// A refund line that names no sold line of the original ticket. Lines
    /// are numbered from 1, as the ticket and the cart lines show them.
    #[error(
        "line {line} is not a refundable line of ticket {ticket}: its lines are numbered 1 to {lines}"
    )]
    UnknownRefundLine {
        /// The line number given.
        line: u64,
        /// The original ticket's id.
        ticket: String,
        /// How many lines the ticket has.
        lines: usize,
    },
    /// The till's storage is full, or too nearly full for a sale and its
    /// journal records: nothing was recorded and no payment should be
    /// taken. `left`: the headroom the host reported (none when SQLite
    /// itself found the disk full and rolled the sale back).
    #[error(
        "the till's storage is full ({}): no sale can be recorded until space is freed",
        crate::register::describe_headroom(.left, *.reserve)
    )]
    StorageFull {
        /// Bytes left, as the host last reported them.
        left: Option<u64>,
        /// Bytes a sale needs left ([`crate::register::STORAGE_RESERVE_BYTES`]).
        reserve: u64,
    },
    /// A return found by a gift receipt is paid back as store credit only
    /// (the gift's receiver must not get the buyer's money).
    #[error(
        "a return from gift receipt {original} is paid back as store credit only, not {method}"
    )]
    GiftStoreCreditOnly {
        /// The original ticket's id.
        original: String,
        /// The refused tender method (`card`).
        method: &'static str,
    },
}

impl SdkError {
    /// A stable snake_case name for bindings and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            SdkError::Core(e) => e.kind(),
            SdkError::Fiscal(e) => fiscal_kind(e),
            SdkError::Operator(e) => e.kind(),
            SdkError::Storage(e) if crate::register::is_disk_full(e) => codes::STORAGE_FULL,
            SdkError::Storage(_) => "storage",
            SdkError::KeyStore(_) => "key_store",
            SdkError::Corrupt { .. } => "corrupt",
            SdkError::SchemaTooNew { .. } => "schema_too_new",
            SdkError::NotFound { .. } => "not_found",
            SdkError::WrongRegister { .. } => "wrong_register",
            SdkError::Device(e) => e.code(),
            SdkError::Precondition { .. } => "precondition",
            SdkError::OfflineCapReached { .. } => "offline_cap_reached",
            SdkError::Unsupported { .. } => "unsupported",
            SdkError::InvalidInput { .. } => "invalid_input",
            SdkError::AlreadyOpen { .. } => "already_open",
            SdkError::Settings(e) => e.kind(),
            SdkError::CartCompleted { .. } => codes::CART_COMPLETED,
            SdkError::DayClosed { .. } => codes::DAY_CLOSED,
            SdkError::SessionClosed => codes::SESSION_CLOSED,
            SdkError::ClockImplausible { .. } => codes::CLOCK_IMPLAUSIBLE,
            SdkError::PermissionRequired { .. } => codes::PERMISSION_REQUIRED,
            SdkError::UnknownRefundLine { .. } => codes::UNKNOWN_ORIGINAL_LINE,
            SdkError::StorageFull { .. } => codes::STORAGE_FULL,
            SdkError::GiftStoreCreditOnly { .. } => codes::GIFT_STORE_CREDIT_ONLY,
        }
    }
}

/// The stable codes this facade adds to pos-core's (`CoreError::kind`):
/// one place to read what an app can match on. Codes never change meaning.
pub mod codes {
    /// The cart or payment already completed a sale.
    pub const CART_COMPLETED: &str = "cart_completed";
    /// The fiscal day is closed: no sale can be recorded on it.
    pub const DAY_CLOSED: &str = "day_closed";
    /// The till requires an open cash session and none is open.
    pub const SESSION_CLOSED: &str = "session_closed";
    /// The clock is set back, before the genesis, too far ahead or in seconds.
    pub const CLOCK_IMPLAUSIBLE: &str = "clock_implausible";
    /// A key reused for a different request (pos-core's code, kept).
    pub const IDEMPOTENCY_CONFLICT: &str = "idempotency_conflict";
    /// The journal's stored data or an invariant is broken.
    pub const JOURNAL_CORRUPT: &str = "journal_corrupt";
    /// A period (day, month, year) closes once.
    pub const ALREADY_CLOSED: &str = "already_closed";
    /// A period in the future, or before the journal began.
    pub const INVALID_PERIOD: &str = "invalid_period";
    /// A refund above what is left to refund on its original.
    pub const REFUND_TOO_LARGE: &str = "refund_too_large";
    /// A document the journal does not hold.
    pub const UNKNOWN_DOCUMENT: &str = "unknown_document";
    /// A ticket the journal refused (broken rule named in the message).
    pub const INVALID_TICKET: &str = "invalid_ticket";
    /// The signer is not the journal's key, or the key material is bad.
    pub const WRONG_KEY: &str = "wrong_key";
    /// The signer (software or hardware keystore) failed.
    pub const SIGNER: &str = "signer";
    /// Archive, purge or export parameters refused.
    pub const ARCHIVE_REFUSED: &str = "archive_refused";
    /// Any other journal failure.
    pub const FISCAL: &str = "fiscal";
    /// The operator lacks a permission the action needs; the message names it.
    pub const PERMISSION_REQUIRED: &str = "permission_required";
    /// A refund line naming no sold line of its original (pos-core's code,
    /// kept; lines are numbered from 1).
    pub const UNKNOWN_ORIGINAL_LINE: &str = "unknown_original_line";
    /// The till's storage is full or under a sale's reserve: nothing recorded.
    pub const STORAGE_FULL: &str = "storage_full";
    /// A gift receipt's return paid back other than as store credit.
    pub const GIFT_STORE_CREDIT_ONLY: &str = "gift_store_credit_only";

    /// Every code above, for docs and tests.
    pub const ALL: &[&str] = &[
        CART_COMPLETED,
        DAY_CLOSED,
        SESSION_CLOSED,
        CLOCK_IMPLAUSIBLE,
        IDEMPOTENCY_CONFLICT,
        JOURNAL_CORRUPT,
        ALREADY_CLOSED,
        INVALID_PERIOD,
        REFUND_TOO_LARGE,
        UNKNOWN_DOCUMENT,
        INVALID_TICKET,
        WRONG_KEY,
        SIGNER,
        ARCHIVE_REFUSED,
        FISCAL,
        PERMISSION_REQUIRED,
        UNKNOWN_ORIGINAL_LINE,
        STORAGE_FULL,
        GIFT_STORE_CREDIT_ONLY,
    ];
}

/// The specific code of a journal error (the old catch-all `fiscal` split
/// into its causes).
fn fiscal_kind(e: &FiscalError) -> &'static str {
    match e {
        FiscalError::BeforeLastClosure { .. } => codes::DAY_CLOSED,
        FiscalError::AlreadyClosed { .. } => codes::ALREADY_CLOSED,
        FiscalError::FuturePeriod { .. } | FiscalError::BeforeGenesis { .. } => {
            codes::INVALID_PERIOD
        }
        FiscalError::RefundTooLarge { .. } => codes::REFUND_TOO_LARGE,
        FiscalError::UnknownDocument { .. } => codes::UNKNOWN_DOCUMENT,
        FiscalError::InvalidTicket { .. } | FiscalError::Overflow { .. } => codes::INVALID_TICKET,
        FiscalError::JournalState { .. }
        | FiscalError::Invariant { .. }
        | FiscalError::Malformed { .. } => codes::JOURNAL_CORRUPT,
        FiscalError::WrongKey { .. } | FiscalError::InvalidKey => codes::WRONG_KEY,
        FiscalError::Signer(_) => codes::SIGNER,
        FiscalError::InvalidArchivePeriod { .. }
        | FiscalError::PurgeRefused { .. }
        | FiscalError::InvalidExport { .. } => codes::ARCHIVE_REFUSED,
        FiscalError::Sqlite(e) if crate::register::is_disk_full(e) => codes::STORAGE_FULL,
        FiscalError::Sqlite(_) => "storage",
        _ => codes::FISCAL,
    }
}

impl From<serde_json::Error> for SdkError {
    fn from(_: serde_json::Error) -> SdkError {
        SdkError::Corrupt {
            what: "JSON document",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in codes::ALL {
            assert!(seen.insert(*c), "duplicate code {c}");
            assert!(c.chars().all(|x| x.is_ascii_lowercase() || x == '_'), "{c}");
        }
    }

    #[test]
    fn fiscal_errors_have_their_own_codes() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let closed = SdkError::Fiscal(FiscalError::BeforeLastClosure {
            date: day,
            closed: day,
        });
        assert_eq!(closed.kind(), "day_closed");
        let corrupt = SdkError::Fiscal(FiscalError::Malformed { what: "payload" });
        assert_eq!(corrupt.kind(), "journal_corrupt");
        let e = SdkError::ClockImplausible {
            reason: "set back",
            at: "1970-01-21T00:00:00Z".into(),
            last: "2026-03-01T10:00:00Z".into(),
        };
        assert_eq!(e.kind(), "clock_implausible");
        assert_eq!(
            e.to_string(),
            "the clock says 1970-01-21T00:00:00Z, which is implausible: set back (last record at 2026-03-01T10:00:00Z)"
        );
    }
}
