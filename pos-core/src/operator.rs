//! Operators at the till: who they are, what their role allows, how their
//! PIN is checked and when wrong tries lock them out.
//!
//! Pure like the rest of the crate: the PIN hash takes its salt as an
//! argument and the lockout takes the time, so the till and the back office
//! compute the same thing from the same inputs.
//!
//! ```
//! use pos_core::operator::{PinHash, Role};
//! use pos_core::cart::Permission;
//!
//! let hash = PinHash::derive("4821", [7; 16])?;
//! assert!(hash.verify("4821"));
//! assert!(!hash.verify("4822"));
//! assert!(Role::Manager.permissions().has(Permission::NoSale));
//! assert!(!Role::Cashier.permissions().has(Permission::Closure));
//! # Ok::<(), pos_core::operator::OperatorError>(())
//! ```

use crate::cart::{Permission, Permissions};
use crate::ids::OperatorId;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Wrong PINs in a row that lock an operator out.
pub const MAX_PIN_TRIES: u32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MINUTES: i64 = 5;
/// A PIN has at most 10^8 values, so no hash makes a stolen file safe on
/// its own: the memory-hard hash (Argon2id, 19 MiB, 2 passes, the OWASP
/// minimum) slows an offline search down, the lockout guards the till, and
/// the hash never leaves the till file and the back office.
const MAX_MEMORY_KIB: u32 = 65_536;
const MIN_MEMORY_KIB: u32 = 8_192;
const MAX_PASSES: u32 = 8;
const MAX_LANES: u32 = 4;
/// Longest display name, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// What an operator action or a PIN check can refuse. No message carries a
/// PIN or a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// A PIN that is not 4 to 8 digits.
    #[error("a PIN is 4 to 8 digits")]
    InvalidPin,
    /// A stored or received PIN hash this build cannot read.
    #[error("the PIN hash is not an Argon2id hash this build accepts")]
    InvalidPinHash,
    /// A display name that is empty, too long or has control characters.
    #[error("an operator's name is 1 to {MAX_NAME_LEN} printable characters")]
    InvalidName,
    /// A role name that is not cashier, manager, trainee or custom.
    #[error("unknown role `{role}`: expected cashier, manager, trainee or custom")]
    UnknownRole {
        /// The name given (truncated).
        role: String,
    },
    /// A permission name that does not exist.
    #[error("unknown permission `{permission}`")]
    UnknownPermission {
        /// The name given (truncated).
        permission: String,
    },
    /// No operator of this id on the till.
    #[error("no operator `{operator}` on this till")]
    UnknownOperator {
        /// The id given.
        operator: String,
    },
    /// The PIN does not match; `tries_left` more before the lockout.
    #[error("wrong PIN for operator `{operator}`: {tries_left} tries left")]
    WrongPin {
        /// The operator.
        operator: String,
        /// Wrong PINs still allowed before the lockout (0: locked now).
        tries_left: u32,
    },
    /// Too many wrong PINs: no sign-in until `until`.
    #[error("operator `{operator}` is locked after too many wrong PINs until {until}")]
    Locked {
        /// The operator.
        operator: String,
        /// When the lockout ends (UTC, RFC 3339).
        until: String,
    },
    /// The operator was disabled.
    #[error("operator `{operator}` is disabled")]
    Inactive {
        /// The operator.
        operator: String,
    },
}

impl OperatorError {
    /// A stable snake_case name for bindings and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            OperatorError::InvalidPin => "invalid_pin",
            OperatorError::InvalidPinHash => "invalid_pin_hash",
            OperatorError::InvalidName => "invalid_operator_name",
            OperatorError::UnknownRole { .. } => "unknown_role",
            OperatorError::UnknownPermission { .. } => "unknown_permission",
            OperatorError::UnknownOperator { .. } => "unknown_operator",
            OperatorError::WrongPin { .. } => "wrong_pin",
            OperatorError::Locked { .. } => "operator_locked",
            OperatorError::Inactive { .. } => "operator_inactive",
        }
    }
}

/// An operator's role: a named set of permissions, or the store's own set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Role {
    /// Sells, gives line and ticket discounts.
    Cashier,
    /// Everything: overrides, returns, no-sale drawer openings, closures.
    Manager,
    /// Sells only (no discount, no return, no closure).
    Trainee,
    /// The store's own set.
    Custom {
        /// What it allows.
        permissions: Permissions,
    },
}

impl Role {
    /// What the role allows.
    pub fn permissions(&self) -> Permissions {
        match self {
            Role::Cashier => Permissions::cashier(),
            Role::Manager => Permissions::manager(),
            Role::Trainee => Permissions::none(),
            Role::Custom { permissions } => permissions.clone(),
        }
    }

    /// The role's stable name (`cashier`, `manager`, `trainee`, `custom`).
    pub fn name(&self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Manager => "manager",
            Role::Trainee => "trainee",
            Role::Custom { .. } => "custom",
        }
    }

    /// A role from its name and, for `custom`, the permission names it grants.
    pub fn from_parts<S: AsRef<str>>(name: &str, permissions: &[S]) -> Result<Role, OperatorError> {
        match name {
            "cashier" => Ok(Role::Cashier),
            "manager" => Ok(Role::Manager),
            "trainee" => Ok(Role::Trainee),
            "custom" => {
                let mut set = Permissions::none();
                for p in permissions {
                    let p = p.as_ref();
                    let permission = Permission::from_name(p).ok_or_else(|| {
                        OperatorError::UnknownPermission {
                            permission: p.chars().take(32).collect(),
                        }
                    })?;
                    set = set.with(permission);
                }
                Ok(Role::Custom { permissions: set })
            }
            other => Err(OperatorError::UnknownRole {
                role: other.chars().take(32).collect(),
            }),
        }
    }
}

/// An operator as the till keeps it (the PIN hash is kept beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Their id, printed on tickets and kept in the journal.
    pub id: OperatorId,
    /// Their display name (shown on the till, never in the journal).
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// A disabled operator cannot sign in.
    pub active: bool,
}

impl Operator {
    /// An operator with a checked name.
    pub fn new(
        id: OperatorId,
        name: &str,
        role: Role,
        active: bool,
    ) -> Result<Operator, OperatorError> {
        Ok(Operator {
            id,
            name: check_name(name)?,
            role,
            active,
        })
    }
}

/// A display name: trimmed, 1 to [`MAX_NAME_LEN`] characters, no control character.
pub fn check_name(name: &str) -> Result<String, OperatorError> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(OperatorError::InvalidName);
    }
    Ok(name.to_owned())
}

/// `Ok` for 4 to 8 ASCII digits.
pub fn check_pin(pin: &str) -> Result<(), OperatorError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(OperatorError::InvalidPin)
    }
}

/// A salted Argon2id hash of a PIN, in the PHC string form
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). Its `Debug` shows
/// nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash(String);

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHash(..)")
    }
}

impl PinHash {
    /// Hashes a checked PIN with a fresh random `salt` drawn by the caller.
    pub fn derive(pin: &str, salt: [u8; 16]) -> Result<PinHash, OperatorError> {
        check_pin(pin)?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| OperatorError::InvalidPinHash)?;
        let hash = Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|_| OperatorError::InvalidPinHash)?;
        Ok(PinHash(hash.to_string()))
    }

    /// Reads a stored or received hash: Argon2id only, with parameters
    /// between a floor (no free check) and a ceiling (no sign-in that
    /// hangs the till or exhausts its memory).
    pub fn parse(text: &str) -> Result<PinHash, OperatorError> {
        let hash = PasswordHash::new(text).map_err(|_| OperatorError::InvalidPinHash)?;
        let params = Params::try_from(&hash).map_err(|_| OperatorError::InvalidPinHash)?;
        let salt_len = hash.salt.map_or(0, |s| s.len());
        let ok = hash.algorithm == argon2::ARGON2ID_IDENT
            && (MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&params.m_cost())
            && (1..=MAX_PASSES).contains(&params.t_cost())
            && (1..=MAX_LANES).contains(&params.p_cost())
            && salt_len >= 16
            && hash.hash.is_some_and(|h| h.len() >= 16);
        if ok {
            Ok(PinHash(text.to_owned()))
        } else {
            Err(OperatorError::InvalidPinHash)
        }
    }

    /// The stored form (PHC string).
    pub fn to_text(&self) -> String {
        self.0.clone()
    }

    /// True when `pin` is the hashed PIN (a PIN that is not 4 to 8 digits,
    /// or a hash that no longer reads, never matches).
    pub fn verify(&self, pin: &str) -> bool {
        if check_pin(pin).is_err() {
            return false;
        }
        PasswordHash::new(&self.0).is_ok_and(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
    }
}

/// Wrong PINs counted for one operator, kept durably by the till so that a
/// restart does not reset them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignInState {
    /// Wrong PINs in a row since the last success or lockout end.
    pub failed: u32,
    /// The end of the current lockout, if any.
    pub locked_until: Option<DateTime<Utc>>,
}

impl SignInState {
    /// Refuses a sign-in attempt while locked; a lockout that ended starts
    /// the count again.
    pub fn before_attempt(
        self,
        operator: &OperatorId,
        now: DateTime<Utc>,
    ) -> Result<SignInState, OperatorError> {
        match self.locked_until {
            Some(until) if now < until => Err(OperatorError::Locked {
                operator: operator.to_string(),
                until: until.to_rfc3339(),
            }),
            Some(_) => Ok(SignInState::default()),
            None => Ok(self),
        }
    }

    /// The state after a wrong PIN and the error to report: `WrongPin`
    /// with the tries left, the last one starting a lockout of
    /// [`LOCKOUT_MINUTES`].
    pub fn after_wrong_pin(
        self,
        operator: &OperatorId,
        now: DateTime<Utc>,
    ) -> (SignInState, OperatorError) {
        let failed = self.failed.saturating_add(1).min(MAX_PIN_TRIES);
        let tries_left = MAX_PIN_TRIES.saturating_sub(failed);
        let locked_until = (tries_left == 0)
            .then(|| now.checked_add_signed(Duration::minutes(LOCKOUT_MINUTES)))
            .flatten();
        (
            SignInState {
                failed,
                locked_until,
            },
            OperatorError::WrongPin {
                operator: operator.to_string(),
                tries_left,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        for ok in ["1234", "12345678", "0000"] {
            assert_eq!(check_pin(ok), Ok(()), "{ok}");
        }
        for bad in ["123", "123456789", "12a4", "", " 1234", "１２３４"] {
            assert_eq!(check_pin(bad), Err(OperatorError::InvalidPin), "{bad}");
        }
    }

    #[test]
    fn hash_round_trips_and_hides_itself() {
        let h = PinHash::derive("482193", [3; 16]).unwrap();
        let text = h.to_text();
        assert!(text.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!text.contains("482193"));
        let back = PinHash::parse(&text).unwrap();
        assert!(back.verify("482193"));
        assert!(!back.verify("482194"));
        assert!(!back.verify("48219"));
        assert_eq!(format!("{back:?}"), "PinHash(..)");
        // Another salt, another hash.
        assert_ne!(PinHash::derive("482193", [4; 16]).unwrap().to_text(), text);
    }

    #[test]
    fn foreign_or_weak_hashes_are_refused() {
        let good = PinHash::derive("1234", [1; 16]).unwrap().to_text();
        let weak = good.replacen("m=19456", "m=8", 1);
        let huge = good.replacen("m=19456", "m=4000000", 1);
        let argon2i = good.replacen("$argon2id$", "$argon2i$", 1);
        for bad in [
            "",
            "pbkdf2-sha256$100000$00$00",
            argon2i.as_str(),
            weak.as_str(),
            huge.as_str(),
            &good[..good.len() - 30],
            &format!("{good}$extra"),
        ] {
            assert_eq!(PinHash::parse(bad), Err(OperatorError::InvalidPinHash));
        }
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes() {
        let op = OperatorId::new("anna").unwrap();
        let mut s = SignInState::default();
        for left in (0..MAX_PIN_TRIES).rev() {
            s = s.before_attempt(&op, at(0)).unwrap();
            let (next, e) = s.after_wrong_pin(&op, at(0));
            assert_eq!(e.kind(), "wrong_pin");
            assert_eq!(
                e,
                OperatorError::WrongPin {
                    operator: "anna".into(),
                    tries_left: left
                }
            );
            s = next;
        }
        assert_eq!(s.locked_until, Some(at(LOCKOUT_MINUTES)));
        let e = s.before_attempt(&op, at(4)).unwrap_err();
        assert_eq!(e.kind(), "operator_locked");
        // The lockout ends: five tries again.
        assert_eq!(
            s.before_attempt(&op, at(LOCKOUT_MINUTES)),
            Ok(SignInState::default())
        );
    }

    #[test]
    fn roles_and_names() {
        assert_eq!(Role::Trainee.permissions(), Permissions::none());
        let custom = Role::from_parts("custom", &["no_sale", "return"]).unwrap();
        assert!(custom.permissions().has(Permission::NoSale));
        assert!(!custom.permissions().has(Permission::Closure));
        assert_eq!(
            Role::from_parts("custom", &["fly"]).unwrap_err().kind(),
            "unknown_permission"
        );
        assert_eq!(
            Role::from_parts::<&str>("boss", &[]).unwrap_err().kind(),
            "unknown_role"
        );
        let json = serde_json::to_string(&custom).unwrap();
        assert_eq!(
            json,
            r#"{"role":"custom","permissions":["return","no_sale"]}"#
        );
        assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), custom);
        assert_eq!(check_name("  Anna  ").unwrap(), "Anna");
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
