//! What the back office stores: retailers, users with roles, sessions, the
//! personal-data access log, and the typed refusals of its requests.

use serde::{Deserialize, Serialize};

/// What a back-office user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including the personal-data access log.
    Owner,
    /// Dashboards, downloads, customer export and erasure.
    Manager,
    /// Read-only: dashboards, closures and fiscal downloads; no personal data.
    Accountant,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Accountant => "accountant",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "manager" => Some(Role::Manager),
            "accountant" => Some(Role::Accountant),
            _ => None,
        }
    }

    /// The French label shown in pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "propriétaire",
            Role::Manager => "responsable",
            Role::Accountant => "comptable (lecture seule)",
        }
    }

    /// Whether this role may read or act on customers' personal data.
    pub fn may_touch_personal_data(self) -> bool {
        matches!(self, Role::Owner | Role::Manager)
    }
}

/// A back-office user (one retailer each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoUser {
    /// Login name (unique across the server).
    pub username: String,
    /// The retailer whose stores the user sees.
    pub retailer: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Consecutive failed logins.
    pub failures: u32,
    /// Logins refused until this instant (ms since the epoch), 0 if none.
    pub locked_until_ms: i64,
}

/// A signed-in session (the cookie holds the id; only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoSession {
    /// SHA-256 (hex) of the session id.
    pub id_hash: String,
    /// Its user.
    pub username: String,
    /// The CSRF token bound to this session.
    pub csrf: String,
    /// Expiry (ms since the epoch).
    pub expires_ms: i64,
}

/// A pushed event as the server stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Event id.
    pub event_id: String,
    /// Device that pushed it.
    pub device: String,
    /// Its store.
    pub store: String,
    /// Kind (`sale`, `refund`, `customer`...).
    pub kind: String,
    /// Creation time on the till (RFC 3339).
    pub created_at: String,
    /// The whole wire event (JSON).
    pub json: String,
}

/// One access to a customer's personal data by a back-office user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The user's retailer.
    pub retailer: String,
    /// Who.
    pub username: String,
    /// Which store's customer.
    pub store: String,
    /// Which customer (pseudonymous id).
    pub customer: String,
    /// What: `view`, `export`, `erase`, `anonymise`.
    pub action: String,
}

/// Why a back-office request or command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackOfficeFailure {
    /// Unknown user or wrong password (which one is not said).
    #[error("user name or password is not valid")]
    BadCredentials,
    /// Too many failed logins: wait before trying again.
    #[error("too many failed logins; retry in {retry_after_seconds} s")]
    Throttled {
        /// Seconds to wait.
        retry_after_seconds: i64,
    },
    /// No valid session: sign in.
    #[error("not signed in or session expired")]
    NoSession,
    /// The CSRF token is missing or not this session's.
    #[error("CSRF token is missing or not valid")]
    BadCsrf,
    /// The role may not do this.
    #[error("role `{role}` may not {action}")]
    Forbidden {
        /// The user's role.
        role: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The retailer does not exist.
    #[error("retailer not found")]
    UnknownRetailer,
    /// The store belongs to another retailer (or to none the user sees).
    #[error("store does not belong to this retailer")]
    ForeignStore,
    /// The user name is taken.
    #[error("user name already exists")]
    UserExists,
    /// A password shorter than the minimum.
    #[error("password must be at least {min} characters")]
    WeakPassword {
        /// Minimum length.
        min: usize,
    },
    /// A name or id outside the allowed characters or length.
    #[error("{field} must be 1 to 64 letters, digits, `-`, `_` or `.`")]
    BadName {
        /// Which field.
        field: &'static str,
    },
    /// Password hashing failed.
    #[error("password hashing failed")]
    Hashing,
}

impl BackOfficeFailure {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            BackOfficeFailure::BadCredentials => "bad_credentials",
            BackOfficeFailure::Throttled { .. } => "throttled",
            BackOfficeFailure::NoSession => "no_session",
            BackOfficeFailure::BadCsrf => "bad_csrf",
            BackOfficeFailure::Forbidden { .. } => "forbidden",
            BackOfficeFailure::UnknownRetailer => "unknown_retailer",
            BackOfficeFailure::ForeignStore => "foreign_store",
            BackOfficeFailure::UserExists => "user_exists",
            BackOfficeFailure::WeakPassword { .. } => "weak_password",
            BackOfficeFailure::BadName { .. } => "bad_name",
            BackOfficeFailure::Hashing => "hashing",
        }
    }

    /// The HTTP status of the refusal.
    pub fn http_status(self) -> u16 {
        match self {
            BackOfficeFailure::BadCredentials | BackOfficeFailure::NoSession => 401,
            BackOfficeFailure::Throttled { .. } => 429,
            BackOfficeFailure::BadCsrf
            | BackOfficeFailure::Forbidden { .. }
            | BackOfficeFailure::ForeignStore => 403,
            BackOfficeFailure::UnknownRetailer => 404,
            BackOfficeFailure::UserExists => 409,
            BackOfficeFailure::WeakPassword { .. } | BackOfficeFailure::BadName { .. } => 400,
            BackOfficeFailure::Hashing => 500,
        }
    }
}
