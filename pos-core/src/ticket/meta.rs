//! What the caller injects into a ticket: ids, place, operator and time.

use crate::CoreError;
use crate::ids::{CustomerId, OperatorId, RegisterId, StoreId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Largest local offset from UTC accepted (±18 hours, ISO 8601's bound).
pub const MAX_UTC_OFFSET_SECONDS: i32 = 18 * 3600;

/// Ids, place, operator and time of a ticket, made outside the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketMeta {
    /// The ticket's UUID (any version; the SDK makes v7), as text.
    pub ticket_id: String,
    /// The store (establishment).
    pub store: StoreId,
    /// The register.
    pub register: RegisterId,
    /// The operator who completed the sale.
    pub operator: OperatorId,
    /// The instant of completion.
    pub at: DateTime<Utc>,
    /// The store's local offset from UTC at `at`, in seconds (Paris: 3600
    /// in winter, 7200 in summer).
    pub utc_offset_seconds: i32,
    /// The customer's pseudonymous id, if identified.
    pub customer: Option<CustomerId>,
}

impl TicketMeta {
    /// Checks the id is a UUID and the offset is within ±18 hours.
    pub fn validate(&self) -> Result<(), CoreError> {
        check_ticket_id(&self.ticket_id)?;
        if self.utc_offset_seconds.abs() > MAX_UTC_OFFSET_SECONDS {
            return Err(CoreError::InvalidUtcOffset {
                seconds: self.utc_offset_seconds,
            });
        }
        Ok(())
    }
}

/// A ticket id must be a UUID (any version: apps make v4, the SDK v7, a
/// key derived from an app string is v8) in its hyphenated lower-case form.
pub(crate) fn check_ticket_id(id: &str) -> Result<(), CoreError> {
    let invalid = CoreError::InvalidId { kind: "TicketId" };
    let uuid = uuid::Uuid::try_parse(id).map_err(|_| invalid.clone())?;
    if uuid.is_nil() || uuid.is_max() || uuid.hyphenated().to_string() != id {
        return Err(invalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_are_uuids_of_any_version() {
        assert!(check_ticket_id("01936f4e-8c2a-7b3d-9e4f-0a1b2c3d4e5f").is_ok());
        // v4
        assert!(check_ticket_id("3f2b8c1e-4d5a-4e6f-8a7b-9c0d1e2f3a4b").is_ok());
        assert!(check_ticket_id("00000000-0000-0000-0000-000000000000").is_err());
        // upper case, braces and garbage are refused
        assert!(check_ticket_id("01936F4E-8C2A-7B3D-9E4F-0A1B2C3D4E5F").is_err());
        assert!(check_ticket_id("not-a-uuid").is_err());
    }
}
