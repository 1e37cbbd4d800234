//! The crate's one error type.

use crate::model::Series;

/// Everything that can go wrong in the fiscal journal. Bad input is refused
/// before anything is written, so an error never leaves a half-made record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FiscalError {
    /// A ticket failed validation; `rule` names the broken rule.
    #[error("invalid ticket: {rule}")]
    InvalidTicket {
        /// Which rule was broken (e.g. "payments minus change must equal the total").
        rule: &'static str,
    },
    /// An amount computation overflowed.
    #[error("amount overflow while computing {what}")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
    /// A document is dated on or before a day that is already closed.
    #[error("document dated {date} is on or before the last closed day {closed}")]
    BeforeLastClosure {
        /// Local date of the refused document.
        date: chrono::NaiveDate,
        /// Last closed local day.
        closed: chrono::NaiveDate,
    },
    /// The period was already closed (a period closes once).
    #[error("period {period} is already closed")]
    AlreadyClosed {
        /// The period label (YYYY-MM-DD, YYYY-MM or YYYY).
        period: String,
    },
    /// The period is in the future relative to `now`.
    #[error("period {period} is in the future")]
    FuturePeriod {
        /// The period label.
        period: String,
    },
    /// The period ends before the journal's genesis (the till did not exist).
    #[error("period {period} ends before the journal was initialised")]
    BeforeGenesis {
        /// The period label.
        period: String,
    },
    /// An archive period is empty, reversed or longer than one year.
    #[error("archive period is invalid: {rule}")]
    InvalidArchivePeriod {
        /// The broken rule.
        rule: &'static str,
    },
    /// The referenced document does not exist.
    #[error("no document {series}{number} in the journal")]
    UnknownDocument {
        /// Its series.
        series: Series,
        /// Its number.
        number: u64,
    },
    /// A refund exceeds what is left to refund on its original.
    #[error("refund exceeds the refundable amount of {series}{number}")]
    RefundTooLarge {
        /// Series of the original.
        series: Series,
        /// Number of the original.
        number: u64,
    },
    /// The journal was not initialised (no genesis) or already was.
    #[error("journal state: {state}")]
    JournalState {
        /// What is wrong ("not initialised", "already initialised", ...).
        state: &'static str,
    },
    /// The signer's key is not the journal's current key.
    #[error("signer key {key_id} is not the journal's current key")]
    WrongKey {
        /// Key id of the offered signer.
        key_id: String,
    },
    /// A running-total or closure invariant does not hold.
    #[error("invariant broken: {invariant}")]
    Invariant {
        /// The invariant that failed.
        invariant: &'static str,
    },
    /// Purge refused (not archived, or not a detail series).
    #[error("purge refused: {reason}")]
    PurgeRefused {
        /// Why.
        reason: &'static str,
    },
    /// An export's parameters are invalid (e.g. SIREN is not 9 digits).
    #[error("invalid export: {rule}")]
    InvalidExport {
        /// The broken rule.
        rule: &'static str,
    },
    /// The signer (software or hardware keystore) failed.
    #[error("signer failed: {0}")]
    Signer(#[from] crate::signer::SignerError),
    /// Stored data could not be decoded.
    #[error("malformed {what}")]
    Malformed {
        /// What could not be decoded.
        what: &'static str,
    },
    /// A key could not be parsed.
    #[error("invalid key material")]
    InvalidKey,
    /// The SQLite store failed.
    #[error("storage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Archive file I/O (tar building / reading) failed.
    #[error("archive i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, FiscalError>;
