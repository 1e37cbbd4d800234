//! Operators sent by the back office to the tills of one store (issue 14):
//! a change of kind [`ChangeKind::Operator`] keyed by the operator's id,
//! carrying their name, role, status, the salted PIN hash the server made
//! (never a PIN) and the server's revision, so a till keeps the newest
//! version whatever order it pulls them in.
//!
//! [`ChangeKind::Operator`]: crate::wire::ChangeKind::Operator

use pos_core::ids::OperatorId;
use pos_core::operator::{Operator, OperatorError, PinHash, Role};
use serde::{Deserialize, Serialize};

/// The data of an operator change.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorChange {
    /// The operator's id (also the change's key).
    pub id: String,
    /// Their display name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// A disabled operator cannot sign in.
    pub active: bool,
    /// The Argon2id PHC string of their PIN.
    pub pin_hash: String,
    /// The back office's revision of this operator (1, 2, 3...).
    pub revision: i64,
}

impl std::fmt::Debug for OperatorChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorChange")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Why a received operator change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorChangeError {
    /// The id is not an operator id, or is not the change's key.
    #[error("the operator id is invalid or not the change's key")]
    InvalidId,
    /// A revision below 1.
    #[error("an operator's revision is 1 or more")]
    InvalidRevision,
    /// pos-core refused the name or the PIN hash.
    #[error(transparent)]
    Operator(#[from] OperatorError),
}

impl OperatorChangeError {
    /// A stable snake_case name.
    pub fn kind(&self) -> &'static str {
        match self {
            OperatorChangeError::InvalidId => "invalid_operator_id",
            OperatorChangeError::InvalidRevision => "invalid_revision",
            OperatorChangeError::Operator(e) => e.kind(),
        }
    }
}

impl OperatorChange {
    /// Checks the change with pos-core's types: the id (equal to `key`),
    /// the name, the PIN hash (Argon2id within bounds) and the revision.
    pub fn validate(&self, key: &str) -> Result<(Operator, PinHash), OperatorChangeError> {
        if self.id != key {
            return Err(OperatorChangeError::InvalidId);
        }
        let id = OperatorId::new(&self.id).map_err(|_| OperatorChangeError::InvalidId)?;
        if self.revision < 1 {
            return Err(OperatorChangeError::InvalidRevision);
        }
        let operator = Operator::new(id, &self.name, self.role.clone(), self.active)?;
        Ok((operator, PinHash::parse(&self.pin_hash)?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn change() -> OperatorChange {
        OperatorChange {
            id: "anna".into(),
            name: "Anna".into(),
            role: Role::Cashier,
            active: true,
            pin_hash: PinHash::derive("4821", [9; 16]).unwrap().to_text(),
            revision: 1,
        }
    }

    #[test]
    fn a_change_is_checked_with_pos_core_types() {
        let c = change();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["role"]["role"], "cashier");
        let back: OperatorChange = serde_json::from_value(json).unwrap();
        let (op, hash) = back.validate("anna").unwrap();
        assert_eq!(op.id.as_str(), "anna");
        assert!(hash.verify("4821"));
        assert!(!format!("{c:?}").contains("argon2"), "no hash in Debug");
        assert_eq!(
            c.validate("marc").unwrap_err(),
            OperatorChangeError::InvalidId
        );
        let bad = |f: fn(&mut OperatorChange)| {
            let mut c = change();
            f(&mut c);
            c.validate("anna").unwrap_err().kind()
        };
        assert_eq!(bad(|c| c.revision = 0), "invalid_revision");
        assert_eq!(bad(|c| c.name = String::new()), "invalid_operator_name");
        assert_eq!(bad(|c| c.pin_hash = "4821".into()), "invalid_pin_hash");
        let mut extra = serde_json::to_value(change()).unwrap();
        extra["pin"] = "4821".into();
        assert!(serde_json::from_value::<OperatorChange>(extra).is_err());
    }
}
