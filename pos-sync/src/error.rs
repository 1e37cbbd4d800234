//! The crate's one error type. Messages never carry personal or card data.

/// Why a sync request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthFailure {
    /// A required authentication header is missing or malformed.
    #[error("missing or malformed authentication header `{header}`")]
    MissingHeader {
        /// The header's name.
        header: &'static str,
    },
    /// The device is not enrolled (or was replaced).
    #[error("device is not enrolled or was retired")]
    UnknownDevice,
    /// The HMAC does not match.
    #[error("request signature does not verify")]
    BadSignature,
    /// The timestamp is outside the accepted window.
    #[error("request timestamp is {skew_seconds} s away from the server clock")]
    Stale {
        /// Signed distance from the server clock, in seconds.
        skew_seconds: i64,
    },
    /// The exact same signed request was already received.
    #[error("request was already received (replay)")]
    Replayed,
    /// The device asked for another store's data.
    #[error("device may not read or write this store")]
    WrongStore,
    /// The enrolment code is unknown or malformed.
    #[error("enrolment code is not valid")]
    BadEnrolmentCode,
    /// The enrolment code was already used (codes are single-use).
    #[error("enrolment code was already used")]
    EnrolmentCodeUsed,
    /// The enrolment code has expired.
    #[error("enrolment code has expired")]
    EnrolmentCodeExpired,
    /// The enrolment code was revoked.
    #[error("enrolment code was revoked")]
    EnrolmentCodeRevoked,
    /// The enrolment names a till to replace that its code does not name
    /// (or the code names one the request does not).
    #[error("enrolment code does not authorise replacing this till")]
    ReplacesNotAuthorised,
    /// The web-shop API key is unknown, malformed or revoked.
    #[error("web-shop API key is not valid")]
    BadWebKey,
}

/// Everything that can go wrong in pos-sync.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// A wire message could not be decoded.
    #[error("cannot decode {message}: {source}")]
    Decode {
        /// Which message.
        message: &'static str,
        /// The JSON error (position and cause, no payload data).
        #[source]
        source: serde_json::Error,
    },
    /// A wire message decoded but breaks a protocol rule.
    #[error("invalid {message}: {rule}")]
    Invalid {
        /// Which message.
        message: &'static str,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A message is larger than the protocol allows.
    #[error("message of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The protocol version is not supported.
    #[error("protocol version {got} is not supported (expected {expected})")]
    Version {
        /// Received.
        got: u32,
        /// Supported.
        expected: u32,
    },
    /// Authentication failed.
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthFailure),
    /// A device reused a sequence number for a different event.
    #[error("device sequence {seq} already holds another event")]
    SequenceConflict {
        /// The sequence.
        seq: u64,
    },
    /// An event id was already used by another device or sequence.
    #[error("event id already applied at another position")]
    EventIdConflict,
    /// An order state change that its state machine refuses.
    #[error("order cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// Current state.
        from: &'static str,
        /// Requested state.
        to: &'static str,
    },
    /// Not enough available stock to reserve.
    #[error("only {available} available of {requested} requested for item `{sku}`")]
    InsufficientStock {
        /// The item.
        sku: String,
        /// Available (on hand minus reserved).
        available: rust_decimal::Decimal,
        /// Requested.
        requested: rust_decimal::Decimal,
    },
    /// Offline spending above the device's cap.
    #[error("offline {ledger} spending of {requested} exceeds the remaining {remaining}")]
    OfflineCapExceeded {
        /// `points` or `stored_value`.
        ledger: &'static str,
        /// What is left of the cap.
        remaining: rust_decimal::Decimal,
        /// What was asked.
        requested: rust_decimal::Decimal,
    },
    /// Something the request names does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What.
        what: &'static str,
    },
    /// Arithmetic overflow on a ledger.
    #[error("arithmetic overflow in {what}")]
    Overflow {
        /// Where.
        what: &'static str,
    },
    /// The server answered with an error status.
    #[error("server answered HTTP {status} ({code})")]
    Server {
        /// HTTP status.
        status: u16,
        /// The error code from the body, if any.
        code: String,
    },
    /// The server is up but cannot serve now (its database is down or
    /// busy, or a gateway in front of it has no server to send to): HTTP
    /// 503 (or 502 / 504 from a gateway). Transient: try again later, after
    /// `retry_after_s` when the server said so. Not a refusal of the request.
    #[error("server unavailable (HTTP {status}), try again later")]
    Unavailable {
        /// HTTP status (503, or 502 / 504 from a gateway).
        status: u16,
        /// The server's `Retry-After`, in seconds, if it gave one.
        retry_after_s: Option<u64>,
    },
    /// The transport failed (connection refused, timeout...): outcome unknown.
    #[error("transport failed: {kind}")]
    Transport {
        /// What kind of failure.
        kind: &'static str,
    },
    /// Stored data is not what this build wrote.
    #[error("stored data is corrupt: {what}")]
    Corrupt {
        /// What.
        what: &'static str,
    },
    /// The till's own store failed (its SQLite file, its journal).
    #[error("till store: {source}")]
    Till {
        /// The till's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A domain rule from pos-core.
    #[error(transparent)]
    Core(#[from] pos_core::CoreError),
    /// The fiscal journal.
    #[error(transparent)]
    Fiscal(#[from] pos_fiscal::FiscalError),
    /// A digital receipt send was refused or failed.
    #[error("digital receipt: {0}")]
    Digital(#[from] crate::digital::DigitalFailure),
    /// A refund lookup or reservation was refused.
    #[error("refund: {0}")]
    Refund(#[from] crate::refunds::RefundFailure),
}

impl SyncError {
    /// A stable machine-readable code (the `code` of error bodies).
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Decode { .. } => "decode",
            SyncError::Invalid { .. } => "invalid",
            SyncError::TooLarge { .. } => "too_large",
            SyncError::Version { .. } => "version",
            SyncError::Auth(AuthFailure::Replayed) => "replayed",
            SyncError::Auth(AuthFailure::Stale { .. }) => "stale",
            SyncError::Auth(AuthFailure::WrongStore) => "wrong_store",
            SyncError::Auth(AuthFailure::BadEnrolmentCode) => "enrolment_code_invalid",
            SyncError::Auth(AuthFailure::EnrolmentCodeUsed) => "enrolment_code_used",
            SyncError::Auth(AuthFailure::EnrolmentCodeExpired) => "enrolment_code_expired",
            SyncError::Auth(AuthFailure::EnrolmentCodeRevoked) => "enrolment_code_revoked",
            SyncError::Auth(AuthFailure::ReplacesNotAuthorised) => "replaces_not_authorised",
            SyncError::Auth(AuthFailure::BadWebKey) => "web_key_invalid",
            SyncError::Auth(_) => "unauthorized",
            SyncError::SequenceConflict { .. } => "sequence_conflict",
            SyncError::EventIdConflict => "event_id_conflict",
            SyncError::InvalidTransition { .. } => "invalid_transition",
            SyncError::InsufficientStock { .. } => "insufficient_stock",
            SyncError::OfflineCapExceeded { .. } => "offline_cap_exceeded",
            SyncError::NotFound { .. } => "not_found",
            SyncError::Overflow { .. } => "overflow",
            SyncError::Server { .. } => "server",
            SyncError::Unavailable { .. } => "server_unavailable",
            SyncError::Transport { .. } => "transport",
            SyncError::Corrupt { .. } => "corrupt",
            SyncError::Till { .. } => "till",
            SyncError::Core(_) => "domain",
            SyncError::Fiscal(_) => "fiscal",
            SyncError::Digital(f) => f.code(),
            SyncError::Refund(f) => f.code(),
        }
    }

    /// The HTTP status the server answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            SyncError::Decode { .. }
            | SyncError::Invalid { .. }
            | SyncError::Version { .. }
            | SyncError::Core(_) => 400,
            SyncError::TooLarge { .. } => 413,
            SyncError::Auth(AuthFailure::WrongStore | AuthFailure::ReplacesNotAuthorised) => 403,
            SyncError::Auth(_) => 401,
            SyncError::NotFound { .. } => 404,
            SyncError::SequenceConflict { .. }
            | SyncError::EventIdConflict
            | SyncError::InvalidTransition { .. }
            | SyncError::InsufficientStock { .. }
            | SyncError::OfflineCapExceeded { .. } => 409,
            SyncError::Digital(f) => f.http_status(),
            SyncError::Refund(f) => f.http_status(),
            SyncError::Unavailable { .. } => 503,
            _ => 500,
        }
    }

    /// Whether trying the same thing again later may succeed: the server is
    /// unavailable ([`SyncError::Unavailable`]) or the transport failed
    /// (connection refused or reset, timeout). Refusals (4xx), server bugs
    /// (500) and local failures are not transient.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Unavailable { .. } | SyncError::Transport { .. }
        )
    }

    /// The delay the server asked for before trying again, if any.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            SyncError::Unavailable {
                retry_after_s: Some(s),
                ..
            } => Some(std::time::Duration::from_secs(*s)),
            _ => None,
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;
